"""Bulletins: a notice typed (or recorded) today, read by the station's voice after a short
attention tone, approved like a month's programme and queued by its level.

Circular 39/2020/TT-BTTTT sorts bulletins by priority, low to high: normal (the commune
places it in its timetable), priority (goes first in the programme) and emergency (aired at
once: disasters, fires, epidemics). A bulletin lives in ``bulletins/<id>/``: ``bulletin.yaml``
(what the officer asked for, the words or the recording's hash: what an approval binds with
the audio), ``bulletin.mp3``, ``manifest.json`` and ``versions/`` (the approved audio, pinned
by ``approval.record_with_version`` exactly as for a month).
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from radio.config import load_model, save_model
from radio.errors import RadioError
from radio.models import SLUG_PATTERN, Model, Station
from radio.programme import BULLETIN, ProgrammeKey
from radio.station import BULLETINS_DIR, BulletinFiles, load_station
from radio.store import ReviewEvent, Store, now_iso

# Circular 39/2020/TT-BTTTT (Ministry of Information and Communications, signed 24/11/2020,
# in force 18/01/2021; no amendment found for 2024–2026) names three classes, low to high;
# the words are the circular's own, confirmed through secondary summaries — the article
# number is unconfirmed. It says an emergency airs "ngay" and gives no figure in seconds.
LEVELS = ("thuong", "uu-tien", "khan-cap")
NORMAL, PRIORITY, EMERGENCY = LEVELS
LEVEL_NAMES = {NORMAL: "Bản tin thông thường", PRIORITY: "Bản tin ưu tiên", EMERGENCY: "Bản tin khẩn cấp"}
# How vendor platforms number them on the wire (vendors' pages only, no official source):
# for the inbound importer's mapping layer.
WIRE_CODES = {EMERGENCY: 1, PRIORITY: 2, NORMAL: 3}
AUDIO_NAME = "bulletin.mp3"
# A bulletin is a notice, not a programme: longer texts belong in the month's programme.
MAX_WORDS = 600
MAX_RECORDING_S = 600
_HEADER = ("# Bản tin của đài (radio bulletin). Sửa tệp này sau khi duyệt thì bản tin phải duyệt lại.\n")


class BulletinError(RadioError):
    """The bulletin cannot be made, approved or shown as asked."""


class Bulletin(Model):
    """bulletin.yaml: what the officer asked for. Everything here but who issued it and when
    is bound by the approval (editing the time or the repeats needs a new approval too)."""
    id: str = Field(pattern=SLUG_PATTERN, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    level: Literal["thuong", "uu-tien", "khan-cap"]
    text: str | None = None
    #: A person's recording, kept in the folder (``recording.<ext>``) with its sha256.
    recording: str | None = None
    recording_sha256: str | None = None
    #: When it first airs (ISO, the station's time zone); none: as soon as it is approved.
    at: datetime | None = None
    repeat: int = Field(default=1, ge=1, le=48)
    every_min: float | None = Field(default=None, ge=1, le=24 * 60)
    #: The zones it reaches (none: every zone); the seam for loudspeaker zones.
    zones: list[str] = Field(default_factory=list)
    issued_by: str | None = None
    issued_at: str
    #: No airing after this moment (an imported storm warning that is over); none: no end.
    valid_until: datetime | None = None
    #: Where an imported bulletin came from: the source's id in station.yaml (``importers``)
    #: and the item's own id there, so importing it again finds it (radio/importer.py).
    source: str | None = Field(default=None, pattern=SLUG_PATTERN, max_length=64)
    source_item: str | None = Field(default=None, min_length=1, max_length=200)
    #: The delivered item's digest: the same id delivered with other words, level, zones or
    #: times is a revision, not a duplicate (radio/importer.py).
    source_digest: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    #: The bulletin this one revises; approving this one withdraws that one's unaired airings.
    revises: str | None = Field(default=None, pattern=SLUG_PATTERN, max_length=64)

    @model_validator(mode="after")
    def _one_source_and_an_interval(self) -> Bulletin:
        if (self.text is None) == (self.recording is None):
            raise ValueError("bản tin cần đúng một nguồn: lời (text) hoặc tệp ghi âm (recording)")
        if self.text is not None and not self.text.strip():
            raise ValueError("lời bản tin (text) đang để trống")
        if self.recording is not None and not self.recording_sha256:
            raise ValueError("thiếu mã kiểm tra của tệp ghi âm (recording_sha256)")
        if self.repeat > 1 and self.every_min is None:
            raise ValueError(f"phát {self.repeat} lần thì cần khoảng cách giữa các lần (every_min, phút)")
        return self

    @property
    def key(self) -> ProgrammeKey:
        return ProgrammeKey(BULLETIN, self.id)

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    def content_hash(self) -> str:
        """What the approval binds besides the audio: the words (or the recording), the level,
        the zones and the airing times; not the layout of the YAML."""
        words = " ".join(self.text.split()) if self.text is not None else None
        bound = [self.id, self.title, self.level, words, self.recording_sha256,
                 self.at.isoformat() if self.at else None, self.repeat, self.every_min, sorted(self.zones)]
        if self.valid_until is not None:  # bound when given; older bulletins keep their hash
            bound.append(self.valid_until.isoformat())
        return hashlib.sha256(json.dumps(bound, ensure_ascii=False).encode()).hexdigest()

    def airing_times(self, approved_at: datetime) -> list[datetime]:
        """When it airs: its time (or the approval's moment) and each repeat after it."""
        first = self.at if self.at is not None and self.at > approved_at else approved_at
        step = timedelta(minutes=self.every_min or 0)
        times = [first + step * n for n in range(self.repeat)]
        return [t for t in times if self.valid_until is None or t < self.valid_until]


def read_bulletin(files: BulletinFiles) -> Bulletin:
    """bulletin.yaml, validated (a mistake is named by file and line, in Vietnamese)."""
    if not files.script.exists():
        raise BulletinError(f"Không có bản tin '{files.id}'.",
                            hint="xem các bản tin bằng 'radio bulletin list'.")
    return load_model(files.script, Bulletin)


def bulletin_files(station_dir: Path, bulletin_id: str) -> BulletinFiles:
    try:
        return BulletinFiles(Path(station_dir), bulletin_id)
    except RadioError:
        raise BulletinError(f"Mã bản tin '{bulletin_id}' không hợp lệ.",
                            hint="xem mã các bản tin bằng 'radio bulletin list'.") from None


# -- what the officer types ------------------------------------------------------------------

def parse_level(text: str) -> str:
    wanted = (text or "").strip().lower()
    if wanted not in LEVELS:
        choices = "; ".join(f"{level} ({name})" for level, name in LEVEL_NAMES.items())
        raise BulletinError(f"Không có mức bản tin '{text}'.", hint=f"chọn một trong: {choices}.")
    return wanted


def parse_at(text: str | None, now: datetime) -> datetime | None:
    """"HH:MM" (today) or "HH:MM DD/MM/YYYY" in the station's zone; "now" or nothing: none."""
    if text is None or text.strip().lower() in ("", "now", "ngay"):
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?:\s+(\d{1,2})/(\d{1,2})/(\d{4}))?\s*", text)
    bad = BulletinError(f"Không hiểu thời điểm phát '{text}'.",
                        hint="viết GIỜ:PHÚT (hôm nay) hoặc GIỜ:PHÚT NGÀY/THÁNG/NĂM, ví dụ 17:30 hoặc "
                             "17:30 05/12/2026; bỏ trống (hoặc 'now') để phát ngay khi được duyệt.")
    if match is None:
        raise bad
    hour, minute, day, month, year = match.groups()
    try:
        at = now.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
        if day:
            at = at.replace(year=int(year), month=int(month), day=int(day))
    except ValueError:
        raise bad from None
    if at <= now:
        raise BulletinError(f"Thời điểm phát {at:%H:%M %d/%m/%Y} đã qua.",
                            hint="chọn một thời điểm sắp tới, hoặc bỏ --at để phát ngay khi được duyệt.")
    return at


