"""Mix stage: lay speech clips, pauses, the music kit and ducked beds on one timeline.

The timeline is laid a segment at a time, as synthesis finishes each (``Mixer``, a thread of
its own), into one programme-length buffer (``BlockPCM``: 16-bit blocks with their own scale,
half of float32) no matter how many clips there are; each segment's clips are let go once
placed, and everything else is read and written a clip or a few seconds at a time. Each
segment's speech is brought to one reference loudness, so segments spoken by different
engines (after a fallback) or voices sit level with each other. The bed is ducked
by a sidechain on the speech: the speech's own level, in 10 ms frames, drives the bed's gain
with look-ahead, hold and attack/release ramps.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydub import AudioSegment

from radio.audio.blockpcm import BlockPCM
from radio.audio.kernels import resample_poly, upsample_by_2
from radio.audio.kit import SPEECH_LUFS, Kit
from radio.audio.loudness import LoudnessMeter
from radio.models import AudioSettings, BedSettings, Script, Segment
from radio.progress import Progress, Silent
from radio.audio.voiced import VoicedScript, VoicedSegment

STAGE = "Trộn âm thanh"
_TALK_UP_S = 0.9  # speech starts over the intro's ringing tail, as announcers do
_FRAME_S = 0.01  # sidechain resolution
_SPEECH_PRESENT_DB = SPEECH_LUFS - 25  # frame energy above this counts as speech
_BED_FADE_IN_S = 1.0
_BED_FADE_OUT_S = 1.5
_BED_MERGE_S = 4.0  # beds of segments closer than this play on through the gap


@dataclass(frozen=True)
class SegmentTiming:
    id: str
    kind: str
    title: str
    start_s: float
    duration_s: float


@dataclass
class Mix:
    samples: BlockPCM | np.ndarray | None  # mono; slices read as float32; None once let go
    sample_rate: int
    segments: list[SegmentTiming]
    kit_has_bed: bool = False
    #: Where the mixer levelled the speech (mastering's compression is set by it); None:
    #: not levelled here (a bulletin's parts), mastering measures the whole.
    speech_lufs: float | None = None

    def drop_audio(self) -> None:
        """Let the programme's samples go once they are in the MP3 (its timings stay): the
        manifest then reads the file back without the mix still held beside it."""
        self.samples = None


def to_float(audio: AudioSegment, rate: int) -> np.ndarray:
    """Mono float32 at ``rate`` from any pydub segment."""
    audio = audio.set_channels(1)
    scale = float(1 << (8 * audio.sample_width - 1))
    samples = np.asarray(audio.get_array_of_samples(), dtype=np.float32) / scale
    if audio.frame_rate * 2 == rate:  # eSpeak's rate: the most common by far
        samples = upsample_by_2(samples)
    elif audio.frame_rate != rate:
        divisor = np.gcd(audio.frame_rate, rate)
        samples = resample_poly(samples, rate // divisor, audio.frame_rate // divisor)
    return samples.astype(np.float32, copy=False)


def resampled_length(audio: AudioSegment, rate: int) -> int:
    frames = int(audio.frame_count())
    if audio.frame_rate == rate:
        return frames
    divisor = np.gcd(audio.frame_rate, rate)
    up, down = rate // divisor, audio.frame_rate // divisor
    return -(-frames * up // down)


@dataclass(frozen=True)
class SentenceSlot:
    length: int  # samples
    paragraph_end: bool


@dataclass(frozen=True)
class KitLengths:
    intro: int
    stinger: int
    outro: int

    @classmethod
    def of(cls, kit: Kit) -> "KitLengths":
        return cls(kit.intro.size, kit.stinger.size, kit.outro.size)


@dataclass
class Layout:
    """Where everything goes, in samples; used to mix and, with estimated lengths, to
    predict a script's duration before any audio exists."""
    stingers: list[int]
    speech: list[list[int]]  # start of each sentence, per segment
    timings: list[SegmentTiming]
    outro: int
    total: int


