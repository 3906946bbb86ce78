"""The studio's recorder in a real browser: Debian's chromium with a fake microphone that
plays a stand-in reading (Chromium's fake media stream flags). On a phone-sized screen the
officer reads the prompter, records, sees the level meter move, plays the take back, records
it again, saves it; then uploads a phone's file on the same page. A browser refused the
microphone says so and offers the upload."""
import json
import time

import numpy as np
import pytest

from tests.fixtures import MONTH, add_people, make_station, served_studio
from tests.test_record import RATE, SEGMENT, encode, sentences, spoken_audio
from tests.test_studio_browser import CHROMIUM, DRIVER, QUIET_BROWSER, click, log_in, said, shot

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="cần chromium và chromium-driver của Debian (scripts/test tự cài khi chạy bằng root)")
PAGE = f"/s/an-lac/m/{MONTH}/record?segment={SEGMENT}"


@pytest.fixture
def server(tmp_path):
    folder = make_station(tmp_path / "dai")
    add_people(folder)
    with served_studio(folder) as base:
        yield base, folder


def chromium(*flags: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--autoplay-policy=no-user-gesture-required", *QUIET_BROWSER, *flags):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_window_size(390, 844)  # a phone
    return driver


def reading_wav(folder, path):
    """What the fake microphone hears: the segment's first sentences, read by the offline voice."""
    speech = spoken_audio(folder, [spoken for _, spoken in sentences(folder)[:2]]) * 0.4
    quiet = np.zeros(RATE // 2, dtype=np.float32)
    return encode(np.concatenate([quiet, speech, quiet]), path, "-c:a", "pcm_s16le")


def visible(browser, element_id: str, seconds: float = 30):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, seconds).until(shown.visibility_of_element_located((By.ID, element_id)))


def record_a_take(browser, seconds: float = 3.0) -> str:
    """Press record, let the fake microphone read, press stop; the take's blob: address."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    visible(browser, "rec-stop")
    assert not browser.find_element(By.ID, "rec-start").is_displayed()
    time.sleep(seconds)  # the reading is recorded in real time
    heard = float(browser.find_element(By.ID, "level").get_attribute("data-heard") or 0)
    assert heard > 0.05, "the level meter never moved"
    browser.find_element(By.ID, "rec-stop").click()
    take = visible(browser, "take")
    WebDriverWait(browser, 30).until(lambda b: (take.get_attribute("src") or "").startswith("blob:"))
    assert [browser.find_element(By.ID, i).is_displayed() for i in ("rec-start", "rec-stop", "rec-redo", "rec-save")] \
        == [False, False, True, True]
    return take.get_attribute("src")


def test_record_play_back_redo_save_and_upload_on_a_phone(server, tmp_path):
    from selenium.webdriver.common.by import By

    base, folder = server
    wav = reading_wav(folder, tmp_path / "mic.wav")
    browser = chromium("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                       f"--use-file-for-fake-audio-capture={wav}")
    try:
        log_in(browser, base, "lan")
        browser.get(f"{base}/s/an-lac/m/{MONTH}")
        click(browser, browser.find_element(By.ID, "record"))
        browser.get(base + PAGE)
        prompter = browser.find_element(By.ID, "prompter")
        assert sentences(folder)[0][0].split()[0] in prompter.text
        assert float(prompter.value_of_css_property("font-size").rstrip("px")) >= 21  # read at arm's length
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 392
        shot(browser, "thu-am-1-nhac-loi")

        browser.find_element(By.ID, "rec-start").click()
        first = record_a_take(browser)
        shot(browser, "thu-am-2-nghe-lai")
        played = browser.execute_async_script(
            "const done = arguments[arguments.length - 1], a = document.getElementById('take');"
            "a.addEventListener('timeupdate', () => done(a.currentTime), {once: true});"
            "a.addEventListener('error', () => done(-1), {once: true}); a.play().catch(() => done(-2));")
        assert played >= 0, "the take did not play back"

        browser.find_element(By.ID, "rec-redo").click()  # not good enough: again
        second = record_a_take(browser)
        assert second != first
        click(browser, browser.find_element(By.ID, "rec-save"))
        assert "Đã lưu bản thu đoạn này" in browser.page_source, said(browser)
        record = json.loads((folder / "recordings" / MONTH / f"{SEGMENT}.json").read_text(encoding="utf-8"))
        assert record["source"].startswith(f"ban-thu-{SEGMENT}.") and record["by"] == "Nguyễn Thị Lan"
        assert 1.0 < record["duration_s"] < 5.0
        current = browser.find_element(By.ID, "current-take")
        assert "Nguyễn Thị Lan" in current.text
        ready = browser.execute_async_script(
            "const done = arguments[arguments.length - 1], a = document.querySelector('#current-take audio');"
            "a.addEventListener('loadedmetadata', () => done(a.duration), {once: true});"
            "a.addEventListener('error', () => done(-1), {once: true}); a.load();")
        assert ready > 1.0  # the kept FLAC plays in the browser
        shot(browser, "thu-am-3-da-luu")

        # A phone's own recording, uploaded on the same page, replaces the take.
        phone = encode(spoken_audio(folder, [sentences(folder)[0][1]]) * 0.3, tmp_path / "dien-thoai.m4a",
                       "-c:a", "aac", "-b:a", "64k")
        browser.find_element(By.ID, "by").clear()
        browser.find_element(By.ID, "by").send_keys("Trần Văn Bình")
        browser.find_element(By.ID, "audio-file").send_keys(str(phone))
        click(browser, browser.find_element(By.ID, "upload"))
        assert "Đã lưu bản thu đoạn này do Trần Văn Bình" in browser.page_source, said(browser)
        record = json.loads((folder / "recordings" / MONTH / f"{SEGMENT}.json").read_text(encoding="utf-8"))
        assert (record["source"], record["by"]) == ("dien-thoai.m4a", "Trần Văn Bình")
        shot(browser, "thu-am-4-tai-len")
    finally:
        browser.quit()


def test_a_refused_microphone_is_explained_and_the_upload_still_offered(server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, _ = server
    browser = chromium("--use-fake-device-for-media-stream", "--deny-permission-prompts")
    try:
        log_in(browser, base, "lan")
        browser.get(base + PAGE)
        browser.find_element(By.ID, "rec-start").click()
        state = browser.find_element(By.ID, "mic-state")
        WebDriverWait(browser, 30).until(lambda _: "Micrô chưa được phép dùng" in state.text)
        assert "problem" in state.get_attribute("class")
        assert browser.find_element(By.ID, "rec-start").is_displayed()
        assert browser.find_element(By.ID, "audio-file").is_enabled()
        shot(browser, "thu-am-5-khong-cho-micro")
    finally:
        browser.quit()
