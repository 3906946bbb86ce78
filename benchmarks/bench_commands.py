"""Everyday commands timed as whole processes, the way an officer or operator waits for them.

A copy of the sample station is composed, produced, approved and scheduled; then each
command runs several times as a fresh `radio` process. The fastest run is compared with the
target (the machine's noise only ever adds time); the median is printed beside it. A bare
`import typer, rich` process is printed too: it is the floor any typer command starts from.

Run with: .venv/bin/python benchmarks/bench_commands.py
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from radio.station import SAMPLE_MONTH, sample_station_dir

RUNS = 9
TARGETS_S = {
    "produce, script unchanged": 0.5,
    "status": 0.3,
    "player status": 0.3,
}
RADIO = [sys.executable, "-m", "radio"]
# As a user's machine runs it: Python writes its bytecode caches (some sandboxes turn that off).
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def run(args: list[str], station: Path) -> float:
    began = time.perf_counter()
    subprocess.run(args, cwd=station, env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def timed(args: list[str], station: Path) -> tuple[float, float]:
    run(args, station)  # warm: bytecode caches and the page cache, as on a machine in use
    times = [run(args, station) for _ in range(RUNS)]
    return min(times), statistics.median(times)


def prepare(station: Path) -> float:
    """The sample station, composed, produced (cold: returns that time), approved, scheduled."""
    shutil.copytree(sample_station_dir(), station)
    run([*RADIO, "compose", SAMPLE_MONTH], station)
    cold = run([*RADIO, "produce", SAMPLE_MONTH], station)
    run([*RADIO, "approve", SAMPLE_MONTH, "--by", "Trần Văn Bình", "--role", "Phó Chủ tịch"], station)
    run([*RADIO, "schedule", SAMPLE_MONTH], station)
    return cold


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        station = Path(tmp) / "an-lac"
        os.environ["RADIO_CACHE_DIR"] = str(Path(tmp) / "cache")
        ENV["RADIO_CACHE_DIR"] = os.environ["RADIO_CACHE_DIR"]
        cold = prepare(station)
        print(f"cold production as a process: {cold:.2f} s (bench_demo.py breaks it down by stage)")
        floor, _ = timed([sys.executable, "-c", "import typer, rich.console, rich.table"], station)
        print(f"floor: a process importing typer and rich {floor:.3f} s\n")
        commands = {
            "produce, script unchanged": [*RADIO, "produce", SAMPLE_MONTH],
            "status": [*RADIO, "status"],
            "player status": [*RADIO, "player", "status"],
        }
        for label, args in commands.items():
            fastest, median = timed(args, station)
            target = TARGETS_S[label]
            print(f"  {label:<28} fastest {fastest:.3f} s  median {median:.3f} s   "
                  f"ratio to target {fastest / target:.2f} (≤ 1 is on target: ≤ {target} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
