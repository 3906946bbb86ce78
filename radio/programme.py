"""What the station airs, named one way: a month's programme, a bulletin or a relay.

The store, approval, the schedule, the player and the as-run log all key by a
``ProgrammeKey``. Its text form is what the database keeps: a month's key is written exactly
as the month ("2027-01", what every row written before keys existed already says), the
others as ``kind:id`` ("bulletin:bao-lu-2027-10-02", "relay:vov1-thoi-su"); a colon never
appears in a month, so the two forms cannot be mistaken for each other. Parsing and printing
live here and nowhere else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from radio.errors import RadioError

MONTH, BULLETIN, RELAY = "month", "bulletin", "relay"
KINDS = (MONTH, BULLETIN, RELAY)

# How a bulletin's or a relay's id is written: safe as a file or folder name, since it
# will name one (the same way a month names its script and programme folder).
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_LABELS = {MONTH: "tháng {}", BULLETIN: "bản tin {}", RELAY: "chương trình tiếp sóng {}"}


class ProgrammeKeyError(RadioError):
    """Text that names no programme."""


def check_month(month: str) -> str:
    """A month as the tool names its files (YYYY-MM, 2000–2100): anything else would build
    a path the officer did not mean, even one outside the station folder."""
    match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", month or "")
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ProgrammeKeyError(f"Tháng '{month}' không hợp lệ.",
                                hint="viết tháng dạng NĂM-THÁNG, ví dụ 2027-01 (năm từ 2000 đến 2100).")
    return month


@dataclass(frozen=True, order=True)
class ProgrammeKey:
    kind: str
    id: str

    def __post_init__(self) -> None:
        if self.kind == MONTH:
            check_month(self.id)
        elif self.kind not in KINDS:
            raise ProgrammeKeyError(f"Không có loại chương trình '{self.kind}'.",
                                    hint="loại chương trình là month (chuyên mục tháng), bulletin (bản tin) "
                                         "hoặc relay (tiếp sóng).")
        elif not _ID.fullmatch(self.id or ""):
            raise ProgrammeKeyError(f"Mã {_LABELS[self.kind].format(repr(self.id))} không hợp lệ.",
                                    hint="dùng chữ thường không dấu, số và dấu gạch ngang (tối đa 64 ký tự), "
                                         "ví dụ bao-lu-2027-10-02.")

    @classmethod
    def month(cls, month: str) -> ProgrammeKey:
        return cls(MONTH, month)

    @classmethod
    def parse(cls, text: str) -> ProgrammeKey:
        """The key a stored or typed text names; the one reader of the text form."""
        kind, colon, ident = (text or "").partition(":")
        return cls(kind, ident) if colon else cls(MONTH, text)

    @classmethod
    def of(cls, value: ProgrammeKey | str) -> ProgrammeKey:
        """A key, given a key or its text (callers that hold a month's text as typed)."""
        return value if isinstance(value, ProgrammeKey) else cls.parse(value)

    def __str__(self) -> str:
        """The text form the database keeps; a month's is the month itself."""
        return self.id if self.kind == MONTH else f"{self.kind}:{self.id}"

    @property
    def is_month(self) -> bool:
        return self.kind == MONTH

    @property
    def month_id(self) -> str | None:
        """The month, for a month's programme; ``None`` for a bulletin or a relay."""
        return self.id if self.kind == MONTH else None

    def label(self) -> str:
        """How messages name it: "tháng 2027-01", "bản tin bao-lu", "chương trình tiếp sóng vov1"."""
        return _LABELS[self.kind].format(self.id)


def key_text(value: ProgrammeKey | str | None) -> str | None:
    """The stored text of a key (a month's text is checked on its way in)."""
    return None if value is None else str(ProgrammeKey.of(value))
