"""The period a report covers, as the officer writes it (2026-Q4, 2026-H2, 2026).

Kept apart from the figures so that naming and listing report files (``formats``) costs
no more than a regular expression: the command line's help and the studio read it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from radio.errors import RadioError

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class ReportError(RadioError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str  # quarter | half | year
    key: str  # 2026-Q4 | 2026-H2 | 2026
    label: str  # quý IV năm 2026
    months: list[str]


def period_of(value: str) -> Period:
    """A period as the officer writes it: 2026-Q4 (a quarter), 2026-H2 (a half), 2026 (a year)."""
    for kind, pattern in (("quarter", r"\d{4}-Q[1-4]"), ("half", r"\d{4}-H[12]"), ("year", r"\d{4}")):
        if re.fullmatch(pattern, value.strip().upper()):
            return parse_period(kind, value.strip().upper())
    raise ReportError(f"Không hiểu kỳ báo cáo '{value}'.",
                      hint="viết 2026-Q4 cho quý IV, 2026-H2 cho 6 tháng cuối năm, 2026 cho cả năm.")


def parse_period(kind: str, value: str) -> Period:
    patterns = {"quarter": r"(\d{4})-Q([1-4])", "half": r"(\d{4})-H([12])", "year": r"(\d{4})"}
    if kind not in patterns:
        raise ReportError(f"Không có loại báo cáo '{kind}'.", hint="dùng quarter, half hoặc year.")
    found = re.fullmatch(patterns[kind], value)
    if not found:
        examples = {"quarter": "2026-Q4", "half": "2026-H2", "year": "2026"}
        raise ReportError(f"Không hiểu kỳ báo cáo '{value}'.", hint=f"viết như {examples[kind]}.")
    year = int(found.group(1))
    if kind == "year":
        return Period(kind, value, f"năm {year}", [f"{year}-{m:02d}" for m in range(1, 13)])
    part = int(found.group(2))
    size = 3 if kind == "quarter" else 6
    months = [f"{year}-{m:02d}" for m in range((part - 1) * size + 1, part * size + 1)]
    label = (f"quý {ROMAN[part]} năm {year}" if kind == "quarter"
             else f"6 tháng {'đầu' if part == 1 else 'cuối'} năm {year}")
    return Period(kind, value, label, months)


def recent_periods(today_month: str, years: int = 2) -> list[Period]:
    """The periods an officer reports on, newest first: every quarter, half and year of the
    last ``years`` years that has begun by ``today_month`` (YYYY-MM), a year after its halves
    and a half after its quarters, as reports are made."""
    year, month = int(today_month[:4]), int(today_month[5:7])
    found: list[Period] = []
    for y in range(year, year - years, -1):
        for kind, key in (("year", f"{y}"), ("half", f"{y}-H2"), ("quarter", f"{y}-Q4"), ("quarter", f"{y}-Q3"),
                          ("half", f"{y}-H1"), ("quarter", f"{y}-Q2"), ("quarter", f"{y}-Q1")):
            period = parse_period(kind, key)
            if y < year or int(period.months[0][5:]) <= month:
                found.append(period)
    return found
