"""Synthesis stage: script → normalized sentences → audio clips, through the clip cache."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pydub import AudioSegment

from radio.audio.ffmpeg import configure_pydub
from radio.errors import SpeechError
from radio.memory import return_freed
from radio.models import Announcer, Script, Segment, Station
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
    from_cache: bool = False
    #: The clip's cache key digest: what the programme's production key is built from.
    clip_digest: str = ""


@dataclass(frozen=True)
class Failure:
    engine: str
    reason: str


@dataclass(frozen=True)
class Reader:
    """A person who read a segment (radio/record.py): their recording replaces the engine's."""
    name: str
    recorded_at: str
    sha256: str
    #: Read from an earlier text of the segment, used by the officer's choice.
    stale: bool = False


@dataclass
class SpokenSegment:
    segment_id: str
    sentences: list[Sentence]
    engine: str = ""
    voice: str = ""
    #: Engines of the station's chain that were tried first, and why they did not speak.
    fallback_from: list[Failure] = field(default_factory=list)
    reader: Reader | None = None

    def drop_audio(self) -> None:
        for sentence in self.sentences:
            sentence.audio = None


@dataclass
class SpokenScript:
    segments: list[SpokenSegment]
    synthesized: int = 0
    reused: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def engines(self) -> list[str]:
        """Every "engine:voice" that spoke part of the programme, in order of first use."""
        return list(dict.fromkeys(f"{s.engine}:{s.voice}" for s in self.segments if s.reader is None))

    @property
    def synthesized_segments(self) -> list[SpokenSegment]:
        return [s for s in self.segments if s.reader is None]

    def drop_audio(self) -> None:
        """Let every clip's audio go once the programme is mixed (its speech is tens of
        megabytes); what the manifest says of the clips (digests, engines, readers) stays."""
        for segment in self.segments:
            segment.drop_audio()
        return_freed()


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


class _Skipped(Exception):
    """A job not attempted because its engine already failed in this production."""


@dataclass
class _Job:
    """One segment on its way through the station's engine chain."""
    segment: Segment
    announcer: Announcer
    announcer_index: int
    chain: list[str]
    spoken: SpokenSegment


class _Clip(NamedTuple):
    job: _Job
    engine: Engine
    sentence: Sentence
    key: ClipKey


def synthesize_script(script: Script, station: Station, normalizer: Normalizer, cache: ClipCache,
                      *, base_dir: Path | None = None, engine_override: str | None = None,
                      progress: Progress | None = None,
                      recorded: dict[str, SpokenSegment] | None = None,
                      on_ready: Callable[[str, SpokenSegment], None] | None = None) -> SpokenScript:
    """Speak every segment, through the cache, falling back along the station's engine chain;
    a segment in ``recorded`` (a person's reading) is taken as it is. ``on_ready`` is told of
    each segment as soon as all of it is spoken (the mixer starts on it while the rest is read).

    A whole segment is spoken by one engine, so a voice never changes mid-segment. An engine
    that fails once is not asked again in this production (a dead network would otherwise
    cost a timeout per segment); its finished clips stay cached for the next run.
    """
    configure_pydub()
    progress = progress or Silent()
    recorded = recorded or {}
    on_ready = on_ready or (lambda segment_id, spoken: None)
    for segment_id, reading in recorded.items():
        on_ready(segment_id, reading)
    jobs = [_job(segment, station, engine_override) for segment in script.segments
            if segment.id not in recorded]
    voiced = {job.spoken.segment_id: job.spoken for job in jobs}
    spoken = SpokenScript(segments=[recorded.get(s.id) or voiced[s.id] for s in script.segments])
    broken: dict[str, str] = {}
    waiting = jobs
    progress.start(STAGE, 0)
    total = 0
    while waiting:
        clips = []
        for job in waiting:
            engine, voice = _next_engine(job, station, base_dir, broken)
            job.spoken.engine, job.spoken.voice = engine.name, voice
            job.spoken.sentences = _sentences(job.segment, engine, normalizer)
            total += len(job.spoken.sentences)
            clips += [_Clip(job, engine, sentence,
                            ClipKey(engine.name, engine.version(), voice, job.announcer.speed,
                                    sentence.spoken.text))
                      for sentence in job.spoken.sentences]
        progress.start(STAGE, total)
        missing = []
        for clip in clips:
            clip.sentence.clip_digest = clip.key.digest
            clip.sentence.audio = cache.get(clip.key)
            clip.sentence.from_cache = clip.sentence.audio is not None
            if clip.sentence.from_cache:
                progress.advance(STAGE)
            else:
                missing.append(clip)
        unspoken = Counter(clip.job.spoken.segment_id for clip in missing)
        for job in waiting:
            if not unspoken[job.spoken.segment_id]:
                on_ready(job.spoken.segment_id, job.spoken)
        failed = _render(missing, cache, broken, progress, unspoken, on_ready)
        waiting = [job for job in waiting if job.spoken.segment_id in failed]
    progress.finish(STAGE)
    final = [sentence for segment in spoken.synthesized_segments for sentence in segment.sentences]
    spoken.reused = sum(sentence.from_cache for sentence in final)
    spoken.synthesized = len(final) - spoken.reused
    spoken.warnings = _fallback_warnings(spoken)
    return spoken


