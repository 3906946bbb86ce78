"""Airings counted per loudspeaker zone and per kind of programme (issue 32): what ``radio
player status``, the studio's operator page and the reports show.

The kinds are the monthly column, the three bulletin levels of Circular 39/2020/TT-BTTTT and
relays. An airing counts in a zone when at least one of that zone's outputs played it
(``store.ZoneReach``); a station without zones has one row, the whole station, and an entry
logged before the station named its zones counts in a row of its own ("không ghi vùng"),
never silently in every zone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from radio.models import Station
from radio.store import Airing, AsRun

ON_AIR = ("aired", "interrupted", "preempted")  # results during which it was on air
# Columns in the order an operator reads them, with their Vietnamese headings.
KIND_NAMES = {"month": "Chuyên mục", "thuong": "Bản tin thường", "uu-tien": "Bản tin ưu tiên",
              "khan-cap": "Bản tin khẩn cấp", "relay": "Tiếp sóng"}
WHOLE_STATION = "Toàn đài"
UNZONED = "Không ghi vùng"


@dataclass
class ZoneCount:
    """One row: a zone (``None``: the whole station, or entries with no zone recorded)."""
    zone: str | None
    name: str
    aired: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_NAMES, 0))
    # Airings aimed at this zone that none of its outputs played.
    missed: int = 0

    @property
    def total(self) -> int:
        return sum(self.aired.values())


def kind_of(airing: Airing, station_dir: Path, levels: dict[str, str]) -> str:
    """The column an airing counts in: its programme's kind, or a bulletin's level (from its
    slot, or — for a bulletin played again after an emergency — from its bulletin.yaml)."""
    from radio.schedule import BULLETIN_SLOTS

    kind = airing.programme.kind
    if kind != "bulletin":
        return kind if kind in KIND_NAMES else "month"
    by_slot = {slot: level for level, slot in BULLETIN_SLOTS.items()}
    if airing.slot_id in by_slot:
        return by_slot[airing.slot_id]
    ident = airing.programme.id
    if ident not in levels:
        levels[ident] = _bulletin_level(station_dir, ident)
    return levels[ident]


def _bulletin_level(station_dir: Path, ident: str) -> str:
    from radio.bulletin import bulletin_files, read_bulletin
    from radio.errors import RadioError

    try:
        return read_bulletin(bulletin_files(station_dir, ident)).level
    except RadioError:  # the bulletin's folder is gone: counted as a normal one
        return "thuong"


def zone_counts(station: Station, station_dir: Path, entries: list[AsRun],
                airings: dict[int, Airing]) -> list[ZoneCount]:
    """Per zone (in station.yaml's order) and per kind: airings on air that reached it."""
    rows = {zone.id: ZoneCount(zone.id, zone.name) for zone in station.zones}
    whole = ZoneCount(None, UNZONED if station.zones else WHOLE_STATION)
    levels: dict[str, str] = {}
    for entry in entries:
        airing = airings.get(entry.airing_id)
        if airing is None:
            continue
        kind = kind_of(airing, station_dir, levels)
        if entry.zones is None:  # no zones then, or it never reached an output
            if entry.result in ON_AIR:
                whole.aired[kind] += 1
            elif not station.zones:
                whole.missed += 1
            else:
                for zone in airing.zones or station.zone_ids():
                    if zone in rows:
                        rows[zone].missed += 1
            continue
        for reach in entry.zones:
            row = rows.get(reach.zone)
            if row is None:  # a zone since removed from station.yaml keeps its count
                row = rows[reach.zone] = ZoneCount(reach.zone, reach.zone)
            if reach.reached and entry.result in ON_AIR:
                row.aired[kind] += 1
            elif not reach.reached:
                row.missed += 1
    found = list(rows.values())
    if whole.total or not station.zones:
        found.append(whole)
    return found


def day_counts(station_dir: Path, day: str | None = None) -> list[ZoneCount]:
    """One day's counts (``YYYY-MM-DD`` in the station's time zone; today when left out):
    what ``radio player status`` and the operator page show. Read-only."""
    from datetime import datetime

    from radio.clock import parsed
    from radio.schedule import station_zone
    from radio.station import load_station
    from radio.store import Store

    station = load_station(Path(station_dir))
    zone = station_zone(station)
    day = day or datetime.now(zone).strftime("%Y-%m-%d")
    store = Store(station_dir, readonly=True)
    entries = [e for e in store.as_run() if parsed(e.planned_at).astimezone(zone).strftime("%Y-%m-%d") == day]
    return zone_counts(station, Path(station_dir), entries, {a.id: a for a in store.queued()})


def reach_words(entry: AsRun) -> str:
    """Where an as-run entry went, as the log's table says it: the zones reached, and those
    not reached with the output that failed there."""
    if entry.zones is None:
        return ""
    said = []
    for reach in entry.zones:
        if reach.reached:
            said.append(reach.zone + (f" (trừ {', '.join(o for o, _ in reach.failed)})" if reach.failed else ""))
        else:
            said.append(f"{reach.zone}: không tới ({', '.join(o for o, _ in reach.failed if o) or 'lỗi'})")
    return "; ".join(said)
