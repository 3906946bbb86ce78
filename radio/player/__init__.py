"""The player: plays each queued airing at its time, exactly the approved file, and logs it.

Every decision is taken in ``Player.check`` against an injectable clock, so tests can run a
whole day in milliseconds; ``run`` is the daemon around it, driven by the ``schedule``
package. Before an airing the file is checked against the queued audio hash and the month's
standing approval; whatever goes wrong is logged and the next airing still plays. The
as-run log claims each airing once (a unique index), so a restart never replays a slot.
"""
from __future__ import annotations

import csv
import io
import signal
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import schedule as schedule_lib

from radio.approval import ApprovalError, MonthFiles, require_airable
from radio.config import load_model
from radio.errors import OutputError
from radio.fileio import write_text
from radio.models import Station
from radio.player.outputs import Clock, Output, PlaybackError
from radio.schedule import Airing, queued, station_zone
from radio.store import Store

_LOOKAHEAD = timedelta(seconds=1)
# How the operator, the log and the reports name each as-run result.
RESULT_NAMES = {"playing": "đang phát", "aired": "đã phát", "failed": "lỗi", "missed": "bỏ lỡ",
                "interrupted": "bị ngắt giữa chừng"}


class SystemClock:
    def __init__(self, zone) -> None:
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        if seconds > 0:
            stop.wait(seconds)


@dataclass(frozen=True)
class AsRun:
    airing_id: int
    planned_at: str
    started_at: str | None
    ended_at: str | None
    file: str | None
    output: str
    result: str
    error: str | None


class Player:
    def __init__(self, station_dir: Path, output: Output, clock: Clock | None = None,
                 stop: threading.Event | None = None) -> None:
        self.station_dir = Path(station_dir)
        self.station = load_model(self.station_dir / "station.yaml", Station)
        self.clock = clock or SystemClock(station_zone(self.station))
        self.output = output
        self.store = Store(self.station_dir)
        self.stop = stop or threading.Event()
        self.grace = timedelta(minutes=self.station.schedule.grace_min)
        # Where the daemon tells the operator what happens (the CLI prints it).
        self.notify: Callable[[str], None] | None = None
        self._close_abandoned()

    def _close_abandoned(self) -> None:
        """An entry left 'playing' by a player that was killed: it did start, so it is not
        played again, but the log must say it did not finish."""
        with self.store.transaction() as db:
            db.execute("UPDATE as_run SET result = 'interrupted', error = ? "
                       "WHERE result = 'playing' AND ended_at IS NULL",
                       ("Máy phát dừng đột ngột khi đang phát.",))

    # -- what is due -------------------------------------------------------------------
    def check(self) -> list[AsRun]:
        """Play (or log as missed) every airing due now; return what was logged."""
        logged = []
        now = self.clock.now()
        for airing in self._pending(until=now + _LOOKAHEAD):
            if self.stop.is_set():
                break
            now = self.clock.now()
            if now - airing.planned_at > self.grace:
                entry = self._log_missed(airing)
                if entry:
                    logged.append(entry)
                    self._tell(entry)
                continue
            self.clock.sleep((airing.planned_at - now).total_seconds(), self.stop)
            if not self.stop.is_set():
                entry = self._air(airing)
                if entry:
                    logged.append(entry)
                    self._tell(entry)
        return logged

    def _pending(self, until: datetime) -> list[Airing]:
        done = self._logged_ids()
        return [a for a in queued(self.store, end=until) if a.id not in done]

    def _logged_ids(self) -> set[int]:
        with self.store.transaction() as db:
            return {row[0] for row in db.execute("SELECT airing_id FROM as_run")}

    def next_airings(self, count: int = 5) -> list[Airing]:
        now = self.clock.now()
        done = self._logged_ids()
        return [a for a in queued(self.store, start=now - self.grace) if a.id not in done][:count]

    # -- one airing --------------------------------------------------------------------
    def _claim(self, airing: Airing) -> int | None:
        try:
            with self.store.transaction() as db:
                return db.execute(
                    "INSERT INTO as_run (airing_id, planned_at, started_at, file, audio_sha256, output, "
                    "result) VALUES (?, ?, ?, ?, ?, ?, 'playing')",
                    (airing.id, airing.planned_at.isoformat(), self.clock.now().isoformat(),
                     airing.mp3, airing.audio_sha256, self.output.name)).lastrowid
        except OutputError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                return None  # the unique index: this airing is already in the log
            raise

    def _finish(self, row_id: int, result: str, error: str | None = None) -> AsRun:
        with self.store.transaction() as db:
            db.execute("UPDATE as_run SET ended_at = ?, result = ?, error = ? WHERE id = ?",
                       (self.clock.now().isoformat(), result, error, row_id))
            row = db.execute("SELECT * FROM as_run WHERE id = ?", (row_id,)).fetchone()
        return _as_run(row)

    def _tell(self, entry: AsRun) -> None:
        if self.notify:
            late = ""
            if entry.started_at:
                seconds = (datetime.fromisoformat(entry.started_at) - datetime.fromisoformat(entry.planned_at)).total_seconds()
                late = f", bắt đầu lệch {seconds:+.1f} giây"
            self.notify(f"Lượt {entry.airing_id} ({datetime.fromisoformat(entry.planned_at):%H:%M %d/%m}): "
                        f"{RESULT_NAMES[entry.result]}{late}" + (f" — {entry.error}" if entry.error else ""))

    def _air(self, airing: Airing) -> AsRun | None:
        row_id = self._claim(airing)
        if row_id is None:
            return None
        if self.notify:
            self.notify(f"Lượt {airing.id}: đang phát {airing.mp3} ({airing.title}).")
        try:
            path = self._verified(airing)
        except (PlaybackError, ApprovalError) as exc:
            return self._finish(row_id, "failed", self._fallback(exc.message))
        try:
            self.output.play(path, airing.duration_s, self.clock, self.stop)
        except PlaybackError as exc:
            return self._finish(row_id, "failed", self._fallback(exc.message))
        except Exception as exc:  # a broken output must not stop the station
            return self._finish(row_id, "failed", self._fallback(f"đầu ra {self.output.name} lỗi: {exc}"))
        return self._finish(row_id, "interrupted" if self.stop.is_set() else "aired")

    def _verified(self, airing: Airing) -> Path:
        path = self.station_dir / airing.mp3
        if not path.exists():
            raise PlaybackError(f"Không tìm thấy tệp {airing.mp3}.")
        # The gate hashes the month's file and checks it against the approval; the queued
        # hash must be that same approved audio.
        standing = require_airable(MonthFiles(self.station_dir, self.station.id, airing.month), self.store)
        if standing.mp3 != path or standing.audio_sha256 != airing.audio_sha256:
            raise PlaybackError(f"Tệp {airing.mp3} không phải tệp đã duyệt cho lượt phát này "
                                "(đã bị sửa, thay hoặc hỏng).")
        return path

    def _fallback(self, error: str) -> str:
        """Play the station ident instead, if there is one; say so in the log entry."""
        name = self.station.schedule.fallback
        if not name or self.stop.is_set():
            return f"{error} Không phát gì thay thế."
        try:
            self.output.play(self.station_dir / name, 0.0, self.clock, self.stop)
        except (PlaybackError, OSError) as exc:
            return f"{error} Nhạc dự phòng cũng không phát được: {exc}"
        return f"{error} Đã phát nhạc dự phòng {name}."

    def _log_missed(self, airing: Airing) -> AsRun | None:
        row_id = self._claim(airing)
        if row_id is None:
            return None
        with self.store.transaction() as db:  # it never started
            db.execute("UPDATE as_run SET started_at = NULL WHERE id = ?", (row_id,))
        late = self.clock.now() - airing.planned_at
        return self._finish(row_id, "missed",
                            f"Máy phát không chạy lúc {airing.planned_at:%H:%M %d/%m}; quá "
                            f"{int(late.total_seconds() // 60)} phút nên không phát bù.")

    # -- the log -----------------------------------------------------------------------
    def now_playing(self) -> AsRun | None:
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM as_run WHERE result = 'playing' ORDER BY id DESC").fetchone()
        return _as_run(row) if row else None


