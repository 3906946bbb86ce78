"""The studio against an attacker: CSRF on every POST, sessions that end on the server,
logins that cost the same for any name, a throttle a stranger cannot turn against the
account's owner, and the headers and cookie flags a browser needs to protect the pages."""
import hashlib
import re
from datetime import datetime, timedelta, timezone

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from radio.store import Store, Tamper
from radio.studio import accounts
from radio.studio.accounts import add_account, log_in, set_disabled, set_password
from tests.fixtures import MONTH, PASSWORD, StudioClient, make_studio

STRANGER, OWNER = ("203.0.113.9", 41000), ("198.51.100.7", 52000)


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path, produced=True, approved=True)


def client_from(studio, address: tuple[str, int]) -> StudioClient:
    """Another browser on another machine, on the same studio."""
    return StudioClient(TestClient(studio.client.app, client=address), studio.folders)


def snapshot(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def post_routes(app) -> list[str]:
    """Every path of the app that takes a POST, its parameters filled in."""
    values = {"station": "an-lac", "month": MONTH, "segment": "01-opening", "change": "auto", "part": "intro",
              "year": MONTH[:4], "username": "lan",
              "bulletin": "20261204-070000-khan-cap", "action": "prune"}
    paths = []
    for route in app.routes:
        if isinstance(route, Route) and "POST" in (route.methods or ()):
            paths.append(route.path.format(**{name: values[name] for name in route.param_convertors}))
    return paths


# -- CSRF -------------------------------------------------------------------------------

def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(studio):
    folder = studio.folders["an-lac"]
    add_account(folder, "quan-tri", "Phạm Văn Quản", "Quản trị viên", "admin", PASSWORD)
    studio.login("quan-tri")  # admin: no role refusal can hide a missing token check
    before = snapshot(folder)
    paths = post_routes(studio.client.app)
    assert f"/s/an-lac/m/{MONTH}/publish" in paths and "/logout" in paths and len(paths) >= 10
    for path in paths:
        for data in ({}, {"csrf": "gia-mao", "note": "x", "text": "x", "period": "2026-Q4"}):
            answer = studio.client.post(path, data=data, follow_redirects=False)
            assert answer.status_code == 403, (path, data, answer.status_code)
            assert "không hợp lệ" in answer.text, path
    assert snapshot(folder) == before
    assert not (folder / "site").exists()
    # Still logged in: the refused logout did not end the session either.
    assert studio.client.get("/s/an-lac/", follow_redirects=False).status_code == 200


# -- sessions kept on the server ----------------------------------------------------------

def test_a_cookie_copied_before_logout_is_refused_after_it(studio):
    studio.login("binh")
    token = studio.token(f"/s/an-lac/m/{MONTH}")
    stolen = TestClient(studio.client.app, cookies=dict(studio.client.cookies))
    assert stolen.get("/s/an-lac/", follow_redirects=False).status_code == 200  # a working copy
    studio.client.post("/logout", data={"csrf": token})
    assert stolen.get("/s/an-lac/", follow_redirects=False).headers["location"] == "/login"
    refused = stolen.post(f"/s/an-lac/m/{MONTH}/reject", data={"csrf": token, "note": "Giả mạo"},
                          follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/login"
    assert "reject" not in [e.action for e in Store(studio.folders["an-lac"]).review_events(MONTH)]
    assert [a.action for a in Store(studio.folders["an-lac"]).web_actions()] == ["login", "logout"]


def test_a_password_change_or_a_disabled_account_ends_every_session_of_that_account(studio):
    folder = studio.folders["an-lac"]
    phone, office = studio, client_from(studio, OWNER)
    phone.login("binh")
    office.login("binh")
    colleague = client_from(studio, STRANGER)
    colleague.login("lan")
    set_password(folder, "binh", "mat-khau-moi-cua-binh")
    for browser in (phone, office):
        assert browser.client.get("/s/an-lac/", follow_redirects=False).headers["location"] == "/login"
    assert colleague.client.get("/s/an-lac/", follow_redirects=False).status_code == 200  # not hers
    assert office.login("binh", password="mat-khau-moi-cua-binh").status_code == 303
    set_disabled(folder, "binh", True)
    assert office.client.get("/s/an-lac/", follow_redirects=False).headers["location"] == "/login"


def test_the_server_keeps_only_a_digest_of_the_session_token(studio):
    studio.login("binh")
    stored = [row["token_sha256"] for row in Tamper(studio.folders["an-lac"]).rows("studio_sessions")]
    cookie = studio.client.cookies["radio_studio"]
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{64}", stored[0])
    assert stored[0] not in cookie


# -- the same cost for every name ---------------------------------------------------------

def test_an_unknown_name_costs_one_password_verification_like_a_real_one(studio, monkeypatch):
    folder = studio.folders["an-lac"]
    real = accounts._hasher()
    verified = []

    class Counting:
        def hash(self, password):
            return real.hash(password)

        def verify(self, hashed, password):
            verified.append(hashed)
            return real.verify(hashed, password)

    monkeypatch.setattr(accounts, "_hasher", Counting)
    for name in ("binh", "khong-co-ai", "lan"):
        verified.clear()
        result = log_in(folder, name, "khong-dung-mat-khau", client="192.0.2.1")
        assert result.problem == "Sai tên đăng nhập hoặc mật khẩu."
        assert len(verified) == 1 and verified[0].startswith("$argon2id$"), name


# -- the throttle: per client, and an account guard that spares clean clients -------------

def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out_from_another_machine(studio):
    stranger, owner = client_from(studio, STRANGER), client_from(studio, OWNER)
    said = [stranger.login("binh", password=f"doan-{n:02d}").text for n in range(12)]
    assert all("Sai tên đăng nhập hoặc mật khẩu" in text for text in said[:accounts.FREE_TRIES])
    assert all("Đăng nhập sai nhiều lần từ máy này" in text for text in said[accounts.FREE_TRIES:])
    refused = stranger.login("binh")  # even the right password, from the stranger's machine
    assert refused.status_code == 200 and "hãy chờ" in refused.text
    assert stranger.client.get("/s/an-lac/", follow_redirects=False).headers["location"] == "/login"
    assert owner.login("binh").status_code == 303
    assert owner.client.get("/s/an-lac/", follow_redirects=False).status_code == 200


def test_the_wait_grows_with_each_wrong_password_from_the_same_machine(studio):
    folder, machine = studio.folders["an-lac"], "192.0.2.44"
    for _ in range(accounts.FREE_TRIES):
        assert log_in(folder, "binh", "sai-mat-khau", client=machine).problem == "Sai tên đăng nhập hoặc mật khẩu."
    waits = []
    for _ in range(3):
        now = datetime.now(timezone.utc)
        locked = log_in(folder, "binh", PASSWORD, client=machine, now=now)  # the right one, too soon
        assert locked.account is None and "hãy chờ" in locked.problem
        wait = _said_wait(locked.problem)
        waits.append(wait)
        assert log_in(folder, "binh", PASSWORD, client=machine, now=now + wait - timedelta(seconds=5)).account is None
        # Once the wait is over the machine may try again (and is wrong once more).
        later = log_in(folder, "binh", "van-sai", client=machine, now=now + wait + timedelta(seconds=5))
        assert later.problem == "Sai tên đăng nhập hoặc mật khẩu."
    assert waits[0] >= timedelta(seconds=30) and waits[0] < waits[1] < waits[2] <= accounts.LOCK_FOR
    # Another name from the same machine waits too: the machine is throttled, not one name.
    assert "hãy chờ" in log_in(folder, "lan", PASSWORD, client=machine).problem


def _said_wait(problem: str) -> timedelta:
    amount, unit = re.search(r"hãy chờ (\d+) (giây|phút)", problem).groups()
    return timedelta(seconds=int(amount) * (60 if unit == "phút" else 1))


def test_an_account_under_attack_from_many_machines_still_lets_a_clean_machine_in(studio):
    folder = studio.folders["an-lac"]
    store = Store(folder)
    for n in range(accounts.ACCOUNT_ALARM):  # one guess each from a crowd of machines
        store.record_login("binh", success=False, client=f"10.0.{n // 250}.{n % 250}")
    tried = "10.9.9.9"
    for _ in range(accounts.GUARDED_TRIES):
        store.record_login("binh", success=False, client=tried)
    guarded = log_in(folder, "binh", PASSWORD, client=tried)
    assert guarded.account is None and "nhiều nơi" in guarded.problem
    assert log_in(folder, "lan", PASSWORD, client=tried).account is not None  # other names are not under attack
    assert log_in(folder, "binh", PASSWORD, client="192.0.2.200").account is not None  # a clean machine


def test_addresses_of_one_ipv6_network_count_as_one_machine():
    from radio.studio.app import client_key

    assert client_key("2001:db8:1:2::5") == client_key("2001:db8:1:2:ffff::9") != client_key("2001:db8:1:3::5")
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7") == "192.0.2.7"
    assert client_key(None) == "unknown"


# -- headers and cookies --------------------------------------------------------------------

def test_every_response_carries_the_security_headers_and_pages_obey_their_policy(studio):
    studio.login("lan")
    answers = [studio.client.get(path, follow_redirects=False) for path in (
        "/s/an-lac/", f"/s/an-lac/m/{MONTH}", f"/s/an-lac/m/{MONTH}/script", f"/s/an-lac/m/{MONTH}/review",
        f"/s/an-lac/m/{MONTH}/schedule", f"/s/an-lac/m/{MONTH}/job", f"/s/an-lac/m/{MONTH}/brief",
        "/s/an-lac/player", "/s/an-lac/log", "/s/an-lac/reports", "/khong-co", "/",
        f"/s/an-lac/m/{MONTH}/audio", "/s/an-lac/log?csv=1")]
    answers.append(TestClient(studio.client.app).get("/login"))
    assert {a.status_code for a in answers} == {200, 303, 404}
    for answer in answers:
        where = answer.request.url.path
        assert answer.headers["x-frame-options"] == "DENY", where
        assert answer.headers["x-content-type-options"] == "nosniff", where
        assert answer.headers["referrer-policy"] == "no-referrer", where
        policy = dict(part.strip().split(" ", 1) for part in answer.headers["content-security-policy"].split(";"))
        assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'", where
        assert "unsafe" not in answer.headers["content-security-policy"], where
        if answer.headers.get("content-type", "").startswith("text/html"):
            nonce = re.fullmatch(r"'nonce-([\w+/=-]{16,})'", policy["script-src"]).group(1)
            assert policy["style-src"] == policy["script-src"]
            # What the policy would block: inline code or styles without the page's nonce.
            for tag in re.findall(r"<(?:script|style)\b[^>]*>", answer.text):
                assert f'nonce="{nonce}"' in tag, (where, tag)
            assert not re.search(r"\s(style|on[a-z]+)\s*=", answer.text), where
    nonces = {a.headers["content-security-policy"] for a in answers}
    assert len(nonces) == len(answers)  # a new nonce for every response


@pytest.mark.parametrize("https", [False, True])
def test_the_session_cookie_is_secure_when_the_studio_is_served_behind_https(tmp_path, monkeypatch, https):
    import uvicorn

    from tests.conftest import run_cli
    from tests.fixtures import add_people, make_station

    folder = make_station(tmp_path)
    add_people(folder)
    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    result = run_cli("studio", "--station", str(folder), *(["--https-cookies"] if https else []))
    assert result.returncode == 0, result.stderr
    studio = StudioClient(TestClient(served["app"], base_url="https://testserver"), {"an-lac": folder})
    cookie = studio.login("binh").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert ("; secure" in cookie) is https


# -- the policy in a real browser -----------------------------------------------------------

def test_the_pages_work_in_a_browser_under_their_content_security_policy(tmp_path):
    """Chromium enforces the policy: the script page's live reading still runs and fetches,
    the style applies, the review's audio loads, and the console reports no violation."""
    import subprocess
    import sys
    import time

    from tests.fixtures import free_port
    from tests.test_studio_browser import CHROMIUM, DRIVER, QUIET_BROWSER, log_in, wait_for

    if not (CHROMIUM and DRIVER):
        pytest.skip("cần chromium và chromium-driver của Debian")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.fixtures import add_people, make_station

    folder = make_station(tmp_path, produced=True)
    add_people(folder)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "radio", "studio", "--station", str(folder), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", *QUIET_BROWSER):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                browser.get(f"{base}/login")
                break
            except Exception:  # not listening yet
                time.sleep(0.2)
        log_in(browser, base, "lan")
        browser.get(f"{base}/s/an-lac/m/{MONTH}/script")
        header = browser.find_element(By.TAG_NAME, "header").value_of_css_property("background-color")
        assert header in ("rgba(31, 78, 121, 1)", "rgb(31, 78, 121)")  # the style block applied
        box = browser.find_element(By.CSS_SELECTOR, "textarea[data-reading]")
        box.clear()
        box.send_keys("Hạn cuối ngày 15/01/2027.")
        spoken = browser.find_element(By.ID, box.get_attribute("data-reading"))
        WebDriverWait(browser, 60).until(lambda _: "mười lăm tháng một" in spoken.text)
        browser.get(f"{base}/s/an-lac/m/{MONTH}/review")
        wait_for(browser, "audio", 60)
        ready = browser.execute_async_script(
            "const done = arguments[arguments.length - 1], a = document.querySelector('audio');"
            "a.addEventListener('loadedmetadata', () => done(a.readyState), {once: true});"
            "a.addEventListener('error', () => done(-1), {once: true}); a.load();")
        assert ready >= 1
        # The HTML report opens as the document it is: its own style and its chart.
        browser.get(f"{base}/s/an-lac/reports")
        from selenium.webdriver.support.ui import Select

        Select(browser.find_element(By.ID, "period")).select_by_value("2026-Q4")
        browser.find_element(By.ID, "make-report").click()
        wait_for(browser, "#report-files a[href$='.html']", 60)
        browser.get(f"{base}/s/an-lac/reports/bao-cao-2026-Q4.html")
        assert browser.find_element(By.TAG_NAME, "h1").value_of_css_property("text-align") == "center"
        assert browser.execute_script("return document.querySelector('img').naturalWidth") > 100
        complaints = [entry["message"] for entry in browser.get_log("browser")
                      if "Content Security Policy" in entry["message"]]
        assert not complaints
    finally:
        browser.quit()
        server.terminate()
        server.wait(timeout=10)
