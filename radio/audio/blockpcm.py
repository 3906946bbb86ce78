"""The programme between mixing and the encoder, in half the memory of float32.

A 15-minute programme at 44.1 kHz is 160 MB of float32 and was most of production's peak
memory. Here it is held as 16-bit samples with one float32 scale for every 256 (block floating
point, as broadcast codecs carried sound before MP3): each block keeps 96 dB between its own
peak and its rounding, so quiet passages are as clean as loud ones, and the rounding of the
few in-place steps (mix, levelling, compression) stays below the 16-bit dither of the MP3's
input. Digital silence stays exactly zero.

Slices read as float32 arrays and take float32 arrays, so mixing and mastering read and write
it a chunk at a time as they would an array (``x[a:b] += y`` works too).
"""
from __future__ import annotations

import numpy as np

BLOCK = 256
_FULL_SCALE = np.float32(32767.0)
# Blocks quieter than this (−400 dBFS: a filter's decaying tail in float32) are held as
# silence; their scale would overflow.
_SILENT = np.float32(1e-20)


class BlockPCM:
    def __init__(self, size: int, capacity: int | None = None) -> None:
        self.size = size
        blocks = -(-max(size, capacity or 0) // BLOCK)
        # Zeros from calloc: pages a programme never writes cost nothing, so room for a
        # programme whose length is not known yet is free until it is used.
        self._codes = np.zeros(blocks * BLOCK, dtype=np.int16)
        self._scales = np.zeros(blocks, dtype=np.float32)

    def resize(self, size: int) -> None:
        """Make the programme ``size`` samples long: what is cut is gone, what is added is
        silence. Growing past the room allocated copies the programme once."""
        if size > self._codes.size:
            blocks = -(-max(size, 2 * self._codes.size) // BLOCK)
            codes = np.zeros(blocks * BLOCK, dtype=np.int16)
            scales = np.zeros(blocks, dtype=np.float32)
            codes[:self._codes.size] = self._codes
            scales[:self._scales.size] = self._scales
            self._codes, self._scales = codes, scales
        elif size < self.size:
            self[size:self.size] = np.zeros(self.size - size, dtype=np.float32)
        self.size = size

    def __len__(self) -> int:
        return self.size

    def copy(self) -> np.ndarray:
        return self[:]

    def __getitem__(self, key: slice) -> np.ndarray:
        start, stop = self._bounds(key)
        first, last = start // BLOCK, -(-stop // BLOCK)
        return self._decoded(first, last)[start - first * BLOCK: stop - first * BLOCK]

    def __setitem__(self, key: slice, values) -> None:
        start, stop = self._bounds(key)
        if stop == start:
            return
        first, last = start // BLOCK, -(-stop // BLOCK)
        aligned = start % BLOCK == 0 and (stop % BLOCK == 0 or stop == self.size)
        region = (np.zeros((last - first) * BLOCK, dtype=np.float32) if aligned
                  else self._decoded(first, last))
        region[start - first * BLOCK: stop - first * BLOCK] = values
        self._encode(first, region.reshape(-1, BLOCK))

    def _bounds(self, key: slice) -> tuple[int, int]:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("BlockPCM is read and written by contiguous slices")
        start, stop, _ = key.indices(self.size)
        return start, max(start, stop)

    def _decoded(self, first: int, last: int) -> np.ndarray:
        codes = self._codes[first * BLOCK:last * BLOCK].reshape(-1, BLOCK)
        return (codes * self._scales[first:last, None]).reshape(-1)

    def _encode(self, first: int, blocks: np.ndarray) -> None:
        peaks = np.abs(blocks).max(axis=1)
        loud = peaks > _SILENT
        inverse = np.zeros_like(peaks)
        inverse[loud] = _FULL_SCALE / peaks[loud]
        codes = self._codes[first * BLOCK:(first + blocks.shape[0]) * BLOCK].reshape(-1, BLOCK)
        np.rint(blocks * inverse[:, None], out=blocks)
        codes[:] = blocks
        self._scales[first:first + blocks.shape[0]] = np.where(loud, peaks / _FULL_SCALE, 0)
