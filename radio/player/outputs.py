"""Where the player sends sound: behind one small Protocol, like Mopidy's audio outputs,
registered through ``radio.plugins`` (these built-in ones as the ``outputs`` plugin).

``system`` plays on this computer's sound card (ffplay, or aplay fed by ffmpeg); ``file``
writes what would be played into a folder (for tests, and for stations that upload to a
vendor's smart-loudspeaker platform); ``null`` plays in real time without a device, after
decoding the whole file so a broken file fails as it would on air. ``icecast`` (its own
plugin, ``radio.player.icecast``) streams to IP loudspeakers. Several outputs at once are
one ``Outputs``: each airing plays on all of them together.
"""
from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import Field

from radio.audio.ffmpeg import ffmpeg_exe
from radio.errors import RadioError
from radio.fileio import atomic_path, write_bytes, write_text
from radio.models import Model, Station
from radio.plugins import Plugin, PluginError, Registry, find_part
from radio.store import ZoneReach


class PlaybackError(RadioError):
    """The output could not play a file."""


@dataclass(frozen=True)
class Sound:
    """What an output airs: the bytes the player read once and verified, never the file again
    (a file replaced between the check and the airing must not reach the loudspeakers)."""
    name: str  # where it was read (relative to the station folder), for messages and copies
    data: bytes
    audio_sha256: str  # of ``data``'s MPEG frames: what the as-run log records


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        """Wait ``seconds`` or until ``stop`` is set."""


class Output(Protocol):
    name: str

    def unavailable_reason(self) -> str | None: ...

    def play(self, sound: Sound, duration_s: float, clock: Clock, stop: threading.Event,
             title: str = "") -> str | None:
        """Play ``sound`` to its end (or until ``stop``); raise ``PlaybackError`` on failure.
        Only ``sound.data`` may be aired: an output never opens the programme's file again.
        Returns a note for the as-run log when the airing went through with a problem (a
        stream that dropped and came back), else ``None``."""

    # Optional: ``play_live(frames, clock, stop, title)`` plays a relay (radio/player/relay.py):
    # MP3 frames ``(bytes, seconds)`` of the station's format, handed over as their time comes,
    # until the iterator ends; it returns a note like ``play``.
    # Optional: ``open(clock, stop)`` when the daemon starts (a stream that must carry the
    # station ident between airings connects there), ``close()`` when it ends, and
    # ``condition()``: a sentence for ``radio player status`` when something is wrong.


def _decode_check(sound: Sound) -> None:
    result = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", "pipe:0", "-f", "null", "-"],
                            input=sound.data, capture_output=True, check=False)
    errors = result.stderr.decode("utf-8", "replace").strip().splitlines()
    if result.returncode != 0 or errors:
        raise PlaybackError(f"Tệp {sound.name} không giải mã được ({errors[-1] if errors else result.returncode}).")


class NullOutput:
    name = "null"

    def __init__(self, settings: None = None, station_dir: Path | None = None) -> None:
        pass

    def unavailable_reason(self) -> str | None:
        return None

    def play(self, sound: Sound, duration_s: float, clock: Clock, stop: threading.Event,
             title: str = "") -> None:
        _decode_check(sound)
        clock.sleep(duration_s, stop)

    def play_live(self, frames: Iterator[tuple[bytes, float]], clock: Clock, stop: threading.Event,
                  title: str = "") -> None:
        for _ in frames:  # the relay paces itself
            pass


class FileOptions(Model):
    """What a zone's ``file`` output may set: the folder it writes into (relative to the
    station folder, or a vendor's upload share)."""
    folder: str = Field(default="played", min_length=1)