class Timeline:
    """The layout worked out a segment at a time, in script order: the mixer places each
    segment as soon as it is spoken, compose's estimate lays out a whole script at once."""

    def __init__(self, kit: KitLengths, settings: AudioSettings, rate: int) -> None:
        self.kit, self.settings, self.rate = kit, settings, rate
        self.timings = [SegmentTiming("intro", "intro", "Nhạc hiệu mở đầu", 0.0, kit.intro / rate)]
        self.stingers: list[int] = []
        self.speech: list[list[int]] = []
        self.cursor = max(0, kit.intro - self._samples(_TALK_UP_S))

    def _samples(self, seconds: float) -> int:
        return int(round(seconds * self.rate))

    def add(self, segment: Segment, slots: list[SentenceSlot]) -> list[int]:
        """Lay out the next segment; the start of each of its sentences."""
        gap = self._samples(self.settings.segment_gap_s)
        if self.speech and segment.stinger_before:
            self.cursor += gap
            self.stingers.append(self.cursor)
            self.cursor += self.kit.stinger
        self.cursor += gap
        start = self.cursor
        starts = []
        for position, slot in enumerate(slots):
            if position:
                self.cursor += self._samples(self.settings.paragraph_pause_s if slots[position - 1].paragraph_end
                                             else self.settings.sentence_pause_s)
            starts.append(self.cursor)
            self.cursor += slot.length
        self.speech.append(starts)
        self.timings.append(SegmentTiming(segment.id, segment.kind, segment.title, start / self.rate,
                                          (self.cursor - start) / self.rate))
        return starts

    def close(self) -> Layout:
        outro = self.cursor + self._samples(self.settings.segment_gap_s)
        timings = [*self.timings, SegmentTiming("outro", "outro", "Nhạc hiệu kết thúc", outro / self.rate,
                                                self.kit.outro / self.rate)]
        return Layout(self.stingers, self.speech, timings, outro, outro + self.kit.outro)


def layout(script: Script, sentences: list[list[SentenceSlot]], kit: KitLengths,
           settings: AudioSettings, rate: int) -> Layout:
    timeline = Timeline(kit, settings, rate)
    for segment, slots in zip(script.segments, sentences):
        timeline.add(segment, slots)
    return timeline.close()


def mix(script: Script, spoken: VoicedScript, kit: Kit, settings: AudioSettings,
        progress: Progress | None = None) -> Mix:
    """Mix a programme whose every segment is spoken already."""
    mixer = Mixer(script, lambda: kit, settings)
    for segment, voiced in zip(script.segments, spoken.segments):
        mixer.take(segment.id, voiced)
    return mixer.finish(progress)


# Room for a programme of this length is reserved before its length is known (untouched
# pages cost nothing); a longer one grows the buffer once.
_ROOM_S = 20 * 60


