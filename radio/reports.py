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

from radio.anchors import anchor_text
from radio.approval import MonthFiles, read_manifest, standing_approval
from radio.clock import parsed, shown
from radio.config import load_model
from radio.display import number
from radio.errors import RadioError
from radio.fileio import write_bytes, write_text
from radio.library import all_procedures, all_topics, load_plan_items
from radio.models import Brief, Station
from radio.player import RESULT_NAMES
from radio.schedule import station_zone
from radio.store import ReviewEvent, Store
from radio.station import load_station

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
ON_AIR = ("aired", "interrupted", "preempted")  # results during which the programme was on air


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
    made_in_period: bool = True  # its month is in the period (else made before, aired in it)
    withdrawn: bool = False  # approved when it aired, rejected since
    read_by: list[str] = field(default_factory=list)  # who read each segment read in person


@dataclass
class AsRunRow:
    airing_id: int
    month: str
    planned_at: str
    started_at: str | None
    ended_at: str | None
    result: str
    error: str | None
    duration_s: float = 0.0  # the programme's length
    output: str = ""

    @property
    def seconds_on_air(self) -> float:
        """An airing that ran to its end put the whole programme on air, whatever the output
        (a `file` output hands it over in a moment); an interrupted one, what was heard."""
        if self.result == "aired":
            return self.duration_s
        if self.result not in ("interrupted", "preempted") or not self.started_at or not self.ended_at:
            return 0.0
        heard = (parsed(self.ended_at) - parsed(self.started_at)).total_seconds()
        return max(0.0, min(heard, self.duration_s or heard))


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
    # The chains' heads when the report was made: a report filed away anchors the log.
    anchor: str = ""

    def count(self, result: str) -> int:
        return sum(1 for row in self.as_run if row.result == result)

    @property
    def minutes_aired(self) -> float:
        return sum(row.seconds_on_air for row in self.as_run) / 60

    @property
    def made(self) -> list[ProgrammeRow]:
        return [p for p in self.programmes if p.made_in_period]

    @property
    def aired_programmes(self) -> list[ProgrammeRow]:
        return [p for p in self.programmes if p.airings_aired]

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
    station = load_station(station_dir)
    zone = station_zone(station)
    now = now or datetime.now(zone)
    store = Store(station_dir, readonly=True)
    logged = {entry.airing_id: entry for entry in store.as_run()}
    in_period = [a for a in store.queued()
                 if a.planned_at.astimezone(zone).strftime("%Y-%m") in period.months]
    as_run = [AsRunRow(a.id, a.month, logged[a.id].planned_at, logged[a.id].started_at,
                       logged[a.id].ended_at, logged[a.id].result, logged[a.id].error,
                       a.duration_s, logged[a.id].output)
              for a in in_period if a.id in logged]
    as_run.sort(key=lambda r: r.planned_at)
    # A programme counts where it was made and where it aired: December's programme aired
    # in January is in both quarters' reports, marked as made earlier in the second.
    months = sorted(set(period.months) | {a.month for a in in_period if a.month})
    programmes = []
    for month in months:
        planned = [a for a in in_period if a.month == month]
        manifest = read_manifest(MonthFiles(station_dir, station.id, month))
        if manifest is None and not planned:
            continue
        standing = standing_approval(store, month)
        approval = standing or _approval_when_aired(store, month, planned)
        programmes.append(ProgrammeRow(
            month, manifest.title if manifest else planned[0].title,
            manifest.audio.duration_s if manifest else planned[0].duration_s,
            approval.by_name if approval else None, approval.role if approval else None,
            approval.at if approval else None, len(planned),
            sum(1 for r in as_run if r.month == month and r.result == "aired"),
            made_in_period=month in period.months, withdrawn=approval is not None and standing is None,
            read_by=[s.read_by.name for s in manifest.read_by_people] if manifest else []))
    # Coverage counts the programmes heard; "a month without a programme" is a month of the
    # period in which nothing went on air, whichever month's programme it would have been.
    aired_programme_months = sorted({r.month for r in as_run if r.result in ON_AIR})
    aired_in = {parsed(r.planned_at).astimezone(zone).strftime("%Y-%m") for r in as_run if r.result in ON_AIR}
    waiting = {a.planned_at.astimezone(zone).strftime("%Y-%m") for a in in_period if a.id not in logged}
    current = now.strftime("%Y-%m")
    covered, not_covered = _coverage(station_dir, aired_programme_months)
    return Report(
        station, period, now, programmes, len(in_period), as_run, covered, not_covered,
        months_without_programme=[m for m in period.months
                                  if m <= current and m not in aired_in and m not in waiting],
        months_not_yet_due=[m for m in period.months if m > current],
        tampered=store.broken_record(), anchor=anchor_text(store.heads()))


