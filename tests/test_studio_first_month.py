"""Issue 30's Done-when, in headless Chromium: a station just made by `radio init` (its
[ĐIỀN …] blanks included) is taken from the officer's first login to an approved, scheduled
and published month through the studio alone, on a desktop screen and on a 390×844 phone.
The accounts are made by the fixture (before anyone can log in); everything after that is
clicks and typing. Every step leaves a screenshot, checked not to be blank; their paths are
printed (``-s`` shows them)."""
from pathlib import Path

import pytest

from radio.workspace import init_station
from tests.fixtures import PASSWORD, PEOPLE, add_people, served_studio
from tests.test_studio_browser import CHROMIUM, DRIVER, browser, click, log_in, log_out, said, wait_for  # noqa: F401

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="cần chromium và chromium-driver của Debian (scripts/test tự cài khi chạy bằng root)")
MONTH = "2027-01"
# What a commune writes into each blank the settings page shows, by the blank's label.
FILLED = {
    "Tên xã": "xã Phú Mỹ", "Tỉnh": "tỉnh Nghệ An",
    "Nơi tiếp nhận hồ sơ (bộ phận một cửa)": "Bộ phận một cửa Ủy ban nhân dân xã Phú Mỹ",
    "Địa chỉ bộ phận một cửa": "thôn Trung Hòa, xã Phú Mỹ",
    "Giờ làm việc của bộ phận một cửa": "từ thứ Hai đến thứ Sáu, sáng từ 7 giờ đến 11 giờ 30",
    "Họ tên công chức phụ trách": "Nguyễn Thị Lan", "Chức vụ của công chức phụ trách": "Công chức Văn hóa – Xã hội",
    "Họ tên người duyệt": "Hoàng Văn Nam", "Chức vụ của người duyệt": "Phó Chủ tịch UBND xã",
}
ADMIN = ("admin", "Phạm Văn Quản", "Quản trị viên")
VIEWPORTS = {"may-tinh": (1280, 900), "dien-thoai": (390, 844)}


class Walk:
    """The browser, the studio's address and where this walk's screenshots go."""

    def __init__(self, browser, base: str, folder: Path, shots: Path, viewport: str) -> None:
        self.browser, self.base, self.folder, self.shots, self.viewport = browser, base, folder, shots, viewport
        self.taken: list[Path] = []

    def go(self, path: str) -> None:
        self.browser.get(f"{self.base}/s/{self.folder.name}{path}")

    def shot(self, name: str) -> None:
        path = self.shots / f"{self.viewport}-{len(self.taken) + 1:02d}-{name}.png"
        self.browser.save_screenshot(str(path))
        print(f"ảnh chụp: {path}")
        self.taken.append(path)
        assert not blank(path), f"{path} is blank"
        self.fits_the_screen()  # nothing wider than the screen, on every page of the walk

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.browser.find_element(By.CSS_SELECTOR, css)

    def finds(self, css: str):
        from selenium.webdriver.common.by import By

        return self.browser.find_elements(By.CSS_SELECTOR, css)

    def type(self, css: str, text: str) -> None:
        box = self.find(css)
        box.clear()
        box.send_keys(text)

    def press(self, css: str) -> None:
        click(self.browser, self.find(css))

    def fits_the_screen(self) -> None:
        wide = self.browser.execute_script("return document.documentElement.scrollWidth")
        shown = self.browser.execute_script("return window.innerWidth")
        assert wide <= shown + 2, f"{self.browser.current_url} is {wide}px wide on a {shown}px screen"


def blank(path: Path) -> bool:
    """A screenshot of one colour, or of a few (an empty or crashed page), is blank."""
    from PIL import Image, ImageStat

    with Image.open(path) as image:
        grey = image.convert("L")
        colours = grey.getcolors(maxcolors=256)
        return ImageStat.Stat(grey).stddev[0] < 8 or colours is None or len(colours) < 12


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_new_station_makes_its_first_month_in_the_browser_alone(tmp_path, browser, viewport):  # noqa: F811
    folder = tmp_path / "xa-phu-my"
    init_station(folder)  # what `radio init` makes: every identity line a [ĐIỀN …] blank
    add_people(folder, {"quan-tri": ADMIN})  # the one account made before anyone can log in
    shots = tmp_path / "anh-chup"
    shots.mkdir()
    browser.set_window_size(*VIEWPORTS[viewport])
    with served_studio(folder) as base:
        walk = Walk(browser, base, folder, shots, viewport)
        admin_adds_the_people(walk)
        first_login_fills_the_settings(walk)
        officer_brings_the_stations_intro(walk, tmp_path)
        officer_makes_the_programme(walk)
        leader_approves(walk)
        operator_schedules(walk)
        officer_publishes(walk)
    assert len(walk.taken) >= 12


