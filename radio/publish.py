"""Publish: the commune website's copy of the aired works (plan 000, II.3.đ), as a static
folder any web host serves — an index, a page per month (title, airing dates, the approved
transcript as written text, chapters, a player), the MP3, and a podcast feed.

Only a programme that may air is published: the month's standing approval and exactly the
approved file (``require_airable``). A month that can no longer air (approval withdrawn,
script edited since) is taken out of the site and the feed the next time either is built.
The feed is RSS 2.0 written by feedgen, with its iTunes extension and a small extension of
ours for the Podcasting 2.0 namespace (chapters, transcript, guid).
"""
from __future__ import annotations

import contextlib
import functools
import glob
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import Field

from radio.anchors import anchor_text
from radio.approval import ApprovalError, MonthFiles, known_months, require_airable
from radio.clock import VIETNAM, parsed
from radio.config import load_model
from radio.display import minutes
from radio.errors import OutputError, RadioError
from radio.fileio import atomic_path, folder_lock, write_bytes, write_json, write_text
from radio.models import Model, Script, Station
from radio.plugins import Plugin, Registry
from radio.station import load_station, plugin_settings
from radio.store import Store

# Left in each month folder the tool writes: only such folders are ever removed, so a site
# folder shared with other pages (a web server's own archive named 2025-01) loses nothing.
MARKER = ".radio-month"
SITE_MARKER = ".radio-site"  # the same at the site's top: its index.html is ours to rewrite
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# Podcasting 2.0: podcast:guid is a UUIDv5 of the feed's address (no scheme) in this namespace.
PODCAST_GUID_NAMESPACE = "ead4c236-bf58-58c6-a2c6-a6b28d128cb6"
MP3_NAME = "chuong-trinh.mp3"
ARTWORK = "anh-bia.png"


class PublishSettings(Model):
    """The ``publish:`` section of station.yaml."""
    # Where the site folder is uploaded, e.g. https://anlac.thanhhoa.gov.vn/phat-thanh/;
    # left out, the station's website followed by /phat-thanh/.
    base_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    # The site folder: relative to the station folder, or absolute (a web server's folder).
    folder: str = "site"
    description: str | None = None
    # The plan's words are "works that have aired" (kế hoạch 000, II.3.đ), so by default a
    # month is published only once it has aired on the loudspeakers; false publishes it as
    # soon as it is approved.
    after_airing: bool = True
    # The podcast's square picture (PNG or JPEG, 1400–3000 px, as podcast directories ask),
    # relative to the station folder; left out, one is drawn with the column and station name.
    artwork: str | None = None


NOT_AIRED = ("chương trình tháng {month} chưa phát lần nào trên loa (như kế hoạch ghi, chỉ đăng tác phẩm "
             "đã phát sóng).")
# Said by the command line and the studio alike: no command in it.
_WAIT_HINT = ("tháng được đăng khi đăng lại sau lượt phát đầu tiên trên loa; muốn đăng ngay khi được "
              "duyệt thì đặt publish: after_airing: false trong station.yaml.")


class PublishError(RadioError):
    """The site could not be built."""


@dataclass(frozen=True)
class Episode:
    month: str
    title: str
    script: Script
    mp3: Path
    size: int
    duration_s: float
    approved_at: datetime
    approved_by: str
    airings: list[datetime]  # planned, not yet aired
    aired: list[datetime]  # when it went out on the loudspeakers
    chapters: list[tuple[float, str]]


@dataclass(frozen=True)
class Published:
    site: Path
    months: list[str]
    removed: list[str]
    files: list[Path]


