"""Real-time check of the player daemon: three airings a few seconds apart, `null` output.

Run with: .venv/bin/python benchmarks/bench_player.py
Starts `radio player run --output null` as a real process, measures its CPU use while idle
(from /proc, before the first airing), lets it play three airings, stops it with SIGTERM and
prints each airing's start lateness from the as-run log (target ≤ 1 s).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

TARGET_LATENESS_S = 1.0
TARGET_IDLE_CPU = 0.01  # share of one core


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(folder: Path) -> float:
    from radio.approval import MonthFiles, approve
    from radio.config import save_model
    from radio.pipeline import compose_month, produce_month, sample_station_dir
    from radio.store import Store

    shutil.copytree(sample_station_dir(), folder)
    composition, path = compose_month(folder, "2026-12")
    opening = composition.script.segments[0].model_copy(update={"text": "Kính thưa bà con."})
    save_model(path, composition.script.model_copy(update={"segments": [opening]}))
    production = produce_month(folder, "2026-12", engine_override="dummy")
    approve(MonthFiles(folder, "an-lac", "2026-12"), Store(folder), "Kiểm tra", "Máy", None)
    return production.manifest.audio.duration_s


def main() -> int:
    from radio.player import as_run_log
    from radio.schedule import add_airing, station_zone
    from radio.store import Store
    from radio.config import load_model
    from radio.models import Station

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "an-lac"
        duration = prepare(folder)
        zone = station_zone(load_model(folder / "station.yaml", Station))
        first = (datetime.now(zone) + timedelta(seconds=12)).replace(microsecond=0)
        starts = [first + timedelta(seconds=i * (duration + 3)) for i in range(3)]
        for start in starts:
            add_airing(folder, "2026-12", start)
        daemon = subprocess.Popen([sys.executable, "-m", "radio", "player", "run", "--output", "null",
                                   "-s", str(folder)], stdout=subprocess.DEVNULL)
        time.sleep(3)
        before, began = cpu_seconds(daemon.pid), time.monotonic()
        time.sleep(6)
        idle = (cpu_seconds(daemon.pid) - before) / (time.monotonic() - began)
        end = starts[-1] + timedelta(seconds=duration + 1.5)
        time.sleep(max(0.0, (end - datetime.now(zone)).total_seconds()))
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=30)
        log = as_run_log(Store(folder))
    print(f"player daemon, null output, {len(starts)} airings of {duration:.1f} s (exit code {code})")
    worst = 0.0
    for entry in log:
        late = (datetime.fromisoformat(entry.started_at) - datetime.fromisoformat(entry.planned_at)).total_seconds()
        worst = max(worst, abs(late))
        print(f"  {entry.planned_at}  {entry.result:<8} start lateness {late:+.3f} s")
    print(f"  worst lateness {worst:.3f} s   ratio to target {worst / TARGET_LATENESS_S:.2f} "
          f"(≤ 1 is on target: ≤ {TARGET_LATENESS_S:.0f} s)")
    print(f"  idle CPU {idle * 100:.3f} % of a core (resolution {100 / os.sysconf('SC_CLK_TCK') / 6:.2f} %)   ratio to target {idle / TARGET_IDLE_CPU:.2f} "
          f"(≤ 1 is on target: ≤ {TARGET_IDLE_CPU * 100:.0f} %)")
    return 0 if len(log) == 3 and all(e.result == "aired" for e in log) else 1


if __name__ == "__main__":
    sys.exit(main())