class Mixer:
    """Mixes a programme segment by segment, in a thread of its own, as synthesis hands each
    one over (``take``): on two cores the mix is done by the time the last sentence is read.

    Segments are placed in script order, whatever order they are spoken in. The kit is
    loaded by the thread first; a kit that cannot be loaded stops the production at the next
    segment handed over, as any failure of the thread does, so nothing is read in vain."""

    #: Where every segment's speech is levelled; mastering's compression is set by it.
    speech_lufs = SPEECH_LUFS

    def __init__(self, script: Script, load_kit: Callable[[], Kit], settings: AudioSettings) -> None:
        self.script, self.settings = script, settings
        self._order = {segment.id: index for index, segment in enumerate(script.segments)}
        self._handed: queue.Queue = queue.Queue()
        self._failure: BaseException | None = None
        self._abandoned = False
        self.finished = False
        self._result: Mix | None = None
        self._watch: tuple[float, float, Callable[[np.ndarray], None]] | None = None
        self._thread = threading.Thread(target=self._run, args=(load_kit,), name="mixer", daemon=True)
        self._thread.start()

    def watch(self, start_s: float, end_s: float, placed: Callable[[np.ndarray], None]) -> None:
        """Have ``placed`` given a copy of the programme from ``start_s`` to ``end_s`` as soon
        as every segment reaching into that stretch is placed (its beds and outro not yet:
        they are laid at the end), from the mixer's thread; never, if the programme is shorter.
        Set before the first segment is handed over."""
        self._watch = (start_s, end_s, placed)

    def take(self, segment_id: str, voiced: VoicedSegment) -> None:
        """A segment whose every sentence is spoken (or a person's reading). It is the
        mixer's from then on: its clips' audio is let go as soon as it is placed, so the
        speech and the programme are not both held whole."""
        self._raise_failure()
        self._handed.put((self._order[segment_id], voiced))

    def finish(self, progress: Progress | None = None) -> Mix:
        progress = progress or Silent()
        progress.start(STAGE, 1)
        self.finished = True
        self._handed.put(None)
        self._thread.join()
        self._raise_failure()
        if self._result is None:
            raise RuntimeError("the mixer was finished before every segment was handed over")
        progress.finish(STAGE)
        return self._result

    def abandon(self) -> None:
        """Stop the thread without a programme (production failed or was not needed)."""
        self._abandoned = self.finished = True
        self._handed.put(None)
        self._thread.join()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _show_watched(self, out: BlockPCM, rate: int, placed_until: int) -> None:
        if self._watch is None:
            return
        start_s, end_s, placed = self._watch
        begin, end = int(start_s * rate), int(end_s * rate)
        if placed_until >= end:
            self._watch = None
            placed(np.array(out[begin:end], dtype=np.float32))

    def _run(self, load_kit: Callable[[], Kit]) -> None:
        try:
            self._result = self._mix(load_kit())
        except BaseException as exc:  # said in the producing thread
            self._failure = exc
            while self._handed.get() is not None:  # let take() and finish() go on
                pass

    def _mix(self, kit: Kit) -> Mix | None:
        rate = kit.sample_rate
        timeline = Timeline(KitLengths.of(kit), self.settings, rate)
        placed = _Placed(BlockPCM(0, capacity=_ROOM_S * rate), rate)
        placed.add(0, kit.intro)
        waiting: dict[int, VoicedSegment] = {}
        for index, segment in enumerate(self.script.segments):
            if self._abandoned:
                return None
            while index not in waiting:
                handed = self._handed.get()
                if handed is None:
                    return None  # abandoned, or finished without this segment: nothing to give
                waiting[handed[0]] = handed[1]
            voiced = waiting.pop(index)
            stingers = len(timeline.stingers)
            slots = [SentenceSlot(resampled_length(sentence.audio, rate), sentence.paragraph_end)
                     for sentence in voiced.sentences]
            starts = timeline.add(segment, slots)
            for start in timeline.stingers[stingers:]:
                placed.add(start, kit.stinger)
            placed.speech(voiced, slots, starts)
            voiced.drop_audio()
            self._show_watched(placed.out, rate, timeline.cursor)
        plan = timeline.close()
        placed.add(plan.outro, kit.outro)
        placed.out.resize(plan.total)
        if kit.bed is not None:
            energy = placed.energy_until(plan.total)
            for begin, end in bed_spans(plan.timings, self.settings.bed, rate):
                _add_bed(placed.out, kit.bed, begin, end, energy, self.settings.bed, rate)
        if self._handed.get() is not None or self._abandoned:
            return None  # a segment handed twice, or nobody wants the programme any more
        return Mix(placed.out, rate, plan.timings, kit.bed is not None, speech_lufs=self.speech_lufs)


class _Placed:
    """The programme being mixed and the speech's energy in 10 ms frames, both growing."""

    def __init__(self, out: BlockPCM, rate: int) -> None:
        self.out, self.rate = out, rate
        self.hop = int(rate * _FRAME_S)
        self.energy = np.zeros(0)

    def add(self, start: int, samples: np.ndarray) -> None:
        end = start + samples.size
        if end > self.out.size:
            self.out.resize(end)
        self.out[start:end] += samples

    def speech(self, voiced: VoicedSegment, slots: list[SentenceSlot], starts: list[int]) -> None:
        """A segment's sentences, each levelled with the segment's one gain, and their energy."""
        level = _segment_gain(_speech_loudness(voiced.sentences, self.rate))
        for sentence, slot, start in zip(voiced.sentences, slots, starts):
            clip = to_float(sentence.audio, self.rate)[: slot.length]
            clip *= level
            self.add(start, clip)
            _add_energy(self.energy_until(start + clip.size), clip, start, self.hop)

    def energy_until(self, sample: int) -> np.ndarray:
        """The energy frames, enough of them to cover the programme up to ``sample``."""
        frames = sample // self.hop + 2
        if frames > self.energy.size:
            grown = np.zeros(max(frames, 2 * self.energy.size))
            grown[:self.energy.size] = self.energy
            self.energy = grown
        return self.energy[:frames]


