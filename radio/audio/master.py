"""Mastering stage: loudness to the station target, true-peak safe, measured by BS.1770.

Integrated loudness is measured with pyloudnorm (ITU-R BS.1770-4 K-weighting and gating).
A look-ahead brick-wall limiter holds sample peaks under a ceiling; true peak is then
checked on a 4× oversampled signal, and gain and ceiling are corrected until both loudness
and true peak are on target. Everything works on float32 in bounded chunks so a 15-minute
programme never needs more than a few copies of itself.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from radio.errors import AudioError

_LOOKAHEAD_S = 0.008
_OVERSAMPLE = 4
_CHUNK = 1 << 20
_TOLERANCE_LU = 0.1
# LAME adds overshoots of about 0.3 dB; mastering starts this far under the true-peak limit.
TRUE_PEAK_MARGIN_DB = 0.5


@dataclass(frozen=True)
class Measurement:
    integrated_lufs: float
    true_peak_dbtp: float
    sample_peak_dbfs: float


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


def gain_to_db(gain: float) -> float:
    return float(20 * np.log10(max(gain, 1e-12)))


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    meter = pyloudnorm.Meter(rate)
    with np.errstate(divide="ignore"):
        value = float(meter.integrated_loudness(samples.astype(np.float64, copy=False)))
    return value


def true_peak(samples: np.ndarray) -> float:
    """Peak of the 4× oversampled signal, in dBTP (BS.1770-4 Annex 2 in spirit)."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    # Each chunk is read with some context on both sides and only its middle is kept:
    # a chunk cut out of the middle of a waveform rings at its edges when upsampled.
    overlap = 256
    for begin in range(0, samples.size, _CHUNK):
        lo = max(0, begin - overlap)
        block = samples[lo: begin + _CHUNK + overlap]
        upsampled = resample_poly(block, _OVERSAMPLE, 1)
        keep_from = (begin - lo) * _OVERSAMPLE
        keep_to = keep_from + min(_CHUNK, samples.size - begin) * _OVERSAMPLE
        peak = max(peak, float(np.max(np.abs(upsampled[keep_from:keep_to]))))
    return gain_to_db(peak)


def measure(samples: np.ndarray, rate: int) -> Measurement:
    return Measurement(integrated_loudness(samples, rate), true_peak(samples),
                       gain_to_db(float(np.max(np.abs(samples))) if samples.size else 0.0))


def _apply_gain_in_chunks(samples: np.ndarray, gain: Callable[[np.ndarray], np.ndarray],
                          context: int) -> np.ndarray:
    """``samples * gain(samples)``, computed a chunk at a time to bound memory.

    Each chunk's gain is computed with ``context`` samples of the neighbours on both sides,
    so filters see the same signal they would on the whole programme.
    """
    out = np.empty_like(samples)
    for begin in range(0, samples.size, _CHUNK):
        lo, hi = max(0, begin - context), min(samples.size, begin + _CHUNK + context)
        block = samples[lo:hi]
        factor = gain(block)
        start, count = begin - lo, min(_CHUNK, samples.size - begin)
        out[begin:begin + count] = block[start:start + count] * factor[start:start + count]
    return out


def _peak_envelope(block: np.ndarray) -> np.ndarray:
    """Per-sample peak including the inter-sample peaks a DAC or MP3 decoder will make."""
    upsampled = resample_poly(block, _OVERSAMPLE, 1)[: block.size * _OVERSAMPLE]
    between = np.abs(upsampled).reshape(block.size, _OVERSAMPLE).max(axis=1)
    return np.maximum(np.abs(block), between)


def limit(samples: np.ndarray, ceiling: float, rate: int) -> np.ndarray:
    """Look-ahead true-peak limiter: gain never exceeds what keeps every peak under ``ceiling``.

    The needed gain is held over a window (minimum filter) and then smoothed with a moving
    average narrower than the hold, so the smoothed gain is still ≤ the need at every sample
    while changing gradually enough not to distort.
    """
    window = max(3, int(_LOOKAHEAD_S * rate)) | 1

    def gain(block: np.ndarray) -> np.ndarray:
        need = np.minimum(1.0, ceiling / np.maximum(_peak_envelope(block), 1e-9)).astype(np.float32)
        held = minimum_filter1d(need, size=2 * window + 1, mode="nearest")
        return np.minimum(uniform_filter1d(held, size=window, mode="nearest"), need)

    return _apply_gain_in_chunks(samples, gain, context=2 * window)


