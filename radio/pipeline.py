"""The production line: a script goes in, a mastered, tagged, measured programme comes out.

Each stage lives in its own module; this one only wires them together, writes the results
atomically and describes them in ``manifest.json``.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
from importlib import resources
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from radio import __version__
from radio.audio.identity import audio_sha256
from radio.approval import (VERSIONS, approval_for_production, approval_text, production_event,
                            record_with_version)
from radio.compose import Composition, compose, length_warning
from radio.config import dump_yaml, load_model, save_model
from radio.errors import ConfigError, OutputError
from radio.fileio import folder_lock, on_disk, recover_staged, sha256_file
from radio.models import AudioSettings, Script, Station
from radio.paths import programme_dir, station_output
from radio.progress import Progress, Silent
from radio.speech.cache import ClipCache, clip_name
from radio.speech.normalize import Normalizer, load_lexicon
from radio.speech.synthesize import SpokenScript, SpokenSegment, synthesize_script
from radio import manifest as manifest_file
from radio.manifest import (AudioRecord, ClipCounts, EngineRecord, Fallback, FileRecord, Manifest, ReadBy,
                            SegmentRecord, SegmentSpeech)
from radio.station import SAMPLE_MONTH, check_month, load_station, sample_station_dir
from radio.store import ReviewEvent, Store

if TYPE_CHECKING:  # the audio stages load only when a programme is actually made
    from radio.audio import export
    from radio.audio.finish import Shipped
    from radio.audio.mix import Mix, SegmentTiming
    from radio.record import Held

SCRIPT_HEADER = ("# Kịch bản chương trình — có thể sửa nội dung các đoạn (text) trước khi duyệt.\n"
                 "# Sau khi sửa, chạy lại lệnh sản xuất; chỉ những câu đã sửa được đọc lại.\n")


@dataclass
class Production:
    mp3: Path
    manifest_path: Path
    script_path: Path
    manifest: Manifest
    warnings: list[str] = field(default_factory=list)


def produce(station: Station, script: Script, out_dir: Path, *, station_dir: Path | None = None,
            engine_override: str | None = None, progress: Progress | None = None,
            script_path: Path | None = None, store: Store | None = None,
            use_stale: bool = False) -> Production:
    """Produce ``script``. With a ``store``, a standing approval of exactly this script is
    written into the tags and manifest, and the production is recorded in the review trail.
    A segment a person recorded (``recordings/`` of ``station_dir``) is their reading, not the
    engine's; one recorded before its text was edited is refused unless ``use_stale``."""
    from radio.record import readings_for_production

    progress = progress or Silent()
    settings = station.audio
    target_dir = programme_dir(out_dir, station.id, script.month)
    station_lexicon = station_dir / "lexicon.yaml" if station_dir else None
    readings, reading_warnings = readings_for_production(station_dir, script, use_stale=use_stale)
    inputs = input_key(station, script, station_lexicon, station_dir, engine_override, readings)
    with production_lock(target_dir):
        remove_leftovers(target_dir)
        made = _made_from(target_dir, inputs)
        if made is not None:
            clip_cache(out_dir, station.id).keep_young(made.clip_files)
            return _finish(station, script, target_dir, made, store, script_path, fresh=False,
                           warnings=reading_warnings)
    # The audio stages load here: an unchanged programme needs none of them. The mixer's
    # thread loads the kit first and places each segment as soon as it is spoken; a broken
    # kit file stops production at the first segment, before minutes of speech are made.
    from radio.audio.finish import CodecProbe, master_and_export
    from radio.audio.kit import load_kit
    from radio.audio.mix import Mixer
    from radio.memory import share_heaps
    from radio.record import spoken_segment

    share_heaps()  # before production's threads start
    mixer = Mixer(script, lambda: load_kit(settings.kit, station_dir, settings.sample_rate), settings)
    probe = CodecProbe(mixer, settings)
    with _abandoned_unless_finished(mixer):
        lexicon = load_lexicon(station_lexicon)
        cache = clip_cache(out_dir, station.id)
        spoken = synthesize_script(script, station, Normalizer(lexicon, clock=station.speech.clock), cache,
                                   base_dir=station_dir,
                                   engine_override=engine_override, progress=progress,
                                   recorded={segment_id: spoken_segment(held, settings.sample_rate)
                                             for segment_id, held in readings.items()},
                                   on_ready=mixer.take)
        key = production_key(station, script, spoken, _kit_digest(settings, station_dir))
        with production_lock(target_dir):
            remove_leftovers(target_dir)
            manifest = _unchanged_output(target_dir, key, spoken)
            fresh = manifest is None
            if fresh:
                mixed = mixer.finish(progress)
                spoken.drop_audio()  # mastering then holds the programme alone
                mp3 = target_dir / "programme.mp3"
                wav = target_dir / "programme.wav" if settings.wav else None
                shipped = master_and_export(mixed, settings, mp3, wav,
                                            _tags(station, script, mixed, None, _readers(spoken)), progress,
                                            probe)
                mixed.drop_audio()
                manifest = _manifest(station, script, mp3, wav, shipped, mixed, spoken, settings, key)
            else:
                mixer.abandon()
            # A programme made through a fallback engine is made again next time, so the
            # intended voice returns once its engine does; only then is the quick key kept.
            manifest = manifest.model_copy(update={
                "input_key": None if spoken.warnings else inputs,
                "clip_files": [clip_name(segment.engine, sentence.clip_digest)
                               for segment in spoken.synthesized_segments for sentence in segment.sentences]})
            return _finish(station, script, target_dir, manifest, store, script_path, fresh=fresh,
                           warnings=spoken.warnings + reading_warnings)


