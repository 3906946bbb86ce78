"""Export stage: a streaming MP3 encoder (LAME in ffmpeg), optional WAV, ID3 tags (v2.3
with TYER/TDAT by default, v2.4 on request) and chapters with mutagen.

The encoder takes the mastered programme a chunk at a time, as mastering renders it, so the
programme is never held a second time as 16-bit PCM, and LAME runs in its own process on the
other core while the next chunk is being limited.
"""
from __future__ import annotations

import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from mutagen.id3 import (CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TRCK, TXXX,
                         CTOCFlags, ID3NoHeaderError)

from radio.audio.ffmpeg import FileLoudness, ffmpeg_exe, loudness_summary, mp3_measurer
from radio.errors import AudioError

_NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets unused: players seek by time
# LAME's -q 7: twice as fast as its default and, for speech at CBR 128 kbit/s and above,
# not audibly different; LAME is the slowest step of production.
_LAME_QUALITY = "7"
# LAME's encoder delay (576 samples) and ffmpeg's MP3 decoder delay (529): what a player drops
# at the start of the finished file by its LAME tag, which a stream cannot carry yet.
_CODEC_DELAY = 1105


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str
    album: str
    date: str
    track: int
    # Said in Vietnamese: players show the genre as written.
    genre: str = "Thông tin – Tuyên truyền"
    comment: str = ""
    script_sha256: str = ""
    approval: str = ""
    chapters: list[Chapter] = field(default_factory=list)
    id3_version: int = 3  # 3 or 4: ID3v2.3 or ID3v2.4


class Dither:
    """TPDF dither to 16 bits, one seeded generator across chunks: quiet fades into silence
    stay smooth instead of turning to grit, and the same programme always gives the same file."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def __call__(self, samples: np.ndarray) -> bytes:
        noise = (self._rng.random(samples.size, dtype=np.float32)
                 - self._rng.random(samples.size, dtype=np.float32))
        scaled = samples * np.float32(32767.0) + noise
        return np.clip(np.round(scaled), -32768, 32767).astype("<i2").tobytes()


def to_pcm16(samples: np.ndarray, seed: int = 0) -> bytes:
    return Dither(seed)(samples)


class Encoder:
    """Write float chunks to an MP3 (CBR) and, if asked, to a 16-bit WAV with the same samples.

    Given the number of ``frames`` it will be fed, it also measures the MP3 as a player will
    decode it (``measured``, ffmpeg's ebur128): the encoder sends a copy of its stream to a
    second ffmpeg process, so the file is measured on the other core while it is being made
    instead of decoded again afterwards.

    Use as a context manager; leaving it with an exception kills the encoder and leaves the
    caller's temporary files to be discarded."""

    def __init__(self, mp3: Path, rate: int, bitrate_kbps: int, wav: Path | None = None,
                 frames: int | None = None) -> None:
        self.mp3, self.rate, self.bitrate, self.wav_path = mp3, rate, bitrate_kbps, wav
        self.frames = frames
        self.measured: FileLoudness | None = None
        self._dither = Dither()
        self._process: subprocess.Popen | None = None
        self._measurer: subprocess.Popen | None = None
        self._wav: wave.Wave_write | None = None

    def __enter__(self) -> "Encoder":
        command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                   "-f", "s16le", "-ar", str(self.rate), "-ac", "1", "-i", "pipe:0",
                   "-c:a", "libmp3lame", "-b:a", f"{self.bitrate}k",
                   "-compression_level", _LAME_QUALITY]
        if self.frames is None:
            command += ["-write_xing", "1", "-f", "mp3", str(self.mp3)]
        else:  # one encoding, two copies: the file (byte for byte as above) and a stream
            command += ["-map", "0:a", "-f", "tee",
                        f"[f=mp3:write_xing=1]{_quoted(self.mp3)}|[f=mp3:write_xing=0]pipe:1"]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                                         stdout=subprocess.DEVNULL if self.frames is None
                                         else subprocess.PIPE)
        if self.frames is not None:
            self._measurer = mp3_measurer(self._process.stdout, self.frames, _CODEC_DELAY)
            self._process.stdout.close()  # the measurer holds the stream now
        if self.wav_path is not None:
            self._wav = wave.open(str(self.wav_path), "wb")
            self._wav.setnchannels(1)
            self._wav.setsampwidth(2)
            self._wav.setframerate(self.rate)
        return self

    def __call__(self, samples: np.ndarray) -> None:
        pcm = self._dither(samples)
        try:
            self._process.stdin.write(pcm)
        except BrokenPipeError:
            self._fail()
        if self._wav is not None:
            self._wav.writeframes(pcm)

    def __exit__(self, kind, error, trace) -> None:
        if self._wav is not None:
            self._wav.close()
        if kind is not None:
            for process in filter(None, (self._process, self._measurer)):
                process.kill()
                process.wait()
            return
        self._process.stdin.close()
        if self._process.wait() != 0:
            self._fail()
        if self._measurer is not None:
            _, log = self._measurer.communicate()
            self.measured = loudness_summary(self._measurer.returncode, log, self.mp3)

    def _fail(self) -> None:
        self._process.kill()
        detail = self._process.stderr.read().decode("utf-8", "replace").strip().splitlines()
        self._process.wait()
        if self._measurer is not None:
            self._measurer.kill()
            self._measurer.wait()
        raise AudioError(f"Không mã hoá được tệp MP3 {self.mp3} "
                         f"({detail[-1] if detail else 'ffmpeg dừng bất thường'}).",
                         hint="kiểm tra dung lượng ổ đĩa và cài lại phần mềm nếu lỗi lặp lại.")


