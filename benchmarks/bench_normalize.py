"""Normalization speed, printed as ratios to targets.

Three measures:
- a whole 15-minute script (the sample month composed) in under 100 ms, warm;
- lines per second warm: the phrase book, the seed plans when they are beside this checkout
  and the packaged library's texts, through one Normalizer already built;
- lines per second with start-up: the same lines piped into a fresh `radio normalize`
  process, the way an officer checks a pasted document (Python, imports, the lexicon read,
  the rules compiled — all of it counted).

Run with: .venv/bin/python benchmarks/bench_normalize.py
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from radio.compose import compose
from radio.pipeline import load_station, sample_station_dir
from radio.speech.normalize import Normalizer
from radio.speech.synthesize import split_sentences

TARGET_SCRIPT_MS = 100.0
TARGET_WARM_LINES_S = 3000.0
TARGET_START_LINES_S = 1000.0  # for about a thousand lines: start-up under a second
RUNS = 5
ROOT = Path(__file__).resolve().parents[1]
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def script_sentences() -> list[str]:
    station_dir = sample_station_dir()
    script = compose(load_station(station_dir), station_dir,
                     station_dir / "months" / "2026-12.yaml").script
    return [text for segment in script.segments for text, _ in split_sentences(segment.text, 4000)]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def corpus_lines() -> list[str]:
    """Real lines: the phrase book, the seed plans, every text of the packaged library."""
    book = yaml.safe_load((ROOT / "tests" / "data" / "normalize_phrases.yaml").read_text(encoding="utf-8"))
    lines = [written for group in book.values() for written, _ in group]
    for path in sorted(glob.glob(str(ROOT.parent / "shared" / "seeds" / "*.txt"))):
        lines += [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted((ROOT / "radio" / "templates").rglob("*.yaml")):
        for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            lines += [line for line in text.splitlines() if line.strip()]
    return lines


def per_script_ms(normalizer: Normalizer, sentences: list[str]) -> float:
    began = time.perf_counter()
    for _ in range(20):
        for sentence in sentences:
            normalizer(sentence)
    return (time.perf_counter() - began) / 20 * 1000


def warm_lines_per_s(normalizer: Normalizer, lines: list[str]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        began = time.perf_counter()
        for line in lines:
            normalizer(line)
        best = min(best, time.perf_counter() - began)
    return len(lines) / best


def start_up_lines_per_s(lines: list[str]) -> tuple[float, float]:
    """Lines per second of a fresh process, and that process's time on one line."""
    text = "\n".join(lines) + "\n"

    def once(feed: str) -> float:
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "radio", "normalize"], input=feed, text=True, env=ENV,
                       check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - began

    once(text)  # bytecode caches and the page cache warm, as on a machine in use
    whole = min(once(text) for _ in range(RUNS))
    single = min(once(lines[0] + "\n") for _ in range(RUNS))
    return len(lines) / whole, single


def main() -> int:
    sentences = script_sentences()
    lines = corpus_lines()
    normalizer = Normalizer()
    normalizer(sentences[0])  # the first call pays for nothing more; it is not what is measured
    script_ms = per_script_ms(normalizer, sentences)
    words = sum(len(s.split()) for s in sentences)
    print(f"normalize, one script: {len(sentences)} sentences, {words} words: {script_ms:.1f} ms   "
          f"ratio to target {script_ms / TARGET_SCRIPT_MS:.2f} (≤ 1 is on target)")
    warm = warm_lines_per_s(normalizer, lines)
    print(f"normalize, warm: {len(lines)} real lines at {warm:,.0f} lines/s   "
          f"ratio to target {warm / TARGET_WARM_LINES_S:.2f} (≥ 1 is on target)")
    with tempfile.TemporaryDirectory() as cache:
        ENV["RADIO_CACHE_DIR"] = cache
        cold, single = start_up_lines_per_s(lines)
    print(f"normalize, with start-up: `radio normalize` on {len(lines)} lines at {cold:,.0f} lines/s "
          f"(one line alone: {single * 1000:.0f} ms)   ratio to target {cold / TARGET_START_LINES_S:.2f} "
          f"(≥ 1 is on target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