def _approval_when_aired(store: Store, month: str, planned: list) -> ReviewEvent | None:
    """The approval a programme aired under, when it has been withdrawn since: it was
    approved where it aired, and the report says so."""
    if not planned:
        return None
    first = min(a.planned_at for a in planned)
    approvals = [e for e in store.review_events(month)
                 if e.action == "approve" and parsed(e.at) <= first]
    return approvals[-1] if approvals else None


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


# -- the outline: what the report says, in order, whatever the format ---------------------

@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    empty: str = "Không có."


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: bool = False


@dataclass
class Outline:
    authority: str  # who issues it, as in the heading of an administrative document
    title: str
    subtitle: str
    sections: list[Section]
    footnote: str
    chart: bytes | None = None
    # The rest of Decree 30/2020's layout (Appendix I): the body above the issuer, the number
    # and symbol, the place and date, who receives it and who signs.
    parent: str = ""
    number: str = ""
    place_date: str = ""
    recipients: list[str] = field(default_factory=list)
    signer_title: str = ""
    signer_name: str = ""


MOTTO_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def outline(report: Report, detail: bool = False) -> Outline:
    r = report
    sections = [Section("I. KẾT QUẢ THỰC HIỆN", paragraphs=summary_lines(r))]
    if not r.empty:
        sections += [
            Section("1. Chương trình sản xuất và phát sóng trong kỳ", tables=[_programme_table(r)]),
            Section("2. Kết quả phát sóng theo tháng", chart=True, tables=[Table(
                ["Tháng", "Số phút phát sóng"],
                [[_month_vi(m), number(v)] for m, v in r.minutes_by_month.items()])]),
            Section("3. Nội dung đã tuyên truyền", bullets=[
                *(f"Đã tuyên truyền: {title} (tháng {', '.join(_month_vi(m) for m in months)})."
                  for title, months in r.covered),
                *(f"Chưa tuyên truyền: {title}." for title in r.not_covered)] or ["Không có."]),
            Section("II. TỒN TẠI, HẠN CHẾ", bullets=_problems(r) or ["Không có."],
                    paragraphs=[f"Các tháng chưa đến kỳ: {', '.join(_month_vi(m) for m in r.months_not_yet_due)}."]
                    if r.months_not_yet_due else []),
        ]
    sections.append(Section("III. PHƯƠNG HƯỚNG, ĐỀ XUẤT", bullets=directions(r)))
    if detail:
        header, rows = detail_table(r)
        sections.append(Section("PHỤ LỤC: NHẬT KÝ PHÁT SÓNG", tables=[Table(header, rows, "Không có lượt phát nào trong kỳ.")]))
    label = r.period.label
    station = r.station
    signer = station.officer
    return Outline(
        parent=f"ỦY BAN NHÂN DÂN {station.commune.upper()}",
        number=f"Số:       /BC-{symbol(station)}",
        place_date=place_date(station, r.made_at),
        recipients=[f"Ủy ban nhân dân {station.commune} (để báo cáo);", f"Lưu: VT, {symbol(station)}."],
        signer_title=signer.title.upper(), signer_name=signer.name,
        authority=station.name.upper(),
        title="BÁO CÁO KẾT QUẢ TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH TRÊN HỆ THỐNG TRUYỀN THANH",
        subtitle=label[:1].upper() + label[1:],
        sections=sections,
        footnote=f"Số liệu trích từ nhật ký phát sóng của phần mềm radio lúc {r.made_at:%H:%M} "
                 f"ngày {r.made_at:%d/%m/%Y}." + (f" {r.anchor}." if r.anchor else ""),
        chart=None if r.empty else _chart(r))


