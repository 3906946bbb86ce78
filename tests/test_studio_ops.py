"""The studio's operator and upkeep pages (issue 30): the log by airing month with its
spreadsheet, the player daemon started and stopped from the page, the clip cache pruned, every
month published again, and the voices page (two voices side by side, the listening check)."""
import csv
import io
import re
import time
from datetime import datetime

import pytest

from radio.store import Store
from tests.fixtures import MONTH, PASSWORD, make_studio, wait_for
from tests.test_reports import ZONE, log_airing
from tests.test_studio_browser import CHROMIUM, DRIVER, browser  # noqa: F401 - fixture


def visible(page: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)))


def actions(folder, name):
    return [a for a in Store(folder, readonly=True).web_actions(None) if a.action == name]


def aired_across_two_months(folder):
    """December's programme aired on 30/12 (aired), 31/12 (failed) and 2/1 (interrupted)."""
    store = Store(folder)
    for day, result in ((datetime(2026, 12, 30, 19, 0, tzinfo=ZONE), "aired"),
                        (datetime(2026, 12, 31, 19, 0, tzinfo=ZONE), "failed"),
                        (datetime(2027, 1, 2, 19, 0, tzinfo=ZONE), "interrupted")):
        [airing] = store.add_airings(MONTH, [("chieu", day)], 60, "programme.mp3", "a" * 64, "t", manual=False)
        log_airing(store, airing, result, 30)


@pytest.fixture
def studio(tmp_path):
    made = make_studio(tmp_path, produced=True, approved=True)
    from radio.studio.accounts import add_account

    add_account(made.folders["an-lac"], "quan-tri", "Phạm Văn Quản", "Quản trị viên", "admin", PASSWORD)
    return made


# -- the log by airing month ---------------------------------------------------------------------

def test_the_log_shows_what_aired_failed_and_was_cut_in_the_month_chosen(studio):
    aired_across_two_months(studio.folders["an-lac"])
    for username in ("hung", "binh", "lan"):
        studio.login(username)
        page = studio.client.get("/s/an-lac/log")
        assert '<option value="2027-01">tháng 01/2027</option>' in page.text
        assert '<option value="2026-12">tháng 12/2026</option>' in page.text
    december = visible(studio.client.get("/s/an-lac/log", params={"aired_in": "2026-12"}).text)
    assert "các lượt phát trong tháng 12/2026" in december
    assert "2 lượt — đã phát: 1, lỗi: 1." in december and "bị ngắt" not in december
    january = visible(studio.client.get("/s/an-lac/log", params={"aired_in": "2027-01"}).text)
    assert "1 lượt — bị ngắt giữa chừng: 1." in january and "19:00 ngày 02/01/2027" in january
    sheet = studio.client.get("/s/an-lac/log", params={"aired_in": "2026-12", "csv": "1"})
    assert "phat-trong-2026-12.csv" in sheet.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0] == ["Mã lượt phát", "Giờ định phát", "Bắt đầu", "Kết thúc", "Tệp", "Đầu ra", "Kết quả", "Lỗi"]
    assert [(r[1], r[6]) for r in rows[1:]] == [("30/12/2026 19:00:00", "đã phát"), ("31/12/2026 19:00:00", "lỗi")]
    assert studio.client.get("/s/an-lac/log", params={"aired_in": "12-2026"}).status_code == 400


# -- the player, started and stopped from the page ---------------------------------------------------

def test_only_the_operator_and_the_admin_may_start_the_player(studio):
    for username in ("lan", "binh"):
        studio.login(username)
        page = studio.client.get("/s/an-lac/player").text
        assert 'id="player-start"' not in page
        refused = studio.client.post("/s/an-lac/player/start", data={"csrf": studio.token("/s/an-lac/player"),
                                                                     "output": "null"})
        assert refused.status_code == 403
    studio.login("quan-tri")
    page = studio.client.get("/s/an-lac/player").text
    assert 'id="player-start"' in page and '<option value="null">chạy thử, không ra tiếng</option>' in page
    unknown = studio.client.post("/s/an-lac/player/start", data={"csrf": studio.token("/s/an-lac/player"),
                                                                 "output": "loa-to"})
    assert "Không có đầu ra 'loa-to'" in visible(unknown.text) and not actions(studio.folders["an-lac"], "player-start")
    # An output that cannot work here is said before any daemon starts, in the studio's words.
    unready = studio.client.post("/s/an-lac/player/start", data={"csrf": studio.token("/s/an-lac/player"),
                                                                 "output": "icecast"})
    assert "station.yaml chưa có mục 'icecast:'" in visible(unready.text)
    assert not (studio.folders["an-lac"] / ".player").exists()
    from radio.studio.forms import studio_words

    assert studio_words("hoặc dùng --output file.") == "hoặc dùng đầu ra file."


