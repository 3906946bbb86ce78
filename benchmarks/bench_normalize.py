"""Normalizing a whole 15-minute script must take well under 100 ms; prints the ratio."""
from __future__ import annotations

import sys
import time

from radio.compose import compose
from radio.pipeline import load_station, sample_station_dir
from radio.speech.normalize import Normalizer
from radio.speech.synthesize import split_sentences

TARGET_MS = 100.0


def main() -> int:
    station_dir = sample_station_dir()
    script = compose(load_station(station_dir), station_dir,
                     station_dir / "months" / "2026-12.yaml").script
    sentences = [text for segment in script.segments
                 for text, _ in split_sentences(segment.text, 4000)]
    normalizer = Normalizer()
    normalizer(sentences[0])  # compile-time work is not what is measured
    runs = 20
    began = time.perf_counter()
    for _ in range(runs):
        for sentence in sentences:
            normalizer(sentence)
    per_script_ms = (time.perf_counter() - began) / runs * 1000
    words = sum(len(s.split()) for s in sentences)
    print(f"normalize: {len(sentences)} sentences, {words} words per script: "
          f"{per_script_ms:.1f} ms   ratio to target {per_script_ms / TARGET_MS:.2f} (≤ 1 is on target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
