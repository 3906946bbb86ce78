"""Export stage: a streaming MP3 encoder (LAME, in a thread), optional WAV, ID3 tags (v2.3
with TYER/TDAT by default, v2.4 on request) and chapters with mutagen.

The encoder takes the mastered programme a chunk at a time, as mastering renders it, so the
programme is never held a second time as 16-bit PCM, and LAME runs on the other core while
the next chunk is being limited.
"""
from __future__ import annotations

import contextlib
import os
import queue
import threading
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from mutagen.id3 import (CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TRCK, TXXX,
                         CTOCFlags, ID3NoHeaderError)

from radio.audio.decoder import SAMPLES_PER_FRAME, StreamDecoder
from radio.audio.lame import Lame
from radio.audio.loudness import FileLoudness, LoudnessMeter
from radio.audio.master import PeakMeter
from radio.errors import AudioError

_NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets unused: players seek by time
# LAME's -q 7: twice as fast as its default and, for speech at CBR 128 kbit/s and above,
# not audibly different; LAME is the slowest step of production.
_LAME_QUALITY = 7
# LAME's encoder delay (576 samples) and an MP3 decoder's delay (529): what a player drops at
# the start of the finished file by its LAME tag, which a stream cannot carry yet.
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
    """TPDF dither to 16 bits: quiet fades into silence stay smooth instead of turning to grit,
    and the same programme always gives the same file.

    The noise is drawn once, six seconds of it, and read round and round: drawing it afresh
    cost a fifth of a second per programme, and a noise a hundred dB down repeating every
    six seconds is as inaudible as one that never repeats. Its odd length puts each chunk at
    a new place in it."""

    _LENGTH = (1 << 18) + 1

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self._noise = (rng.random(self._LENGTH, dtype=np.float32)
                       - rng.random(self._LENGTH, dtype=np.float32))
        self._position = 0

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        """16-bit samples (little-endian int16) of a float chunk."""
        scaled = samples * np.float32(32767.0)
        scaled += self._next_noise(scaled.size)
        np.rint(scaled, out=scaled)
        np.clip(scaled, -32768, 32767, out=scaled)
        return scaled.astype("<i2")

    def _next_noise(self, size: int) -> np.ndarray:
        start = self._position % self._LENGTH
        self._position += size
        pieces, wanted = [], size
        while wanted:
            piece = self._noise[start:start + wanted]
            pieces.append(piece)
            wanted -= piece.size
            start = 0
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def to_pcm16(samples: np.ndarray, seed: int = 0) -> bytes:
    return Dither(seed)(samples).tobytes()


