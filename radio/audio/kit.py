"""The station's default music kit, composed and rendered here (no third-party recordings).

A short pentatonic signature tune on a plucked, zither-like timbre (a nod to the đàn tranh
sound commune listeners know) over a soft pad; an outro that answers it; a stinger that
separates segments. Rendered with plain additive synthesis, deterministic, in milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# (MIDI note, start beat, length in beats)
_INTRO = [(67, 0, 1), (69, 1, 1), (72, 2, 1), (74, 3, 1), (76, 4, 1.5), (74, 5.5, 0.5),
          (72, 6, 1), (69, 7, 1), (72, 8, 4)]
_INTRO_PAD = [(48, 0, 8), (55, 0, 8), (60, 0, 8), (53, 8, 4), (57, 8, 4), (60, 8, 4)]
_OUTRO = [(76, 0, 1), (74, 1, 1), (72, 2, 1), (69, 3, 1), (67, 4, 1.5), (69, 5.5, 0.5),
          (72, 6, 4)]
_OUTRO_PAD = [(53, 0, 6), (57, 0, 6), (60, 0, 6), (48, 6, 4), (55, 6, 4), (64, 6, 4)]
_STINGER = [(72, 0, 0.5), (76, 0.5, 0.5), (79, 1, 2)]
_STINGER_PAD = [(60, 0, 3)]
_BEAT_S = 0.36


@dataclass(frozen=True)
class Kit:
    intro: np.ndarray
    outro: np.ndarray
    stinger: np.ndarray
    sample_rate: int


def _hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _pluck(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    tone = np.zeros_like(t)
    for k in range(1, 8):
        if freq * k > rate / 2.2:
            break
        # Upper partials die faster, as on a plucked string.
        tone += (0.55 ** (k - 1)) * np.sin(2 * np.pi * freq * k * t) * np.exp(-t * (2.2 + 1.6 * k))
    attack = np.minimum(1.0, t / 0.004)
    return tone * attack


def _pad(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    tone = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(2 * np.pi * 2 * freq * t + 0.5)
    tone *= 1 + 0.08 * np.sin(2 * np.pi * 4.5 * t)  # slow vibrato in level keeps it alive
    fade = np.minimum(1.0, t / 0.6) * np.minimum(1.0, (seconds - t) / 0.8).clip(0)
    return tone * fade


def _render(melody, pad, tail_s: float, rate: int) -> np.ndarray:
    end_beats = max(start + length for _, start, length in melody + pad)
    out = np.zeros(int((end_beats * _BEAT_S + tail_s) * rate))
    for note, start, length in melody:
        ring = length * _BEAT_S + 1.2
        clip = _pluck(_hz(note), ring, rate)
        at = int(start * _BEAT_S * rate)
        out[at:at + clip.size] += clip[: out.size - at]
    for note, start, length in pad:
        clip = 0.12 * _pad(_hz(note), length * _BEAT_S + tail_s * 0.5, rate)
        at = int(start * _BEAT_S * rate)
        out[at:at + clip.size] += clip[: out.size - at]
    fade_out = int(min(1.5, tail_s) * rate)
    out[-fade_out:] *= np.linspace(1.0, 0.0, fade_out) ** 2
    peak = np.max(np.abs(out))
    return (out / peak * 0.7).astype(np.float32)


def default_kit(sample_rate: int) -> Kit:
    return Kit(
        intro=_render(_INTRO, _INTRO_PAD, 1.2, sample_rate),
        outro=_render(_OUTRO, _OUTRO_PAD, 1.5, sample_rate),
        stinger=_render(_STINGER, _STINGER_PAD, 0.4, sample_rate),
        sample_rate=sample_rate,
    )