def publish(station_dir: Path, months: list[str] | None = None) -> Published:
    """Build or refresh the site: ``months`` (every month of the station when ``None``).
    Months that may not air are removed from the site; the index and feed list every month
    still published.

    Everything is read first (a database that cannot be read is an error, and the site is
    left exactly as it was); then the site changes in an order that keeps it whole at every
    step, should the run be killed: new month folders, then the index and the feed (each
    replaced atomically, never deleted), and only then the withdrawn folders."""
    station_dir = Path(station_dir)
    station = load_station(station_dir)
    settings = plugin_settings(station, plugin)
    site = station_dir / settings.folder
    base_url = _base_url(station, settings)
    _check_claim(site)
    plan = _plan(station_dir, station, settings, site, months)
    with _site_lock(site):
        _remove_leftovers(site)
        if not (site / SITE_MARKER).exists():
            write_text(site / SITE_MARKER, "radio publish\n")
        files = [_write_artwork(site, station_dir, station, settings), _write_player_script(site)]
        if not (site / "index.html").exists() or not (site / "feed.xml").exists():
            # A first run (or one killed before its index): a working site that lists only
            # the months already whole on disk, before any month is written.
            whole = [e for e in plan.episodes if _complete(site / e.month)]
            _write_index(site, station, whole)
            _write_feed(site, station, settings, whole, base_url)
        for episode in plan.write:
            files += _write_month(site, station, episode, base_url)
        files.append(_write_anchor(site, plan.heads))
        files.append(_write_index(site, station, plan.episodes, plan.heads))
        files.append(_write_feed(site, station, settings, plan.episodes, base_url))
        for month in plan.remove:
            _remove_month(site, month)
    return Published(site, [e.month for e in plan.episodes], plan.remove, files)


@dataclass(frozen=True)
class _Plan:
    episodes: list[Episode]  # every month the site lists, newest first
    write: list[Episode]  # month folders to (re)write
    remove: list[str]  # month folders to take out
    heads: dict[str, dict]  # the log's chain heads, published as an anchor


def _plan(station_dir: Path, station: Station, settings: PublishSettings, site: Path,
          months: list[str] | None) -> _Plan:
    """What the site will hold, from the station's files and database; writes nothing."""
    store = Store(station_dir, readonly=True)
    asked = months if months is not None else known_months(station_dir)
    episodes, write, remove, refused = [], [], [], {}
    try:
        for month in sorted(set(asked) | _published_months(site)):
            episode = _episode(station_dir, station, settings, store, month)
            if isinstance(episode, str):
                refused[month] = episode
                if (site / month / MARKER).exists():
                    remove.append(month)
                continue
            if month in asked or not _complete(site / month):
                write.append(episode)
            episodes.append(episode)
        heads = store.heads()
    except OutputError as exc:  # the database: busy, damaged, unreadable
        raise type(exc)(f"{exc.message} Chưa đăng gì: trang web vẫn giữ nguyên như trước.",
                        hint=exc.hint) from exc
    if months is not None and not episodes and not remove:
        reasons = [refused[m] for m in months if m in refused]
        waiting = reasons and all(r == NOT_AIRED.format(month=m) for m, r in zip(months, reasons))
        raise PublishError(f"Tháng {', '.join(months)} chưa đăng được: " + " ".join(reasons),
                           hint=_WAIT_HINT if waiting else
                           "chỉ đăng chương trình đã duyệt ('radio approve') và đúng bản đã duyệt.")
    episodes.sort(key=lambda e: e.month, reverse=True)
    return _Plan(episodes, write, remove, heads)


def _check_claim(site: Path) -> None:
    """A folder that already holds someone else's pages (the commune website's own home page)
    is not overwritten: the radio's pages need a folder of their own."""
    if (site / SITE_MARKER).exists():
        return
    if (site / "index.html").exists() or (site / "feed.xml").exists():
        raise PublishError(f"Thư mục {site} đã có trang web khác (index.html hoặc feed.xml); phần mềm không ghi đè.",
                           hint="đặt publish: folder: là một thư mục riêng, ví dụ site hoặc .../phat-thanh.")


def _site_lock(site: Path):
    """One publish of a site at a time (the daily cron run and the studio may meet); the
    lock also tells the leftovers of a killed run from a running one's temporary files.
    Taken on the folder itself, so no lock file is uploaded with the site."""
    return folder_lock(site, unopenable=lambda exc: PublishError(
        f"Không tạo hoặc mở được thư mục trang {site} ({exc.strerror or exc}).",
        hint="kiểm tra đường dẫn publish: folder: và quyền ghi vào thư mục đó."))


