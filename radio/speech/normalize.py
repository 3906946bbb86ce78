"""Vietnamese text normalization: turn a written CCHC script into what must be said.

Rule-based and offline. Each rule is a regular expression with a handler; rules run in
order so that specific shapes (phone numbers, document numbers, dates) are read before the
generic number rule sees their digits. Every change is recorded so the review copy can show
the reading, and unknown all-caps tokens are spelled and reported for lint.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from radio.config import read_yaml
from radio.errors import ConfigError
from radio.speech.numbers import (decimal_words, digit_words, integer_words, ordinal_words,
                                  roman_value)

LETTER_NAMES = {
    "A": "a", "Ă": "á", "Â": "ớ", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e",
    "Ê": "ê", "F": "ép", "G": "gờ", "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "e lờ",
    "M": "em", "N": "en", "O": "o", "Ô": "ô", "Ơ": "ơ", "P": "pê", "Q": "quy", "R": "e rờ",
    "S": "ét", "T": "tê", "U": "u", "Ư": "ư", "V": "vê", "W": "vê kép", "X": "ích",
    "Y": "i dài", "Z": "dét",
}
WEEKDAY_WORDS = {2: "hai", 3: "ba", 4: "tư", 5: "năm", 6: "sáu", 7: "bảy"}
ROMAN_CONTEXT = r"(?:[Qq]uý|[Ll]ần thứ|[Kk]hóa|[Kk]hoá|[Pp]hần|[Cc]hương|[Mm]ục|[Đđ]ại hội)"
UPPER = "A-ZĂÂĐÊÔƠƯ"


# How each rule is named to an officer in `radio normalize --explain`.
RULE_NAMES = {
    "markup": "ký hiệu định dạng", "end_mark": "dấu kết thúc văn bản", "iso_datetime": "ngày giờ ISO",
    "email": "thư điện tử", "web": "địa chỉ trang web", "phone": "số điện thoại",
    "document": "số hiệu văn bản", "code": "ký hiệu văn bản", "standard": "số hiệu tiêu chuẩn",
    "date": "ngày tháng", "day_month": "ngày tháng", "quarter": "quý", "month_year": "tháng năm", "time": "giờ",
    "roman": "số La Mã", "range": "khoảng số", "percent": "phần trăm", "weekday": "thứ trong tuần",
    "per": "mỗi (dấu /)", "ratio": "tỷ số", "unit": "đơn vị", "abbreviation": "chữ viết tắt",
    "number": "số", "unknown": "chữ viết tắt chưa biết (đánh vần)", "symbol": "ký hiệu",
}


@dataclass(frozen=True)
class Change:
    rule: str
    written: str
    spoken: str


@dataclass(frozen=True)
class Normalized:
    text: str
    changes: tuple[Change, ...] = ()
    unknown: tuple[str, ...] = ()


@dataclass
class Lexicon:
    abbreviations: dict[str, str] = field(default_factory=dict)
    domain_words: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    def merged(self, other: "Lexicon") -> "Lexicon":
        return Lexicon({**self.abbreviations, **other.abbreviations},
                       {**self.domain_words, **other.domain_words},
                       {**self.units, **other.units})

    @classmethod
    def from_mapping(cls, data: dict, source: Path | str) -> "Lexicon":
        if not isinstance(data, dict):
            raise ConfigError(source, "từ điển viết tắt phải là các nhóm khoá: giá trị.")
        parts = {}
        for name in ("abbreviations", "domain_words", "units"):
            section = data.get(name) or {}
            if not isinstance(section, dict):
                raise ConfigError(source, f"mục '{name}' phải là các cặp 'viết tắt: cách đọc'.")
            parts[name] = {str(k): str(v) for k, v in section.items()}
        return cls(**parts)


@lru_cache(maxsize=1)
def packaged_lexicon() -> Lexicon:
    text = resources.files("radio.speech").joinpath("lexicon.yaml").read_text(encoding="utf-8")
    return Lexicon.from_mapping(yaml.safe_load(text), "radio/speech/lexicon.yaml")


def load_lexicon(station_lexicon: Path | None = None) -> Lexicon:
    """The packaged lexicon, overridden and extended by a station's own file if it exists."""
    base = packaged_lexicon()
    if station_lexicon is None or not station_lexicon.exists():
        return base
    data, _lines = read_yaml(station_lexicon)
    return base.merged(Lexicon.from_mapping(data or {}, station_lexicon))


