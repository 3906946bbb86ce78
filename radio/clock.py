"""Time as the station lives it: stored in UTC, shown in Vietnam's time zone."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# tzdata (a declared dependency) supplies the zone on machines without a system database.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def parsed(iso: str) -> datetime:
    """A stored timestamp; one edited by hand without its UTC offset is read as Vietnam's
    time, as whoever typed it meant, instead of failing against the zoned ones."""
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)


def shown(iso: str | None) -> str:
    """An ISO timestamp as an officer reads it: 22/11/2026 05:33."""
    if not iso:
        return ""
    return parsed(iso).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def shown_day(day: str) -> str:
    """A day (YYYY-MM-DD, or a month YYYY-MM) as Vietnamese documents write it: 01/03/2027."""
    return "/".join(reversed(day.split("-")))
