"""`radio publish`: the commune website's folder and podcast feed, read back by feedparser
and opened in headless chromium; only approved, unchanged programmes are on it."""
from __future__ import annotations

import functools
import json
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest

from radio.approval import MonthFiles, reject
from radio.manifest import read as read_manifest
from radio.store import Store
from tests.conftest import run_cli
from tests.fixtures import MONTH, disk_full_when_replacing, make_station

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture
def approved(tmp_path):
    """An approved month not yet aired, on a station that publishes what is approved."""
    return on_approval(make_station(tmp_path, produced=True, approved=True))


def on_approval(folder):
    """The station publishes a month once approved, before it airs (publish: after_airing: false)."""
    station = folder / "station.yaml"
    station.write_text(station.read_text(encoding="utf-8") + "publish:\n  after_airing: false\n", encoding="utf-8")
    return folder


def publish(folder, *args):
    result = run_cli("publish", *args, "-s", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    return folder / "site"


def test_the_feed_parses_cleanly_and_describes_the_approved_file(approved):
    site = publish(approved, MONTH)
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert "podcast" in feed.namespaces and "itunes" in feed.namespaces
    [entry] = feed.entries
    [enclosure] = entry.enclosures
    mp3 = site / MONTH / enclosure.href.rsplit("/", 1)[1]
    assert int(enclosure.length) == mp3.stat().st_size and enclosure.type == "audio/mpeg"
    manifest = read_manifest(approved / "audio_out" / "an-lac" / MONTH / "manifest.json")
    assert abs(int(entry.itunes_duration) - manifest.audio.duration_s) <= 1
    assert entry.id == f"radio:an-lac:{MONTH}" and entry.published_parsed
    chapters = json.loads((site / MONTH / "chuong-muc.json").read_text(encoding="utf-8"))["chapters"]
    assert [c["title"] for c in chapters] == [s.title for s in manifest.segments]
    assert [c["startTime"] for c in chapters] == sorted(c["startTime"] for c in chapters)
    transcript = (site / MONTH / "loi-doc.txt").read_text(encoding="utf-8")
    script = (approved / "scripts" / f"{MONTH}.yaml").read_text(encoding="utf-8")
    assert "Kính thưa" in transcript and "Kính thưa" in script
    raw = (site / "feed.xml").read_text(encoding="utf-8")
    assert 'podcast:chapters url="https://anlac.thanhhoa.gov.vn/phat-thanh/2026-12/chuong-muc.json"' in raw
    assert 'podcast:transcript url="https://anlac.thanhhoa.gov.vn/phat-thanh/2026-12/loi-doc.txt"' in raw
    assert feed.feed.image.href == "https://anlac.thanhhoa.gov.vn/phat-thanh/anh-bia.png"
    from PIL import Image

    with Image.open(site / "anh-bia.png") as artwork:  # what podcast directories accept
        assert artwork.size[0] == artwork.size[1] and 1400 <= artwork.size[0] <= 3000
    # Publishing again changes nothing: guids, dates and the whole feed are stable.
    publish(approved, "--all")
    assert (site / "feed.xml").read_text(encoding="utf-8") == raw


def test_a_month_whose_approval_is_withdrawn_is_taken_out(approved):
    site = publish(approved, MONTH)
    assert (site / MONTH / "index.html").exists()
    reject(MonthFiles(approved, "an-lac", MONTH), Store(approved), "Nguyễn Văn Bình", "Phó Chủ tịch",
           "Rút lại: số liệu chưa đúng")
    result = run_cli("publish", "--all", "-s", str(approved))
    assert result.returncode == 0, result.stderr
    assert f"Đã gỡ tháng {MONTH}" in result.stdout
    assert not (site / MONTH).exists()
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries == []
    assert "Chưa có số phát thanh nào" in (site / "index.html").read_text(encoding="utf-8")


def test_scheduling_a_published_month_refreshes_its_airing_dates(approved):
    from datetime import datetime

    from radio.schedule import add_airing
    from tests.test_schedule_player import ZONE

    site = publish(approved, MONTH)
    assert "Chưa xếp lịch phát." in (site / MONTH / "index.html").read_text(encoding="utf-8")
    add_airing(approved, MONTH, datetime(2026, 12, 9, 19, 30, tzinfo=ZONE), now=datetime(2026, 12, 1, tzinfo=ZONE),
               force=True)
    assert "Thứ Tư, 19:30 ngày 09/12/2026" in (site / MONTH / "index.html").read_text(encoding="utf-8")


def test_folders_the_tool_did_not_write_are_never_removed(approved):
    site = publish(approved, MONTH)
    (site / "2025-01").mkdir(parents=True)
    (site / "2025-01" / "index.html").write_text("trang lưu trữ của xã", encoding="utf-8")
    publish(approved, "--all")
    assert (site / "2025-01" / "index.html").read_text(encoding="utf-8") == "trang lưu trữ của xã"


def test_a_folder_holding_another_website_is_not_overwritten(approved):
    web = approved / "www"
    web.mkdir()
    (web / "index.html").write_text("<h1>Trang chủ UBND xã</h1>", encoding="utf-8")
    station = approved / "station.yaml"
    station.write_text(station.read_text(encoding="utf-8") + "  folder: www\n", encoding="utf-8")
    result = run_cli("publish", MONTH, "-s", str(approved))
    assert result.returncode != 0 and "đã có trang web khác" in result.stderr
    assert (web / "index.html").read_text(encoding="utf-8") == "<h1>Trang chủ UBND xã</h1>"
    assert not (web / MONTH).exists()


def test_without_an_address_for_the_site_it_says_where_to_write_one(approved):
    station = approved / "station.yaml"
    station.write_text(station.read_text(encoding="utf-8").replace("website: anlac.thanhhoa.gov.vn\n", ""),
                       encoding="utf-8")
    result = run_cli("publish", MONTH, "-s", str(approved))
    assert result.returncode != 0
    assert "Chưa biết địa chỉ trang web" in result.stderr and "publish: base_url:" in result.stderr


def test_an_unapproved_month_is_refused_in_vietnamese(tmp_path):
    folder = make_station(tmp_path, produced=True)
    result = run_cli("publish", MONTH, "-s", str(folder))
    assert result.returncode != 0
    said = " ".join((result.stderr + result.stdout).split())
    assert f"Tháng {MONTH} chưa đăng được: Chương trình tháng {MONTH} chưa được phép phát" in said
    assert not (folder / "site" / MONTH).exists()


def test_an_edited_script_takes_the_month_off_the_site(approved):
    site = publish(approved, MONTH)
    script = approved / "scripts" / f"{MONTH}.yaml"
    script.write_text(script.read_text(encoding="utf-8").replace("Kính thưa", "Thưa", 1), encoding="utf-8")
    publish(approved, "--all")
    assert not (site / MONTH).exists()


@pytest.fixture
def served(approved):
    site = publish(approved, MONTH)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", approved
    server.shutdown()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="chromium and chromium-driver are not installed "
                                                      "(scripts/test installs them as root with apt)")
