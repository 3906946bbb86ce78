"""Every format a report is written in, in one table, and the report files of a station.

What ``radio report`` writes and lists and what the studio lists and serves all come from
here: a format added to ``FORMATS`` is written, listed and downloadable everywhere at once.
Light on purpose (no figures, no store): the command line's help reads the table.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from radio.reports import chart, markdown, web, word
from radio.reports.period import Period, ReportError, period_of

if TYPE_CHECKING:
    from radio.reports.document import Outline
    from radio.reports.figures import Report

FOLDER = "reports"
PREFIX = "bao-cao-"


@dataclass(frozen=True)
class ReportFormat:
    name: str
    suffix: str
    media_type: str
    label: str  # what a person is told the file is
    render: Callable[[Outline], bytes | None]  # None: this report has nothing in this format


FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat("docx", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "văn bản Word theo Nghị định 30/2020", word.render),
    ReportFormat("md", ".md", "text/markdown", "văn bản thuần (Markdown)", markdown.render),
    ReportFormat("html", ".html", "text/html", "trang web", web.render),
    ReportFormat("png", ".png", "image/png", "biểu đồ", chart.render),
)


@dataclass(frozen=True)
class ReportFile:
    path: Path
    period: Period
    format: ReportFormat

    @property
    def name(self) -> str:
        return self.path.name


def report_files(station_dir: Path, period: Period) -> list[ReportFile]:
    """The files a report of ``period`` is written to, one per format, written yet or not."""
    folder = Path(station_dir) / FOLDER
    return [ReportFile(folder / f"{PREFIX}{period.key}{form.suffix}", period, form) for form in FORMATS]


def existing_reports(station_dir: Path) -> list[ReportFile]:
    """The station's report files, by period, each period's in the table's order. Only the
    names ``report_files`` gives are listed, so a stray file is never listed nor served."""
    folder = Path(station_dir) / FOLDER
    if not folder.is_dir():
        return []
    keys = sorted({key for path in folder.iterdir() if (key := _period_key(path.name))})
    return [file for key in keys for file in report_files(station_dir, period_of(key)) if file.path.is_file()]


def find_report(station_dir: Path, name: str) -> ReportFile | None:
    """The existing report file of that name (what a download link names), if any."""
    return next((file for file in existing_reports(station_dir) if file.name == name), None)


def _period_key(name: str) -> str | None:
    for form in FORMATS:
        if name.startswith(PREFIX) and name.endswith(form.suffix):
            key = name[len(PREFIX):-len(form.suffix)]
            try:
                if period_of(key).key == key:
                    return key
            except ReportError:
                continue
    return None


def write_report(report: Report, station_dir: Path, detail: bool = False) -> list[Path]:
    """The report in every format of the table; the paths written, in the table's order."""
    # Imported here: listing and the command line's help need neither.
    from radio.fileio import write_bytes
    from radio.reports.contents import outline

    plan = outline(report, detail)
    paths = []
    for file in report_files(station_dir, report.period):
        data = file.format.render(plan)
        if data is not None:
            write_bytes(file.path, data)
            paths.append(file.path)
    report.files = paths
    return paths
