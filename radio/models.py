"""Typed data models, validated once at the edge (``radio.config``) and trusted after."""
from __future__ import annotations

import calendar
import hashlib
import re
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, field_validator,
                      model_validator)

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def date_problem(year: int, month: int, day: int) -> str | None:
    """Why a day does not exist, in the officer's words; None when it does."""
    if year == 0:
        return "không có năm 0"
    if not 1 <= month <= 12:
        return "tháng phải từ 1 đến 12"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"tháng {month} năm {year} chỉ có {days} ngày"
    return None


def _iso_date(value: str) -> str:
    # One written form only: the schedule compares these with date.isoformat(), so a
    # "20270216" that Python would parse must not pass and then never match.
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    if match is None:
        raise ValueError(f"ngày '{value}' không hợp lệ; viết dạng NĂM-THÁNG-NGÀY, ví dụ 2027-02-16")
    problem = date_problem(*(int(part) for part in match.groups()))
    if problem:
        raise ValueError(f"ngày '{value}' không có thật ({problem}); viết một ngày có thật dạng "
                         "NĂM-THÁNG-NGÀY, ví dụ 2027-02-16")
    return value


# A day as YYYY-MM-DD text that exists in the calendar.
IsoDate = Annotated[str, AfterValidator(_iso_date)]


SegmentKind = Literal["opening", "news", "topic", "procedure", "qa", "model", "reminder",
                      "closing", "extra"]


class Model(BaseModel):
    # Unknown keys are almost always typos in a hand-edited YAML file: refuse them.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Person(Model):
    name: str
    title: str


