"""The player: plays each queued airing at its time, exactly the approved file, and logs it.

Every decision is taken in ``Player.check`` against an injectable clock, so tests can run a
whole day in milliseconds; ``run`` is the daemon around it, driven by the ``schedule``
package. Before an airing the file is checked against the queued audio hash and the
programme's standing approval; whatever goes wrong with one airing or one file is logged on
that airing and the next airing still plays. The daemon itself stops only on SIGTERM/SIGINT
(or ``--until``): a locked database is waited out with backoff, an as-run entry the database
refused is written later, and a heartbeat file tells the operator it is alive.

An airing under way ends early for one of three reasons, each its own request and its own
as-run wording: the daemon shuts down (``shutdown``), someone cuts it (``interrupt``, with a
reason), or another programme takes the air (``preempt``, naming it: an emergency bulletin),
after which the daemon goes on and the pre-empted airing can be found to resume or re-queue.
"""
from __future__ import annotations

import csv
import io
import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import schedule as schedule_lib

from radio.approval import require_airable
from radio.clock import parsed
from radio.display import number
from radio.errors import OutputError, RadioError
from radio.fileio import write_json, write_text
from radio.audio.identity import audio_sha256, audio_sha256_of
from radio.player.outputs import Clock, Output, PlaybackError, Sound
from radio.programme import RELAY, ProgrammeKey
from radio.schedule import EMERGENCY_SLOT, Airing, station_zone
from radio.store import AlreadyClaimed, AsRun, DatabaseBusy, Store, ZoneReach
from radio.station import load_station, programme_files

_LOOKAHEAD = timedelta(seconds=1)
# A relay's stream is opened this long before its time, so its first second is the source's,
# not the silence of connecting (about 1,5 s measured: connection, probing, jitter buffer).
_RELAY_PREROLL = timedelta(seconds=2)
_BACKOFF_S = (1, 2, 5, 10, 30)  # waits after the database refuses, growing, never giving up
HEARTBEAT_DIR = ".player"
# How the operator, the log and the reports name each as-run result.
RESULT_NAMES = {"playing": "đang phát", "aired": "đã phát", "failed": "lỗi", "missed": "bỏ lỡ",
                "interrupted": "bị ngắt giữa chừng", "preempted": "nhường sóng"}
ABANDONED = "Máy phát dừng đột ngột khi đang phát."

__all__ = ["AsRun", "Cut", "Player", "RESULT_NAMES", "as_run_log", "beat_state", "heartbeats", "run", "spreadsheet_text", "write_csv"]


class SystemClock:
    def __init__(self, zone) -> None:
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        if seconds > 0:
            stop.wait(seconds)


class RehearsalClock:
    """Station time that starts at a chosen moment and runs ``speed`` times faster: a whole
    day of airings rehearsed in minutes (and the seam the chaos test drives the daemon by).
    ``since`` (a Unix time) is when station time was ``start``; by default, now."""

    def __init__(self, start: datetime, speed: float, since: float | None = None) -> None:
        import time

        self.start, self.speed = start, speed
        self._since = time.time() if since is None else since

    def now(self) -> datetime:
        import time

        return self.start + timedelta(seconds=(time.time() - self._since) * self.speed)

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        if seconds > 0:
            stop.wait(seconds / self.speed)


def player_identity() -> str:
    return f"{os.getpid()}@{socket.gethostname()}"


def player_alive(identity: str | None) -> bool:
    """Whether the player that claimed an entry still runs (on this machine we can tell)."""
    if not identity or "@" not in identity:
        return False
    pid, _, host = identity.partition("@")
    if host != socket.gethostname():
        return True  # another machine's player: not ours to close
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


SHUTDOWN, INTERRUPT, PREEMPT = "shutdown", "interrupt", "preempt"


@dataclass(frozen=True)
class Cut:
    """Why an airing under way was cut short, as its as-run entry records it."""
    kind: str  # shutdown | interrupt | preempt
    reason: str | None = None
    by: ProgrammeKey | None = None  # the programme that took the air (pre-emption)

    @property
    def result(self) -> str:
        return "preempted" if self.kind == PREEMPT else "interrupted"

    def note(self) -> str:
        why = f": {self.reason}" if self.reason else ""
        if self.kind == PREEMPT:
            return f"Nhường sóng cho {self.by.label() if self.by else 'chương trình khác'}{why}."
        if self.kind == INTERRUPT:
            return f"Bị ngắt giữa chừng{why}."
        return f"Máy phát dừng khi đang phát lượt này{f' ({self.reason})' if self.reason else ''}."


