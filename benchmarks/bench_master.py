"""Mixing + mastering + export of a 15-minute programme: time and peak memory.

Run with: .venv/bin/python benchmarks/bench_master.py
The clips are synthesized (and cached) by a first, untimed process; a second, fresh process
then produces the programme from the cache, so its time and peak memory are those of the
mix, master and export stages (plus the interpreter and the cached clips it holds).
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 10.0
TARGET_PEAK_MB = 400.0
SENTENCE = "Bà con nhân dân lưu ý nộp hồ sơ trực tuyến tại nhà, không phải đi lại nhiều lần."


def fifteen_minutes():
    from radio.models import Script, Segment

    kinds = ["opening", "news", "topic", "procedure", "qa", "model", "reminder", "extra",
             "extra", "closing"]
    return Script(station="an-lac", month="2026-12", title="Chương trình 15 phút", segments=[
        Segment(id=f"{n:02d}-{kind}", kind=kind, title=f"Phần {n}", voice=("nu", "nam")[n % 2],
                text=" ".join(f"{SENTENCE} Điều {k}." for k in range(13)))
        for n, kind in enumerate(kinds)])


def produce(out: Path) -> dict:
    from radio.pipeline import load_station, produce as run, sample_station_dir

    station = load_station(sample_station_dir())
    manifest = out / "an-lac" / "2026-12" / "manifest.json"
    manifest.unlink(missing_ok=True)  # force mixing and mastering even if clips are cached
    began = time.perf_counter()
    production = run(station, fifteen_minutes(), out, engine_override="dummy")
    elapsed = time.perf_counter() - began
    return {"elapsed": elapsed, "duration": production.manifest.audio.duration_s,
            "clips": production.manifest.clips.model_dump(),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "lufs": production.manifest.audio.integrated_lufs}


def main() -> int:
    if len(sys.argv) == 2:  # child process
        print(json.dumps(produce(Path(sys.argv[1]))))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        child = [sys.executable, __file__, tmp]
        subprocess.run(child, check=True, capture_output=True)  # fill the clip cache
        result = json.loads(subprocess.run(child, check=True, capture_output=True,
                                           text=True).stdout)
    print(f"mix + master + export of {result['duration'] / 60:.1f} min "
          f"(clips {result['clips']}, {result['lufs']} LUFS)")
    print(f"  time {result['elapsed']:.2f} s   ratio to target {result['elapsed'] / TARGET_S:.2f} "
          f"(≤ 1 is on target: ≤ {TARGET_S:.0f} s)")
    print(f"  peak memory {result['peak_mb']:.0f} MB   ratio to target "
          f"{result['peak_mb'] / TARGET_PEAK_MB:.2f} (≤ 1 is on target: ≤ {TARGET_PEAK_MB:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