def _finish(station: Station, script: Script, target_dir: Path, manifest: Manifest, store: Store | None,
            script_path: Path | None, *, fresh: bool, warnings: list[str]) -> Production:
    """Write the manifest, record the production and the script (called under the lock)."""
    manifest_path = target_dir / "manifest.json"
    manifest_file.write(manifest_path, manifest)
    if store:
        manifest = _record_production(store, script, target_dir, manifest, fresh)
    if script_path is None:  # under the lock: its temporary file is not a leftover
        script_path = target_dir / "script.yaml"
        save_model(script_path, script, SCRIPT_HEADER)
    warning = length_warning("Chương trình", manifest.audio.duration_s, station.programme)
    return Production(target_dir / manifest.audio.path, manifest_path, script_path,
                      manifest, warnings + ([warning] if warning else []))


def _record_production(store: Store, script: Script, target_dir: Path, manifest: Manifest,
                       fresh: bool) -> Manifest:
    """Write the production into the review trail. The first production after an approval
    given before any audio existed is bound to it, once, together with the approved
    version pinned under versions/; every later production waits for its own approval."""
    script_sha, audio_sha = script.content_hash(), manifest.audio.audio_sha256
    approval = approval_for_production(store, script.month, script_sha)
    if approval is not None:
        record_with_version(store, production_event(script.month, script_sha, audio_sha, binds=approval),
                            target_dir, manifest, approval)
        return manifest_file.read(target_dir / "manifest.json")
    if fresh:
        store.add_review_event(production_event(script.month, script_sha, audio_sha))
    return manifest


@contextlib.contextmanager
def _abandoned_unless_finished(mixer):
    """The mixer's thread ends with the block: finished by it, or abandoned."""
    try:
        yield
    finally:
        if not mixer.finished:
            mixer.abandon()


@contextlib.contextmanager
def production_lock(target_dir: Path, *, wait: bool = True):
    """One production of a month at a time (a second one waits for the first); the lock
    also tells a cleaner which temporary files belong to a run that is still going. The
    lock is taken on the folder itself, so no lock file is left behind."""
    busy = OutputError(f"Đang có một lần sản xuất khác của {target_dir.name} chạy cùng lúc.",
                       hint="chờ lần sản xuất kia xong rồi chạy lại.")
    with folder_lock(target_dir, wait=wait, busy=busy):
        yield


_LEFTOVERS = (".programme.*", ".manifest.*", ".script.*")


