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
    result = Normalizer()("Đoàn QXT đã đến")
    assert result.text == "Đoàn quy ích tê đã đến"
    assert result.unknown == ("QXT",)


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
    result = run_cli("normalize", "--explain", "QXT đạt 85,5% lúc 7h30")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "quy ích tê đạt tám mươi lăm phẩy năm phần trăm lúc bảy giờ ba mươi phút"
    assert "    [phần trăm] 85,5% → tám mươi lăm phẩy năm phần trăm" in lines
    assert "    [giờ] 7h30 → bảy giờ ba mươi phút" in lines
    assert any("[chưa có trong từ điển] QXT" in line for line in lines)


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


# -- every written form an officer pastes (issue 28) --------------------------------------------

@pytest.mark.parametrize("written, spoken", [
    # dates with hyphens or dots, with and without "ngày"
    ("Ngày 14-7-2021, xã họp", "Ngày mười bốn tháng bảy năm hai nghìn không trăm hai mươi mốt, xã họp"),
    ("hạn chót 15.7.2026", "hạn chót ngày mười lăm tháng bảy năm hai nghìn không trăm hai mươi sáu"),
    ("Sáng 8-10, tại hội trường", "Sáng tám tháng mười, tại hội trường"),
    ("tháng 7-2021", "tháng bảy năm hai nghìn không trăm hai mươi mốt"),
    ("quý IV-2025", "quý bốn năm hai nghìn không trăm hai mươi lăm"),
    # ranges of dates and of clock times
    ("từ 15/7 - 30/9/2026",
     "từ mười lăm tháng bảy đến ngày ba mươi tháng chín năm hai nghìn không trăm hai mươi sáu"),
    ("(19 - 23/01/2026)", "(mười chín đến hai mươi ba tháng một năm hai nghìn không trăm hai mươi sáu)"),
    ("ngày 8-10 hằng tháng", "ngày tám đến mười hằng tháng"),
    ("làm việc 8h-10h45", "làm việc tám giờ đến mười giờ bốn mươi lăm phút"),
    ("trực từ 8-10h", "trực từ tám đến mười giờ"),
    # Roman numerals as ordinals and as term numbers
    ("Đại hội lần thứ I, nhiệm kỳ 2025-2030",
     "Đại hội lần thứ nhất, nhiệm kỳ hai nghìn không trăm hai mươi lăm đến hai nghìn không trăm ba mươi"),
    ("kỳ họp thứ IV", "kỳ họp thứ tư"),
    ("xã khu vực III", "xã khu vực ba"),
    # units after a space or glued, decimal comma
    ("rộng 2,5ha", "rộng hai phẩy năm héc ta"),
    ("năng suất 62,5 tạ/ha", "năng suất sáu mươi hai phẩy năm tạ mỗi héc ta"),
    ("diện tích 85km2", "diện tích tám mươi lăm ki lô mét vuông"),
    ("đàn bò 970con", "đàn bò chín trăm bảy mươi con"),
    # letters glued to digits in names
    ("thôn 5B", "thôn năm bê"),
    ("QL1A qua xã", "quốc lộ một a qua xã"),
    ("tuyến ĐT.741", "tuyến đường tỉnh bảy trăm bốn mươi mốt"),
    ("đường ĐH 12", "đường đường huyện mười hai"),
    ("Km 12+500", "ki lô mét mười hai cộng năm trăm"),
])
def test_every_written_form(written, spoken):
    assert Normalizer()(written).text == spoken


def test_a_bracketed_abbreviation_after_its_own_name_is_not_read_and_is_read_in_full_later():
    result = Normalizer()("Thành lập Ban Quản lý dự án (BQLDA) xã; BQLDA họp lúc 7h30.")
    assert result.text == "Thành lập Ban Quản lý dự án xã; Ban Quản lý dự án họp lúc bảy giờ ba mươi phút."
    assert result.unknown == ()
    # A bracket that is not the initials of the words before it is read.
    assert Normalizer()("Tổ công tác (QXT)").text == "Tổ công tác (quy ích tê)"


def test_a_document_code_says_its_issuer_once_whatever_form_the_sentence_names_it_in():
    normalizer = Normalizer()
    assert normalizer("Luật số 72/2025/QH15 được Quốc hội khóa XV thông qua").text == (
        "Luật số bảy mươi hai năm hai nghìn không trăm hai mươi lăm được Quốc hội khóa mười lăm thông qua")
    assert normalizer("Quốc hội đã thông qua Luật số 72/2025/QH15").text == (
        "Quốc hội đã thông qua Luật số bảy mươi hai năm hai nghìn không trăm hai mươi lăm")
    # "Quốc hội" inside another issuer's name is not the Assembly.
    assert normalizer("Ủy ban Thường vụ Quốc hội xem xét Luật số 72/2025/QH15").text.endswith(
        "của Quốc hội khóa mười lăm")
    assert normalizer("Nghị quyết 57-NQ/TW, Nghị quyết 68-NQ/TW của Bộ Chính trị").text == (
        "Nghị quyết năm mươi bảy, Nghị quyết sáu mươi tám của Bộ Chính trị")


def test_a_time_range_names_the_part_of_the_day_once_on_a_twelve_hour_station():
    normalizer = Normalizer(clock="12h")
    assert normalizer("Làm việc 13h30-17h.").text == "Làm việc một giờ rưỡi đến năm giờ chiều."
    assert normalizer("Mở cửa 7h30 - 11h30.").text == "Mở cửa bảy giờ rưỡi sáng đến mười một giờ rưỡi trưa."
    assert normalizer("Trực 22h-6h sáng hôm sau.").text == "Trực mười giờ đêm đến sáu giờ sáng hôm sau."


def test_every_rule_is_named_for_explain():
    from radio.speech.normalize import RULE_NAMES

    assert [name for name, _, _ in Normalizer().rules if name not in RULE_NAMES] == []


def test_unknown_abbreviations_are_said_letter_by_letter_with_numbers_as_numbers():
    result = Normalizer()("Xe GXT12 đã đến")
    assert result.text == "Xe giê ích tê mười hai đã đến"
    assert result.unknown == ("GXT12",)


def test_explain_names_each_new_rule():
    result = run_cli("normalize", "--explain",
                     "Từ 15/7 - 30/9/2026, 8h-10h, lần thứ I, thôn 5B, QL1A, 2,5ha, Hợp tác xã (HTX)")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for label in ("[khoảng ngày]", "[khoảng giờ]", "[thứ tự bằng số La Mã]", "[số kèm chữ cái]",
                  "[số hiệu đường]", "[đơn vị]", "[chữ viết tắt trong ngoặc]"):
        assert label in out, (label, out)


def test_no_reading_anywhere_in_the_lexicon_is_a_word_never_to_be_aired():
    from radio.ear import never_said
    from radio.speech.normalize import SECTIONS, letter_reading, packaged_lexicon

    lexicon = packaged_lexicon()
    normalizer = Normalizer()
    readings = []
    for section in SECTIONS:
        for token, value in getattr(lexicon, section).items():
            readings += [value.means or "", value.name or ""] if section == "abbreviations" else [value]
            readings += [letter_reading(token), normalizer(token).text]
    assert len(lexicon.abbreviations) >= 300 and lexicon.roads
    assert {reading: never_said(reading) for reading in readings if never_said(reading)} == {}