def compress(samples: np.ndarray, rate: int, threshold_db: float, ratio: float = 3.0) -> np.ndarray:
    """Gentle feed-forward compressor on a 10 ms RMS level, gain smoothed over 30 ms.

    eSpeak's voices are peaky (peak-to-loudness ratio near 20 dB); without this the limiter
    alone would have to take 5 dB off every syllable to reach −16 LUFS under −1 dBTP.
    """
    window = max(1, int(0.010 * rate))

    def gain(block: np.ndarray) -> np.ndarray:
        power = uniform_filter1d(block * block, size=window, mode="nearest")
        level_db = 10 * np.log10(np.maximum(power, 1e-12)) + 3.01  # RMS of a sine reads as its peak
        over = np.maximum(level_db - threshold_db, 0)
        reduction = (10 ** (-(over * (1 - 1 / ratio)) / 20)).astype(np.float32)
        return uniform_filter1d(minimum_filter1d(reduction, size=window, mode="nearest"),
                                size=3 * window, mode="nearest")

    return _apply_gain_in_chunks(samples, gain, context=4 * window)


class Mastering:
    """One programme's mastering: compress once, then find the gain that lands on target.

    The gain search remembers what it learned (gain → loudness after limiting), so asking
    again for a slightly different target — as the export stage does to compensate for the
    MP3 codec — costs one or two limiter passes, not a full new search.
    """

    def __init__(self, samples: np.ndarray, rate: int) -> None:
        measured = integrated_loudness(samples, rate)
        if not np.isfinite(measured):
            raise AudioError("Chương trình không có tiếng (toàn im lặng), không thể chuẩn hoá âm lượng.",
                             hint="kiểm tra kịch bản có nội dung và bộ đọc hoạt động (lệnh radio voices).")
        self.rate = rate
        # Compress above the level speech will sit at, relative to the input's loudness.
        self.samples = compress(samples, rate, threshold_db=measured + 4.0)
        self.loudness = integrated_loudness(self.samples, rate)
        self._history: dict[float, list[tuple[float, float]]] = {}

    def render(self, target_lufs: float, true_peak_ceiling_db: float) -> tuple[np.ndarray, float]:
        """Samples at ``target_lufs`` (±0.1 LU) with every peak under the ceiling."""
        history = self._history.setdefault(round(true_peak_ceiling_db, 3), [])
        ceiling = db_to_gain(true_peak_ceiling_db)
        gain_db = self._first_guess(history, target_lufs)
        for _ in range(8):
            result = limit(self.samples * np.float32(db_to_gain(gain_db)), ceiling, self.rate)
            loudness = integrated_loudness(result, self.rate)
            history.append((gain_db, loudness))
            if abs(loudness - target_lufs) <= _TOLERANCE_LU:
                break
            gain_db = self._next_guess(history, target_lufs)
        return result, loudness

    def _first_guess(self, history: list[tuple[float, float]], target: float) -> float:
        if not history:
            return target - self.loudness
        gain, loudness = min(history, key=lambda item: abs(item[1] - target))
        return gain + (target - loudness)

    @staticmethod
    def _next_guess(history: list[tuple[float, float]], target: float) -> float:
        gain, loudness = history[-1]
        slope = 1.0
        if len(history) > 1 and gain != history[-2][0]:
            # Limiting eats part of every gain step; the secant through the last two tries
            # tells how much, so the search lands in two or three passes.
            slope = float(np.clip((loudness - history[-2][1]) / (gain - history[-2][0]), 0.2, 1.0))
        return gain + (target - loudness) / slope


def master(samples: np.ndarray, rate: int, target_lufs: float, true_peak_limit: float
           ) -> tuple[np.ndarray, Measurement]:
    """One-shot mastering with the default true-peak safety margin."""
    result, _ = Mastering(samples, rate).render(target_lufs, true_peak_limit - TRUE_PEAK_MARGIN_DB)
    return result, measure(result, rate)