def remove_leftovers(target_dir: Path) -> int:
    """Temporary files a killed production or approval left in a programme folder (call
    under its lock); a file an approval had set aside is put back first."""
    freed = 0
    for folder in (target_dir, target_dir / VERSIONS):
        recover_staged(folder)
    for pattern in _LEFTOVERS:
        for path in target_dir.glob(pattern):
            with contextlib.suppress(OSError):
                size = path.stat().st_size
                path.unlink()
                freed += size
    return freed


def clean_programme_folders(station_out: Path) -> int:
    """`cache prune`'s share: leftovers of killed productions in every month not being produced."""
    freed = 0
    for folder in sorted(p for p in station_out.glob("*") if p.is_dir() and not p.name.startswith(".")):
        try:
            with production_lock(folder, wait=False):
                freed += remove_leftovers(folder)
        except OutputError:
            continue  # a production is running there; its temporaries are in use
    return freed


def _kit_digest(settings: AudioSettings, station_dir: Path | None) -> str:
    """The station's kit files as bytes; a missing one counts as changed, so the programme
    is made again and loading the kit names the missing file."""
    digest = hashlib.sha256()
    for part, name in sorted(settings.kit.model_dump().items()):
        if name is not None:
            try:
                content = sha256_file(on_disk((station_dir or Path.cwd()) / name))
            except OSError:
                content = "missing"
            digest.update(f"{part}={content};".encode())
    return digest.hexdigest()