def _segment_gain(loudness: float) -> np.float32:
    if not np.isfinite(loudness):
        return np.float32(1.0)
    return np.float32(10 ** ((SPEECH_LUFS - loudness) / 20))


def _speech_loudness(sentences, rate: int) -> float:
    """A segment's loudness, measured before any of it is placed; at the clips' own rate when
    they share one (resampling adds nothing a K-weighted meter hears, at half the work)."""
    rates = {sentence.audio.frame_rate for sentence in sentences}
    measured_at = rates.pop() if len(rates) == 1 else rate
    meter = LoudnessMeter(measured_at)
    for sentence in sentences:
        meter.feed(to_float(sentence.audio, measured_at))
    return meter.integrated()


def _add_energy(energy: np.ndarray, clip: np.ndarray, start: int, hop: int) -> None:
    """Add a placed clip's mean power to the programme's ``hop``-sample frames."""
    first, offset = divmod(start, hop)
    frames = -(-(offset + clip.size) // hop)
    framed = np.zeros(frames * hop, dtype=np.float32)
    framed[offset:offset + clip.size] = clip
    framed = framed.reshape(frames, hop)
    power = np.einsum("ij,ij->i", framed, framed, dtype=np.float64) / hop
    energy[first:first + frames] += power[: energy.size - first]


def bed_spans(timings: list[SegmentTiming], bed: BedSettings, rate: int) -> list[tuple[int, int]]:
    """Sample ranges with a bed: chosen segments widened by the fades, close ones merged."""
    spans: list[list[float]] = []
    for timing in timings:
        if timing.kind not in bed.segments:
            continue
        begin = timing.start_s - _BED_FADE_IN_S
        end = timing.start_s + timing.duration_s + _BED_FADE_OUT_S
        if spans and begin - spans[-1][1] < _BED_MERGE_S:
            spans[-1][1] = end
        else:
            spans.append([begin, end])
    return [(max(0, int(b * rate)), int(e * rate)) for b, e in spans]


def ducking_gain(speech_energy: np.ndarray, bed: BedSettings) -> np.ndarray:
    """Bed gain in dB per 10 ms frame: −duck_db while speech is present (with look-ahead of
    the attack time and a hold over short pauses), 0 dB otherwise, moved between the two by
    attack and release ramps rather than switched."""
    with np.errstate(divide="ignore"):
        present = 10 * np.log10(speech_energy) > _SPEECH_PRESENT_DB
    index = np.arange(present.size)
    hold, ahead = int(bed.hold_s / _FRAME_S), int(bed.attack_s / _FRAME_S)
    last = np.maximum.accumulate(np.where(present, index, -10 ** 9))
    upcoming = np.minimum.accumulate(np.where(present, index, 10 ** 9)[::-1])[::-1]
    ducked = (index - last <= hold) | (upcoming - index <= ahead)
    target = np.where(ducked, -bed.duck_db, 0.0)
    gain = np.empty_like(target)
    level = 0.0
    attack = bed.duck_db / max(1, ahead)
    release = bed.duck_db / max(1, int(bed.release_s / _FRAME_S))
    for frame, wanted in enumerate(target):  # a ramp limited in slope, both ways
        level = max(wanted, level - attack) if wanted < level else min(wanted, level + release)
        gain[frame] = level
    return gain


def _add_bed(out: BlockPCM, bed: np.ndarray, begin: int, end: int, speech_energy: np.ndarray,
             settings: BedSettings, rate: int) -> None:
    end = min(end, out.size)
    hop = int(rate * _FRAME_S)
    first, last = begin // hop, min(speech_energy.size, end // hop + 2)
    gain_db = ducking_gain(speech_energy[first:last], settings) + settings.level_db
    frame_times = (np.arange(first, last) * hop).astype(np.float64)
    fade_in, fade_out = int(_BED_FADE_IN_S * rate), int(_BED_FADE_OUT_S * rate)
    chunk = 1 << 16  # float64 temporaries: kept small
    for at in range(begin, end, chunk):
        positions = np.arange(at, min(end, at + chunk))
        gain = 10 ** (np.interp(positions, frame_times, gain_db) / 20)
        gain *= np.clip((positions - begin) / fade_in, 0, 1) * np.clip((end - positions) / fade_out, 0, 1)
        out[positions[0]:positions[-1] + 1] += (bed[(positions - begin) % bed.size] * gain).astype(np.float32)