def parse_zones(station: Station, zones) -> list[str]:
    """The zones an officer typed (ids, or a comma-separated text), each one of the station's."""
    if isinstance(zones, str):
        zones = zones.split(",")
    wanted = list(dict.fromkeys(z.strip() for z in zones or () if z and z.strip()))
    known = station.zone_ids()
    for zone in wanted:
        if zone not in known:
            if not known:
                raise BulletinError(f"Không có vùng '{zone}': đài chưa chia vùng (mục zones trong station.yaml).",
                                    hint="bỏ --zones để phát tới mọi loa.")
            raise BulletinError(f"Không có vùng '{zone}' trong station.yaml.",
                                hint=f"chọn trong: {', '.join(f'{z.id} ({z.name})' for z in station.zones)}.")
    return wanted


def check_zones(files: BulletinFiles, bulletin: Bulletin, station: Station) -> None:
    """A bulletin.yaml naming a zone the station does not have (edited by hand, or the zone
    renamed since): refused at its line, before anything is approved or queued."""
    from radio.config import ConfigError, line_of, read_yaml
    from radio.models import unknown_zone

    known = station.zone_ids()
    for i, zone in enumerate(bulletin.zones):
        if zone not in known:
            _, lines = read_yaml(files.script)
            raise ConfigError(files.script, unknown_zone(zone, known) + ".", line=line_of(lines, ("zones", i)),
                              hint="sửa mục zones của bản tin cho đúng mã vùng trong station.yaml, "
                                   "hoặc bỏ trống để phát tới mọi vùng.")


