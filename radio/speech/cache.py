"""Content-addressed clip cache: one WAV per (engine, version, voice, speed, spoken text).

Writes are atomic (temp file + rename), so two productions running at once can only ever
both write the same bytes to the same name; a torn or corrupt file is treated as a miss.
"""
from __future__ import annotations

import hashlib
import io
import wave
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError

from radio.fileio import write_bytes


@dataclass(frozen=True)
class ClipKey:
    engine: str
    engine_version: str
    voice: str
    speed: float
    text: str

    @property
    def digest(self) -> str:
        material = "\x1f".join([self.engine, self.engine_version, self.voice,
                                f"{self.speed:.3f}", self.text])
        return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ClipCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: ClipKey) -> Path:
        digest = key.digest
        return self.root / digest[:2] / f"{digest}.wav"

    def get(self, key: ClipKey) -> AudioSegment | None:
        path = self.path(key)
        try:
            return AudioSegment.from_wav(path)
        except FileNotFoundError:
            return None
        except (CouldntDecodeError, wave.Error, EOFError, OSError, ValueError, IndexError):
            path.unlink(missing_ok=True)  # corrupt: re-synthesize rather than air garbage
            return None

    def put(self, key: ClipKey, audio: AudioSegment) -> None:
        buffer = io.BytesIO()
        audio.export(buffer, format="wav")
        write_bytes(self.path(key), buffer.getvalue())
