"""An MP3 stream decoded in this process while it is still being written, as a player
decodes the finished file: miniaudio's dr_mp3 (a minimp3 decoder) reading from a buffer the
encoder's thread fills.

Why not ffmpeg, which decodes everything else: ffmpeg 9 hands every 1,152-sample frame from
one of its threads to the next. Decoding the 13-minute sample programme through it made
300,000 futex calls and cost 1.4 s of CPU; dr_mp3 in a thread here costs 0.5 s, and its
samples agree with ffmpeg's to 5e-5 (float rounding).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator

import miniaudio
import numpy as np

_CHUNK_FRAMES = 1 << 16  # samples handed over at a time: 1.5 s at 44.1 kHz
SAMPLES_PER_FRAME = 1152  # an MPEG-1 Layer III frame


class StreamDecoder:
    """MP3 bytes in from one thread (``feed``, then ``end``), float32 samples out in another
    (``samples``), as soon as there are bytes enough. ``decoded`` counts every sample given,
    the codec's delay included."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.decoded = 0
        self._source = _Pending()

    def feed(self, data: bytes) -> None:
        self._source.put(data)

    def end(self) -> None:
        """No more bytes: the decoder finishes what it has (also how a failed stream is let go)."""
        self._source.finish()

    def samples(self) -> Iterator[np.ndarray]:
        stream = miniaudio.stream_any(self._source, source_format=miniaudio.FileFormat.MP3,
                                      output_format=miniaudio.SampleFormat.FLOAT32, nchannels=1,
                                      sample_rate=self.rate, frames_to_read=_CHUNK_FRAMES)
        for chunk in stream:
            samples = np.frombuffer(chunk, dtype=np.float32)
            self.decoded += samples.size
            yield samples


class _Pending(miniaudio.StreamableSource):
    """The bytes written so far and not yet read. A read waits until it can be answered in
    full or the stream has ended: dr_mp3 takes a short read for the end of the stream."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ended = False
        self._ready = threading.Condition()

    def put(self, data: bytes) -> None:
        with self._ready:
            self._data += data
            self._ready.notify()

    def finish(self) -> None:
        with self._ready:
            self._ended = True
            self._ready.notify()

    def read(self, size: int) -> bytes:
        with self._ready:
            self._ready.wait_for(lambda: self._ended or len(self._data) >= size)
            taken = bytes(self._data[:size])
            del self._data[:size]  # bytearray drops its head without moving the rest
            return taken
