"""Mix stage: lay speech clips, pauses, the music kit and ducked beds on one timeline.

The timeline is planned first and the output buffer allocated once, so memory is one
programme-length buffer (``BlockPCM``: 16-bit blocks with their own scale, half of float32) no
matter how many clips there are; everything else is read and written a clip or a few seconds
at a time. Each segment's speech is brought to one reference loudness, so segments spoken by
different engines (after a fallback) or voices sit level with each other. The bed is ducked
by a sidechain on the speech: the speech's own level, in 10 ms frames, drives the bed's gain
with look-ahead, hold and attack/release ramps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydub import AudioSegment

from radio.audio.blockpcm import BlockPCM
from radio.audio.kernels import resample_poly
from radio.audio.kit import SPEECH_LUFS, Kit
from radio.audio.loudness import LoudnessMeter
from radio.models import AudioSettings, BedSettings, Script
from radio.progress import Progress, Silent
from radio.audio.voiced import VoicedScript

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
    samples: BlockPCM  # mono; slices read as float32
    sample_rate: int
    segments: list[SegmentTiming]
    kit_has_bed: bool = False


def to_float(audio: AudioSegment, rate: int) -> np.ndarray:
    """Mono float32 at ``rate`` from any pydub segment."""
    audio = audio.set_channels(1)
    scale = float(1 << (8 * audio.sample_width - 1))
    samples = np.asarray(audio.get_array_of_samples(), dtype=np.float32) / scale
    if audio.frame_rate != rate:
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


def layout(script: Script, sentences: list[list[SentenceSlot]], kit: KitLengths,
           settings: AudioSettings, rate: int) -> Layout:
    seconds = lambda s: int(round(s * rate))  # noqa: E731
    timings = [SegmentTiming("intro", "intro", "Nhạc hiệu mở đầu", 0.0, kit.intro / rate)]
    stingers: list[int] = []
    speech: list[list[int]] = []
    cursor = max(0, kit.intro - seconds(_TALK_UP_S))
    for index, (segment, slots) in enumerate(zip(script.segments, sentences)):
        if index > 0 and segment.stinger_before:
            cursor += seconds(settings.segment_gap_s)
            stingers.append(cursor)
            cursor += kit.stinger
        cursor += seconds(settings.segment_gap_s)
        start = cursor
        starts = []
        for position, slot in enumerate(slots):
            if position:
                cursor += seconds(settings.paragraph_pause_s if slots[position - 1].paragraph_end
                                  else settings.sentence_pause_s)
            starts.append(cursor)
            cursor += slot.length
        speech.append(starts)
        timings.append(SegmentTiming(segment.id, segment.kind, segment.title, start / rate,
                                     (cursor - start) / rate))
    cursor += seconds(settings.segment_gap_s)
    timings.append(SegmentTiming("outro", "outro", "Nhạc hiệu kết thúc", cursor / rate,
                                 kit.outro / rate))
    return Layout(stingers, speech, timings, cursor, cursor + kit.outro)


def mix(script: Script, spoken: VoicedScript, kit: Kit, settings: AudioSettings,
        progress: Progress | None = None) -> Mix:
    progress = progress or Silent()
    rate = kit.sample_rate
    progress.start(STAGE, len(script.segments) + 1)
    slots = [[SentenceSlot(resampled_length(sentence.audio, rate), sentence.paragraph_end)
              for sentence in voiced.sentences] for voiced in spoken.segments]
    plan = layout(script, slots, KitLengths.of(kit), settings, rate)
    out = BlockPCM(plan.total)
    hop = int(rate * _FRAME_S)

    def add(start: int, samples: np.ndarray) -> None:
        samples = samples[: out.size - start]
        out[start:start + samples.size] += samples

    speech_energy = np.zeros(plan.total // hop + 2)
    # One clip at a time: no copy of a segment is ever made.
    for voiced, starts, segment_slots in zip(spoken.segments, plan.speech, slots):
        level = _segment_gain(_speech_loudness(voiced.sentences, rate))
        for sentence, slot, start in zip(voiced.sentences, segment_slots, starts):
            clip = to_float(sentence.audio, rate)[: slot.length]
            clip *= level
            add(start, clip)
            _add_energy(speech_energy, clip, start, hop)
        progress.advance(STAGE)
    add(0, kit.intro)
    for start in plan.stingers:
        add(start, kit.stinger)
    add(plan.outro, kit.outro)
    if kit.bed is not None:
        for begin, end in bed_spans(plan.timings, settings.bed, rate):
            _add_bed(out, kit.bed, begin, end, speech_energy, settings.bed, rate)
    progress.advance(STAGE)
    progress.finish(STAGE)
    return Mix(out, rate, plan.timings, kit.bed is not None)


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
