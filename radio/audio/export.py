"""Export stage: MP3 (CBR, LAME via ffmpeg through pydub) and ID3v2.4 tags with mutagen."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mutagen.id3 import COMM, ID3, TALB, TCON, TDRC, TIT2, TPE1, TRCK, TXXX, ID3NoHeaderError
from pydub import AudioSegment

from radio.audio.ffmpeg import configure_pydub
from radio.errors import AudioError


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str
    album: str
    date: str
    track: int
    genre: str = "Speech"
    comment: str = ""
    script_sha256: str = ""


def to_pcm16(samples: np.ndarray, seed: int = 0) -> bytes:
    # TPDF dither: quiet fades into silence stay smooth instead of turning to grit.
    rng = np.random.default_rng(seed)
    dither = (rng.random(samples.size, dtype=np.float32) - rng.random(samples.size, dtype=np.float32))
    scaled = samples * np.float32(32767.0) + dither
    return np.clip(np.round(scaled), -32768, 32767).astype("<i2").tobytes()


def write_mp3(samples: np.ndarray, rate: int, path: Path, bitrate_kbps: int) -> None:
    configure_pydub()
    audio = AudioSegment(to_pcm16(samples), frame_rate=rate, sample_width=2, channels=1)
    try:
        audio.export(str(path), format="mp3", bitrate=f"{bitrate_kbps}k",
                     parameters=["-write_xing", "1"]).close()
    except Exception as exc:  # pydub raises CouldntEncodeError or OSError with ffmpeg's text
        raise AudioError(f"Không mã hoá được tệp MP3 {path} ({exc}).",
                         hint="kiểm tra dung lượng ổ đĩa và cài lại phần mềm nếu lỗi lặp lại.") from exc


def write_tags(path: Path, tags: Tags) -> None:
    try:
        id3 = ID3(str(path))
    except ID3NoHeaderError:
        id3 = ID3()
    id3.delete(str(path))
    id3.clear()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TDRC(encoding=3, text=tags.date))
    id3.add(TRCK(encoding=3, text=str(tags.track)))
    id3.add(TCON(encoding=3, text=tags.genre))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="vie", desc="", text=tags.comment))
    if tags.script_sha256:
        id3.add(TXXX(encoding=3, desc="script_sha256", text=tags.script_sha256))
    id3.save(str(path), v2_version=4)
