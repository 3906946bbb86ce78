"""A station's working folder: where its profile, month briefs, scripts and programmes live.

Every stage that needs a station folder's paths asks here, so none of them has to import
another stage for it (compose, workspace and pipeline used to import each other in a loop).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from radio.config import read_yaml, validate
from radio.errors import RadioError
from radio.models import Station
from radio.programme import ProgrammeKey, check_month
from radio.paths import programme_dir, station_output

SAMPLE_STATION = "an-lac"
SAMPLE_MONTH = "2026-12"


def sample_station_dir() -> Path:
    return Path(str(resources.files("radio").joinpath("samples", SAMPLE_STATION)))


_loaded: dict[str, tuple[tuple, Station]] = {}


def load_station(station_dir: Path) -> Station:
    """The station profile, validated; read again only when the file changed (the studio
    asks on every page). Models are never changed in place (edits use model_copy)."""
    path = Path(station_dir) / "station.yaml"
    try:
        info = path.stat()
        stamp = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    except OSError:
        return read_station_file(path)  # names the missing file in its own words
    key = str(path.resolve())
    cached = _loaded.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    station = read_station_file(path)
    _loaded[key] = (stamp, station)
    return station


def read_station_file(path: Path) -> Station:
    """station.yaml: radio's own settings, and each plugin's section validated by that
    plugin's model, with the same file-and-line messages."""
    from radio.plugins import plugin_for_section

    data, lines = read_yaml(path)
    sections = {}
    if isinstance(data, dict):
        for key in [k for k in data if isinstance(k, str) and k not in Station.model_fields]:
            plugin = plugin_for_section(key)
            if plugin is not None:
                sections[key] = validate(path, data.pop(key), lines, plugin.settings, prefix=(key,))
    station = validate(path, data, lines, Station)
    station._sections = sections
    station._zone_outputs = _checked_zones(path, lines, station)
    return station


@dataclass(frozen=True)
class ZonePart:
    """One output of a zone, checked: the plugin part and the settings it is built with."""
    label: str  # what the as-run log and status call it
    part: Any  # radio.plugins.Part
    settings: Any


def _checked_zones(path: Path, lines, station: Station) -> dict[str, list[ZonePart]]:
    """What pydantic cannot see in station.yaml's zones: a name given twice, a zone the
    airing rule names that does not exist, an output no plugin has or settings its plugin
    refuses; each said at its line."""
    if not station.zones and not station.schedule.cchc.zones and not any(s.zones for s in station.slots):
        return {}  # a station without zones: nothing to check, no plugin loaded
    from radio.config import ConfigError, line_of
    from radio.models import unknown_zone

    first: dict[tuple[str, str], int] = {}
    for i, zone in enumerate(station.zones):
        for field, value in (("id", zone.id), ("name", zone.name)):
            line = line_of(lines, ("zones", i, field))
            if (field, value.casefold()) in first:
                what = "mã" if field == "id" else "tên"
                raise ConfigError(path, f"{what} vùng '{value}' bị trùng (đã có ở dòng {first[(field, value.casefold())]}).",
                                  line=line, hint="mỗi vùng một mã (id) và một tên (name) riêng.")
            first[(field, value.casefold())] = line
    known = station.zone_ids()
    named = [(("schedule", "cchc", "zones", i), zone_id) for i, zone_id in enumerate(station.schedule.cchc.zones)]
    named += [(("slots", i, "zones", j), zone_id) for i, slot in enumerate(station.slots)
              for j, zone_id in enumerate(slot.zones)]
    for where, zone_id in named:
        if zone_id not in known:
            raise ConfigError(path, unknown_zone(zone_id, known) + ".", line=line_of(lines, where))
    for i, slot in enumerate(station.slots):
        if slot.zones and slot.kind != "relay":
            raise ConfigError(path, f"khung giờ '{slot.id}' không phải khung tiếp sóng nên không chọn vùng.",
                              line=line_of(lines, ("slots", i, "zones")),
                              hint="chuyên mục hằng tháng chọn vùng ở schedule: cchc: zones.")
    built: dict[str, ZonePart] = {}
    checked: dict[str, list[ZonePart]] = {}
    for i, zone in enumerate(station.zones):
        for j, spec in enumerate(zone.outputs):
            found = _zone_part(path, lines, station, spec, ("zones", i, "outputs", j))
            same = built.setdefault(found.label, found)
            if same.part is not found.part or same.settings != found.settings:
                raise ConfigError(path, f"hai đầu ra khác nhau cùng tên '{found.label}'.",
                                  line=line_of(lines, ("zones", i, "outputs", j)),
                                  hint="đặt cho mỗi đầu ra một tên riêng (name); một đầu ra dùng cho nhiều vùng "
                                       "thì ghi giống hệt nhau ở mỗi vùng.")
            if same not in checked.setdefault(zone.id, []):
                checked[zone.id].append(same)
    return checked


