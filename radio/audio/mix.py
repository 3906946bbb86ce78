"""Mix stage: lay speech clips, pauses and the music kit on one timeline.

The timeline is planned first and the output buffer allocated once, so memory is one
programme-length array no matter how many clips there are.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydub import AudioSegment
from scipy.signal import resample_poly

from radio.audio.kit import Kit
from radio.models import AudioSettings, Script
from radio.progress import Progress, Silent
from radio.speech.synthesize import SpokenScript

STAGE = "Trộn âm thanh"
_SPEECH_LEVEL = 0.5  # headroom before mastering sets the real level
_MUSIC_LEVEL = 0.35
_TALK_UP_S = 0.9  # speech starts over the intro's ringing tail, as announcers do


@dataclass(frozen=True)
class SegmentTiming:
    id: str
    kind: str
    title: str
    start_s: float
    duration_s: float


@dataclass
class Mix:
    samples: np.ndarray  # mono float32
    sample_rate: int
    segments: list[SegmentTiming]


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


def mix(script: Script, spoken: SpokenScript, kit: Kit, settings: AudioSettings,
        progress: Progress | None = None) -> Mix:
    progress = progress or Silent()
    rate = kit.sample_rate
    progress.start(STAGE, len(script.segments) + 1)
    slots = [[SentenceSlot(resampled_length(sentence.audio, rate), sentence.paragraph_end)
              for sentence in voiced.sentences] for voiced in spoken.segments]
    plan = layout(script, slots, KitLengths.of(kit), settings, rate)
    out = np.zeros(plan.total, dtype=np.float32)

    def add(start: int, samples: np.ndarray, level: float) -> None:
        samples = samples[: out.size - start]
        out[start:start + samples.size] += samples * np.float32(level)

    add(0, kit.intro, _MUSIC_LEVEL)
    for start in plan.stingers:
        add(start, kit.stinger, _MUSIC_LEVEL)
    add(plan.outro, kit.outro, _MUSIC_LEVEL)
    # Speech is converted one clip at a time, so only one copy of the programme is alive.
    for voiced, starts, segment_slots in zip(spoken.segments, plan.speech, slots):
        for sentence, start, slot in zip(voiced.sentences, starts, segment_slots):
            add(start, to_float(sentence.audio, rate)[: slot.length], _SPEECH_LEVEL)
        progress.advance(STAGE)
    progress.advance(STAGE)
    progress.finish(STAGE)
    return Mix(out, rate, plan.timings)
