"""A fake engine that makes real audio, like Mopidy's dummy backend.

It turns each syllable into a short voiced burst (a buzzy tone with a formant-like envelope)
so loudness, silence detection and timing behave like speech, with no speech library at all.
Deterministic: the same text always gives the same samples.
"""
from __future__ import annotations

import hashlib

import numpy as np
from pydub import AudioSegment

from radio.speech.engines import Voice

SAMPLE_RATE = 22050
SYLLABLE_S = 0.26


class DummyEngine:
    name = "dummy"
    about = "Bộ đọc giả lập để kiểm thử: tạo âm thanh giống tiếng nói, không đọc chữ."
    parallel = 4
    max_chars = 10_000

    def __init__(self, settings=None, base_dir=None) -> None:
        pass  # nothing to configure

    def version(self) -> str:
        return "dummy-1"

    def voices(self) -> list[Voice]:
        return [Voice("low", "Giọng giả lập trầm"), Voice("high", "Giọng giả lập cao")]

    def unavailable_reason(self) -> str | None:
        return None

    def synthesize(self, text: str, voice: str, speed: float) -> AudioSegment:
        syllables = max(1, len(text.split()))
        seed = int.from_bytes(hashlib.sha256(f"{voice}|{text}".encode()).digest()[:4], "little")
        rng = np.random.default_rng(seed)
        pitch = 110.0 if voice == "low" else 210.0
        length = int(SAMPLE_RATE * SYLLABLE_S / speed)
        t = np.arange(length) / SAMPLE_RATE
        envelope = np.sin(np.pi * np.arange(length) / length) ** 2
        bursts = []
        for _ in range(syllables):
            f0 = pitch * rng.uniform(0.85, 1.2)
            tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8))
            bursts.append(tone * envelope)
        samples = np.concatenate(bursts) * 0.25
        pcm = np.clip(samples * 32767, -32768, 32767).astype(np.int16)
        return AudioSegment(pcm.tobytes(), frame_rate=SAMPLE_RATE, sample_width=2, channels=1)