def _zone_part(path: Path, lines, station: Station, spec, where: tuple) -> ZonePart:
    from radio.config import ConfigError, line_of
    from radio.plugins import PluginError, find_part

    try:
        part = find_part("output", spec.type)
    except PluginError as exc:
        raise ConfigError(path, f"không có đầu ra '{spec.type}'.", line=line_of(lines, where + ("type",)),
                          hint=exc.hint) from None
    if part.options is None:
        if spec.options:
            raise ConfigError(path, f"đầu ra '{spec.type}' không nhận cài đặt riêng cho từng vùng "
                                    f"({', '.join(spec.options)}).", line=line_of(lines, where),
                              hint=f"chỉ ghi {{type: {spec.type}}}.")
        return ZonePart(spec.label, part, plugin_settings(station, part.plugin))
    section = station._sections.get(part.plugin.name) if part.options is part.plugin.settings else None
    base = section.model_dump() if section is not None else {}
    settings = validate(path, {**base, **spec.options}, lines, part.options, prefix=where)
    return ZonePart(spec.label, part, settings)


def plugin_settings(station: Station | None, plugin: Any) -> Any:
    """A plugin's settings for ``station``: its section, or its defaults when the section is
    left out (``None`` for a plugin without settings)."""
    from pydantic import ValidationError

    from radio.plugins import PluginError

    if plugin.settings is None:
        return None
    if station is not None and plugin.name in Station.model_fields:
        return getattr(station, plugin.name)
    if station is not None and plugin.name in station._sections:
        return station._sections[plugin.name]
    try:
        return plugin.settings()
    except ValidationError:
        raise PluginError(f"station.yaml chưa có mục '{plugin.name}:' mà phần mở rộng {plugin.name} cần.",
                          hint=f"thêm mục {plugin.name}: vào station.yaml (xem README).") from None


@dataclass(frozen=True)
class MonthFiles:
    """The files of one month of one station (a ``ProgrammeFiles``: approval and the
    player ask any programme's files the same things)."""
    station_dir: Path
    station_id: str
    month: str

    def __post_init__(self) -> None:
        check_month(self.month)

    @property
    def key(self) -> ProgrammeKey:
        return ProgrammeKey.month(self.month)

    @property
    def brief(self) -> Path:
        return self.station_dir / "months" / f"{self.month}.yaml"

    @property
    def script(self) -> Path:
        return self.station_dir / "scripts" / f"{self.month}.yaml"

    @property
    def programme(self) -> Path:
        return programme_dir(station_output(self.station_dir), self.station_id, self.month)

    @property
    def manifest(self) -> Path:
        return self.programme / "manifest.json"

    def content_sha256(self) -> str | None:
        """The hash of what will be heard (the script's content), ``None`` before compose."""
        from radio.config import load_model
        from radio.models import Script

        return load_model(self.script, Script).content_hash() if self.script.exists() else None


BULLETINS_DIR = "bulletins"


