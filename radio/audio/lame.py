"""LAME in this process, through the library the lameenc wheel ships.

ffmpeg 9 runs each stage of its pipeline in a thread of its own and hands every 1,152-sample
MP3 frame from one to the next: encoding a 13-minute programme through it made 325,000 futex
calls and cost a third more CPU than LAME itself. Called here, LAME encodes a chunk while the
next one is mastered (ctypes lets go of the GIL for each call), and writes its own LAME tag —
the encoder delay and padding a player drops, so the file plays gapless and as long as the
programme, as ffmpeg's muxer made it.

lameenc's Python API has no way to ask for that tag, so its library's own LAME functions are
called through ctypes (lameenc links LAME in and exports them); ``tests/test_audio_files.py``
checks the tag a player reads.
"""
from __future__ import annotations

import ctypes
import functools

import numpy as np

from radio.errors import AudioError

_MONO = 3  # LAME's MPEG_mode MONO
_Handle = ctypes.c_void_p


@functools.lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    try:
        import lameenc

        lib = ctypes.CDLL(lameenc.__file__)
        lib.lame_init.restype = _Handle
        for name in ("lame_set_in_samplerate", "lame_set_out_samplerate", "lame_set_num_channels",
                     "lame_set_mode", "lame_set_brate", "lame_set_quality", "lame_set_bWriteVbrTag"):
            getattr(lib, name).argtypes = [_Handle, ctypes.c_int]
        lib.lame_init_params.argtypes = [_Handle]
        lib.lame_encode_buffer.argtypes = [_Handle, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                                           ctypes.c_void_p, ctypes.c_int]
        lib.lame_encode_flush.argtypes = [_Handle, ctypes.c_void_p, ctypes.c_int]
        lib.lame_get_lametag_frame.argtypes = [_Handle, ctypes.c_void_p, ctypes.c_size_t]
        lib.lame_get_lametag_frame.restype = ctypes.c_size_t
        lib.lame_get_frameNum.argtypes = [_Handle]
        lib.lame_close.argtypes = [_Handle]
        return lib
    except (ImportError, OSError, AttributeError) as exc:
        raise AudioError(f"Không nạp được bộ mã hoá MP3 LAME ({exc}).",
                         hint="chạy lại lệnh cài đặt trong README (scripts/setup) để cài lại gói lameenc.") from None


class Lame:
    """One MP3 stream: CBR at ``bitrate_kbps``, mono, LAME's ``quality`` (0 best … 9 fastest).

    The first frame it gives is a placeholder for the LAME tag; once the stream is flushed,
    ``tag()`` is the frame to write over it."""

    def __init__(self, rate: int, bitrate_kbps: int, quality: int) -> None:
        self._lib = _library()
        self._handle = self._lib.lame_init()
        if not self._handle:
            raise AudioError("Không khởi động được bộ mã hoá MP3 LAME (thiếu bộ nhớ?).",
                             hint="đóng bớt chương trình khác rồi chạy lại.")
        for setter, value in (("in_samplerate", rate), ("out_samplerate", rate), ("num_channels", 1),
                              ("mode", _MONO), ("brate", bitrate_kbps), ("quality", quality),
                              ("bWriteVbrTag", 1)):
            getattr(self._lib, f"lame_set_{setter}")(self._handle, value)
        if self._lib.lame_init_params(self._handle) < 0:
            self.close()
            raise AudioError(f"Bộ mã hoá MP3 không nhận thông số {bitrate_kbps} kbit/s, {rate} Hz.",
                             hint="sửa audio.bitrate_kbps hoặc audio.sample_rate trong station.yaml.")
        self._out = np.empty(0, dtype=np.uint8)

    def encode(self, pcm: np.ndarray) -> bytes:
        """MP3 bytes for 16-bit samples (what LAME has ready: it keeps some back)."""
        pcm = np.ascontiguousarray(pcm, dtype=np.int16)
        out = self._room(int(1.25 * pcm.size) + 7200)  # LAME's own worst case
        made = self._lib.lame_encode_buffer(self._handle, pcm.ctypes.data, pcm.ctypes.data, pcm.size,
                                            out.ctypes.data, out.size)
        return self._made(made, out)

    def flush(self) -> bytes:
        out = self._room(7200)
        return self._made(self._lib.lame_encode_flush(self._handle, out.ctypes.data, out.size), out)

    def tag(self) -> bytes:
        out = self._room(int(self._lib.lame_get_lametag_frame(self._handle, None, 0)))
        return out[:self._lib.lame_get_lametag_frame(self._handle, out.ctypes.data, out.size)].tobytes()

    @property
    def frames(self) -> int:
        """MPEG frames of sound encoded so far (the tag's frame not counted)."""
        return self._lib.lame_get_frameNum(self._handle)

    def close(self) -> None:
        if self._handle:
            self._lib.lame_close(self._handle)
            self._handle = None

    def _room(self, size: int) -> np.ndarray:
        if self._out.size < size:
            self._out = np.empty(size, dtype=np.uint8)
        return self._out

    @staticmethod
    def _made(count: int, out: np.ndarray) -> bytes:
        if count < 0:
            raise AudioError(f"Bộ mã hoá MP3 LAME báo lỗi {count}.",
                             hint="chạy lại lệnh sản xuất; nếu lỗi lặp lại, cài lại phần mềm.")
        return out[:count].tobytes()