def symbol(station: Station) -> str:
    """The issuer's abbreviation in the document's symbol: the initials of its name without
    the commune (Đài Truyền thanh xã An Lạc → ĐTT)."""
    name = station.name
    if station.commune and station.commune.lower() in name.lower():
        at = name.lower().index(station.commune.lower())
        name = name[:at] + name[at + len(station.commune):]
    initials = "".join(word[0] for word in name.split() if word[:1].isalpha())
    return initials.upper() or "ĐTT"


def place_date(station: Station, day: datetime) -> str:
    """Decree 30/2020: the commune's name, then the date with days under 10 and the months
    January and February written with a leading zero (ngày 05 tháng 02 năm 2027)."""
    place = re.sub(r"^(xã|phường|thị trấn|đặc khu)\s+", "", station.commune, flags=re.IGNORECASE)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def directions(report: Report) -> list[str]:
    """Direction and proposals for the next period, each drawn from a figure of this one."""
    r = report
    column = r.station.programme.column
    lines = []
    if r.not_covered:
        named = f": {'; '.join(r.not_covered)}" if len(r.not_covered) <= 3 else " (nêu ở mục 3 phần I)"
        lines.append(f"Kỳ tới tuyên truyền {len(r.not_covered)} nội dung của kế hoạch năm chưa được tuyên "
                     f"truyền{named}.")
    if r.months_without_programme:
        lines.append(f"Bảo đảm mỗi tháng có chương trình {column} được phát; kỳ này "
                     f"{len(r.months_without_programme)} tháng không có chương trình nào được phát.")
    lost = r.count("missed") + r.count("failed") + r.count("interrupted")
    if lost:
        lines.append(f"Kiểm tra máy phát, đường truyền và cụm loa để khắc phục {lost} lượt phát bỏ lỡ, "
                     "lỗi hoặc bị ngắt giữa chừng trong kỳ; phát bù các lượt này vào khung giờ gần nhất.")
    unapproved = [p for p in r.made if not p.approved_by]
    if unapproved:
        lines.append(f"Trình lãnh đạo duyệt {len(unapproved)} chương trình đã sản xuất nhưng chưa được duyệt.")
    if r.pending > 0:
        lines.append(f"Phát đủ {r.pending} lượt còn lại theo lịch đã xếp.")
    if r.empty:
        lines.append(f"Xây dựng và phát chương trình {column} hằng tháng theo kế hoạch tuyên truyền "
                     "cải cách hành chính năm.")
    else:
        lines.append(f"Duy trì phát chương trình {column} đúng lịch; tiếp tục cập nhật nội dung theo văn bản "
                     "pháp luật mới và ý kiến của người dân qua đường dây nóng.")
    return lines


def summary_lines(report: Report) -> list[str]:
    """The report's findings as sentences; the same text goes into every format."""
    r, p = report, report.period
    warning = [f"Cảnh báo: {r.tampered} Số liệu dưới đây có thể không đúng."] if r.tampered else []
    column = r.station.programme.column
    if r.empty:
        return warning + [f"Trong {p.label}, {r.station.name} chưa sản xuất và chưa phát chương trình "
                          f"{column} nào; hệ thống chưa ghi nhận số liệu của kỳ này."]
    earlier = [x for x in r.programmes if not x.made_in_period]
    approved_made = sum(1 for x in r.made if x.approved_by)
    lines = warning + [
        f"Trong {p.label}, {r.station.name} đã sản xuất {len(r.made)} chương trình {column}; "
        f"{approved_made} chương trình được lãnh đạo duyệt trước khi phát.",
    ]
    if earlier:
        lines.append(f"Phát trong kỳ {len(earlier)} chương trình sản xuất từ kỳ trước "
                     f"(tháng {', '.join(_month_vi(x.month) for x in earlier)}), "
                     f"{sum(1 for x in earlier if x.approved_by)} chương trình đã được duyệt.")
    lines += [
        f"Tổng số lượt phát theo lịch: {r.airings_planned}; đã phát: {r.count('aired')}; "
        f"bị ngắt giữa chừng: {r.count('interrupted')}; bỏ lỡ: {r.count('missed')}; "
        f"lỗi: {r.count('failed')}; chưa đến giờ phát: {r.pending}.",
        f"Tổng thời lượng phát sóng: {number(r.minutes_aired)} phút.",
    ]
    lines += _read_in_person(r)
    if r.covered:
        lines.append(f"Đã tuyên truyền {len(r.covered)}/{len(r.covered) + len(r.not_covered)} "
                     "nội dung của kế hoạch tuyên truyền cải cách hành chính năm.")
    return lines


