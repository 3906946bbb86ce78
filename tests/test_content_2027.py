"""Content a commune leader approves for 2027 without rewriting: the law in force on each
airing date, segments written for the ear, nothing of the sample station on a real one."""

import pytest
import yaml

from radio.approval import ApprovalError, MonthFiles, approve
from radio.compose import first_airing_day
from radio.config import load_model
from radio.ear import NEVER_SAY, never_said
from radio.library import changes_in
from radio.models import Script
from radio.pipeline import compose_month, load_station
from radio.review import build_review
from radio.speech.normalize import Normalizer, packaged_lexicon, spell, station_normalizer
from radio.station import sample_traces
from radio.store import Store
from tests.conftest import run_cli
from tests.fixtures import make_station


# A procedure whose place of filing changes with a law on 1 March 2027 (the wording is the
# test's own; the packaged library uses the same mechanism for real changes).
CHANGING = """
id: thu-tuc-doi-noi-nop
title: Thủ tục thử đổi nơi nộp
covers: [thu-tuc-thuong-gap]
purpose: Thủ tục này để thử việc chọn đúng quy định theo ngày phát.
who: người dân có nhu cầu
papers: [tờ khai]
steps: [Nộp tờ khai.]
fee: Không mất lệ phí.
time_limit: Trả kết quả trong ngày.
where:
  versions:
    - until: 2027-02-28
      text: Bà con nộp hồ sơ tại xã nơi cư trú.
      basis: Luật cũ
    - from: 2027-03-01
      text: Từ ngày 01/03/2027, bà con nộp hồ sơ ở bất kỳ xã nào trong tỉnh.
      basis: Luật mới
remember: Thời hạn trả kết quả là trong ngày.
sources:
  - {title: Luật thử, number: 1/2026/QH15, issued: 2026-06-01, effective: 2027-03-01}
checked: 2026-12-04
"""


def station_with_changing_procedure(tmp_path):
    folder = make_station(tmp_path, segments=())
    (folder / "templates" / "procedures").mkdir(parents=True)
    (folder / "templates" / "procedures" / "thu-tuc-doi-noi-nop.yaml").write_text(CHANGING, encoding="utf-8")
    brief = yaml.safe_load((folder / "months" / "2026-12.yaml").read_text(encoding="utf-8"))
    for month in ("2027-02", "2027-03"):
        (folder / "months" / f"{month}.yaml").write_text(yaml.safe_dump(
            {**brief, "month": month, "procedure": "thu-tuc-doi-noi-nop"}, allow_unicode=True), encoding="utf-8")
    return folder


def test_february_and_march_say_what_the_law_says_on_their_first_airing(tmp_path):
    folder = station_with_changing_procedure(tmp_path)
    station = load_station(folder)
    february, _ = compose_month(folder, "2027-02", allow_length=True)
    march, _ = compose_month(folder, "2027-03", allow_length=True)
    assert february.script.in_force_on == first_airing_day(station, "2027-02") < "2027-03-01"
    assert march.script.in_force_on >= "2027-03-01"
    procedure = {c.script.month: next(s.text for s in c.script.segments if s.kind == "procedure")
                 for c in (february, march)}
    assert "xã nơi cư trú" in procedure["2027-02"] and "bất kỳ xã nào" not in procedure["2027-02"]
    assert "bất kỳ xã nào" in procedure["2027-03"] and "xã nơi cư trú" not in procedure["2027-03"]
    saved = load_model(folder / "scripts" / "2027-02.yaml", Script)
    assert saved.in_force_on == february.script.in_force_on


def test_the_review_names_the_day_it_follows_and_flags_a_basis_changing_soon_after(tmp_path):
    folder = station_with_changing_procedure(tmp_path)
    compose_month(folder, "2027-02", allow_length=True)
    review = build_review(folder, "2027-02")
    html = review.html_path.read_text(encoding="utf-8")
    assert "Nội dung theo quy định có hiệu lực ngày" in html
    law = [f.message for f in review.findings if f.kind == "law"]
    assert any("01/03/2027" in message and "ba tháng" in message for message in law), law
    compose_month(folder, "2027-03", allow_length=True)
    march = [f for f in build_review(folder, "2027-03").findings if f.kind == "law"]
    assert not march  # nothing changes within three months after March's airings


def test_library_lists_what_changes_in_a_year(tmp_path):
    folder = station_with_changing_procedure(tmp_path)
    changes = changes_in(folder, 2027)
    assert any(item.id == "thu-tuc-doi-noi-nop" and change.day == "2027-03-01" for item, change in changes)
    shown = run_cli("library", "--changes", "2027", "-s", str(folder), env={"COLUMNS": "250"})
    assert shown.returncode == 0 and "01/03/2027" in shown.stdout and "thu-tuc-doi-noi-nop" in shown.stdout


def test_an_item_not_yet_in_force_is_refused_with_the_brief_s_line(tmp_path):
    folder = station_with_changing_procedure(tmp_path)
    path = folder / "templates" / "procedures" / "thu-tuc-doi-noi-nop.yaml"
    path.write_text(CHANGING + "valid_from: 2027-03-01\n", encoding="utf-8")
    refused = run_cli("compose", "2027-02", "-s", str(folder))
    assert refused.returncode == 1
    assert "2027-02.yaml, dòng" in refused.stderr and "chỉ áp dụng từ 01/03/2027" in refused.stderr


