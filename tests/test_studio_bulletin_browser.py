"""A bulletin made and approved in Chromium on a 390×844 phone screen (issue 32): the officer
types a notice and picks its level and repeats; the leader hears it and approves it."""
import pytest

from radio.bulletin import list_bulletins
from radio.schedule import queued
from radio.station import BulletinFiles
from radio.store import Store
from tests.fixtures import add_people, make_station, served_studio
from tests.test_studio_browser import CHROMIUM, DRIVER, browser, click, log_in, log_out, said, shot  # noqa: F401

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="cần chromium và chromium-driver của Debian")
PHONE = (390, 844)


@pytest.fixture
def server(tmp_path):
    folder = make_station(tmp_path, segments=())
    add_people(folder)
    with served_studio(folder) as base:
        yield base, folder


def fits_the_phone(browser) -> bool:
    return browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0] + 2


def test_an_officer_makes_a_bulletin_and_a_leader_approves_it_on_a_phone(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, folder = server
    browser.set_window_size(*PHONE)
    log_in(browser, base, "lan")
    click(browser, browser.find_element(By.LINK_TEXT, "Bản tin"))
    assert fits_the_phone(browser)
    browser.find_element(By.ID, "text").send_keys(
        "Thông báo: từ 7 giờ sáng mai, xã tổ chức tiêm chủng tại trạm y tế. Đề nghị bà con mang theo sổ tiêm.")
    Select(browser.find_element(By.ID, "level")).select_by_value("uu-tien")
    browser.find_element(By.ID, "repeat").clear()
    browser.find_element(By.ID, "repeat").send_keys("2")
    browser.find_element(By.ID, "every_min").send_keys("30")
    shot(browser, "ban-tin-1-soan-tren-dien-thoai")
    click(browser, browser.find_element(By.ID, "make-bulletin"))
    assert "Đã tạo bản tin ưu tiên" in browser.page_source, said(browser)
    [item] = list_bulletins(folder)
    files = BulletinFiles(folder, item.bulletin.id)
    assert queued(Store(folder), programme=files.key) == []  # waits for the leader
    log_out(browser)

    log_in(browser, base, "binh")
    browser.get(f"{base}/s/an-lac/bulletins")
    click(browser, browser.find_element(By.LINK_TEXT, item.bulletin.title))
    ready = browser.execute_async_script(
        "const done = arguments[arguments.length - 1], a = document.querySelector('#listen');"
        "a.addEventListener('loadedmetadata', () => done(a.duration), {once: true});"
        "a.addEventListener('error', () => done(-1), {once: true}); a.load();")
    assert ready > 5  # the browser fetched and decoded the bulletin: tone and words
    assert fits_the_phone(browser)
    shot(browser, "ban-tin-2-duyet-tren-dien-thoai")
    browser.find_element(By.ID, "note").send_keys("Đồng ý phát.")
    click(browser, browser.find_element(By.ID, "approve"))
    assert "Đã duyệt bản tin" in browser.page_source, said(browser)
    assert len(queued(Store(folder), programme=files.key)) == 2
    shot(browser, "ban-tin-3-da-duyet")