def _read_in_person(report: Report) -> list[str]:
    """How many segments people read themselves instead of the synthesized voice, and who."""
    read = [p for p in report.made if p.read_by]
    if not read:
        return []
    segments = sum(len(p.read_by) for p in read)
    people = ", ".join(dict.fromkeys(name for p in read for name in p.read_by))
    return [f"{len(read)} chương trình có đoạn do người thật đọc ({segments} đoạn; người đọc: {people}); "
            "các đoạn còn lại đọc bằng giọng máy."]


def _problems(report: Report) -> list[str]:
    problems = [f"Tháng {_month_vi(m)} không có chương trình được phát." for m in report.months_without_programme]
    for row in report.as_run:
        if row.result in ("missed", "failed", "interrupted"):
            problems.append(f"Lượt phát {shown(row.planned_at)}: {RESULT_NAMES[row.result]}"
                            + (f" ({row.error})" if row.error else "") + ".")
    return problems


def _month_vi(month: str) -> str:
    year, number_ = month.split("-")
    return f"{int(number_)}/{year}"


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60} phút {int(round(seconds)) % 60:02d} giây"


def _programme_table(report: Report) -> Table:
    header = ["Tháng", "Tên chương trình", "Thời lượng", "Người duyệt", "Ngày duyệt",
              "Lượt đã phát/theo lịch trong kỳ"]
    rows = []
    for p in report.programmes:
        month = _month_vi(p.month) + ("" if p.made_in_period else " (sản xuất kỳ trước)")
        approver = f"{p.approved_by} ({p.approved_role})" if p.approved_by else "chưa duyệt"
        if p.withdrawn:
            approver += "; sau đó đã trả lại"
        rows.append([month, p.title, _clock(p.duration_s), approver,
                     shown(p.approved_at)[:10] if p.approved_at else "",
                     f"{p.airings_aired}/{p.airings_planned}"])
    return Table(header, rows, "Không có chương trình nào.")


def detail_table(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["Số", "Chương trình tháng", "Giờ định phát", "Bắt đầu", "Kết thúc", "Kết quả", "Phút phát sóng"]
    rows = [[str(r.airing_id), _month_vi(r.month), shown(r.planned_at), shown(r.started_at),
             shown(r.ended_at), RESULT_NAMES[r.result], number(r.seconds_on_air / 60, 2)]
            for r in report.as_run]
    return header, rows


# -- the formats ---------------------------------------------------------------------------

def write_report(report: Report, station_dir: Path, detail: bool = False) -> list[Path]:
    folder = station_dir / "reports"
    stem = f"bao-cao-{report.period.key}"
    plan = outline(report, detail)
    paths = [folder / f"{stem}.docx", folder / f"{stem}.md", folder / f"{stem}.html"]
    write_bytes(paths[0], _docx(plan))
    write_text(paths[1], _render("report.md.j2", plan))
    write_text(paths[2], _render("report.html.j2", plan))
    if plan.chart:
        paths.append(folder / f"{stem}.png")
        write_bytes(paths[-1], plan.chart)
    report.files = paths
    return paths


def _render(template: str, plan: Outline) -> str:
    import base64

    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("radio", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html.j2",)),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["md_cell"] = lambda text: str(text).replace("|", "/").replace("\n", " ")
    env.filters["dates_whole"] = _dates_whole
    chart = base64.b64encode(plan.chart).decode() if plan.chart else None
    return env.get_template(template).render(plan=plan, chart=chart)


def _dates_whole(text: str):
    """A table cell's dates (and a date with its time) kept on one line in the page."""
    from markupsafe import Markup, escape

    return Markup(re.sub(r"\d{2}/\d{2}/\d{4}( \d{2}:\d{2})?",
                         lambda m: f'<span class="date">{m.group(0)}</span>', str(escape(text))))


def _chart(report: Report) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure, (minutes, results) = pyplot.subplots(1, 2, figsize=(9, 3.2), dpi=120)
    months = list(report.minutes_by_month)
    # "T7" rather than "7/2026": twelve labels must fit under a year's bars.
    minutes.bar([f"T{int(m[5:])}" for m in months], list(report.minutes_by_month.values()), color="#2f6690")
    minutes.set_title(f"Số phút phát sóng theo tháng ({months[0][:4]})")
    minutes.set_ylabel("phút")
    minutes.set_ylim(0, max(1.0, *report.minutes_by_month.values()) * 1.15)
    minutes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value, 0 if value == int(value) else 1)))
    names = ["đã phát", "bị ngắt", "bỏ lỡ", "lỗi", "chưa đến giờ"]
    values = [report.count("aired"), report.count("interrupted"), report.count("missed"),
              report.count("failed"), report.pending]
    results.barh(names, values, color=["#3a7d44", "#e0a100", "#b23a48", "#7a1f2b", "#999999"])
    results.set_title("Lượt phát theo kết quả")
    results.xaxis.set_major_locator(MaxNLocator(integer=True))
    results.invert_yaxis()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()


