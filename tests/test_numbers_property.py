"""Every integer up to 10^12 is read, and the reading means that number.

The reader below is written independently of radio's number speller: it parses spoken
Vietnamese numerals back to integers, so a wrong "linh", "mốt", "lăm" or a lost group fails.
"""
from hypothesis import given, settings
from hypothesis import strategies as st

from radio.speech.numbers import integer_words

UNITS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5,
         "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def read_below_thousand(words: list[str]) -> int:
    value = 0
    if "trăm" in words:
        at = words.index("trăm")
        assert at == 1, words
        value += UNITS[words[0]] * 100
        words = words[at + 1:]
        if words[:1] == ["linh"]:
            assert len(words) == 2 and UNITS[words[1]] not in (0,), words
            return value + UNITS[words[1]]
    if not words:
        return value
    if words[0] == "mười":
        tens, rest = 1, words[1:]
    elif len(words) >= 2 and words[1] == "mươi":
        tens, rest = UNITS[words[0]], words[2:]
        assert tens >= 2, words
    else:
        assert len(words) == 1 and words[0] not in ("mốt", "lăm", "tư"), words
        return value + UNITS[words[0]]
    if rest:
        assert len(rest) == 1, words
        unit = rest[0]
        # The spoken rules: "mốt" only after mươi, "lăm" after any tens, "một" after mười.
        assert not (unit == "mốt" and tens == 1) and not (unit == "một" and tens > 1), words
        assert unit != "năm", words
        return value + tens * 10 + UNITS[unit]
    return value + tens * 10


def read_number(text: str) -> int:
    words = text.split()
    if words == ["không"]:
        return 0
    if "tỷ" in words:
        at = len(words) - 1 - words[::-1].index("tỷ")
        return read_number(" ".join(words[:at])) * 10**9 + (read_number(" ".join(words[at + 1:]))
                                                           if words[at + 1:] else 0)
    total = 0
    for scale, factor in (("triệu", 10**6), ("nghìn", 10**3)):
        if scale in words:
            at = words.index(scale)
            total += read_below_thousand(words[:at]) * factor
            words = words[at + 1:]
    return total + (read_below_thousand(words) if words else 0)


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_every_integer_reads_back_to_itself(n):
    assert read_number(integer_words(n)) == n


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=1, max_value=10**12))
def test_lower_groups_after_a_higher_one_say_their_hundreds(n):
    # "một nghìn không trăm linh năm", never "một nghìn linh năm" or "một nghìn năm".
    words = integer_words(n).split()
    for index, word in enumerate(words[:-1]):
        if word in ("nghìn", "triệu", "tỷ") and words[index + 1] not in ("nghìn", "triệu", "tỷ"):
            assert words[index + 2] == "trăm", (n, words)


def test_edges():
    for n in (0, 10, 15, 21, 100, 101, 1000, 10**6, 10**9, 10**12, 999_999_999_999):
        assert read_number(integer_words(n)) == n
