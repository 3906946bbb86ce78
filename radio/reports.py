"""Periodic reports: what the CCHC column on the loudspeakers achieved in a quarter,
half-year or year, from the store (approvals, queue, as-run log) and the produced files.

Every figure is computed from rows that ``rows`` keeps, so ``--detail`` can list them and a
reader can check any number: minutes aired is the sum of the as-run durations listed.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from radio.approval import MonthFiles, read_manifest, standing_approval
from radio.clock import parsed, shown
from radio.config import load_model
from radio.errors import RadioError
from radio.fileio import write_bytes, write_text
from radio.library import all_procedures, all_topics, load_plan_items
from radio.models import Brief, Station
from radio.player import RESULT_NAMES
from radio.schedule import station_zone
from radio.store import Store

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
ON_AIR = ("aired", "interrupted")  # results during which the programme was on air


class ReportError(RadioError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str  # quarter | half | year
    key: str  # 2026-Q4 | 2026-H2 | 2026
    label: str  # quý IV năm 2026
    months: list[str]


def period_of(value: str) -> Period:
    """A period as the officer writes it: 2026-Q4 (a quarter), 2026-H2 (a half), 2026 (a year)."""
    for kind, pattern in (("quarter", r"\d{4}-Q[1-4]"), ("half", r"\d{4}-H[12]"), ("year", r"\d{4}")):
        if re.fullmatch(pattern, value.strip().upper()):
            return parse_period(kind, value.strip().upper())
    raise ReportError(f"Không hiểu kỳ báo cáo '{value}'.",
                      hint="viết 2026-Q4 cho quý IV, 2026-H2 cho 6 tháng cuối năm, 2026 cho cả năm.")


def parse_period(kind: str, value: str) -> Period:
    patterns = {"quarter": r"(\d{4})-Q([1-4])", "half": r"(\d{4})-H([12])", "year": r"(\d{4})"}
    if kind not in patterns:
        raise ReportError(f"Không có loại báo cáo '{kind}'.", hint="dùng quarter, half hoặc year.")
    found = re.fullmatch(patterns[kind], value)
    if not found:
        examples = {"quarter": "2026-Q4", "half": "2026-H2", "year": "2026"}
        raise ReportError(f"Không hiểu kỳ báo cáo '{value}'.", hint=f"viết như {examples[kind]}.")
    year = int(found.group(1))
    if kind == "year":
        return Period(kind, value, f"năm {year}", [f"{year}-{m:02d}" for m in range(1, 13)])
    part = int(found.group(2))
    size = 3 if kind == "quarter" else 6
    months = [f"{year}-{m:02d}" for m in range((part - 1) * size + 1, part * size + 1)]
    label = (f"quý {ROMAN[part]} năm {year}" if kind == "quarter"
             else f"6 tháng {'đầu' if part == 1 else 'cuối'} năm {year}")
    return Period(kind, value, label, months)


@dataclass
class ProgrammeRow:
    month: str
    title: str
    duration_s: float
    approved_by: str | None
    approved_role: str | None
    approved_at: str | None
    airings_planned: int
    airings_aired: int


@dataclass
class AsRunRow:
    airing_id: int
    month: str
    planned_at: str
    started_at: str | None
    ended_at: str | None
    result: str
    error: str | None

    @property
    def seconds_on_air(self) -> float:
        if self.result not in ON_AIR or not self.started_at or not self.ended_at:
            return 0.0
        return (parsed(self.ended_at) - parsed(self.started_at)).total_seconds()


@dataclass
class Report:
    station: Station
    period: Period
    made_at: datetime
    programmes: list[ProgrammeRow]
    airings_planned: int
    as_run: list[AsRunRow]
    covered: list[tuple[str, list[str]]]  # plan item title → months
    not_covered: list[str]
    months_without_programme: list[str]
    months_not_yet_due: list[str]
    files: list[Path] = field(default_factory=list)
    # The first record changed outside the tool, if the trail or the log was tampered with.
    tampered: str | None = None

    def count(self, result: str) -> int:
        return sum(1 for row in self.as_run if row.result == result)

    @property
    def minutes_aired(self) -> float:
        return sum(row.seconds_on_air for row in self.as_run) / 60

    @property
    def minutes_by_month(self) -> dict[str, float]:
        totals = {month: 0.0 for month in self.period.months}
        for row in self.as_run:
            key = row.planned_at[:7]
            if key in totals:
                totals[key] += row.seconds_on_air / 60
        return totals

    @property
    def approved(self) -> int:
        return sum(1 for p in self.programmes if p.approved_by)

    @property
    def pending(self) -> int:
        return self.airings_planned - len(self.as_run)

    @property
    def empty(self) -> bool:
        return not self.programmes and not self.airings_planned


def build_report(station_dir: Path, period: Period, now: datetime | None = None) -> Report:
    station = load_model(station_dir / "station.yaml", Station)
    zone = station_zone(station)
    now = now or datetime.now(zone)
    store = Store(station_dir, readonly=True)
    logged = {entry.airing_id: entry for entry in store.as_run()}
    in_period = [a for a in store.queued()
                 if a.planned_at.astimezone(zone).strftime("%Y-%m") in period.months]
    as_run = [AsRunRow(a.id, a.month, logged[a.id].planned_at, logged[a.id].started_at,
                       logged[a.id].ended_at, logged[a.id].result, logged[a.id].error)
              for a in in_period if a.id in logged]
    as_run.sort(key=lambda r: r.planned_at)
    programmes = []
    for month in period.months:
        files = MonthFiles(station_dir, station.id, month)
        manifest = read_manifest(files)
        if manifest is None:
            continue
        # The approval as it stands now (a later rejection withdraws it), from the one place
        # that decides it.
        approval = standing_approval(store, month)
        planned = [a for a in in_period if a.month == month]
        programmes.append(ProgrammeRow(
            month, manifest.title, manifest.audio.duration_s,
            approval.by_name if approval else None, approval.role if approval else None,
            approval.at if approval else None, len(planned),
            sum(1 for r in as_run if r.month == month and r.result == "aired")))
    aired_months = sorted({r.month for r in as_run if r.result in ON_AIR})
    # A month whose airings are still to come is not "without a programme" yet.
    waiting = {a.month for a in in_period if a.id not in logged}
    current = now.strftime("%Y-%m")
    covered, not_covered = _coverage(station_dir, aired_months)
    return Report(
        station, period, now, programmes, len(in_period), as_run, covered, not_covered,
        months_without_programme=[m for m in period.months
                                  if m <= current and m not in aired_months and m not in waiting],
        months_not_yet_due=[m for m in period.months if m > current],
        tampered=store.broken_record())


def _coverage(station_dir: Path, months: list[str]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Plan content items covered by the topics and procedures of the months that aired."""
    items, _ = load_plan_items(station_dir)
    topics = {t.id: t for t in all_topics(station_dir)}
    procedures = {p.id: p for p in all_procedures(station_dir)}
    by_item: dict[str, list[str]] = {item.id: [] for item in items}
    for month in months:
        brief_path = station_dir / "months" / f"{month}.yaml"
        if not brief_path.exists():
            continue
        brief = load_model(brief_path, Brief)
        covers = set(getattr(topics.get(brief.topic), "covers", []))
        covers |= set(getattr(procedures.get(brief.procedure), "covers", []))
        for item_id in covers & set(by_item):
            by_item[item_id].append(month)
    covered = [(item.title, by_item[item.id]) for item in items if by_item[item.id]]
    return covered, [item.title for item in items if not by_item[item.id]]


