"""Periodic reports from a store with a known half-year of production and airings."""
import re
import shutil
from datetime import datetime, timedelta

import docx
import pytest

from radio.models import Station
from radio.config import load_model
from radio.pipeline import sample_station_dir
from radio.reports import build_report, outline, parse_period, write_report
from radio.schedule import station_zone
from radio import manifest
from radio.store import ReviewEvent, Store
from tests.conftest import run_cli
from tests.fixtures import make_station

ZONE = station_zone(load_model(sample_station_dir() / "station.yaml", Station))
NOW = datetime(2026, 12, 20, 9, 0, tzinfo=ZONE)
# month: (topic, procedure, approver, [(day, hour, result, seconds on air)])
HALF_YEAR = {
    "2026-07": ("chinh-phu-so", "lien-thong-khai-sinh", "Nguyễn Văn An",
                [(7, 5, "aired", 600), (7, 17, "aired", 600), (21, 5, "aired", 600), (21, 17, "aired", 600)]),
    "2026-08": ("dich-vu-cong-truc-tuyen", "lien-thong-khai-tu", "Trần Thị Bình",
                [(4, 5, "aired", 600), (4, 17, "missed", 0), (18, 5, "aired", 600), (18, 17, "aired", 600)]),
    "2026-10": ("mot-cua-lien-thong", "lien-thong-khai-sinh", "Nguyễn Văn An",
                [(6, 5, "aired", 600), (6, 17, "failed", 0), (20, 5, "interrupted", 300), (20, 17, "aired", 600)]),
    "2026-11": ("thanh-toan-so", "lien-thong-khai-tu", "Lê Văn Cường",
                [(3, 5, "aired", 650), (3, 17, "aired", 650)]),
    "2026-12": ("vai-tro-cchc", "lien-thong-khai-sinh", "Lê Văn Cường",
                [(22, 5, None, 0), (22, 17, None, 0)]),  # still to come
}


def half_year(folder):
    """The half year of HALF_YEAR: briefs, manifests, approvals, the queue and the as-run
    log, written as the tool writes them."""
    store = Store(folder)
    for month, (topic, procedure, approver, airings) in HALF_YEAR.items():
        (folder / "months" / f"{month}.yaml").write_text(
            f"month: {month}\ntopic: {topic}\nprocedure: {procedure}\n", encoding="utf-8")
        manifest.write(folder / "audio_out" / "an-lac" / month / "manifest.json", manifest.Manifest(
            title=f"Chuyên mục tháng {month}", script_sha256="s" * 64,
            audio=manifest.AudioRecord(path="programme.mp3", duration_s=720.0)))
        store.add_review_event(ReviewEvent(month, "approve", f"{month}-01T02:00:00+00:00", approver,
                                           "Phó Chủ tịch UBND xã", None, "s" * 64, "a" * 64))
        for day, hour, result, seconds in airings:
            planned = datetime(int(month[:4]), int(month[5:]), day, hour, 30, tzinfo=ZONE)
            [airing] = store.add_airings(month, [("sang", planned)], 720, "x.mp3", "a" * 64, "t", manual=False)
            if result:
                log_airing(store, airing, result, seconds)


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    return make_station(tmp_path_factory.mktemp("report"), segments=(), then=half_year)


def log_airing(store, airing_id, result, seconds):
    """An airing's as-run entry; seconds on air as the output saw them (a `file` output hands
    the programme over in about a second, so a whole airing still counts the programme's length)."""
    airing = store.queued_airing(airing_id)
    start = airing.planned_at + timedelta(seconds=0.3)
    output = "file" if result == "aired" else "null"
    entry = store.claim(airing, None if result == "missed" else start, output, "0@tests")
    store.finish(entry, start + timedelta(seconds=1 if output == "file" else seconds), result,
                 None if result in ("aired", "interrupted") else f"lý do {result}")


@pytest.fixture(scope="module")
def report(station):
    return build_report(station, parse_period("half", "2026-H2"), now=NOW)


