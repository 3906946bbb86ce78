"""What the announcer says for what the officer wrote."""
import pytest

from radio.speech.normalize import Lexicon, Normalizer, load_lexicon
from radio.speech.numbers import integer_words
from tests.conftest import run_cli


@pytest.mark.parametrize("number, spoken", [
    (0, "không"), (5, "năm"), (10, "mười"), (11, "mười một"), (15, "mười lăm"),
    (21, "hai mươi mốt"), (24, "hai mươi tư"), (25, "hai mươi lăm"), (40, "bốn mươi"),
    (101, "một trăm linh một"), (105, "một trăm linh năm"), (110, "một trăm mười"),
    (1005, "một nghìn không trăm linh năm"), (2026, "hai nghìn không trăm hai mươi sáu"),
    (1_250_000, "một triệu hai trăm năm mươi nghìn"),
    (1_000_001, "một triệu không trăm linh một"),
    (3_000_000_000, "ba tỷ"),
])
def test_integers(number, spoken):
    assert integer_words(number) == spoken


@pytest.mark.parametrize("written, spoken", [
    ("đạt 85,5%", "đạt tám mươi lăm phẩy năm phần trăm"),
    ("ngày 15/7/2021", "ngày mười lăm tháng bảy năm hai nghìn không trăm hai mươi mốt"),
    ("tháng 4/2026", "tháng tư năm hai nghìn không trăm hai mươi sáu"),
    ("Quý I/2024", "Quý một năm hai nghìn không trăm hai mươi tư"),
    ("lần thứ XXII", "lần thứ hai mươi hai"),
    ("từ 7h30 đến 11h00", "từ bảy giờ ba mươi phút đến mười một giờ"),
    ("thứ 2 đến thứ 6", "thứ hai đến thứ sáu"),
    ("Tin thứ 1", "Tin thứ nhất"),
    ("10-15 phút", "mười đến mười lăm phút"),
    ("giai đoạn 2021-2030", "giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm ba mươi"),
    ("25/25 thôn", "hai mươi lăm trên hai mươi lăm thôn"),
    ("03 tin, bài/tháng", "ba tin, bài mỗi tháng"),
    ("1.250.000 đồng", "một triệu hai trăm năm mươi nghìn đồng"),
    ("đường dây nóng 0237.3856.789",
     "đường dây nóng không hai ba bảy, ba tám năm sáu, bảy tám chín"),
    ("Nghị quyết số 76/NQ-CP", "Nghị quyết số bảy mươi sáu của Chính phủ"),
    ("Nghị định 61/2018/NĐ-CP",
     "Nghị định sáu mươi mốt năm hai nghìn không trăm mười tám của Chính phủ"),
    ("UBND xã, HĐND xã", "Ủy ban nhân dân xã, Hội đồng nhân dân xã"),
    ("công tác CCHC, TTHC", "công tác cải cách hành chính, thủ tục hành chính"),
    ("dichvucong.gov.vn", "dịch vụ công chấm gờ o vê chấm vê en"),
    ("TCVN ISO 9001:2015",
     "tiêu chuẩn Việt Nam i xô chín nghìn không trăm linh một năm hai nghìn không trăm mười lăm"),
])
def test_sentences(written, spoken):
    assert Normalizer()(written).text == spoken


def test_unknown_caps_are_spelled_and_reported():
    result = Normalizer()("Đoàn HTX đã đến")
    assert result.text == "Đoàn hát tê ích đã đến"
    assert result.unknown == ("HTX",)


def test_changes_are_recorded_for_the_review_copy():
    result = Normalizer()("UBND xã đạt 90%")
    rules = {c.rule for c in result.changes}
    assert {"abbreviation", "percent"} <= rules


def test_station_lexicon_overrides_and_extends(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("abbreviations:\n  HTX: hợp tác xã\n  UBND: ủy ban\n", encoding="utf-8")
    normalizer = Normalizer(load_lexicon(path))
    assert normalizer("HTX và UBND").text == "hợp tác xã và ủy ban"
    assert Normalizer(Lexicon())("UBND").unknown == ("UBND",)


def test_cli_keeps_one_output_line_per_input_line():
    lines = ["UBND xã", "", "đạt 85,5%"]
    result = run_cli("normalize", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Ủy ban nhân dân xã", "", "đạt tám mươi lăm phẩy năm phần trăm"]


def test_explain_names_the_rule_behind_each_change():
    result = run_cli("normalize", "--explain", "HTX đạt 85,5% lúc 7h30")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "hát tê ích đạt tám mươi lăm phẩy năm phần trăm lúc bảy giờ ba mươi phút"
    assert "    [phần trăm] 85,5% → tám mươi lăm phẩy năm phần trăm" in lines
    assert "    [giờ] 7h30 → bảy giờ ba mươi phút" in lines
    assert any("[chưa có trong từ điển] HTX" in line for line in lines)


def test_explain_says_when_a_reading_was_shortened_to_avoid_a_repeat():
    result = run_cli("normalize", "--explain", "Nghị quyết số 76/NQ-CP của Chính phủ; theo tiêu chuẩn TCVN")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Nghị quyết số bảy mươi sáu của Chính phủ; theo tiêu chuẩn Việt Nam"
    document = next(line for line in lines if "[số hiệu văn bản]" in line)
    assert "76/NQ-CP → bảy mươi sáu (cơ quan ban hành được nêu ngay sau" in document
    standard = next(line for line in lines if "TCVN →" in line)
    assert "(bỏ «tiêu chuẩn» vì vừa đọc ngay trước)" in standard


def test_a_station_entry_can_be_read_by_name_or_in_full(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text(
        "abbreviations:\n"
        "  HTX: {means: hợp tác xã, name: hát tê ích, read: means}\n"
        "  OCOP: {name: ô cốp}\n"
        "issuers:\n"
        "  SNNMT: Sở Nông nghiệp và Môi trường\n", encoding="utf-8")
    normalizer = Normalizer(load_lexicon(path))
    assert normalizer("HTX Tân Tiến").text == "hợp tác xã Tân Tiến"
    # The sentence already says what it means: the short name is enough.
    assert normalizer("Mỗi hợp tác xã, kể cả HTX Tân Tiến").text == "Mỗi hợp tác xã, kể cả hát tê ích Tân Tiến"
    assert normalizer("sản phẩm OCOP").text == "sản phẩm ô cốp"
    assert normalizer("Quyết định 12/QĐ-SNNMT").text == "Quyết định mười hai của Sở Nông nghiệp và Môi trường"


def test_a_malformed_lexicon_entry_is_named(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("abbreviations:\n  OCOP: {nam: ô cốp}\n", encoding="utf-8")
    result = run_cli("normalize", "--station", str(tmp_path), "OCOP")
    assert result.returncode == 1
    assert "OCOP" in result.stderr and "lexicon.yaml" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_issuer_is_spelled_and_reported():
    result = Normalizer()("Quyết định 5/QĐ-XYZ")
    assert result.text == "Quyết định năm của ích i dài dét"
    assert result.unknown == ("XYZ",)


def test_capitalised_headings_are_words_not_letters():
    result = Normalizer()("NỘI DUNG TUYÊN TRUYỀN CCHC")
    assert result.text == "nội dung tuyên truyền cải cách hành chính"
    assert result.unknown == ()
