"""Where the player sends sound: behind one small Protocol, like Mopidy's audio outputs.

``system`` plays on this computer's sound card (ffplay, or aplay fed by ffmpeg); ``file``
writes what would be played into a folder (for tests, and for stations that upload to a
vendor's smart-loudspeaker platform); ``null`` plays in real time without a device, after
decoding the whole file so a broken file fails as it would on air.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

from radio.audio.ffmpeg import ffmpeg_exe
from radio.errors import RadioError
from radio.fileio import write_text


class PlaybackError(RadioError):
    """The output could not play a file."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        """Wait ``seconds`` or until ``stop`` is set."""


class Output(Protocol):
    name: str

    def unavailable_reason(self) -> str | None: ...

    def play(self, path: Path, duration_s: float, clock: Clock, stop: threading.Event) -> None:
        """Play ``path`` to its end (or until ``stop``); raise ``PlaybackError`` on failure."""


def _decode_check(path: Path) -> None:
    result = subprocess.run([ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-f", "null", "-"],
                            capture_output=True, text=True, check=False)
    errors = result.stderr.strip().splitlines()
    if result.returncode != 0 or errors:
        raise PlaybackError(f"Tệp {path.name} không giải mã được ({errors[-1] if errors else result.returncode}).")


class NullOutput:
    name = "null"

    def unavailable_reason(self) -> str | None:
        return None

    def play(self, path: Path, duration_s: float, clock: Clock, stop: threading.Event) -> None:
        _decode_check(path)
        clock.sleep(duration_s, stop)


class FileOutput:
    name = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def unavailable_reason(self) -> str | None:
        return None

    def play(self, path: Path, duration_s: float, clock: Clock, stop: threading.Event) -> None:
        _decode_check(path)
        started = clock.now()
        target = self.folder / f"{started:%Y%m%d-%H%M%S}-{path.name}"
        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        log = self.folder / "played.jsonl"
        line = json.dumps({"at": started.isoformat(), "file": target.name, "source": str(path),
                           "duration_s": duration_s}, ensure_ascii=False)
        previous = log.read_text(encoding="utf-8") if log.exists() else ""
        write_text(log, previous + line + "\n")


class SystemOutput:
    name = "system"

    def unavailable_reason(self) -> str | None:
        if shutil.which("ffplay") or shutil.which("aplay"):
            return None
        return ("Máy không có chương trình phát âm thanh (ffplay hoặc aplay). Cài gói ffmpeg hoặc "
                "alsa-utils của hệ điều hành, hoặc dùng --output file.")

    def play(self, path: Path, duration_s: float, clock: Clock, stop: threading.Event) -> None:
        reason = self.unavailable_reason()
        if reason:
            raise PlaybackError(reason)
        if shutil.which("ffplay"):
            processes = [subprocess.Popen(["ffplay", "-nodisp", "-autoexit", "-loglevel", "error", str(path)],
                                          stderr=subprocess.PIPE)]
        else:
            decoder = subprocess.Popen([ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path),
                                        "-f", "wav", "-"], stdout=subprocess.PIPE)
            processes = [decoder, subprocess.Popen(["aplay", "-q"], stdin=decoder.stdout,
                                                   stderr=subprocess.PIPE)]
        while processes[-1].poll() is None:
            if stop.wait(0.2):
                for process in processes:
                    process.terminate()
                break
        for process in processes:
            process.wait()
        if not stop.is_set() and processes[-1].returncode != 0:
            raise PlaybackError(f"Thiết bị âm thanh báo lỗi khi phát {path.name} "
                                f"(mã {processes[-1].returncode}).")


def output_factories(station_dir: Path) -> dict[str, Callable[[], Output]]:
    """Built-in outputs, plus any another package registers in the ``radio.outputs``
    entry-point group (a class taking the station folder), e.g. a vendor's loudspeaker API."""
    found: dict[str, Callable[[], Output]] = {
        "system": SystemOutput, "null": NullOutput,
        "file": lambda: FileOutput(station_dir / "played")}
    for ep in entry_points(group="radio.outputs"):
        found.setdefault(ep.name, lambda ep=ep: ep.load()(station_dir))
    return found


def get_output(name: str, station_dir: Path) -> Output:
    outputs = output_factories(station_dir)
    if name not in outputs:
        raise PlaybackError(f"Không có đầu ra '{name}'.", hint=f"dùng một trong: {', '.join(outputs)}.")
    return outputs[name]()
