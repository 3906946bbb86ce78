"""The formats drawn from Jinja2 templates (``radio/templates/report.*.j2``): one
environment, each format bringing the filters its template uses."""
from __future__ import annotations

from typing import Callable

from radio.reports.document import Outline


def render_template(template: str, plan: Outline, filters: dict[str, Callable]) -> bytes:
    import base64

    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("radio", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html.j2",)),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(filters)
    chart = base64.b64encode(plan.chart).decode() if plan.chart else None
    return env.get_template(template).render(plan=plan, chart=chart).encode("utf-8")