@dataclass(frozen=True)
class BulletinFiles:
    """The files of one bulletin (a ``ProgrammeFiles``): ``bulletins/<id>/`` holds its
    ``bulletin.yaml`` (what approval binds), its audio, manifest and approved versions."""
    station_dir: Path
    id: str

    def __post_init__(self) -> None:
        ProgrammeKey("bulletin", self.id)  # refuses an id that would name another folder

    @property
    def key(self) -> ProgrammeKey:
        return ProgrammeKey("bulletin", self.id)

    @property
    def programme(self) -> Path:
        return self.station_dir / BULLETINS_DIR / self.id

    @property
    def script(self) -> Path:
        return self.programme / "bulletin.yaml"

    @property
    def manifest(self) -> Path:
        return self.programme / "manifest.json"

    def content_sha256(self) -> str | None:
        from radio.bulletin import read_bulletin  # the bulletin stage owns its file's shape

        return read_bulletin(self).content_hash() if self.script.exists() else None


class ProgrammeFiles(Protocol):
    """What approval and the player ask of a programme's files, whatever its kind."""
    station_dir: Path

    @property
    def key(self) -> ProgrammeKey: ...

    @property
    def script(self) -> Path: ...

    @property
    def programme(self) -> Path: ...

    @property
    def manifest(self) -> Path: ...

    def content_sha256(self) -> str | None:
        """What an approval binds besides the audio: the hash of the words (or the recording)
        that will be heard; ``None`` while there is nothing to approve."""


def programme_files(station_dir: Path, station_id: str, key: ProgrammeKey) -> ProgrammeFiles:
    """The files of the programme ``key`` names: a month's or a bulletin's. A relay has
    none: it is not approved per airing, the player relays its slot's address
    (radio/player/relay.py)."""
    if key.is_month:
        return MonthFiles(Path(station_dir), station_id, key.id)
    if key.kind == "bulletin":
        return BulletinFiles(Path(station_dir), key.id)
    raise RadioError(f"{key.label().capitalize()} không có tệp để duyệt: máy phát tiếp sóng thẳng từ địa chỉ "
                     "url của khung tiếp sóng trong station.yaml.",
                     hint="xem hoặc sửa địa chỉ ở khung giờ kind: relay trong station.yaml.")


# What a new station must fill in (``radio init`` writes it); nothing with it may air.
BLANK = "[ĐIỀN"


def sample_traces(text: str) -> list[str]:
    """The sample station's own names, numbers and figures (and blanks not yet filled in)
    found in ``text``: a station copied from the sample must not air them."""
    blanks = re.findall(re.escape(BLANK) + r"[^\]]*\]?", text)
    return blanks + [mark for mark in _sample_marks() if mark in text]


def segment_sample_traces(script) -> list[tuple[str, str]]:
    """(segment id, trace) for every sample trace in a script's segments, titles included:
    what approval refuses and the review lists, found one way."""
    return [(segment.id, trace) for segment in script.segments
            for trace in sample_traces(f"{segment.title}\n{segment.text}")]


@functools.lru_cache(maxsize=1)
def _sample_marks() -> tuple[str, ...]:
    """Taken from the sample itself, so the list follows it: its identity in station.yaml,
    the people and invented figures of its month brief."""
    sample = read_station_file(sample_station_dir() / "station.yaml")
    marks = [sample.name, sample.hotline, sample.email, sample.website,
             sample.one_stop.place, sample.officer.name, sample.reviewer.name if sample.reviewer else None]
    return tuple(dict.fromkeys(m for m in marks if m)) + _SAMPLE_BRIEF_MARKS


# People and invented figures of the sample month brief (radio/samples/an-lac/months).
_SAMPLE_BRIEF_MARKS = ("Lê Thị Mến", "Phạm Văn Tuấn", "Hoàng Thị Lan", "Đỗ Thị Hằng", "4.862", "4.790",
                       "8.930", "1.146", "642 trên 815")
