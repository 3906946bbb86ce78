"""Dates, times, ranges, units and codes in every written form are said as what they mean.

Each test writes a value the way an office might (separators, zero padding, "ngày" or not,
spaces, dashes), normalizes it, and reads the spoken words back with the independent reader
of tests/test_numbers_property.py: a lost day, a month said as a fraction, a minute dropped or
an issuer said twice fails.
"""
import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from radio.speech.normalize import LETTER_NAMES, Normalizer, packaged_lexicon
from radio.speech.numbers import to_roman
from tests.test_numbers_property import read_number

NORMALIZER = Normalizer()
LEXICON = packaged_lexicon()
EXAMPLES = settings(max_examples=200, deadline=None)

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
separators = st.sampled_from(["/", ".", "-"])
padded = st.booleans()
dashes = st.sampled_from(["-", " - ", "–", " – "])


def said(text: str) -> str:
    return NORMALIZER(text).text


def month(words: str) -> int:
    # "tháng tư", "tháng giêng"-free Northern usage: four is "tư", the rest read as numbers.
    return 4 if words == "tư" else read_number(words)


def written_day(day: date, separator: str, zero: bool, year: bool = True) -> str:
    parts = [f"{day.day:02d}" if zero else str(day.day), f"{day.month:02d}" if zero else str(day.month)]
    if year:
        parts.append(str(day.year))
    return separator.join(parts)


DATE_WORDS = r"(.+?) tháng (.+?) năm (.+)"


@EXAMPLES
@given(days, separators, padded, st.sampled_from(["", "ngày ", "Ngày "]))
def test_a_date_in_any_written_form_is_its_day_month_and_year(day, separator, zero, lead):
    spoken = said(f"Hạn nộp {lead}{written_day(day, separator, zero)}")
    found = re.fullmatch(rf"Hạn nộp [Nn]gày {DATE_WORDS}", spoken)
    assert found, spoken
    assert (read_number(found[1]), month(found[2]), read_number(found[3])) == (day.day, day.month, day.year)


@EXAMPLES
@given(days, days, st.sampled_from(["/", "."]), padded, dashes)
def test_a_range_of_dates_is_said_from_one_to_the_other(first, last, separator, zero, dash):
    written = f"từ {written_day(first, separator, zero)}{dash}{written_day(last, separator, zero)}"
    found = re.fullmatch(rf"từ ngày {DATE_WORDS} đến ngày {DATE_WORDS}", said(written))
    assert found, (written, said(written))
    values = [read_number(found[1]), month(found[2]), read_number(found[3]),
              read_number(found[4]), month(found[5]), read_number(found[6])]
    assert values == [first.day, first.month, first.year, last.day, last.month, last.year]


@EXAMPLES
@given(days, st.integers(min_value=1, max_value=30), padded, dashes, st.booleans())
def test_a_range_of_days_in_one_month_names_the_month_once(day, length, zero, dash, year):
    first, last = min(day.day, 28), min(day.day, 28) + min(length, 31 - min(day.day, 28))
    if first == last:
        return
    tail = f"{last:02d}/{day.month:02d}" if zero else f"{last}/{day.month}"
    written = f"từ ngày {first}{dash}{tail}" + (f"/{day.year}" if year else "")
    spoken = said(written)
    found = re.fullmatch(r"từ ngày (.+?) đến (.+?) tháng (.+?)(?: năm (.+))?", spoken)
    assert found, (written, spoken)
    assert (read_number(found[1]), read_number(found[2]), month(found[3])) == (first, last, day.month)
    assert (found[4] is not None) == year and (not year or read_number(found[4]) == day.year)


clock_forms = st.sampled_from(["{h}h{m:02d}", "{h:02d}h{m:02d}", "{h}:{m:02d}", "{h} giờ {m}",
                               "{h} giờ {m} phút", "{h}h{m:02d}’", "{h:02d}h{m:02d}'"])


def clock(words: str) -> tuple[int, int]:
    found = re.fullmatch(r"(.+?) giờ(?: (.+?) phút)?", words)
    assert found, words
    return read_number(found[1]), read_number(found[2]) if found[2] else 0