class Encoder:
    """Write float chunks to an MP3 (CBR) and, if asked, to a 16-bit WAV with the same samples.

    LAME runs in a thread of its own (``audio/lame.py``), so a chunk is encoded while the next
    is mastered. Given the number of ``frames`` it will be fed, the encoder also measures the
    MP3 as a player will decode it (``measured``, and ``meter`` for any stretch of it): the
    stream is also decoded in this process (``audio/decoder.py``) and a thread measures what
    comes out, so the file is measured while it is being made instead of decoded afterwards.

    Use as a context manager; leaving it with an exception stops the encoder and leaves the
    caller's temporary files to be discarded."""

    def __init__(self, mp3: Path, rate: int, bitrate_kbps: int, wav: Path | None = None,
                 frames: int | None = None) -> None:
        self.mp3, self.rate, self.bitrate, self.wav_path = mp3, rate, bitrate_kbps, wav
        self.frames = frames
        self.measured: FileLoudness | None = None
        self.meter: LoudnessMeter | None = None
        self._dither = Dither()
        self._lame: Lame | None = None
        self._file = None
        self._measuring: _Measuring | None = None
        self._wav: wave.Wave_write | None = None
        self._chunks: queue.Queue = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._broken: BaseException | None = None

    def __enter__(self) -> "Encoder":
        self._lame = Lame(self.rate, self.bitrate, _LAME_QUALITY)
        self._file = open(self.mp3, "wb")
        if self.frames is not None:
            self._measuring = _Measuring(self.rate, self.frames)
        if self.wav_path is not None:
            self._wav = wave.open(str(self.wav_path), "wb")
            self._wav.setnchannels(1)
            self._wav.setsampwidth(2)
            self._wav.setframerate(self.rate)
        self._thread = threading.Thread(target=self._encode, name="lame", daemon=True)
        self._thread.start()
        return self

    def __call__(self, samples: np.ndarray) -> None:
        pcm = self._dither(samples)
        self._raise_if_broken()
        self._chunks.put(pcm)
        if self._wav is not None:
            self._wav.writeframes(memoryview(pcm))

    def _encode(self) -> None:
        try:
            while (pcm := self._chunks.get()) is not None:
                self._out(self._lame.encode(pcm))
            self._out(self._lame.flush())
        except BaseException as exc:  # said in the caller's thread
            self._broken = exc
            while self._chunks.get() is not None:  # the caller must never block on a full queue
                pass

    def _out(self, data: bytes) -> None:
        self._file.write(data)
        if self._measuring is not None:
            self._measuring.feed(data)

    def __exit__(self, kind, error, trace) -> None:
        self._chunks.put(None)
        self._thread.join()
        try:
            if self._wav is not None:
                self._wav.close()
            if kind is None:
                self._raise_if_broken()
                self._file.seek(0)
                self._file.write(self._lame.tag())  # over its placeholder: the stream is complete
                self._file.close()
                if self._measuring is not None:
                    self.measured, self.meter = self._measuring.result(self.mp3, self._lame.frames)
        finally:
            self._file.close()
            self._lame.close()
            if self._measuring is not None:
                self._measuring.stop()

    def _raise_if_broken(self) -> None:
        broken = self._broken
        if broken is None:
            return
        if isinstance(broken, (OSError, AudioError)):
            raise broken  # a full disk is said by whoever writes the file (fileio)
        raise AudioError(f"Không mã hoá được tệp MP3 {self.mp3} ({broken}).",
                         hint="chạy lại lệnh sản xuất; nếu lỗi lặp lại, cài lại phần mềm.") from broken


class _Measuring:
    """The encoder's stream decoded in this process (``audio/decoder.py``) and measured in a
    thread as it comes: BS.1770 loudness (``LoudnessMeter``) and true and sample peaks
    (``PeakMeter``). The stream's first frame is the LAME tag's placeholder, which the decoder
    passes over as a player passes over the finished tag."""

    def __init__(self, rate: int, frames: int) -> None:
        self._frames = frames
        self._decoder = StreamDecoder(rate)
        self._loudness = LoudnessMeter(rate)
        self._peaks = PeakMeter()
        self._broken: BaseException | None = None
        self._thread = threading.Thread(target=self._read, name="mp3-meter", daemon=True)
        self._thread.start()

    def feed(self, data: bytes) -> None:
        self._decoder.feed(data)

    def _read(self) -> None:
        # The encoder, the longest step, goes first: the meter may lag and catch up after.
        with contextlib.suppress(OSError, AttributeError):  # Linux: a thread's own priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        try:
            heard = 0  # samples of the programme measured, the codec's delay not counted
            for samples in self._decoder.samples():
                begin = max(0, _CODEC_DELAY - (self._decoder.decoded - samples.size))
                end = max(begin, min(samples.size, begin + self._frames - heard))
                self._loudness.feed(samples[begin:end])
                self._peaks.feed(samples[begin:end])
                heard += end - begin
        except BaseException as exc:  # said by result(), in the caller's thread
            self._broken = exc

    def result(self, path: Path, encoded_frames: int) -> tuple[FileLoudness, LoudnessMeter]:
        """The figures, once the whole stream is in: ``encoded_frames`` MPEG frames, every one
        of which the decoder must have given back, or the measure is not the file's."""
        self._decoder.end()
        self._thread.join()
        decoded, expected = self._decoder.decoded, encoded_frames * SAMPLES_PER_FRAME
        if self._broken is not None or decoded != expected:
            cause = self._broken or f"giải mã được {decoded} mẫu, tệp có {expected}"
            raise AudioError(f"Không đo được âm lượng của tệp {path} ({cause}).",
                             hint="tệp có thể bị hỏng; chạy lại lệnh sản xuất.")
        meter = self._loudness
        return FileLoudness(round(meter.integrated(), 2), round(meter.loudness_range(), 2),
                            round(self._peaks.true_peak_db, 2), round(self._peaks.sample_peak_db, 2)), meter

    def stop(self) -> None:
        self._decoder.end()
        self._thread.join()


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