def _quoted(path: Path) -> str:
    """A file name as ffmpeg's tee muxer reads it, whatever characters it holds."""
    name = f"file:{Path(path).absolute()}"
    return "'" + name.replace("'", "'\\''") + "'"


def write_mp3(samples: np.ndarray, rate: int, path: Path, bitrate_kbps: int) -> None:
    """Encode a whole array (short excerpts, tests)."""
    with Encoder(path, rate, bitrate_kbps) as encoder:
        for begin in range(0, samples.size, 1 << 20):
            encoder(samples[begin:begin + (1 << 20)])


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
    if tags.approval:
        id3.add(TXXX(encoding=3, desc="approval", text=tags.approval))
    _add_chapters(id3, tags.chapters)
    _save(id3, path, tags.id3_version)


def _add_chapters(id3: ID3, chapters: list[Chapter]) -> None:
    """ID3v2 chapters (CHAP) and their table of contents (CTOC), so players and the
    station's website can jump to a segment."""
    if not chapters:
        return
    for chapter in chapters:
        id3.add(CHAP(element_id=chapter.id, start_time=round(chapter.start_s * 1000),
                     end_time=round(chapter.end_s * 1000), start_offset=_NO_OFFSET,
                     end_offset=_NO_OFFSET, sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                 child_element_ids=[c.id for c in chapters],
                 sub_frames=[TIT2(encoding=3, text="Các phần của chương trình")]))


def write_approval_tag(path: Path, text: str) -> None:
    """Add the approval to an existing file's tags (the audio frames are not touched)."""
    id3 = ID3(str(path))
    id3.delall("TXXX:approval")
    id3.add(TXXX(encoding=3, desc="approval", text=text))
    comments = [c.text[0] for c in id3.getall("COMM") if c.text]
    id3.delall("COMM")
    base = [c for c in comments if not c.startswith("Đã duyệt")]
    id3.add(COMM(encoding=3, lang="vie", desc="", text="; ".join([*base[:1], text])))
    _save(id3, path, id3.version[1])  # the version the file was written with


def _save(id3: ID3, path: Path, version: int) -> None:
    # mutagen writes UTF-8 text as UTF-16 for ID3v2.3 but keeps v2.4 frames as they are:
    # TDRC (which eyeD3 and Windows ignore in a v2.3 tag) becomes TYER (and TDAT with a day)
    # only through update_to_v23. A v2.3 file read back is upgraded in memory, so the
    # approval rewrite needs the same step.
    if version == 3:
        id3.update_to_v23()
    id3.save(str(path), v2_version=version)
    chapters_in_time_order(path)


def chapters_in_time_order(path: Path) -> None:
    """Put the CHAP frames of the file's ID3v2 tag in time order, in place.

    mutagen writes frames sorted by their encoded size, so chapters came out in an order
    that readers which list frames as found (ffmpeg, eyeD3, many players) show as is. Only
    the CHAP frames trade places, so the tag keeps its size and every other byte."""
    with open(path, "r+b") as handle:
        header = handle.read(10)
        if header[:3] != b"ID3" or header[3] not in (3, 4) or header[5] & 0x40:
            return  # no tag, an old version, or an extended header: nothing we wrote
        body = handle.read(_syncsafe(header[6:10]))
        frames, position = [], 0
        while position + 10 <= len(body) and body[position:position + 4] != b"\0\0\0\0":
            raw_size = body[position + 4:position + 8]
            size = _syncsafe(raw_size) if header[3] == 4 else int.from_bytes(raw_size, "big")
            frames.append(body[position:position + 10 + size])
            position += 10 + size
        chapters = sorted((f for f in frames if f[:4] == b"CHAP"), key=_chapter_start)
        if not chapters:
            return
        ordered = iter(chapters)
        handle.seek(10)
        handle.write(b"".join(next(ordered) if f[:4] == b"CHAP" else f for f in frames))


def _chapter_start(frame: bytes) -> int:
    id_end = frame.index(b"\0", 10)  # the element id is a terminated string
    return int.from_bytes(frame[id_end + 1:id_end + 5], "big")


def _syncsafe(data: bytes) -> int:
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
    return value

