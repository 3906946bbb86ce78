"""A streaming ITU-R BS.1770-4 / EBU R128 meter: integrated loudness, loudness range, ranges.

The K-weighting filters are pyloudnorm's (RBJ's cookbook biquads, designed here as it designs
them; importing it would import scipy.signal), but pyloudnorm measures a whole array at once,
block by block in Python, and has no loudness range. Mastering
needs the loudness of a programme it produces a chunk at a time, several times over, so the
meter here keeps filter state across chunks and only remembers the energy of each 100 ms
sub-block: a 15-minute programme costs 9,000 numbers, not a copy of the audio.

Gating follows BS.1770-4 (400 ms blocks, 75 % overlap, −70 LUFS absolute and −10 LU relative
gates); loudness range follows EBU Tech 3342 (3 s short-term windows, −20 LU relative gate,
10th to 95th percentile). Tests compare it with pyloudnorm and with ffmpeg's ebur128.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from radio.audio.kernels import sosfilt

_ABSOLUTE_GATE = -70.0
_BLOCK = 4  # sub-blocks of 100 ms in one 400 ms gating block
_SHORT_TERM = 30  # sub-blocks in one 3 s short-term window
# Digital silence drives the filters' state into subnormal floats, which the CPU handles
# forty times slower; a ±1e-30 signal at Nyquist keeps it normal and adds nothing audible.
_FLOOR = np.float32(1e-30) * (1 - 2 * (np.arange(1 << 18) % 2)).astype(np.float32)


@dataclass(frozen=True)
class FileLoudness:
    """An encoded file's figures, as a player decodes it."""
    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    sample_peak_dbfs: float


def _loudness(mean_square: np.ndarray | float) -> np.ndarray | float:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(mean_square)


class LoudnessMeter:
    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.sub = rate // 10
        # Single precision filters eight times faster and differs by under 0.001 dB here.
        self._sos = k_weighting(rate).astype(np.float32)
        self._state = np.zeros((self._sos.shape[0], 2), dtype=np.float32)
        self._carry = np.zeros(0, dtype=np.float32)
        self._energies: list[np.ndarray] = []

    def feed(self, chunk: np.ndarray) -> None:
        chunk = np.asarray(chunk, dtype=np.float32)
        floor = np.resize(_FLOOR, chunk.size) if chunk.size > _FLOOR.size else _FLOOR[:chunk.size]
        weighted, self._state = sosfilt(self._sos, chunk + floor, zi=self._state)
        if self._carry.size:
            weighted = np.concatenate([self._carry, weighted])
        whole = weighted.size // self.sub * self.sub
        blocks = weighted[:whole].reshape(-1, self.sub)
        self._energies.append(np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64))
        self._carry = weighted[whole:]

    def primed(self, heard: np.ndarray) -> "LoudnessMeter":
        """A new meter whose filters have heard ``heard`` (a whole number of 100 ms sub-blocks,
        the signal just before what it will measure) but which counts none of it."""
        meter = LoudnessMeter(self.rate)
        meter.feed(heard)
        meter._energies.clear()
        meter._carry = meter._carry[:0]
        return meter

    def extend(self, later: "LoudnessMeter") -> None:
        """Count what ``later`` measured as following what this meter measured (this one
        ended on a sub-block boundary)."""
        self._energies.extend(later._energies)
        self._carry, self._state = later._carry, later._state

    @property
    def subblocks(self) -> np.ndarray:
        """Sum of squared K-weighted samples of every complete 100 ms sub-block."""
        return np.concatenate(self._energies) if self._energies else np.zeros(0)

    def integrated(self, start_s: float = 0.0, end_s: float | None = None) -> float:
        """Gated integrated loudness of the whole input, or of the part between two times."""
        energies = self.subblocks
        first = int(round(start_s * 10))
        last = energies.size if end_s is None else min(energies.size, int(round(end_s * 10)))
        return gated_loudness(_windows(energies[first:last], _BLOCK) / (_BLOCK * self.sub), -10.0)

    def loudness_range(self) -> float:
        short_term = _windows(self.subblocks, _SHORT_TERM) / (_SHORT_TERM * self.sub)
        short_term = short_term[_loudness(short_term) >= _ABSOLUTE_GATE]
        if short_term.size == 0:
            return 0.0
        levels = _loudness(short_term)
        kept = levels[levels >= _loudness(short_term.mean()) - 20.0]
        low, high = np.percentile(kept, [10, 95])
        return float(high - low)


def k_weighting(rate: int) -> np.ndarray:
    """BS.1770's K-weighting at ``rate`` as second-order sections (pyloudnorm's design): a
    +4 dB shelf above 1.5 kHz, then a high-pass at 38 Hz."""
    sections = []
    for gain_db, q, corner_hz, shelf in ((4.0, 1 / np.sqrt(2), 1500.0, True),
                                         (0.0, 0.5, 38.0, False)):
        a_ = 10 ** (gain_db / 40.0)
        w0 = 2.0 * np.pi * (corner_hz / rate)
        alpha = np.sin(w0) / (2.0 * q)
        cos, root = np.cos(w0), 2 * np.sqrt(a_) * alpha
        if shelf:
            b = [a_ * ((a_ + 1) + (a_ - 1) * cos + root), -2 * a_ * ((a_ - 1) + (a_ + 1) * cos),
                 a_ * ((a_ + 1) + (a_ - 1) * cos - root)]
            a = [(a_ + 1) - (a_ - 1) * cos + root, 2 * ((a_ - 1) - (a_ + 1) * cos),
                 (a_ + 1) - (a_ - 1) * cos - root]
        else:
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            a = [1 + alpha, -2 * cos, 1 - alpha]
        sections.append(np.array(b + a) / a[0])
    return np.array(sections)


def _windows(energies: np.ndarray, width: int) -> np.ndarray:
    """Sums of ``width`` consecutive sub-blocks, one per sub-block step."""
    if energies.size < width:
        return np.zeros(0)
    cumulative = np.concatenate([[0.0], np.cumsum(energies)])
    return cumulative[width:] - cumulative[:-width]


def gated_loudness(blocks: np.ndarray, relative_gate: float) -> float:
    """BS.1770 two-stage gating over block mean squares; −inf when all is silence."""
    levels = _loudness(blocks)
    loud = blocks[levels >= _ABSOLUTE_GATE]
    if loud.size == 0:
        return float("-inf")
    threshold = _loudness(loud.mean()) + relative_gate
    return float(_loudness(loud[_loudness(loud) >= threshold].mean()))


def integrated_loudness(samples: np.ndarray, rate: int, chunk: int = 1 << 18) -> float:
    meter = LoudnessMeter(rate)
    for begin in range(0, samples.size, chunk):
        meter.feed(samples[begin:begin + chunk])
    return meter.integrated()