def test_every_page_opens_in_chromium_with_its_audio_loading(served):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    base, folder = served
    manifest = read_manifest(folder / "audio_out" / "an-lac" / MONTH / "manifest.json")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        for page in ("", f"{MONTH}/"):
            browser.get(base + page)
            WebDriverWait(browser, 20).until(lambda b: "Chuyên mục Cải cách hành chính" in b.page_source)
            WebDriverWait(browser, 20).until(lambda b: b.execute_script(
                "return [...document.querySelectorAll('audio')].every(a => a.readyState >= 1)"))
            durations = browser.execute_script("return [...document.querySelectorAll('audio')].map(a => a.duration)")
            assert durations and all(abs(d - manifest.audio.duration_s) < 1 for d in durations), durations
        assert "Lịch phát trên loa truyền thanh" in browser.page_source
        # A chapter link seeks the page's player and leaves the reader on the page.
        chapter = browser.find_elements("css selector", "ol.chapters a")[2]
        start = float(chapter.get_attribute("href").split("#t=")[1])
        chapter.click()
        WebDriverWait(browser, 20).until(lambda b: abs(b.execute_script(
            "return document.getElementById('player').currentTime") - start) < 1.5)
        assert browser.current_url == f"{base}{MONTH}/#t={chapter.get_attribute('href').split('#t=')[1]}"
        links = browser.execute_script("return [...document.querySelectorAll('a')].map(a => a.href)")
        for link in {link.split("#")[0] for link in links if link.startswith(base)}:
            browser.get(link)
            assert "404" not in browser.title and "Error" not in browser.title, link
    finally:
        browser.quit()


