"""Time each stage of `radio demo` and its peak memory; print ratios against targets.

Run with: .venv/bin/python benchmarks/bench_demo.py  (targets are goals, not test failures)
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from radio.pipeline import SAMPLE_MONTH, demo, load_station, produce, sample_station_dir

# Targets for the 12-minute sample programme on the project's 2-core reference machine.
TARGET_TOTAL_S = 60.0
TARGET_PEAK_MB = 500.0  # was 1500 before mastering streamed (issue 6)
TARGET_REALTIME_FACTOR = 10.0  # programme seconds produced per wall second, at least
TARGET_REPRODUCTION_SHARE = 0.20  # re-producing an unchanged script, as a share of cold


class StageTimer:
    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.elapsed: dict[str, float] = {}

    def start(self, stage: str, total: int) -> None:
        self.started.setdefault(stage, time.perf_counter())  # a stage may resize itself

    def advance(self, stage: str, amount: int = 1) -> None:
        pass

    def finish(self, stage: str) -> None:
        self.elapsed[stage] = time.perf_counter() - self.started[stage]


def report(label: str, production, timer: StageTimer, total: float) -> None:
    duration = production.manifest.audio.duration_s
    print(f"\n{label}: programme {duration:.0f} s, clips {production.manifest.clips.model_dump()}")
    for stage, seconds in timer.elapsed.items():
        print(f"  {stage:<34} {seconds:7.2f} s")
    print(f"  {'compose + other':<34} {total - sum(timer.elapsed.values()):7.2f} s")
    print(f"  {'total':<34} {total:7.2f} s   ratio to target {total / TARGET_TOTAL_S:.2f} "
          f"(≤ 1 is on target)")


def run(label: str, out: Path) -> tuple[float, object]:
    timer = StageTimer()
    began = time.perf_counter()
    _, production = demo(out, progress=timer)
    total = time.perf_counter() - began
    report(label, production, timer, total)
    return total, production


def run_edited(out: Path, script) -> float:
    """One sentence added: one clip is spoken, the programme is mixed and mastered again."""
    segment = script.segments[1]
    edited = script.model_copy(update={"segments": [
        *script.segments[:1],
        segment.model_copy(update={"text": segment.text + " Xin cảm ơn bà con."}),
        *script.segments[2:]]})
    timer = StageTimer()
    began = time.perf_counter()
    production = produce(load_station(sample_station_dir()), edited, out, progress=timer,
                         station_dir=sample_station_dir())
    total = time.perf_counter() - began
    report("one sentence added", production, timer, total)
    return total


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        cold, production = run("cold (empty clip cache)", out)
        duration = production.manifest.audio.duration_s
        print(f"  real-time factor {duration / cold:.1f}×   ratio to target "
              f"{duration / cold / TARGET_REALTIME_FACTOR:.2f} (≥ 1 is on target)")
        warm, _ = run("re-production, script unchanged", out)
        share = warm / cold
        print(f"  re-production / cold = {share:.3f}   ratio to target "
              f"{share / TARGET_REPRODUCTION_SHARE:.2f} (≤ 1 is on target: ≤ 20 % of cold)")
        from radio.config import load_model
        from radio.models import Script

        script = load_model(out / "an-lac" / SAMPLE_MONTH / "script.yaml", Script)
        edited = run_edited(out, script)
        print(f"  edited / cold = {edited / cold:.3f} (synthesis of one clip, then mix and "
              f"master again)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory {peak_mb:.0f} MB   ratio to target {peak_mb / TARGET_PEAK_MB:.2f} "
          f"(≤ 1 is on target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