def spell(token: str) -> str:
    words = []
    for ch in token:
        if ch.isdigit():
            words.append(digit_words(ch))
        elif ch.upper() in LETTER_NAMES:
            words.append(LETTER_NAMES[ch.upper()])
    return " ".join(words)


def _number(text: str) -> str:
    """Read '1.250.000', '85,5' or '2026' (dots group thousands, comma marks decimals)."""
    integer, _, fraction = text.partition(",")
    return decimal_words(integer.replace(".", ""), fraction or None)


Handler = Callable[[re.Match[str]], str]


class Normalizer:
    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or packaged_lexicon()
        abbreviations = sorted(self.lexicon.abbreviations, key=len, reverse=True)
        abbr_pattern = "|".join(re.escape(a) for a in abbreviations) or r"(?!x)x"
        self._abbr_re = re.compile(rf"(?<![\w/])(?:{abbr_pattern})(?![\w])")
        units = sorted(self.lexicon.units, key=len, reverse=True)
        unit_pattern = "|".join(re.escape(u) for u in units) or r"(?!x)x"
        self.rules: list[tuple[str, re.Pattern[str], Handler]] = [
            ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), self._email),
            ("web", re.compile(r"\b(?:https?://)?(?:[\w-]+\.)+(?:vn|com|org|net)(?:/[\w/.-]*)?\b"),
             self._web),
            ("markup", re.compile(r"[#*]+"), lambda m: " "),
            ("end_mark", re.compile(r"\./\.$|\./\.(?=\s)"), lambda m: "."),
            ("iso_datetime", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?"
                                       r"(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])"), self._iso),
            ("phone", re.compile(r"(?<![\d.,])0\d{2,3}(?:[. ]?\d{2,4}){2,3}(?!\d|,\d)"), self._phone),
            ("document", re.compile(rf"\b(\d+)((?:/\d{{4}})?)[/-]([{UPPER}][{UPPER}a-z]*(?:[-/][{UPPER}][{UPPER}a-z]*)*)\b"),
             self._document),
            ("code", re.compile(rf"(?<![\w/])/?([{UPPER}]+(?:-[{UPPER}]+)+)(?![\w])"), self._bare_code),
            ("standard", re.compile(r"\b(\d{4,5}):(\d{4})\b"), self._standard),
            ("date", re.compile(r"\b(?:([Nn]gày)\s+)?([0-3]?\d)/([01]?\d)/(\d{4})\b"), self._date),
            ("day_month", re.compile(r"\b([Nn]gày)\s+([0-3]?\d)/([01]?\d)\b(?!/)"), self._day_month),
            ("quarter", re.compile(r"\b([Qq]uý)\s+([IVX]+|[1-4])/(\d{4})\b"), self._quarter),
            ("month_year", re.compile(r"\b(?:([Tt]háng)\s+)?([01]?\d)/(\d{4})\b"), self._month_year),
            ("time", re.compile(r"\b([01]?\d|2[0-3])\s?(?:h|giờ|:)\s?([0-5]\d)?(?:\s?phút)?(?![\w:])"),
             self._time),
            ("roman", re.compile(rf"\b({ROMAN_CONTEXT})\s+([IVXLC]+)\b"), self._roman),
            ("range", re.compile(r"\b(\d+(?:[.,]\d+)?)\s?[-–]\s?(\d+(?:[.,]\d+)?)\b(\s?%)?"), self._range),
            ("percent", re.compile(r"(\d+(?:[.,]\d+)?)\s?%"), self._percent),
            ("weekday", re.compile(r"\b([Tt]hứ)\s+([1-8])\b"), self._weekday),
            ("per", re.compile(r"(?<=[^\W\d])\s?/\s?(tháng|năm|ngày|tuần|quý|người|hồ sơ|lần|buổi|kỳ|đợt|hộ|ca)\b"),
             self._per),
            ("ratio", re.compile(r"\b(\d+)\s?/\s?(\d+)\b"), self._ratio),
            ("unit", re.compile(rf"(?<=\d)\s?({unit_pattern})\b"), self._unit),
            ("abbreviation", self._abbr_re, self._abbreviation),
            ("number", re.compile(r"(?<![\w,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d])|(?<![\w.,])\d+(?:,\d+)?(?![\d])"),
             lambda m: _number(m.group(0))),
            ("unknown", re.compile(rf"\b[{UPPER}][{UPPER}0-9]{{1,}}\b"), self._unknown),
            ("symbol", re.compile(r"\s?&\s?|\s[–—-]\s|(?<=\w):(?=\w)|\s?\+\s?"), self._symbol),
        ]

    # -- handlers -------------------------------------------------------------------------
    def _domain_part(self, part: str) -> str:
        lowered = part.lower()
        if lowered in self.lexicon.domain_words:
            return self.lexicon.domain_words[lowered]
        if len(part) <= 4 or any(ch.isdigit() for ch in part):
            return spell(part)
        return part

    def _web(self, m: re.Match[str]) -> str:
        address = re.sub(r"^https?://", "", m.group(0)).rstrip("/")
        pieces = [" chấm ".join(self._domain_part(p) for p in chunk.split(".") if p)
                  for chunk in address.split("/")]
        return " gạch chéo ".join(p for p in pieces if p)

    def _email(self, m: re.Match[str]) -> str:
        user, _, domain = m.group(0).partition("@")
        user_spoken = " chấm ".join(self._domain_part(p) for p in user.split("."))
        domain_spoken = " chấm ".join(self._domain_part(p) for p in domain.split("."))
        return f"{user_spoken} a còng {domain_spoken}"

    def _phone(self, m: re.Match[str]) -> str:
        groups = re.split(r"[. ]", m.group(0))
        # Commas make the engine pause between groups, as announcers do.
        return ", ".join(digit_words(g) for g in groups if g)

    def _document(self, m: re.Match[str]) -> str:
        """'76/NQ-CP' → 'bảy mươi sáu của Chính phủ': the document type is already said
        before the number ("Nghị quyết số ..."), so only the issuer is read."""
        number, year, code = m.group(1), m.group(2), m.group(3)
        words = integer_words(int(number))
        if year:
            words += " năm " + integer_words(int(year[1:]))
        parts = [p for p in re.split(r"[-/]", code) if p]
        name = self.lexicon.abbreviations.get(parts[-1]) or spell(parts[-1])
        return f"{words} của {name}" if len(parts) > 1 else f"{words} {name}"

    def _bare_code(self, m: re.Match[str]) -> str:
        """A document code without its number ('Số: /KH-UBND' in an unsigned draft)."""
        parts = m.group(1).split("-")
        if any(p not in self.lexicon.abbreviations for p in parts) and m.group(1) in self.lexicon.abbreviations:
            return self.lexicon.abbreviations[m.group(1)]
        return " ".join(self.lexicon.abbreviations.get(p) or spell(p) for p in parts)

    def _iso(self, m: re.Match[str]) -> str:
        year, month, day, hour, minute = m.groups()
        spoken = (f"ngày {integer_words(int(day))} tháng {_month_words(int(month))} "
                  f"năm {integer_words(int(year))}")
        if hour is not None:
            spoken += f", {integer_words(int(hour))} giờ"
            if int(minute):
                spoken += f" {integer_words(int(minute))} phút"
        return spoken

    def _standard(self, m: re.Match[str]) -> str:
        return f"{integer_words(int(m.group(1)))} năm {integer_words(int(m.group(2)))}"

    def _date(self, m: re.Match[str]) -> str:
        day, month, year = int(m.group(2)), int(m.group(3)), int(m.group(4))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return m.group(0)
        lead = m.group(1) or "ngày"
        return f"{lead} {integer_words(day)} tháng {_month_words(month)} năm {integer_words(year)}"

    def _day_month(self, m: re.Match[str]) -> str:
        day, month = int(m.group(2)), int(m.group(3))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return m.group(0)
        return f"{m.group(1)} {integer_words(day)} tháng {_month_words(month)}"

    def _quarter(self, m: re.Match[str]) -> str:
        quarter = roman_value(m.group(2)) or int(m.group(2))
        return f"{m.group(1)} {integer_words(quarter)} năm {integer_words(int(m.group(3)))}"

    def _month_year(self, m: re.Match[str]) -> str:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return m.group(0)
        return f"{m.group(1) or 'tháng'} {_month_words(month)} năm {integer_words(int(m.group(3)))}"

    def _time(self, m: re.Match[str]) -> str:
        hour, minute = int(m.group(1)), m.group(2)
        separator = m.group(0)
        if ":" in separator and not minute:
            return separator
        spoken = f"{integer_words(hour)} giờ"
        if minute and int(minute):
            spoken += f" {integer_words(int(minute))} phút"
        return spoken

    def _roman(self, m: re.Match[str]) -> str:
        value = roman_value(m.group(2))
        return f"{m.group(1)} {integer_words(value)}" if value else m.group(0)

    def _range(self, m: re.Match[str]) -> str:
        spoken = f"{_number(m.group(1))} đến {_number(m.group(2))}"
        return spoken + " phần trăm" if m.group(3) else spoken

    def _percent(self, m: re.Match[str]) -> str:
        return f"{_number(m.group(1))} phần trăm"

    def _weekday(self, m: re.Match[str]) -> str:
        n = int(m.group(2))
        return f"{m.group(1)} {WEEKDAY_WORDS.get(n) or ordinal_words(n)}"

    def _per(self, m: re.Match[str]) -> str:
        return f" mỗi {m.group(1)}"

    def _ratio(self, m: re.Match[str]) -> str:
        return f"{integer_words(int(m.group(1)))} trên {integer_words(int(m.group(2)))}"

    def _unit(self, m: re.Match[str]) -> str:
        return " " + self.lexicon.units[m.group(1)]

    def _abbreviation(self, m: re.Match[str]) -> str:
        return self.lexicon.abbreviations[m.group(0)]

    def _unknown(self, m: re.Match[str]) -> str:
        token = m.group(0)
        if roman_value(token) is not None and len(token) <= 4 and set(token) <= set("IVX"):
            return integer_words(roman_value(token))
        return spell(token)

    def _symbol(self, m: re.Match[str]) -> str:
        return {"&": " và ", ":": ": ", "+": " cộng "}.get(m.group(0).strip(), ", ")

    # -- driver ---------------------------------------------------------------------------
    def __call__(self, text: str) -> Normalized:
        changes: list[Change] = []
        unknown: list[str] = []
        for name, pattern, handler in self.rules:
            def record(m: re.Match[str], name=name, handler=handler) -> str:
                spoken = handler(m)
                if spoken != m.group(0):
                    changes.append(Change(name, m.group(0).strip(), spoken.strip()))
                    if name == "unknown" and roman_value(m.group(0)) is None:
                        unknown.append(m.group(0))
                return spoken
            text = pattern.sub(record, text)
        text = re.sub(r"[ \t]{2,}", " ", text).strip()
        return Normalized(text, tuple(changes), tuple(dict.fromkeys(unknown)))


def _month_words(month: int) -> str:
    # "tháng tư" and "tháng giêng" are the spoken forms; "tháng bốn" sounds foreign.
    return {1: "một", 4: "tư"}.get(month, integer_words(month))