class FileOutput:
    name = "file"

    def __init__(self, settings: FileOptions | None, station_dir: Path) -> None:
        self.folder = Path(station_dir) / (settings.folder if settings else "played")

    def unavailable_reason(self) -> str | None:
        return None

    def play(self, sound: Sound, duration_s: float, clock: Clock, stop: threading.Event,
             title: str = "") -> None:
        _decode_check(sound)
        started = clock.now()
        target = self.folder / f"{started:%Y%m%d-%H%M%S}-{Path(sound.name).name}"
        write_bytes(target, sound.data)
        line = json.dumps({"at": started.isoformat(), "file": target.name, "source": sound.name,
                           "audio_sha256": sound.audio_sha256, "duration_s": duration_s},
                          ensure_ascii=False)
        self._log(line)

    def _log(self, line: str) -> None:
        log = self.folder / "played.jsonl"
        previous = log.read_text(encoding="utf-8") if log.exists() else ""
        write_text(log, previous + line + "\n")

    def play_live(self, frames: Iterator[tuple[bytes, float]], clock: Clock, stop: threading.Event,
                  title: str = "") -> None:
        """A relay recorded as it goes out, one MP3 file (complete once the relay ends)."""
        started = clock.now()
        target = self.folder / f"{started:%Y%m%d-%H%M%S}-tiep-song.mp3"
        seconds = 0.0
        with atomic_path(target) as partial, open(partial, "wb") as recording:
            for chunk, length in frames:
                recording.write(chunk)
                seconds += length
        self._log(json.dumps({"at": started.isoformat(), "file": target.name, "source": title, "relay": True,
                              "duration_s": round(seconds, 3)}, ensure_ascii=False))