# Decree 30/2020/NĐ-CP, Appendix I: A4; margins top and bottom 20–25 mm, left 30–35 mm,
# right 15–20 mm; Times New Roman, body text 13–14 pt.
PAGE_CM = (21.0, 29.7)
MARGINS_CM = {"top": 2.0, "bottom": 2.0, "left": 3.0, "right": 1.5}
FONT, BODY_PT = "Times New Roman", 14
LANGUAGE = "vi-VN"


def _docx(plan: Outline) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    _vietnamese_text(document)
    for section in document.sections:
        section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
        section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
        section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])

    def paragraph(text: str, bold: bool = False, center: bool = False, size: int | None = None,
                  into=None, body: bool = False, italic: bool = False):
        p = into.add_paragraph() if into is not None else document.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if body:  # body text: justified, the first line indented (Decree 30, Appendix I)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            p.paragraph_format.first_line_indent = Cm(BODY_INDENT_CM)
        p.paragraph_format.space_after = Pt(6 if into is None else 0)
        return p

    _docx_heading(document, plan, paragraph)
    paragraph(plan.title, bold=True, center=True)
    paragraph(plan.subtitle, bold=True, center=True)
    closed = False
    for section in plan.sections:
        if section.title.startswith(APPENDIX) and not closed:  # an appendix follows the signature
            paragraph(plan.footnote, size=12, italic=True)
            _docx_closing(document, plan, paragraph)
            closed = True
        title = paragraph(section.title, bold=True)
        title.paragraph_format.first_line_indent = Cm(BODY_INDENT_CM)
        title.paragraph_format.page_break_before = section.title.startswith(APPENDIX)
        for text in section.paragraphs:
            paragraph(text, body=True)
        for text in section.bullets:
            paragraph(f"- {text}", body=True)
        for table in section.tables:
            _docx_table(document, table, paragraph)
        if section.chart and plan.chart:
            usable = PAGE_CM[0] - MARGINS_CM["left"] - MARGINS_CM["right"]
            document.add_picture(io.BytesIO(plan.chart), width=Cm(usable))
    if not closed:
        paragraph(plan.footnote, size=12, italic=True)
        _docx_closing(document, plan, paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


HEADING_CM = (7.0, 9.5)  # the issuer's column and the national title's, of the 16.5 cm
APPENDIX = "PHỤ LỤC"
BODY_INDENT_CM = 1.0
DATE = re.compile(r"\d{2}/\d{2}/\d{4}")


def _fixed_columns(table, widths_cm: list[float]) -> None:
    """Column widths written both where Word reads them (each cell) and where LibreOffice
    does (the table grid), with a fixed layout so neither re-flows them."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _rule_below(p, indent_cm: float) -> None:
    """A single line under the text above: an empty paragraph's border, trimmed by its indents
    to about the text's length (the text itself keeps the cell's whole width)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    p.paragraph_format.line_spacing = Pt(3)

    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p._p.get_or_add_pPr().append(borders)
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Cm(indent_cm)


