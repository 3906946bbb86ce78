"""Bulletins that arrive from elsewhere (issue 32): a province's information source system
(hệ thống thông tin nguồn) or a vendor's adapter hands them over, and each becomes a normal
bulletin (``bulletin.new_bulletin``, issued by the source) that waits for the commune's
approval — unless the station trusts that source for emergencies, when an emergency is
approved in the same step, both events naming the source.

Sources are named in station.yaml (``importers: sources:``), each of a type some plugin
registered as an ``importer`` part: radio's own are ``folder`` (files a vendor drops into a
folder) and ``http`` (a feed fetched over HTTP). The shape both read is documented in
docs/inbound-bulletins.md. No public specification of the provinces' systems could be
found, so the shape is ours and small: an adapter maps a vendor's fields onto it.

Importing is idempotent by the item's id at its source (kept in ``bulletin.yaml``), so a
feed that lists an item for days makes one bulletin; an item whose ``valid_until`` has passed
is refused with a note; an item that cannot be read is named in Vietnamese, and the others
are imported all the same. Module level stays light: the plugin registry imports it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from radio.errors import RadioError
from radio.models import SLUG_PATTERN, Model, PartChoice
from radio.plugins import Plugin, Registry

FEED_MAX_BYTES = 5 * 1024 * 1024
AUDIO_MAX_BYTES = 100 * 1024 * 1024
#: Where a folder source puts what it has dealt with: taken (or refused on purpose) and broken.
TAKEN_DIR, BROKEN_DIR = "da-nhan", "loi"
SOURCE_ROLE = "Nguồn bản tin (nhập tự động)"
TRUSTED_ROLE = "Nguồn được đài tin cậy với bản tin khẩn cấp"
#: What became of one item, as the command and the player's log say it.
IMPORTED, APPROVED, DUPLICATE, EXPIRED, BROKEN, FAILED = (
    "imported", "approved", "duplicate", "expired", "broken", "failed")


class ImporterError(RadioError):
    """An item or a source cannot be read as the documented shape."""


# -- station.yaml -------------------------------------------------------------------------

class SourceSpec(PartChoice):
    """One source: its id (the issuer bulletins name), the importer type that reads it and
    that type's own settings (a folder, an address), checked by the type's ``options``."""
    id: str = Field(pattern=SLUG_PATTERN, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    #: An emergency from this source is approved on arrival (the commune decided so).
    trusted_for_emergency: bool = False

    @property
    def label(self) -> str:
        return self.name or self.id


class ImporterSettings(Model):
    #: How often the player daemon looks at every source (0: only ``radio bulletin import``).
    every_s: float = Field(default=60, ge=0, le=24 * 3600)
    sources: list[SourceSpec] = Field(default_factory=list)


class FolderOptions(Model):
    #: The folder the vendor's adapter writes into (relative to the station folder).
    folder: str = Field(min_length=1)


class HttpOptions(Model):
    url: str = Field(pattern=r"^https?://\S+$")
    timeout_s: float = Field(default=10, gt=0, le=120)


class ImporterPlugin(Plugin):
    name = "importers"
    settings = ImporterSettings
    about = "nhận bản tin từ thư mục hoặc nguồn tin qua mạng"

    def setup(self, registry: Registry) -> None:
        registry.add("importer", "folder", "radio.importer:FolderSource", options=FolderOptions,
                     about="thư mục nhận tệp bản tin (tệp .json)")
        registry.add("importer", "http", "radio.importer:HttpSource", options=HttpOptions,
                     about="nguồn bản tin qua HTTP (JSON hoặc RSS)")


plugin = ImporterPlugin()


# -- the documented shape -------------------------------------------------------------------

@dataclass(frozen=True)
class Inbound:
    """One item as docs/inbound-bulletins.md describes it, checked."""
    id: str
    level: str
    title: str | None
    text: str | None
    audio: str | None  # a file beside it (folder) or an address (feed)
    zones: list[str]
    at: datetime | None
    repeat: int
    every_min: float | None
    valid_until: datetime | None


def level_of(value: Any) -> str:
    """radio's own level names, or the wire codes vendors' platforms send (1 emergency,
    2 priority, 3 normal)."""
    from radio.bulletin import LEVEL_NAMES, LEVELS, WIRE_CODES

    by_code = {str(code): level for level, code in WIRE_CODES.items()}
    said = str(value).strip().lower() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if said in LEVELS:
        return said
    if said in by_code:
        return by_code[said]
    choices = ", ".join(f"{level} hoặc {WIRE_CODES[level]} ({name.lower()})" for level, name in LEVEL_NAMES.items())
    raise ImporterError(f"mức (level) '{value}' không có; dùng {choices}")


def _moment(value: Any, name: str, zone) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ImporterError(f"{name} '{value}' không phải thời điểm dạng ISO 8601, "
                            "ví dụ 2026-12-05T18:00:00+07:00") from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImporterError(f"{name} phải là một chuỗi chữ")
    value = unicodedata.normalize("NFC", value).strip()
    return value or None


def read_item(raw: Any, zone) -> Inbound:
    """An item of the shape, or ``ImporterError`` saying (in Vietnamese) what is wrong."""
    if not isinstance(raw, dict):
        raise ImporterError("mỗi bản tin phải là một đối tượng JSON {…}")
    ident = raw.get("id")
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    ident = _text(ident, "mã bản tin (id)")
    if ident is None:
        raise ImporterError("thiếu mã bản tin (id) của nguồn")
    if len(ident) > 200:
        raise ImporterError("mã bản tin (id) dài quá 200 ký tự")
    if "level" not in raw:
        raise ImporterError("thiếu mức bản tin (level)")
    level = level_of(raw["level"])
    text, audio = _text(raw.get("text"), "lời bản tin (text)"), _text(raw.get("audio"), "âm thanh (audio)")
    if (text is None) == (audio is None):
        raise ImporterError("cần lời bản tin (text) hoặc âm thanh (audio), và chỉ một trong hai")
    zones = raw.get("zones") or []
    if not isinstance(zones, list) or not all(isinstance(z, str) for z in zones):
        raise ImporterError("vùng (zones) phải là danh sách mã vùng, ví dụ [\"thon-dong\"]")
    repeat = raw.get("repeat", 1)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 1 <= repeat <= 48:
        raise ImporterError(f"số lần phát (repeat) '{repeat}' phải là số nguyên từ 1 đến 48")
    every = raw.get("every_min")
    if every is not None and (isinstance(every, bool) or not isinstance(every, (int, float))):
        raise ImporterError(f"khoảng cách giữa các lần phát (every_min) '{every}' phải là số phút")
    return Inbound(ident, level, _text(raw.get("title"), "tiêu đề (title)"), text, audio, zones,
                   _moment(raw.get("at"), "thời điểm phát (at)", zone), repeat,
                   float(every) if every is not None else None,
                   _moment(raw.get("valid_until"), "hạn hiệu lực (valid_until)", zone))


def items_of(document: Any) -> list[Any]:
    """A feed ``{"bulletins": [...]}``, a list of items, or one item alone."""
    if isinstance(document, dict) and "bulletins" in document:
        items = document["bulletins"]
        if not isinstance(items, list):
            raise ImporterError("mục bulletins phải là một danh sách bản tin […]")
        return items
    return document if isinstance(document, list) else [document]


def parse_feed(data: bytes) -> list[Any]:
    """The items of a feed: RSS 2.0 when it begins with markup, the JSON shape otherwise."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return rss_items(data)
    return items_of(parse_json(data))


