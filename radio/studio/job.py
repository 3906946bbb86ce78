"""A production started from the studio, run in its own process so the web server's pages
stay quick (no shared interpreter lock) and a page reload reads the progress from a file.

Run as ``python -m radio.studio.job STATION_DIR MONTH PROGRESS_FILE [--use-stale]``; the voices
page's listening check as ``python -m radio.studio.job --listen STATION_DIR RESULT_FILE SENTENCE [VOICE…]``."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from radio.errors import RadioError
from radio.fileio import write_json


# How long each stage takes, as a share of a whole production's wall time: measured on the
# sample month (13 segments, the offline eSpeak voice, no cache; 2026-12-04, after the mixer
# began working while sentences are read): synthesis, with the mix alongside, 1.15 s; the
# mix's end 0.15 s; mastering and MP3 3.5 s; the manifest and versions after it. Counting
# items instead put the bar at 97 % once the hundred sentences were spoken, with three
# quarters of the time still to come. A voice download happens once per machine and varies
# with the line; it gets a large share when it runs.
SYNTHESIS, MIX, MASTER, DOWNLOAD = ("Tổng hợp giọng đọc", "Trộn âm thanh", "Chuẩn hoá âm lượng và xuất MP3",
                                    "Tải giọng đọc")
STAGE_WEIGHTS = {DOWNLOAD: 0.30, SYNTHESIS: 0.23, MIX: 0.03, MASTER: 0.71}
EXPECTED = (SYNTHESIS, MIX, MASTER)  # every production; a download only when a voice is missing
AFTER_STAGES = 0.03  # the manifest, versions and cache written after the last stage
UNKNOWN_STAGE = 0.05


class FileProgress:
    """The stages' Progress protocol, written to a JSON file at most a few times a second,
    with when each stage started and finished (so the page can weigh stages by time)."""

    def __init__(self, path: Path, clock=time.time) -> None:
        self.path, self.stages, self.times, self.written, self.clock = path, {}, {}, 0.0, clock
        self.began = clock()

    def start(self, stage: str, total: int) -> None:
        self.stages.setdefault(stage, [0, total])[1] = total
        self.times.setdefault(stage, [self.clock(), None])
        self.save()

    def advance(self, stage: str, amount: int = 1) -> None:
        self.stages[stage][0] += amount
        self.save(throttle=True)

    def finish(self, stage: str) -> None:
        self.stages[stage][0] = self.stages[stage][1]
        self.times.setdefault(stage, [self.clock(), None])[1] = self.clock()
        self.save()

    def save(self, *, throttle: bool = False, **end) -> None:
        now = time.monotonic()
        if throttle and now - self.written < 0.25:
            return
        self.written = now
        write_json(self.path, {"stages": self.stages, "times": self.times, "began": self.began,
                               "done": False, **end})


def percent(state: dict, now: float) -> int:
    """How far a production is, weighted by each stage's measured share of the time. Within
    a running stage, its counted items move the bar, and so does time: the stage is expected
    to take its share at the pace the finished stages went (never past 95 % of it on time alone)."""
    if state.get("done"):
        return 100
    stages, times = state.get("stages", {}), state.get("times", {})
    order = [*[s for s in stages if s not in EXPECTED], *EXPECTED]
    weights = {s: STAGE_WEIGHTS.get(s, UNKNOWN_STAGE) for s in order}
    if DOWNLOAD not in stages:
        weights.pop(DOWNLOAD, None)
    whole = sum(weights.values()) + AFTER_STAGES
    began, done = state.get("began"), 0.0
    for stage, weight in weights.items():
        if stage not in stages:
            continue
        counted, total = stages[stage]
        share = min(counted, total) / total if total else 0.0
        started, finished = (times.get(stage) or [None, None])
        if finished is not None:
            share = 1.0
        elif started is not None and began is not None and done > 0 and started > began:
            pace = (started - began) / done  # seconds per unit of weight so far
            share = max(share, min(0.95, (now - started) / (pace * weight)))
        done += weight * share
    return min(99, round(100 * done / whole))


def read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class JobState:
    """One reading of a production's progress file."""
    stages: dict
    done: bool
    error: str | None
    result: str | None
    raw: dict | None = None  # the whole progress file, for the time each stage took

    @property
    def percent(self) -> int:
        return percent({**(self.raw or {"stages": self.stages}), "done": self.done}, time.time())


@dataclass
class Job:
    """A production running in its own process; its progress file is read on every page."""
    month: str
    started_by: str
    progress_file: Path
    process: subprocess.Popen | None = None

    def state(self) -> JobState:
        state = read(self.progress_file) or {"stages": {}, "done": False}
        code = self.process.poll() if self.process is not None else None  # also reaps it
        if not state.get("done") and code not in (None, 0):
            state.update(done=True, error="Tiến trình sản xuất dừng đột ngột; hãy thử lại.")
        return JobState(state.get("stages", {}), bool(state.get("done")), state.get("error"),
                        state.get("result"), state)


