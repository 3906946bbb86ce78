"""The .md format: the report as plain text a person can read, paste or diff."""
from __future__ import annotations

from radio.reports.document import Outline
from radio.reports.templated import render_template


def render(plan: Outline) -> bytes:
    return render_template("report.md.j2", plan, {"md_cell": _cell})


def _cell(text: object) -> str:
    """A table cell kept inside its row: no column bar, no line break."""
    return str(text).replace("|", "/").replace("\n", " ")