#: RSS 2.0 carries the shape's other fields as ``<category domain="…">`` elements.
RSS_FIELDS = ("level", "at", "valid_until", "repeat", "every_min")


def rss_items(data: bytes) -> list[dict]:
    """RSS 2.0 items in the JSON shape: ``guid`` (or ``link``) the id, ``title``, an audio
    ``enclosure`` (the ``description`` then only describes it) or the ``description`` as the
    words (markup removed), and ``<category domain="level|zone|at|valid_until|repeat|every_min">``.
    Expat refuses entity expansion bombs and ElementTree fetches no external entity."""
    import html
    import re
    import xml.etree.ElementTree as ElementTree

    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise ImporterError(f"không phải XML hợp lệ (dòng {line}, cột {column + 1})") from None
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise ImporterError("không phải nguồn RSS 2.0 (thiếu <rss><channel>)")
    items = []
    for element in channel.findall("item"):
        item: dict[str, Any] = {}
        ident = (element.findtext("guid") or element.findtext("link") or "").strip()
        if ident:
            item["id"] = ident
        if (element.findtext("title") or "").strip():
            item["title"] = element.findtext("title")
        enclosure = element.find("enclosure")
        if enclosure is not None and enclosure.get("url"):
            item["audio"] = enclosure.get("url")
        elif (element.findtext("description") or "").strip():
            item["text"] = html.unescape(re.sub(r"<[^>]+>", " ", element.findtext("description")))
        for category in element.findall("category"):
            domain, value = (category.get("domain") or "").strip(), (category.text or "").strip()
            if domain == "zone":
                item.setdefault("zones", []).append(value)
            elif domain in RSS_FIELDS:
                item[domain] = _number_if_it_is(value) if domain in ("repeat", "every_min") else value
        items.append(item)
    return items