def _title_from(text: str) -> str:
    words = text.split()
    return " ".join(words[:10]) + ("…" if len(words) > 10 else "")


def _new_id(station_dir: Path, now: datetime, level: str) -> str:
    base = f"{now:%Y%m%d-%H%M%S}-{level}"
    ident, n = base, 1
    while (Path(station_dir) / BULLETINS_DIR / ident).exists():
        n += 1
        ident = f"{base}-{n}"
    return ident


def read_text_file(path: Path) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BulletinError(f"Không tìm thấy tệp {path}.", hint="kiểm tra đường dẫn tới tệp lời bản tin.") from None
    except UnicodeDecodeError:
        raise BulletinError(f"Tệp {path} không phải văn bản UTF-8.",
                            hint="lưu lại tệp dạng văn bản UTF-8 (Notepad: Lưu thành → Mã hoá UTF-8).") from None
    except OSError as exc:
        raise BulletinError(f"Không đọc được tệp {path} ({exc.strerror or exc}).") from None
    return unicodedata.normalize("NFC", text)


@dataclass
class Made:
    files: BulletinFiles
    bulletin: Bulletin
    mp3: Path
    duration_s: float
    approval: ReviewEvent | None = None


def new_bulletin(station_dir: Path, *, level: str, text: str | None = None, recording: Path | None = None,
                 title: str | None = None, at: str | datetime | None = None, repeat: int = 1,
                 every_min: float | None = None, issued_by: str | None = None, role: str | None = None,
                 approve_now: bool = False, now: datetime | None = None, zones: list[str] = (),
                 valid_until: datetime | None = None, origin: tuple[str, str] | None = None,
                 source_digest: str | None = None, revises: str | None = None) -> Made:
    """Write the bulletin, read it (or clean the recording), master it after the attention
    tone and record its making in the review trail. ``approve_now`` is the station's one-step
    emergency (``bulletins.leader_issues_emergency``): the issue and the approval both
    recorded, the approval by the same person. ``zones``: the station's zones it reaches
    (none: every zone). ``at`` as the officer types it, or a moment an importer read (one
    already past: on approval); ``origin``: an importer's (source id, item id), with the
    delivered item's ``source_digest``; ``revises``: the bulletin a changed delivery replaces."""
    from radio.schedule import station_zone

    station_dir = Path(station_dir)
    station = load_station(station_dir)
    level = parse_level(level)
    now = now or datetime.now(station_zone(station))
    if approve_now:
        _check_one_step(station, level, issued_by, role)
    if (text is None) == (recording is None):
        raise BulletinError("Bản tin cần lời (--text hoặc --file) hoặc một tệp ghi âm (--audio), và chỉ một trong hai.",
                            hint='ví dụ: radio bulletin new --text "Thông báo ..." --level khan-cap.')
    if text is not None:
        text = unicodedata.normalize("NFC", text).strip()
        if not text:
            raise BulletinError("Lời bản tin đang để trống.", hint="gõ nội dung thông báo sau --text.")
        if len(text.split()) > MAX_WORDS:
            raise BulletinError(f"Bản tin dài {len(text.split())} chữ, quá {MAX_WORDS} chữ của một bản tin.",
                                hint="rút gọn thông báo; nội dung dài đưa vào chuyên mục tháng.")
    if repeat < 1 or repeat > 48:
        raise BulletinError(f"Số lần phát {repeat} không hợp lệ.", hint="--repeat từ 1 đến 48.")
    if repeat > 1 and not every_min:
        raise BulletinError(f"Phát {repeat} lần thì cần khoảng cách giữa các lần.",
                            hint="thêm --every PHÚT, ví dụ --every 30.")
    if every_min is not None and not 1 <= every_min <= 24 * 60:
        raise BulletinError(f"Khoảng cách {every_min} phút không hợp lệ.", hint="--every từ 1 đến 1440 phút.")
    when = (at if at > now else None) if isinstance(at, datetime) else parse_at(at, now)
    if valid_until is not None and valid_until <= now:
        raise BulletinError(f"Bản tin đã hết hiệu lực lúc {valid_until.astimezone(now.tzinfo):%H:%M %d/%m/%Y}.",
                            hint="không phát một thông báo đã hết hiệu lực.")
    zones = parse_zones(station, zones)
    if recording is not None and not Path(recording).is_file():
        raise BulletinError(f"Không tìm thấy tệp ghi âm {recording}.", hint="kiểm tra đường dẫn tới tệp ghi âm.")
    files = BulletinFiles(station_dir, _new_id(station_dir, now, level))
    files.programme.mkdir(parents=True, exist_ok=True)
    try:
        source = _keep_recording(files, Path(recording)) if recording is not None else None
    except BaseException:
        import shutil

        shutil.rmtree(files.programme, ignore_errors=True)
        raise
    bulletin = Bulletin(id=files.id, title=title or (_title_from(text) if text else "Bản tin ghi âm"),
                        level=level, text=text, recording=source.name if source else None,
                        recording_sha256=_sha256(source) if source else None, at=when, repeat=repeat,
                        every_min=every_min if repeat > 1 else None, zones=zones, issued_by=issued_by,
                        issued_at=now_iso(), valid_until=valid_until,
                        source=origin[0] if origin else None, source_item=origin[1] if origin else None,
                        source_digest=source_digest, revises=revises)
    save_model(files.script, bulletin, _HEADER)
    try:
        manifest = produce(files, station, bulletin)
    except BaseException:
        import shutil

        shutil.rmtree(files.programme, ignore_errors=True)  # nothing half-made stays listed
        raise
    store = Store(station_dir)
    from radio.approval import production_event

    produced = production_event(files.key, bulletin.content_hash(), manifest.audio.audio_sha256)
    store.add_review_event(ReviewEvent(
        programme=files.key, action="produce", at=produced.at, by_name=issued_by, role=role,
        note=f"Tạo {bulletin.level_name.lower()}.", script_sha256=produced.script_sha256,
        audio_sha256=produced.audio_sha256))
    made = Made(files, bulletin, files.programme / AUDIO_NAME, manifest.audio.duration_s)
    if approve_now:
        made.approval = approve_bulletin(station_dir, files.id, issued_by, role,
                                         "Lãnh đạo phát hành và duyệt bản tin khẩn cấp trong một bước.", now=now)
    return made


