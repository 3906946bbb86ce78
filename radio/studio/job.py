"""A production started from the studio, run in its own process so the web server's pages
stay quick (no shared interpreter lock) and a page reload reads the progress from a file.

Run as ``python -m radio.studio.job STATION_DIR MONTH PROGRESS_FILE``."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from radio.errors import RadioError
from radio.fileio import write_json


class FileProgress:
    """The stages' Progress protocol, written to a JSON file at most a few times a second."""

    def __init__(self, path: Path) -> None:
        self.path, self.stages, self.written = path, {}, 0.0

    def start(self, stage: str, total: int) -> None:
        self.stages.setdefault(stage, [0, total])[1] = total
        self.save()

    def advance(self, stage: str, amount: int = 1) -> None:
        self.stages[stage][0] += amount
        self.save(throttle=True)

    def finish(self, stage: str) -> None:
        self.stages[stage][0] = self.stages[stage][1]
        self.save()

    def save(self, *, throttle: bool = False, **end) -> None:
        now = time.monotonic()
        if throttle and now - self.written < 0.25:
            return
        self.written = now
        write_json(self.path, {"stages": self.stages, "done": False, **end})


def read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def main(station_dir: str, month: str, progress_file: str) -> int:
    from radio.pipeline import produce_month

    progress = FileProgress(Path(progress_file))
    progress.save()
    try:
        production = produce_month(Path(station_dir), month, progress=progress)
        minutes, seconds = divmod(round(production.manifest["audio"]["duration_s"]), 60)
        progress.save(done=True, result=f"Đã sản xuất xong: {minutes} phút {seconds:02d} giây.")
        return 0
    except RadioError as exc:
        progress.save(done=True, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - the page must say it failed, not wait forever
        progress.save(done=True, error=f"Lỗi không lường trước khi sản xuất ({type(exc).__name__}: {exc}).")
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
