"""What identifies a programme's sound: a hash of its MPEG audio frames.

Kept apart from the export stage so that the commands that only look (status, the player's
checks, approval) can verify audio without importing the encoder, numpy or mutagen.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path


def audio_sha256(path: Path) -> str:
    """Hash of the MPEG audio frames only: ID3v2 at the start and ID3v1 at the end are
    skipped, so retagging a file (with its approval) keeps the hash an approval binds to,
    while any change to the sound changes it."""
    return audio_sha256_of(Path(path).read_bytes())


def audio_sha256_of(data: bytes) -> str:
    """The same hash of bytes already in memory (what the player is about to air)."""
    start, end = audio_span(data)
    return hashlib.sha256(memoryview(data)[start:end]).hexdigest()


def audio_span(data: bytes) -> tuple[int, int]:
    """Where the MPEG frames of an MP3 file's bytes begin and end (tags left out)."""
    start = 0
    while data[start:start + 3] == b"ID3" and len(data) >= start + 10:
        size = 0
        for byte in data[start + 6:start + 10]:
            size = (size << 7) | (byte & 0x7F)
        start += 10 + size + (10 if data[start + 5] & 0x10 else 0)
    end = len(data) - 128 if data[-128:-125] == b"TAG" else len(data)
    return start, end


# Layer III bitrates (kbit/s) by header index: MPEG-1, then MPEG-2 and 2.5.
_BITRATES = {1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
             2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_frames(data: bytes) -> list[tuple[int, int, float]]:
    """The Layer III frames of an MP3 file's bytes as (offset, length, seconds), the Xing /
    LAME information frame left out: what a stream sends, paced by each frame's length."""
    start, end = audio_span(data)
    frames: list[tuple[int, int, float]] = []
    at = start
    while at + 4 <= end:
        frame = frame_at(data[at:at + 4])
        if frame is None:
            at += 1  # not a frame header: resynchronise byte by byte
            continue
        length, seconds = frame
        if at + length > end:
            break
        if not _is_info_frame(data[at:at + length]):
            frames.append((at, length, seconds))
        at += length
    return frames


def frame_at(header_bytes: bytes) -> tuple[int, float] | None:
    """The length in bytes and seconds of the Layer III frame whose header these four bytes
    are, or None when they are not one."""
    header = int.from_bytes(header_bytes, "big")
    version, layer = (header >> 19) & 3, (header >> 17) & 3
    bitrate_index, rate_index = (header >> 12) & 15, (header >> 10) & 3
    if (header >> 21) != 0x7FF or version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    rate = _RATES[version][rate_index]
    samples = 1152 if mpeg1 else 576
    length = samples // 8 * _BITRATES[1 if mpeg1 else 2][bitrate_index] * 1000 // rate + ((header >> 9) & 1)
    return length, samples / rate


def _is_info_frame(frame: bytes) -> bool:
    return b"Xing" in frame[:64] or b"Info" in frame[:64]


class RememberedHashes:
    """Audio hashes remembered across runs of the commands that only look (``radio status``
    hashes every month's working and pinned MP3s, 30 ms each). A hash is reused only while
    the file's size, inode, mtime and ctime are all unchanged; ctime cannot be set back by a
    user, so an edited file is hashed again. The player and scheduling never use this: they
    hash in full before anything airs."""

    def __init__(self, store_file: Path) -> None:
        self.store_file = store_file
        self.changed = False
        try:
            self.known: dict[str, list] = json.loads(store_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}

    def __call__(self, path: Path) -> str:
        stat = path.stat()
        stamp = [stat.st_size, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns]
        key = str(path.resolve())
        seen = self.known.get(key)
        if isinstance(seen, list) and seen[:4] == stamp and len(seen) == 5:
            return seen[4]
        digest = audio_sha256(path)
        self.known[key] = [*stamp, digest]
        self.changed = True
        return digest

    def save(self) -> None:
        """Best effort: a folder the operator may not write to only costs the next run time."""
        if not self.changed:
            return
        from radio.fileio import write_json

        try:
            write_json(self.store_file, self.known)
        except Exception:  # noqa: BLE001 - remembering is an optimisation, never an error
            pass