def test_the_operator_starts_the_real_daemon_sees_it_live_and_stops_it(studio):
    from radio.player import heartbeats
    from radio.player.control import running

    folder = studio.folders["an-lac"]
    studio.login("hung")
    token = studio.token("/s/an-lac/player")
    try:
        started = studio.client.post("/s/an-lac/player/start", data={"csrf": token, "output": "null"})
        assert "Đã bật máy phát (đầu ra: chạy thử, không ra tiếng)." in visible(started.text), visible(started.text)[:600]
        [beat] = [b for b in heartbeats(folder) if b.alive]
        assert beat.output == "null"
        page = " ".join(visible(started.text).split())
        assert re.search(r"Máy phát \S+ \(đầu ra null\): đang chạy ?, tín hiệu cuối cách đây \d+ giây\.", page), page
        assert 'id="player-stop"' in started.text and 'id="player-start"' not in started.text
        again = studio.client.post("/s/an-lac/player/start", data={"csrf": token, "output": "null"})
        assert "Máy phát đang chạy" in visible(again.text) and len(running(folder)) == 1
        pid = int(beat.player.split("@")[0])
        assert open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[3:5] == [b"player", b"run"]
        stopped = studio.client.post("/s/an-lac/player/stop", data={"csrf": token})
        assert "Đã tắt máy phát" in visible(stopped.text)
        assert not heartbeats(folder) and 'id="player-start"' in stopped.text
        for _ in range(50):  # the reaper thread collects it a moment after its heartbeat ends
            if not _alive(pid):
                break
            time.sleep(0.1)
        assert not _alive(pid)
    finally:
        for identity in running(folder):
            import os
            import signal

            os.kill(int(identity.split("@")[0]), signal.SIGKILL)
    assert [a.detail.split(",")[0] for a in actions(folder, "player-start")] == ["đầu ra null"]
    assert len(actions(folder, "player-stop")) == 1
    nothing = studio.client.post("/s/an-lac/player/stop", data={"csrf": token})
    assert "Không có máy phát nào đang chạy." in visible(nothing.text)


def test_stopping_the_player_mid_airing_logs_the_airing_as_cut(studio):
    from datetime import timedelta

    from radio.player import heartbeats
    from radio.player.control import running
    from radio.schedule import add_airing

    folder = studio.folders["an-lac"]
    studio.login("hung")
    token = studio.token("/s/an-lac/player")
    try:
        studio.client.post("/s/an-lac/player/start", data={"csrf": token, "output": "null"})
        assert running(folder)
        add_airing(folder, MONTH, datetime.now(ZONE).replace(tzinfo=None, microsecond=0) + timedelta(seconds=2),
                   force=True)
        wait_for(lambda: any(b.playing_id for b in heartbeats(folder)), 60, "the airing on air", every=0.2)
        playing = " ".join(visible(studio.client.get("/s/an-lac/player").text).split())
        assert re.search(r"\(đầu ra null\): đang phát lượt \d+", playing), playing
        stopped = studio.client.post("/s/an-lac/player/stop", data={"csrf": token})
        assert "Đã tắt máy phát" in visible(stopped.text)
    finally:
        for identity in running(folder):
            import os
            import signal

            os.kill(int(identity.split("@")[0]), signal.SIGKILL)
    [entry] = Store(folder, readonly=True).as_run()
    assert entry.result == "interrupted" and entry.ended_at, entry
    assert "bị ngắt giữa chừng" in visible(studio.client.get("/s/an-lac/log").text)


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


# -- upkeep: the clip cache, the website -----------------------------------------------------------

def test_the_officer_prunes_the_clip_cache_and_the_operator_may_not(studio):
    from radio.paths import station_output
    from radio.pipeline import clip_cache

    folder = studio.folders["an-lac"]
    cache = clip_cache(station_output(folder), "an-lac")
    before = cache.stats()
    assert before.clips > 0
    studio.login("hung")
    assert studio.client.get("/s/an-lac/upkeep").status_code == 403
    studio.login("lan")
    page = studio.client.get("/s/an-lac/upkeep")
    assert f"Tổng: {before.clips} câu" in visible(page.text)
    token = studio.token("/s/an-lac/upkeep")
    empty = studio.client.post("/s/an-lac/upkeep/prune", data={"csrf": token})
    assert "Chưa chọn cách dọn bộ nhớ đệm." in visible(empty.text)
    bad = studio.client.post("/s/an-lac/upkeep/prune", data={"csrf": token, "older_than": "ba"})
    assert "Không hiểu số ngày 'ba'" in visible(bad.text) and cache.stats().clips == before.clips
    done = studio.client.post("/s/an-lac/upkeep/prune", data={"csrf": token, "engine": "dummy"})
    assert f"Đã xoá {before.clips} câu" in visible(done.text) and cache.stats().clips == 0
    assert "Bộ nhớ đệm đang trống." in visible(done.text)
    assert actions(folder, "cache-prune")[0].detail.startswith(f"Đã xoá {before.clips} câu")