def _check_one_step(station: Station, level: str, by: str | None, role: str | None) -> None:
    if level != EMERGENCY:
        raise BulletinError("Chỉ bản tin khẩn cấp mới được phát hành và duyệt trong một bước.",
                            hint="tạo bản tin rồi duyệt bằng 'radio bulletin approve MÃ --by … --role …'.")
    if not station.bulletins.leader_issues_emergency:
        raise BulletinError("Đài chưa cho phép lãnh đạo phát hành và duyệt bản tin khẩn cấp trong một bước.",
                            hint="thêm 'bulletins: {leader_issues_emergency: true}' vào station.yaml nếu UBND xã "
                                 "quyết định như vậy; nếu không, tạo bản tin rồi duyệt riêng.")
    if not by or not role:
        raise BulletinError("Phát hành và duyệt trong một bước cần họ tên và chức vụ của lãnh đạo.",
                            hint='thêm --by "HỌ TÊN" --role "CHỨC VỤ".')


def _keep_recording(files: BulletinFiles, source: Path) -> Path:
    """The person's take, copied beside the bulletin (atomically), so what was approved stays."""
    from radio.fileio import write_bytes

    suffix = re.sub(r"[^a-z0-9.]", "", source.suffix.lower())[:8] or ".audio"
    kept = files.programme / f"recording{suffix}"
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise BulletinError(f"Không đọc được tệp ghi âm {source} ({exc.strerror or exc}).") from None
    write_bytes(kept, data)
    return kept