def production_key(station: Station, script: Script, spoken: SpokenScript, kit_digest: str) -> str:
    """Everything the programme's audio depends on: same key, same file."""
    material = {
        "radio": __version__,
        "kit": kit_digest,
        "script": script.content_hash(),
        "station": station.model_dump(mode="json", include={"name", "audio", "programme"}),
        "clips": [[segment.engine, segment.voice,
                   [sentence.clip_digest for sentence in segment.sentences]]
                  for segment in spoken.segments],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def input_key(station: Station, script: Script, station_lexicon: Path | None,
              station_dir: Path | None, engine_override: str | None,
              readings: dict[str, Held] | None = None) -> str:
    """What the officer controls that the programme depends on, known without reading a
    sentence aloud: the script, the whole station profile, both lexicons, the kit and voice
    files, the people's recordings. Equal to the last production's (and its files intact):
    nothing is normalized or synthesized again. An engine upgrade alone does not remake a
    programme already made."""
    lexicons = [resources.files("radio.speech").joinpath("lexicon.yaml").read_bytes()]
    if station_lexicon is not None and station_lexicon.exists():
        lexicons.append(station_lexicon.read_bytes())
    voice_files = []
    for voice in station.speech.piper.voices.values():
        for name in (voice.model, voice.config or f"{voice.model}.json"):
            path = (station_dir or Path.cwd()) / name
            stat = path.stat() if path.exists() else None
            voice_files.append([name, stat.st_size, stat.st_mtime_ns] if stat else [name, None])
    material = {
        "radio": __version__,
        "script": script.content_hash(),
        "station": station.model_dump(mode="json"),
        "lexicons": [hashlib.sha256(data).hexdigest() for data in lexicons],
        "kit": _kit_digest(station.audio, station_dir),
        "voice_files": voice_files,
        "engine_override": engine_override,
    }
    if readings:  # absent otherwise: stations without recordings keep their programme's key
        material["recordings"] = {segment_id: [held.recording.sha256, held.recording.by, held.stale]
                                  for segment_id, held in readings.items()}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _made_from(target_dir: Path, inputs: str) -> Manifest | None:
    """The programme made from exactly these inputs, if its files are intact."""
    manifest = _intact_manifest(target_dir)
    if manifest is None or manifest.input_key != inputs:
        return None
    return manifest.reused(ClipCounts(synthesized=0, reused=manifest.clips.total))


def _intact_manifest(target_dir: Path) -> Manifest | None:
    manifest = manifest_file.read(target_dir / "manifest.json")
    if manifest is None:
        return None
    try:
        if all(sha256_file(target_dir / f.path) == f.sha256 for f in manifest.audio.files()):
            return manifest
    except OSError:
        pass
    return None


def _unchanged_output(target_dir: Path, key: str, spoken: SpokenScript) -> Manifest | None:
    """The programme already made from exactly this input, if its files are intact.

    Re-producing an unchanged script then costs only the cache lookups, and the MP3 (and
    so the hash an approval is bound to) stays byte for byte the same."""
    manifest = _intact_manifest(target_dir)
    if manifest is None or manifest.production_key != key:
        return None
    return manifest.reused(ClipCounts(synthesized=spoken.synthesized, reused=spoken.reused))


def clip_cache(out_dir: Path, station_id: str) -> ClipCache:
    """Each station keeps its own clips beside its programmes."""
    return ClipCache(out_dir / station_id / ".cache" / "clips")


def _tags(station: Station, script: Script, mixed: Mix, approval: ReviewEvent | None,
          readers: dict[str, str] | None = None) -> export.Tags:
    from radio.audio import export

    year, month = script.month.split("-")
    comment = f"script_sha256={script.content_hash()}"
    return export.Tags(
        title=script.title, artist=station.name,
        album=f"{station.programme.column} năm {year}", date=script.month, track=int(month),
        comment=f"{comment}; {approval_text(approval)}" if approval else comment,
        script_sha256=script.content_hash(), chapters=_chapters(mixed, readers or {}),
        approval=approval_text(approval) if approval else "",
        id3_version=int(station.audio.id3.split(".")[1]))


def _readers(spoken: SpokenScript) -> dict[str, str]:
    """Who read which segment in person, by segment id."""
    return {s.segment_id: s.reader.name for s in spoken.segments if s.reader is not None}


def _chapters(mixed: Mix, readers: dict[str, str]) -> list[export.Chapter]:
    """One chapter per timeline part; each runs until the next begins, as players expect. A
    part read by a person names them: listeners hear a voice they may know."""
    from radio.audio import export

    timings = mixed.segments
    ends = [t.start_s for t in timings[1:]] + [mixed.samples.size / mixed.sample_rate]
    return [export.Chapter(f"ch{index:02d}", f"{t.title} ({readers[t.id]} đọc)" if t.id in readers else t.title,
                           t.start_s, max(end, t.start_s))
            for index, (t, end) in enumerate(zip(timings, ends))]


def _manifest(station: Station, script: Script, mp3: Path, wav: Path | None, shipped: Shipped, mixed: Mix,
              spoken: SpokenScript, settings: AudioSettings, key: str) -> Manifest:
    first_engine, _, first_voice = (spoken.engines or [":"])[0].partition(":")
    voiced = {segment.segment_id: segment for segment in spoken.segments}
    return Manifest(
        station=station.id, station_name=station.name, month=script.month, title=script.title,
        script_sha256=script.content_hash(),
        produced_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        radio_version=__version__,
        audio=AudioRecord(
            path=mp3.name, sha256=sha256_file(mp3), audio_sha256=audio_sha256(mp3),
            **shipped.figures(), sample_rate=mixed.sample_rate, channels=1, bitrate_kbps=settings.bitrate_kbps,
            preset=settings.preset, target_lufs=settings.target_lufs,
            true_peak_limit_dbtp=settings.true_peak_dbtp, highpass_hz=settings.highpass_hz,
            wav=None if wav is None else FileRecord(path=wav.name, sha256=sha256_file(wav))),
        engine=EngineRecord(name=first_engine, voice=first_voice, used=spoken.engines),
        segments=[_segment_record(t, voiced.get(t.id), shipped.segment_lufs.get(t.id),
                                  mixed.kit_has_bed and t.kind in settings.bed.segments)
                  for t in mixed.segments],
        clips=ClipCounts(synthesized=spoken.synthesized, reused=spoken.reused),
        production_key=key, output_reused=False, approval=None)


def _segment_record(timing: SegmentTiming, voiced: SpokenSegment | None, lufs: float | None,
                    bed: bool) -> SegmentRecord:
    import numpy as np

    reader = voiced.reader if voiced is not None else None
    return SegmentRecord(
        id=timing.id, kind=timing.kind, title=timing.title,
        start_s=round(timing.start_s, 3), duration_s=round(timing.duration_s, 3), bed=bed,
        integrated_lufs=lufs if lufs is not None and np.isfinite(lufs) else None,
        # Intro and outro are music, not speech.
        speech=None if voiced is None else SegmentSpeech(
            engine=voiced.engine, voice=voiced.voice,
            fallback_from=[Fallback(engine=f.engine, reason=f.reason) for f in voiced.fallback_from]),
        read_by=None if reader is None else ReadBy(name=reader.name, recorded_at=reader.recorded_at,
                                                    sha256=reader.sha256, stale=reader.stale))


def compose_month(station_dir: Path, month: str, *, allow_length: bool = False,
                  fit: bool = False, new_draft: bool = False) -> tuple[Composition, Path]:
    """Compose ``months/<month>.yaml`` of a station folder into ``scripts/<month>.yaml``.

    Nothing is written unless the whole script could be composed (and fits, unless
    ``allow_length``), nor over an approved or hand-edited script (``drafts.DraftKept``)
    unless ``new_draft`` (the old one is then kept as a dated copy; the composition's
    warnings say where, and which airings stop until the new script is approved)."""
    from radio.drafts import write_script

    check_month(month)
    station = load_station(station_dir)
    brief = station_dir / "months" / f"{month}.yaml"
    if not on_disk(brief).exists():
        raise ConfigError(brief, f"chưa có nội dung của tháng {month}.",
                          hint=f"tạo nội dung tháng bằng 'radio new-month {month}' (điền sẵn chủ đề theo kế "
                               "hoạch năm), sửa nội dung của tháng rồi chạy lại 'radio compose'.")
    composition = compose(station, station_dir, on_disk(brief), allow_length=allow_length, fit=fit)
    text = SCRIPT_HEADER + dump_yaml(composition.script.model_dump(mode="json", exclude_none=True))
    composition.warnings[:0] = write_script(station_dir, station.id, month, text, new_draft=new_draft)
    return composition, station_dir / "scripts" / f"{month}.yaml"


def produce_month(station_dir: Path, month: str, out_dir: Path | None = None, *,
                  engine_override: str | None = None, progress: Progress | None = None,
                  use_stale: bool = False) -> Production:
    """Produce the (possibly hand-edited) ``scripts/<month>.yaml`` of a station folder."""
    check_month(month)
    station = load_station(station_dir)
    script_path = station_dir / "scripts" / f"{month}.yaml"
    if not script_path.exists():
        raise ConfigError(script_path, "chưa có kịch bản của tháng này.",
                          hint=f"chạy 'radio compose {month}' trước để tạo kịch bản.")
    script = load_model(script_path, Script)
    if script.station != station.id:
        raise ConfigError(script_path, f"kịch bản thuộc đài '{script.station}', không phải "
                          f"'{station.id}'.", hint="kiểm tra trường station của kịch bản.")
    return produce(station, script, out_dir or station_output(station_dir), station_dir=station_dir,
                   engine_override=engine_override, progress=progress, script_path=script_path,
                   store=Store(station_dir), use_stale=use_stale)


def demo(out_dir: Path, *, engine_override: str | None = None,
         progress: Progress | None = None) -> tuple[Composition, Production]:
    """Compose and produce the bundled sample commune's programme into ``out_dir``."""
    station_dir = sample_station_dir()
    station = load_station(station_dir)
    composition = compose(station, station_dir, station_dir / "months" / f"{SAMPLE_MONTH}.yaml")
    script_path = programme_dir(out_dir, station.id, SAMPLE_MONTH) / "script.yaml"
    save_model(script_path, composition.script, SCRIPT_HEADER)
    production = produce(station, composition.script, out_dir, station_dir=station_dir,
                         engine_override=engine_override, progress=progress,
                         script_path=script_path)
    production.warnings[:0] = composition.warnings
    return composition, production
