"""Vietnamese number reading (Northern usage): 21 → hai mươi mốt, 105 → một trăm linh năm."""
from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _below_hundred(n: int, after_hundreds: bool) -> list[str]:
    tens, units = divmod(n, 10)
    if tens == 0:
        if units == 0:
            return []
        # "một trăm linh năm": a lone unit after hundreds is joined by "linh".
        return (["linh"] if after_hundreds else []) + [DIGITS[units]]
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 0:
        return words
    if units == 1:
        return words + (["mốt"] if tens > 1 else ["một"])
    if units == 4 and tens > 1:
        return words + ["tư"]
    if units == 5:
        return words + ["lăm"]
    return words + [DIGITS[units]]


def _below_thousand(n: int, padded: bool) -> list[str]:
    hundreds, rest = divmod(n, 100)
    if hundreds == 0 and not padded:
        return _below_hundred(rest, after_hundreds=False)
    words = [DIGITS[hundreds], "trăm"]
    return words + _below_hundred(rest, after_hundreds=True)


def _below_billion(n: int, padded: bool) -> list[str]:
    """Words for 0 < n < 10⁹; ``padded`` when a higher group was read before it."""
    words: list[str] = []
    for group, scale in ((n // 1_000_000, "triệu"), (n // 1000 % 1000, "nghìn"), (n % 1000, "")):
        if group == 0:
            continue
        words += _below_thousand(group, padded=padded)
        if scale:
            words.append(scale)
        padded = True
    return words


def integer_words(n: int) -> str:
    """Read a non-negative integer the way a Northern announcer does."""
    if n < 0:
        return "âm " + integer_words(-n)
    if n == 0:
        return "không"
    # Above a billion the count of billions is itself read as a number ("một nghìn tỷ").
    billions, rest = divmod(n, 1_000_000_000)
    words = [integer_words(billions), "tỷ"] if billions else []
    if rest:
        words += _below_billion(rest, padded=bool(billions))
    return " ".join(words)


def digit_words(digits: str) -> str:
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def decimal_words(integer_part: str, fraction: str | None) -> str:
    spoken = integer_words(int(integer_part))
    if not fraction:
        return spoken
    # Fractions with leading zeros are read digit by digit ("0,05" → không phẩy không năm).
    tail = digit_words(fraction) if fraction.startswith("0") else integer_words(int(fraction))
    return f"{spoken} phẩy {tail}"


def roman_value(token: str) -> int | None:
    token = token.upper()
    if not token or any(ch not in ROMAN for ch in token):
        return None
    total = 0
    for current, following in zip(token, token[1:] + " "):
        value = ROMAN[current]
        total += -value if following != " " and ROMAN[following] > value else value
    return total if 0 < total < 4000 else None


_ROMAN_STEPS = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def to_roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN_STEPS:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def strict_roman_value(token: str) -> int | None:
    """The value of a Roman numeral written the standard way ("XIV"), else None: "IIII" or
    "VX" in a text is more likely a name or a typo than a number."""
    value = roman_value(token)
    return value if value is not None and to_roman(value) == token else None


def ordinal_words(n: int) -> str:
    return {1: "nhất", 4: "tư"}.get(n, integer_words(n))