def _sha256(path: Path) -> str:
    from radio.fileio import sha256_file

    return sha256_file(path)


# -- the audio -----------------------------------------------------------------------------

TONE_S = 1.4
_AFTER_TONE_S, _SENTENCE_PAUSE_S, _PARAGRAPH_PAUSE_S, _TAIL_S = 0.6, 0.35, 0.7, 0.8


def attention_tone(rate: int):
    """Three rising bell-like notes (G5, C6, E6), synthesized like the kit: no recording of
    anyone's, the same every time, clearly not speech."""
    import numpy as np

    from radio.audio.kit import MUSIC_LUFS, at_loudness

    notes, length = (784.0, 1046.5, 1318.5), 0.42
    out = np.zeros(int(TONE_S * rate), dtype=np.float32)
    t = np.arange(int(length * 1.6 * rate)) / rate
    for n, freq in enumerate(notes):
        partials = np.sin(2 * np.pi * freq * t) + 0.35 * np.sin(2 * np.pi * 2 * freq * t)
        note = (partials * np.exp(-t * 4.5) * np.minimum(1, t / 0.005)).astype(np.float32)
        start = int(n * length * rate)
        end = min(out.size, start + note.size)
        out[start:end] += note[: end - start]
    return at_loudness(out, rate, MUSIC_LUFS)


def _spoken(bulletin: Bulletin, files: BulletinFiles, station: Station, rate: int):
    """The speech as one float32 buffer at speech level, and the engine record."""
    import numpy as np

    from radio.audio.kit import SPEECH_LUFS, at_loudness
    from radio.audio.mix import to_float
    from radio.manifest import EngineRecord

    if bulletin.recording is not None:
        from radio.record import clean, decode_any

        source = files.programme / bulletin.recording
        samples, native = decode_any(source, source.name, MAX_RECORDING_S)
        cleaned = clean(samples, native, rate, source.name)
        return cleaned.samples, EngineRecord(name="recorded", voice=bulletin.issued_by or "", used=[])
    engine, voice, speed = _engine(station, files.station_dir)
    from radio.audio.ffmpeg import configure_pydub
    from radio.paths import station_output
    from radio.pipeline import clip_cache
    from radio.speech.cache import ClipKey
    from radio.speech.normalize import station_normalizer
    from radio.speech.synthesize import split_sentences

    configure_pydub()
    normalizer = station_normalizer(station, files.station_dir)
    cache = clip_cache(station_output(files.station_dir), station.id)
    pieces = []
    for written, paragraph_end in split_sentences(bulletin.text, engine.max_chars):
        key = ClipKey(engine.name, engine.version(), voice, speed, normalizer(written).text)
        audio = cache.get(key)
        if audio is None:
            audio = engine.synthesize(key.text, voice, speed)
            cache.put(key, audio)
        pieces += [to_float(audio, rate),
                   np.zeros(int((_PARAGRAPH_PAUSE_S if paragraph_end else _SENTENCE_PAUSE_S) * rate), np.float32)]
    speech = np.concatenate(pieces[:-1]) if pieces else np.zeros(rate, np.float32)
    used = f"{engine.name}:{voice}"
    return at_loudness(speech, rate, SPEECH_LUFS), EngineRecord(name=engine.name, voice=voice, used=[used])