class OneStopDesk(Model):
    place: str
    address: str | None = None
    hours: list[str] = Field(min_length=1)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Slot(Model):
    id: str = Field(pattern=SLUG_PATTERN)
    name: str
    start: str = Field(pattern=TIME_PATTERN)
    length_min: int = Field(gt=0, le=24 * 60)
    weekdays: list[Weekday] = list(WEEKDAYS)
    # "local" slots carry the commune's own programmes; a "relay" slot carries a provincial
    # or national programme and never takes anything else.
    kind: Literal["local", "relay"] = "local"
    # A relay slot's zones (station.yaml ``zones``): where its relays are heard; none, every zone.
    zones: list[str] = Field(default_factory=list)
    # A relay slot with a ``url`` is relayed by the player itself (radio/player/relay.py): an
    # Icecast or HTTP stream, MP3 or AAC. Without one the hours are only kept free (another
    # device relays). ``fallback`` (a file in the station folder, e.g. in its kit) is played,
    # looped, while the source is down.
    url: str | None = None
    fallback: str | None = None

    @field_validator("url")
    @classmethod
    def _stream_address(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
            raise ValueError(f"địa chỉ tiếp sóng '{value}' không hợp lệ; viết địa chỉ luồng http:// hoặc "
                             "https:// của Đài (Icecast, MP3 hoặc AAC), ví dụ http://stream.example.vn:8000/vov1")
        return value

    @field_validator("fallback")
    @classmethod
    def _station_file(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value.startswith(("/", "\\")) or ":" in value or ".." in value.replace("\\", "/").split("/"):
            raise ValueError(f"tệp dự phòng '{value}' phải là một tệp trong thư mục của đài, viết đường dẫn "
                             "tính từ thư mục đó, ví dụ kit/tiep-song-du-phong.mp3")
        return value

    @model_validator(mode="after")
    def _relay_source_on_relays(self) -> "Slot":
        if self.kind != "relay" and (self.url or self.fallback):
            raise ValueError(f"khung giờ '{self.id}' không phải khung tiếp sóng (kind: relay) nên không có "
                             "url hay fallback")
        if self.fallback and not self.url:
            raise ValueError(f"khung tiếp sóng '{self.id}' có tệp dự phòng nhưng chưa có url của luồng tiếp sóng")
        return self


class AiringRule(Model):
    """When the CCHC programme airs: e.g. the first and third week, morning, repeated in the
    afternoon of the same day (four airings a month)."""
    weeks: list[int] = Field(default_factory=lambda: [1, 3])
    # Slot ids; left out, the first local slot, repeated in the second.
    slots: list[str] = Field(default_factory=list)
    repeat_in: list[str] | None = None
    # Preferred weekday in each chosen week; the next free day is taken when it is not free.
    weekday: Weekday | None = None
    # The zones (station.yaml ``zones``) the month's programme reaches; left out, every zone:
    # the administrative-reform column is for the whole commune unless the station says not.
    zones: list[str] = Field(default_factory=list)

    @field_validator("weeks")
    @classmethod
    def _weeks_of_a_month(cls, value: list[int]) -> list[int]:
        if not value or any(w < 1 or w > 5 for w in value):
            raise ValueError("tuần trong tháng phải từ 1 đến 5")
        return sorted(set(value))


class ScheduleSettings(Model):
    timezone: str = "Asia/Ho_Chi_Minh"
    cchc: AiringRule = AiringRule()
    # Vietnam's public holidays (lunar ones included, from the `holidays` package) take no
    # CCHC airing; set false to decide every day yourself.
    public_holidays: bool = True
    # The station's own days off (local festivals, elections), as YYYY-MM-DD.
    holidays: list[IsoDate] = Field(default_factory=list)
    # Public holidays on which the station airs anyway, as YYYY-MM-DD.
    not_holidays: list[IsoDate] = Field(default_factory=list)
    # After a restart, an airing up to this late is still played; later ones are "missed".
    grace_min: float = Field(default=10, ge=0, le=180)
    # Played instead of a programme that cannot air (missing, corrupt or unapproved file).
    fallback: str | None = None


class Announcer(Model):
    id: str = Field(pattern=SLUG_PATTERN)
    name: str
    engine: str = "offline"
    voice: str = "vi"
    # Speaking rate; engines change tempo, never pitch.
    speed: float = Field(default=1.0, ge=0.5, le=2.0)
    # The voice to use when speech falls back to another engine, e.g. {offline: vi+f3}.
    fallback_voices: dict[str, str] = Field(default_factory=dict)


class GttsSettings(Model):
    # google.com.vn answers in the Vietnamese accent; other domains work too.
    tld: str = "com.vn"
    slow: bool = False
    # Google throttles bursts with HTTP 429; space requests out across all threads.
    min_interval_s: float = Field(default=0.5, ge=0, le=30)
    retries: int = Field(default=4, ge=0, le=10)
    backoff_s: float = Field(default=1.0, ge=0, le=60)
    timeout_s: float = Field(default=15.0, gt=0, le=300)
    parallel: int = Field(default=2, ge=1, le=8)


class PiperVoiceFile(Model):
    # Path of the .onnx voice model, relative to the station folder.
    model: str
    # The voice's .onnx.json; defaults to the model path + ".json".
    config: str | None = None
    speaker: int | None = Field(default=None, ge=0)
    description: str | None = None


class PiperSettings(Model):
    voices: dict[str, PiperVoiceFile] = Field(default_factory=dict)


class EspeakStyle(Model):
    """A named offline voice: an eSpeak NG voice and variant with its delivery settings."""
    voice: str = "vi"  # eSpeak voice and variant, e.g. vi, vi+f3, vi-vn-x-south+m3
    pitch: int = Field(default=50, ge=0, le=99)
    range: int = Field(default=50, ge=0, le=99)  # how much the pitch moves; low is flat
    word_gap_ms: int = Field(default=0, ge=0, le=200)  # extra silence between words
    comma_pause_ms: int | None = Field(default=None, ge=0, le=1500)  # None: eSpeak's own
    description: str = ""


class OfflineSettings(Model):
    # Station-defined offline voices, by name; they add to and override the built-in ones.
    voices: dict[str, EspeakStyle] = Field(default_factory=dict)


class SpeechSettings(Model):
    # Engines tried in order when an announcer's own engine is unavailable or fails.
    fallback: list[str] = Field(default_factory=lambda: ["offline"])
    offline: OfflineSettings = OfflineSettings()
    gtts: GttsSettings = GttsSettings()
    piper: PiperSettings = PiperSettings()
    # How clock times are read: "12h" as rural listeners say them ("một giờ rưỡi chiều"),
    # "24h" as written ("mười ba giờ ba mươi phút").
    clock: Literal["12h", "24h"] = "12h"


class KitFiles(Model):
    """The station's own music, as files in its folder (MP3, WAV, OGG, FLAC; any rate)."""
    intro: str | None = None
    outro: str | None = None
    stinger: str | None = None
    bed: str | None = None


class BedSettings(Model):
    """Quiet music under speech, ducked while someone speaks and restored in between."""
    # Which kinds of segment get a bed; [] for none.
    segments: list[SegmentKind] = Field(default_factory=lambda: ["opening", "closing"])
    # Bed loudness relative to speech when nobody is speaking.
    level_db: float = Field(default=-8.0, ge=-40, le=0)
    # How much quieter the bed gets under speech.
    duck_db: float = Field(default=12.0, ge=0, le=40)
    attack_s: float = Field(default=0.15, ge=0.01, le=2)
    release_s: float = Field(default=0.6, ge=0.05, le=5)
    # Pauses shorter than this keep the bed down, so it does not pump between sentences.
    hold_s: float = Field(default=0.8, ge=0, le=5)


# Loudness target, high-pass and compression of each preset. "loudspeaker" suits outdoor
# horns: no bass they cannot play, denser speech that carries over street noise.
PRESETS = {
    "standard": {"target_lufs": -16.0, "highpass_hz": None},
    "ebu-r128": {"target_lufs": -23.0, "highpass_hz": None},
    "loudspeaker": {"target_lufs": -16.0, "highpass_hz": 120.0},
}


class AudioSettings(Model):
    preset: Literal["standard", "ebu-r128", "loudspeaker"] = "standard"
    # Left empty, these come from the preset; set, they override it.
    target_lufs: float | None = Field(default=None, ge=-36, le=-8)
    highpass_hz: float | None = Field(default=None, ge=20, le=400)
    true_peak_dbtp: float = Field(default=-1.0, ge=-9, le=0)
    sample_rate: Literal[22050, 32000, 44100, 48000] = 44100
    bitrate_kbps: Literal[64, 96, 128, 160, 192, 256, 320] = 128
    # Also write programme.wav (16-bit) beside the MP3, for systems that take WAV.
    wav: bool = False
    # ID3 tag version: 2.3 is what Windows Explorer and most car and phone players read
    # (text in UTF-16, chapters kept); 2.4 for software that wants it.
    id3: Literal["2.3", "2.4"] = "2.3"
    sentence_pause_s: float = Field(default=0.45, ge=0, le=3)
    paragraph_pause_s: float = Field(default=0.9, ge=0, le=5)
    segment_gap_s: float = Field(default=0.6, ge=0, le=5)
    kit: KitFiles = KitFiles()
    bed: BedSettings = BedSettings()

    @model_validator(mode="after")
    def _fill_from_preset(self) -> "AudioSettings":
        preset = PRESETS[self.preset]
        if self.target_lufs is None:
            self.target_lufs = preset["target_lufs"]
        if self.highpass_hz is None:
            self.highpass_hz = preset["highpass_hz"]
        return self


class ProgrammeRules(Model):
    column: str = "Chuyên mục Cải cách hành chính"
    min_minutes: float = Field(default=10, gt=0)
    max_minutes: float = Field(default=15, gt=0)

    @model_validator(mode="after")
    def _range_is_ordered(self) -> "ProgrammeRules":
        if self.min_minutes >= self.max_minutes:
            raise ValueError("min_minutes phải nhỏ hơn max_minutes")
        return self


class BackupSettings(Model):
    """Copies of radio.db made while the station runs (``backups/``), kept this many days."""
    keep_days: int = Field(default=30, ge=1, le=3650)


class SmtpSettings(Model):
    """The station's mail server: leaders are told by e-mail that a programme waits."""
    host: str
    port: int = Field(default=25, ge=1, le=65535)
    sender: str  # the From address, e.g. dai.anlac@thanhhoa.gov.vn
    starttls: bool = False
    username: str | None = None
    password_file: str | None = None  # a file of its own beside station.yaml; never in it
    studio_url: str | None = None  # where the leader opens the studio, e.g. https://dai.anlac.vn


class BulletinSettings(Model):
    """How the station handles bulletins (radio/bulletin.py)."""
    # A leader may issue an emergency bulletin and approve it in one step (both recorded).
    leader_issues_emergency: bool = False
    # What becomes of a programme an emergency cut: played again whole later (requeue), or
    # played on from where it was cut (resume).
    after_emergency: Literal["resume", "requeue"] = "requeue"
    # The announcer who reads bulletins; the first announcer when left out.
    announcer: str | None = Field(default=None, pattern=SLUG_PATTERN)
    # Seconds left free between a bulletin and the airing next to it.
    gap_s: float = Field(default=5, ge=0, le=600)


class RelaySettings(Model):
    """How the player relays a stream (relay slots with a ``url``)."""
    # Relay items are queued this many days ahead (by the player every hour, and by `radio relay`).
    days_ahead: int = Field(default=7, ge=1, le=62)
    # Reconnecting to a lost source waits 0.5 s, then twice as long each time, at most this.
    reconnect_max_s: float = Field(default=10, ge=0.5, le=300)
    # A source that sends nothing for this long is lost (the fallback file takes over).
    timeout_s: float = Field(default=5, gt=0, le=60)


def unknown_zone(zone_id: str, known: list[str]) -> str:
    """How every file that names a zone says it does not exist."""
    if not known:
        return (f"vùng '{zone_id}' không có: đài chưa chia vùng (mục zones trong station.yaml); "
                "bỏ trống để phát tới mọi loa")
    return f"không có vùng '{zone_id}' trong station.yaml (có: {', '.join(known)})"


class PartChoice(BaseModel):
    """A plugin part chosen by its ``type`` in station.yaml, with that part's own settings
    written beside it (a mount, a folder, an address): kept as given here, checked by the
    part's ``options`` model when the station is read."""
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, defer_build=True)
    type: str = Field(pattern=SLUG_PATTERN)

    @property
    def options(self) -> dict:
        return dict(self.model_extra or {})


class ZoneOutput(PartChoice):
    """One output of a zone: a kind of output (``type``: system, file, icecast or a plugin's)
    and what this one use of it sets over the plugin's own section (a mount, a folder)."""
    # What the as-run log and status call it; left out, made from the type and its settings.
    name: str | None = Field(default=None, min_length=1, max_length=80)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        said = [str(value) for value in self.options.values()]
        return f"{self.type}:{','.join(said)}" if said else self.type


class Zone(Model):
    """A loudspeaker zone (a hamlet, a cluster) and the outputs that reach it."""
    id: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1)
    outputs: list[ZoneOutput] = Field(default_factory=list)

    @field_validator("outputs")
    @classmethod
    def _reached_somehow(cls, value: list[ZoneOutput]) -> list[ZoneOutput]:
        if not value:
            raise ValueError("vùng phải có ít nhất một đầu ra (outputs), ví dụ "
                             "[{type: icecast, mount: /thon-dong}] hoặc [{type: system}]")
        return value


