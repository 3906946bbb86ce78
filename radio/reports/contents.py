"""A report's figures written as the document every format shows (``document.Outline``):
the summary sentences, the tables, the direction-and-proposals section drawn from the
figures, and the Decree 30/2020 heading and closing."""
from __future__ import annotations

import re
from datetime import datetime

from radio.clock import shown
from radio.display import number
from radio.models import Station
from radio.player import RESULT_NAMES
from radio.reports import chart
from radio.reports.document import APPENDIX, Outline, Section, Table
from radio.reports.figures import Report


def outline(report: Report, detail: bool = False) -> Outline:
    r = report
    sections = [Section("I. KẾT QUẢ THỰC HIỆN", paragraphs=summary_lines(r))]
    if not r.empty:
        sections += [
            Section("1. Chương trình sản xuất và phát sóng trong kỳ", tables=[_programme_table(r)]),
            Section("2. Kết quả phát sóng theo tháng", chart=True, tables=[Table(
                ["Tháng", "Số phút phát sóng"],
                [[_month_vi(m), number(v)] for m, v in r.minutes_by_month.items()])]),
            Section("3. Lượt phát theo vùng và loại chương trình", tables=[_zone_table(r)]),
            Section("4. Nội dung đã tuyên truyền", bullets=[
                *(f"Đã tuyên truyền: {title} (tháng {', '.join(_month_vi(m) for m in months)})."
                  for title, months in r.covered),
                *(f"Chưa tuyên truyền: {title}." for title in r.not_covered)] or ["Không có."]),
            Section("II. TỒN TẠI, HẠN CHẾ", bullets=_problems(r) or ["Không có."],
                    paragraphs=[f"Các tháng chưa đến kỳ: {', '.join(_month_vi(m) for m in r.months_not_yet_due)}."]
                    if r.months_not_yet_due else []),
        ]
    elif any(row.total for row in r.by_zone):  # no column programme, but bulletins or relays aired
        sections.append(Section("1. Lượt phát theo vùng và loại chương trình", tables=[_zone_table(r)]))
    sections.append(Section("III. PHƯƠNG HƯỚNG, ĐỀ XUẤT", bullets=directions(r)))
    if detail:
        header, rows = detail_table(r)
        sections.append(Section(f"{APPENDIX}: NHẬT KÝ PHÁT SÓNG", tables=[Table(header, rows, "Không có lượt phát nào trong kỳ.")]))
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
        chart=None if r.empty else chart.draw(r))


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
    relayed = [f"Tiếp sóng Đài tỉnh, Đài Trung ương: {len(r.relays)} lượt, {number(r.minutes_relayed)} phút."
               ] if r.relays else []
    if r.empty:
        return warning + [f"Trong {p.label}, {r.station.name} chưa sản xuất và chưa phát chương trình "
                          f"{column} nào; hệ thống chưa ghi nhận số liệu của kỳ này."] + relayed
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
    lines += relayed
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


def _zone_table(report: Report) -> Table:
    """Airings that went on air, per loudspeaker zone and per kind (the monthly column, each
    bulletin level, relays); the last column, airings aimed at a zone that did not reach it."""
    from radio.zones import KIND_NAMES

    header = ["Vùng", *KIND_NAMES.values(), "Không tới được"]
    rows = [[row.name, *(str(row.aired[kind]) for kind in KIND_NAMES), str(row.missed)]
            for row in report.by_zone if row.total or row.missed or row.zone is not None]
    return Table(header, rows, "Không có lượt phát nào.")


def detail_table(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["Số", "Chương trình tháng", "Giờ định phát", "Bắt đầu", "Kết thúc", "Kết quả", "Phút phát sóng"]
    rows = [[str(r.airing_id), _month_vi(r.month) if r.month else (r.programme.label() if r.programme else ""),
             shown(r.planned_at), shown(r.started_at),
             shown(r.ended_at), RESULT_NAMES[r.result], number(r.seconds_on_air / 60, 2)]
            for r in report.as_run]
    return header, rows