# -- writing -----------------------------------------------------------------------------

def write_report(report: Report, station_dir: Path, detail: bool = False) -> list[Path]:
    folder = station_dir / "reports"
    stem = f"bao-cao-{report.period.key}"
    chart = None if report.empty else _chart(report)
    markdown = _markdown(report, detail)
    paths = [folder / f"{stem}.docx", folder / f"{stem}.md", folder / f"{stem}.html"]
    write_bytes(paths[0], _docx(report, chart, detail))
    write_text(paths[1], markdown)
    write_text(paths[2], _html(markdown, chart))
    if chart:
        paths.append(folder / f"{stem}.png")
        write_bytes(paths[-1], chart)
    report.files = paths
    return paths


def summary_lines(report: Report) -> list[str]:
    """The report's findings as sentences; the same text goes into every format."""
    r, p = report, report.period
    warning = [f"Cảnh báo: {r.tampered} Số liệu dưới đây có thể không đúng."] if r.tampered else []
    if r.empty:
        return warning + [f"Trong {p.label}, {r.station.name} chưa sản xuất và chưa phát chương trình "
                f"{r.station.programme.column} nào; hệ thống chưa ghi nhận số liệu của kỳ này."]
    lines = warning + [
        f"Trong {p.label}, {r.station.name} đã sản xuất {len(r.programmes)} chương trình "
        f"{r.station.programme.column}; {r.approved} chương trình được lãnh đạo duyệt trước khi phát.",
        f"Tổng số lượt phát theo lịch: {r.airings_planned}; đã phát: {r.count('aired')}; "
        f"bị ngắt giữa chừng: {r.count('interrupted')}; bỏ lỡ: {r.count('missed')}; "
        f"lỗi: {r.count('failed')}; chưa đến giờ phát: {r.pending}.",
        f"Tổng thời lượng phát sóng: {r.minutes_aired:.1f} phút.",
    ]
    if r.covered:
        lines.append(f"Đã tuyên truyền {len(r.covered)}/{len(r.covered) + len(r.not_covered)} "
                     "nội dung của kế hoạch tuyên truyền cải cách hành chính năm.")
    return lines