def test_the_officer_publishes_every_month_again(studio):
    from tests.test_publish import on_approval

    folder = studio.folders["an-lac"]
    on_approval(folder)
    studio.login("lan")
    done = studio.client.post("/s/an-lac/upkeep/publish", data={"csrf": studio.token("/s/an-lac/upkeep")})
    assert "Đã đăng tháng 12/2026." in visible(done.text)
    assert (folder / "site" / MONTH / "index.html").exists() and (folder / "site" / "feed.xml").exists()
    assert len(actions(folder, "publish-all")) == 1


# -- voices ------------------------------------------------------------------------------------------

def test_two_voices_say_one_sentence_side_by_side(studio):
    from pydub import AudioSegment

    studio.login("lan")
    page = studio.client.get("/s/an-lac/voices")
    text = " ".join(visible(page.text).split())
    assert "offline — sẵn sàng" in text and "vi-ro-nu" in text and "Bộ đọc dự phòng" in text
    token = studio.token("/s/an-lac/voices")
    compared = studio.client.post("/s/an-lac/voices/compare", data={
        "csrf": token, "a": "offline:vi-ro-nu", "b": "offline:vi-ro-nam", "sentence": "Xin chào bà con xã An Lạc."})
    sources = re.findall(r'<audio controls preload="none" src="([^"]+)"', compared.text)
    assert len(sources) == 2 and sources[0] != sources[1]
    lengths = []
    for source in sources:
        answer = studio.client.get(source)
        assert answer.status_code == 200 and answer.headers["content-type"] == "audio/wav"
        lengths.append(len(AudioSegment.from_wav(io.BytesIO(answer.content))))
    assert all(1000 < ms < 6000 for ms in lengths), lengths
    assert actions(studio.folders["an-lac"], "voices-compare")[0].detail == "offline:vi-ro-nu / offline:vi-ro-nam"
    refused = studio.client.post("/s/an-lac/voices/compare", data={"csrf": token, "a": "offline:khong-co",
                                                                  "b": "offline:vi-ro-nam", "sentence": "Chào."})
    assert "Không có giọng 'offline:khong-co'" in visible(refused.text)
    for name in ("offline/aa/station.yaml", "offline%2F..%2F..%2F..%2F..%2Fstation.yaml", "f" * 64 + ".wav"):
        assert studio.client.get(f"/s/an-lac/voices/sample/{name}").status_code == 404, name
    studio.login("hung")  # the operator hears the list, tries nothing
    page = studio.client.get("/s/an-lac/voices").text
    assert 'id="compare"' not in page
    assert studio.client.post("/s/an-lac/voices/compare", data={"csrf": studio.token("/s/an-lac/voices"),
                                                               "a": "offline:vi-ro-nu"}).status_code == 403


def test_the_listening_check_hears_two_voices_and_shows_the_result(studio):
    from radio.speech.listen import listener_available

    if not listener_available():
        pytest.skip("chưa cài viet-asr (scripts/setup listen)")
    studio.login("lan")
    token = studio.token("/s/an-lac/voices")
    started = studio.client.post("/s/an-lac/voices/listen", data={
        "csrf": token, "a": "offline:vi-ro-nu", "b": "offline:vi-ro-nam", "sentence": "Xin chào bà con."})
    assert "Máy đang nghe thử" in visible(started.text)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        page = studio.client.get("/s/an-lac/voices").text
        if 'id="scores"' in page or 'role="alert"' in page:
            break
        time.sleep(1)
    rows = re.findall(r'<td data-label="Giọng">([^<]+)</td>\s*<td data-label="Sai ký tự">(\d+)%', page)
    assert sorted(v for v, _ in rows) == ["vi-ro-nam", "vi-ro-nu"], visible(page)[-800:]
    assert all(0 <= int(cer) <= 100 for _, cer in rows) and "câu «Xin chào bà con.»" in visible(page)


# -- the operator's page in Chromium on a phone ---------------------------------------------------

@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="cần chromium và chromium-driver của Debian "
                    "(scripts/test tự cài khi chạy bằng root)")