def _engine(station: Station, station_dir: Path):
    """The bulletin announcer's engine, or the first of the station's chain that works now:
    an emergency does not wait for a network voice."""
    from radio.errors import SpeechError
    from radio.speech.engines import get_engine

    announcer_id = station.bulletins.announcer or station.announcers[0].id
    try:
        announcer = station.announcer(announcer_id)
    except KeyError as exc:
        raise BulletinError(f"station.yaml, mục bulletins: {exc.args[0]}.",
                            hint="sửa bulletins.announcer thành id của một phát thanh viên.") from None
    reasons = []
    for name in dict.fromkeys([announcer.engine, *station.speech.fallback, "offline"]):
        engine = get_engine(name, station.speech, station_dir, station)
        reason = engine.unavailable_reason()
        if reason is None:
            voice = (announcer.voice if name == announcer.engine
                     else announcer.fallback_voices.get(name) or engine.voices()[0].id)
            return engine, voice, announcer.speed
        reasons.append(f"{name}: {reason}")
    raise SpeechError(f"Không bộ đọc nào đọc được bản tin ({'; '.join(reasons)}).",
                      hint="cài eSpeak NG (bộ đọc offline) hoặc ghi âm bản tin rồi dùng --audio.")


def produce(files: BulletinFiles, station: Station, bulletin: Bulletin):
    """Tone, pause, speech; mastered to the station's loudness and tagged (audio/finish)."""
    import numpy as np

    from radio.audio.export import Tags
    from radio.audio.finish import master_and_export
    from radio.audio.identity import audio_sha256
    from radio.audio.mix import Mix, SegmentTiming
    from radio.fileio import sha256_file
    from radio.manifest import AudioRecord, Manifest, write
    from radio.progress import Silent

    settings = station.audio
    rate = settings.sample_rate
    speech, engine = _spoken(bulletin, files, station, rate)
    tone = attention_tone(rate)
    pause = np.zeros(int(_AFTER_TONE_S * rate), np.float32)
    samples = np.concatenate([tone, pause, speech, np.zeros(int(_TAIL_S * rate), np.float32)])
    speech_start = (tone.size + pause.size) / rate
    mixed = Mix(samples, rate, [SegmentTiming("tone", "tone", "Tín hiệu chú ý", 0.0, tone.size / rate),
                                SegmentTiming("speech", "news", bulletin.title, speech_start, speech.size / rate)])
    mp3 = files.programme / AUDIO_NAME
    content = bulletin.content_hash()
    tags = Tags(title=bulletin.title, artist=station.name, album=LEVEL_NAMES[bulletin.level],
                date=bulletin.issued_at[:7], track=1, comment=f"bulletin_sha256={content}",
                script_sha256=content, id3_version=int(station.audio.id3.split(".")[1]))
    shipped = master_and_export(mixed, settings, mp3, None, tags, Silent())
    manifest = Manifest(
        title=bulletin.title, script_sha256=content, station=station.id, station_name=station.name,
        produced_at=now_iso(), engine=engine,
        audio=AudioRecord(path=AUDIO_NAME, sha256=sha256_file(mp3), audio_sha256=audio_sha256(mp3),
                          **shipped.figures(), sample_rate=rate, channels=1,
                          bitrate_kbps=settings.bitrate_kbps, preset=settings.preset,
                          target_lufs=settings.target_lufs, true_peak_limit_dbtp=settings.true_peak_dbtp,
                          highpass_hz=settings.highpass_hz))
    write(files.manifest, manifest)
    return manifest


# -- approval and queueing -----------------------------------------------------------------

def approve_bulletin(station_dir: Path, bulletin_id: str, by: str, role: str, note: str | None = None,
                     now: datetime | None = None) -> ReviewEvent:
    """Bind the approval to the bulletin's words and audio (pinned under ``versions/``), then
    queue its airings by its level (``schedule.schedule_bulletin``)."""
    from radio.approval import current_audio, record_with_version, script_hash
    from radio.fileio import folder_lock
    from radio.schedule import schedule_bulletin, station_zone

    files = bulletin_files(station_dir, bulletin_id)
    bulletin = read_bulletin(files)
    station = load_station(Path(station_dir))
    check_zones(files, bulletin, station)
    now = now or datetime.now(station_zone(station))
    times = bulletin.airing_times(now)
    if not times:  # an approval that could air nothing is not given
        raise BulletinError(f"Bản tin {files.id} đã hết hiệu lực lúc "
                            f"{bulletin.valid_until.astimezone(now.tzinfo):%H:%M %d/%m/%Y}; không duyệt được.",
                            hint="trả lại bản tin này; nếu vẫn cần phát, tạo bản tin mới.")
    store = Store(station_dir)
    with folder_lock(files.programme):
        content = script_hash(files)
        audio = current_audio(files, content)
        if audio is None:
            raise BulletinError(f"Bản tin {files.id} chưa có tệp âm thanh làm từ đúng lời hiện có; chưa thể duyệt.",
                                hint="tạo lại bản tin bằng 'radio bulletin new'.")
        event = ReviewEvent(programme=files.key, action="approve", at=now_iso(), by_name=by, role=role,
                            note=note, script_sha256=content, audio_sha256=audio[1])
        event = record_with_version(store, event, files.programme, audio[0], event)
    schedule_bulletin(Path(station_dir), files, bulletin.level, times, now=now, zones=bulletin.zones)
    if bulletin.revises and read_bulletin_quietly(station_dir, bulletin.revises) is not None:
        # Both must never air: the earlier words give way to the revision approved now.
        reject_bulletin(station_dir, bulletin.revises, by, role,
                        f"Đã có bản sửa {files.id}, được duyệt lúc {now:%H:%M %d/%m/%Y}.")
    return event