def test_every_figure_of_the_half_year(report):
    assert report.period.label == "6 tháng cuối năm 2026"
    assert [p.month for p in report.programmes] == ["2026-07", "2026-08", "2026-10", "2026-11", "2026-12"]
    assert report.approved == 5
    assert report.airings_planned == 16
    assert (report.count("aired"), report.count("missed"), report.count("failed"),
            report.count("interrupted"), report.pending) == (11, 1, 1, 1, 2)
    # Every airing that ran to its end counts the programme's 12 minutes, the interrupted
    # one the 5 minutes heard.
    assert report.minutes_aired == pytest.approx((11 * 720 + 300) / 60)
    assert report.minutes_by_month["2026-09"] == 0
    assert report.minutes_by_month["2026-10"] == pytest.approx((2 * 720 + 300) / 60)
    assert report.months_without_programme == ["2026-09"]
    assert report.months_not_yet_due == []
    covered = dict(report.covered)
    assert covered["Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ em dưới 6 tuổi"] == ["2026-07", "2026-10"]
    assert sorted(m for months in covered.values() for m in months if m == "2026-11") == ["2026-11"] * 3
    from radio.library import load_plan_items
    assert len(report.covered) == 6
    assert len(report.covered) + len(report.not_covered) == len(load_plan_items(None)[0])
    approvals = {p.month: p.approved_by for p in report.programmes}
    assert approvals["2026-08"] == "Trần Thị Bình"


def test_minutes_aired_is_the_sum_of_the_detail_rows(report):
    assert sum(row.seconds_on_air for row in report.as_run) / 60 == pytest.approx(report.minutes_aired)
    assert len(report.as_run) == 14


def test_docx_opens_and_contains_the_figures(report, station):
    paths = write_report(report, station, detail=True)
    document = docx.Document(str(paths[0]))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "6 tháng cuối năm 2026" in text
    assert "đã sản xuất 5 chương trình" in text and "5 chương trình được lãnh đạo duyệt" in text
    assert "Tổng số lượt phát theo lịch: 16; đã phát: 11" in text and "bỏ lỡ: 1; lỗi: 1" in text
    assert "Tổng thời lượng phát sóng: 137,0 phút" in text
    assert "Tháng 9/2026 không có chương trình được phát" in text
    assert "Trần Thị Bình" in cells and "4/4" in cells
    assert len(document.inline_shapes) == 1  # the chart
    markdown = paths[1].read_text(encoding="utf-8")
    assert "| 9/2026 | 0,0 |" in markdown and "PHỤ LỤC" in markdown
    assert "<table>" in paths[2].read_text(encoding="utf-8")


def test_a_period_without_data_says_so(station):
    empty = build_report(station, parse_period("quarter", "2026-Q1"), now=NOW)
    assert empty.empty
    paths = write_report(empty, station)
    text = "\n".join(p.text for p in docx.Document(str(paths[0])).paragraphs)
    assert "chưa sản xuất và chưa phát chương trình" in text


