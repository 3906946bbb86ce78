"""Relays: a national or provincial stream played live through the outputs (issue 32).

A relay item names a relay slot of station.yaml; its stream address (Icecast or HTTP, MP3 or
AAC) is read there at the airing's second. One ffmpeg process reads the stream and encodes
it as the station's programmes are encoded (rate, bitrate, mono), so every output gets MP3
frames of one format whatever the source sends, and the Icecast output's listeners never see
the format change under them. A pacing thread hands a frame to every output as its time
comes, from one of three places:

- the source, once a half second of it is buffered (a jitter buffer: the network delivers
  in bursts; more than two seconds behind and the oldest frames are dropped, so the relay
  stays live);
- silence, for the moments the source is connecting or late by a frame;
- the station's fallback file (the slot's ``fallback``, looped), once the source is lost:
  ffmpeg ended (the source stopped, the server refused), or it sent nothing for
  ``relays.timeout_s``. ffmpeg is started again after 0.5 s, then twice as long each time,
  at most ``relays.reconnect_max_s``.

Each loss is a gap: when it began, how long it lasted and why (ffmpeg's own words, said in
Vietnamese), written into the as-run entry like the Icecast output's gaps. The relay ends at
its window's end, or when the player cuts it (an emergency bulletin pre-empts it like any
airing).
"""
from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from radio.audio.ffmpeg import ffmpeg_exe
from radio.audio.identity import mp3_frames
from radio.display import number
from radio.player.outputs import Clock, PlaybackError

Frame = tuple[bytes, float]  # one MP3 frame and its length in seconds

# How much of the source is held before it is played, and the most it may lag.
PREBUFFER_S, MAX_BACKLOG_S = 0.5, 2.0
# How far ahead of real time frames are handed to the outputs.
LEAD_S = 0.2


@dataclass(frozen=True)
class RelaySource:
    """What to relay: the slot's stream and fallback file as station.yaml says now."""
    name: str  # the slot's name, e.g. "Tiếp sóng Đài tỉnh"
    url: str
    fallback: Path | None
    rate: int
    kbps: int
    timeout_s: float = 5.0
    reconnect_max_s: float = 10.0


@dataclass
class Gap:
    at: datetime  # station time when the source was lost
    seconds: float | None  # None: it lasted to the end of the relay
    why: str