@EXAMPLES
@given(st.integers(0, 23), st.integers(0, 59), clock_forms)
def test_a_clock_time_in_any_written_form_is_its_hour_and_minute(hour, minute, form):
    spoken = said(f"Mở cửa lúc {form.format(h=hour, m=minute)}")
    assert spoken.startswith("Mở cửa lúc "), spoken
    assert clock(spoken.removeprefix("Mở cửa lúc ")) == (hour, minute)


@EXAMPLES
@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.integers(0, 59), clock_forms,
       dashes)
def test_a_range_of_clock_times_is_said_from_one_to_the_other(h1, m1, h2, m2, form, dash):
    written = f"Làm việc {form.format(h=h1, m=m1)}{dash}{form.format(h=h2, m=m2)}"
    found = re.fullmatch(r"Làm việc (.+?) đến (.+)", said(written))
    assert found, (written, said(written))
    assert (clock(found[1]), clock(found[2])) == ((h1, m1), (h2, m2))


ISSUERS = ["UBND", "CP", "TTg", "BTP", "BNV", "BCA", "HĐND", "TU", "BTC", "SNV"]
KINDS = {"NQ": "Nghị quyết", "QĐ": "Quyết định", "KH": "Kế hoạch", "TB": "Thông báo", "CT": "Chỉ thị"}


@EXAMPLES
@given(st.integers(1, 9999), st.one_of(st.none(), st.integers(2000, 2030)), st.sampled_from(sorted(KINDS)),
       st.sampled_from(ISSUERS), st.booleans(), st.one_of(st.none(), days))
def test_a_document_code_says_its_number_year_and_issuer_once(number, year, kind, issuer, party, signed):
    code = (f"{number}-{kind}/{issuer}" if party and year is None
            else f"{number}{'/' + str(year) if year else ''}/{kind}-{issuer}")
    name = LEXICON.issuers[issuer]
    tail = f" ngày {written_day(signed, '/', False)} của {name}" if signed else ""
    spoken = said(f"{KINDS[kind]} số {code}{tail}")
    # Years here are 2000–2030: "năm hai nghìn …", never the "năm" of "năm mươi".
    found = re.fullmatch(rf"{KINDS[kind]} số (.+?)(?: năm (hai nghìn.*?))?(?: của (.+?))?"
                         rf"(?: ngày {DATE_WORDS} của (.+))?", spoken)
    assert found, (code, spoken)
    assert read_number(found[1]) == number
    assert (read_number(found[2]) if found[2] else None) == year
    assert spoken.count(name) == 1, spoken


@EXAMPLES
@given(st.integers(1, 39), st.sampled_from(["lần thứ", "Kỳ họp thứ", "Đại hội lần thứ"]))
def test_a_roman_ordinal_is_said_as_an_ordinal(n, lead):
    spoken = said(f"{lead} {to_roman(n)}")
    words = spoken.removeprefix(f"{lead} ")
    if n in (1, 4):
        assert words == {1: "nhất", 4: "tư"}[n], spoken  # "lần thứ nhất", never "thứ một"
    else:
        assert read_number(words) == n, spoken


@EXAMPLES
@given(st.integers(1, 99999), st.one_of(st.none(), st.integers(1, 99)),
       st.sampled_from(["m2", "km2", "ha", "kg", "km", "m3"]), st.sampled_from(["", " "]))
def test_a_measure_is_its_number_then_its_unit_glued_or_not(whole, decimal, unit, space):
    written_number = f"{whole:,}".replace(",", ".") + (f",{decimal}" if decimal else "")
    spoken = said(f"diện tích {written_number}{space}{unit}")
    reading = LEXICON.units[unit]
    found = re.fullmatch(rf"diện tích (.+?)(?: phẩy (.+?))? {reading}", spoken)
    assert found, spoken
    assert read_number(found[1]) == whole
    assert (read_number(found[2]) if found[2] else None) == decimal


@EXAMPLES
@given(st.sampled_from(["QL", "ĐT", "ĐH"]), st.sampled_from(["", ".", " "]), st.integers(1, 999),
       st.sampled_from(["", "A", "B", "C"]))
def test_a_road_code_is_the_kind_of_road_then_its_number(code, separator, number, letter):
    spoken = said(f"tuyến {code}{separator}{number}{letter} qua xã")
    expected_letter = f" {LETTER_NAMES[letter]}" if letter else ""
    found = re.fullmatch(rf"tuyến {LEXICON.roads[code]} (.+?){expected_letter} qua xã", spoken)
    assert found, spoken
    assert read_number(found[1]) == number
