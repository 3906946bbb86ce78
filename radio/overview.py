"""What the command line and the studio both show of a station, decided once.

``radio status`` and the studio's overview print the same month rows; ``radio player
status`` and the studio's player page the same sentence for each player. The presenters
only lay these out (a rich table, an HTML table): every word and every rule about what a
month has or whether a player lives is here, or in the stage it comes from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from radio.approval import STATE_LABELS, Status, known_months, statuses
from radio.display import number
from radio.zones import KIND_NAMES, ZoneCount

if TYPE_CHECKING:  # the player's module is read only by the commands that look at players
    from radio.player import Heartbeat
    from radio.store import Airing, AsRun

MONTH_COLUMNS = ("Tháng", "Tình trạng", "Đã sản xuất", "Lượt đã xếp", "Lượt đã phát", "Chi tiết")
NO_MONTHS = "chưa có tháng nào (tạo bản tin bằng 'radio new-month')."
# A leader is asked to look at a month whose script waits, or changed since it was approved.
WAITING_STATES = ("in_review", "changed")
NO_PLAYER = "không thấy máy phát nào đang chạy (chưa có tín hiệu)"
# The review trail's events, as `radio history` and the month's page name them.
EVENT_NAMES = {"approve": "duyệt", "reject": "trả lại", "produce": "sản xuất"}


@dataclass(frozen=True)
class MonthRow:
    """One month as both presenters show it: its script, production and approval (``status``)
    and its schedule (airings queued, airings that went on air)."""
    month: str
    has_brief: bool
    status: Status
    scheduled: int
    aired: int

    @property
    def label(self) -> str:
        return STATE_LABELS[self.status.state]

    @property
    def produced(self) -> str:
        return "có" if self.status.produced else "chưa"

    @property
    def waiting(self) -> bool:
        return self.status.state in WAITING_STATES

    def cells(self) -> tuple[str, ...]:
        """The row's text in the order of ``MONTH_COLUMNS``."""
        return (self.month, self.label, self.produced, str(self.scheduled), str(self.aired), self.status.detail)


@dataclass(frozen=True)
class Months:
    rows: list[MonthRow]
    #: The first break in the database's chains, if its records were tampered with.
    tampered: str | None


def months(station_dir: Path, only: str | None = None) -> Months:
    """Every month with a brief or a script (or only ``only``); the database is only read."""
    from radio.schedule import airing_counts
    from radio.station import MonthFiles, load_station
    from radio.store import Store

    station_dir = Path(station_dir)
    store = Store(station_dir, readonly=True)
    station_id = load_station(station_dir).id
    files = [MonthFiles(station_dir, station_id, name) for name in ([only] if only else known_months(station_dir))]
    rows = [MonthRow(f.month, f.brief.exists(), current, *airing_counts(store, f.key))
            for f, current in zip(files, statuses(files, store))]
    return Months(rows, store.broken_record())


def month(station_dir: Path, name: str) -> MonthRow:
    return months(station_dir, name).rows[0]


# -- the players ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Liveness:
    """One player as the operator reads it: ``state`` and ``look`` ("ok", "warn", "dead")
    by the player's own rule (``beat_state``: silent for 30 s is not answering)."""
    player: str
    output: str
    state: str
    look: str
    age: str  # how long ago it last beat, in words
    #: What its output said of itself (a stream that lost its server), while it runs.
    condition: str | None

    @property
    def name(self) -> str:
        return f"Máy phát {self.player} (đầu ra {self.output})"

    @property
    def since(self) -> str:
        return f"tín hiệu cuối cách đây {self.age}"

    def sentence(self) -> str:
        return f"{self.name}: {self.state}, {self.since}."


def liveness(beat: Heartbeat, age_s: float) -> Liveness:
    from radio.player import beat_state

    state, look = beat_state(beat, age_s)
    return Liveness(beat.player, beat.output, state, look, age_words(age_s),
                    beat.condition if beat.alive else None)


def age_words(seconds: float) -> str:
    if seconds < 90:
        return f"{max(0, round(seconds))} giây"
    if seconds < 5400:
        return f"{round(seconds / 60)} phút"
    return f"{number(seconds / 3600)} giờ"