class LiveSound:
    """The relay as the outputs see it: each ``frames()`` is a listener of its own, which
    yields every frame from the moment it subscribed until the relay ends."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[queue.SimpleQueue] = []
        self._lock = threading.Lock()
        self._ended = False

    def frames(self) -> Iterator[Frame]:
        listener: queue.SimpleQueue = queue.SimpleQueue()
        with self._lock:
            if self._ended:
                return iter(())
            self._listeners.append(listener)
        return iter(listener.get, None)

    def send(self, frame: Frame) -> None:
        with self._lock:
            for listener in self._listeners:
                listener.put(frame)

    def end(self) -> None:
        with self._lock:
            self._ended = True
            for listener in self._listeners:
                listener.put(None)


@dataclass
class _State:
    """What the reader thread knows of the source, read by the pacing thread."""
    live: deque = field(default_factory=deque)  # frames received, not yet played
    buffered_s: float = 0.0
    running: bool = False  # an ffmpeg process is reading the source
    heard_at: float = 0.0  # monotonic time of the last bytes from the source
    attempt_at: float = 0.0  # monotonic time the running ffmpeg was started
    ever_heard: bool = False
    failure: str | None = None  # why the last attempt ended


class Relay:
    """One relay under way: the reader (ffmpeg), the pacing thread, and the gaps."""

    def __init__(self, source: RelaySource, clock: Clock) -> None:
        self.source, self.clock = source, clock
        self.sound = LiveSound(source.name)
        self.gaps: list[Gap] = []
        self.fallback_problem: str | None = None
        self._state = _State()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._process: subprocess.Popen | None = None
        self._gap_since: tuple[float, datetime, str] | None = None
        self._stalled: str | None = None  # why the pacing thread stopped ffmpeg
        self._began = time.monotonic()  # when the relay's first frame went out
        self._dry_since: float | None = None  # since when no frame of the source went out
        self.relayed_s = 0.0  # seconds of the source that went out
        self.output_note: str | None = None  # what the outputs said (a stream's own gaps)
        self.reach: tuple | None = None  # where it went, zone by zone (a station with zones)

    # -- the relay's life ------------------------------------------------------------------
    def run(self, end: datetime, clock: Clock, stop: threading.Event, begins: datetime | None = None) -> None:
        """Hand frames to the outputs from ``begins`` (the source is opened at once, so it is
        buffered by then) until ``end`` (station time) or ``stop``; then end the sound, so every
        output's ``play_live`` returns."""
        reader = threading.Thread(target=self._read, name="radio-relay-reader", daemon=True)
        try:
            fallback = self._fallback_frames()
            silence = _encoded(None, self.source.rate, self.source.kbps, 1.0)
            reader.start()
            if begins is not None:
                clock.sleep((begins - clock.now()).total_seconds(), stop)
            self._pace(end, clock, stop, fallback, silence)
        finally:
            self._done.set()
            self._kill()
            self.sound.end()
            reader.join(timeout=5)
            self._close_gap(end_of_relay=True)

    def note(self) -> str | None:
        """The as-run note: each gap (when, how long, why) and what was heard instead."""
        said = []
        for gap in self.gaps:
            if gap.seconds is None:
                said.append(f"từ {gap.at:%H:%M:%S} đến hết giờ tiếp sóng ({gap.why})")
            else:
                said.append(f"{number(gap.seconds, 1)} giây lúc {gap.at:%H:%M:%S} ({gap.why})")
        if not said:
            return self.fallback_problem and f"{self.fallback_problem}; nguồn không mất lần nào."
        if self.fallback_problem:
            instead = f"loa nghe im lặng ({self.fallback_problem[0].lower()}{self.fallback_problem[1:]})"
        elif self.source.fallback:
            instead = f"đã phát tệp dự phòng {self.source.fallback.name} thay"
        else:
            instead = "loa nghe im lặng (khung tiếp sóng chưa có tệp dự phòng: fallback)"
        return f"Mất nguồn tiếp sóng {self.source.url}: {', '.join(said)}; {instead}."

    def condition(self) -> str | None:
        """What ``radio player status`` says while the source is lost."""
        gap = self._gap_since
        if gap is None:
            return None
        instead = (f"đang phát tệp dự phòng {self.source.fallback.name}" if self.source.fallback
                   and not self.fallback_problem else "loa đang im lặng")
        return f"Đang mất nguồn tiếp sóng {self.source.url} từ {gap[1]:%H:%M:%S} ({gap[2]}); {instead}; đang nối lại."

    @property
    def never_heard(self) -> bool:
        return self.relayed_s == 0

    # -- pacing ------------------------------------------------------------------------------
    def _pace(self, end: datetime, clock: Clock, stop: threading.Event, fallback: list[Frame],
              silence: list[Frame]) -> None:
        began, sent = time.monotonic(), 0.0
        self._began = began
        playing_live, next_fallback, next_silence = False, 0, 0
        with self._lock:  # what was buffered ahead of the relay's time: only the latest half second
            while self._state.buffered_s > PREBUFFER_S:
                self._state.buffered_s -= self._state.live.popleft()[1]
        while not stop.is_set() and clock.now() < end:
            ahead = sent - (time.monotonic() - began)
            if ahead > LEAD_S:
                stop.wait(min(ahead - LEAD_S, 0.05))
                continue
            self._watch_for_stall()
            with self._lock:
                state = self._state
                while state.buffered_s > MAX_BACKLOG_S:  # stay live: drop what is too late
                    state.buffered_s -= state.live.popleft()[1]
                if not playing_live and state.buffered_s >= PREBUFFER_S:
                    playing_live = True
                frame = state.live.popleft() if playing_live and state.live else None
                if frame:
                    state.buffered_s -= frame[1]
                lost = state.failure is not None and not state.running and not state.live or (
                    not state.ever_heard and time.monotonic() - began > self.source.timeout_s)
            if frame is not None:
                if self._gap_since is not None:
                    self._close_gap()
                self.relayed_s += frame[1]
                self._dry_since = None
            elif self._dry_since is None:
                self._dry_since = time.monotonic()  # the loudspeakers' last second of the source
            if frame is None and (lost or self._gap_since is not None):  # lost, or not back yet
                playing_live = False
                self._open_gap(self._state.failure or "chưa nhận được nguồn")
                if fallback:
                    frame, next_fallback = fallback[next_fallback], (next_fallback + 1) % len(fallback)
            if frame is None:  # connecting, or the source a frame late: silence, never a stall
                frame, next_silence = silence[next_silence], (next_silence + 1) % len(silence)
            self.sound.send(frame)
            sent += frame[1]

    def _watch_for_stall(self) -> None:
        """A source connected but silent for ``timeout_s`` is lost: ffmpeg is stopped, and
        the reader starts it again."""
        state = self._state
        quiet_since = max(state.heard_at, state.attempt_at)
        if state.running and time.monotonic() - quiet_since > self.source.timeout_s:
            self._stalled = (f"nguồn không gửi dữ liệu quá {number(self.source.timeout_s, 1)} giây"
                             if state.heard_at > state.attempt_at else "máy chủ nguồn không trả lời kịp")
            self._kill()

    def _open_gap(self, why: str) -> None:
        if self._gap_since is None:
            state = self._state
            # From the loudspeakers' last second of the source (what it had buffered was still
            # heard after the loss); never heard: from the relay's start.
            since = (self._dry_since or time.monotonic()) if state.ever_heard else self._began
            # Dated in station time (a rehearsal runs faster than the wall clock).
            back = (time.monotonic() - since) * getattr(self.clock, "speed", 1.0)
            self._gap_since = (since, self.clock.now() - timedelta(seconds=back), why)

    def _close_gap(self, end_of_relay: bool = False) -> None:
        if self._gap_since is not None:
            since, at, why = self._gap_since
            self.gaps.append(Gap(at, None if end_of_relay else time.monotonic() - since, why))
            self._gap_since = None

    # -- the reader --------------------------------------------------------------------------
    def _read(self) -> None:
        wait = 0.5
        while not self._done.is_set():
            heard = self._read_once()
            if self._done.is_set():
                return
            wait = 0.5 if heard else min(wait * 2, self.source.reconnect_max_s)
            self._done.wait(wait)

    def _read_once(self) -> bool:
        """One ffmpeg run from connection to its end; whether it delivered any audio."""
        s = self.source
        command = [ffmpeg_exe(), "-v", "error", "-nostdin", "-rw_timeout", str(int(s.timeout_s * 1e6)),
                   # Live: no probing beyond the first frames, no input buffering.
                   "-fflags", "nobuffer", "-probesize", "4096", "-analyzeduration", "0", "-i", s.url,
                   "-vn", "-ac", "1", "-ar", str(s.rate), "-c:a", "libmp3lame", "-b:a", f"{s.kbps}k", "-write_xing", "0", "-id3v2_version", "0", "-flush_packets", "1",
                   "-f", "mp3", "pipe:1"]
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE)
        except OSError as exc:
            self._state.failure = f"không chạy được ffmpeg ({exc.strerror or exc})"
            return False
        with self._lock:
            self._process = process
            self._state.running, self._state.attempt_at = True, time.monotonic()
            if self._done.is_set():  # the relay ended while this one was starting: no orphan reader
                process.kill()
        errors: list[bytes] = []
        listening = threading.Thread(target=lambda: errors.extend(process.stderr), name="radio-relay-errors",
                                     daemon=True)
        listening.start()
        pending, heard = b"", False
        try:
            while chunk := process.stdout.read1(4096):
                pending = self._take_frames(pending + chunk)
                heard = True
        finally:
            process.wait()
            listening.join(timeout=2)
            with self._lock:
                self._state.running = False
                self._process = None
        said = b"".join(errors).decode("utf-8", "replace")
        stalled, self._stalled = self._stalled, None
        # The first failure since the source was last heard is the gap's reason: the retries'
        # own failures (a 404 while the mount is gone) would hide what happened.
        self._state.failure = self._state.failure or stalled or _source_reason(said, process.returncode)
        return heard

    def _take_frames(self, data: bytes) -> bytes:
        frames = mp3_frames(data)
        if not frames:
            return data[-8192:]  # no whole frame yet (or not MP3 at all: bounded either way)
        now = time.monotonic()
        with self._lock:
            state = self._state
            for at, length, seconds in frames:
                state.live.append((data[at:at + length], seconds))
                state.buffered_s += seconds
            state.heard_at, state.ever_heard, state.failure = now, True, None
        last_at, last_length, _ = frames[-1]
        return data[last_at + last_length:]

    def _kill(self) -> None:
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    def _fallback_frames(self) -> list[Frame]:
        path = self.source.fallback
        if path is None:
            return []
        try:
            return _encoded(path, self.source.rate, self.source.kbps, None)
        except PlaybackError as exc:
            self.fallback_problem = exc.message
            return []