class Station(Model):
    # The bundled example station (xã An Lạc, invented): its names and figures may air only
    # there; anywhere else they are sample data a station forgot to replace.
    sample: bool = False
    id: str = Field(pattern=SLUG_PATTERN)
    name: str
    commune: str
    # Since 2025 local government has two tiers; older plans still name a district.
    district: str | None = None
    province: str
    hotline: str
    email: str | None = None
    website: str | None = None
    one_stop: OneStopDesk
    officer: Person
    reviewer: Person | None = None
    slots: list[Slot] = Field(min_length=1)
    announcers: list[Announcer] = Field(min_length=1)
    audio: AudioSettings = AudioSettings()
    programme: ProgrammeRules = ProgrammeRules()
    speech: SpeechSettings = SpeechSettings()
    # Loudspeaker zones (issue 32); none: every airing goes to every output, as before.
    # Names, duplicates and each output's settings are checked by station.read_station_file,
    # which knows the lines and the plugins.
    zones: list[Zone] = Field(default_factory=list)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings, validate_default=True)
    backup: BackupSettings = BackupSettings()
    smtp: SmtpSettings | None = None
    bulletins: BulletinSettings = BulletinSettings()
    relays: RelaySettings = RelaySettings()
    # The sections of plugins (radio.plugins), each validated by its plugin's own model.
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)
    # Each zone's outputs as checked against their plugins (station.ZonePart), by zone id.
    _zone_outputs: dict[str, list] = PrivateAttr(default_factory=dict)

    @field_validator("schedule")
    @classmethod
    def _airing_slots_exist(cls, schedule: "ScheduleSettings", info) -> "ScheduleSettings":
        # Slots are declared before schedule, so they are already validated here; the error
        # then points at the schedule section, not at the whole file.
        if "slots" not in info.data:
            return schedule  # the slots' own error is the one to read, not a cascade of it
        slots = info.data["slots"]
        known = {slot.id: slot for slot in slots}
        rule = schedule.cchc
        local = [slot.id for slot in slots if slot.kind == "local"]
        if not rule.slots:
            rule.slots = local[:1]
        if rule.repeat_in is None:
            rule.repeat_in = local[1:2]
        for slot_id in [*rule.slots, *rule.repeat_in]:
            if slot_id not in known:
                raise ValueError(f"lịch phát chuyên mục dùng khung giờ '{slot_id}' không có trong "
                                 f"slots (có: {', '.join(known)})")
            if known[slot_id].kind == "relay":
                raise ValueError(f"khung giờ '{slot_id}' là khung tiếp sóng, không xếp chuyên mục vào được")
        return schedule

    @field_validator("announcers")
    @classmethod
    def _unique_announcers(cls, value: list[Announcer]) -> list[Announcer]:
        ids = [a.id for a in value]
        if len(set(ids)) != len(ids):
            raise ValueError("mỗi phát thanh viên phải có id khác nhau")
        return value

    def zone_ids(self) -> list[str]:
        return [zone.id for zone in self.zones]

    def announcer(self, announcer_id: str) -> Announcer:
        for announcer in self.announcers:
            if announcer.id == announcer_id:
                return announcer
        known = ", ".join(a.id for a in self.announcers)
        raise KeyError(f"không có phát thanh viên '{announcer_id}' (có: {known})")


