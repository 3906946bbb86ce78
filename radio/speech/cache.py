"""Content-addressed clip cache: one WAV per (engine, version, voice, speed, spoken text).

Writes are atomic (temp file + rename), so two productions running at once can only ever
both write the same bytes to the same name; a torn or corrupt file is treated as a miss.
Clips sit under one folder per engine so ``radio cache stats`` can say what each one holds,
and every hit refreshes the file's time so pruning removes what has not been used for long.
"""
from __future__ import annotations

import hashlib
import io
import os
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError

from radio.fileio import write_bytes

DAY_S = 86400


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


@dataclass
class EngineUsage:
    clips: int = 0
    bytes: int = 0
    seconds: float = 0.0


@dataclass
class CacheStats:
    root: Path
    engines: dict[str, EngineUsage] = field(default_factory=dict)
    oldest_unused_days: float | None = None

    @property
    def clips(self) -> int:
        return sum(u.clips for u in self.engines.values())

    @property
    def bytes(self) -> int:
        return sum(u.bytes for u in self.engines.values())


@dataclass
class PruneResult:
    removed: int
    freed_bytes: int
    kept: int


class ClipCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: ClipKey) -> Path:
        return self.root / clip_name(key.engine, key.digest)

    def keep_young(self, names: list[str]) -> None:
        """Mark clips as used without reading them: an unchanged programme made again
        still needs its clips for the next edit, so pruning by age must spare them."""
        for name in names:
            path = self.root / name
            if path.exists():
                _touch(path)

    def get(self, key: ClipKey) -> AudioSegment | None:
        path = self.path(key)
        try:
            audio = AudioSegment.from_wav(path)
        except FileNotFoundError:
            return None
        except (CouldntDecodeError, wave.Error, EOFError, OSError, ValueError, IndexError):
            path.unlink(missing_ok=True)  # corrupt: re-synthesize rather than air garbage
            return None
        if len(audio) == 0:
            path.unlink(missing_ok=True)
            return None
        _touch(path)
        return audio

    def put(self, key: ClipKey, audio: AudioSegment) -> None:
        buffer = io.BytesIO()
        audio.export(buffer, format="wav")
        write_bytes(self.path(key), buffer.getvalue())

    def _files(self, pattern: str):
        if not self.root.is_dir():
            return
        for engine_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for path in engine_dir.glob(pattern):
                yield engine_dir.name, path

    def _clips(self):
        # Dot-files are writes in progress, or leftovers of a killed run: not clips.
        return ((name, path) for name, path in self._files("*/*.wav")
                if not path.name.startswith("."))

    def stats(self) -> CacheStats:
        stats = CacheStats(self.root)
        now = time.time()
        oldest = None
        for engine, path in self._clips():
            info = path.stat()
            usage = stats.engines.setdefault(engine, EngineUsage())
            usage.clips += 1
            usage.bytes += info.st_size
            usage.seconds += _wav_seconds(path)
            oldest = info.st_mtime if oldest is None else min(oldest, info.st_mtime)
        if oldest is not None:
            stats.oldest_unused_days = (now - oldest) / DAY_S
        return stats

    def prune(self, *, older_than_days: float | None = None, engine: str | None = None,
              max_bytes: int | None = None) -> PruneResult:
        """Remove clips unused for ``older_than_days``, or of ``engine``, then the least
        recently used ones until the cache fits in ``max_bytes``."""
        now = time.time()
        entries = [(path.stat().st_mtime, path.stat().st_size, name, path)
                   for name, path in self._clips()]
        entries.sort()  # least recently used first
        removed = freed = 0
        survivors = []
        for mtime, size, name, path in entries:
            stale = older_than_days is not None and now - mtime > older_than_days * DAY_S
            if stale or (engine is not None and name == engine):
                path.unlink(missing_ok=True)
                removed, freed = removed + 1, freed + size
            else:
                survivors.append((size, path))
        total = sum(size for size, _ in survivors)
        while max_bytes is not None and survivors and total > max_bytes:
            size, path = survivors.pop(0)
            path.unlink(missing_ok=True)
            removed, freed, total = removed + 1, freed + size, total - size
        freed += self._remove_leftovers(now)
        return PruneResult(removed, freed, len(survivors))

    def _remove_leftovers(self, now: float) -> int:
        """Temporary files of killed productions; an hour old, so none is still being written."""
        freed = 0
        for _, path in self._files("*/.*"):
            info = path.stat()
            if now - info.st_mtime > 3600:
                path.unlink(missing_ok=True)
                freed += info.st_size
        return freed


def clip_name(engine: str, digest: str) -> str:
    """A clip's place in the cache, relative to its root (kept in the manifest)."""
    return f"{engine}/{digest[:2]}/{digest}.wav"


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass  # a read-only cache still serves clips; it just cannot age them


def _wav_seconds(path: Path) -> float:
    try:
        with wave.open(str(path)) as handle:
            return handle.getnframes() / handle.getframerate()
    except (wave.Error, EOFError, OSError):
        return 0.0