def reject_bulletin(station_dir: Path, bulletin_id: str, by: str, role: str | None, reason: str) -> list[int]:
    """Refuse (or withdraw) a bulletin: the rejection recorded against its words and audio,
    and its airings not yet on air taken out of the queue (an emergency that is over, a
    notice superseded by a newer one). Returns the airings taken out."""
    from radio.approval import current_audio, script_hash
    from radio.schedule import remove_airing

    if not (reason or "").strip():  # for the command line and the studio alike
        raise BulletinError("Trả lại hoặc thu hồi bản tin cần ghi lý do.",
                            hint="ghi lý do (--reason), ví dụ: bão đã tan, thông báo đã có bản mới.")
    files = bulletin_files(station_dir, bulletin_id)
    read_bulletin(files)
    store = Store(station_dir)
    content = script_hash(files)
    audio = current_audio(files, content)
    store.add_review_event(ReviewEvent(programme=files.key, action="reject", at=now_iso(), by_name=by, role=role,
                                       note=reason, script_sha256=content, audio_sha256=audio[1] if audio else None))
    logged = store.logged_airing_ids()
    removed = []
    for airing in store.queued(programme=files.key):
        if airing.id not in logged:
            try:
                remove_airing(Path(station_dir), airing.id)
            except RadioError:
                continue  # went on air meanwhile: it stays in the log as it aired
            removed.append(airing.id)
    return removed


@dataclass
class Listed:
    bulletin: Bulletin
    state: str  # approval.STATE_LABELS key
    detail: str
    queued: int
    aired: int
    duration_s: float | None
    #: The words as the engine reads them (numbers, dates, phones written out), for the
    #: leader who approves; ``None`` for a recording.
    spoken: str | None = None


def list_bulletin_ids(station_dir: Path) -> list[str]:
    """Every bulletin's id, newest first."""
    folder = Path(station_dir) / BULLETINS_DIR
    return sorted((p.name for p in folder.iterdir() if (p / "bulletin.yaml").exists()), reverse=True) \
        if folder.is_dir() else []


def read_bulletin_quietly(station_dir: Path, bulletin_id: str) -> Bulletin | None:
    """The bulletin, or ``None`` when its file cannot be read (for lookups across all of them)."""
    try:
        return read_bulletin(bulletin_files(station_dir, bulletin_id))
    except RadioError:
        return None


def list_bulletins(station_dir: Path) -> list[Listed]:
    """Every bulletin with where it stands, newest first (read-only)."""
    return [show_bulletin(station_dir, ident, spoken=False) for ident in list_bulletin_ids(station_dir)]


def show_bulletin(station_dir: Path, bulletin_id: str, *, spoken: bool = True) -> Listed:
    from radio.approval import status

    files = bulletin_files(station_dir, bulletin_id)
    bulletin = read_bulletin(files)
    store = Store(station_dir, readonly=True)
    current = status(files, store)
    queued, aired = store.airing_counts(files.key)
    duration = current.audio[0].audio.duration_s if current.audio else None
    reading = None
    if spoken and bulletin.text is not None:
        from radio.speech.normalize import station_normalizer

        reading = station_normalizer(load_station(Path(station_dir)), Path(station_dir))(bulletin.text).text
    return Listed(bulletin, current.state, current.detail, queued, aired, duration, reading)
