"""Time each stage of `radio demo` and its peak memory; print ratios against targets.

Run with: .venv/bin/python benchmarks/bench_demo.py  (targets are goals, not test failures)
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from radio.pipeline import demo

# Targets for the 12-minute sample programme on the project's 2-core reference machine.
TARGET_TOTAL_S = 60.0
TARGET_PEAK_MB = 1500.0
TARGET_REALTIME_FACTOR = 10.0  # programme seconds produced per wall second, at least


class StageTimer:
    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.elapsed: dict[str, float] = {}

    def start(self, stage: str, total: int) -> None:
        self.started[stage] = time.perf_counter()

    def advance(self, stage: str, amount: int = 1) -> None:
        pass

    def finish(self, stage: str) -> None:
        self.elapsed[stage] = time.perf_counter() - self.started[stage]


def run(label: str, out: Path) -> float:
    timer = StageTimer()
    began = time.perf_counter()
    _, production = demo(out, progress=timer)
    total = time.perf_counter() - began
    duration = production.manifest["audio"]["duration_s"]
    print(f"\n{label}: programme {duration:.0f} s, clips {production.manifest['clips']}")
    for stage, seconds in timer.elapsed.items():
        print(f"  {stage:<34} {seconds:7.2f} s")
    print(f"  {'compose + other':<34} {total - sum(timer.elapsed.values()):7.2f} s")
    print(f"  {'total':<34} {total:7.2f} s   ratio to target {total / TARGET_TOTAL_S:.2f} "
          f"(≤ 1 is on target)")
    print(f"  real-time factor {duration / total:.1f}×   ratio to target "
          f"{duration / total / TARGET_REALTIME_FACTOR:.2f} (≥ 1 is on target)")
    return total


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        run("cold (empty clip cache)", out)
        run("warm (every clip cached)", out)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory {peak_mb:.0f} MB   ratio to target {peak_mb / TARGET_PEAK_MB:.2f} "
          f"(≤ 1 is on target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
