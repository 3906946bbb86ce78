"""Driving the studio for real: the server in its own process on loopback, Debian's chromium
through chromium-driver. The browser fixture and the steps every browser test shares (log
in and out, click and wait for the next page, what the page said, screenshots to
.artifacts/studio/). The whole month from a new station to a published programme is walked
in test_studio_first_month.py."""
import shutil
from pathlib import Path

import pytest

from tests.fixtures import PASSWORD

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
# No GPU, and none of chromium's own network chatter (this machine's closed network refuses
# it over and over, which costs CPU the rest of the suite needs).
QUIET_BROWSER = ("--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-extensions", "--disable-quic")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="cần chromium và chromium-driver của Debian (scripts/test tự cài khi chạy bằng root)")
ARTIFACTS = Path(__file__).resolve().parent.parent / ".artifacts" / "studio"
MONTH = "2027-01"


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                     *QUIET_BROWSER):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_window_size(1200, 900)
    yield driver
    driver.quit()


def shot(browser, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def log_in(browser, base: str, username: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{base}/login")
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    click(browser, browser.find_element(By.CSS_SELECTOR, "#login button[type=submit]"))


def log_out(browser) -> None:
    from selenium.webdriver.common.by import By

    click(browser, browser.find_element(By.CSS_SELECTOR, "header form button"))


def click(browser, element) -> None:
    """Click and wait for the next page to be loaded (a click returns before the browser has
    left; on a busy machine the old page can be half gone, which chromedriver reports as
    'Node ... does not belong to the document' rather than as a stale element)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    page = browser.find_element("tag name", "html")
    element.click()

    def left(_) -> bool:
        try:
            page.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(browser, 60).until(left)
    WebDriverWait(browser, 60).until(lambda b: b.execute_script("return document.readyState") == "complete")


def said(browser) -> list[str]:
    """What the page told the user (its flash and alert boxes), for assertion messages."""
    from selenium.webdriver.common.by import By

    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "[role=alert], [role=status]")]


def wait_for(browser, css: str, seconds: float):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, seconds).until(shown.presence_of_element_located((By.CSS_SELECTOR, css)))
