"""The studio for real: the server in its own process on loopback, driven by Debian's
chromium through chromium-driver. An officer writes a brief, composes and produces; a
leader, on a phone-sized screen, plays a segment and approves; an operator schedules it and
sees it in the calendar. A screenshot of every page goes to .artifacts/studio/."""
import shutil
from pathlib import Path

import pytest

from tests.fixtures import PASSWORD, add_people, make_station, served_studio

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
def server(tmp_path):
    folder = make_station(tmp_path, segments=())  # the sample commune, no month begun
    add_people(folder)
    with served_studio(folder) as base:
        yield base, folder


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


def test_officer_leader_and_operator_make_a_month_in_the_browser(server, browser):
    from selenium.webdriver.common.by import By

    base, folder = server
    # The officer: a brief, a script, a programme.
    log_in(browser, base, "lan")
    shot(browser, "1-cac-thang")
    browser.get(f"{base}/s/an-lac/open?month={MONTH}")
    click(browser, browser.find_element(By.LINK_TEXT, "Viết nội dung tháng"))
    assert "(kế hoạch năm đề xuất)" in browser.find_element(By.ID, "topic").text
    browser.find_element(By.ID, "news_title_0").send_keys("Xã ra mắt tổ công nghệ số cộng đồng")
    browser.find_element(By.ID, "news_text_0").send_keys(
        "Ngày 05/01/2027, Ủy ban nhân dân xã ra mắt tổ công nghệ số cộng đồng ở cả 8 thôn. "
        "Tổ giúp bà con cài ứng dụng định danh điện tử và nộp hồ sơ trực tuyến.")
    browser.find_element(By.ID, "qa_question_0").send_keys("Làm giấy khai sinh cho con có mất phí không?")
    browser.find_element(By.ID, "qa_answer_0").send_keys(
        "Đăng ký khai sinh đúng hạn được miễn lệ phí. Bà con có thể nộp trực tuyến hoặc tại bộ phận một cửa.")
    browser.find_element(By.ID, "reminders").send_keys("Mang theo căn cước khi đến làm thủ tục.")
    shot(browser, "2-ban-tin")
    click(browser, browser.find_element(By.ID, "save-brief"))
    assert "Đã lưu nội dung tháng" in browser.page_source, said(browser)
    browser.find_element(By.NAME, "fit").click()
    click(browser, browser.find_element(By.ID, "compose"))
    assert "Đã soạn kịch bản" in browser.page_source, said(browser)
    spoken = browser.find_elements(By.CSS_SELECTOR, ".spoken")
    assert spoken and any("năm hai nghìn không trăm hai mươi bảy" in s.text for s in spoken)
    shot(browser, "3-kich-ban")
    browser.get(f"{base}/s/an-lac/m/{MONTH}")
    click(browser, browser.find_element(By.ID, "produce"))
    shot(browser, "4-dang-san-xuat")
    browser.refresh()  # the progress survives a reload
    done = wait_for(browser, "#job-done", 240)
    assert "Đã sản xuất xong" in done.text
    shot(browser, "5-san-xuat-xong")
    log_out(browser)

    # The leader, on a phone: listen to a segment, approve.
    browser.set_window_size(390, 844)
    log_in(browser, base, "binh")
    browser.get(f"{base}/s/an-lac/m/{MONTH}/review")
    audio = browser.find_elements(By.TAG_NAME, "audio")
    assert len(audio) >= 5
    ready = browser.execute_async_script(
        "const done = arguments[arguments.length - 1], a = document.querySelector('audio');"
        "a.addEventListener('loadedmetadata', () => done(a.readyState), {once: true});"
        "a.addEventListener('error', () => done(-1), {once: true}); a.load();")
    assert ready >= 1  # the browser fetched and understood the programme's audio
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 392  # nothing wider than the phone's screen
    shot(browser, "6-duyet-tren-dien-thoai")
    browser.find_element(By.ID, "note").send_keys("Đồng ý cho phát.")
    click(browser, browser.find_element(By.ID, "approve"))
    assert "Đã duyệt chương trình" in browser.page_source, said(browser)
    shot(browser, "7-da-duyet")
    log_out(browser)

    # The operator: schedule it and see it in the calendar.
    browser.set_window_size(1200, 900)
    log_in(browser, base, "hung")
    browser.get(f"{base}/s/an-lac/m/{MONTH}/schedule")
    click(browser, browser.find_element(By.ID, "schedule-auto"))
    assert "Đã cập nhật lịch phát" in browser.page_source, said(browser)
    placed = browser.find_elements(By.CSS_SELECTOR, "#calendar .airing")
    assert len(placed) >= 2 and all("Buổi" in a.text or "xếp tay" in a.text for a in placed)
    shot(browser, "8-lich-phat")
    for number, (path, name) in enumerate([("player", "may-phat"), ("log", "nhat-ky"), ("reports", "bao-cao")], 9):
        browser.get(f"{base}/s/an-lac/{path}")
        assert browser.find_elements(By.TAG_NAME, "h1"), path
        shot(browser, f"{number}-{name}")
