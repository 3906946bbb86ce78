"""Synthesis stage: script → normalized sentences → audio clips, through the clip cache."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pydub import AudioSegment

from radio.audio.ffmpeg import configure_pydub
from radio.errors import SpeechError
from radio.models import Script, Station
from radio.progress import Progress, Silent
from radio.speech.cache import ClipCache, ClipKey
from radio.speech.engines import Engine, get_engine
from radio.speech.normalize import Normalized, Normalizer

STAGE = "Tổng hợp giọng đọc"
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”»)]?\s+(?=\S)")


@dataclass
class Sentence:
    written: str
    spoken: Normalized
    paragraph_end: bool
    audio: AudioSegment | None = None


@dataclass
class SpokenSegment:
    segment_id: str
    sentences: list[Sentence]


@dataclass
class SpokenScript:
    segments: list[SpokenSegment]
    synthesized: int = 0
    reused: int = 0
    engines: dict[str, str] = field(default_factory=dict)  # announcer id → "engine:voice"


def split_sentences(text: str, max_chars: int) -> list[tuple[str, bool]]:
    """Sentences of ``text`` with a flag for the last one of each paragraph."""
    result: list[tuple[str, bool]] = []
    paragraphs = [p for p in re.split(r"\n\s*\n|\n(?=\s*[-•])", text) if p.strip()]
    for paragraph in paragraphs:
        flat = " ".join(paragraph.split())
        pieces = [s for s in _SENTENCE_END.split(flat) if s.strip()]
        chunks: list[str] = []
        for piece in pieces:
            chunks.extend(_fit(piece, max_chars))
        result.extend((chunk, i == len(chunks) - 1) for i, chunk in enumerate(chunks))
    return result


def _fit(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    parts, current = [], ""
    for word in sentence.split(" "):
        if current and len(current) + len(word) + 1 > max_chars:
            parts.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return parts + ([current] if current else [])


def synthesize_script(script: Script, station: Station, normalizer: Normalizer, cache: ClipCache,
                      *, engine_override: str | None = None,
                      progress: Progress | None = None) -> SpokenScript:
    configure_pydub()
    progress = progress or Silent()
    spoken = SpokenScript(segments=[])
    jobs: list[tuple[Sentence, Engine, ClipKey]] = []
    for segment in script.segments:
        try:
            announcer = station.announcer(segment.voice)
        except KeyError as exc:
            raise SpeechError(f"Đoạn '{segment.id}' của kịch bản: {exc.args[0]}.",
                              hint="sửa trường voice của đoạn này trong kịch bản.") from None
        engine = get_engine(engine_override or announcer.engine)
        voice = (announcer.voice if engine_override is None
                 else _voice_for(engine, announcer.voice, station.announcers.index(announcer)))
        reason = engine.unavailable_reason()
        if reason:
            raise SpeechError(reason)
        spoken.engines[announcer.id] = f"{engine.name}:{voice}"
        sentences = []
        for written, paragraph_end in split_sentences(segment.text, engine.max_chars):
            normalized = normalizer(written)
            sentence = Sentence(written, normalized, paragraph_end)
            sentences.append(sentence)
            key = ClipKey(engine.name, engine.version(), voice, announcer.speed, normalized.text)
            jobs.append((sentence, engine, key))
        spoken.segments.append(SpokenSegment(segment.id, sentences))

    progress.start(STAGE, len(jobs))
    pending = []
    for sentence, engine, key in jobs:
        cached = cache.get(key)
        if cached is not None:
            sentence.audio = cached
            spoken.reused += 1
            progress.advance(STAGE)
        else:
            pending.append((sentence, engine, key))

    def render(job: tuple[Sentence, Engine, ClipKey]) -> None:
        sentence, engine, key = job
        audio = engine.synthesize(key.text, key.voice, key.speed)
        # Cache each clip as soon as it exists: an interrupted run resumes from here.
        cache.put(key, audio)
        sentence.audio = audio

    workers = min((engine.parallel for _, engine, _ in pending), default=1)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in pool.map(render, pending):
            spoken.synthesized += 1
            progress.advance(STAGE)
    progress.finish(STAGE)
    return spoken


def _voice_for(engine: Engine, wanted: str, announcer_index: int) -> str:
    """The announcer's voice if the override engine has it, else a distinct one per announcer
    so the two announcers still sound different."""
    ids = [v.id for v in engine.voices()]
    return wanted if wanted in ids else ids[announcer_index % len(ids)]
