"""Mix stage: lay speech clips, pauses and the music kit on one timeline.

The timeline is planned first and the output buffer allocated once, so memory is one
programme-length array no matter how many clips there are.
"""
from __future__ import annotations

from collections.abc import Callable
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
class Placement:
    """Where a sound goes; speech is converted only when written, to keep one copy alive."""
    start: int
    length: int
    render: Callable[[], np.ndarray]


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


def _music(start: int, samples: np.ndarray) -> Placement:
    return Placement(start, samples.size, lambda: samples * _MUSIC_LEVEL)


def _speech(start: int, audio: AudioSegment, rate: int) -> Placement:
    return Placement(start, resampled_length(audio, rate),
                     lambda: to_float(audio, rate) * _SPEECH_LEVEL)


def mix(script: Script, spoken: SpokenScript, kit: Kit, settings: AudioSettings,
        progress: Progress | None = None) -> Mix:
    progress = progress or Silent()
    rate = kit.sample_rate
    seconds = lambda s: int(round(s * rate))  # noqa: E731
    progress.start(STAGE, len(script.segments) + 2)
    placements = [_music(0, kit.intro)]
    timings = [SegmentTiming("intro", "intro", "Nhạc hiệu mở đầu", 0.0, kit.intro.size / rate)]
    cursor = max(0, kit.intro.size - seconds(_TALK_UP_S))
    progress.advance(STAGE)
    for index, (segment, voiced) in enumerate(zip(script.segments, spoken.segments)):
        if index > 0 and segment.stinger_before:
            cursor += seconds(settings.segment_gap_s)
            placements.append(_music(cursor, kit.stinger))
            cursor += kit.stinger.size
        cursor += seconds(settings.segment_gap_s)
        start = cursor
        for position, sentence in enumerate(voiced.sentences):
            if position:
                previous = voiced.sentences[position - 1]
                cursor += seconds(settings.paragraph_pause_s if previous.paragraph_end
                                  else settings.sentence_pause_s)
            placement = _speech(cursor, sentence.audio, rate)
            placements.append(placement)
            cursor += placement.length
        timings.append(SegmentTiming(segment.id, segment.kind, segment.title, start / rate,
                                     (cursor - start) / rate))
        progress.advance(STAGE)
    cursor += seconds(settings.segment_gap_s)
    placements.append(_music(cursor, kit.outro))
    timings.append(SegmentTiming("outro", "outro", "Nhạc hiệu kết thúc", cursor / rate,
                                 kit.outro.size / rate))
    total = max(p.start + p.length for p in placements)
    out = np.zeros(total, dtype=np.float32)
    for placement in placements:
        samples = placement.render()[: placement.length]
        out[placement.start:placement.start + samples.size] += samples
    progress.advance(STAGE)
    progress.finish(STAGE)
    return Mix(out, rate, timings)
