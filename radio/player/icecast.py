"""The ``icecast`` output: airings streamed to a mount on an Icecast server, which relays
them to IP and 4G loudspeakers (and to more Icecast relays, for a province's hundreds of
clusters).

One connection is kept for as long as the player runs, so loudspeakers stay connected:
between airings the mount carries silence or the station ident; at an airing's second its
MP3 frames follow, exactly as produced (no re-encoding: what airs is what was approved),
paced in real time a fraction of a second ahead, with the programme's title as the stream's
metadata. The source protocol is Icecast's HTTP PUT (Icecast 2.4+): one request whose body
never ends. If the server goes away, the output reconnects with backoff (doubling, capped)
and keeps the programme on its clock: what was due while the mount was down is skipped,
and the as-run entry records the gap. A server that hangs counts as gone: its kernel keeps
taking the stream's bytes long after it stopped reading them, and its listeners would get
them all in one burst when it wakes, so while the mount is fed a small status request every
third of ``timeout_s`` checks that the server still answers (one access-log line each), and
a silence longer than ``timeout_s`` drops the connection. A refused password is not retried
with backoff: the airing fails at once, and the next airing tries again. The password is a ``SecretStr``: it is only ever
written into the request's Authorization header, never into a message or a log.
"""
from __future__ import annotations

import base64
import select
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from radio.audio.ffmpeg import ffmpeg_exe
from radio.audio.identity import mp3_frames
from radio.display import number
from radio.models import Model
from radio.player.outputs import Clock, PlaybackError, Sound
from radio.plugins import Plugin, Registry
from radio.schedule import station_zone

MOUNT_PATTERN = r"^/[A-Za-z0-9._~-][A-Za-z0-9._~/-]*$"


