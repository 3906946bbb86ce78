"""Vietnamese text normalization: turn a written CCHC script into what must be said.

Rule-based and offline. Each rule is a regular expression with a handler; rules run in
order so that specific shapes (phone numbers, document numbers, dates) are read before the
generic number rule sees their digits. Every change is recorded so the review copy can show
the reading, and unknown all-caps tokens are spelled and reported for lint.

Handlers see the whole sentence (``m.string``), because what a listener hears depends on
the words around a token: an issuer already named after a document code is not read twice,
an expansion does not repeat the words just before it, "1/5" after "ngày 30/4 và" is a date.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from radio.config import parse_packaged, read_yaml
from radio.errors import ConfigError
from radio.speech.numbers import (decimal_words, digit_words, integer_words, ordinal_words,
                                  roman_value, strict_roman_value)

LETTER_NAMES = {
    "A": "a", "Ă": "á", "Â": "ớ", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e",
    "Ê": "ê", "F": "ép", "G": "giê", "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "e lờ",
    "M": "em", "N": "en", "O": "o", "Ô": "ô", "Ơ": "ơ", "P": "pê", "Q": "quy", "R": "e rờ",
    "S": "ét", "T": "tê", "U": "u", "Ư": "ư", "V": "vê", "W": "vê kép", "X": "ích",
    "Y": "i dài", "Z": "dét",
}
WEEKDAY_WORDS = {2: "hai", 3: "ba", 4: "tư", 5: "năm", 6: "sáu", 7: "bảy"}
# Words a Roman numeral counts after: "khóa XV", "Phụ lục II", "xã khu vực III", "học kỳ I".
ROMAN_CONTEXT = (r"(?i:quý|khóa|khoá|phần|chương|mục|tiểu mục|đại hội|phụ lục|khu vực|loại|hạng"
                 r"|giai đoạn|đợt|nhóm|vùng|kỳ|tập|cấp độ)")
UPPER = "A-ZĂÂĐÊÔƠƯ"
# Every capital letter of Vietnamese, toned ones included ("ỦY", "CỘNG").
UPPER_ALL = UPPER + "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
# Pictographs an engine would read as English words ("grinning face") or skip unevenly.
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]+")
# Parts of a document code: "NQ", "TTg" (Thủ tướng), "QH15" (a term of the National Assembly).
CODE_PART = rf"[{UPPER}]+(?:&[{UPPER}]+)*(?:[gr](?![a-z]))?\d*"

# Words after which "a/b" is a day and a month ("dịp 30/4", "từ 15/7 đến 30/9").
_DATE_CONTEXT = re.compile(
    r"(?:\b(?:ngày|dịp|lễ|tết|mùng|mồng|từ|đến|tới|trước|sau|hết|hạn|chót|khánh|niệm|lịch|vào"
    r"|sáng|trưa|chiều|tối|đêm)\s*"
    r"|\d{1,2}\s*/\s*\d{1,2}\s*(?:,|và|hoặc|đến|tới|-|–)\s*"
    r"|\btháng\s+(?:giêng|một|hai|ba|tư|năm|sáu|bảy|tám|chín|mười(?:\s+(?:một|hai))?)"
    r"\s*(?:,|và|hoặc|đến|tới|-|–)\s*)$", re.IGNORECASE)
# Nouns a rate is given per ("đồng/bản", "2 lần/năm") even without a number before them.
_PER_NOUNS = {"tháng", "năm", "ngày", "tuần", "quý", "người", "hồ", "lần", "buổi", "kỳ", "đợt",
              "hộ", "ca", "bản", "lượt", "trang", "giờ", "suất", "trẻ", "con", "khẩu", "thửa"}
# After a document code, the issuer may already be named: "76/NQ-CP ngày 15/7/2021 của Chính phủ".
_ISSUER_FOLLOWS = re.compile(
    r"\s*(?:,\s*)?(?:ngày\s+\d{1,2}(?:\s*([/.-])\s*\d{1,2}\s*\1\s*\d{4}|\s+tháng\s+\d{1,2}\s+năm\s+\d{4})"
    r"\s*,?\s*)?của\s+\S", re.IGNORECASE)
# Names whose number is part of the name and read as written ("Đề án 06" → "không sáu").
_NAMED_NUMBER = (r"\b((?:[Đđ]ề án|[Cc]hỉ thị|[Kk]ết luận|[Nn]ghị quyết|[Qq]uyết định|[Cc]hương trình|"
                 r"[Kk]ế hoạch|[Tt]hông báo|[Qq]uy định|[Hh]ướng dẫn|[Cc]ông điện)(?:\s+số)?)\s+(0\d+)"
                 r"(?![\w/]|[.,-]\d|-[A-ZĐ])")
# Short service numbers are dialled, so they are read digit by digit ("Tổng đài 1022").
_SERVICE_CONTEXT = (r"tổng đài|đường dây(?: nóng)?|hotline|gọi(?: ngay)?(?: (?:đến|tới|vào))?(?: số)?"
                    r"|đầu số|số điện thoại|số máy|nhắn tin(?: (?:đến|tới))?(?: số)?|bấm số|quay số")

# Lower-case Vietnamese letters: a number glued to a word ("970con", "30tạ") is two words.
LOWER = "a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
# One date as offices write it: "ngày 15/7/2025", "15/7", "15.7.2025", "15-7-2025".
_DATE = r"(?:[Nn]gày\s+)?[0-3]?\d(?:/[01]?\d(?:/\d{4})?|\.[01]?\d\.\d{4}|-[01]?\d-\d{4})"
_DATE_PARTS = re.compile(r"(?:([Nn]gày)\s+)?([0-3]?\d)[/.-]([01]?\d)(?:[/.-](\d{4}))?")
# One clock time: "7h30", "7 giờ 30 phút", "7:30", "08h00’".
# A one-digit minute only where nothing else could follow ("7 giờ 5 phút", "7 giờ 5.").
_MINUTE = r"(?:[0-5]\d|\d(?=\s?phút|[’']|\s*(?:[,.;)–-]|$)))"
_CLOCK = rf"(?:[01]?\d|2[0-3])\s?(?:h|giờ|:)\s?{_MINUTE}?(?:\s?phút|[’'])?"
_CLOCK_PARTS = re.compile(r"(\d{1,2})\s?(h|giờ|:)?\s?(\d{1,2})?")
# A word for the day or the time of day before "8-10" makes it a date ("Sáng 8-10"), unless
# what follows is counted ("mỗi ngày 2-3 lần").
_COUNTED_AFTER = re.compile(r"\s*(?:lần|người|hộ|buổi|tiếng|lượt|ca|cữ|bữa|tin|bài|trang|phút|giờ|ngày|tuần"
                            r"|tháng|năm|km|m|cm|kg|tấn|tạ|ha|con|cây|chiếc|cái|xã|thôn|hồ sơ|số|tổng)\b")
_ONE_OF_MANY = re.compile(r"\b(?:mỗi|hằng|hàng|một|vài|mấy|trong)\s+\S+\s*$", re.IGNORECASE)
# A day range inside one month: "ngày 8-10 hằng tháng".
_MONTHLY_AFTER = re.compile(r"\s+(?:hằng|hàng|mỗi|của)\s+tháng\b|\s+tháng\b", re.IGNORECASE)
# Dates joined by a dash after these words are holidays named side by side ("dịp lễ 30/4 - 1/5").
_HOLIDAYS_BEFORE = re.compile(r"\b(?:lễ|dịp|tết)(?:\s+\S+){0,2}\s*$", re.IGNORECASE)
# Administrative units written with a dot before a name: "TP.Vũng Tàu", "TX.Phú Mỹ", "Q.1".
_PLACES = {"TP": "thành phố", "Tp": "thành phố", "TX": "thị xã", "P": "phường", "Q": "quận"}
# An abbreviation as written in a text: "HTX", "TTPVHCC", "KH&CN", "KT-XH".
_CAPS_TOKEN = rf"[{UPPER_ALL}][{UPPER_ALL}0-9&-]*[{UPPER_ALL}0-9]"
# Kinds of document a short reference "101/2024" follows: then it is a number and a year.
_DOCUMENT_BEFORE = re.compile(
    r"(?:luật|nghị định|nghị quyết|thông tư(?: liên tịch)?|quyết định|chỉ thị|kế hoạch|công văn|thông báo"
    r"|kết luận|quy định|hướng dẫn|pháp lệnh|lệnh|báo cáo|tờ trình|công điện|văn bản|quy chế|đề án)"
    r"(?:\s+số)?(?:\s*\d{1,4}/\d{4}\s*(?:,|và|hoặc))*\s*$", re.IGNORECASE)
# Several documents sharing one issuer: "Nghị quyết 57-NQ/TW, 66-NQ/TW và 68-NQ/TW của Bộ Chính trị".
_ISSUER_AFTER_LIST = re.compile(
    r"(?:\s*(?:,|;|\svà|\shoặc)\s*(?:[^\W\d_]+\s+){0,3}?(?:số\s+)?\d+[\w/.-]*"
    r"(?:\s*,?\s*ngày\s+[\d/.-]+)?)+\s*,?\s*của\s+\S", re.IGNORECASE)
# Words a listener does not count as part of an abbreviation ("Khoa học và Công nghệ (KH&CN)").
_FILLERS = {"và", "về", "của", "các", "cho", "trong", "với", "tại", "thuộc"}
# The issuer's name said right after the code as the one who acted: "được Quốc hội khóa XV
# thông qua", "(Quốc hội khóa XV)". A later "của" belongs to another noun ("chương trình hành
# động của Chính phủ"); "của" right after the code is _ISSUER_FOLLOWS.
_AGENT_WORDS = r"(?:do|được|bởi|\()"

# How each rule is named to an officer in `radio normalize --explain`.
RULE_NAMES = {
    "markup": "ký hiệu định dạng", "end_mark": "dấu kết thúc văn bản", "iso_datetime": "ngày giờ ISO",
    "emoji": "biểu tượng cảm xúc (bỏ, không đọc)", "email": "thư điện tử", "web": "địa chỉ trang web", "service": "số tổng đài",
    "phone": "số điện thoại", "document": "số hiệu văn bản", "named_number": "số trong tên gọi",
    "code": "ký hiệu văn bản", "standard": "số hiệu tiêu chuẩn",
    "date": "ngày tháng", "quarter": "quý", "month_year": "tháng năm", "time": "giờ",
    "date_range": "khoảng ngày", "day_range": "khoảng ngày trong tháng", "day_month": "ngày tháng viết gạch",
    "time_range": "khoảng giờ", "document_year": "số hiệu văn bản rút gọn (số/năm)",
    "milestone": "lý trình (ki lô mét)", "month_range": "khoảng tháng", "road": "số hiệu đường", "place": "đơn vị hành chính viết tắt",
    "glued": "số dính chữ", "ratio": "số trên số (dấu /)", "letter_suffix": "số kèm chữ cái", "ordinal": "thứ tự bằng số La Mã",
    "heading": "đề mục số La Mã",
    "roman": "số La Mã", "range": "khoảng số", "percent": "phần trăm", "weekday": "thứ trong tuần",
    "per": "dấu / giữa hai chữ", "slash_pair": "ngày tháng, phân số hoặc tỷ số", "unit": "đơn vị",
    "defined": "chữ viết tắt trong ngoặc", "abbreviation": "chữ viết tắt",
    "in_text": "chữ viết tắt đã giải thích trong câu",
    "number": "số", "unknown": "chữ viết tắt chưa biết (đánh vần)", "symbol": "ký hiệu",
}


@dataclass(frozen=True)
class Change:
    rule: str
    written: str
    spoken: str
    note: str | None = None  # why the reading is shorter than the rule's full form


@dataclass(frozen=True)
class Normalized:
    text: str
    changes: tuple[Change, ...] = ()
    unknown: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()  # symbols no engine can say (emoji), left out of speech


@dataclass(frozen=True)
class Reading:
    """A handler's answer when it has more to say than the spoken words."""
    spoken: str
    note: str | None = None
    unknown: tuple[str, ...] = ()