def test_the_opening_names_the_month_s_procedure(tmp_path):
    folder = make_station(tmp_path, segments=())
    composition, _ = compose_month(folder, "2026-12", allow_length=True)
    opening = composition.script.segments[0].text
    assert "liên thông đăng ký khai sinh" in opening
    assert ";" not in opening


@pytest.mark.parametrize("clock, expected", [("12h", "một giờ rưỡi chiều"), ("24h", "mười ba giờ ba mươi phút")])
def test_clock_times_as_the_station_s_listeners_say_them(tmp_path, clock, expected):
    folder = make_station(tmp_path, segments=())
    station_file = folder / "station.yaml"
    station_file.write_text(station_file.read_text(encoding="utf-8").replace(
        "speech:\n", f"speech:\n  clock: \"{clock}\"\n", 1), encoding="utf-8")
    said = station_normalizer(load_station(folder), folder)("Nộp hồ sơ trước 13h30 thứ Sáu.").text
    assert expected in said


def test_twelve_hour_times_name_the_part_of_the_day_once():
    normalizer = Normalizer(clock="12h")
    assert normalizer("Làm việc buổi chiều từ 13h30 đến 17h.").text == \
        "Làm việc buổi chiều từ một giờ rưỡi đến năm giờ."
    assert normalizer("Tổ trực từ 19h đến 21h.").text == "Tổ trực từ bảy giờ tối đến chín giờ tối."
    assert "bảy giờ rưỡi sáng" in normalizer("Mở cửa lúc 7h30.").text


# -- readings that must never be heard --------------------------------------------------------

def test_par_index_is_read_by_its_meaning():
    said = Normalizer()("Chỉ số PAR INDEX năm 2025 của tỉnh tăng.").text
    assert "chỉ số cải cách hành chính" in said.lower() and not never_said(said)


def test_no_packaged_reading_says_a_word_a_station_must_never_air():
    lexicon = packaged_lexicon()
    readings = [text for entry in lexicon.abbreviations.values() for text in (entry.means, entry.name) if text]
    readings += [spell(token) for token in lexicon.abbreviations]
    readings += [*lexicon.domain_words.values(), *lexicon.units.values(), *lexicon.issuers.values(),
                 *lexicon.document_types.values()]
    normalizer = Normalizer()
    readings += [normalizer(token).text for token in lexicon.abbreviations]
    bad = {reading: never_said(reading) for reading in readings if never_said(reading)}
    assert bad == {}
    assert "đếch" in NEVER_SAY  # the list the lint holds readings against


# -- nothing of the sample on a real station --------------------------------------------------

def test_init_writes_blanks_not_the_sample_commune(tmp_path):
    folder = tmp_path / "xa-moi"
    assert run_cli("init", str(folder)).returncode == 0
    for path in folder.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert [t for t in sample_traces(text) if not t.startswith("[ĐIỀN")] == [], path.name
    assert "[ĐIỀN" in (folder / "station.yaml").read_text(encoding="utf-8")
    (folder / "months" / "2027-01.yaml").write_text(
        "month: 2027-01\ntopic: dich-vu-cong-truc-tuyen\nprocedure: dang-ky-khai-sinh\n", encoding="utf-8")
    refused = run_cli("compose", "2027-01", "-s", str(folder), "--allow-length")
    assert refused.returncode == 1
    said = " ".join(refused.stderr.split())
    assert "station.yaml, dòng" in said and "chỗ trống chưa điền" in said and "[ĐIỀN tên đài" in said


def test_a_real_station_with_the_sample_hotline_is_refused_at_compose_and_approval(tmp_path):
    folder = make_station(tmp_path, produced=True)
    station_file = folder / "station.yaml"
    text = station_file.read_text(encoding="utf-8").replace("sample: true", "sample: false")
    station_file.write_text(text.replace("Đài Truyền thanh xã An Lạc", "Đài Truyền thanh xã Quảng Phú")
                            .replace("xã An Lạc", "xã Quảng Phú"), encoding="utf-8")
    refused = run_cli("compose", "2026-12", "-s", str(folder), "--allow-length", "--new-draft")
    assert refused.returncode == 1
    said = " ".join(refused.stderr.split())
    assert "0237.3856.789" in said and "station.yaml, dòng" in said
    with pytest.raises(ApprovalError) as caught:  # the script composed from the sample still has it
        approve(MonthFiles(folder, "an-lac", "2026-12"), Store(folder), "Trần Văn Bình", "Phó Chủ tịch", None)
    assert "đoạn 01-opening" in caught.value.message and "Đài Truyền thanh xã An Lạc" in caught.value.message
    findings = [f for f in build_review(folder, "2026-12").findings if f.kind == "sample"]
    assert findings and all(f.segment_id for f in findings)


def test_a_change_names_the_part_that_changes_in_vietnamese_never_its_field():
    from radio.library import PART_NAMES, Procedure, Topic, all_procedures, all_topics

    changes = 0
    for items, model in ((all_procedures(None), Procedure), (all_topics(None), Topic)):
        versioned = [name for name, field in model.model_fields.items() if "Versions" in str(field.annotation)]
        assert set(versioned) <= set(PART_NAMES), set(versioned) - set(PART_NAMES)
        for item in items:
            changes += len(item.changes())
            for change in item.changes():
                assert not any(name in change.what.split() for name in model.model_fields), change
    assert changes > 0