class IcecastSettings(Model):
    """The ``icecast:`` section of station.yaml."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    mount: str = Field(pattern=MOUNT_PATTERN)
    user: str = "source"
    # The source password, here or (to keep it out of a file that gets copied around) in a
    # file of its own, relative to the station folder, readable by the player only.
    password: SecretStr | None = None
    password_file: str | None = None
    # Shown by players and directories; left out, the station's name.
    stream_name: str | None = None
    description: str | None = None
    public: bool = False
    # What the mount carries between airings: silence, or the station ident (a file in the
    # station folder; left out, the schedule's fallback file) every ``ident_every_min``.
    between: Literal["silence", "ident"] = "silence"
    ident: str | None = None
    ident_every_min: float = Field(default=15, ge=1, le=240)
    # How far ahead of real time audio is sent: a listener hears an airing this much late
    # at most, and a network hiccup this short costs nothing.
    lead_s: float = Field(default=0.3, ge=0.05, le=5)
    # Reconnecting waits 0.5 s, then twice as long each time, never longer than this.
    reconnect_max_s: float = Field(default=10, ge=0.5, le=300)
    # How long the server may keep silent: when connecting, and while it is fed (a server
    # that answers nothing for this long has stalled; what it missed is part of the gap).
    timeout_s: float = Field(default=5, gt=0, le=60)

    @model_validator(mode="after")
    def _one_password(self) -> "IcecastSettings":
        if (self.password is None) == (self.password_file is None):
            raise ValueError("ghi mật khẩu nguồn ở password hoặc tên tệp chứa nó ở password_file (một trong hai)")
        return self


class _Refused(Exception):
    """The server answered the source request with an error (its meaning in Vietnamese)."""

    def __init__(self, why: str, code: int) -> None:
        super().__init__(why)
        # Wrong credentials or mount will not right themselves within an airing. A 403 does:
        # Icecast sends it for a mount still held by a source, our own dropped connection
        # included until the server notices it is gone.
        self.lasting = code in (401, 404)


class _Stalled(Exception):
    """The server stopped taking the stream while its connection looked open."""


_REFUSALS = {
    401: "máy chủ từ chối tên hoặc mật khẩu nguồn (mục icecast: user, password trong station.yaml)",
    403: "máy chủ không nhận nguồn cho điểm phát này (đã có nguồn khác đang phát, hoặc quá số nguồn cho phép)",
    404: "máy chủ không có điểm phát này",
}


@dataclass
class _Airing:
    """One programme handed to the feeder, on its own clock from the moment it was due."""
    data: bytes
    frames: list[tuple[int, int, float]]
    title: str
    began: float  # time.monotonic() when it was due
    zone: tzinfo  # the station's, for the times the as-run note gives
    next_frame: int = 0
    offset: float = 0.0  # where in the programme the next frame starts, in seconds
    # Set when the mount comes back after a gap: the stream then resumes at what is due now.
    resync: bool = False
    sent_any: bool = False
    # The gap under way: when it began (monotonic and station time) and why.
    gap_since: tuple[float, datetime, str] | None = None
    gaps: list[tuple[datetime, float | None, str]] = field(default_factory=list)
    last_error: str | None = None
    cancelled: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    # A relay (play_live): frames arrive as they go out, into ``live``, until ``live_ended``.
    live: deque | None = None
    live_ended: bool = False
    # Asked on every turn of the feeder's loop: summed once, not over thousands of frames each time.
    length_s: float = field(init=False)

    def __post_init__(self) -> None:
        self.length_s = sum(frame[2] for frame in self.frames)

    def lost(self, why: str, since: float | None = None) -> None:
        """The mount is down (``since``: the monotonic time it was last known up, for a
        stall noticed only later). A gap keeps the reason it began with: the retries'
        own failures would hide what happened."""
        self.last_error = why
        if self.gap_since is None:
            now = time.monotonic()
            began = max(now if since is None else since, self.began)
            self.gap_since = (began, datetime.now(self.zone) - timedelta(seconds=now - began), why)

    def back(self) -> None:
        if self.gap_since is not None:
            began, at, why = self.gap_since
            self.gaps.append((at, time.monotonic() - began, why))
            self.gap_since = None
            self.resync = True

    def note(self) -> str | None:
        if self.gap_since is not None:
            self.gaps.append((self.gap_since[1], None, self.gap_since[2]))
            self.gap_since = None
        if not self.gaps:
            return None
        said = []
        for at, seconds, why in self.gaps:
            if seconds is None:
                said.append(f"từ {at:%H:%M:%S} đến hết chương trình ({why})")
            else:
                said.append(f"{number(seconds, 1)} giây lúc {at:%H:%M:%S} ({why})")
        return f"Mất kết nối tới máy chủ Icecast {', '.join(said)}; phần đó loa không nhận được."


class _Pulse:
    """Whether the server still answers while it is fed. A hung Icecast (stopped, frozen,
    its machine swapping) reads nothing, yet its kernel keeps acknowledging the stream's
    bytes (on loopback more than ten seconds of them without the window shrinking), so the
    source socket tells nothing. A small request every third of ``timeout_s`` on a
    connection of its own does: ``heard_at`` is when the server last answered."""

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        self.heard_at = time.monotonic()
        self._stop = threading.Event()
        threading.Thread(target=self._beat, args=(host, port, timeout_s), name="radio-icecast-pulse",
                         daemon=True).start()

    def quiet_s(self) -> float:
        return time.monotonic() - self.heard_at

    def stop(self) -> None:
        self._stop.set()

    def _beat(self, host: str, port: int, timeout_s: float) -> None:
        request = f"GET /status-json.xsl HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n".encode("ascii")
        while not self._stop.wait(timeout_s / 3):
            try:
                with socket.create_connection((host, port), timeout=timeout_s) as probe:
                    probe.sendall(request)
                    probe.recv(1)  # any answer, even a closed connection, is a sign of life
                self.heard_at = time.monotonic()
            except OSError:
                pass  # refused or unanswered: the silence speaks once it lasts


class IcecastOutput:
    name = "icecast"

    def __init__(self, settings: IcecastSettings, station_dir: Path) -> None:
        from radio.station import load_station

        station = load_station(station_dir)
        self.settings = settings
        self.station_dir = Path(station_dir)
        self.stream_name = settings.stream_name or station.name
        self.rate, self.kbps = station.audio.sample_rate, station.audio.bitrate_kbps
        self.zone = station_zone(station)
        ident = settings.ident or station.schedule.fallback
        self.ident = self.station_dir / ident if settings.between == "ident" and ident else None
        if settings.between == "ident" and self.ident is None:
            raise PlaybackError("Mục icecast: chọn between: ident nhưng chưa có tệp nhạc hiệu.",
                                hint="ghi tên tệp ở icecast: ident (hoặc schedule: fallback), hoặc dùng between: silence.")
        self._airing: _Airing | None = None
        self._wake = threading.Condition()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._pulse: _Pulse | None = None
        #: What the operator may want to know: whether the mount is fed, and the last problem.
        self.connected = False
        self.last_error: str | None = None
        #: The server refused the credentials: the next airing tries again, nothing before.
        self.refused = False
        self.filler_problem: str | None = None

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}{self.settings.mount}"

    def condition(self) -> str | None:
        said = [self.filler_problem] if self.filler_problem else []
        if self._thread is not None and not self.connected:
            retry = "lượt phát sau sẽ thử lại" if self.refused else "máy phát đang thử nối lại"
            said.insert(0, f"Luồng Icecast {self.where} đang mất kết nối ({self.last_error or 'đang kết nối'}); "
                           f"{retry}.")
        return " ".join(said) or None

    def unavailable_reason(self) -> str | None:
        # A server that is down now is not a reason to refuse starting: the output keeps
        # trying, and the operator sees the failure on the airing if it lasts.
        return None

    # -- the daemon's lifetime -----------------------------------------------------------
    def open(self, clock: Clock | None = None, stop: threading.Event | None = None) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._closing.clear()
            self._thread = threading.Thread(target=self._feed, name="radio-icecast", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._closing.set()
        with self._wake:
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.timeout_s + 2)
            self._thread = None
        self._disconnect()

    # -- one airing ----------------------------------------------------------------------
    def play(self, sound: Sound, duration_s: float, clock: Clock, stop: threading.Event,
             title: str = "") -> str | None:
        data = sound.data
        frames = mp3_frames(data)
        if not frames:
            raise PlaybackError(f"Tệp {sound.name} không có khung MP3 nào để phát trực tuyến.")
        airing = self._hand_over(lambda: _Airing(data, frames, title or Path(sound.name).stem, time.monotonic(),
                                                 self.zone))
        return self._sent(airing, stop)

    def play_live(self, frames: Iterator[tuple[bytes, float]], clock: Clock, stop: threading.Event,
                  title: str = "") -> str | None:
        """A relay: its frames go out as they come, with its title; a gap of the mount is
        noted as for a programme (what the mount missed is skipped, the relay stays live)."""
        airing = self._hand_over(lambda: _Airing(b"", [], title or "Tiếp sóng", time.monotonic(), self.zone,
                                                 live=deque()))
        for frame in frames:
            airing.live.append(frame)
            if stop.is_set() or not self._thread.is_alive():
                airing.cancelled = True
                break
        airing.live_ended = True
        return self._sent(airing, stop)

    def _hand_over(self, make: Callable[[], "_Airing"]) -> "_Airing":
        """The connection opened, then the airing made (its clock starts once connected) and
        given to the feeder thread with its title."""
        feeding = self._thread is not None and self._thread.is_alive()
        self.open()
        airing = make()
        if feeding and not self.connected:  # down already: the gap starts with the airing
            airing.lost(self.last_error or "chưa kết nối được")
        self._announce(airing.title)
        with self._wake:
            self._airing = airing
            self._wake.notify_all()
        return airing

    def _sent(self, airing: "_Airing", stop: threading.Event) -> str | None:
        """Wait until the feeder has sent ``airing`` (or it is cut); its note, or why nothing went out."""
        while not airing.done.wait(0.1):
            if stop.is_set():
                airing.cancelled = True
            if not self._thread.is_alive():  # the feeder failed: say so rather than wait forever
                break
        if not airing.sent_any:
            raise PlaybackError(f"Không phát được lên máy chủ Icecast {self.where}: "
                                f"{airing.last_error or 'không kết nối được'}.",
                                hint="kiểm tra máy chủ Icecast đang chạy, địa chỉ, cổng và mật khẩu ở mục icecast: của station.yaml.")
        return airing.note()

    # -- the feeder thread ---------------------------------------------------------------
    def _feed(self) -> None:
        """The feeder's loop, with a last line of defence: whatever breaks in it ends the
        airing under way with the reason, and the next airing starts a new feeder."""
        try:
            self._stream()
        except Exception as exc:  # noqa: BLE001 - the player must hear about it, not hang
            why = f"lỗi trong luồng phát ({type(exc).__name__}: {exc})"
            self.last_error = why
            airing = self._airing
            if airing is not None:
                airing.lost(why)
                airing.cancelled = True
            self._disconnect()

    def _stream(self) -> None:
        filler = self._filler()
        wait = 0.5
        started = sent = 0.0
        refused_airing: _Airing | None = None
        while not self._closing.is_set():
            airing = self._airing
            if airing is not None and self._over(airing):
                continue
            if self._socket is None:
                if self.refused and (airing is None or airing is refused_airing):
                    with self._wake:  # refused credentials do not right themselves: wait for an airing
                        self._wake.wait(0.1)
                    continue
                try:
                    self._connect()
                except (OSError, _Refused) as exc:
                    self._lost(airing, exc)
                    if isinstance(exc, _Refused) and exc.lasting:
                        self.refused, refused_airing = True, airing
                        continue
                    with self._wake:  # an airing handed over cuts the wait short
                        self._wake.wait(wait)
                    wait = min(wait * 2, self.settings.reconnect_max_s)
                    continue
                wait, started, sent = 0.5, time.monotonic(), 0.0
                if airing is not None:
                    airing.back()
                    self._announce(airing.title)
            ahead = sent - (time.monotonic() - started)
            if ahead > self.settings.lead_s:
                with self._wake:
                    self._wake.wait(min(ahead - self.settings.lead_s, 0.05))
                continue
            if self._pulse.quiet_s() > self.settings.timeout_s:
                self._stalled(airing, self._pulse.heard_at)
                continue
            got = self._next_chunk(airing, filler)
            if got is None:
                with self._wake:
                    self._wake.wait(0.01)
                continue
            chunk, seconds = got
            try:
                if self._server_closed():
                    raise ConnectionResetError("máy chủ đóng kết nối")
                self._socket.sendall(chunk)
            except TimeoutError:
                self._stalled(airing, time.monotonic() - self.settings.timeout_s)
                continue
            except OSError as exc:
                self._disconnect()
                self._lost(airing, exc)
                continue
            sent += seconds

    def _next_chunk(self, airing: _Airing | None, filler: Iterator[tuple[bytes, float]]):
        if airing is None:
            return next(filler)
        if airing.live is not None:
            return self._next_live(airing)
        frames = airing.frames
        if airing.resync:  # frames whose time passed while the mount was down are skipped, not sent late
            position = time.monotonic() - airing.began
            while airing.next_frame < len(frames) and airing.offset + frames[airing.next_frame][2] < position:
                airing.offset += frames[airing.next_frame][2]
                airing.next_frame += 1
            airing.resync = False
        if airing.next_frame >= len(frames):
            return next(filler)  # the last frames are on their way; the stream goes on
        at, length, seconds = frames[airing.next_frame]
        airing.next_frame += 1
        airing.offset += seconds
        airing.sent_any = True
        return airing.data[at:at + length], seconds

    def _next_live(self, airing: _Airing) -> tuple[bytes, float] | None:
        """A relay's next frame, or ``None`` while it is on its way: the relay paces itself
        and is never padded with filler (its own silence covers its own gaps)."""
        pending = airing.live
        if airing.resync:  # what the mount missed while it was down is skipped, as for a programme
            position = time.monotonic() - airing.began
            while pending and airing.offset + pending[0][1] < position:
                airing.offset += pending.popleft()[1]
            airing.resync = False
        if not pending:
            return None
        chunk, seconds = pending.popleft()
        airing.offset += seconds
        airing.sent_any = True
        return chunk, seconds

    def _over(self, airing: _Airing) -> bool:
        """An airing ends on its own clock (or when the player stops); the filler follows.
        While the mount is up every frame is sent, a late tail included (a busy machine);
        frames still due when the mount is down at the end are part of the gap."""
        if airing.live is not None and not airing.cancelled:
            if not airing.live_ended or (airing.live and self._socket is not None):
                return False
        elif not airing.cancelled:
            if time.monotonic() - airing.began < airing.length_s:
                return False
            if self._socket is not None and airing.next_frame < len(airing.frames):
                return False
        with self._wake:
            if self._airing is airing:
                self._airing = None
        self._announce(self.stream_name)
        airing.done.set()
        return True

    def _stalled(self, airing: _Airing | None, since: float) -> None:
        """The server took nothing for ``timeout_s``: the connection is dropped like a lost
        one (reset, so what is still queued on our side is never delivered late; what the
        server's kernel already holds, ``timeout_s`` of audio at most, is beyond reach), and
        the gap dates from the server's last sign of life."""
        self._disconnect(reset=True)
        why = f"máy chủ ngừng nhận dữ liệu quá {number(self.settings.timeout_s, 1)} giây"
        self._lost(airing, _Stalled(why), since)

    def _lost(self, airing: _Airing | None, exc: Exception, since: float | None = None) -> None:
        why = str(exc) if isinstance(exc, _Refused | _Stalled) else _network_reason(exc)
        self.last_error = why
        if airing is not None:
            airing.lost(why, since)
            if isinstance(exc, _Refused) and exc.lasting and not airing.sent_any:
                airing.cancelled = True  # fail it now: the operator can fix the settings sooner

    # -- the connection ------------------------------------------------------------------
    def _password(self) -> str:
        if self.settings.password is not None:
            return self.settings.password.get_secret_value()
        path = self.station_dir / self.settings.password_file
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise _Refused(f"không đọc được tệp mật khẩu {self.settings.password_file} "
                           f"({getattr(exc, 'strerror', None) or 'không phải văn bản'})", 0) from None

    def _credentials(self) -> str:
        pair = f"{self.settings.user}:{self._password()}"
        return base64.b64encode(pair.encode("utf-8")).decode("ascii")

    def _connect(self) -> None:
        s = self.settings
        sock = socket.create_connection((s.host, s.port), timeout=s.timeout_s)
        headers = {
            "Host": f"{s.host}:{s.port}", "Authorization": f"Basic {self._credentials()}",
            "User-Agent": "radio (chuyen muc CCHC)", "Content-Type": "audio/mpeg",
            "Ice-Public": "1" if s.public else "0", "Ice-Name": self.stream_name,
            "Ice-Description": s.description or self.stream_name,
            "Ice-Audio-Info": f"channels=1;samplerate={self.rate};bitrate={self.kbps}",
            "Expect": "100-continue",
        }
        request = f"PUT {s.mount} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        try:
            sock.sendall(request.encode("utf-8"))
            answer = b""
            while b"\r\n\r\n" not in answer and len(answer) < 8192:
                part = sock.recv(1024)
                if not part:
                    break
                answer += part
        except OSError:
            sock.close()
            raise
        status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
        parts = status_line.split()
        code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if code not in (100, 200):
            sock.close()
            raise _Refused(_REFUSALS.get(code, f"máy chủ trả lời '{status_line or 'không gì cả'}'"), code)
        sock.settimeout(s.timeout_s)  # a send blocked this long is a stall
        self._socket, self.connected, self.last_error, self.refused = sock, True, None, False
        self._pulse = _Pulse(s.host, s.port, s.timeout_s)

    def _server_closed(self) -> bool:
        """Icecast says nothing while it takes a stream, except a late "200 OK" after its
        "100 Continue"; anything readable is read, and only an end of stream means it left."""
        while select.select([self._socket], [], [], 0)[0]:
            if not self._socket.recv(4096):
                return True
        return False

    def _disconnect(self, reset: bool = False) -> None:
        if self._pulse is not None:
            self._pulse.stop()
        if self._socket is not None:
            try:
                if reset:  # close at once, dropping what the kernel still holds for the server
                    self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self._socket.close()
            except OSError:
                pass
        self._socket, self._pulse, self.connected = None, None, False

    def _announce(self, title: str) -> None:
        """The stream's title (what players show); in a thread, so a slow admin request never
        holds the audio back. Failing to set it is not worth an error."""
        s = self.settings
        query = urllib.parse.urlencode({"mount": s.mount, "mode": "updinfo", "song": title, "charset": "UTF-8"})

        def send() -> None:
            try:
                request = urllib.request.Request(f"http://{s.host}:{s.port}/admin/metadata?{query}",
                                                 headers={"Authorization": f"Basic {self._credentials()}"})
                urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=s.timeout_s).close()
            except Exception:  # noqa: BLE001 - the title is a courtesy, the audio is what matters
                pass

        threading.Thread(target=send, name="radio-icecast-title", daemon=True).start()

    # -- between airings -----------------------------------------------------------------
    def _filler(self) -> Iterator[tuple[bytes, float]]:
        silence = self._encoded(None, 2.0)
        ident: list[tuple[bytes, float]] = []
        self.filler_problem = None
        if self.ident:
            try:
                ident = self._encoded(self.ident, None)
            except PlaybackError as exc:  # a broken ident costs the ident, not the stream
                self.filler_problem = f"{exc.message} Giữa các lượt phát, luồng phát im lặng."
        every = self.settings.ident_every_min * 60
        while True:
            for chunk in ident:
                yield chunk
            played = sum(seconds for _, seconds in ident)
            while not ident or played < every:
                for chunk in silence:
                    yield chunk
                    played += chunk[1]

    def _encoded(self, source: Path | None, seconds: float | None) -> list[tuple[bytes, float]]:
        """Filler encoded once as the programmes are (rate, bitrate, mono), so the stream's
        format never changes under a loudspeaker's decoder."""
        if source is None:
            inputs = ["-f", "s16le", "-ar", str(self.rate), "-ac", "1", "-i", "pipe:0"]
            feed = bytes(int(self.rate * seconds) * 2)
        else:
            inputs, feed = ["-i", str(source)], b""
        result = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-nostdin", *inputs, "-ac", "1", "-ar", str(self.rate),
             "-c:a", "libmp3lame", "-b:a", f"{self.kbps}k", "-write_xing", "0", "-id3v2_version", "0",
             "-f", "mp3", "pipe:1"], input=feed, capture_output=True, check=False)
        frames = mp3_frames(result.stdout) if result.returncode == 0 else []
        if not frames:
            raise PlaybackError(f"Không đọc được tệp nhạc hiệu {source.name if source else ''} cho luồng Icecast.")
        return [(result.stdout[at:at + length], secs) for at, length, secs in frames]


def _network_reason(exc: Exception) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "máy chủ không trả lời kịp"
    if isinstance(exc, ConnectionRefusedError):
        return "máy chủ không nhận kết nối (chưa chạy, hoặc sai cổng)"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "máy chủ đóng kết nối"
    if isinstance(exc, socket.gaierror):
        return "không tìm thấy địa chỉ máy chủ"
    return f"lỗi mạng ({exc.strerror or type(exc).__name__})" if isinstance(exc, OSError) else str(exc)


class IcecastPlugin(Plugin):
    name = "icecast"
    settings = IcecastSettings
    about = "đầu ra icecast: phát trực tuyến tới loa IP, loa 4G qua máy chủ Icecast"

    def setup(self, registry: Registry) -> None:
        registry.add("output", "icecast", IcecastOutput,
                     about="phát trực tuyến qua Icecast tới loa IP, cấu hình ở mục icecast: của station.yaml",
                     options=IcecastSettings)  # a zone's own mount over the section


plugin = IcecastPlugin()