def test_report_command_and_bad_period(station):
    result = run_cli("report", "quarter", "2026-Q3", "-s", str(station), "--detail", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "quý III năm 2026" in result.stdout and "bao-cao-2026-Q3.docx" in result.stdout
    bad = run_cli("report", "quarter", "2026-Q5", "-s", str(station))
    assert bad.returncode == 1 and "2026-Q4" in bad.stderr


def test_a_month_approved_then_rejected_is_not_counted_approved(tmp_path):
    station = make_station(tmp_path, segments=(), then=half_year)
    store = Store(station)
    store.add_review_event(ReviewEvent("2026-08", "reject", "2026-08-20T02:00:00+00:00", "Trần Thị Bình",
                                       "Phó Chủ tịch UBND xã", "Sai số liệu", "s" * 64, "a" * 64))
    report = build_report(station, parse_period("half", "2026-H2"), now=NOW)
    august = next(p for p in report.programmes if p.month == "2026-08")
    # It aired under that approval, which the report keeps, saying it was withdrawn since.
    assert august.approved_by == "Trần Thị Bình" and august.withdrawn
    rows = outline(report).sections[1].tables[0].rows
    assert any("sau đó đã trả lại" in row[3] for row in rows if row[0] == "8/2026")


def test_the_word_report_follows_the_administrative_format(report, station):
    """Decree 30/2020/NĐ-CP: A4, margins 20/20/30/15 mm, Times New Roman 14, Vietnamese."""
    from docx.oxml.ns import qn

    document = docx.Document(str(write_report(build_report(station, parse_period("quarter", "2026-Q4"), now=NOW),
                                              station)[0]))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert [round(m.cm, 1) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                     section.right_margin)] == [2.0, 2.0, 3.0, 1.5]
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 14
    language = normal.element.rPr.find(qn("w:lang"))
    assert language.get(qn("w:val")) == "vi-VN"
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"
    texts = [p.text for p in document.paragraphs]
    assert "Quý IV năm 2026" in texts
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in "\n".join(c.text for c in document.tables[0].rows[0].cells)
    numbers = " ".join(texts + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert not re.search(r"\d\.\d phút", numbers)  # decimal comma, never a decimal point
    assert document.inline_shapes[0].width.cm == pytest.approx(21.0 - 3.0 - 1.5, abs=0.05)


def test_empty_tables_say_none_instead_of_standing_empty(tmp_path):
    quiet = make_station(tmp_path, segments=(), then=half_year)
    html = write_report(build_report(quiet, parse_period("quarter", "2026-Q3"), now=NOW), quiet, detail=True)[2]
    page = html.read_text(encoding="utf-8")
    assert "Quý III năm 2026" in page and "max-width: 100%" in page
    for table in re.findall(r"<table>.*?</table>", page, flags=re.S):
        assert "<td>" in table  # every table shown has rows


def test_a_programme_made_in_one_quarter_and_aired_in_the_next_reconciles(tmp_path):
    folder = make_station(tmp_path, segments=(), then=half_year)
    store = Store(folder)
    planned = datetime(2027, 1, 6, 5, 30, tzinfo=ZONE)
    moved = [a.id for a in store.queued(programme="2026-12") if a.id not in store.logged_airing_ids()]
    [airing] = store.add_airings("2026-12", [("sang", planned)], 720, "x.mp3", "a" * 64,
                                 "Chuyên mục tháng 2026-12", manual=False, remove=moved)
    log_airing(store, airing, "aired", 720)
    later = datetime(2027, 4, 2, 9, 0, tzinfo=ZONE)
    q4 = build_report(folder, parse_period("quarter", "2026-Q4"), now=later)
    q1 = build_report(folder, parse_period("quarter", "2027-Q1"), now=later)
    december_q4 = next(p for p in q4.programmes if p.month == "2026-12")
    assert december_q4.made_in_period and december_q4.approved_by == "Lê Văn Cường"
    assert december_q4.airings_planned == 0  # its airings were moved to January
    assert [p.month for p in q1.programmes] == ["2026-12"]
    december = q1.programmes[0]
    assert not december.made_in_period and december.approved_by == "Lê Văn Cường"
    assert (december.airings_aired, december.airings_planned, q1.airings_planned) == (1, 1, 1)
    assert q1.minutes_aired == pytest.approx(12.0) and q1.minutes_by_month["2027-01"] == pytest.approx(12.0)
    assert q1.months_without_programme == ["2027-02", "2027-03"]
    lines = "\n".join(__import__("radio.reports", fromlist=["x"]).summary_lines(q1))
    assert "đã sản xuất 0 chương trình" in lines and "sản xuất từ kỳ trước (tháng 12/2026)" in lines
    shown = run_cli("report", "2027-Q1", "-s", str(folder), "--detail", env={"COLUMNS": "250"}).stdout
    assert "Tổng thời lượng phát sóng: 12,0 phút" in shown
    assert "(tổng 12,0 phút)" in shown and "12/2026" in shown and "12,00" in shown


SOFFICE, PDFTOTEXT, PDFTOPPM = shutil.which("soffice"), shutil.which("pdftotext"), shutil.which("pdftoppm")


@pytest.mark.skipif(not (SOFFICE and PDFTOTEXT and PDFTOPPM),
                    reason="libreoffice and poppler-utils are not installed (scripts/test installs them as root with apt)")
def test_the_word_report_rendered_by_libreoffice_shows_every_decree_30_element(station, tmp_path):
    """Opened as a commune office opens it (LibreOffice), the first page holds the whole
    heading of Decree 30/2020 and the last the recipients and the signature."""
    import subprocess

    docx_path = write_report(build_report(station, parse_period("half", "2026-H2"), now=NOW), station)[0]
    profile = tmp_path / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx_path)], check=True, capture_output=True, timeout=300)
    pdf = tmp_path / (docx_path.stem + ".pdf")
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    first_page = text.split("\f")[0]
    lines = [" ".join(line.split()) for line in first_page.splitlines()]
    # The People's Committee above the station, the national title, the motto on ONE line.
    assert any("ỦY BAN NHÂN DÂN XÃ AN LẠC" in line and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line
               for line in lines), first_page
    assert any("ĐÀI TRUYỀN THANH" in line and "Độc lập - Tự do - Hạnh phúc" in line for line in lines)
    assert any(re.search(r"Số: +/BC-ĐTT", line) for line in lines)
    assert any("An Lạc, ngày 20 tháng 12 năm 2026" in line for line in lines)
    assert "BÁO CÁO KẾT QUẢ TUYÊN TRUYỀN" in first_page
    whole = " ".join(text.split())
    assert "III. PHƯƠNG HƯỚNG, ĐỀ XUẤT" in whole and "Nơi nhận:" in whole
    assert "CÔNG CHỨC PHÒNG VĂN HÓA - XÃ HỘI" in whole and "Nguyễn Thị Thu Hà" in whole
    # No date broken inside a table cell: every dd/mm/yyyy of the tables is whole on its line.
    assert not re.search(r"\b\d{2}/\d{2}/\s*$", text, re.MULTILINE) and not re.search(r"\b\d{2}/\s*$", text,
                                                                                       re.MULTILINE)
    assert len(re.findall(r"\b\d{2}/\d{2}/\d{4}\b", text)) >= 4
    # The page as a picture, for a person to look at (kept beside the PDF).
    subprocess.run([PDFTOPPM, "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "trang")],
                   check=True, timeout=120)
    assert list(tmp_path.glob("trang*.png"))


def test_the_docx_body_is_justified_with_a_first_line_indent_and_has_the_rule_under_the_motto(report, station):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    document = docx.Document(str(write_report(report, station)[0]))
    body = [p for p in document.paragraphs if p.text.startswith(("Trong ", "- Tháng", "- Kỳ tới"))]
    assert body and all(p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY and p.paragraph_format.first_line_indent.cm > 0.9
                        for p in body)
    right = document.tables[0].rows[0].cells[1].paragraphs
    at = [p.text for p in right].index("Độc lập - Tự do - Hạnh phúc")
    rule = right[at + 1]._p.pPr.find(qn("w:pBdr"))  # the line drawn right under the motto
    assert rule.find(qn("w:bottom")).get(qn("w:val")) == "single"


def test_the_html_and_markdown_carry_the_heading_and_the_closing(report, station):
    paths = write_report(report, station)
    markdown, page = (p.read_text(encoding="utf-8") for p in paths[1:3])
    for text in (markdown, page):
        for part in ("ỦY BAN NHÂN DÂN XÃ AN LẠC", "ĐÀI TRUYỀN THANH XÃ AN LẠC", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "/BC-ĐTT", "An Lạc, ngày 20 tháng 12 năm 2026",
                     "III. PHƯƠNG HƯỚNG, ĐỀ XUẤT", "Nơi nhận:", "Nguyễn Thị Thu Hà"):
            assert part in text, part
    assert 'class="motto"' in page and "text-align: justify" in page
    # With --detail, the appendix comes after the signature in every format.
    paths = write_report(report, station, detail=True)
    for path in paths[1:3]:
        text = path.read_text(encoding="utf-8")
        assert text.index("Nơi nhận:") < text.index("Nguyễn Thị Thu Hà") < text.index("PHỤ LỤC")
    document = docx.Document(str(paths[0]))
    body = document.element.body.xpath("string(.)")
    assert body.index("Nơi nhận:") < body.index("PHỤ LỤC")


def test_directions_follow_the_figures(report):
    from radio.reports import directions

    said = " ".join(directions(report))
    assert "khắc phục 3 lượt phát bỏ lỡ, lỗi hoặc bị ngắt giữa chừng" in said
    assert "Phát đủ 2 lượt còn lại" in said


def test_the_periods_offered_are_those_begun_newest_first_a_year_after_its_halves():
    from radio.reports.period import recent_periods

    keys = [p.key for p in recent_periods("2027-02")]
    assert keys[:3] == ["2027", "2027-H1", "2027-Q1"]  # nothing of 2027 that has not begun
    assert keys[3:10] == ["2026", "2026-H2", "2026-Q4", "2026-Q3", "2026-H1", "2026-Q2", "2026-Q1"]
    assert [p.label for p in recent_periods("2026-07")][:4] == \
        ["năm 2026", "6 tháng cuối năm 2026", "quý III năm 2026", "6 tháng đầu năm 2026"]