ANCHOR_FILE = "dau-kiem.json"
SITE_FILES = ("index.html", "feed.xml", ARTWORK, SITE_MARKER, ANCHOR_FILE)
MONTH_FILES = (MP3_NAME, "chuong-muc.json", "loi-doc.txt", "index.html", MARKER)
REMOVING = ".dang-go-"  # a withdrawn month folder on its way out


def _temporaries(folder: Path, names: tuple[str, ...]) -> list[Path]:
    """The hidden temporary files atomic writes of ``names`` leave when killed."""
    found = []
    for name in names:
        stem, suffix = Path(name).stem, Path(name).suffix
        found += folder.glob(f".{glob.escape(stem)}.*{glob.escape(suffix)}")
    return [p for p in found if p.is_file() and p.name not in names]


def _remove_leftovers(site: Path) -> None:
    """What a killed publish left: temporary files beside the site's and its months' files,
    and withdrawn month folders it did not finish removing (call under the site lock)."""
    leftovers = _temporaries(site, SITE_FILES)
    for folder in _published_months(site):
        leftovers += _temporaries(site / folder, MONTH_FILES)
    for path in leftovers:
        with contextlib.suppress(OSError):
            path.unlink()
    # Only a marked folder is ever renamed so; its marker may already be gone with half of it.
    for folder in site.glob(f"{REMOVING}[0-9][0-9][0-9][0-9]-[0-9][0-9]"):
        shutil.rmtree(folder, ignore_errors=True)


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in MONTH_FILES)


def _remove_month(site: Path, month: str) -> None:
    """The folder leaves the site in one rename (a killed run leaves no half of it behind
    the month's address), then is deleted."""
    aside = site / f"{REMOVING}{month}"
    if aside.exists():
        shutil.rmtree(aside)
    try:
        os.rename(site / month, aside)
        shutil.rmtree(aside)
    except OSError as exc:
        raise PublishError(f"Không gỡ được thư mục {site / month} ({exc.strerror or exc}).",
                           hint="kiểm tra quyền ghi vào thư mục trang rồi chạy lại.") from None


def has_address(station: Station) -> bool:
    """Whether the station says where its site lives (what publishing needs first)."""
    return bool(station.website or plugin_settings(station, plugin).base_url)


def _base_url(station: Station, settings: PublishSettings) -> str:
    if settings.base_url:
        return settings.base_url.rstrip("/") + "/"
    if station.website:
        site = station.website if "://" in station.website else f"https://{station.website}"
        return site.rstrip("/") + "/phat-thanh/"
    raise PublishError("Chưa biết địa chỉ trang web để đăng chương trình.",
                       hint="ghi website: của đài, hoặc publish: base_url: (địa chỉ thư mục trang) trong station.yaml.")


def _published_months(site: Path) -> set[str]:
    return {p.parent.name for p in site.glob(f"[0-9][0-9][0-9][0-9]-[0-9][0-9]/{MARKER}")}


def _episode(station_dir: Path, station: Station, settings: PublishSettings, store: Store,
             month: str) -> Episode | str:
    """The month as the site shows it, or why it may not be on the site."""
    files = MonthFiles(station_dir, station.id, month)
    try:
        airable = require_airable(files, store)
    except ApprovalError as exc:  # only this means "may not air"; any other error stops publishing
        return exc.message
    logged = store.as_run(programme=month)
    aired = sorted(parsed(e.started_at).astimezone(VIETNAM) for e in logged if e.result == "aired" and e.started_at)
    if settings.after_airing and not aired:
        return NOT_AIRED.format(month=month)
    done = {e.airing_id for e in logged}
    airings = [a.planned_at.astimezone(VIETNAM) for a in store.queued(programme=month) if a.id not in done]
    script = load_model(files.script, Script)
    manifest = airable.manifest
    return Episode(
        month=month, title=manifest.title, script=script, mp3=airable.mp3, size=airable.mp3.stat().st_size,
        duration_s=manifest.audio.duration_s, approved_at=parsed(airable.approval.at).astimezone(VIETNAM),
        approved_by=", ".join(p for p in (airable.approval.by_name, airable.approval.role) if p),
        airings=sorted(airings), aired=aired, chapters=[(s.start_s, s.title) for s in manifest.segments])