@dataclass
class _Unfinished:
    """An as-run entry whose end the database refused (locked); written on a later tick."""
    row_id: int
    ended_at: datetime
    result: str
    error: str | None
    zones: tuple[ZoneReach, ...] | None = None


class _Spell:
    """A failure that repeats on every tick (a full disk) is said when it starts and when it
    is over, not once a second, so the operator's screen stays readable."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say, self.failing = say, False

    def failed(self, line: str) -> None:
        if not self.failing:
            self.say(line)
        self.failing = True

    def over(self, line: str) -> None:
        if self.failing:
            self.say(line)
        self.failing = False


class Player:
    """Reads the queue and the files and decides; creating one changes nothing."""

    def __init__(self, station_dir: Path, output: Output, clock: Clock | None = None) -> None:
        self.station_dir = Path(station_dir)
        self.station = load_station(self.station_dir)
        self.clock = clock or SystemClock(station_zone(self.station))
        self.output = output
        self.store = Store(self.station_dir)
        # ``stop`` ends the daemon; ``_cut`` (one per airing) is what the output watches,
        # set by any of the three requests, and ``_why`` says which one it was.
        self.stop = threading.Event()
        self._cut, self._why = threading.Event(), None
        self._requests = threading.RLock()  # re-entrant: a signal may land while it is held
        self.grace = timedelta(minutes=self.station.schedule.grace_min)
        self.identity = player_identity()
        self.began = self.clock.now()
        # Where the daemon tells the operator what happens (the CLI prints it).
        self.notify: Callable[[str], None] | None = None
        self._unfinished: list[_Unfinished] = []
        self._beat_spell, self._finish_spell = _Spell(self._say), _Spell(self._say)
        self._busy_until: datetime | None = None
        self._busy_count = 0
        self.current: Airing | None = None
        #: The relay under way, for what the heartbeat says of its source.
        self.relay_on_air = None
        # The daemon looks every (real) second; in station time that is ``speed`` seconds
        # when rehearsing faster than real time.
        self.lookahead = _LOOKAHEAD * getattr(self.clock, "speed", 1.0)
        self.preroll = _RELAY_PREROLL * getattr(self.clock, "speed", 1.0)

    # -- requests from outside: signals, the operator, a bulletin (issue 32) ---------------
    def shutdown(self, reason: str | None = None) -> None:
        """End the daemon; an airing under way is cut and logged as cut by the shutdown."""
        self.stop.set()
        with self._requests:
            self._why = self._why or Cut(SHUTDOWN, reason)
            self._cut.set()

    def interrupt(self, reason: str) -> bool:
        """Cut the airing under way, the daemon going on; ``False`` if nothing was on air."""
        return self._cut_short(Cut(INTERRUPT, reason))

    def preempt(self, by: ProgrammeKey, reason: str | None = None) -> bool:
        """Give the air to ``by``: the airing under way ends now, logged 'preempted' with the
        programme that took its place; ``False`` if nothing was on air."""
        return self._cut_short(Cut(PREEMPT, reason, by))

    def _cut_short(self, cut: Cut) -> bool:
        with self._requests:
            if self.current is None or self._cut.is_set():
                return False  # nothing on air, or already ending for another reason
            self._why = cut
            self._cut.set()
            return True

    def _begin(self, airing: Airing) -> threading.Event:
        with self._requests:
            self._cut, self._why, self.current = threading.Event(), None, airing
            if self.stop.is_set():  # a shutdown that came just before: not one second aired
                self._why = Cut(SHUTDOWN)
                self._cut.set()
            return self._cut

    def _end(self) -> Cut | None:
        with self._requests:
            self.current = None
            return (self._why or Cut(SHUTDOWN)) if self._cut.is_set() else None

    def recover(self) -> int:
        """Close entries a killed player left 'playing'. Only a starting daemon does this."""
        return self.store.close_abandoned(player_alive, ABANDONED)

    # -- what is due -------------------------------------------------------------------
    def check(self) -> list[AsRun]:
        """Play (or log as missed) every airing due now; return what was logged.

        Never raises for a problem with one airing, one file or a busy database."""
        logged: list[AsRun] = []
        now = self.clock.now()
        if self._busy_until and now < self._busy_until:
            return logged
        try:
            self._write_unfinished()
            again = True
            while again and not self.stop.is_set():  # after a pre-emption, what is due now
                again = False
                for airing in self._pending(until=self.clock.now() + self.lookahead):
                    if self.stop.is_set():
                        break
                    entry = self._handle(airing)
                    if entry:
                        logged.append(entry)
                        self._tell(entry)
                        if entry.result == "preempted":
                            again = True
                            break
        except OutputError as exc:  # held or full: the airing waits for the next try
            self._back_off(exc)
            return logged
        if self._busy_count:
            self._say("Cơ sở dữ liệu ghi được trở lại.")
        self._busy_count, self._busy_until = 0, None
        return logged

    def _handle(self, airing: Airing) -> AsRun | None:
        now = self.clock.now()
        if airing.programme.kind == RELAY:  # live: joined late rather than missed, up to its end
            if now >= airing.ends_at - _LOOKAHEAD:
                return self._log_missed(airing)
            self.clock.sleep((airing.planned_at - self.preroll - now).total_seconds(), self.stop)
            return None if self.stop.is_set() else self._relay(airing)
        if now - airing.planned_at > self.grace:
            return self._log_missed(airing)
        self.clock.sleep((airing.planned_at - now).total_seconds(), self.stop)
        return None if self.stop.is_set() else self._air(airing)

    def _back_off(self, exc: OutputError) -> None:
        """Wait longer after each refusal; the operator is told at the start of a spell and
        then every tenth try, not once a second."""
        wait = _BACKOFF_S[min(self._busy_count, len(_BACKOFF_S) - 1)]
        if self._busy_count % 10 == 0:
            self._say(f"{exc.message} Thử lại sau {wait} giây; máy phát vẫn chạy.")
        self._busy_count += 1
        self._busy_until = self.clock.now() + timedelta(seconds=wait)

    def _pending(self, until: datetime) -> list[Airing]:
        """Due airings not yet logged, emergencies first (they go on air at once)."""
        done = self.store.logged_airing_ids()
        due = [a for a in self.store.queued(end=until + self.preroll) if a.id not in done
               and (a.planned_at < until or a.programme.kind == RELAY)]
        return sorted(due, key=lambda a: (a.slot_id != EMERGENCY_SLOT, a.planned_at, a.id))

    def emergency_due(self) -> Airing | None:
        """An emergency bulletin due now while something else is on air: one indexed look at
        the queue, cheap enough to ask twice a second."""
        current = self.current
        if current is None or current.slot_id == EMERGENCY_SLOT:
            return None
        now = self.clock.now()
        due = self.store.queued(start=now - self.grace, end=now + self.lookahead, slot=EMERGENCY_SLOT)
        if not due:
            return None
        done = self.store.logged_airing_ids()
        return next((a for a in due if a.id not in done), None)

    def watch_for_emergencies(self) -> None:
        """Pre-empt the airing under way for an emergency bulletin that has become due."""
        try:
            emergency = self.emergency_due()
        except OutputError:
            return  # a busy database: asked again in half a second
        if emergency is not None and self.preempt(by=emergency.programme, reason=f"lượt {emergency.id}"):
            self._say(f"Bản tin khẩn cấp (lượt {emergency.id}): ngắt lượt đang phát để phát ngay.")

    def next_airings(self, count: int = 5) -> list[Airing]:
        return next_airings(self.store, self.clock.now() - self.grace, count)

    # -- one airing --------------------------------------------------------------------
    def _claim(self, airing: Airing, started: bool = True, sound: Sound | None = None,
               at: datetime | None = None) -> int | None:
        """The airing's one as-run entry, recording the hash of the bytes about to be sent
        (and when they start: ``at``, for a relay opened ahead of its time)."""
        try:
            return self.store.claim(airing, (at or self.clock.now()) if started else None,
                                    self.output.name, self.identity,
                                    audio_sha256=sound.audio_sha256 if sound else None)
        except AlreadyClaimed:
            return None  # another player has it, or had it

    def _finish(self, row_id: int, result: str, error: str | None = None,
                zones: tuple[ZoneReach, ...] | None = None) -> AsRun:
        ended = self.clock.now()
        try:
            return self.store.finish(row_id, ended, result, error, zones)
        except OutputError:
            # The airing is over whatever the database says; write its end when it lets us.
            self._unfinished.append(_Unfinished(row_id, ended, result, error, zones))
            self._say("Chưa ghi được kết quả lượt phát vào cơ sở dữ liệu; sẽ ghi lại sau.")
            return AsRun(0, "", None, ended.isoformat(), None, self.output.name, result, error, id=row_id)

    def _write_unfinished(self) -> None:
        """Ends the database refused before; a disk that stays full is said once, not on
        every tick, and the entries wait in memory until it has room."""
        while self._unfinished:
            entry = self._unfinished[0]
            try:
                self.store.finish(entry.row_id, entry.ended_at, entry.result, entry.error, entry.zones)
            except DatabaseBusy:
                raise
            except OutputError as exc:
                self._finish_spell.failed(f"{exc.message} Máy phát vẫn chạy; {len(self._unfinished)} "
                                          "kết quả lượt phát chờ ghi khi có chỗ.")
                return
            self._unfinished.pop(0)
        self._finish_spell.over("Đã ghi được các kết quả lượt phát còn chờ.")

    def _tell(self, entry: AsRun) -> None:
        if not self.notify or not entry.planned_at:
            return
        late = ""
        if entry.started_at:
            seconds = (datetime.fromisoformat(entry.started_at) - datetime.fromisoformat(entry.planned_at)).total_seconds()
            late = f", bắt đầu lệch {'+' if seconds >= 0 else '−'}{number(abs(seconds))} giây"
        self.notify(f"Lượt {entry.airing_id} ({datetime.fromisoformat(entry.planned_at):%H:%M %d/%m}): "
                    f"{RESULT_NAMES[entry.result]}{late}" + (f" — {entry.error}" if entry.error else ""))

    def _say(self, line: str) -> None:
        if self.notify:
            self.notify(line)

    def _air(self, airing: Airing) -> AsRun | None:
        # Checked before claiming: a busy database here leaves the airing for the next tick.
        sound, problem = self._checked(airing)
        row_id = self._claim(airing, sound=sound)
        if row_id is None:
            return None
        if problem:
            return self._finish(row_id, "failed", self._fallback(problem, airing))
        self._say(f"Lượt {airing.id}: đang phát {airing.mp3} ({airing.title}).")
        cut = self._begin(airing)
        started = self.clock.now()
        try:
            note, reach = self._play(airing, _from_second(sound, airing.resume_from_s), cut)
        except PlaybackError as exc:
            self._end()
            return self._finish(row_id, "failed", self._fallback(exc.message, airing), getattr(exc, "reach", None))
        except Exception as exc:  # a broken output must not stop the station
            self._end()
            return self._finish(row_id, "failed", self._fallback(f"đầu ra {self.output.name} lỗi: {exc}", airing))
        why = self._end()
        if why is None:
            return self._finish(row_id, "aired", note, reach)
        if why.kind == PREEMPT:
            # Queued again before the cut entry is closed: a daemon killed in between leaves
            # an entry the next daemon closes as interrupted, never a programme lost.
            self._after_preemption(airing, (self.clock.now() - started).total_seconds())
        return self._finish(row_id, why.result, " ".join(filter(None, (why.note(), note))), reach)

    def _play(self, airing: Airing, sound: Sound, cut: threading.Event) -> tuple[str | None, tuple | None]:
        """Air ``sound`` on the outputs of the zones the airing targets (every output when
        the station has no zones); the note and where it went, zone by zone."""
        to_zones = getattr(self.output, "play_zones", None)
        if to_zones is None:
            return self.output.play(sound, airing.duration_s, self.clock, cut, airing.title), None
        return to_zones(airing.zones, sound, airing.duration_s, self.clock, cut, airing.title)

    def _relay(self, airing: Airing) -> AsRun | None:
        """A relay item: the slot's stream as station.yaml gives it now, through the outputs
        until the item's end, the fallback file while the source is down."""
        from radio.player.relay import play_relay

        source, problem = self._relay_source(airing)
        begins = max(airing.planned_at, self.clock.now())
        row_id = self._claim(airing, at=begins)
        if row_id is None:
            return None
        if problem:
            return self._finish(row_id, "failed", problem)
        self._say(f"Lượt {airing.id}: tiếp sóng {source.url} ({airing.title}) đến {airing.ends_at:%H:%M:%S}.")
        cut = self._begin(airing)
        started = self.clock.now()
        try:
            relay = play_relay(self.output, source, airing.ends_at, self.clock, cut, airing.title, airing.zones,
                               begins=begins, watch=lambda relay: setattr(self, "relay_on_air", relay))
        except PlaybackError as exc:
            self._end()
            return self._finish(row_id, "failed", exc.message, getattr(exc, "reach", None))
        except Exception as exc:  # a broken output must not stop the station
            self._end()
            return self._finish(row_id, "failed", f"đầu ra {self.output.name} lỗi: {exc}")
        finally:
            self.relay_on_air = None
        why = self._end()
        changed = f"Địa chỉ tiếp sóng trong station.yaml đã đổi thành {source.url}." if source.url != airing.mp3 else None
        note = " ".join(filter(None, (changed, relay.note(), relay.output_note)))
        if why is None:
            if relay.never_heard:
                return self._finish(row_id, "failed", note or "Không nhận được nguồn tiếp sóng.", relay.reach)
            return self._finish(row_id, "aired", note or None, relay.reach)
        if why.kind == PREEMPT:
            self._after_preemption(airing, (self.clock.now() - started).total_seconds())
        return self._finish(row_id, why.result, " ".join(filter(None, (why.note(), note))), relay.reach)

    def _relay_source(self, airing: Airing):
        """The relay slot's stream and fallback as station.yaml says now (what is trusted:
        relays are not approved per airing), or why there is none."""
        from radio.player.relay import RelaySource

        station = load_station(self.station_dir)  # read again: the operator may have changed it
        slot = next((s for s in station.slots if s.id == airing.programme.id), None)
        if slot is None or slot.kind != "relay" or not slot.url:
            return None, (f"Khung tiếp sóng '{airing.programme.id}' không còn (hoặc không còn địa chỉ url) trong "
                          "station.yaml; không tiếp sóng.")
        fallback = self.station_dir / slot.fallback if slot.fallback else None
        return RelaySource(slot.name, slot.url, fallback, station.audio.sample_rate, station.audio.bitrate_kbps,
                           station.relays.timeout_s, station.relays.reconnect_max_s), None

    def keep_relays(self) -> None:
        """The relay hours of today and the days ahead in the queue (they show in
        ``radio player status``); a failure is said, never fatal."""
        from radio.schedule import relayed_slots, schedule_relays

        try:
            if relayed_slots(load_station(self.station_dir)):
                placed = schedule_relays(self.station_dir, self.clock.now())
                for problem in placed.problems:
                    self._say(problem)
        except RadioError as exc:
            self._say(f"Chưa xếp được các lượt tiếp sóng: {exc.message} Máy phát vẫn chạy.")
        except Exception as exc:  # noqa: BLE001 - relays queued later, the station stays on air
            self._say(f"Chưa xếp được các lượt tiếp sóng ({type(exc).__name__}: {exc}). Máy phát vẫn chạy.")

    def _after_preemption(self, airing: Airing, heard_s: float) -> None:
        """The cut airing queued again after the emergency, whole or from where it stopped
        (``bulletins.after_emergency``)."""
        from radio.schedule import requeue_preempted

        try:
            again = requeue_preempted(self.station_dir, airing, self.clock.now(), heard_s)
        except RadioError as exc:
            self._say(f"Chưa xếp lại được lượt {airing.id} sau bản tin khẩn cấp: {exc.message}")
            return
        if again is None:
            self._say(f"Lượt tiếp sóng {airing.id} đã gần hết giờ; không tiếp sóng lại sau bản tin khẩn cấp.")
            return
        self._say(f"Lượt {airing.id} được xếp phát lại lúc {again.planned_at:%H:%M:%S} (lượt {again.id}).")

    def _checked(self, airing: Airing) -> tuple[Sound | None, str | None]:
        """What to play, or why it must not play; DatabaseBusy propagates (retry later)."""
        try:
            return self._verified(airing), None
        except DatabaseBusy:
            raise
        except RadioError as exc:
            return None, exc.message
        except Exception as exc:  # a hand-edited manifest or script the checks did not foresee
            return None, (f"Không kiểm tra được tệp của lượt phát ({type(exc).__name__}: {exc}); "
                          "tệp mô tả chương trình (manifest.json) hoặc kịch bản có thể đã bị sửa hỏng.")

    def _verified(self, airing: Airing) -> Sound:
        """The approved bytes, read once and hashed once: the gate checks the approved version
        against the hash of exactly what the outputs get, so a file replaced after this
        point can no longer reach the air (and a 15-minute MP3 is not read twice at the
        airing's second)."""
        path = self.station_dir / airing.mp3
        try:
            data = path.read_bytes()
        except OSError as exc:
            data, unreadable = None, exc
        read_hash = audio_sha256_of(data) if data is not None else None

        def hash_audio(candidate: Path) -> str:
            return read_hash if read_hash and candidate.resolve() == path.resolve() else audio_sha256(candidate)

        # The gate checks the approved version of the programme: the queued hash must be it.
        standing = require_airable(programme_files(self.station_dir, self.station.id, airing.programme),
                                   self.store, hash_audio)
        if standing.mp3.resolve() != path.resolve() or standing.audio_sha256 != airing.audio_sha256:
            raise PlaybackError(f"Tệp {airing.mp3} không phải tệp đã duyệt cho lượt phát này "
                                "(đã bị sửa, thay hoặc hỏng).")
        if data is None:
            raise PlaybackError(f"Không đọc được tệp {airing.mp3} ({unreadable.strerror or unreadable}).")
        sound = Sound(airing.mp3, data, read_hash)
        if sound.audio_sha256 != airing.audio_sha256:
            raise PlaybackError(f"Tệp {airing.mp3} đã bị thay ngay trước giờ phát: âm thanh đọc được "
                                f"({sound.audio_sha256[:12]}) không phải bản đã duyệt ({airing.audio_sha256[:12]}).")
        return sound

    def _fallback(self, error: str, airing: Airing) -> str:
        """Play the station ident instead, if there is one, where the airing was aimed (its
        zones' outputs); say so in the log entry."""
        name = self.station.schedule.fallback
        if not name or self.stop.is_set():
            return f"{error} Không phát gì thay thế."
        try:
            path = self.station_dir / name
            data = path.read_bytes()
            ident = Sound(path.name, data, audio_sha256_of(data))
            to_zones = getattr(self.output, "play_zones", None)
            if to_zones is None:
                self.output.play(ident, 0.0, self.clock, self.stop)
            else:
                to_zones(airing.zones, ident, 0.0, self.clock, self.stop)
        except Exception as exc:  # the ident failing must not cost the log entry
            return f"{error} Nhạc dự phòng cũng không phát được: {exc}"
        return f"{error} Đã phát nhạc dự phòng {name}."

    def _log_missed(self, airing: Airing) -> AsRun | None:
        row_id = self._claim(airing, started=False)  # it never started
        if row_id is None:
            return None
        late = int((self.clock.now() - airing.planned_at).total_seconds() // 60)
        if airing.planned_at >= self.began:
            why = (f"Máy phát đang chạy nhưng không phát được lúc {airing.planned_at:%H:%M %d/%m} "
                   "(xem thông báo lỗi trước đó, ví dụ cơ sở dữ liệu bị khoá)")
        else:
            why = f"Máy phát không chạy lúc {airing.planned_at:%H:%M %d/%m}"
        return self._finish(row_id, "missed", f"{why}; quá {late} phút nên không phát bù.")

    # -- copies ------------------------------------------------------------------------
    def keep_copies(self) -> None:
        """The daily copy of radio.db and the day's anchor; a failure is said, never fatal."""
        from radio.backup import back_up_if_due

        try:
            if back_up_if_due(self.station_dir, self.station.backup.keep_days) is None:
                self.store.write_anchor()
        except RadioError as exc:
            self._say(f"Chưa sao lưu được cơ sở dữ liệu: {exc.message} Máy phát vẫn chạy.")
        except Exception as exc:  # a copy must never cost an airing
            self._say(f"Chưa sao lưu được cơ sở dữ liệu ({type(exc).__name__}: {exc}). Máy phát vẫn chạy.")

    # -- heartbeat ---------------------------------------------------------------------
    def beat(self) -> None:
        """Tell ``radio player status`` this daemon is alive (a small file, rewritten often)."""
        try:
            condition = getattr(self.output, "condition", None)
            relay = self.relay_on_air
            said = " ".join(filter(None, (condition() if condition else None, relay.condition() if relay else None)))
            current = self.current
            write_json(self.station_dir / HEARTBEAT_DIR / f"{self.identity}.json", {
                "player": self.identity, "output": self.output.name, "at": self.clock.now().isoformat(),
                "playing": current.id if current else None,
                "playing_title": current.title if current else None,
                "condition": said or None})
        except OutputError as exc:
            # A full disk must not stop the airing; status shows the heartbeat aging.
            self._beat_spell.failed(f"Không ghi được tín hiệu hoạt động của máy phát: {exc.message} "
                                    "Máy phát vẫn chạy; sẽ báo lại khi ghi được.")
            return
        self._beat_spell.over("Đã ghi lại được tín hiệu hoạt động của máy phát.")

    def end_heartbeat(self) -> None:
        (self.station_dir / HEARTBEAT_DIR / f"{self.identity}.json").unlink(missing_ok=True)


def _from_second(sound: Sound, offset_s: float) -> Sound:
    """The verified sound from ``offset_s`` on, cut at a frame boundary (a programme played
    on after an emergency); the as-run entry keeps the hash of the whole approved file."""
    if offset_s <= 0:
        return sound
    from radio.audio.identity import mp3_frames

    elapsed = 0.0
    for at, _, seconds in mp3_frames(sound.data):
        if elapsed >= offset_s:
            return Sound(sound.name, sound.data[at:], sound.audio_sha256)
        elapsed += seconds
    return sound


# -- what the operator reads (no writes) ---------------------------------------------------

def next_airings(store: Store, since: datetime, count: int = 5) -> list[Airing]:
    """What is still to air, a relay under way (joined late, up to its end) included."""
    done = store.logged_airing_ids()
    return [a for a in store.queued(start=since - timedelta(days=1)) if a.id not in done and (
        a.planned_at >= since or a.programme.kind == RELAY and a.ends_at > since)][:count]


def as_run_log(store: Store, programme: ProgrammeKey | str | None = None, last: int | None = None, *,
               aired_in: str | None = None, station_dir: Path | None = None) -> list[AsRun]:
    """The as-run log, of every programme or of one; ``aired_in`` is the month (in the
    station's time zone) of the airing dates."""
    entries = store.as_run(programme=programme, last=last)
    if aired_in:
        zone = station_zone(load_station(Path(station_dir)))
        entries = [e for e in entries if parsed(e.planned_at).astimezone(zone).strftime("%Y-%m") == aired_in]
    return entries


@dataclass(frozen=True)
class Heartbeat:
    player: str
    output: str
    at: datetime
    alive: bool
    #: What an output reported of itself (a stream that lost its server), if anything.
    condition: str | None = None
    playing_id: int | None = None
    playing_title: str | None = None


# A daemon beats every 2 s from a thread of its own; silence this long means it hangs.
SILENT_AFTER_S = 30


def beat_state(beat: Heartbeat, age: float) -> tuple[str, str]:
    """What the operator reads of one player, and how it looks ("ok", "warn", "dead"): the
    one wording the command line and the studio both show."""
    if not beat.alive:
        return "không còn chạy", "dead"
    if age >= SILENT_AFTER_S:
        return "không phản hồi", "warn"
    if beat.playing_id is not None:
        return f"đang phát lượt {beat.playing_id} ({beat.playing_title or 'không tên'})", "ok"
    return "đang chạy", "ok"


def heartbeats(station_dir: Path) -> list[Heartbeat]:
    import json

    found = []
    # pathlib matches hidden names too: a heartbeat being written (.name.tmp.json) is not a player.
    for path in sorted(p for p in (Path(station_dir) / HEARTBEAT_DIR).glob("*.json") if not p.name.startswith(".")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(Heartbeat(data["player"], data["output"], datetime.fromisoformat(data["at"]),
                                   player_alive(data["player"]), data.get("condition"),
                                   data.get("playing"), data.get("playing_title")))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


@dataclass(frozen=True)
class Overview:
    """What an operator looks at: the players' heartbeats (with their age in seconds), what
    is on air, the next airings and the last results (oldest first)."""
    beats: list[tuple[Heartbeat, float]]
    playing: AsRun | None
    upcoming: list[Airing]
    recent: list[AsRun]
    tampered: str | None


def overview(station_dir: Path, count: int = 5, last: int = 10) -> Overview:
    """Read-only: looking never changes the log."""
    station = load_station(Path(station_dir))
    now = datetime.now(station_zone(station))
    store = Store(station_dir, readonly=True)
    return Overview([(beat, (now - beat.at).total_seconds()) for beat in heartbeats(station_dir)],
                    store.now_playing(),
                    next_airings(store, now - timedelta(minutes=station.schedule.grace_min), count),
                    as_run_log(store, last=last), store.broken_record())


def write_csv(path: Path, entries: list[AsRun]) -> None:
    write_text(path, csv_text(entries))


def csv_text(entries: list[AsRun]) -> str:
    """The log for a spreadsheet: UTF-8 with BOM so Excel shows Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["airing_id", "planned_at", "started_at", "ended_at", "file", "output",
                     "result", "error"])
    for e in entries:
        writer.writerow([e.airing_id, e.planned_at, e.started_at, e.ended_at, e.file, e.output,
                         e.result, e.error])
    return "\ufeff" + buffer.getvalue()


LOG_COLUMNS = ("Mã lượt phát", "Giờ định phát", "Bắt đầu", "Kết thúc", "Tệp", "Đầu ra", "Kết quả", "Lỗi")


def spreadsheet_text(entries: list[AsRun], zone=None) -> str:
    """The log for a person's spreadsheet, in the words of the tables on screen (column names
    and results in Vietnamese, times in ``zone``, Vietnam's by default); UTF-8 with BOM so
    Excel shows Vietnamese correctly. Seconds kept: an airing is judged to the second.
    ``csv_text`` is the stable form for other programs."""
    from radio.clock import VIETNAM

    zone = zone or VIETNAM

    def when(iso):
        return parsed(iso).astimezone(zone).strftime("%d/%m/%Y %H:%M:%S") if iso else ""

    from radio.zones import reach_words

    zoned = any(e.zones is not None for e in entries)  # a station with zones: where each went
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*LOG_COLUMNS, *(["Vùng"] if zoned else [])])
    for e in entries:
        writer.writerow([e.airing_id, when(e.planned_at), when(e.started_at), when(e.ended_at), e.file or "",
                         e.output, RESULT_NAMES.get(e.result, e.result), e.error or "",
                         *([reach_words(e)] if zoned else [])])
    return "\ufeff" + buffer.getvalue()


def run(player: Player, until: datetime | None = None, *, hard: bool = False,
        beat_every_s: float = 2.0) -> None:
    """The daemon: check every second (``check`` then waits to the exact second of an
    airing), until ``until`` or SIGTERM/SIGINT, which end the current entry cleanly.
    At ``until`` an airing under way plays to its end, unless ``hard`` (it is then cut and
    logged as interrupted). Nothing else stops it: a failure in one tick is told to the
    operator and the next tick runs as usual."""
    def request_stop(signum, frame):  # noqa: ARG001 — signal handler signature
        player.shutdown(f"nhận tín hiệu {signal.Signals(signum).name}")

    def stop_at_the_time() -> None:
        while not player.stop.is_set():
            remaining = (until - player.clock.now()).total_seconds()
            if remaining <= 0:
                player._say(f"Đến giờ dừng {until:%H:%M:%S}: dừng ngay (--hard).")
                player.shutdown(f"đến giờ dừng {until:%H:%M:%S}, --hard")
                return
            player.clock.sleep(min(remaining, 0.5), player.stop)

    if until is not None and hard:
        threading.Thread(target=stop_at_the_time, name="radio-stop-at", daemon=True).start()

    def tick() -> None:
        try:
            player.check()
        except Exception as exc:  # the last line of defence: the station stays on air
            player._say(f"Lỗi không lường trước trong máy phát ({type(exc).__name__}: {exc}); "
                        "máy phát vẫn chạy.")

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    if hasattr(player.output, "open"):  # a stream connects now and carries the ident until an airing
        player.output.open(player.clock, player.stop)
    scheduler = schedule_lib.Scheduler()
    scheduler.every(1).seconds.do(tick)
    scheduler.every(1).hours.do(player.keep_copies)
    scheduler.every(1).hours.do(player.keep_relays)
    # The heartbeat has a thread of its own: an airing holds the tick for its whole length,
    # and the operator must see "playing", not a player that stopped answering.
    beating = threading.Event()

    def keep_beating() -> None:
        while not beating.wait(beat_every_s):
            player.beat()

    beater = threading.Thread(target=keep_beating, name="radio-heartbeat", daemon=True)

    # An airing holds the tick to its end; an emergency must not wait for it (issue 32:
    # on air within 2 s of its approval), so its own thread looks twice a second.
    def keep_watching() -> None:
        while not beating.wait(0.5):
            player.watch_for_emergencies()

    watcher = threading.Thread(target=keep_watching, name="radio-emergency", daemon=True)
    # Bulletins from the station's sources (station.yaml importers) arrive on a thread of
    # their own: making one takes seconds, which neither an airing nor the watcher may wait.
    from radio.importer import keep_importing

    importer = threading.Thread(target=keep_importing, args=(player.station_dir, beating, player._say),
                                name="radio-importer", daemon=True)
    try:
        try:
            recovered = player.recover()
        except OutputError as exc:
            recovered = 0
            player._say(f"{exc.message} Sẽ kiểm tra lại các lượt bị ngắt ở lần khởi động sau.")
        if recovered:
            player._say(f"Đã ghi {recovered} lượt phát bị ngắt do máy phát trước dừng đột ngột.")
        try:
            tampered = player.store.broken_record()
        except OutputError:
            tampered = None
        if tampered:
            player._say(f"Cảnh báo: {tampered} Máy phát vẫn chạy; hãy báo người quản trị.")
        player.beat()
        beater.start()
        watcher.start()
        importer.start()
        player.keep_copies()
        player.keep_relays()
        tick()
        while not player.stop.is_set() and (until is None or player.clock.now() < until):
            scheduler.run_pending()
            idle = scheduler.idle_seconds
            player.stop.wait(max(0.05, min(1.0, idle if idle is not None else 1.0)))
        if until is not None and not player.stop.is_set() and player.clock.now() > until + timedelta(seconds=2):
            player._say(f"Giờ dừng {until:%H:%M:%S} đến khi đang phát một lượt; đã phát xong lượt đó rồi dừng.")
    finally:
        beating.set()
        for thread in (beater, watcher):
            if thread.is_alive():
                thread.join()
        if hasattr(player.output, "close"):
            player.output.close()
        player.end_heartbeat()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
