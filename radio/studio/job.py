"""A production started from the studio, run in its own process so the web server's pages
stay quick (no shared interpreter lock) and a page reload reads the progress from a file.

Run as ``python -m radio.studio.job STATION_DIR MONTH PROGRESS_FILE [--use-stale]``."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from radio.errors import RadioError
from radio.fileio import write_json


# How long each stage takes, as a share of a whole production's wall time: measured once on
# the sample month (13 segments, the offline eSpeak voice, no cache; three runs of 8.8–11 s on
# two cores, 2026-12-04): synthesis 0.02–1.1 s, mixing 1.1–2.0 s, mastering and MP3 2.0–8.6 s,
# the manifest and versions after it. Counting items instead put the bar at 97 % once the
# hundred sentences were spoken, with three quarters of the time still to come. A voice
# download happens once per machine and varies with the line; it gets a large share when it runs.
SYNTHESIS, MIX, MASTER, DOWNLOAD = ("Tổng hợp giọng đọc", "Trộn âm thanh", "Chuẩn hoá âm lượng và xuất MP3",
                                    "Tải giọng đọc")
STAGE_WEIGHTS = {DOWNLOAD: 0.30, SYNTHESIS: 0.13, MIX: 0.11, MASTER: 0.73}
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
    sys.exit(main(*sys.argv[1:]))