@functools.cache
def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("radio", "templates"), autoescape=select_autoescape(["html.j2"]))
    env.filters["clock"] = lambda seconds: f"{int(seconds) // 60:02d}:{int(seconds) % 60:02d}"
    env.filters["minutes"] = minutes
    return env


def _write_month(site: Path, station: Station, episode: Episode, base_url: str) -> list[Path]:
    folder = site / episode.month
    if not (folder / MARKER).exists():  # first, so a killed run's half folder is still ours to clear
        write_text(folder / MARKER, f"{station.id} {episode.month}\n")
    mp3 = folder / MP3_NAME
    if not mp3.exists() or mp3.stat().st_size != episode.size or not _same(mp3, episode.mp3):
        with atomic_path(mp3) as tmp:
            shutil.copyfile(episode.mp3, tmp)
    chapters = folder / "chuong-muc.json"
    write_json(chapters, {"version": "1.2.0", "chapters": [
        {"startTime": round(start, 2), "title": title} for start, title in episode.chapters]})
    transcript = folder / "loi-doc.txt"
    write_text(transcript, _transcript(episode))
    page = folder / "index.html"
    write_text(page, _env().get_template("site.month.html.j2").render(
        station=station, episode=episode, mp3=MP3_NAME, transcript=transcript.name, weekday=_weekday))
    return [mp3, chapters, transcript, page]


def _same(copy: Path, original: Path) -> bool:
    from radio.fileio import sha256_file

    return sha256_file(copy) == sha256_file(original)


def _transcript(episode: Episode) -> str:
    parts = [episode.title, ""]
    for segment in episode.script.segments:
        parts += [segment.title.upper(), segment.text.strip(), ""]
    return "\n".join(parts)


def _weekday(moment: datetime) -> str:
    from radio.schedule import WEEKDAY_NAMES

    return WEEKDAY_NAMES[moment.weekday()]



def _write_artwork(site: Path, station_dir: Path, station: Station, settings: PublishSettings) -> Path:
    """The station's own picture copied, or a plain one drawn once (3000 px square)."""
    target = site / ARTWORK
    if settings.artwork:
        source = station_dir / settings.artwork
        if not source.is_file():
            raise PublishError(f"Không tìm thấy ảnh bìa {settings.artwork} (mục publish: artwork).",
                               hint="kiểm tra tên tệp, hoặc bỏ dòng artwork để phần mềm tự vẽ ảnh bìa.")
        write_bytes(target, _rgb_png(source.read_bytes(), settings.artwork))
        return target
    if not target.exists():
        write_bytes(target, _rgb_png(_drawn_artwork(station), ARTWORK))
    return target