def test_the_operator_starts_and_stops_the_player_on_a_phone(tmp_path, browser):
    import os
    import signal

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from radio.player.control import running
    from tests.fixtures import add_people, make_station, served_studio
    from tests.test_studio_browser import ARTIFACTS, click, log_in, said

    folder = make_station(tmp_path, produced=True, approved=True)
    add_people(folder)
    try:
        with served_studio(folder) as base:
            browser.set_window_size(390, 844)
            log_in(browser, base, "hung")
            browser.get(f"{base}/s/an-lac/player")
            Select(browser.find_element(By.ID, "output")).select_by_value("null")
            click(browser, browser.find_element(By.CSS_SELECTOR, "#player-start button"))
            assert any("Đã bật máy phát" in line for line in said(browser)), said(browser)
            state = browser.find_element(By.CSS_SELECTOR, "#players .liveness").text
            assert "(đầu ra null): đang chạy, tín hiệu cuối cách đây" in state, state
            inner = browser.execute_script("return window.innerWidth")
            assert browser.execute_script("return document.documentElement.scrollWidth") <= inner
            stop = browser.find_element(By.CSS_SELECTOR, "#player-stop button")
            assert stop.rect["x"] >= 0 and stop.rect["x"] + stop.rect["width"] <= inner
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(ARTIFACTS / "may-phat-dien-thoai.png"))
            click(browser, stop)
            assert any("Đã tắt máy phát" in line for line in said(browser)), said(browser)
            assert browser.find_elements(By.ID, "player-start") and not running(folder)
            # The officer's upkeep and voices pages, and the log by month, fit the phone too.
            click(browser, browser.find_element(By.CSS_SELECTOR, "header form button"))
            log_in(browser, base, "lan")
            for name, path in (("bao-tri", "/upkeep"), ("giong-doc", "/voices"), ("nhat-ky", f"/log?aired_in={MONTH}")):
                browser.get(f"{base}/s/an-lac{path}")
                assert browser.execute_script("return document.documentElement.scrollWidth") <= inner, name
                browser.save_screenshot(str(ARTIFACTS / f"{name}-dien-thoai.png"))
            browser.get(f"{base}/s/an-lac/voices")
            Select(browser.find_element(By.ID, "voice-b")).select_by_value("offline:vi-ro-nam")
            click(browser, browser.find_element(By.ID, "compare-voices"))
            players = browser.find_elements(By.CSS_SELECTOR, "#samples audio")
            assert len(players) == 2 and all(p.rect["width"] <= inner for p in players)
            assert browser.execute_script(
                "return Promise.all([...document.querySelectorAll('#samples audio')].map(a => new Promise(ok => {"
                "a.onloadedmetadata = () => ok(a.duration); a.onerror = () => ok(-1); a.load(); })))"
            ) and all(d > 0.5 for d in browser.execute_script(
                "return [...document.querySelectorAll('#samples audio')].map(a => a.duration)"))
    finally:
        for identity in running(folder):  # the daemon has a session of its own: the server's end is not its end
            os.kill(int(identity.split("@")[0]), signal.SIGKILL)


# -- a length outside the plan's range, kept on purpose ------------------------------------------------

def test_a_length_kept_outside_the_range_is_said_with_the_stations_range_and_recorded(studio):
    from radio.config import load_model
    from radio.models import Script
    from radio.station import MonthFiles
    from tests.test_studio_words import too_long

    too_long(studio)  # the station asks for 30–40 minutes
    folder = studio.folders["an-lac"]
    studio.login("lan")
    month_page = visible(studio.client.get(f"/s/an-lac/m/{MONTH}").text)
    assert "Tự điều chỉnh cho vừa 30–40 phút" in month_page and "10–15" not in month_page
    token = studio.token(f"/s/an-lac/m/{MONTH}")
    refused = studio.client.post(f"/s/an-lac/m/{MONTH}/compose", data={"csrf": token, "new_draft": "1"})
    assert refused.status_code == 409 and "ngoài khoảng 30–40 phút" in visible(refused.text)
    kept = studio.client.post(f"/s/an-lac/m/{MONTH}/compose", data={"csrf": token, "new_draft": "1",
                                                                     "allow_length": "1"})
    assert "Đã soạn kịch bản" in visible(kept.text)
    estimated = sum(s.estimated_s for s in load_model(MonthFiles(folder, "an-lac", MONTH).script, Script).segments)
    assert estimated < 30 * 60
    [composed] = [a for a in Store(folder, readonly=True).web_actions(MONTH) if a.action == "compose"]
    assert "ngoài khoảng 30–40 phút" in composed.detail, composed.detail
