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

import numpy as np

from radio.errors import AudioError


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


def decode(path: Path | str, sample_rate: int, channels: int = 1) -> np.ndarray:
    """Decode any audio file ffmpeg knows to float32 samples, shape (frames, channels)."""
    path = Path(path)
    if not path.exists():
        raise AudioError(f"Không tìm thấy tệp âm thanh {path}.",
                         hint="kiểm tra đường dẫn trong station.yaml.")
    try:
        raw = run(["-i", str(path), "-vn", "-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le",
                   "-ac", str(channels), "-ar", str(sample_rate), "-"])
    except AudioError as exc:
        raise AudioError(f"Tệp âm thanh {path} bị hỏng hoặc không đúng định dạng ({exc.message}).",
                         hint="mở thử tệp bằng trình nghe nhạc; nếu không nghe được, xuất lại tệp "
                              "dạng WAV hoặc MP3.") from None
    samples = np.frombuffer(raw, dtype=np.float32)
    if samples.size == 0:
        raise AudioError(f"Tệp âm thanh {path} không có tiếng (độ dài bằng 0).",
                         hint="chọn tệp âm thanh khác.")
    return samples.reshape(-1, channels)
