"""The ffmpeg binary (from the imageio-ffmpeg wheel) and raw decoding through it.

imageio-ffmpeg ships ffmpeg but not ffprobe, and pydub calls ffprobe to open anything that
is not WAV. So every non-WAV file is decoded here, straight to float samples, by ffmpeg.
"""
from __future__ import annotations

import functools
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
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


@dataclass(frozen=True)
class FileLoudness:
    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    sample_peak_dbfs: float


_EBUR128 = "ebur128=peak=sample+true:framelog=quiet"


def measure_file(path: Path | str) -> FileLoudness:
    """EBU R128 figures of an encoded file as a player decodes it (ffmpeg's ebur128 filter),
    streamed: nothing of the file is held in memory here."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-i", str(path),
               "-af", _EBUR128, "-f", "null", "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    return loudness_summary(result.returncode, result.stderr, path)


def mp3_measurer(source, frames: int, skip: int) -> subprocess.Popen:
    """An ffmpeg process measuring an MP3 stream read from ``source`` (a pipe) as a player
    decodes the finished file: the first ``skip`` decoded samples (the codec's delay, which a
    player drops by the file's LAME tag) and anything past ``frames`` are left out. Read its
    result with ``loudness_summary`` once its input has ended."""
    return subprocess.Popen([ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-f", "mp3",
                             "-i", "pipe:0", "-af",
                             f"atrim=start_sample={skip}:end_sample={skip + frames},{_EBUR128}",
                             "-f", "null", "-"],
                            stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def loudness_summary(returncode: int, stderr: bytes, path: Path | str) -> FileLoudness:
    """The figures of an ebur128 run's summary."""
    log = stderr.decode("utf-8", "replace")
    if returncode != 0 or "Summary:" not in log:
        raise AudioError(f"Không đo được âm lượng của tệp {path}.",
                         hint="tệp có thể bị hỏng; chạy lại lệnh sản xuất.")
    summary = log[log.rindex("Summary:"):]

    def value(label: str, unit: str) -> float:
        found = re.search(rf"{label}\s+(-?[\d.]+|-inf)\s+{unit}", summary)
        return -math.inf if found is None or found.group(1) == "-inf" else float(found.group(1))

    true_section = summary[summary.index("True peak:"):]
    sample_section = summary[summary.index("Sample peak:"):summary.index("True peak:")]
    peak = lambda section: float(re.search(r"Peak:\s+(-?[\d.]+|-inf)", section).group(1))  # noqa: E731
    return FileLoudness(value("I:", "LUFS"), value("LRA:", "LU"), peak(true_section),
                        peak(sample_section))
