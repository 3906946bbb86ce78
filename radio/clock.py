"""Time as the station lives it: stored in UTC, shown in Vietnam's time zone."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# tzdata (a declared dependency) supplies the zone on machines without a system database.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def shown(iso: str | None) -> str:
    """An ISO timestamp as an officer reads it: 22/11/2026 05:33."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