def _rgb_png(data: bytes, name: str) -> bytes:
    """The picture as an RGB PNG: podcast directories refuse a cover with an alpha channel
    (matplotlib draws RGBA); transparency is laid on white."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            _check_cover_size(picture.size, name)
            if picture.mode != "RGB":
                rgba = picture.convert("RGBA")
                picture = Image.new("RGB", rgba.size, "white")
                picture.paste(rgba, mask=rgba.getchannel("A"))
            buffer = io.BytesIO()
            picture.save(buffer, format="PNG")
    except (UnidentifiedImageError, OSError):
        raise PublishError(f"Không đọc được ảnh bìa {name} (mục publish: artwork).",
                           hint="dùng ảnh PNG hoặc JPEG vuông, cạnh 1400–3000 điểm ảnh.") from None
    return buffer.getvalue()


def _check_cover_size(size: tuple[int, int], name: str) -> None:
    """Apple's and the other directories' rule: square, 1400 to 3000 pixels a side."""
    width, height = size
    if width != height or not 1400 <= width <= 3000:
        raise PublishError(f"Ảnh bìa {name} cỡ {width} × {height} điểm ảnh: các danh bạ podcast chỉ nhận ảnh "
                           "vuông, cạnh từ 1400 đến 3000 điểm ảnh.",
                           hint="cắt ảnh thành hình vuông và đổi cỡ (ví dụ 1400 × 1400), hoặc bỏ dòng artwork "
                                "để phần mềm tự vẽ ảnh bìa.")


PLAYER_SCRIPT = "nghe.js"
# Chapter links are page fragments (#t=SECONDS): without scripts they keep the reader on the
# page; with this file (no inline script, so a strict Content-Security-Policy allows it) they
# seek the page's own player, and a page opened at #t=… starts there.
_PLAYER_JS = """// Các phần của chương trình: liên kết #t=GIÂY tua trình phát của trang.
(function () {
  function seek() {
    var match = /^#t=(\\d+(?:\\.\\d+)?)$/.exec(location.hash);
    var player = document.getElementById("player");
    if (!match || !player) return;
    player.currentTime = parseFloat(match[1]);
    var playing = player.play();
    if (playing && playing.catch) playing.catch(function () {});
  }
  window.addEventListener("hashchange", seek);
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#t="]');
    if (link && link.getAttribute("href") === location.hash) seek();
  });
  if (location.hash) seek();
})();
"""


def _write_player_script(site: Path) -> Path:
    path = site / PLAYER_SCRIPT
    if not path.exists() or path.read_text(encoding="utf-8") != _PLAYER_JS:
        write_text(path, _PLAYER_JS)
    return path


def _drawn_artwork(station: Station) -> bytes:
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure = pyplot.figure(figsize=(10, 10), dpi=300)
    figure.patch.set_facecolor("#b71c1c")
    figure.text(0.5, 0.62, station.programme.column, ha="center", va="center", color="white",
                fontsize=40, fontweight="bold", wrap=True)
    figure.text(0.5, 0.38, station.name, ha="center", va="center", color="#ffe082", fontsize=30, wrap=True)
    figure.text(0.5, 0.26, f"{station.commune}, {station.province}", ha="center", va="center",
                color="white", fontsize=22, wrap=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=figure.get_facecolor())
    pyplot.close(figure)
    return buffer.getvalue()


def _write_index(site: Path, station: Station, episodes: list[Episode],
                 heads: dict[str, dict] | None = None) -> Path:
    page = site / "index.html"
    write_text(page, _env().get_template("site.index.html.j2").render(
        station=station, episodes=episodes, mp3=MP3_NAME, anchor=anchor_text(heads or {})))
    return page


def _write_anchor(site: Path, heads: dict[str, dict]) -> Path:
    """The log's heads on the public site: once uploaded, a later rewrite of the log no
    longer matches what anyone can download (``radio verify site/dau-kiem.json``)."""
    from datetime import datetime, timezone

    path = site / ANCHOR_FILE
    write_json(path, {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "heads": heads})
    return path


def _write_feed(site: Path, station: Station, settings: PublishSettings, episodes: list[Episode],
                base_url: str) -> Path:
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.load_extension("podcast")
    feed.register_extension("podcast2", _Podcast2Feed, _Podcast2Entry, atom=False)
    title = _plain(f"{station.programme.column} — {station.name}")
    feed.title(title)
    # feedgen makes the last link the channel's <link>: the page people open, not the feed.
    feed.link(href=base_url + "feed.xml", rel="self")
    feed.link(href=base_url, rel="alternate")
    feed.description(_plain(settings.description or f"{station.programme.column} của {station.name}, "
                                                     f"{station.commune}, {station.province}."))
    feed.language("vi")
    feed.generator("radio")
    feed.podcast.itunes_author(station.name)
    feed.podcast.itunes_category("Government")
    feed.podcast2.explicit(False)  # feedgen knows only the old yes/no/clean
    feed.podcast.itunes_image(base_url + ARTWORK)
    feed.image(url=base_url + ARTWORK, title=title, link=base_url)
    if station.email:
        feed.podcast.itunes_owner(name=station.name, email=station.email)
    feed.podcast2.guid((base_url + "feed.xml").split("://", 1)[-1])
    if episodes:  # the feed changes only when its programmes do
        feed.lastBuildDate(max(e.approved_at for e in episodes))
    for episode in reversed(episodes):  # feedgen lists the last added first
        folder = f"{base_url}{episode.month}/"
        entry = feed.add_entry()
        entry.guid(f"radio:{station.id}:{episode.month}", permalink=False)
        entry.title(_plain(episode.title))
        entry.link(href=folder)
        entry.description(_summary(episode))
        entry.pubDate(episode.approved_at)
        entry.enclosure(folder + MP3_NAME, str(episode.size), "audio/mpeg")
        entry.podcast.itunes_duration(round(episode.duration_s))
        entry.podcast2.chapters(folder + "chuong-muc.json")
        entry.podcast2.transcript(folder + "loi-doc.txt")
    path = site / "feed.xml"
    write_bytes(path, feed.rss_str(pretty=True))
    return path


def _summary(episode: Episode) -> str:
    aired = ", ".join(f"{at:%H:%M} {at:%d/%m/%Y}" for at in episode.aired)
    return _plain(f"{episode.title} ({minutes(episode.duration_s)}). Nội dung: "
                  + "; ".join(s.title for s in episode.script.segments)
                  + (f". Đã phát trên loa truyền thanh: {aired}." if aired else "."))


# Feed readers render an item's description (and often its title) as HTML after unescaping
# the XML, some without a sanitizer: text that holds no <, > or & cannot turn into markup
# however many times it is unescaped. Look-alike characters keep the words readable.
_MARKUP_FREE = str.maketrans({"<": "‹", ">": "›", "&": "＆"})


def _plain(text: str) -> str:
    return text.translate(_MARKUP_FREE)


class _Podcast2Feed:
    """The Podcasting 2.0 namespace on the channel: podcast:guid, from the feed's address."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._explicit: bool | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def guid(self, value: str) -> None:
        self._guid = value

    def explicit(self, value: bool) -> None:
        """itunes:explicit as the current directory specs write it: "true" or "false"."""
        self._explicit = value

    def extend_rss(self, rss):
        from lxml import etree

        channel = rss[0]
        if self._guid:
            import uuid

            etree.SubElement(channel, f"{{{PODCAST_NS}}}guid").text = str(
                uuid.uuid5(uuid.UUID(PODCAST_GUID_NAMESPACE), self._guid))
        if self._explicit is not None:
            etree.SubElement(channel, f"{{{ITUNES_NS}}}explicit").text = str(self._explicit).lower()
        return rss