def _number_if_it_is(value: str) -> Any:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def parse_json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImporterError("nội dung không phải văn bản UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ImporterError(f"không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno})") from None


# -- what a source hands over -------------------------------------------------------------------

@dataclass
class Delivery:
    """One item as a source hands it over: where it is (for messages), the item or why it
    could not be read, how to fetch its audio, and what to tell the source once it is done."""
    where: str
    item: Any = None
    problem: str | None = None
    #: ``(reference, scratch folder) -> local file`` for an item's ``audio``.
    fetch_audio: Callable[[str, Path], Path] | None = None
    settle: Callable[[str], None] = field(default=lambda kind: None)


class FolderSource:
    """A folder a vendor's adapter writes ``*.json`` (or RSS ``*.xml``) files into (each one item or a feed; an
    item's ``audio`` a file beside it). Files dealt with move to ``da-nhan/``, broken ones to
    ``loi/``; an item the station could not make now (no voice) stays for the next look.
    Adapters should write under another name and rename, so a half-written file is never read."""

    def __init__(self, options: FolderOptions, station_dir: Path) -> None:
        self.folder = Path(station_dir) / options.folder

    def deliveries(self) -> Iterator[Delivery]:
        if not self.folder.is_dir():
            raise ImporterError(f"Không có thư mục nhận bản tin {self.folder}.",
                                hint="tạo thư mục đó, hoặc sửa mục folder của nguồn trong station.yaml.")
        for path in sorted(p for p in self.folder.iterdir()
                           if p.suffix in (".json", ".xml") and p.is_file() and not p.name.startswith(".")):
            yield from self._read(path)

    def _read(self, path: Path) -> Iterator[Delivery]:
        outcomes: list[str] = []
        audio: list[Path] = []
        try:
            if path.stat().st_size > FEED_MAX_BYTES:
                raise ImporterError(f"tệp lớn quá {FEED_MAX_BYTES // 1024 // 1024} MB")
            items = parse_feed(path.read_bytes())
        except (ImporterError, OSError) as exc:
            problem = exc.message if isinstance(exc, ImporterError) else f"không đọc được ({exc.strerror or exc})"
            yield Delivery(f"tệp {path.name}", problem=problem, settle=lambda kind: self._move(path, [], [kind], 1))
            return
        for n, item in enumerate(items, 1):
            where = f"tệp {path.name}" if len(items) == 1 else f"tệp {path.name}, bản tin thứ {n}"

            def settle(kind: str) -> None:
                outcomes.append(kind)
                self._move(path, audio, outcomes, len(items))

            yield Delivery(where, item=item, fetch_audio=lambda ref, scratch: self._audio(ref, audio), settle=settle)

    def _audio(self, name: str, used: list[Path]) -> Path:
        path = self.folder / name
        if Path(name).name != name or not path.is_file():  # only a file beside it, never a path elsewhere
            raise ImporterError(f"không có tệp âm thanh '{name}' trong thư mục nhận")
        used.append(path)
        return path

    def _move(self, path: Path, audio: list[Path], outcomes: list[str], expected: int) -> None:
        """Once every item of the file is settled: a file whose items were all dealt with is
        put aside, one with a broken item goes to ``loi/``; one the station failed stays."""
        if len(outcomes) < expected or FAILED in outcomes:
            return
        aside = self.folder / (BROKEN_DIR if BROKEN in outcomes else TAKEN_DIR)
        try:
            aside.mkdir(exist_ok=True)
            for moving in [path, *audio]:
                target = aside / moving.name
                if target.exists():
                    target = aside / f"{moving.stem}-{datetime.now():%Y%m%d%H%M%S%f}{moving.suffix}"
                os.replace(moving, target)
        except OSError:
            pass  # a folder we may not write: importing again finds the items already taken