def test_markup_in_the_script_is_published_as_text(tmp_path):
    from radio.approval import approve
    from radio.config import load_model, save_model
    from radio.models import Script
    from radio.pipeline import produce_month
    from tests.fixtures import APPROVER

    folder = on_approval(make_station(tmp_path))
    path = folder / "scripts" / f"{MONTH}.yaml"
    script = load_model(path, Script)
    first = script.segments[0].model_copy(update={"title": "Mở đầu <img src=x onerror=alert(1)>",
                                                   "text": "Kính thưa bà con. <script>alert('xa')</script>"})
    save_model(path, script.model_copy(update={"segments": [first, *script.segments[1:]]}))
    produce_month(folder, MONTH, engine_override="dummy")
    approve(MonthFiles(folder, "an-lac", MONTH), Store(folder), *APPROVER, None)
    page = (publish(folder, MONTH) / MONTH / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;xa&#39;)&lt;/script&gt;" in page
    feed = feedparser.parse((folder / "site" / "feed.xml").read_bytes())
    assert not feed.bozo


def test_a_station_that_publishes_only_what_aired_waits_for_the_first_airing(approved):
    from radio.schedule import schedule_month
    from tests.test_schedule_player import BEFORE, at, player

    station = approved / "station.yaml"
    station.write_text(station.read_text(encoding="utf-8").replace("after_airing: false", "after_airing: true"),
                       encoding="utf-8")
    schedule_month(approved, MONTH, now=BEFORE)
    refused = run_cli("publish", MONTH, "-s", str(approved))
    assert refused.returncode != 0 and "chưa phát lần nào trên loa" in refused.stderr
    assert [e.result for e in player(approved, at(1, 5, 29, 59.5)).check()] == ["aired"]
    page = (publish(approved, MONTH) / MONTH / "index.html").read_text(encoding="utf-8")
    aired, upcoming = page.split("Đã phát:")[1].split("Sắp phát:")
    assert "05:30 ngày 01/12/2026" in aired and "05:30 ngày 01/12/2026" not in upcoming
    assert "17:00 ngày 01/12/2026" in upcoming


def test_a_full_disk_leaves_the_published_site_as_it_was(approved, monkeypatch):
    site = publish(approved, MONTH)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    disk_full_when_replacing(monkeypatch, "feed.xml", "index.html")
    result = run_cli("publish", "--all", "-s", str(approved))
    assert result.returncode != 0 and "ổ đĩa đã đầy" in result.stderr
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before  # nothing half-written


def _site_files(site):
    return {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_a_held_database_is_an_error_and_the_site_stays_as_it_was(approved, monkeypatch):
    import radio.store
    from radio.store import hold_exclusive_lock

    site = publish(approved, MONTH)
    before = _site_files(site)
    monkeypatch.setattr(radio.store, "BUSY_TIMEOUT_S", 0.2)
    with hold_exclusive_lock(approved):  # another program (a database viewer) holds the file
        result = run_cli("publish", "--all", "-s", str(approved))
    assert result.returncode != 0
    assert "đang bị chương trình khác giữ" in result.stderr and "Đã gỡ" not in result.stdout
    assert _site_files(site) == before


@pytest.mark.parametrize("damage", ["header", "tables"])
def test_a_damaged_database_is_an_error_and_the_site_stays_as_it_was(approved, damage):
    site = publish(approved, MONTH)
    before = _site_files(site)
    database = approved / "radio.db"
    data = bytearray(database.read_bytes())
    # Garbage over the file's first bytes, or over every page after the schema's.
    start, end = (0, 100) if damage == "header" else (4096, len(data))
    data[start:end] = b"\xa5" * (end - start)
    database.write_bytes(bytes(data))
    result = run_cli("publish", "--all", "-s", str(approved))
    assert result.returncode != 0
    assert "cơ sở dữ liệu" in result.stderr and "trang web vẫn giữ nguyên" in " ".join(result.stderr.split())
    assert "Đã gỡ" not in result.stdout
    assert _site_files(site) == before


class Killed(BaseException):
    """The process dying at this point (no handler of the tool's runs)."""


def _links_resolve(site):
    """The site works: its index and feed parse, and every page, file and enclosure they
    point at exists."""
    import re

    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    base = "https://anlac.thanhhoa.gov.vn/phat-thanh/"
    wanted = [site / e.enclosures[0].href.removeprefix(base) for e in feed.entries]
    for page in [site / "index.html", *site.glob("*/index.html")]:
        html = page.read_text(encoding="utf-8")
        assert "</html>" in html
        wanted += [page.parent / link for link in re.findall(r'(?:href|src)="([^":#?]+)', html)]
    for path in wanted:
        assert path.exists(), path
    return feed


def test_a_first_publish_killed_midway_leaves_a_working_site(approved, monkeypatch):
    import radio.publish

    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(radio.publish, "_write_month", killed)
    with pytest.raises(Killed):
        radio.publish.publish(approved, [MONTH])
    site = approved / "site"
    assert (site / "index.html").exists() and (site / "feed.xml").exists()
    _links_resolve(site)
    monkeypatch.undo()
    feed = _links_resolve(publish(approved, MONTH))  # the next run completes it
    assert [e.id for e in feed.entries] == [f"radio:an-lac:{MONTH}"]


@pytest.mark.parametrize("step", ["_write_index", "_write_feed"])
def test_a_publish_killed_while_taking_a_month_out_leaves_a_working_site(approved, monkeypatch, step):
    import radio.publish

    site = publish(approved, MONTH)
    reject(MonthFiles(approved, "an-lac", MONTH), Store(approved), "Nguyễn Văn Bình", "Phó Chủ tịch",
           "Rút lại: số liệu chưa đúng")
    monkeypatch.setattr(radio.publish, step, lambda *args, **kwargs: (_ for _ in ()).throw(Killed()))
    with pytest.raises(Killed):
        radio.publish.publish(approved, None)
    _links_resolve(site)
    monkeypatch.undo()
    feed = _links_resolve(publish(approved, "--all"))
    assert feed.entries == [] and not (site / MONTH).exists()


def test_what_a_killed_publish_left_behind_is_cleared_by_the_next(approved):
    site = publish(approved, MONTH)
    leftovers = [site / ".index.k1ll3d.html", site / ".feed.k1ll3d.xml", site / MONTH / ".chuong-trinh.k1ll3d.mp3"]
    for path in leftovers:
        path.write_bytes(b"half")
    (site / ".dang-go-2026-11").mkdir()  # half removed: its marker already gone
    (site / ".dang-go-2026-11" / "loi-doc.txt").write_text("lời đọc\n", encoding="utf-8")
    publish(approved, "--all")
    assert not any(path.exists() for path in leftovers) and not (site / ".dang-go-2026-11").exists()
    _links_resolve(site)


def test_markup_in_the_script_cannot_become_markup_in_a_feed_reader(tmp_path):
    import html

    from radio.approval import approve
    from radio.config import load_model, save_model
    from radio.models import Script
    from radio.pipeline import produce_month
    from tests.fixtures import APPROVER

    folder = on_approval(make_station(tmp_path))
    path = folder / "scripts" / f"{MONTH}.yaml"
    script = load_model(path, Script)
    first, second = script.segments[:2]
    segments = [first.model_copy(update={"title": "Mở đầu <script>alert(1)</script>"}),
                second.model_copy(update={"title": "Kết &lt;script&gt;alert(2)&lt;/script&gt; &ltimg src=x&gt"}),
                *script.segments[2:]]
    save_model(path, script.model_copy(update={"title": "Số <b>12</b> &amp;lt;script&amp;gt;",
                                               "segments": segments}))
    produce_month(folder, MONTH, engine_override="dummy")
    approve(MonthFiles(folder, "an-lac", MONTH), Store(folder), *APPROVER, None)
    publish(folder, MONTH)
    # A reader that renders the description as HTML, without a sanitizer of its own.
    feed = feedparser.parse((folder / "site" / "feed.xml").read_bytes(), sanitize_html=False)
    assert not feed.bozo
    [entry] = feed.entries
    for text in (entry.description, entry.title, feed.feed.description):
        shown = html.unescape(html.unescape(text))
        assert "<script" not in shown.lower() and "<img" not in shown.lower() and "<b>" not in shown, text
    assert "Mở đầu" in entry.description and "alert(1)" in entry.description  # the words stay


def test_the_feed_follows_the_podcast_directories_rules(approved):
    """The rules a podcast feed validator (Apple's and Podcast Index's) checks, one by one."""
    import xml.etree.ElementTree as ElementTree

    from PIL import Image

    base = "https://anlac.thanhhoa.gov.vn/phat-thanh/"
    site = publish(approved, MONTH)
    itunes, atom = "{http://www.itunes.com/dtds/podcast-1.0.dtd}", "{http://www.w3.org/2005/Atom}"
    channel = ElementTree.parse(site / "feed.xml").getroot().find("channel")
    # 1. The channel's <link> is the website page people open, not the feed itself; the
    #    feed's own address is the atom:link rel="self".
    assert channel.findtext("link") == base
    assert [a.get("href") for a in channel.findall(f"{atom}link") if a.get("rel") == "self"] == [base + "feed.xml"]
    # 2. Language: Vietnamese.
    assert channel.findtext("language") == "vi"
    # 3. itunes:explicit is a boolean written "true" or "false" (the current spec; "no" is old).
    assert channel.findtext(f"{itunes}explicit") == "false"
    # 4. The cover: RGB (no alpha channel), square, 1400–3000 px, at the address the feed names.
    assert channel.find(f"{itunes}image").get("href") == base + "anh-bia.png"
    with Image.open(site / "anh-bia.png") as artwork:
        assert artwork.format in ("PNG", "JPEG") and artwork.mode == "RGB"
        assert artwork.size[0] == artwork.size[1] and 1400 <= artwork.size[0] <= 3000
    items = channel.findall("item")
    assert items
    for item in items:
        # 5. An enclosure with the file's exact length in bytes and an audio type.
        enclosure = item.find("enclosure")
        assert enclosure.get("type") == "audio/mpeg" and enclosure.get("url").startswith(base)
        local = site / enclosure.get("url")[len(base):]
        assert int(enclosure.get("length")) == local.stat().st_size > 0
        # 6. A guid that never changes and is not taken for an address.
        assert item.find("guid").text and item.find("guid").get("isPermaLink") == "false"
        assert item.findtext("title") and item.findtext("pubDate")
    assert len({i.findtext("guid") for i in items}) == len(items)


def test_a_station_picture_with_transparency_is_published_as_rgb(approved):
    from PIL import Image

    Image.new("RGBA", (1400, 1400), (183, 28, 28, 128)).save(approved / "bia.png")
    station = approved / "station.yaml"
    station.write_text(station.read_text(encoding="utf-8") + "  artwork: bia.png\n", encoding="utf-8")
    site = publish(approved, MONTH)
    with Image.open(site / "anh-bia.png") as artwork:
        assert artwork.mode == "RGB" and artwork.size == (1400, 1400)


def test_chapter_links_stay_on_the_page_and_name_its_player(approved):
    site = publish(approved, MONTH)
    page = (site / MONTH / "index.html").read_text(encoding="utf-8")
    chapters = page.split('class="chapters"')[1].split("</ol>")[0]
    links = [part.split('"')[0] for part in chapters.split('href="')[1:]]
    assert links and all(link.startswith("#t=") for link in links), links
    assert "chuong-trinh.mp3#" not in chapters
    # The seeking is done by a script file of the site (no inline script: CSP-friendly).
    assert '<script src="../nghe.js" defer></script>' in page and "<script>" not in page
    assert (site / "nghe.js").read_text(encoding="utf-8").count("currentTime") >= 1


def test_by_default_a_month_is_listed_only_once_it_has_aired(tmp_path):
    """The plan: works that have aired are posted (kế hoạch 000, mục II.3.đ)."""
    folder = make_station(tmp_path, produced=True, approved=True)
    refused = run_cli("publish", MONTH, "-s", str(folder))
    assert refused.returncode != 0 and "chưa phát lần nào trên loa" in refused.stderr
    # The way on is said: wait for the first airing, or choose to publish on approval.
    assert "sau lượt phát đầu tiên" in refused.stderr and "after_airing: false" in refused.stderr
    assert "chỉ đăng chương trình đã duyệt" not in refused.stderr  # it is approved: not the reason


def test_a_station_picture_directories_would_refuse_is_refused_with_its_size(approved):
    from PIL import Image

    Image.new("RGB", (1200, 800), (183, 28, 28)).save(approved / "bia.jpg")
    station = approved / "station.yaml"
    station.write_text(station.read_text(encoding="utf-8") + "  artwork: bia.jpg\n", encoding="utf-8")
    result = run_cli("publish", MONTH, "-s", str(approved))
    assert result.returncode != 0 and "1200 × 800" in result.stderr
    assert "vuông" in result.stderr and "1400" in result.stderr and not (approved / "site" / MONTH).exists()