class Entry(BaseModel):
    """One abbreviation: what it stands for, how it is said as a name, which one airs."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    means: str | None = None
    name: str | None = None
    read: Literal["means", "name"] | None = None

    @property
    def by_name(self) -> bool:
        return (self.read or ("name" if self.name else "means")) == "name" or not self.means

    def short(self, token: str) -> str:
        return self.name or spell(token)


SECTIONS = ("abbreviations", "domain_words", "units", "issuers", "document_types", "roads")


@dataclass
class Lexicon:
    abbreviations: dict[str, Entry] = field(default_factory=dict)
    domain_words: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    issuers: dict[str, str] = field(default_factory=dict)       # code part → who issued it
    document_types: dict[str, str] = field(default_factory=dict)  # code part → kind of document
    roads: dict[str, str] = field(default_factory=dict)         # road code → "quốc lộ", "đường tỉnh"

    def merged(self, other: "Lexicon") -> "Lexicon":
        return Lexicon(*({**mine, **theirs} for mine, theirs in zip(self._sections(), other._sections())))

    def _sections(self) -> tuple[dict, ...]:
        return (self.abbreviations, self.domain_words, self.units, self.issuers, self.document_types,
                self.roads)

    def spoken(self, token: str) -> str | None:
        """The full reading of an abbreviation, or its name if it airs by name."""
        entry = self.abbreviations.get(token)
        if entry is None:
            return None
        return entry.short(token) if entry.by_name else entry.means

    @classmethod
    def from_mapping(cls, data: dict, source: Path | str) -> "Lexicon":
        if not isinstance(data, dict):
            raise ConfigError(source, "từ điển viết tắt phải là các nhóm khoá: giá trị.")
        unknown = set(data) - set(SECTIONS)
        if unknown:
            raise ConfigError(source, f"mục không được phép: {', '.join(sorted(map(str, unknown)))}.",
                              hint=f"các mục dùng được: {', '.join(SECTIONS)}.")
        parts: dict[str, dict] = {}
        for name in SECTIONS:
            section = data.get(name) or {}
            if not isinstance(section, dict):
                raise ConfigError(source, f"mục '{name}' phải là các cặp 'viết tắt: cách đọc'.")
            parts[name] = {str(k): v if name == "abbreviations" else str(v) for k, v in section.items()}
        parts["abbreviations"] = {k: _entry(k, v, source) for k, v in parts["abbreviations"].items()}
        return cls(**parts)


def _entry(token: str, value, source: Path | str) -> Entry:
    if isinstance(value, str):
        return Entry(means=value)
    try:
        entry = Entry.model_validate(value)
    except ValidationError:
        entry = None
    if entry is None or not (entry.means or entry.name):
        raise ConfigError(source, f"chữ viết tắt '{token}' khai báo sai.",
                          hint="viết 'VIẾT_TẮT: cách đọc đầy đủ', hoặc "
                               "'VIẾT_TẮT: {means: nghĩa đầy đủ, name: cách gọi tên, read: name}'.")
    return entry


@lru_cache(maxsize=1)
def packaged_lexicon() -> Lexicon:
    text = resources.files("radio.speech").joinpath("lexicon.yaml").read_text(encoding="utf-8")
    name = "radio/speech/lexicon.yaml"
    return Lexicon.from_mapping(parse_packaged(text, name), name)


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


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def _overlap(before: str, phrase: str) -> int:
    """How many leading words of ``phrase`` the text just before it already says."""
    tail = re.search(r"(?:[^\W_]+\s+){1,12}$", before)
    if not tail:
        return 0
    said, words = _words(tail.group(0)), _words(phrase)
    for k in range(min(len(said), len(words)), 0, -1):
        if said[-k:] == words[:k]:
            return k
    return 0


def _drop_words(phrase: str, count: int) -> str:
    return " ".join(phrase.split()[count:])


# A Vietnamese syllable: onset, vowel nucleus, coda. Capitalised headings ("ỦY BAN NHÂN
# DÂN", "NỘI DUNG") are words, not abbreviations to spell.
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"[aăâeêioôơuưyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]{1,3}"
    r"(?:ng|nh|ch|[cmnpt])?")


def is_syllable(token: str) -> bool:
    return bool(_SYLLABLE.fullmatch(token.lower()))


# Lists ("một cửa, một cửa liên thông") repeat words on purpose; a repeat inside one
# stretch of speech with no comma between is what a listener hears as a stutter.
_RUN_BREAK = re.compile(r"[,;.!?…()\n]")
UNREADABLE = re.compile(r"[\d%/@&#<>{}\[\]_=+*^~|\\]|\S:\S")


def repeated_phrases(spoken: str, shortest: int = 2) -> list[str]:
    """Word sequences of ``shortest`` or more words said twice in a row."""
    found: list[str] = []
    for run in _RUN_BREAK.split(spoken):
        words = _words(run)
        for size in range(len(words) // 2, shortest - 1, -1):
            for i in range(len(words) - 2 * size + 1):
                if words[i:i + size] == words[i + size:i + 2 * size]:
                    phrase = " ".join(words[i:i + size])
                    if not any(phrase in longer for longer in found):
                        found.append(phrase)
    return found


def unread_symbols(spoken: str) -> list[str]:
    """Digits and symbols still in the spoken text: the engine would read them its own way."""
    return sorted(set(UNREADABLE.findall(spoken)))


Handler = Callable[[re.Match[str]], "str | Reading"]


class Normalizer:
    def __init__(self, lexicon: Lexicon | None = None, clock: str = "24h") -> None:
        self.lexicon = lexicon or packaged_lexicon()
        self.clock = clock
        abbreviations = sorted(self.lexicon.abbreviations, key=len, reverse=True)
        abbr_pattern = "|".join(re.escape(a) for a in abbreviations) or r"(?!x)x"
        expandable = [a for a in abbreviations if not self.lexicon.abbreviations[a].by_name]
        defined_pattern = "|".join(re.escape(a) for a in expandable) or r"(?!x)x"
        units = sorted(self.lexicon.units, key=len, reverse=True)
        unit_pattern = "|".join(re.escape(u) for u in units) or r"(?!x)x"
        roads = sorted(self.lexicon.roads, key=len, reverse=True)
        road_pattern = "|".join(re.escape(r) for r in roads) or r"(?!x)x"
        self.rules: list[tuple[str, re.Pattern[str], Handler]] = [
            ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), self._email),
            ("web", re.compile(r"\b(?:https?://)?(?:[\w-]+\.)+(?:vn|com|org|net)(?:/[\w/.-]*)?\b"),
             self._web),
            ("emoji", _EMOJI, lambda m: " "),
            ("markup", re.compile(r"[#*]+"), lambda m: " "),
            ("heading", re.compile(r"^\s*([IVX]{1,4})\.(?=\s)", re.MULTILINE),
             lambda m: integer_words(roman_value(m.group(1)) or 0) + "." if roman_value(m.group(1)) else m.group(0)),
            ("end_mark", re.compile(r"\./\.$|\./\.(?=\s)"), lambda m: "."),
            ("iso_datetime", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?"
                                       r"(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])"), self._iso),
            ("service", re.compile(rf"\b({_SERVICE_CONTEXT})(\s*:?\s*)(1\d{{2,3}}(?:[ .]?\d{{3,4}}){{0,2}})(?![\d.,]\d)"
                                   r"|\b(1[89]00)[ .]?(\d{3,4})(?:[ .]?(\d{2,4}))?\b", re.IGNORECASE),
             self._service),
            ("phone", re.compile(r"(?<![\d.,])0\d{2,3}(?:[. ]?\d{2,4}){2,3}(?!\d|,\d)"), self._phone),
            ("milestone", re.compile(r"(?<![\w/])[Kk]m\s?(\d{1,4})(?:\s?\+\s?(\d{1,3}))?"
                                     r"(?:\s?[-–]\s?[Kk]m\s?(\d{1,4})(?:\s?\+\s?(\d{1,3}))?)?(?![\d.,]\d|\d)"),
             self._milestone),
            ("document", re.compile(rf"\b(\d+)([a-z]?)((?:/\d{{4}})?)(?:\s?/|-)({CODE_PART}(?:\s?[-/]\s?{CODE_PART})*)\b"),
             self._document),
            ("named_number", re.compile(_NAMED_NUMBER), self._named_number),
            ("code", re.compile(rf"(?<![\w/])/?({CODE_PART}(?:[-/]{CODE_PART})+)(?![\w])"), self._bare_code),
            ("standard", re.compile(r"\b(\d{4,5}):(\d{4})\b"), self._standard),
            ("date_range", re.compile(rf"(?<![\w/.])({_DATE})\s?[-–—]\s?({_DATE})(?![\w/]|[.,]\d)"),
             self._date_range),
            ("day_range", re.compile(r"(?<![\w/.,])(?:([Nn]gày)\s+)?([0-3]?\d)\s?[-–]\s?([0-3]?\d)"
                                     r"(?:/([01]?\d)(?:/(\d{4}))?|\.([01]?\d)\.(\d{4}))(?![\w/]|[.,]\d)"),
             self._day_range),
            ("date", re.compile(r"\b(?:([Nn]gày)\s+)?([0-3]?\d)([/.-])([01]?\d)\3(\d{4})\b(?![.-]\d)"), self._date),
            ("day_month", re.compile(r"(?<![\w.,])((?:(?i:ngày|sáng|trưa|chiều|tối|đêm|hôm|mùng|mồng)\s+"
                                     r"(?:\d{1,2}\s*(?:,|và)\s*)?)?)([0-3]?\d)([-.])([01]?\d)(?![\w/.-]|,\d|\s?[%h])"),
             self._day_month),
            ("quarter", re.compile(r"\b([Qq]uý)\s+([IVX]+|[1-4])\s?[/-]\s?(\d{4})\b"), self._quarter),
            ("month_range", re.compile(r"\b([Tt]háng)\s+([01]?\d)(?:/(\d{4}))?\s?[-–]\s?(?:[Tt]háng\s+)?"
                                       r"([01]?\d)/(\d{4})\b"), self._month_range),
            ("document_year", re.compile(r"(?<![\w/.,-])(\d{1,4})/((?:19|20)\d{2})\b(?![/-]\w)"),
             self._document_year),
            ("month_year", re.compile(r"\b(?:([Tt]háng)\s+)?([01]?\d)([/-])(\d{4})\b(?![/-]\d)"), self._month_year),
            ("time_range", re.compile(rf"\b({_CLOCK}|[01]?\d|2[0-3])\s?[-–]\s?({_CLOCK})(?![\w:])"),
             self._time_range),
            ("time", re.compile(rf"\b([01]?\d|2[0-3])\s?(?:h|giờ|:)\s?({_MINUTE})?(?:\s?phút|[’'])?(?![\w:])"),
             self._time),
            ("place", re.compile(rf"(?<![\w.])(?:(TP|Tp|TX|P|Q)\.\s?(?=[{UPPER_ALL}])|(Q)\.\s?(?=\d))"),
             lambda m: _PLACES[m.group(1) or m.group(2)] + " "),
            ("road", re.compile(rf"(?<![\w/])({road_pattern})(?:\.\s?|\s|-)?(\d{{1,4}})([A-Z]{{0,2}})(?![\w/]|[.,]\d)"),
             self._road),
            ("ordinal", re.compile(r"(?<!\w)((?i:thứ))\s+([IVXLC]+)\b"), self._ordinal),
            ("roman", re.compile(rf"(?<!\w)({ROMAN_CONTEXT})\s+([IVXLC]+)\b"), self._roman),
            ("glued", re.compile(rf"(?<=\d)(?=[{LOWER}]{{2,}})"), lambda m: " "),
            ("range", re.compile(r"(?<![/\d])\b(\d+(?:[.,]\d+)?)\s?[-–]\s?(\d+(?:[.,]\d+)?)\b(?!/)"
                                 rf"(\s?%|\s?(?:{unit_pattern})\b(?!/))?"), self._range),
            ("percent", re.compile(r"(\d+(?:[.,]\d+)?)\s?%"), self._percent),
            ("weekday", re.compile(r"\b([Tt]hứ)\s+([1-8])\b"), self._weekday),
            ("per", re.compile(r"(?<![\w/])[^\W\d_]+[23²³]?(?:\s?/\s?(?:[^\W\d_]+[23²³]?|\d{1,3}\s[^\W\d_]+))+(?![\w/])"),
             self._per),
            ("ratio", re.compile(r"(\d[\d.,]*\s?[^\W\d_]+[23²]?)\s?/\s?(?=\d)"), lambda m: m.group(1) + " trên "),
            ("slash_pair", re.compile(r"(?<![\w/.,])(\d{1,3})\s?/\s?(\d{1,3})(?![\w/]|[.,]\d)"),
             self._slash_pair),
            ("unit", re.compile(rf"(?<=\d)\s?({unit_pattern})\b"), self._unit),
            ("letter_suffix", re.compile(r"(?<![\w.,/])(\d{1,4})([A-ZĐ])(?![\w])"), self._letter_suffix),
            ("defined", re.compile(rf"\s?\(\s*((?:[^\W\d_]+\s+){{0,2}}?)"
                                   rf"({defined_pattern}|{_CAPS_TOKEN}(?:\s+{_CAPS_TOKEN})*)\s*\)"), self._defined),
            ("in_text", re.compile(rf"(?<![\w/]){_CAPS_TOKEN}(?![\w])"), self._in_text),
            ("abbreviation", re.compile(rf"(?<![\w/])(?:{abbr_pattern})(?![\w])"), self._abbreviation),
            ("number", re.compile(r"(?<![\w,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d])|(?<![\w.,])\d+(?:,\d+)?(?![\d])"),
             lambda m: _number(m.group(0))),
            ("unknown", re.compile(rf"\b[{UPPER_ALL}][{UPPER_ALL}0-9]{{1,}}\b"), self._unknown),
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

    def _service(self, m: re.Match[str]) -> str:
        if m.group(1):
            return f"{m.group(1)}{m.group(2)}" + ", ".join(
                digit_words(g) for g in re.split(r"[ .]", m.group(3)) if g)
        return ", ".join(digit_words(g) for g in m.groups()[3:] if g)

    def _phone(self, m: re.Match[str]) -> str:
        groups = re.split(r"[. ]", m.group(0))
        # Commas make the engine pause between groups, as announcers do.
        return ", ".join(digit_words(g) for g in groups if g)

    def _document(self, m: re.Match[str]) -> Reading:
        """'76/NQ-CP' → 'bảy mươi sáu của Chính phủ': the document type is already said
        before the number ("Nghị quyết số ..."), so only the issuer is read, and only once."""
        number, suffix, year, code = m.groups()
        words = integer_words(int(number))
        if suffix:
            words += " " + LETTER_NAMES[suffix.upper()]
        if year:
            words += " năm " + integer_words(int(year[1:]))
        if _ISSUER_FOLLOWS.match(m.string, m.end()) or _ISSUER_AFTER_LIST.match(m.string, m.end()):
            return Reading(words, note="cơ quan ban hành được nêu ngay sau nên không đọc lần nữa")
        issuer, unknown = self._issuer(code)
        if issuer and not unknown and self._issuer_named(m, code, issuer):
            return Reading(words, note=f"câu đã nêu «{_without_term(issuer)}» nên không đọc lần nữa")
        return Reading(f"{words} của {issuer}" if issuer else words, unknown=unknown)

    def _issuer_named(self, m: re.Match[str], code: str, issuer: str) -> bool:
        """The issuer written out in another form in the same clause: before the code ("Quốc
        hội thông qua Luật số 72/2025/QH15") or as the one who acted after it ("được Quốc hội
        khóa XV thông qua", "(Quốc hội khóa XV)")."""
        text, name = m.string, _without_term(issuer)
        clause = max(text.rfind(mark, 0, m.start()) for mark in ".;:\n") + 1
        before_start = max(clause, m.start() - 90)
        after = re.split(r"[.;:\n]", text[m.end():m.end() + 40], maxsplit=1)[0]
        tokens = {re.fullmatch(r"(.*?[^\d])\d*", p).group(1) for p in re.split(r"\s?[-/]\s?", code) if p}
        # The issuer's code alone counts too ("UBND tỉnh ban hành ..."), not inside another code.
        names = [re.escape(name)] + [rf"(?<![\w/-]){re.escape(t)}(?![\w/-])" for t in tokens
                                      if t in self.lexicon.issuers and _without_term(self._issuer_name(t) or "") == name]
        for pattern in names:
            for found in re.finditer(pattern, text[before_start:m.start()], re.IGNORECASE):
                if not self._part_of_longer_issuer(text, before_start + found.start(), name):
                    return True
            for found in re.finditer(rf"{_AGENT_WORDS}\s*({pattern})", after, re.IGNORECASE):
                if not self._part_of_longer_issuer(text, m.end() + found.start(1), name):
                    return True
        return False

    def _part_of_longer_issuer(self, text: str, at: int, name: str) -> bool:
        """'Quốc hội' inside 'Ủy ban Thường vụ Quốc hội' names another issuer."""
        for other in set(self.lexicon.issuers.values()):
            if other.lower().endswith(" " + name.lower()):
                head = len(other) - len(name)
                if at >= head and text[at - head:at + len(name)].lower() == other.lower():
                    return True
        return False

    def _issuer(self, code: str) -> tuple[str | None, tuple[str, ...]]:
        """Who issued a document with this code: 'NQ/TW' → Trung ương, 'TT-BTP' → Bộ Tư pháp,
        'UBND-VP' (an official letter: issuer, then the drafting unit) → Ủy ban nhân dân."""
        parts = [p for p in re.split(r"\s?[-/]\s?", code) if p]
        joint = parts[0] in ("TTLT", "NQLT", "QĐLT")
        if parts[0] in self.lexicon.document_types:
            if len(parts) == 1:
                return None, ()  # "Số: 36/KH": the kind alone, no issuer to name
            parts = parts[1:]
        chosen = parts if joint else parts[:1]
        names, unknown = [], []
        for part in chosen:
            name = self._issuer_name(part)
            if name is None:
                unknown.append(part)
                name = spell(part)
            names.append(name)
        listed = ", ".join(names[:-1]) + " và " + names[-1] if len(names) > 1 else names[0]
        return listed, tuple(unknown)

    def _issuer_name(self, part: str) -> str | None:
        base, term = re.fullmatch(r"(.*?[^\d])(\d*)", part).groups()
        name = self.lexicon.issuers.get(base) or self.lexicon.spoken(base)
        if name is None:
            return None
        # QH15: the National Assembly of the fifteenth term ("khóa mười lăm").
        return f"{name} khóa {integer_words(int(term))}" if term else name

    def _named_number(self, m: re.Match[str]) -> str:
        return f"{m.group(1)} {digit_words(m.group(2))}"

    def _bare_code(self, m: re.Match[str]) -> Reading:
        """A document code without its number ('Số: /KH-UBND' in an unsigned draft)."""
        code = m.group(1)
        if code in self.lexicon.abbreviations:
            return Reading(self.lexicon.spoken(code))
        parts = re.split(r"[-/]", code)
        if parts[0] in self.lexicon.document_types:
            issuer, unknown = self._issuer(code)
            return Reading(f"{self.lexicon.document_types[parts[0]]} {issuer}", unknown=unknown)
        readings = [self.lexicon.spoken(p) for p in parts]
        unknown = tuple(p for p, r in zip(parts, readings) if r is None)
        return Reading(" ".join(r or spell(p) for p, r in zip(parts, readings)), unknown=unknown)

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
        day, month, year = int(m.group(2)), int(m.group(4)), int(m.group(5))
        if not _is_day(day, month):
            return m.group(0)
        lead = m.group(1) or "ngày"
        return f"{lead} {_day_month_words(day, month)} năm {integer_words(year)}"

    def _date_range(self, m: re.Match[str]) -> Reading | str:
        """'15/7 - 30/9/2026', 'từ ngày 01/7/2025 – 31/12/2025': from one date to another. The
        dash is "đến", except between holidays named side by side ("dịp lễ 30/4 - 1/5")."""
        first, second = _DATE_PARTS.match(m.group(1)), _DATE_PARTS.match(m.group(2))
        days = [(int(d.group(2)), int(d.group(3))) for d in (first, second)]
        if not all(_is_day(*day) for day in days):
            return m.group(0)
        before = m.string[max(0, m.start() - 40):m.start()]
        dated = first.group(1) or first.group(4) or second.group(4)
        if not dated and not _DATE_CONTEXT.search(before) and _COUNTED_AFTER.match(m.string[m.end():]):
            return m.group(0)  # "1/3 - 1/2 số hộ": fractions of a count
        if _HOLIDAYS_BEFORE.search(before):
            return f"{_date_words(first, lead=False)}, {_date_words(second, lead=False)}"
        said_ngay = bool(first.group(1))
        return f"{_date_words(first, lead=said_ngay)} đến {_date_words(second, lead=said_ngay)}"

    def _day_range(self, m: re.Match[str]) -> str:
        """'19 - 23/01/2026', 'ngày 22-25/8': days of one month."""
        lead, first, last = m.group(1), int(m.group(2)), int(m.group(3))
        month, year = m.group(4) or m.group(6), m.group(5) or m.group(7)
        if not (first < last and _is_day(last, int(month))):
            return m.group(0)
        before, after = m.string[max(0, m.start() - 40):m.start()], m.string[m.end():]
        if not (lead or year or _DATE_CONTEXT.search(before)) and _COUNTED_AFTER.match(after):
            return m.group(0)  # "3-5/10 người" counts people
        spoken = f"{integer_words(first)} đến {_day_month_words(last, int(month))}"
        if year:
            spoken += f" năm {integer_words(int(year))}"
        return f"{lead} {spoken}" if lead else spoken

    def _day_month(self, m: re.Match[str]) -> str:
        """'Sáng 8-10', 'ngày 30-4', 'ngày 7 và 8-5' as newspapers write a day and month; 'ngày
        8-10 hằng tháng' is a range of days; 'mỗi ngày 2-3 lần' is a count."""
        lead, day, month = m.group(1), int(m.group(2)), int(m.group(4))
        before, after = m.string[:m.start()], m.string[m.end():]
        # Without a word for the day before it, only a named day's date is one: "Ngày Chuyển
        # đổi số quốc gia 10.10".
        if not lead and not (m.group(3) == "." and self._names_a_day(m)):
            return m.group(0)
        if _COUNTED_AFTER.match(after) and not _MONTHLY_AFTER.match(after) or lead and _ONE_OF_MANY.search(
                before + lead.split()[0]):
            return m.group(0)
        if _MONTHLY_AFTER.match(after) and day < month <= 31:
            return f"{lead}{integer_words(day)} đến {integer_words(month)}"
        if not _is_day(day, month):
            return m.group(0)
        return f"{lead}{_day_month_words(day, month)}"

    def _quarter(self, m: re.Match[str]) -> str:
        quarter = roman_value(m.group(2)) or int(m.group(2))
        return f"{m.group(1)} {integer_words(quarter)} năm {integer_words(int(m.group(3)))}"

    def _month_range(self, m: re.Match[str]) -> str:
        """'từ tháng 01/2024 - tháng 12/2024', 'tháng 3 - 5/2026': from one month to another."""
        lead, first, first_year, last, year = m.groups()
        if not (1 <= int(first) <= 12 and 1 <= int(last) <= 12):
            return m.group(0)
        spoken = f"{lead} {_month_words(int(first))}"
        if first_year:
            spoken += f" năm {integer_words(int(first_year))}"
        return f"{spoken} đến tháng {_month_words(int(last))} năm {integer_words(int(year))}"

    def _document_year(self, m: re.Match[str]) -> str:
        """'các Nghị định 101/2024, 102/2024': a document's number and year. A month cannot be
        above twelve; at most twelve it is a document only after the name of one."""
        number, year = int(m.group(1)), int(m.group(2))
        before = m.string[max(0, m.start() - 80):m.start()]
        if number <= 12 and not _DOCUMENT_BEFORE.search(before):
            return m.group(0)
        return f"{integer_words(number)} năm {integer_words(year)}"

    def _month_year(self, m: re.Match[str]) -> str:
        month = int(m.group(2))
        # "7-2021" alone could be a range; "tháng 7-2021" is a month.
        if not 1 <= month <= 12 or m.group(3) == "-" and not m.group(1):
            return m.group(0)
        return f"{m.group(1) or 'tháng'} {_month_words(month)} năm {integer_words(int(m.group(4)))}"

    def _time(self, m: re.Match[str]) -> str:
        hour, minute = int(m.group(1)), m.group(2)
        separator = m.group(0)
        if ":" in separator and not minute:
            return separator
        if self.clock == "12h":
            return _twelve_hour(hour, int(minute or 0), m.string[:m.start()], m.string[m.end():])
        spoken = f"{integer_words(hour)} giờ"
        if minute and int(minute):
            spoken += f" {integer_words(int(minute))} phút"
        return spoken

    def _time_range(self, m: re.Match[str]) -> str:
        """'8h-10h45', '7:30 - 11:30', '8-10h': from one time to another."""
        (h1, m1, unit1), (h2, m2, _) = (_clock_parts(m.group(1)), _clock_parts(m.group(2)))
        if h1 > 23 or h2 > 23:
            return m.group(0)
        before, after = m.string[:m.start()], m.string[m.end():]
        if self.clock == "12h":
            # Said once for both when the two fall in the same part of the day; a part of the
            # day written after the range belongs to its second time ("22h-6h sáng hôm sau").
            first_after = " " + _DAY_PARTS[h2] if _DAY_PARTS[h1] == _DAY_PARTS[h2] else " đến"
            second = _twelve_hour(h2, m2, before, after)
            if not unit1:
                return f"{integer_words(h1 % 12 or 12)} đến {second}"
            return f"{_twelve_hour(h1, m1, before, first_after)} đến {second}"
        first = _clock_words(h1, m1) if unit1 else integer_words(h1)
        return f"{first} đến {_clock_words(h2, m2)}"

    def _milestone(self, m: re.Match[str]) -> str:
        """'Km 12+500' on a road: kilometre twelve plus five hundred metres."""
        if re.search(r"\d\s*$", m.string[:m.start()]):
            return m.group(0)  # "5 km 200 m" is a length, not a milestone
        first = _milestone_words(m.group(1), m.group(2))
        return f"{first} đến {_milestone_words(m.group(3), m.group(4))}" if m.group(3) else first

    def _road(self, m: re.Match[str]) -> str:
        """'QL1A', 'ĐT.741', 'ĐH 12': radio says the kind of road, then its number."""
        code, number, letters = m.groups()
        spoken = f"{self.lexicon.roads[code]} {integer_words(int(number))}"
        return spoken + (f" {spell(letters)}" if letters else "")

    def _ordinal(self, m: re.Match[str]) -> str:
        """'lần thứ I' is 'lần thứ nhất', 'thứ IV' is 'thứ tư'."""
        value = strict_roman_value(m.group(2))
        return f"{m.group(1)} {ordinal_words(value)}" if value else m.group(0)

    def _roman(self, m: re.Match[str]) -> str:
        value = strict_roman_value(m.group(2))
        return f"{m.group(1)} {integer_words(value)}" if value else m.group(0)

    def _letter_suffix(self, m: re.Match[str]) -> str:
        """'thôn 5B', 'tổ 12A': the number, then the letter by its name."""
        return f"{integer_words(int(m.group(1)))} {LETTER_NAMES[m.group(2)]}"

    def _range(self, m: re.Match[str]) -> str:
        """'10-15 phút', '60-70%', '100-200mm': the unit after the range is said once, at its end."""
        spoken = f"{_number(m.group(1))} đến {_number(m.group(2))}"
        unit = (m.group(3) or "").strip()
        if unit:
            spoken += " phần trăm" if unit == "%" else " " + self.lexicon.units[unit]
        return spoken

    def _percent(self, m: re.Match[str]) -> str:
        return f"{_number(m.group(1))} phần trăm"

    def _weekday(self, m: re.Match[str]) -> str:
        n = int(m.group(2))
        return f"{m.group(1)} {WEEKDAY_WORDS.get(n) or ordinal_words(n)}"

    def _per(self, m: re.Match[str]) -> str:
        """A slash between words: a rate ("đồng/bản" → "đồng mỗi bản", "đồng/người/tháng")
        after a number or before a unit of time or count; otherwise a choice ("thôn/xóm" →
        "thôn hoặc xóm")."""
        if m.group(0) in self.lexicon.abbreviations:
            return m.group(0)
        if m.group(0) in self.lexicon.units:
            return self.lexicon.units[m.group(0)]  # "km/h"
        written = [w.strip() for w in m.group(0).split("/")]
        words = [self.lexicon.units.get(w, w) for w in written]
        before = m.string[max(0, m.start() - 30):m.start()]
        counted = re.search(r"\d[\d.,]*\s+(?:[^\W\d_]+\s+){0,2}$", before)
        if counted or words[1].lower() in _PER_NOUNS or written[0] in self.lexicon.units:
            return " mỗi ".join(words)
        if words[0].lower() == "và":
            return " ".join(words)
        return " hoặc ".join(words)

    def _slash_pair(self, m: re.Match[str]) -> str:
        """'a/b' without a year: a day and month where the words before make it a date
        ("dịp 30/4", "ngày 30/4 và 1/5"), a fraction for small parts ("1/3 số hồ sơ"),
        otherwise a count out of a total ("12/12 thôn")."""
        a, b = int(m.group(1)), int(m.group(2))
        before = m.string[max(0, m.start() - 40):m.start()]
        counts = re.match(r"\s*(?:số|tổng)\b", m.string[m.end():])
        if 1 <= a <= 31 and 1 <= b <= 12 and not counts and (
                _DATE_CONTEXT.search(before) or self._names_a_day(m)):
            return f"{integer_words(a)} tháng {_month_words(b)}"
        if (a, b) == (24, 7):
            return "hai mươi tư trên bảy"  # round the clock, as the phrase is said
        if 0 < a < b <= 10:
            return f"{integer_words(a)} phần {'tư' if b == 4 else integer_words(b)}"
        return f"{integer_words(a)} trên {integer_words(b)}"

    @staticmethod
    def _names_a_day(m: re.Match[str]) -> bool:
        """'Ngày Chuyển đổi số quốc gia 10/10': a named day ends with its date."""
        before = m.string[max(0, m.start() - 60):m.start()]
        after = m.string[m.end():]
        return bool(re.search(r"\b[Nn]gày(?:\s+\S+){1,6}\s*$", before)) and not re.match(r"\s*[^\W\d_]", after)

    def _unit(self, m: re.Match[str]) -> str:
        return " " + self.lexicon.units[m.group(1)]

    def _defined(self, m: re.Match[str]) -> Reading | str:
        """'Ủy ban nhân dân (UBND)', 'Hợp tác xã (HTX)': the words before already say it; the
        listener gains nothing from hearing them twice, so the bracket is not read."""
        lead, token, before = m.group(1), m.group(2), m.string[:m.start()]
        # "Tổ công nghệ số cộng đồng (Tổ CNSCĐ)": the words before the abbreviation repeat too.
        entry = self.lexicon.abbreviations.get(token)
        means = entry.means if entry else None
        said = [lead + means] if means else []
        # "Đại hội đại biểu phụ nữ (ĐH ĐBPN)": the letters of every token together.
        if spelled := _spelled_out(token.replace(" ", ""), before):
            said.append(lead + spelled)
        if any(_words(before)[-len(_words(phrase)):] == _words(phrase) for phrase in said):
            return Reading("", note=f"«{lead}{token}» viết tắt của cụm từ vừa đọc nên không đọc lại")
        if entry and entry.name and means and not entry.by_name:
            # Said by its short name: the words before already explain it in their own way.
            return Reading(f" ({lead}{entry.name})", note=f"đọc tên gọi ngắn của «{token}» trong ngoặc")
        return m.group(0)

    def _in_text(self, m: re.Match[str]) -> Reading | str:
        """An abbreviation the text itself explained ("Hợp tác xã (HTX) ... các HTX") is read
        as the words it was explained with."""
        meaning = _DEFINED.get().get(m.group(0))
        if m.group(0) in self.lexicon.abbreviations:
            return m.group(0)  # the station's own reading stands
        return Reading(meaning, note="viết tắt đã được giải thích trong câu") if meaning else m.group(0)

    def _abbreviation(self, m: re.Match[str]) -> Reading | str:
        token = m.group(0)
        entry = self.lexicon.abbreviations[token]
        if entry.by_name:
            return entry.short(token)
        means = entry.means or ""
        rest = m.string[:m.start()] + " " + m.string[m.end():]
        if entry.name and " ".join(_words(means)) in " ".join(_words(rest)):
            return Reading(entry.name, note=f"câu đã có «{means}» nên đọc tên gọi ngắn")
        said = _overlap(m.string[:m.start()], means)
        if said:
            return Reading(_drop_words(means, said),
                           note=f"bỏ «{' '.join(means.split()[:said])}» vì vừa đọc ngay trước")
        return means

    def _unknown(self, m: re.Match[str]) -> Reading | str:
        token = m.group(0)
        if roman_value(token) is not None and len(token) <= 4 and set(token) <= set("IVX"):
            return integer_words(roman_value(token))
        if is_syllable(token):
            return token.lower()
        return Reading(letter_reading(token), unknown=(token,))

    def _symbol(self, m: re.Match[str]) -> str:
        return {"&": " và ", ":": ": ", "+": " cộng "}.get(m.group(0).strip(), ", ")

    # -- driver ---------------------------------------------------------------------------
    def __call__(self, text: str) -> Normalized:
        defined = _DEFINED.set(_definitions(text))
        try:
            return self._apply(text)
        finally:
            _DEFINED.reset(defined)

    def _apply(self, text: str) -> Normalized:
        changes: list[Change] = []
        unknown: list[str] = []
        dropped = tuple(dict.fromkeys(_EMOJI.findall(text)))
        for name, pattern, handler in self.rules:
            if name == "in_text" and not _DEFINED.get():
                continue
            def record(m: re.Match[str], name=name, handler=handler) -> str:
                answer = handler(m)
                reading = answer if isinstance(answer, Reading) else Reading(answer)
                if reading.spoken != m.group(0):
                    changes.append(Change(name, m.group(0).strip(), reading.spoken.strip(), reading.note))
                unknown.extend(reading.unknown)
                return reading.spoken
            text = pattern.sub(record, text)
        text = re.sub(r"[ \t]{2,}", " ", text).strip()
        text = re.sub(r"\s+([,.;:!?])", r"\1", text)
        return Normalized(text, tuple(changes), tuple(dict.fromkeys(unknown)), dropped)


# The part of the day a listener names after a 12-hour time, by the 24-hour hour.
_DAY_PARTS = ["đêm"] * 4 + ["sáng"] * 7 + ["trưa"] * 2 + ["chiều"] * 5 + ["tối"] * 4 + ["đêm"] * 2
_PART_WORDS = ("sáng", "trưa", "chiều", "tối", "đêm")


def _twelve_hour(hour: int, minute: int, before: str, after: str) -> str:
    """13h30 → "một giờ rưỡi chiều", as rural listeners say it. The part of the day is left
    out when the sentence already names one right there ("buổi chiều từ 13h30")."""
    spoken = f"{integer_words(hour % 12 or 12)} giờ"
    if minute == 30:
        spoken += " rưỡi"
    elif minute:
        spoken += f" {integer_words(minute)}"
    near = before.lower().split()[-5:] + after.lower().split()[:1]
    if not any(word.strip(",.;:") in _PART_WORDS for word in near):
        spoken += f" {_DAY_PARTS[hour]}"
    return spoken


def station_normalizer(station, station_dir: Path | None) -> "Normalizer":
    """The station's normalizer: its own lexicon over the packaged one, its way of saying
    clock times."""
    lexicon = load_lexicon(station_dir / "lexicon.yaml" if station_dir else None)
    return Normalizer(lexicon, clock=station.speech.clock if station is not None else "24h")


def _month_words(month: int) -> str:
    # "tháng tư" and "tháng giêng" are the spoken forms; "tháng bốn" sounds foreign.
    return {1: "một", 4: "tư"}.get(month, integer_words(month))


def _is_day(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _day_month_words(day: int, month: int) -> str:
    return f"{integer_words(day)} tháng {_month_words(month)}"


def _date_words(parts: re.Match[str], lead: bool) -> str:
    """One date of a range; "ngày" before it when the text said it, or when it has a year."""
    spoken = _day_month_words(int(parts.group(2)), int(parts.group(3)))
    if parts.group(4):
        spoken += f" năm {integer_words(int(parts.group(4)))}"
    if parts.group(1):
        return f"{parts.group(1)} {spoken}"
    return f"ngày {spoken}" if lead or parts.group(4) else spoken


def _clock_parts(text: str) -> tuple[int, int, str | None]:
    """Hour, minute and the unit written ("h", "giờ", ":") of '7h30', '7 giờ 30', '8'."""
    m = _CLOCK_PARTS.match(text)
    return int(m.group(1)), int(m.group(3) or 0), m.group(2)


def _clock_words(hour: int, minute: int) -> str:
    spoken = f"{integer_words(hour)} giờ"
    return spoken + f" {integer_words(minute)} phút" if minute else spoken


def _without_term(issuer: str) -> str:
    """'Quốc hội khóa mười lăm' → 'Quốc hội': the term is how the code writes the name."""
    return re.sub(r"\s+khóa\s.*$", "", issuer)


def _initial(word: str) -> str:
    first = word[0].upper()
    return first if first == "Đ" else unicodedata.normalize("NFD", first)[0]


def _spelled_out(token: str, before: str) -> str | None:
    """The words just before ``token`` whose initials spell it ("Hợp tác xã" for HTX,
    "Bộ Khoa học và Công nghệ" for BKH&CN), or None."""
    letters = [ch for ch in token if ch.isalpha()]
    if len(letters) < 2 or any(ch.isdigit() for ch in token):
        return None
    words = list(re.finditer(r"[^\W\d_]+", before[-160:]))
    if not words or before[-160:][words[-1].end():].strip(" \t,–-"):
        return None
    need, start = len(letters) - 1, None
    for word in reversed(words):
        if need < 0:
            break
        if _initial(word.group(0)) == letters[need].upper():
            need, start = need - 1, word.start()
        elif word.group(0).lower() not in _FILLERS:
            return None
    return before[-160:][start:].strip(" \t,") if need < 0 else None


def _spelled_before(token: str, before: str) -> bool:
    return _spelled_out(token, before) is not None


_DEFINITION = re.compile(rf"\(\s*(?:[^\W\d_]+\s+){{0,2}}?({_CAPS_TOKEN})\s*\)")
# Abbreviations the text being read explained in brackets, for the rest of that text.
_DEFINED: ContextVar[dict[str, str]] = ContextVar("defined_in_text", default={})


def _definitions(text: str) -> dict[str, str]:
    if "(" not in text:
        return {}
    found = {}
    for m in _DEFINITION.finditer(text):
        meaning = _spelled_out(m.group(1), text[:m.start()])
        if meaning:
            found.setdefault(m.group(1), meaning)
    return found


def letter_reading(token: str) -> str:
    """How radio says an abbreviation it does not know: each letter by its name, a number
    in it as a number ("VTV1" → "vê tê vê một", "F0" → "ép không")."""
    words = []
    for part in re.findall(r"\d+|\D", token):
        if part.isdecimal():
            words.append(digit_words(part) if part.startswith("0") and len(part) > 1
                         else integer_words(int(part)))
        elif part.upper() in LETTER_NAMES:
            words.append(LETTER_NAMES[part.upper()])
    return " ".join(words)


def _milestone_words(kilometre: str, metres: str | None) -> str:
    spoken = f"ki lô mét {integer_words(int(kilometre))}"
    return spoken + f" cộng {integer_words(int(metres))}" if metres else spoken