@dataclass(frozen=True)
class Players:
    """What an operator looks at: each player, what is on air, the next airings and the last
    results (oldest first)."""
    players: list[Liveness]
    playing: AsRun | None
    upcoming: list[Airing]
    recent: list[AsRun]
    tampered: str | None
    # Today's airings on air per zone and per kind (month, bulletin level, relay).
    today: list[ZoneCount] = field(default_factory=list)


# The table of today's counts, as both presenters head it.
COUNT_COLUMNS = ("Vùng", *KIND_NAMES.values(), "Không tới được")


def count_cells(row: ZoneCount) -> list[str]:
    """One row of that table, in the order of ``COUNT_COLUMNS``."""
    return [row.name, *(number(row.aired[kind], None) for kind in KIND_NAMES), number(row.missed, None)]


def players(station_dir: Path) -> Players:
    """Read-only: looking never changes the log."""
    from radio.player import overview
    from radio.zones import day_counts

    seen = overview(Path(station_dir))
    return Players([liveness(beat, age) for beat, age in seen.beats], seen.playing, seen.upcoming,
                   seen.recent, seen.tampered, day_counts(station_dir))


# -- the as-run log ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Log:
    """The as-run log as the operator reads it: the entries (of one programme, or of the
    airing days of one month), how many ended each way, and the months anything aired in."""
    entries: list[AsRun]
    #: (result as the log names it, how many), in the order of ``RESULT_NAMES``; none empty.
    counts: list[tuple[str, int]]
    #: The months (station time) holding a logged airing, newest first: what one may pick.
    months: list[str]

    def summary(self) -> str:
        if not self.entries:
            return "Không có lượt phát nào."
        said = ", ".join(f"{name}: {count}" for name, count in self.counts)
        return f"{len(self.entries)} lượt — {said}."


def log(station_dir: Path, *, programme: str | None = None, aired_in: str | None = None) -> Log:
    """Read-only, like ``radio log --month``/``--aired-in``."""
    from collections import Counter

    from radio.clock import parsed
    from radio.player import RESULT_NAMES, as_run_log
    from radio.schedule import station_zone
    from radio.station import load_station
    from radio.store import Store

    station_dir = Path(station_dir)
    store = Store(station_dir, readonly=True)
    zone = station_zone(load_station(station_dir))
    every = as_run_log(store)
    aired_months = sorted({parsed(e.planned_at).astimezone(zone).strftime("%Y-%m") for e in every}, reverse=True)
    entries = (as_run_log(store, programme=programme, aired_in=aired_in, station_dir=station_dir)
               if programme or aired_in else every)
    counted = Counter(e.result for e in entries)
    counts = [(name, counted[result]) for result, name in RESULT_NAMES.items() if counted[result]]
    return Log(entries, counts, aired_months)


# -- the player's outputs -------------------------------------------------------------------

def outputs() -> list[tuple[str, str]]:
    """Every output a player can use on this machine, radio's own first, then those of
    installed plugins, each with what it is (its part's ``about``)."""
    return _parts_here("output")


def engines() -> list[tuple[str, str]]:
    """Every reading engine an announcer can use on this machine, as ``outputs`` lists outputs."""
    return _parts_here("engine")


def _parts_here(kind: str) -> list[tuple[str, str]]:
    from radio.plugins import PluginError, parts, registry

    try:
        found = parts(kind)
    except PluginError:  # a broken package must not hide radio's own parts
        own = registry()
        found = [own.part(kind, name) for name in own.names(kind)]
    return [(part.name, part.about) for part in found]


def output_words(name: str) -> str:
    """What an output is, as listings say it (its name when its plugin says nothing)."""
    from radio.plugins import find_part

    return find_part("output", name).about or name


__all__ = ["COUNT_COLUMNS", "EVENT_NAMES", "MONTH_COLUMNS", "NO_MONTHS", "NO_PLAYER", "Liveness", "Log", "MonthRow",
           "Months", "Players", "age_words", "count_cells", "engines", "liveness", "log", "month", "months", "output_words", "outputs",
           "players"]