def admin_adds_the_people(walk: Walk) -> None:
    from selenium.webdriver.support.ui import Select

    walk.browser.get(f"{walk.base}/login")
    assert "[ĐIỀN" not in walk.browser.page_source  # the station is offered by its folder's name until named
    log_in(walk.browser, walk.base, "quan-tri")
    walk.go("/accounts")
    for username, (role, name, title) in PEOPLE.items():
        walk.type("#username", username)
        walk.type("#full_name", name)
        walk.type("#title", title)
        Select(walk.find("#role")).select_by_value(role)
        walk.type("#password", PASSWORD)
        walk.press("#add")
        assert f"Đã thêm tài khoản {username}" in walk.browser.page_source, said(walk.browser)
    walk.shot("quan-tri-them-tai-khoan")
    log_out(walk.browser)


def first_login_fills_the_settings(walk: Walk) -> None:
    log_in(walk.browser, walk.base, "lan")
    assert walk.finds("#first-run"), said(walk.browser)  # the new station says what is missing first
    walk.shot("dai-moi-con-cho-trong")
    walk.press("#fill-settings")
    walk.type("#name", "Đài Truyền thanh xã Phú Mỹ")
    walk.type("#hotline", "0238 3861 234")
    for box in walk.finds("#blanks input[id^=blank_]"):
        label = walk.find(f"label[for={box.get_attribute('id')}]").text
        assert label in FILLED, f"the settings page asks for '{label}', which this walk does not fill"
        box.clear()
        box.send_keys(FILLED[label])
    walk.shot("dien-cai-dat")
    walk.press("#save-settings")
    assert "Đã lưu cài đặt" in walk.browser.page_source, said(walk.browser)
    assert not walk.finds("#blanks"), walk.find("#blanks").text
    saved = (walk.folder / "station.yaml").read_text(encoding="utf-8")
    assert "ĐIỀN" not in saved.split("# ")[0] and "Đài Truyền thanh xã Phú Mỹ" in saved
    assert "# Khung giờ phát." in saved  # the file's own comments stay
    walk.shot("cai-dat-da-luu")


def officer_brings_the_stations_intro(walk: Walk, scratch: Path) -> None:
    intro = scratch / "nhac-hieu-xa.wav"
    intro.write_bytes(chime_wav(2.5))
    walk.go("/kit")
    walk.find("#file-intro").send_keys(str(intro))
    walk.press("#upload-intro")
    assert "Đã dùng tệp nhac-hieu-xa.wav làm nhạc hiệu mở đầu" in walk.browser.page_source, said(walk.browser)
    heard = walk.browser.execute_async_script(
        "const done = arguments[arguments.length - 1], a = document.querySelector('#kit-intro audio');"
        "if (a.readyState >= 1) { done(a.duration); return; }"
        "a.addEventListener('loadedmetadata', () => done(a.duration), {once: true});"
        "a.addEventListener('error', () => done(-1), {once: true}); a.load();")
    assert abs(heard - 2.5) < 0.1, heard  # the page's player plays the file just uploaded
    walk.shot("nhac-cua-dai")


def chime_wav(seconds: float) -> bytes:
    import io
    import wave

    import numpy as np

    rate = 44100
    t = np.arange(int(seconds * rate)) / rate
    chime = 0.4 * np.sin(2 * np.pi * 523 * t) * np.exp(-1.5 * t)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((chime * 32767).astype(np.int16).tobytes())
    return buffer.getvalue()