class HttpSource:
    """A feed fetched over HTTP(S): JSON of the documented shape or RSS 2.0; an item's ``audio`` an
    address, relative ones read against the feed's."""

    def __init__(self, options: HttpOptions, station_dir: Path) -> None:  # noqa: ARG002
        self.url, self.timeout_s = options.url, options.timeout_s

    def deliveries(self) -> Iterator[Delivery]:
        items = parse_feed(self._get(self.url, FEED_MAX_BYTES))
        for n, item in enumerate(items, 1):
            yield Delivery(f"bản tin thứ {n} của {self.url}", item=item, fetch_audio=self._audio)

    def _audio(self, reference: str, scratch: Path) -> Path:
        from urllib.parse import urljoin, urlparse

        address = urljoin(self.url, reference)
        if urlparse(address).scheme not in ("http", "https"):
            raise ImporterError(f"âm thanh (audio) '{reference}' phải là địa chỉ http hoặc https")
        suffix = Path(urlparse(address).path).suffix[:8] or ".mp3"
        target = scratch / f"am-thanh{suffix}"
        target.write_bytes(self._get(address, AUDIO_MAX_BYTES))
        return target

    def _get(self, address: str, limit: int) -> bytes:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(address, headers={"User-Agent": "radio (commune station)",
                                                            "Accept": "application/json, audio/*"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310 (http/https only)
                data = answer.read(limit + 1)
        except urllib.error.HTTPError as exc:
            raise ImporterError(f"Nguồn {address} trả lời lỗi HTTP {exc.code}.",
                                hint="báo đơn vị quản lý nguồn tin; radio sẽ thử lại lần sau.") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ImporterError(f"Không kết nối được nguồn {address} ({reason}).",
                                hint="kiểm tra mạng và địa chỉ url của nguồn trong station.yaml; "
                                     "radio sẽ thử lại lần sau.") from None
        if len(data) > limit:
            raise ImporterError(f"{address} lớn quá {limit // 1024 // 1024} MB.")
        return data


# -- importing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    source: str
    where: str
    kind: str
    message: str
    bulletin_id: str | None = None


@dataclass(frozen=True)
class Source:
    spec: SourceSpec
    reader: Any  # what the importer part built: has ``deliveries()``


def sources(station_dir: Path) -> tuple[ImporterSettings, list[Source]]:
    """The station's sources, each built by its importer part with its settings checked at
    their line of station.yaml."""
    from radio.config import ConfigError, line_of, read_yaml, validate
    from radio.plugins import PluginError, find_part
    from radio.station import load_station, plugin_settings

    station_dir = Path(station_dir)
    settings = plugin_settings(load_station(station_dir), plugin)
    if not settings.sources:
        return settings, []
    path = station_dir / "station.yaml"
    _, lines = read_yaml(path)
    built, seen = [], set()
    for i, spec in enumerate(settings.sources):
        where = ("importers", "sources", i)
        if spec.id in seen:
            raise ConfigError(path, f"mã nguồn '{spec.id}' bị trùng.", line=line_of(lines, where + ("id",)),
                              hint="mỗi nguồn một mã (id) riêng.")
        seen.add(spec.id)
        try:
            part = find_part("importer", spec.type)
        except PluginError as exc:
            raise ConfigError(path, f"không có loại nguồn '{spec.type}'.", line=line_of(lines, where + ("type",)),
                              hint=exc.hint) from None
        options = validate(path, spec.options, lines, part.options, prefix=where) if part.options else None
        built.append(Source(spec, part.build(options, station_dir)))
    return settings, built


def import_bulletins(station_dir: Path, *, now: datetime | None = None) -> list[Outcome]:
    """Look at every source once; make a bulletin of each new item. Never stops at one
    broken item or one unreachable source: each is an ``Outcome`` with its message."""
    from radio.fileio import folder_lock
    from radio.schedule import station_zone
    from radio.station import BULLETINS_DIR, load_station

    station_dir = Path(station_dir)
    _, found = sources(station_dir)
    if not found:
        raise ImporterError("Đài chưa khai nguồn bản tin nào (mục importers trong station.yaml).",
                            hint="xem docs/inbound-bulletins.md: ví dụ importers: {sources: [{id: tinh, "
                                 "type: http, url: http://…/ban-tin.json}]}.")
    zone = station_zone(load_station(station_dir))
    now = now or datetime.now(zone)
    outcomes: list[Outcome] = []
    (station_dir / BULLETINS_DIR).mkdir(exist_ok=True)
    with folder_lock(station_dir / BULLETINS_DIR):  # the CLI and the daemon never import one item twice
        taken = already_imported(station_dir)
        for source in found:
            outcomes += _from_source(station_dir, source, taken, zone, now)
    return outcomes


def already_imported(station_dir: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(source, item id) → (bulletin id, the delivered item's digest) of the newest bulletin
    an importer made of that item."""
    from radio.bulletin import list_bulletin_ids, read_bulletin_quietly

    taken = {}
    for ident in list_bulletin_ids(station_dir):  # newest first: the first one found stays
        bulletin = read_bulletin_quietly(station_dir, ident)
        if bulletin is not None and bulletin.source and bulletin.source_item:
            taken.setdefault((bulletin.source, bulletin.source_item), (ident, bulletin.source_digest))
    return taken


def item_digest(item: Inbound) -> str:
    """What a delivery says, whatever its layout: a change of any of it is a revision."""
    said = {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in dataclasses.asdict(item).items()}
    return hashlib.sha256(json.dumps(said, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _from_source(station_dir: Path, source: Source, taken: dict, zone, now: datetime) -> list[Outcome]:
    label = source.spec.label
    outcomes = []
    try:
        for delivery in source.reader.deliveries():
            outcome = _take(station_dir, source.spec, delivery, taken, zone, now)
            delivery.settle(outcome.kind)
            outcomes.append(outcome)
    except RadioError as exc:  # the source itself (unreachable, not JSON): the others go on
        outcomes.append(Outcome(source.spec.id, label, FAILED, f"Nguồn «{label}»: {exc}"))
    return outcomes


def _take(station_dir: Path, spec: SourceSpec, delivery: Delivery, taken: dict, zone, now: datetime) -> Outcome:
    named = f"Nguồn «{spec.label}», {delivery.where}"

    def outcome(kind: str, message: str, ident: str | None = None) -> Outcome:
        return Outcome(spec.id, delivery.where, kind, f"{named}: {message}", ident)

    if delivery.problem is not None:
        return outcome(BROKEN, f"{delivery.problem}; bỏ qua.")
    try:
        item = read_item(delivery.item, zone)
    except ImporterError as exc:
        return outcome(BROKEN, f"{exc.message}; bỏ qua.")
    digest = item_digest(item)
    earlier, earlier_digest = taken.get((spec.id, item.id), (None, None))
    if earlier is not None and earlier_digest in (None, digest):  # (an import before digests: same)
        return outcome(DUPLICATE, f"bản tin '{item.id}' đã nhận trước đây (mã {earlier}); không tạo lại.", earlier)
    if item.valid_until is not None and item.valid_until <= now:
        return outcome(EXPIRED, f"bản tin '{item.id}' đã hết hiệu lực lúc {item.valid_until:%H:%M %d/%m/%Y}; "
                                "không nhận.")
    try:
        made = _make(station_dir, spec, delivery, item, now, digest, earlier)
    except RadioError as exc:
        return outcome(_blame(exc), f"không tạo được bản tin '{item.id}': {exc}")
    except Exception as exc:  # one item must never stop the others
        return outcome(FAILED, f"không tạo được bản tin '{item.id}' ({type(exc).__name__}: {exc}).")
    taken[(spec.id, item.id)] = (made.files.id, digest)
    name = made.bulletin.level_name.lower()
    revision = f" — bản sửa của {earlier}, bản này thay bản đó khi được duyệt" if earlier else ""
    if made.approval is not None:
        return outcome(APPROVED, f"đã nhận {name} «{made.bulletin.title}» (mã {made.files.id}){revision} và duyệt "
                                 "ngay: đài tin cậy nguồn này với bản tin khẩn cấp.", made.files.id)
    return outcome(IMPORTED, f"đã nhận {name} «{made.bulletin.title}» (mã {made.files.id}){revision}; "
                             "chờ lãnh đạo duyệt.", made.files.id)


def _blame(exc: RadioError) -> str:
    """The item's fault (a zone the station lacks, an unreadable recording) is broken and put
    aside; the station's (no voice installed, a full disk) is failed and tried again."""
    from radio.bulletin import BulletinError
    from radio.record import RecordingError

    return BROKEN if isinstance(exc, (ImporterError, BulletinError, RecordingError)) else FAILED


def _make(station_dir: Path, spec: SourceSpec, delivery: Delivery, item: Inbound, now: datetime,
          digest: str, revises: str | None):
    from radio.bulletin import EMERGENCY, approve_bulletin, new_bulletin

    with tempfile.TemporaryDirectory(prefix="radio-import-") as scratch:
        recording = None
        if item.audio is not None:
            if delivery.fetch_audio is None:
                raise ImporterError("nguồn này không nhận âm thanh (audio)")
            recording = delivery.fetch_audio(item.audio, Path(scratch))
        made = new_bulletin(station_dir, level=item.level, text=item.text, recording=recording, title=item.title,
                            at=item.at, repeat=item.repeat, every_min=item.every_min, issued_by=spec.label,
                            role=SOURCE_ROLE, now=now, zones=item.zones, valid_until=item.valid_until,
                            origin=(spec.id, item.id), source_digest=digest, revises=revises)
    if item.level == EMERGENCY and spec.trusted_for_emergency:
        made.approval = approve_bulletin(
            station_dir, made.files.id, spec.label, TRUSTED_ROLE,
            f"Tự động duyệt: đài tin cậy nguồn «{spec.label}» với bản tin khẩn cấp "
            f"(station.yaml, importers, nguồn {spec.id}).", now=now)
    return made


# -- the player's look every few seconds ------------------------------------------------------------

def keep_importing(station_dir: Path, stop: threading.Event, say: Callable[[str], None]) -> None:
    """The player daemon's importer thread: every ``importers.every_s`` seconds, each new
    item made a bulletin (a trusted emergency queued at once, which the player's watcher then
    airs). Each message is said once, not at every look; nothing here stops the player."""
    said: set[str] = set()
    while not stop.is_set():
        try:
            settings, found = sources(station_dir)
        except RadioError as exc:
            _say_once(say, said, f"Chưa nhận được bản tin từ các nguồn: {exc}")
            settings, found = None, []
        if not found or not settings.every_s:
            return
        try:
            for outcome in import_bulletins(station_dir):
                if outcome.kind != DUPLICATE:
                    _say_once(say, said, outcome.message)
        except RadioError as exc:
            _say_once(say, said, f"Chưa nhận được bản tin từ các nguồn: {exc}")
        except Exception as exc:  # the player stays on air whatever an importer does
            _say_once(say, said, f"Lỗi khi nhận bản tin ({type(exc).__name__}: {exc}); máy phát vẫn chạy.")
        stop.wait(settings.every_s)


def _say_once(say: Callable[[str], None], said: set[str], line: str) -> None:
    if line not in said:
        said.add(line)
        say(line)
