"""How the studio looks in Chromium at a desktop and a 390×844 phone: buttons made of forms
and of links alike, and the calendar and the log readable on the phone (nothing wider than
the screen, no squeezed columns). Screenshots go to the test's own folder."""

import pytest

from tests.fixtures import MONTH, add_people, make_station, served_studio
from tests.test_studio_browser import CHROMIUM, DRIVER, browser, log_in  # noqa: F401 - fixture

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="cần chromium và chromium-driver của Debian")
SIZES = {"may-tinh": (1200, 900), "dien-thoai": (390, 844)}


@pytest.fixture
def aired(tmp_path):
    """An approved month scheduled, its first airing aired, served by the studio."""
    from radio.schedule import schedule_month
    from tests.test_schedule_player import BEFORE, at, player

    folder = make_station(tmp_path / "dai", produced=True, approved=True)
    add_people(folder)
    schedule_month(folder, MONTH, now=BEFORE)
    assert [e.result for e in player(folder, at(1, 5, 29, 59.4)).check()] == ["aired"]
    yield from serve(folder)


@pytest.fixture
def composed(tmp_path):
    """A month composed and produced, not yet approved, served by the studio."""
    folder = make_station(tmp_path / "dai", produced=True)
    add_people(folder)
    yield from serve(folder)


def serve(folder):
    with served_studio(folder) as base:
        yield base


def box(browser, css: str) -> dict:
    return browser.execute_script(
        "const e = document.querySelector(arguments[0]), r = e.getBoundingClientRect(), s = getComputedStyle(e);"
        "return {width: r.width, height: r.height, font: s.fontFamily, size: s.fontSize};", css)


def test_buttons_calendar_and_log_at_desktop_and_phone_sizes(aired, browser, tmp_path):
    log_in(browser, aired, "hung")
    for name, (width, height) in SIZES.items():
        browser.set_window_size(width, height)
        inner = browser.execute_script("return window.innerWidth")
        for page in ("schedule", "log", "player", "overview"):
            browser.get(f"{aired}/s/an-lac/m/{MONTH}/schedule" if page == "schedule" else
                        f"{aired}/s/an-lac/" if page == "overview" else f"{aired}/s/an-lac/{page}")
            browser.save_screenshot(str(tmp_path / f"{page}-{name}.png"))
            assert browser.execute_script("return document.documentElement.scrollWidth") <= inner, (page, name)
            if name == "dien-thoai" and page in ("player", "overview"):  # a table's rows are cards
                assert box(browser, "table.stack tbody td")["width"] >= inner * 0.6, page
        browser.get(f"{aired}/s/an-lac/log")
        # The log: the form's button and the download link look alike.
        button, link = box(browser, "form button[type=submit]"), box(browser, "#csv")
        assert button["font"] == link["font"] and button["size"] == link["size"]
        assert abs(button["height"] - link["height"]) <= 1, (button, link)
        cell = box(browser, "#log tbody td")
        assert cell["width"] >= inner * 0.6 if name == "dien-thoai" else cell["width"] > 50, (name, cell)
        browser.get(f"{aired}/s/an-lac/m/{MONTH}/schedule")
        airing = box(browser, "#calendar .airing")
        # On the phone a day takes the width of the screen, not a seventh of it.
        assert airing["width"] >= (inner * 0.6 if name == "dien-thoai" else 60), (name, airing)
    print("ảnh chụp:", tmp_path)


def test_the_script_editor_says_what_is_unsaved_and_one_save_keeps_every_segment(composed, browser):
    from selenium.webdriver.common.by import By

    from tests.test_studio_browser import click

    base = composed
    log_in(browser, base, "lan")
    browser.set_window_size(390, 844)
    browser.get(f"{base}/s/an-lac/m/{MONTH}/script")
    state = browser.find_element(By.ID, "save-state")
    assert state.text == "Đã lưu."
    boxes = browser.find_elements(By.CSS_SELECTOR, "textarea[data-reading]")
    assert len(boxes) >= 2
    boxes[0].clear()
    boxes[0].send_keys("Xin chào bà con, đây là chuyên mục của xã.")
    assert state.text == "Có sửa đổi chưa lưu."
    boxes[1].send_keys(" Bà con nhớ mang theo căn cước.")
    # The bar stays in sight while scrolling down a long script on the phone.
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    assert browser.execute_script("return document.getElementById('save-state').getBoundingClientRect().top") >= 0
    click(browser, browser.find_element(By.ID, "save-script"))
    assert "Đã lưu kịch bản (2 đoạn đã sửa)" in browser.page_source
    assert browser.find_element(By.ID, "save-state").text == "Đã lưu."
    texts = [b.get_attribute("value") for b in browser.find_elements(By.CSS_SELECTOR, "textarea[data-reading]")]
    assert texts[0] == "Xin chào bà con, đây là chuyên mục của xã." and texts[1].endswith("Bà con nhớ mang theo căn cước.")
    assert browser.find_element(By.ID, "to-review") and browser.find_element(By.ID, "produce-from-script")