class SystemOutput:
    name = "system"

    def __init__(self, settings: None = None, station_dir: Path | None = None) -> None:
        pass

    def unavailable_reason(self) -> str | None:
        if shutil.which("ffplay") or shutil.which("aplay"):
            return None
        return ("Máy không có chương trình phát âm thanh (ffplay hoặc aplay). Cài gói ffmpeg hoặc "
                "alsa-utils của hệ điều hành, hoặc dùng --output file.")

    def play(self, sound: Sound, duration_s: float, clock: Clock, stop: threading.Event,
             title: str = "") -> None:
        processes = self._player()
        _feed_stdin(processes[0], sound.data)
        while processes[-1].poll() is None:
            if stop.wait(0.2):
                for process in processes:
                    process.terminate()
                break
        for process in processes:
            process.wait()
        if not stop.is_set() and processes[-1].returncode != 0:
            raise PlaybackError(f"Thiết bị âm thanh báo lỗi khi phát {sound.name} "
                                f"(mã {processes[-1].returncode}).")

    def play_live(self, frames: Iterator[tuple[bytes, float]], clock: Clock, stop: threading.Event,
                  title: str = "") -> None:
        processes = self._player(live=True)
        _live_to_process(processes[0], frames)
        for process in processes:
            process.wait()

    def _player(self, live: bool = False) -> list[subprocess.Popen]:
        """The processes that play MP3 bytes written to the first one's stdin on the sound
        card: ffplay (without buffering ahead for a live relay), or ffmpeg decoding into aplay.
        Both end when their input does."""
        reason = self.unavailable_reason()
        if reason:
            raise PlaybackError(reason)
        if shutil.which("ffplay"):
            live_flags = ["-fflags", "nobuffer"] if live else []
            return [subprocess.Popen(["ffplay", "-nodisp", "-autoexit", "-loglevel", "error", *live_flags,
                                      "-i", "pipe:0"], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)]
        decoder = subprocess.Popen([ffmpeg_exe(), "-v", "error", "-i", "pipe:0", "-f", "wav", "-"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        player = subprocess.Popen(["aplay", "-q"], stdin=decoder.stdout, stderr=subprocess.DEVNULL)
        decoder.stdout.close()  # aplay holds the pipe: it sees the end when the decoder ends
        return [decoder, player]


def _live_to_process(process: subprocess.Popen, frames: Iterator[tuple[bytes, float]]) -> None:
    try:
        for chunk, _ in frames:
            process.stdin.write(chunk)
            process.stdin.flush()
    except (BrokenPipeError, OSError):
        for _ in frames:  # the relay goes on; this output has stopped
            pass
    finally:
        try:
            process.stdin.close()
        except OSError:
            pass


def _feed_stdin(process: subprocess.Popen, data: bytes) -> None:
    """Hand the verified bytes to a player process from a thread, so the caller can still
    watch for ``stop`` while the process reads at its own pace."""
    def feed() -> None:
        try:
            process.stdin.write(data)
        except (BrokenPipeError, OSError):
            pass  # the player was stopped or failed; its return code tells which
        finally:
            try:
                process.stdin.close()
            except OSError:
                pass

    threading.Thread(target=feed, name="radio-out-feed", daemon=True).start()


class Outputs:
    """Several outputs as one (a sound card and a stream): each airing plays on all of them
    at once. It fails only when every output failed; one output's failure is the note.

    With loudspeaker zones (station.yaml ``zones``) each zone has its outputs among them,
    and ``play_zones`` airs only on the outputs of the zones an airing targets."""

    def __init__(self, outputs: list[Output], zones: dict[str, list[Output]] | None = None) -> None:
        self.outputs = outputs
        self.zones = zones or {}
        self.name = "+".join(output.name for output in outputs)

    def unavailable_reason(self) -> str | None:
        reasons = [f"{o.name}: {r}" for o in self.outputs if (r := o.unavailable_reason())]
        return "; ".join(reasons) or None

    def open(self, clock: Clock, stop: threading.Event) -> None:
        for output in self.outputs:
            if hasattr(output, "open"):
                output.open(clock, stop)

    def close(self) -> None:
        for output in self.outputs:
            if hasattr(output, "close"):
                output.close()

    def condition(self) -> str | None:
        said = [c for o in self.outputs if hasattr(o, "condition") and (c := o.condition())]
        return " ".join(said) or None

    def play(self, sound: Sound, duration_s: float, clock: Clock, stop: threading.Event,
             title: str = "") -> str | None:
        if len(self.outputs) == 1:
            return self.outputs[0].play(sound, duration_s, clock, stop, title)
        notes, failures = _play_on(self.outputs, sound, duration_s, clock, stop, title)
        said = _said(notes, failures)
        if len(failures) == len(self.outputs):
            raise PlaybackError(said)
        return said or None

    def play_zones(self, targets: tuple[str, ...], sound: Sound, duration_s: float, clock: Clock,
                   stop: threading.Event, title: str = "") -> tuple[str | None, tuple[ZoneReach, ...] | None]:
        """Play on the outputs of the ``targets`` zones (every zone when empty) and say where
        it went, zone by zone; without zones, ``play`` on everything. A zone named by an
        airing but gone from station.yaml is recorded as not reached. Raises
        ``PlaybackError`` (with ``reach``) when no targeted output played."""
        if not self.zones:
            return self.play(sound, duration_s, clock, stop, title), None
        return self._to_zones(targets, lambda chosen: _play_on(chosen, sound, duration_s, clock, stop, title))

    def play_live(self, frames: Iterator[tuple[bytes, float]], clock: Clock, stop: threading.Event,
                  title: str = "") -> str | None:
        """A relay on every output: each gets every frame through a queue of its own."""
        if len(self.outputs) == 1:
            return _live_on(self.outputs[0], frames, clock, stop, title)
        notes, failures = _live_on_each(self.outputs, frames, clock, stop, title)
        said = _said(notes, failures)
        if len(failures) == len(self.outputs):
            raise PlaybackError(said)
        return said or None

    def play_live_zones(self, targets: tuple[str, ...], frames: Iterator[tuple[bytes, float]], clock: Clock,
                        stop: threading.Event, title: str = "") -> tuple[str | None, tuple[ZoneReach, ...] | None]:
        """A relay on the outputs of the ``targets`` zones, said zone by zone as ``play_zones``."""
        if not self.zones:
            return self.play_live(frames, clock, stop, title), None
        return self._to_zones(targets, lambda chosen: _live_on_each(chosen, frames, clock, stop, title))

    def _to_zones(self, targets: tuple[str, ...], play) -> tuple[str | None, tuple[ZoneReach, ...]]:
        wanted = list(dict.fromkeys(targets)) or list(self.zones)
        chosen = list({id(o): o for zone in wanted for o in self.zones.get(zone, ())}.values())
        notes, failures = play(chosen) if chosen else ({}, {})
        reach = tuple(
            ZoneReach(zone, tuple(o.name for o in self.zones[zone] if o.name not in failures),
                      tuple((o.name, failures[o.name]) for o in self.zones[zone] if o.name in failures))
            if zone in self.zones else ZoneReach(zone, (), (("", GONE_ZONE),))
            for zone in wanted)
        said = _said(notes, failures)
        if not any(r.reached for r in reach):
            gone = [r.zone for r in reach if r.zone not in self.zones]
            error = PlaybackError(said or f"Không vùng nào được nhắm tới còn trong station.yaml ({', '.join(gone)}).")
            error.reach = reach
            raise error
        return said or None, reach


GONE_ZONE = "vùng không còn trong station.yaml"


def _play_on(outputs: list[Output], sound: Sound, duration_s: float, clock: Clock, stop: threading.Event,
             title: str) -> tuple[dict[str, str | None], dict[str, str]]:
    """Each output in a thread of its own; returns the notes and the failures by output name."""
    return _on_each(outputs, lambda output: output.play(sound, duration_s, clock, stop, title))


def _on_each(outputs: list[Output], play) -> tuple[dict[str, str | None], dict[str, str]]:
    notes: dict[str, str | None] = {}
    failures: dict[str, str] = {}

    def play_on(output: Output) -> None:
        try:
            notes[output.name] = play(output)
        except PlaybackError as exc:
            failures[output.name] = exc.message
        except Exception as exc:  # one broken output must not silence the others
            failures[output.name] = f"{type(exc).__name__}: {exc}"

    if len(outputs) == 1:  # no thread for one output (most airings of a one-output zone)
        play_on(outputs[0])
        return notes, failures
    threads = [threading.Thread(target=play_on, args=(o,), name=f"radio-out-{o.name}") for o in outputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return notes, failures


def _live_on_each(outputs: list[Output], frames: Iterator[tuple[bytes, float]], clock: Clock,
                  stop: threading.Event, title: str) -> tuple[dict[str, str | None], dict[str, str]]:
    """A relay on several outputs, each fed every frame through a queue of its own."""
    queues = {id(output): queue.SimpleQueue() for output in outputs}

    def share() -> None:
        for frame in frames:
            for each in queues.values():
                each.put(frame)
        for each in queues.values():
            each.put(None)

    sharing = threading.Thread(target=share, name="radio-out-share", daemon=True)
    sharing.start()
    try:
        return _on_each(outputs, lambda output: _live_on(output, iter(queues[id(output)].get, None),
                                                         clock, stop, title))
    finally:
        sharing.join()  # it drains the relay's frames even when no output takes them


def _said(notes: dict[str, str | None], failures: dict[str, str]) -> str:
    said = [f"đầu ra {name} lỗi: {why}" for name, why in failures.items()]
    said += [f"{name}: {note}" for name, note in notes.items() if note]
    return "; ".join(said)


def _live_on(output: Output, frames: Iterator[tuple[bytes, float]], clock: Clock, stop: threading.Event,
             title: str) -> str | None:
    """One output's part of a relay; the frames are drained whatever happens, so the
    relay and the other outputs never wait for an output that failed."""
    try:
        if not hasattr(output, "play_live"):
            raise PlaybackError(f"đầu ra {output.name} chưa phát được chương trình tiếp sóng")
        return output.play_live(frames, clock, stop, title)
    finally:
        for _ in frames:
            pass


class OutputsPlugin(Plugin):
    name = "outputs"
    about = "đầu ra có sẵn: system (loa của máy), file (chép tệp), null (chạy thử)"

    def setup(self, registry: Registry) -> None:
        registry.add("output", "system", SystemOutput, about="loa của máy tính")
        registry.add("output", "file", FileOutput, about="chép tệp vào thư mục played", options=FileOptions)
        registry.add("output", "null", NullOutput, about="chạy thử, không ra tiếng")


plugin = OutputsPlugin()


def get_outputs(names: list[str], station_dir: Path, station: Station | None = None) -> Outputs:
    """The outputs called ``names`` (each once), built with their plugins' settings."""
    from radio.station import load_station, plugin_settings

    station = station or load_station(station_dir)
    built = []
    for name in dict.fromkeys(names):
        try:
            part = find_part("output", name)
        except PluginError as exc:
            raise PlaybackError(f"Không có đầu ra '{name}'.", hint=exc.hint) from None
        built.append(part.build(plugin_settings(station, part.plugin), station_dir))
    if not built:
        raise PlaybackError("Chưa chọn đầu ra nào.", hint="ví dụ --output system hoặc --output system,icecast.")
    return Outputs(built)


def zone_outputs(station_dir: Path, station: Station | None = None) -> Outputs:
    """The outputs of the station's zones (station.yaml ``zones``), each built once with the
    settings its zone gives it, and named as the as-run log names it (``icecast:/thon-dong``)."""
    from radio.station import load_station

    station = station or load_station(station_dir)
    built: dict[str, Output] = {}
    zones: dict[str, list[Output]] = {}
    for zone in station.zones:
        for found in station._zone_outputs.get(zone.id, []):
            if found.label not in built:
                output = found.part.build(found.settings, station_dir)
                output.name = found.label
                built[found.label] = output
            zones.setdefault(zone.id, []).append(built[found.label])
    if not built:
        raise PlaybackError("Đài chưa chia vùng phát (mục zones trong station.yaml).",
                            hint="chọn đầu ra bằng --output, ví dụ --output system.")
    return Outputs(list(built.values()), zones)
