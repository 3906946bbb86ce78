"""What a report says, in order, whatever the format: the one document every renderer
draws (``outline`` writes it from the figures)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    empty: str = "Không có."


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: bool = False


@dataclass
class Outline:
    authority: str  # who issues it, as in the heading of an administrative document
    title: str
    subtitle: str
    sections: list[Section]
    footnote: str
    chart: bytes | None = None
    # The rest of Decree 30/2020's layout (Appendix I): the body above the issuer, the number
    # and symbol, the place and date, who receives it and who signs.
    parent: str = ""
    number: str = ""
    place_date: str = ""
    recipients: list[str] = field(default_factory=list)
    signer_title: str = ""
    signer_name: str = ""


MOTTO_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
# An appendix (the detailed log) follows the signature in every format.
APPENDIX = "PHỤ LỤC"