def _docx_heading(document, plan: Outline, paragraph) -> None:
    """The heading block: the People's Committee over the station, with the number and symbol
    under them; the national title and the motto on one line with its rule, then place and date."""
    heading = document.add_table(rows=1, cols=2)
    _fixed_columns(heading, list(HEADING_CM))
    left, right = heading.rows[0].cells
    left.paragraphs[0].text, right.paragraphs[0].text = "", ""
    left._tc.remove(left.paragraphs[0]._p)
    right._tc.remove(right.paragraphs[0]._p)
    if plan.parent:
        paragraph(plan.parent, center=True, size=12, into=left)
    paragraph(plan.authority, bold=True, center=True, size=12, into=left)
    _rule_below(paragraph("", size=2, into=left), 2.0)
    if plan.number:
        paragraph("", size=6, into=left)
        paragraph(plan.number, center=True, size=13, into=left)
    paragraph(MOTTO_TITLE, bold=True, center=True, size=12, into=right)
    paragraph(MOTTO, bold=True, center=True, size=13, into=right)
    _rule_below(paragraph("", size=2, into=right), 1.55)
    if plan.place_date:
        paragraph("", size=6, into=right)
        paragraph(plan.place_date, center=True, italic=True, size=13, into=right)
    paragraph("", size=8)


def _docx_closing(document, plan: Outline, paragraph) -> None:
    """Recipients on the left (12 pt, bold italic label), the signature block on the right."""
    if not plan.signer_name and not plan.recipients:
        return
    from docx.oxml import OxmlElement

    closing = document.add_table(rows=1, cols=2)
    _fixed_columns(closing, list(HEADING_CM))
    closing.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # one page, whole
    left, right = closing.rows[0].cells
    left._tc.remove(left.paragraphs[0]._p)
    right._tc.remove(right.paragraphs[0]._p)
    paragraph("Nơi nhận:", bold=True, italic=True, size=12, into=left)
    for line in plan.recipients:
        paragraph(f"- {line}", size=11, into=left)
    paragraph(plan.signer_title, bold=True, center=True, size=13, into=right)
    for _ in range(4):  # room for the signature and the seal
        paragraph("", into=right)
    paragraph(plan.signer_name, bold=True, center=True, size=14, into=right)


def _column_widths(table: Table) -> list[float]:
    """Share the 16.5 cm: a column of dates is never narrower than a date (so a date never
    breaks inside its cell), the rest by the length of their longest word and text."""
    usable = PAGE_CM[0] - MARGINS_CM["left"] - MARGINS_CM["right"]
    cells = [[table.header[i], *(row[i] for row in table.rows)] for i in range(len(table.header))]
    least = [2.6 if any(DATE.search(c) for c in column) else
             max(1.4, 0.23 * max(len(w) for c in column for w in (c.split() or [""]))) for column in cells]
    wants = [max(len(c) for c in column) for column in cells]
    spare = max(0.0, usable - sum(least))
    total = sum(wants) or 1
    return [low + spare * want / total for low, want in zip(least, wants)]


def _docx_table(document, table: Table, paragraph) -> None:
    from docx.shared import Pt

    if not table.rows:
        paragraph(table.empty, body=True)
        return
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.header):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in table.rows:
        for cell, text in zip(grid.add_row().cells, row):
            cell.text = text
    for row in grid.rows:
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(12)
    _fixed_columns(grid, _column_widths(table))


def _vietnamese_text(document) -> None:
    """Times New Roman for every script and the document's language set to Vietnamese, in
    the defaults and the Normal style (Word's spelling and hyphenation follow them)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    for properties in (normal.element.get_or_add_rPr(),
                       document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))):
        fonts = properties.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            properties.insert(0, fonts)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(theme), None)
        language = properties.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            properties.append(language)
        for attribute in ("w:val", "w:eastAsia"):
            language.set(qn(attribute), LANGUAGE)
