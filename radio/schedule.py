"""Schedule stage: place the approved programme's airings into the station's slots.

Airings go into the store's queue (what the player plays) and out as an iCalendar file, one
M3U playlist per day and a printable month plan. Only an approved, unchanged programme can
be placed (``approval.require_airable``); its audio hash is queued with it, and the player
checks the file against that hash again before every airing.
"""
from __future__ import annotations

import calendar
import functools
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


from radio.display import minutes
from radio.clock import shown_day
from radio.approval import MonthFiles, require_airable
from radio.errors import ConfigError, RadioError
from radio.fileio import folder_lock, write_bytes, write_text
from radio.models import WEEKDAYS, Slot, Station
from radio.plugins import Plugin, Registry
from radio.programme import RELAY, ProgrammeKey
from radio.store import AlreadyClaimed, AlreadyQueued, Airing, Store, now_iso
from radio.station import load_station

WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


class ScheduleError(RadioError):
    """The programme cannot be placed as asked."""


def one_scheduler_at_a_time(change):
    """Read the queue, place, write and export as one step per station: two schedulers at
    once would each place around the same old queue and air the programme twice. The
    store's one-live-airing-per-time rule is the second line, should anything slip past."""
    @functools.wraps(change)
    def locked(station_dir: Path, *args, **kwargs):
        busy = ScheduleError("Đang có một lần xếp lịch khác của đài chạy cùng lúc.",
                             hint="chờ lần xếp lịch kia xong rồi chạy lại.")
        with folder_lock(Path(station_dir) / SCHEDULE_DIR, busy=busy):
            try:
                return change(station_dir, *args, **kwargs)
            except AlreadyQueued:
                raise ScheduleError("Giờ này vừa có một lượt phát khác được xếp cùng lúc; không xếp trùng.",
                                    hint="xem lại lịch bằng 'radio player status' rồi chọn giờ khác.") from None
    return locked


SCHEDULE_DIR = "schedule"


@dataclass
class Placement:
    airings: list[Airing]
    problems: list[str]
    exports: list[Path]