def _encoded(source: Path | None, rate: int, kbps: int, seconds: float | None) -> list[Frame]:
    """A file (or silence) as frames of the relay's own format."""
    if source is None:
        inputs, feed = ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"], bytes(int(rate * seconds) * 2)
    else:
        inputs, feed = ["-i", str(source)], b""
    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", *inputs, "-vn", "-ac", "1", "-ar", str(rate), "-c:a", "libmp3lame",
         "-b:a", f"{kbps}k", "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1"],
        input=feed, capture_output=True, check=False)
    frames = mp3_frames(result.stdout) if result.returncode == 0 else []
    if not frames:
        raise PlaybackError(f"Không đọc được tệp dự phòng tiếp sóng {source.name if source else '(im lặng)'}")
    return [(result.stdout[at:at + length], secs) for at, length, secs in frames]


_SOURCE_REASONS = (
    (r"ends prematurely|End of file", "nguồn ngừng phát (máy chủ nguồn đóng luồng)"),
    (r"404", "máy chủ nguồn không có luồng này (404: Đài chưa phát, hoặc sai địa chỉ)"),
    (r"401|403", "máy chủ nguồn không cho nghe (bị từ chối)"),
    (r"Connection refused", "máy chủ nguồn không nhận kết nối"),
    (r"timed out|Operation timed out", "máy chủ nguồn không trả lời kịp"),
    (r"resolve|Name or service not known|Temporary failure in name", "không tìm thấy địa chỉ máy chủ nguồn"),
    (r"Invalid data|could not find codec|Invalid argument", "nguồn không phải âm thanh MP3 hoặc AAC đọc được"),
)