def officer_makes_the_programme(walk: Walk) -> None:
    walk.go("/")
    assert not walk.finds("#first-run")
    # The month's brief begun from the year plan.
    walk.go("/plan?year=2027")
    walk.shot("ke-hoach-nam")
    walk.press(f"#brief-{MONTH}")
    assert "Đã tạo nội dung tháng theo kế hoạch năm" in walk.browser.page_source, said(walk.browser)
    walk.find("#news_title_0").send_keys("Xã ra mắt tổ công nghệ số cộng đồng")
    walk.find("#news_text_0").send_keys(
        "Ngày 05/01/2027, Ủy ban nhân dân xã ra mắt tổ công nghệ số cộng đồng ở cả 8 thôn. "
        "Tổ giúp bà con cài ứng dụng định danh điện tử và nộp hồ sơ trực tuyến.")
    walk.find("#qa_question_0").send_keys("Làm giấy khai sinh cho con có mất phí không?")
    walk.find("#qa_answer_0").send_keys(
        "Đăng ký khai sinh đúng hạn được miễn lệ phí. Bà con có thể nộp trực tuyến hoặc tại bộ phận một cửa.")
    walk.shot("ban-tin")
    walk.press("#save-brief")
    assert "Đã lưu nội dung tháng" in walk.browser.page_source, said(walk.browser)
    walk.find("input[name=fit]").click()
    walk.press("#compose")
    assert "Đã soạn kịch bản" in walk.browser.page_source, said(walk.browser)
    spoken = " ".join(s.text for s in walk.finds(".spoken"))
    assert "xã Phú Mỹ" in spoken and "An Lạc" not in spoken  # the settings just typed, not the sample's
    first = walk.finds("textarea[id^=text-]")[0]
    first.send_keys(" Kính chúc bà con một tháng mới mạnh khỏe.")
    walk.shot("kich-ban")
    walk.press("#save-script")
    assert "Đã lưu kịch bản (1 đoạn đã sửa)" in walk.browser.page_source, said(walk.browser)
    walk.press("#produce-from-script")
    walk.shot("dang-san-xuat")
    walk.browser.refresh()  # the progress survives a reload
    done = wait_for(walk.browser, "#job-done", 240)
    assert "Đã sản xuất xong" in done.text, said(walk.browser)
    walk.shot("san-xuat-xong")
    log_out(walk.browser)


def leader_approves(walk: Walk) -> None:
    log_in(walk.browser, walk.base, "binh")
    waiting = walk.find("#waiting")
    assert "Phó Chủ tịch UBND xã" in waiting.text  # told on login what waits, by title
    walk.shot("lanh-dao-thay-viec-cho")
    walk.press(f"#waiting a[href$='/m/{MONTH}/review']")
    ready = walk.browser.execute_async_script(
        "const done = arguments[arguments.length - 1], a = document.querySelector('audio');"
        "a.addEventListener('loadedmetadata', () => done(a.readyState), {once: true});"
        "a.addEventListener('error', () => done(-1), {once: true}); a.load();")
    assert ready >= 1  # the browser fetched and understood the programme's audio
    decision = walk.find("#decision")
    # On a phone the decision is on the first screen, not below the whole script.
    assert decision.location["y"] < walk.browser.execute_script("return window.innerHeight")
    walk.shot("nghe-va-duyet")
    walk.find("#note").send_keys("Đồng ý cho phát.")
    walk.press("#approve")
    assert "Đã duyệt chương trình" in walk.browser.page_source, said(walk.browser)
    walk.shot("da-duyet")
    log_out(walk.browser)


def operator_schedules(walk: Walk) -> None:
    log_in(walk.browser, walk.base, "hung")
    walk.go(f"/m/{MONTH}")
    walk.press("#schedule")
    walk.press("#schedule-auto")
    assert "Đã cập nhật lịch phát" in walk.browser.page_source, said(walk.browser)
    placed = walk.finds("#calendar .airing")
    assert len(placed) >= 2, said(walk.browser)
    walk.shot("lich-phat")
    log_out(walk.browser)


def officer_publishes(walk: Walk) -> None:
    from selenium.webdriver.support.ui import Select

    log_in(walk.browser, walk.base, "lan")
    walk.go(f"/m/{MONTH}")
    # A new station has no website yet: the month says so and leads to the settings.
    assert "Chưa có địa chỉ trang web" in walk.find("#no-website").text
    walk.press("#to-settings")
    walk.type("#website", "phumy.nghean.gov.vn")
    walk.press("#save-settings")
    assert "Đã lưu cài đặt" in walk.browser.page_source, said(walk.browser)
    walk.go(f"/m/{MONTH}")
    walk.press("#publish")
    # By the plan's words a month goes on the site once it has aired; the page says how to
    # publish on approval instead, in the settings page's words.
    refusal = " ".join(said(walk.browser))
    assert "chưa phát lần nào" in refusal and "Cài đặt đài" in refusal, refusal
    assert "station.yaml" not in refusal and "2027-01" not in refusal, refusal
    walk.go("/settings")
    Select(walk.find("#publish_when")).select_by_value("approved")
    walk.press("#save-settings")
    assert "Đã lưu cài đặt" in walk.browser.page_source, said(walk.browser)
    walk.go(f"/m/{MONTH}")
    walk.press("#publish")
    assert "Đã đăng chương trình tháng 01/2027" in walk.browser.page_source, said(walk.browser)
    walk.shot("da-dang")
    site = next(walk.folder.glob("**/feed.xml")).parent
    assert (site / MONTH / "index.html").exists()
    assert "Đài Truyền thanh xã Phú Mỹ" in (site / "index.html").read_text(encoding="utf-8")
