"""One sentence said by one voice, for a person to hear voices side by side (the studio's
voices page). The sentence is normalized as the station's programmes are and the clip kept
in the station's clip cache, so a sample costs nothing the second time."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from radio.errors import SpeechError

MAX_SAMPLE_CHARS = 300
CLIP_NAME = re.compile(r"[a-z0-9_-]{1,40}/[0-9a-f]{2}/[0-9a-f]{64}\.wav")


@dataclass(frozen=True)
class VoiceChoice:
    engine: str
    voice: str
    description: str

    @property
    def value(self) -> str:
        return f"{self.engine}:{self.voice}"


@dataclass(frozen=True)
class Sample:
    choice: VoiceChoice
    spoken: str  # what the engine was asked to say
    clip: str  # the clip's name inside the station's clip cache
    seconds: float


def voice_choices(station_dir: Path) -> list[VoiceChoice]:
    """Every voice the station can speak with now (the test engine left out)."""
    from radio.speech.engines import engine_statuses
    from radio.station import load_station

    station = load_station(station_dir)
    return [VoiceChoice(status.name, voice.id, voice.description)
            for status in engine_statuses(station.speech, station_dir, station)
            if status.unavailable is None and status.name != "dummy" for voice in status.voices]


def chosen(station_dir: Path, value: str) -> VoiceChoice:
    for choice in voice_choices(station_dir):
        if choice.value == value:
            return choice
    raise SpeechError(f"Không có giọng '{value}' dùng được ở đài này.", hint="chọn một giọng trong danh sách.")


def voice_sample(station_dir: Path, value: str, text: str) -> Sample:
    """``text`` said by the voice ``value`` ("engine:voice"), at normal speed."""
    from radio.pipeline import clip_cache
    from radio.paths import station_output
    from radio.speech.cache import ClipKey, clip_name
    from radio.speech.engines import get_engine
    from radio.speech.normalize import station_normalizer
    from radio.station import load_station

    text = " ".join(text.split())
    if not text:
        raise SpeechError("Chưa có câu để nghe thử.", hint="gõ một câu ngắn, ví dụ câu chào đầu chương trình.")
    if len(text) > MAX_SAMPLE_CHARS:
        raise SpeechError(f"Câu nghe thử dài quá ({len(text)} ký tự).",
                          hint=f"chọn một câu dưới {MAX_SAMPLE_CHARS} ký tự.")
    station = load_station(station_dir)
    choice = chosen(station_dir, value)
    engine = get_engine(choice.engine, station.speech, station_dir, station)
    spoken = station_normalizer(station, station_dir)(text).text
    cache = clip_cache(station_output(station_dir), station.id)
    key = ClipKey(engine.name, engine.version(), choice.voice, 1.0, spoken)
    audio = cache.get(key)
    if audio is None:
        audio = engine.synthesize(spoken, choice.voice, 1.0)
        cache.put(key, audio)
    return Sample(choice, spoken, clip_name(engine.name, key.digest), len(audio) / 1000)


def sample_file(station_dir: Path, clip: str) -> Path | None:
    """A sample's file by the name ``voice_sample`` gave, only inside the clip cache."""
    from radio.pipeline import clip_cache
    from radio.paths import station_output
    from radio.station import load_station

    if not CLIP_NAME.fullmatch(clip):
        return None
    path = clip_cache(station_output(station_dir), load_station(station_dir).id).root / clip
    return path if path.is_file() else None


__all__ = ["MAX_SAMPLE_CHARS", "Sample", "VoiceChoice", "chosen", "sample_file", "voice_choices", "voice_sample"]
