"""Importing a person's reading: processing time per minute of recording.

Run with: .venv/bin/python benchmarks/bench_record.py
A reading of about two minutes (the offline voice reading the sample month's news segment at
1.2, with two seconds of silence either side, 50 Hz hum and a noise floor), stereo at 48 kHz in
a phone's AAC file, is imported as the news segment's recording: decoding, hum and rumble filters, the noise
gate, trimming, levelling and the FLAC that is kept. The recognizer's check is timed apart when
it is installed (the `listen` extra): it runs once per take and its transcript is kept.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_S_PER_MINUTE = 1.0  # cleaning: at most a second per minute of reading
TARGET_CHECK_S_PER_MINUTE = 20.0  # the recognizer's check, on two cores
MONTH, SEGMENT = "2026-12", "02-news"
RATE = 48000


def station(folder: Path) -> Path:
    from radio.pipeline import compose_month, sample_station_dir

    shutil.copytree(sample_station_dir(), folder)
    compose_month(folder, MONTH)
    return folder


def reading(folder: Path, target: Path) -> float:
    """The stand-in reading as an M4A file; returns its length in minutes."""
    from radio.audio.ffmpeg import ffmpeg_exe
    from radio.config import load_model
    from radio.models import Script
    from radio.speech.engines import get_engine
    from radio.speech.normalize import station_normalizer
    from radio.speech.synthesize import split_sentences
    from radio.station import load_station

    profile = load_station(folder)
    script = load_model(folder / "scripts" / f"{MONTH}.yaml", Script)
    text = next(s.text for s in script.segments if s.id == SEGMENT)
    normalizer = station_normalizer(profile, folder)
    engine = get_engine("offline", profile.speech, folder, profile)
    parts = []
    for written, _ in split_sentences(text, 10_000):
        clip = engine.synthesize(normalizer(written).text, "vi-ro-nu-2", 1.2).set_frame_rate(RATE).set_channels(1)
        parts += [np.asarray(clip.get_array_of_samples(), dtype=np.float32) / 32768, np.zeros(int(0.45 * RATE), np.float32)]
    speech = np.concatenate(parts[:-1]) * 0.3
    quiet = np.zeros(2 * RATE, dtype=np.float32)
    signal = np.concatenate([quiet, speech, quiet])
    t = np.arange(signal.size) / RATE
    signal = signal + 0.02 * np.sin(2 * np.pi * 50 * t) + 0.002 * np.random.default_rng(1).standard_normal(signal.size)
    stereo = np.repeat(signal[:, None], 2, axis=1).astype(np.float32)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "2", "-i", "-",
                    "-c:a", "aac", "-b:a", "96k", "-y", str(target)], input=stereo.tobytes(), check=True)
    return signal.size / RATE / 60


def main() -> int:
    from radio.record import import_recording, reading_view
    from radio.speech.listen import listener_available

    with tempfile.TemporaryDirectory(prefix="radio-bench-record-") as scratch:
        folder = station(Path(scratch) / "an-lac")
        minutes = reading(folder, Path(scratch) / "doc.m4a")
        began = time.perf_counter()
        imported = import_recording(folder, MONTH, SEGMENT, Path(scratch) / "doc.m4a", by="Người đọc thử")
        elapsed = time.perf_counter() - began
        per_minute = elapsed / minutes
        print(f"import of a {minutes:.2f}-minute reading (M4A, 48 kHz stereo) → "
              f"{imported.held.recording.duration_s:.1f} s kept")
        print(f"  time {elapsed:.2f} s = {per_minute:.2f} s per minute   ratio to target "
              f"{per_minute / TARGET_S_PER_MINUTE:.2f} (≤ 1 is on target: ≤ {TARGET_S_PER_MINUTE:.0f} s a minute)")
        if not listener_available():
            print("  recognizer check: not installed (scripts/setup listen)")
            return 0
        began = time.perf_counter()
        view = reading_view(folder, MONTH, SEGMENT, listen=True)
        checked = time.perf_counter() - began
        print(f"  recognizer check {checked:.1f} s = {checked / minutes:.1f} s per minute   ratio to target "
              f"{checked / minutes / TARGET_CHECK_S_PER_MINUTE:.2f} (≤ {TARGET_CHECK_S_PER_MINUTE:.0f} s a minute; "
              f"{len(view.check.missing)} of {len(view.check.sentences)} sentences heard as missing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