def station_zone(station: Station) -> ZoneInfo:
    try:
        return ZoneInfo(station.schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("station.yaml", f"múi giờ '{station.schedule.timezone}' không hợp lệ.",
                          hint="dùng Asia/Ho_Chi_Minh.") from None


def slot_start(day: date, slot: Slot, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.fromisoformat(slot.start), tzinfo=zone)


def _month_days(month: str) -> list[date]:
    year, number = map(int, month.split("-"))
    return [date(year, number, d) for d in range(1, calendar.monthrange(year, number)[1] + 1)]


def queued(store: Store, start: datetime | None = None, end: datetime | None = None,
           programme: ProgrammeKey | str | None = None) -> list[Airing]:
    """Airings still in the queue (not removed), in time order."""
    return store.queued(start, end, programme)


def airing_counts(store: Store, programme: ProgrammeKey | str) -> tuple[int, int]:
    """(airings in the queue, airings that went on air) for a programme."""
    return store.airing_counts(programme)


def _conflict(station: Station, zone: ZoneInfo, begin: datetime, end: datetime,
              others: list[Airing]) -> str | None:
    """Why [begin, end) cannot take the programme, or None."""
    holiday = holiday_name(station, begin.date())
    if holiday:
        return f"{begin:%d/%m} là ngày nghỉ ({holiday})"
    for slot in station.slots:
        if slot.kind != "relay" or WEEKDAYS[begin.weekday()] not in slot.weekdays:
            continue
        relay_begin = slot_start(begin.date(), slot, zone)
        if begin < relay_begin + timedelta(minutes=slot.length_min) and relay_begin < end:
            return f"{begin:%d/%m} {slot.start} trùng giờ tiếp sóng '{slot.name}'"
    for other in others:
        if begin < other.ends_at and other.planned_at < end:
            return f"{begin:%d/%m %H:%M} trùng với lượt phát đã xếp ({other.title}, {other.planned_at:%H:%M})"
    return None


def _place(station: Station, month: str, duration_s: float, others: list[Airing],
           now: datetime) -> tuple[list[tuple[Slot, datetime]], list[str]]:
    zone = station_zone(station)
    slots = {slot.id: slot for slot in station.slots}
    rule = station.schedule.cchc
    wanted = [slots[i] for i in [*rule.slots, *(rule.repeat_in or [])]]
    for slot in wanted:
        if duration_s > slot.length_min * 60:
            raise ScheduleError(
                f"Chương trình dài {minutes(duration_s)}, khung giờ '{slot.name}' chỉ có "
                f"{slot.length_min} phút.",
                hint="rút ngắn chương trình (radio compose --fit) hoặc sửa length_min của khung "
                     "giờ trong station.yaml.")
    placed, problems = [], []
    for week in rule.weeks:
        days = [d for d in _month_days(month) if (d.day - 1) // 7 + 1 == week]
        if rule.weekday:
            first = WEEKDAYS.index(rule.weekday)
            days.sort(key=lambda d: (d.weekday() - first) % 7)
        reasons = []
        for day in days:
            times = [(slot, slot_start(day, slot, zone)) for slot in wanted]
            why = next((f"{WEEKDAY_NAMES[day.weekday()]} {day:%d/%m} không có khung '{slot.name}'"
                        for slot, _ in times if WEEKDAYS[day.weekday()] not in slot.weekdays), None)
            why = why or next((f"{at:%d/%m %H:%M} đã qua" for _, at in times if at <= now), None)
            why = why or next((c for _, at in times if (c := _conflict(
                station, zone, at, at + timedelta(seconds=duration_s), others))), None)
            if why is None:
                placed += times
                break
            reasons.append(why)
        else:
            if days:
                problems.append(f"Tuần {week} của tháng: không còn ngày phát được ({'; '.join(reasons[:3])}).")
            else:
                problems.append(f"Tháng {month} không có tuần thứ {week}.")
    return placed, problems


def rule_dates(station: Station, month: str) -> list[datetime]:
    """When the station's airing rule would put a programme in ``month``, before anything
    is produced: holidays and relays skipped, other airings and the clock ignored."""
    shortest = station.programme.min_minutes * 60
    placed, _ = _place(station, month, shortest, [], datetime(1970, 1, 1, tzinfo=station_zone(station)))
    return sorted(at for _, at in placed)


@one_scheduler_at_a_time
def schedule_month(station_dir: Path, month: str, now: datetime | None = None) -> Placement:
    """Place the month's airings by the station's rule, replacing earlier automatic ones
    that have not aired yet (manual ones stay)."""
    station = load_station(station_dir)
    store = Store(station_dir)
    airable = require_airable(MonthFiles(station_dir, station.id, month), store)
    now = now or datetime.now(station_zone(station))
    duration = airable.manifest.audio.duration_s
    mp3 = os.path.relpath(airable.mp3, station_dir)
    logged = store.logged_airing_ids()
    # This month's automatic airings still to come are placed again; the others stay put.
    key = ProgrammeKey.month(month)
    movable = [a for a in queued(store, programme=key)
               if not a.manual and a.planned_at > now and a.id not in logged]
    others = [a for a in queued(store) if a not in movable]
    placed, problems = _place(station, month, duration, others, now)
    if not placed and not [a for a in others if a.programme == key]:
        raise ScheduleError(f"Không xếp được lượt phát nào cho tháng {month}: {' '.join(problems)}",
                            hint="xem lại khung giờ, ngày nghỉ lễ và quy tắc phát (schedule) trong station.yaml.")
    # An airing placed again at the same time with the same file keeps its number.
    zones = tuple(station.schedule.cchc.zones)
    unchanged = {(a.slot_id, a.planned_at): a for a in movable
                 if a.audio_sha256 == airable.audio_sha256 and a.mp3 == mp3 and a.zones == zones}
    kept = {unchanged[(slot.id, at)].id for slot, at in placed if (slot.id, at) in unchanged}
    store.add_airings(key, [(slot.id, at) for slot, at in placed if (slot.id, at) not in unchanged],
                      duration, mp3, airable.audio_sha256, airable.manifest.title, manual=False,
                      remove=[a.id for a in movable if a.id not in kept], zones=zones)
    airings = queued(store, programme=key)
    return Placement(airings, problems, export_month(station, station_dir, month, airings))


@one_scheduler_at_a_time
def add_airing(station_dir: Path, month: str, at: datetime, now: datetime | None = None, *,
               force: bool = False) -> Placement:
    """Place one airing by hand, at ``at`` (local time), checked like the automatic ones:
    nothing else on air then, within its slot's length, not on a holiday, in the
    programme's month. ``force`` overrides the last three (recorded with the airing)."""
    station = load_station(station_dir)
    store = Store(station_dir)
    airable = require_airable(MonthFiles(station_dir, station.id, month), store)
    zone = station_zone(station)
    at = at if at.tzinfo else at.replace(tzinfo=zone)
    now = now or datetime.now(zone)
    if at <= now:
        raise ScheduleError(f"Thời điểm {at:%d/%m/%Y %H:%M} đã qua.", hint="chọn một thời điểm sắp tới.")
    duration = airable.manifest.audio.duration_s
    end = at + timedelta(seconds=duration)
    clash = _conflict(without_holidays(station), zone, at, end, queued(store))
    if clash:  # two things cannot be on air at once: not even --force places it
        raise ScheduleError(f"Không xếp được lượt phát: {clash}.", hint="chọn giờ khác.")
    warnings = _manual_warnings(station, zone, month, at, end, duration)
    if warnings and not force:
        raise ScheduleError(f"Lượt phát lúc {at:%H:%M %d/%m/%Y} chưa xếp: {' '.join(warnings)}",
                            hint="chọn giờ khác, hoặc thêm --force nếu vẫn muốn phát vào giờ này "
                                 "(việc xếp vượt kiểm tra được ghi lại cùng lượt phát).")
    slot = next((s.id for s in station.slots if s.start[:5] == f"{at:%H:%M}"), MANUAL_SLOT)
    note = f"Xếp tay vượt kiểm tra (--force): {' '.join(warnings)}" if warnings else None
    key = ProgrammeKey.month(month)
    store.add_airings(key, [(slot, at)], duration, os.path.relpath(airable.mp3, station_dir),
                      airable.audio_sha256, airable.manifest.title, manual=True, note=note,
                      zones=station.schedule.cchc.zones)
    airings = queued(store, programme=key)
    return Placement(airings, [note] if note else [], export_month(station, station_dir, month, airings))


MANUAL_SLOT = "thu-cong"
# A bulletin's airings carry its level in their slot id, so the player can tell an emergency
# from one cheap look at the queue (radio/bulletin.py names the levels).
BULLETIN_SLOTS = {"thuong": "ban-tin", "uu-tien": "ban-tin-uu-tien", "khan-cap": "ban-tin-khan-cap"}
EMERGENCY_SLOT = BULLETIN_SLOTS["khan-cap"]
REQUEUED_SLOT, RESUMED_SLOT = "phat-lai", "phat-tiep"


def minutes_seconds(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _relay_spans(station: Station, zone: ZoneInfo, begin: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The relay hours between ``begin`` and ``end``: a bulletin of the commune's own does
    not go over a relay (an emergency does)."""
    spans = []
    day = begin.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date():
        for slot in station.slots:
            if slot.kind == "relay" and WEEKDAYS[day.weekday()] in slot.weekdays:
                start = slot_start(day, slot, zone)
                spans.append((start, start + timedelta(minutes=slot.length_min)))
        day += timedelta(days=1)
    return spans


def _first_free(start: datetime, duration_s: float, gap: timedelta,
                busy: list[tuple[datetime, datetime]]) -> datetime:
    """The earliest moment from ``start`` when ``duration_s`` fits with ``gap`` on both
    sides of everything ``busy``; nothing is moved."""
    length = timedelta(seconds=duration_s)
    moved = True
    while moved:
        moved = False
        for begin, end in busy:
            if begin - gap < start + length and start < end + gap:
                start, moved = end + gap, True
    return start


def _after_started(start: datetime, gap: timedelta, busy: list[tuple[datetime, datetime]]) -> datetime:
    """``start``, or the end of whatever has begun by then: a priority bulletin waits for
    the item on air, never cuts it."""
    moved = True
    while moved:
        moved = False
        for begin, end in busy:
            if begin <= start < end + gap:
                start, moved = end + gap, True
    return start


@one_scheduler_at_a_time
def schedule_bulletin(station_dir: Path, files, level: str, times: list[datetime],
                      now: datetime | None = None, zones: tuple[str, ...] | list[str] = ()) -> Placement:
    """Queue an approved bulletin's airings by its level (Circular 39/2020's classes):
    normal ones take the first free place from each time, nothing moved; priority ones go
    at the time, or right after the item then on air, and the queued items they would
    overlap move later; emergencies go at the time itself (the player pre-empts what plays),
    later items moved the same way. Earlier placements of the bulletin not yet aired are
    replaced, so approving again never queues it twice. ``zones``: the loudspeaker zones its
    airings reach (none: every zone); the air is one, so placing ignores them."""
    station = load_station(station_dir)
    store = Store(station_dir)
    airable = require_airable(files, store)
    zone = station_zone(station)
    now = now or datetime.now(zone)
    key, slot = files.key, BULLETIN_SLOTS[level]
    duration = airable.manifest.audio.duration_s
    gap = timedelta(seconds=station.bulletins.gap_s)
    logged = store.logged_airing_ids()
    mine = [a for a in queued(store, programme=key) if a.id not in logged]
    others = [a for a in queued(store) if a.programme != key or a.id in logged]
    times = sorted(max(t, now) for t in times)
    spans = {} if level == "khan-cap" else {
        ("relay", i): span for i, span in enumerate(_relay_spans(station, zone, times[0], times[-1] + timedelta(days=1)))}
    busy = {a.id: (a.planned_at, a.ends_at) for a in others}
    movable = {a.id: a for a in others if a.id not in logged and a.planned_at > now}
    moves: dict[int, datetime] = {}
    placed: list[datetime] = []
    for at in times:
        everything = [*busy.values(), *spans.values(), *((p, p + timedelta(seconds=duration)) for p in placed)]
        if level == "thuong":
            start = _first_free(at, duration, gap, everything)
        else:
            start = at if level == "khan-cap" else _first_free(
                _after_started(at, gap, everything), duration, gap, [*spans.values()])
            cursor = start + timedelta(seconds=duration) + gap
            for airing in sorted((movable[i] for i in busy if i in movable), key=lambda a: busy[a.id][0]):
                begin = busy[airing.id][0]
                if begin < start or begin >= cursor:
                    continue
                moves[airing.id] = cursor
                busy[airing.id] = (cursor, cursor + timedelta(seconds=airing.duration_s))
                cursor += timedelta(seconds=airing.duration_s) + gap
        taken = {b for b, _ in busy.values()} | set(placed)
        while start in taken:  # one live airing per moment (the store's rule)
            start += timedelta(seconds=1)
        placed.append(start)
    # Later items first: each moves to a time no earlier one still holds.
    for airing_id in sorted(moves, key=lambda i: moves[i], reverse=True):
        airing = movable[airing_id]
        store.add_airings(airing.programme, [(airing.slot_id, moves[airing_id])], airing.duration_s, airing.mp3,
                          airing.audio_sha256, airing.title, manual=airing.manual,
                          note=f"Lùi giờ để {key.label()} phát trước.", remove=[airing_id], zones=airing.zones)
    mp3 = os.path.relpath(airable.mp3, station_dir)
    store.add_airings(key, [(slot, at) for at in placed], duration, mp3, airable.audio_sha256,
                      airable.manifest.title, manual=False, remove=[a.id for a in mine], zones=zones)
    for month in sorted({movable[i].month for i in moves if movable[i].month}):
        export_month(station, station_dir, month, queued(store, programme=ProgrammeKey.month(month)))
    moved = [f"Lượt {i} ({movable[i].title}) lùi từ {movable[i].planned_at:%H:%M} sang {moves[i]:%H:%M %d/%m}."
             for i in moves]
    return Placement(queued(store, programme=key), moved, [])


# A resumed programme starts this much before where it was cut: the listener hears the
# interrupted sentence again rather than half a word.
RESUME_OVERLAP_S = 2.0


@one_scheduler_at_a_time
def requeue_preempted(station_dir: Path, airing: Airing, now: datetime, heard_s: float = 0.0) -> Airing | None:
    """An airing an emergency cut, queued again at the first free place after what is
    queued now (the emergency and its neighbours), with an as-run entry of its own: whole
    (``bulletins.after_emergency: requeue``), or from where it stopped, ``heard_s`` into it,
    less ``RESUME_OVERLAP_S`` (``resume``). A relay is live: what is left of its window
    is relayed after the emergency (``None`` when too little is left)."""
    station = load_station(station_dir)
    store = Store(station_dir)
    gap = timedelta(seconds=station.bulletins.gap_s)
    if airing.programme.kind == RELAY:
        return _relay_rest(store, airing, now, gap)
    resume = station.bulletins.after_emergency == "resume"
    offset = max(0.0, airing.resume_from_s + heard_s - RESUME_OVERLAP_S) if resume else 0.0
    offset = offset if offset < airing.resume_from_s + airing.duration_s - 1 else 0.0
    duration = airing.resume_from_s + airing.duration_s - offset
    busy = [(a.planned_at, a.ends_at) for a in queued(store, start=now - timedelta(hours=6))
            if a.id != airing.id]
    start = _first_free(now + gap, duration, gap, busy)
    note = (f"Phát tiếp lượt {airing.id} từ giây {minutes_seconds(offset)}, sau bản tin khẩn cấp." if offset
            else f"Phát lại lượt {airing.id}, bị ngắt để nhường sóng cho bản tin khẩn cấp.")
    [new_id] = store.add_airings(airing.programme, [(RESUMED_SLOT if offset else REQUEUED_SLOT, start)], duration,
                                 airing.mp3, airing.audio_sha256, airing.title, manual=True, note=note,
                                 resume_from_s=offset, zones=airing.zones)
    if airing.programme.is_month:
        export_month(station, station_dir, airing.month, queued(store, programme=airing.programme))
    return store.queued_airing(new_id)


# A relay's rest shorter than this is not queued again after an emergency.
RELAY_REST_MIN_S = 5.0


def _relay_rest(store: Store, airing: Airing, now: datetime, gap: timedelta) -> Airing | None:
    """What is left of a relay's window after the emergency that cut it: the national or
    provincial programme goes on meanwhile, so it is joined again, never started over."""
    busy = [(a.planned_at, a.ends_at) for a in queued(store, start=now - timedelta(hours=6)) if a.id != airing.id]
    start = _first_free(now + gap, RELAY_REST_MIN_S, gap, busy)
    left = (airing.ends_at - start).total_seconds()
    if left < RELAY_REST_MIN_S:
        return None
    # Manual: the relay keeper (``schedule_relays``) leaves it alone, it is not a slot's own time.
    [new_id] = store.add_airings(airing.programme, [(airing.slot_id, start)], left, airing.mp3, airing.audio_sha256,
                                 airing.title, manual=True, zones=airing.zones,
                                 note=f"Tiếp sóng tiếp sau bản tin khẩn cấp (lượt {airing.id} bị ngắt).")
    return store.queued_airing(new_id)


def relay_key(slot: Slot) -> ProgrammeKey:
    return ProgrammeKey(RELAY, slot.id)


def relayed_slots(station: Station) -> list[Slot]:
    """The relay slots the player relays itself (those with a stream address)."""
    return [slot for slot in station.slots if slot.kind == "relay" and slot.url]


def _relay_as_configured(station: Station, zone: ZoneInfo, airing: Airing) -> bool:
    """Whether a queued relay item is still what station.yaml says: same slot, weekday,
    start, length and address."""
    slot = next((s for s in relayed_slots(station) if relay_key(s) == airing.programme), None)
    if slot is None:
        return False
    local = airing.planned_at.astimezone(zone)
    return (WEEKDAYS[local.weekday()] in slot.weekdays and local == slot_start(local.date(), slot, zone)
            and airing.duration_s == slot.length_min * 60 and airing.mp3 == slot.url and airing.title == slot.name
            and tuple(airing.zones) == tuple(slot.zones))


@one_scheduler_at_a_time
def schedule_relays(station_dir: Path, now: datetime | None = None, days: int | None = None) -> Placement:
    """The station's relay hours as relay items in the queue, for today and the days ahead
    (``relays.days_ahead`` unless ``days``): one per relay slot with a ``url`` and day, to the
    slot's zones. Items
    no longer matching station.yaml (slot gone, time or address changed) are taken out if
    not yet aired; items already there stay (a relay under way included), and one the
    operator removed stays removed. Relays are not
    approved per airing: the source is a national or provincial station, and the address in
    station.yaml is what is trusted (ARCHITECTURE.md)."""
    station = load_station(station_dir)
    store = Store(station_dir)
    zone = station_zone(station)
    now = now or datetime.now(zone)
    today = now.astimezone(zone).date()
    wanted: dict[tuple[str, datetime], Slot] = {}
    for offset in range(days or station.relays.days_ahead):
        day = today + timedelta(days=offset)
        for slot in relayed_slots(station):
            start = slot_start(day, slot, zone)
            if WEEKDAYS[day.weekday()] in slot.weekdays and start + timedelta(minutes=slot.length_min) > now:
                wanted[(slot.id, start)] = slot
    logged = store.logged_airing_ids()
    everything = queued(store)
    mine = [a for a in everything if a.programme.kind == RELAY and not a.manual and a.id not in logged]
    stale = [a.id for a in mine if a.ends_at > now and not _relay_as_configured(station, zone, a)]
    present = {(a.slot_id, a.planned_at) for a in mine if a.id not in stale}
    # Taken out by hand while matching station.yaml (a day the commune airs something else):
    # it stays out. The keeper's own removals are of items station.yaml no longer describes.
    present |= {(a.slot_id, a.planned_at) for slot in relayed_slots(station)
                for a in store.removed_airings(relay_key(slot)) if _relay_as_configured(station, zone, a)}
    taken = {a.planned_at: a for a in everything if a.id not in stale}
    problems: list[str] = []
    rows: dict[str, list[tuple[str, datetime]]] = {}
    for (slot_id, start), slot in sorted(wanted.items(), key=lambda item: item[0][1]):
        if (slot_id, start) in present:
            continue
        other = taken.get(start)
        if other is not None:
            problems.append(f"Không xếp được {slot.name} lúc {start:%H:%M %d/%m}: trùng giờ với lượt "
                            f"{other.id} ({other.title}).")
            continue
        rows.setdefault(slot_id, []).append((slot_id, start))
    slots = {slot.id: slot for slot in station.slots}
    for slot_id, placed in rows.items():
        slot = slots[slot_id]
        store.add_airings(relay_key(slot), placed, slot.length_min * 60.0, slot.url, "", slot.name,
                          manual=False, remove=stale, zones=slot.zones)
        stale = []
    if stale:
        for airing_id in stale:
            store.remove_airing(airing_id)
    airings = [a for a in queued(store, start=now - timedelta(days=1)) if a.programme.kind == RELAY and a.ends_at > now]
    return Placement(airings, problems, [])


def slot_names(station: Station) -> dict[str, str]:
    """What a person reads for a slot id (a hand-placed airing has no slot of its own)."""
    return {MANUAL_SLOT: "xếp tay", REQUEUED_SLOT: "phát lại sau bản tin khẩn cấp",
            RESUMED_SLOT: "phát tiếp sau bản tin khẩn cấp",
            BULLETIN_SLOTS["thuong"]: "bản tin thông thường", BULLETIN_SLOTS["uu-tien"]: "bản tin ưu tiên",
            EMERGENCY_SLOT: "bản tin khẩn cấp", **{slot.id: slot.name for slot in station.slots}}


def without_holidays(station: Station) -> Station:
    """The station as if it had no day off (a hand-placed airing is warned, not refused)."""
    return station.model_copy(update={"schedule": station.schedule.model_copy(
        update={"holidays": [], "public_holidays": False})})


def holiday_name(station: Station, day: date) -> str | None:
    """Why ``day`` takes no CCHC airing: the station's own day off, or a public holiday
    (not one the station chose to air on)."""
    iso = day.isoformat()
    if iso in station.schedule.not_holidays:
        return None
    if iso in station.schedule.holidays:
        return "ngày nghỉ riêng của đài"
    if station.schedule.public_holidays:
        return _public_holidays(day.year).get(day)
    return None


@functools.lru_cache(maxsize=8)
def _public_holidays(year: int) -> dict[date, str]:
    import holidays  # the package knows the lunar calendar (Tết, Giỗ Tổ Hùng Vương)

    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def _manual_warnings(station: Station, zone: ZoneInfo, month: str, at: datetime, end: datetime,
                     duration_s: float) -> list[str]:
    warnings = []
    if f"{at:%Y-%m}" != month:
        warnings.append(f"ngày {at:%d/%m/%Y} không thuộc tháng {month} của chương trình.")
    holiday = holiday_name(station, at.date())
    if holiday:
        warnings.append(f"ngày {at:%d/%m/%Y} là ngày nghỉ ({holiday}).")
    for slot in station.slots:
        if slot.kind == "relay" or WEEKDAYS[at.weekday()] not in slot.weekdays:
            continue
        begin = slot_start(at.date(), slot, zone)
        slot_end = begin + timedelta(minutes=slot.length_min)
        if begin <= at < slot_end and end > slot_end:
            warnings.append(f"chương trình dài {minutes(duration_s)}, vượt quá khung '{slot.name}' "
                            f"({slot.start}, {slot.length_min} phút) tới {minutes((end - slot_end).total_seconds())}.")
    return warnings


@one_scheduler_at_a_time
def remove_airing(station_dir: Path, airing_id: int) -> Airing:
    store = Store(station_dir)
    airing = store.queued_airing(airing_id)
    if airing is None:
        raise ScheduleError(f"Không có lượt phát số {airing_id} trong lịch.",
                            hint="xem số của các lượt phát bằng lệnh 'radio player status'.")
    try:
        store.remove_airing(airing_id)
    except AlreadyClaimed:
        raise ScheduleError(f"Lượt phát số {airing_id} đã phát hoặc đã được ghi nhận, không gỡ được.") from None
    if airing.programme.is_month:  # the calendar, playlists and plan are a month's
        station = load_station(station_dir)
        export_month(station, station_dir, airing.month, queued(store, programme=airing.programme))
    return airing


def export_month(station: Station, station_dir: Path, month: str, airings: list[Airing]) -> list[Path]:
    """Every registered exporter writes its files for the month's airings (radio's own: the
    calendar, the daily playlists and the printable plan)."""
    from radio.plugins import parts
    from radio.station import plugin_settings

    written: list[Path] = []
    for part in parts("exporter"):
        exporter = part.build(plugin_settings(station, part.plugin), station_dir)
        written.extend(exporter(station, station_dir, month, airings))
    return written


@dataclass(frozen=True)
class ScheduleFile:
    """A file the exporters wrote for a month, as the studio offers it for download."""
    name: str  # relative to schedule/, e.g. "2027-01.ics" or "2027-01/2027-01-05.m3u8"
    path: Path
    label: str
    media_type: str


_EXPORT_KINDS = {".ics": ("Lịch phát (mở bằng lịch điện thoại, máy tính)", "text/calendar"),
                 ".html": ("Kế hoạch phát in được", "text/html"),
                 ".m3u8": ("Danh sách phát ngày {day}", "audio/x-mpegurl")}


def schedule_files(station_dir: Path, month: str) -> list[ScheduleFile]:
    """What the exporters left in ``schedule/`` for ``month``: the month's own files, then
    one playlist per day. Only these names are ever served, so a name in a web address
    cannot reach another file."""
    folder = station_dir / "schedule"
    found = sorted(folder.glob(f"{month}.*")) + sorted((folder / month).glob("*.m3u8"))
    files = []
    for path in found:
        kind = _EXPORT_KINDS.get(path.suffix)
        if kind is None or not path.is_file() or path.is_symlink():
            continue
        label = kind[0].format(day=shown_day(path.stem))
        files.append(ScheduleFile(path.relative_to(folder).as_posix(), path, label, kind[1]))
    return files


def schedule_file(station_dir: Path, month: str, name: str) -> ScheduleFile | None:
    return next((f for f in schedule_files(station_dir, month) if f.name == name), None)


def _calendar_exporter(settings: None, station_dir: Path):
    return lambda station, station_dir, month, airings: [
        _write_ics(station, station_dir / "schedule" / f"{month}.ics", airings)]


def _playlist_exporter(settings: None, station_dir: Path):
    def export(station: Station, station_dir: Path, month: str, airings: list[Airing]) -> list[Path]:
        folder = station_dir / "schedule" / month
        return [_write_m3u8(station_dir, folder / f"{day.isoformat()}.m3u8",
                            [a for a in airings if a.planned_at.date() == day])
                for day in sorted({a.planned_at.date() for a in airings})]
    return export


def _plan_exporter(settings: None, station_dir: Path):
    def export(station: Station, station_dir: Path, month: str, airings: list[Airing]) -> list[Path]:
        from jinja2 import Environment, PackageLoader, select_autoescape  # only when exporting

        env = Environment(loader=PackageLoader("radio", "templates"),
                          autoescape=select_autoescape(enabled_extensions=("html.j2",)))
        plan = station_dir / "schedule" / f"{month}.html"
        write_text(plan, env.get_template("schedule.html.j2").render(
            station=station, month=month, airings=airings, weekday=lambda d: WEEKDAY_NAMES[d.weekday()],
            relays=[s for s in station.slots if s.kind == "relay"]))
        return [plan]
    return export


class CalendarPlugin(Plugin):
    name = "calendar"
    about = "lịch phát: tệp lịch .ics, danh sách phát .m3u8 từng ngày, bản in .html"

    def setup(self, registry: Registry) -> None:
        registry.add("exporter", "ics", _calendar_exporter)
        registry.add("exporter", "m3u8", _playlist_exporter)
        registry.add("exporter", "html", _plan_exporter)


plugin = CalendarPlugin()


def _write_ics(station: Station, path: Path, airings: list[Airing]) -> Path:
    from icalendar import Calendar, Event  # only when exporting

    cal = Calendar()
    cal.add("prodid", "-//radio//Chuyen muc CCHC//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{station.name} — lịch phát chuyên mục")
    zone = station_zone(station)
    for airing in airings:
        event = Event()
        event.add("uid", f"airing-{airing.id}@{station.id}.radio")
        event.add("dtstamp", datetime.fromisoformat(now_iso()))
        event.add("dtstart", airing.planned_at.astimezone(zone))
        event.add("dtend", airing.ends_at.astimezone(zone))
        event.add("summary", airing.title)
        event.add("location", station.name)
        event.add("description", f"Tệp: {airing.mp3}\nMã âm thanh: {airing.audio_sha256}")
        cal.add_component(event)
    # A VTIMEZONE for Asia/Ho_Chi_Minh, so calendar programs read the local times exactly.
    cal.add_missing_timezones()
    write_bytes(path, cal.to_ical())
    return path


def _write_m3u8(station_dir: Path, path: Path, airings: list[Airing]) -> Path:
    lines = ["#EXTM3U"]
    for airing in airings:
        lines.append(f"#EXTINF:{round(airing.duration_s)},{airing.planned_at:%H:%M} {airing.title}")
        lines.append(os.path.relpath(station_dir / airing.mp3, path.parent).replace(os.sep, "/"))
    write_text(path, "\n".join(lines) + "\n")
    return path