def as_run_log(store: Store, month: str | None = None, last: int | None = None) -> list[AsRun]:
    with store.transaction() as db:
        rows = db.execute("SELECT * FROM as_run ORDER BY planned_at, id").fetchall()
    entries = [_as_run(r) for r in rows if month is None or r["planned_at"].startswith(month)]
    return entries[-last:] if last else entries


def write_csv(path: Path, entries: list[AsRun]) -> None:
    """The log for a spreadsheet: UTF-8 with BOM so Excel shows Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["airing_id", "planned_at", "started_at", "ended_at", "file", "output",
                     "result", "error"])
    for e in entries:
        writer.writerow([e.airing_id, e.planned_at, e.started_at, e.ended_at, e.file, e.output,
                         e.result, e.error])
    write_text(path, "\ufeff" + buffer.getvalue())


def _as_run(row) -> AsRun:
    return AsRun(row["airing_id"], row["planned_at"], row["started_at"], row["ended_at"],
                 row["file"], row["output"], row["result"], row["error"])


def run(player: Player, until: datetime | None = None) -> None:
    """The daemon: check every second (``check`` then waits to the exact second of an
    airing), until ``until`` or SIGTERM/SIGINT, which end the current entry cleanly."""
    def request_stop(signum, frame):  # noqa: ARG001 — signal handler signature
        player.stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    scheduler = schedule_lib.Scheduler()
    scheduler.every(1).seconds.do(player.check)
    try:
        player.check()
        while not player.stop.is_set() and (until is None or player.clock.now() < until):
            scheduler.run_pending()
            idle = scheduler.idle_seconds
            player.stop.wait(max(0.05, min(1.0, idle if idle is not None else 1.0)))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