class Jobs:
    """The productions the studio started, at most one running per station and month."""

    def __init__(self) -> None:
        self._jobs: dict[tuple[str, str], Job] = {}
        self._listening: dict[tuple[str, str], Listening] = {}
        self._lock = threading.Lock()

    def get(self, station: str, month: str) -> Job | None:
        return self._jobs.get((station, month))

    def listening(self, station: str, folder: Path) -> Listening:
        """The listening check this server started, or the last one's result file."""
        return self._listening.get((station, LISTEN_FILE)) or listening(folder)

    def start(self, station: str, folder: Path, month: str, started_by: str, *, use_stale: bool) -> bool:
        """Start producing ``month`` of the station ``folder`` (served as ``station``); False
        when a production of that month is still running (the officer sees its page)."""
        key = (station, month)
        with self._lock:
            if key in self._jobs and not self._jobs[key].state().done:
                return False
            progress = Path(folder) / ".studio" / f"produce-{month}.json"
            progress.parent.mkdir(exist_ok=True)
            progress.unlink(missing_ok=True)
            job = self._jobs[key] = Job(month, started_by, progress)
            job.process = subprocess.Popen(
                [sys.executable, "-m", "radio.studio.job", str(folder), month, str(progress),
                 *(["--use-stale"] if use_stale else [])],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return True


# -- the listening check: the recognizer hears voices, in a process of its own ------------

LISTEN_FILE = "nghe-thu.json"


@dataclass
class Listening:
    """A listening check started from the voices page; its result file is read on every page."""
    result_file: Path
    process: subprocess.Popen | None = None

    def state(self) -> dict | None:
        state = read(self.result_file)
        code = self.process.poll() if self.process is not None else None
        if state is not None and not state.get("done") and code not in (None, 0):
            state.update(done=True, error="Tiến trình nghe thử dừng đột ngột; hãy thử lại.")
        return state


def listening(folder: Path) -> Listening:
    """The station's last listening check (its result file outlives the web server)."""
    return Listening(Path(folder) / ".studio" / LISTEN_FILE)


def start_listening(jobs: Jobs, station: str, folder: Path, voices: list[str], sentence: str | None) -> bool:
    """Have the recognizer hear ``voices`` ("engine:voice"; none: every voice) say
    ``sentence`` (none: radio's everyday sentences); False while a check still runs."""
    with jobs._lock:
        key = (station, LISTEN_FILE)
        running = jobs._listening.get(key)
        if running is not None and not (running.state() or {}).get("done", True):
            return False
        job = jobs._listening[key] = listening(folder)
        job.result_file.parent.mkdir(exist_ok=True)
        write_json(job.result_file, {"done": False, "voices": voices, "sentence": sentence, "began": time.time()})
        job.process = subprocess.Popen(
            [sys.executable, "-m", "radio.studio.job", "--listen", str(folder), str(job.result_file),
             sentence or "", *voices], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return True


def listen_main(station_dir: str, result_file: str, sentence: str, *voices: str) -> int:
    from dataclasses import asdict

    from radio.paths import station_output
    from radio.speech.listen import COMPARE_SENTENCES, compare_voices
    from radio.station import load_station

    folder, out = Path(station_dir), Path(result_file)
    began = time.time()
    asked = {"voices": list(voices), "sentence": sentence or None, "began": began}
    try:
        station = load_station(folder)
        only = {tuple(v.split(":", 1)) for v in voices} if voices else None
        scores = compare_voices(station.speech, folder, station_output(folder) / station.id / ".cache",
                                (sentence,) if sentence else COMPARE_SENTENCES, only)
        write_json(out, {**asked, "done": True, "scores": [asdict(s) for s in scores], "ended": time.time()})
        return 0
    except RadioError as exc:
        write_json(out, {**asked, "done": True, "error": str(exc)})
    except Exception as exc:  # noqa: BLE001 - the page must say it failed, not wait forever
        write_json(out, {**asked, "done": True, "error": f"Lỗi không lường trước khi nghe thử ({type(exc).__name__}: {exc})."})
    return 1


def main(station_dir: str, month: str, progress_file: str, *options: str) -> int:
    from radio.pipeline import produce_month

    progress = FileProgress(Path(progress_file))
    progress.save()
    try:
        production = produce_month(Path(station_dir), month, progress=progress,
                                   use_stale="--use-stale" in options)
        minutes, seconds = divmod(round(production.manifest.audio.duration_s), 60)
        from radio.notify import tell_leaders

        told = tell_leaders(Path(station_dir), month)
        progress.save(done=True, result=f"Đã sản xuất xong: {minutes} phút {seconds:02d} giây."
                      + (f" {told}" if told else ""))
        return 0
    except RadioError as exc:
        progress.save(done=True, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - the page must say it failed, not wait forever
        progress.save(done=True, error=f"Lỗi không lường trước khi sản xuất ({type(exc).__name__}: {exc}).")
    return 1


if __name__ == "__main__":
    sys.exit(listen_main(*sys.argv[2:]) if sys.argv[1:2] == ["--listen"] else main(*sys.argv[1:]))