class _Podcast2Entry:
    """podcast:chapters (JSON chapters) and podcast:transcript (the approved text) on an item."""

    def __init__(self) -> None:
        self._chapters: str | None = None
        self._transcript: str | None = None

    def chapters(self, url: str) -> None:
        self._chapters = url

    def transcript(self, url: str) -> None:
        self._transcript = url

    def extend_rss(self, item):
        from lxml import etree

        if self._chapters:
            etree.SubElement(item, f"{{{PODCAST_NS}}}chapters", url=self._chapters, type="application/json+chapters")
        if self._transcript:
            etree.SubElement(item, f"{{{PODCAST_NS}}}transcript", url=self._transcript, type="text/plain",
                             language="vi")
        return item


def _site_exporter(settings: PublishSettings, station_dir: Path):
    """When a month's airings change, its published page (if it has one) shows the new dates."""
    def export(station: Station, station_dir: Path, month: str, airings) -> list[Path]:
        if not (Path(station_dir) / settings.folder / month / MARKER).exists():
            return []
        return publish(station_dir, [month]).files
    return export


class PublishPlugin(Plugin):
    name = "publish"
    settings = PublishSettings
    about = "đăng chương trình đã duyệt lên trang web của xã (radio publish), kèm podcast"

    def setup(self, registry: Registry) -> None:
        registry.add("exporter", "site", _site_exporter)


plugin = PublishPlugin()