def _source_reason(said: str, code: int | None) -> str:
    """Why ffmpeg's reading ended, in the operator's words."""
    for pattern, reason in _SOURCE_REASONS:
        if re.search(pattern, said, re.IGNORECASE):
            return reason
    if code == 0 or not said.strip():
        return "nguồn ngừng phát (hết luồng)"
    last = said.strip().splitlines()[-1][:160]
    return f"lỗi đọc nguồn ({last})"


def play_relay(output, source: RelaySource, end: datetime, clock: Clock, stop: threading.Event,
               title: str = "", zones: tuple[str, ...] = (), begins: datetime | None = None,
               watch=None) -> Relay:
    """Relay ``source`` through ``output`` (the outputs of ``zones`` when the station has
    zones) until ``end`` or ``stop``; the ``Relay`` returned says what was relayed, its gaps,
    the outputs' own note and where it went. An output that cannot play live fails the relay."""
    if not hasattr(output, "play_live"):
        raise PlaybackError(f"Đầu ra {output.name} chưa phát được chương trình tiếp sóng.")
    relay = Relay(source, clock)
    if watch is not None:  # the player's heartbeat says what the relay's source is doing
        watch(relay)
    frames = relay.sound.frames()  # subscribed before the first frame is sent
    played: dict[str, object] = {}

    def play() -> None:
        try:
            to_zones = getattr(output, "play_live_zones", None)
            if to_zones is None:
                played["note"] = output.play_live(frames, clock, stop, title or source.name)
            else:
                played["note"], relay.reach = to_zones(zones, frames, clock, stop, title or source.name)
        except Exception as exc:  # noqa: BLE001 - said in the as-run entry
            played["error"] = exc
        finally:
            for _ in frames:  # an output that gave up must not hold the relay's frames
                pass

    thread = threading.Thread(target=play, name="radio-relay-out", daemon=True)
    thread.start()
    relay.run(end, clock, stop, begins)
    thread.join()
    relay.output_note = played.get("note")
    if "error" in played:
        error = played["error"]
        if isinstance(error, PlaybackError):
            raise error
        raise PlaybackError(f"đầu ra {output.name} lỗi: {error}")
    return relay