class NewsItem(Model):
    title: str
    text: str


class QAPair(Model):
    question: str
    answer: str
    asked_by: str | None = None


class Story(Model):
    title: str
    text: str


class ExtraSegment(Model):
    title: str
    text: str
    voice: str | None = Field(default=None, pattern=SLUG_PATTERN)


class Brief(Model):
    month: str = Field(pattern=MONTH_PATTERN)
    topic: str
    procedure: str
    title: str | None = None
    news: list[NewsItem] = Field(default_factory=list)
    qa: list[QAPair] = Field(default_factory=list)
    model_story: Story | None = None
    figures: dict[str, str | int | float] = Field(default_factory=dict)
    reminders: list[str] = Field(default_factory=list)
    extra_segments: list[ExtraSegment] = Field(default_factory=list)
    # Which announcer reads which kind of segment, e.g. {news: nam}; others alternate.
    voices: dict[str, str] = Field(default_factory=dict)


class Segment(Model):
    id: str = Field(pattern=SLUG_PATTERN)
    kind: SegmentKind
    title: str
    voice: str = Field(pattern=SLUG_PATTERN)
    text: str = Field(min_length=1)
    stinger_before: bool = True
    estimated_s: float | None = None


class Script(Model):
    station: str = Field(pattern=SLUG_PATTERN)
    month: str = Field(pattern=MONTH_PATTERN)
    title: str
    segments: list[Segment] = Field(min_length=1)
    # The day whose law the packaged content follows (the programme's first airing): a
    # wording that changes on 1 March reads one way in February's programme, another in March's.
    in_force_on: IsoDate | None = None

    @field_validator("segments")
    @classmethod
    def _unique_segments(cls, value: list[Segment]) -> list[Segment]:
        ids = [s.id for s in value]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"id đoạn bị trùng: {', '.join(duplicates)}")
        return value

    def content_hash(self) -> str:
        """Hash of what will be heard: the approval binds to this, not to YAML layout."""
        digest = hashlib.sha256()
        for part in (self.station, self.month, self.title):
            digest.update(part.encode() + b"\0")
        for seg in self.segments:
            for part in (seg.id, seg.kind, seg.title, seg.voice, _squash(seg.text),
                         str(seg.stinger_before)):
                digest.update(part.encode() + b"\0")
        return digest.hexdigest()


def _squash(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text.strip())
