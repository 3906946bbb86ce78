"""The .html format: an A4 page with the chart embedded, for the browser and the studio."""
from __future__ import annotations

import re

from radio.reports.document import Outline
from radio.reports.templated import render_template


def render(plan: Outline) -> bytes:
    return render_template("report.html.j2", plan, {"dates_whole": _dates_whole})


def _dates_whole(text: str):
    """A table cell's dates (and a date with its time) kept on one line in the page."""
    from markupsafe import Markup, escape

    return Markup(re.sub(r"\d{2}/\d{2}/\d{4}( \d{2}:\d{2})?",
                         lambda m: f'<span class="date">{m.group(0)}</span>', str(escape(text))))