def _problems(report: Report) -> list[str]:
    problems = [f"Tháng {_month_vi(m)} không có chương trình được phát." for m in report.months_without_programme]
    for row in report.as_run:
        if row.result in ("missed", "failed", "interrupted"):
            problems.append(f"Lượt phát {shown(row.planned_at)}: {RESULT_NAMES[row.result]}"
                            + (f" ({row.error})" if row.error else "") + ".")
    return problems


def _month_vi(month: str) -> str:
    year, number = month.split("-")
    return f"{int(number)}/{year}"


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60} phút {int(round(seconds)) % 60:02d} giây"


def _programme_table(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["Tháng", "Tên chương trình", "Thời lượng", "Người duyệt", "Ngày duyệt", "Lượt đã phát/theo lịch"]
    rows = [[_month_vi(p.month), p.title, _clock(p.duration_s),
             f"{p.approved_by} ({p.approved_role})" if p.approved_by else "chưa duyệt",
             shown(p.approved_at)[:10] if p.approved_at else "", f"{p.airings_aired}/{p.airings_planned}"]
            for p in report.programmes]
    return header, rows


def detail_table(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["Số", "Giờ định phát", "Bắt đầu", "Kết thúc", "Kết quả", "Phút phát sóng"]
    rows = [[str(r.airing_id), shown(r.planned_at), shown(r.started_at), shown(r.ended_at),
             RESULT_NAMES[r.result], f"{r.seconds_on_air / 60:.2f}"] for r in report.as_run]
    return header, rows


def _markdown(report: Report, detail: bool) -> str:
    r = report
    out = [f"# Kết quả tuyên truyền cải cách hành chính trên hệ thống truyền thanh — {r.period.label}",
           "", f"**{r.station.name}**", ""]
    out += [f"- {line}" for line in summary_lines(r)]
    if not r.empty:
        header, rows = _programme_table(r)
        out += ["", "## 1. Chương trình đã sản xuất", "", _md_table(header, rows)]
        out += ["", "## 2. Phát sóng theo tháng", "",
                _md_table(["Tháng", "Phút phát sóng"],
                          [[_month_vi(m), f"{v:.1f}"] for m, v in r.minutes_by_month.items()])]
        out += ["", "## 3. Nội dung tuyên truyền", ""]
        out += [f"- Đã tuyên truyền: {title} (tháng {', '.join(_month_vi(m) for m in months)})"
                for title, months in r.covered]
        out += [f"- Chưa tuyên truyền: {title}" for title in r.not_covered]
        problems = _problems(r)
        out += ["", "## 4. Tồn tại, hạn chế", ""] + ([f"- {p}" for p in problems] or ["- Không có."])
        if r.months_not_yet_due:
            out += ["", f"Các tháng chưa đến kỳ: {', '.join(_month_vi(m) for m in r.months_not_yet_due)}."]
    if detail:
        header, rows = detail_table(r)
        out += ["", "## Phụ lục: nhật ký phát sóng", "", _md_table(header, rows) if rows else "Không có dòng nào."]
    out += ["", f"_Số liệu trích từ nhật ký phát sóng của phần mềm radio lúc {r.made_at:%H:%M ngày %d/%m/%Y}._", ""]
    return "\n".join(out)


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _html(markdown: str, chart: bytes | None) -> str:
    import base64
    import html as escape

    body = []
    for line in markdown.splitlines():
        if line.startswith("# "):
            body.append(f"<h1>{escape.escape(line[2:])}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{escape.escape(line[3:])}</h2>")
        elif line.startswith("|---"):
            continue
        elif line.startswith("| "):
            cells = "".join(f"<td>{escape.escape(c.strip())}</td>" for c in line.strip("|").split(" | "))
            body.append(f"<tr>{cells}</tr>")
        elif line.startswith("- "):
            body.append(f"<li>{escape.escape(line[2:])}</li>")
        elif line.strip():
            body.append(f"<p>{escape.escape(line.strip('*_'))}</p>")
    html = "\n".join(body)
    html = re.sub(r"((?:<tr>.*</tr>\n?)+)", r"<table>\1</table>", html)
    image = (f'<img alt="Biểu đồ phát sóng" src="data:image/png;base64,{base64.b64encode(chart).decode()}">'
             if chart else "")
    return ("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Báo cáo</title>"
            "<style>body{font-family:'Times New Roman',serif;max-width:180mm;margin:auto}"
            "table{border-collapse:collapse}td{border:1px solid #888;padding:2px 6px}</style>"
            f"</head><body>{html}{image}</body></html>")


def _chart(report: Report) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (minutes, results) = pyplot.subplots(1, 2, figsize=(9, 3.2), dpi=120)
    months = list(report.minutes_by_month)
    # "T7" rather than "7/2026": twelve labels must fit under a year's bars.
    minutes.bar([f"T{int(m[5:])}" for m in months], list(report.minutes_by_month.values()), color="#2f6690")
    minutes.set_title(f"Số phút phát sóng theo tháng ({months[0][:4]})")
    minutes.set_ylabel("phút")
    minutes.set_ylim(0, max(1.0, *report.minutes_by_month.values()) * 1.15)
    names = ["đã phát", "bị ngắt", "bỏ lỡ", "lỗi", "chưa đến giờ"]
    values = [report.count("aired"), report.count("interrupted"), report.count("missed"),
              report.count("failed"), report.pending]
    results.barh(names, values, color=["#3a7d44", "#e0a100", "#b23a48", "#7a1f2b", "#999999"])
    results.set_title("Lượt phát theo kết quả")
    results.xaxis.get_major_locator().set_params(integer=True)
    results.invert_yaxis()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()


def _docx(report: Report, chart: bytes | None, detail: bool) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    for section in document.sections:
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(2)
    r = report

    def paragraph(text: str, bold: bool = False, center: bool = False, size: int | None = None):
        p = document.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return p

    def table(header: list[str], rows: list[list[str]]) -> None:
        grid = document.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, header):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for row in rows:
            for cell, text in zip(grid.add_row().cells, row):
                cell.text = text

    paragraph(r.station.name.upper(), bold=True, center=True)
    paragraph("KẾT QUẢ TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH TRÊN HỆ THỐNG TRUYỀN THANH", bold=True,
              center=True, size=14)
    paragraph(r.period.label.capitalize(), center=True)
    paragraph("I. KẾT QUẢ THỰC HIỆN", bold=True)
    for line in summary_lines(r):
        paragraph(line)
    if not r.empty:
        paragraph("1. Chương trình đã sản xuất", bold=True)
        table(*_programme_table(r))
        paragraph("2. Kết quả phát sóng", bold=True)
        table(["Tháng", "Phút phát sóng"], [[_month_vi(m), f"{v:.1f}"] for m, v in r.minutes_by_month.items()])
        if chart:
            document.add_picture(io.BytesIO(chart), width=Cm(16))
        paragraph("3. Nội dung tuyên truyền", bold=True)
        for title, months in r.covered:
            paragraph(f"- Đã tuyên truyền: {title} (tháng {', '.join(_month_vi(m) for m in months)}).")
        for title in r.not_covered:
            paragraph(f"- Chưa tuyên truyền: {title}.")
        paragraph("II. TỒN TẠI, HẠN CHẾ", bold=True)
        for problem in _problems(r) or ["Không có."]:
            paragraph(f"- {problem}")
    if detail:
        paragraph("PHỤ LỤC: NHẬT KÝ PHÁT SÓNG", bold=True)
        table(*detail_table(r))
    paragraph(f"Số liệu trích từ nhật ký phát sóng của phần mềm radio lúc {r.made_at:%H:%M ngày %d/%m/%Y}.",
              size=11)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