def _fallback_warnings(spoken: SpokenScript) -> list[str]:
    """One line per engine that did not speak, saying which voice spoke instead."""
    by_failure: dict[Failure, list[str]] = {}
    for segment in spoken.segments:
        for failure in segment.fallback_from:
            by_failure.setdefault(failure, []).append(f"{segment.engine}:{segment.voice}")
    return [f"Bộ đọc {failure.engine} không dùng được ({failure.reason.rstrip('.')}); "
            f"{len(spoken_by)} đoạn đã được đọc bằng {', '.join(dict.fromkeys(spoken_by))}."
            for failure, spoken_by in by_failure.items()]


def _job(segment: Segment, station: Station, engine_override: str | None) -> _Job:
    try:
        announcer = station.announcer(segment.voice)
    except KeyError as exc:
        raise SpeechError(f"Đoạn '{segment.id}' của kịch bản: {exc.args[0]}.",
                          hint="sửa trường voice của đoạn này trong kịch bản.") from None
    # An explicit --engine is a choice, not a preference: no fallback behind it.
    chain = ([engine_override] if engine_override
             else list(dict.fromkeys([announcer.engine, *station.speech.fallback])))
    return _Job(segment, announcer, station.announcers.index(announcer), chain,
                SpokenSegment(segment.id, []))


def _next_engine(job: _Job, station: Station, base_dir: Path | None,
                 broken: dict[str, str]) -> tuple[Engine, str]:
    tried = {failure.engine for failure in job.spoken.fallback_from}
    for name in job.chain:
        if name in tried:
            continue
        reason = broken.get(name)
        if reason is None:
            engine = get_engine(name, station.speech, base_dir, station)
            reason = engine.unavailable_reason()
            if reason is None:
                return engine, _voice(engine, job, station)
            broken[name] = reason
        job.spoken.fallback_from.append(Failure(name, reason))
    reasons = "; ".join(f"{f.engine}: {f.reason}" for f in job.spoken.fallback_from)
    raise SpeechError(
        f"Không bộ đọc nào đọc được đoạn '{job.segment.title}' ({reasons}).",
        hint="xem lý do của từng bộ đọc ở trên; thêm bộ đọc dự phòng bằng "
             "'fallback: [offline]' trong mục speech của station.yaml. Các câu đã đọc xong "
             "vẫn nằm trong bộ nhớ đệm.")


