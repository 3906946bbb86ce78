"""The ffmpeg binary (from the imageio-ffmpeg wheel) and raw decoding through it.

imageio-ffmpeg ships ffmpeg but not ffprobe, and pydub calls ffprobe to open anything that
is not WAV. So every non-WAV file is decoded here, straight to float samples, by ffmpeg.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from radio.errors import AudioError

if TYPE_CHECKING:  # numpy loads with the first decode: the player's checks need only the binary
    import numpy as np


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    override = os.environ.get("RADIO_FFMPEG")
    if override:
        return override
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise AudioError("Không tìm thấy chương trình ffmpeg để xử lý âm thanh.",
                     hint="chạy lại lệnh cài đặt trong README (scripts/setup); gói imageio-ffmpeg "
                          "cung cấp sẵn ffmpeg.")


def configure_pydub() -> None:
    from pydub import AudioSegment

    AudioSegment.converter = ffmpeg_exe()


def run(args: list[str], *, input_bytes: bytes | None = None) -> bytes:
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    result = subprocess.run(command, input=input_bytes, capture_output=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AudioError(f"ffmpeg báo lỗi: {detail[-1] if detail else result.returncode}")
    return result.stdout


def _to_float(args: list[str], sample_rate: int, channels: int,
              input_bytes: bytes | None = None) -> np.ndarray:
    import numpy as np

    raw = run([*args, "-vn", "-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le",
               "-ac", str(channels), "-ar", str(sample_rate), "-"], input_bytes=input_bytes)
    return np.frombuffer(raw, dtype=np.float32).reshape(-1, channels)


def decode(path: Path | str, sample_rate: int, channels: int = 1,
           max_seconds: float | None = None) -> np.ndarray:
    """Decode any audio file ffmpeg knows to float32 samples, shape (frames, channels);
    with ``max_seconds``, no more than that is decoded (memory stays bounded)."""
    path = Path(path)
    if not path.exists():
        raise AudioError(f"Không tìm thấy tệp âm thanh {path}.",
                         hint="kiểm tra đường dẫn trong station.yaml.")
    try:
        limit = ["-t", f"{max_seconds:.3f}"] if max_seconds else []
        samples = _to_float(["-i", str(path), *limit], sample_rate, channels)
    except AudioError as exc:
        raise AudioError(f"Tệp âm thanh {path} bị hỏng hoặc không đúng định dạng ({exc.message}).",
                         hint="mở thử tệp bằng trình nghe nhạc; nếu không nghe được, xuất lại tệp "
                              "dạng WAV hoặc MP3.") from None
    if samples.size == 0:
        raise AudioError(f"Tệp âm thanh {path} không có tiếng (độ dài bằng 0).",
                         hint="chọn tệp âm thanh khác.")
    return samples


def decode_bytes(data: bytes, sample_rate: int, channels: int = 1) -> np.ndarray:
    """Decode an in-memory file (an engine's MP3 answer); raises AudioError when broken."""
    return _to_float(["-i", "pipe:0"], sample_rate, channels, input_bytes=data)


def change_tempo(samples: np.ndarray, sample_rate: int, factor: float) -> np.ndarray:
    """Speak faster or slower without changing pitch (ffmpeg's WSOLA ``atempo``)."""
    if abs(factor - 1.0) < 1e-3:
        return samples
    import numpy as np

    mono = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
    return _to_float(["-f", "f32le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
                      "-filter:a", f"atempo={factor:.4f}"], sample_rate, 1,
                     input_bytes=mono.tobytes())[:, 0]
