"""Periodic reports (quarter, half-year, year) of what the station aired.

``period`` (the period as written) → ``figures`` (typed rows from the store and the
produced files) → ``contents`` (what the report says: a ``document.Outline``) → one renderer
per format (``word``, ``markdown``, ``web``, ``chart``), all named in ``formats.FORMATS``,
the one table that names, writes and lists a station's report files.

The names below stay importable from ``radio.reports``; each is loaded when first asked
for, so that reading the table of formats does not load the figures' modules.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "Period": "period", "ReportError": "period", "parse_period": "period", "period_of": "period",
    "AsRunRow": "figures", "ProgrammeRow": "figures", "Report": "figures", "build_report": "figures",
    "Outline": "document", "Section": "document", "Table": "document",
    "detail_table": "contents", "directions": "contents", "outline": "contents", "summary_lines": "contents",
    "FORMATS": "formats", "ReportFile": "formats", "ReportFormat": "formats", "existing_reports": "formats",
    "find_report": "formats", "report_files": "formats", "write_report": "formats",
}


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'radio.reports' has no attribute {name!r}")
    return getattr(importlib.import_module(f"radio.reports.{_EXPORTS[name]}"), name)