def _voice(engine: Engine, job: _Job, station: Station) -> str:
    announcer = job.announcer
    if engine.name == announcer.engine:
        return announcer.voice
    if engine.name in announcer.fallback_voices:
        return announcer.fallback_voices[engine.name]
    # The announcer's voice id belongs to another engine; even where the same id exists
    # here ("vi"), it says nothing about this engine. Announcers just get distinct voices,
    # avoiding those other announcers have chosen for this engine.
    claimed = {other.fallback_voices.get(engine.name) for other in station.announcers
               if other.id != announcer.id}
    ids = [v.id for v in engine.voices()]
    free = [voice for voice in ids if voice not in claimed] or ids
    return free[job.announcer_index % len(free)]


def _sentences(segment: Segment, engine: Engine, normalizer: Normalizer) -> list[Sentence]:
    return [Sentence(written, normalizer(written), paragraph_end)
            for written, paragraph_end in split_sentences(segment.text, engine.max_chars)]


def _render(clips: list[_Clip], cache: ClipCache, broken: dict[str, str], progress: Progress,
            unspoken: Counter, on_ready: Callable[[str, SpokenSegment], None]) -> set[str]:
    """Synthesize missing clips, each engine in its own pool; return segments that failed.
    A segment whose last clip is spoken (``unspoken`` counts them down) is ready."""
    failed: set[str] = set()
    pools: dict[str, ThreadPoolExecutor] = {}
    futures = {}
    writer = _CacheWriter(cache)
    try:
        for clip in clips:
            engine = clip.engine
            if engine.name not in pools:
                pools[engine.name] = ThreadPoolExecutor(max_workers=max(1, engine.parallel),
                                                        thread_name_prefix=f"tts-{engine.name}")
            futures[pools[engine.name].submit(_speak, clip, writer, broken)] = clip
        for future in as_completed(futures):
            writer.raise_if_failed()
            job, engine = futures[future].job, futures[future].engine
            try:
                future.result()
            except (_Skipped, SpeechError):
                pass  # the worker has recorded why in ``broken``
            else:
                progress.advance(STAGE)
                segment_id = job.spoken.segment_id
                unspoken[segment_id] -= 1
                if not unspoken[segment_id] and segment_id not in failed:
                    on_ready(segment_id, job.spoken)
                continue
            if job.spoken.segment_id not in failed:
                failed.add(job.spoken.segment_id)
                job.spoken.fallback_from.append(Failure(engine.name, broken[engine.name]))
    finally:
        # On Ctrl-C, queued clips are dropped at once; finished ones are already cached.
        for pool in pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
        writer.close()
    writer.raise_if_failed()
    return failed


class _CacheWriter:
    """Clips written to the cache in a thread of their own, each as soon as it exists (an
    interrupted run resumes from there), so an engine that speaks one sentence at a time does
    not also wait for the disk. A failed write (a full disk) stops production at the next
    clip spoken."""

    def __init__(self, cache: ClipCache) -> None:
        self._cache = cache
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-cache")
        self._failure: BaseException | None = None

    def put(self, key: ClipKey, audio: AudioSegment) -> None:
        self._pool.submit(self._cache.put, key, audio).add_done_callback(self._note)

    def _note(self, write) -> None:
        if self._failure is None and not write.cancelled() and write.exception() is not None:
            self._failure = write.exception()

    def raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _speak(clip: _Clip, cache: _CacheWriter, broken: dict[str, str]) -> None:
    engine, key = clip.engine, clip.key
    if engine.name in broken:
        raise _Skipped()
    try:
        audio = engine.synthesize(key.text, key.voice, key.speed)
    except SpeechError as exc:
        # Mark the engine broken here, in the worker, so queued clips skip it at once.
        broken.setdefault(engine.name, exc.message)
        raise
    except Exception as exc:  # a vendor engine's own exception must not kill production
        broken.setdefault(engine.name, f"bộ đọc {engine.name} gặp lỗi: {exc}")
        raise SpeechError(broken[engine.name]) from exc
    cache.put(key, audio)
    clip.sentence.audio = audio
