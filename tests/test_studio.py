"""The studio's guards: login, roles, CSRF, escaping, path ids, stations kept apart, and the
login throttle; and that what it does is what the command line does, recorded with the account."""
import re

import pytest

from radio.approval import MonthFiles, require_airable, status
from radio.config import load_model, save_model
from radio.models import Station
from radio.store import Store
from tests.fixtures import MONTH, PASSWORD, make_studio
from tests.test_publish import on_approval

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path, produced=True)


def test_every_page_needs_a_login(studio):
    for path in ("/s/an-lac/", f"/s/an-lac/m/{MONTH}", f"/s/an-lac/m/{MONTH}/review",
                 f"/s/an-lac/m/{MONTH}/audio", "/s/an-lac/log?csv=1", "/s/an-lac/player"):
        answer = studio.client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path


def test_the_session_cookie_is_httponly_and_samesite(studio):
    answer = studio.login("binh")
    cookie = answer.headers["set-cookie"].lower()
    assert answer.status_code == 303 and "httponly" in cookie and "samesite=strict" in cookie


def test_roles_decide_what_each_account_may_do(studio):
    studio.login("lan")  # the officer
    token = studio.token("/s/an-lac/")
    approve = studio.client.post(f"/s/an-lac/m/{MONTH}/approve", data={"csrf": token})
    assert approve.status_code == 403 and "Vai trò của bạn" in approve.text
    assert status(MonthFiles(studio.folders["an-lac"], "an-lac", MONTH), Store(studio.folders["an-lac"])).state != "approved"
    studio.login("hung")  # the operator
    token = studio.token("/s/an-lac/")
    edit = studio.client.post(f"/s/an-lac/m/{MONTH}/script", data={"csrf": token, "text-01-opening": "Sửa."})
    assert edit.status_code == 403
    assert studio.client.get(f"/s/an-lac/m/{MONTH}/brief").status_code == 403


def test_a_post_without_the_csrf_token_fails(studio):
    studio.login("binh")
    for data in ({}, {"csrf": "gia-mao"}):
        answer = studio.client.post(f"/s/an-lac/m/{MONTH}/approve", data=data)
        assert answer.status_code == 403 and "không hợp lệ" in answer.text
    assert not [e for e in Store(studio.folders["an-lac"]).review_events(MONTH) if e.action == "approve"]


def test_the_leader_approves_with_the_name_and_title_of_the_account(studio):
    studio.login("binh")
    token = studio.token(f"/s/an-lac/m/{MONTH}/review")
    answer = studio.client.post(f"/s/an-lac/m/{MONTH}/approve",
                                data={"csrf": token, "note": "Đồng ý", "by": "Người khác"})
    assert answer.status_code == 200 and "Đã duyệt chương trình" in answer.text
    airable = require_airable(MonthFiles(studio.folders["an-lac"], "an-lac", MONTH), Store(studio.folders["an-lac"]))
    assert (airable.approval.by_name, airable.approval.role) == ("Trần Văn Bình", "Phó Chủ tịch UBND xã")
    actions = Store(studio.folders["an-lac"]).web_actions(MONTH)
    assert [(a.username, a.action) for a in actions] == [("binh", "approve")]


def test_the_officer_publishes_an_approved_month_and_the_leader_may_not(tmp_path):
    studio = make_studio(tmp_path, produced=True, approved=True)
    folder = studio.folders["an-lac"]
    on_approval(folder)  # published before it airs
    studio.login("binh")
    refused = studio.client.post(f"/s/an-lac/m/{MONTH}/publish", data={"csrf": studio.token("/s/an-lac/")})
    assert refused.status_code == 403 and not (folder / "site").exists()
    studio.login("lan")
    page = studio.client.get(f"/s/an-lac/m/{MONTH}").text
    assert 'id="publish"' in page
    done = studio.client.post(f"/s/an-lac/m/{MONTH}/publish", data={"csrf": studio.token(f"/s/an-lac/m/{MONTH}")})
    assert done.status_code == 200 and "Đã đăng chương trình tháng 12/2026" in done.text
    assert (folder / "site" / MONTH / "index.html").exists() and (folder / "site" / "feed.xml").exists()
    assert [(a.username, a.action) for a in Store(folder).web_actions(MONTH)][-1] == ("lan", "publish")


def test_the_operator_sees_what_an_output_says_of_itself(studio):
    from datetime import datetime

    from radio.player import Player
    from radio.player.outputs import NullOutput
    from tests.test_schedule_player import ZONE, FakeClock

    class Troubled(NullOutput):
        name = "icecast"

        def condition(self):
            return "Luồng Icecast 10.0.0.5:8000/an-lac.mp3 đang mất kết nối (máy chủ không trả lời kịp)."

    Player(studio.folders["an-lac"], Troubled(), FakeClock(datetime.now(ZONE))).beat()
    studio.login("hung")
    page = studio.client.get("/s/an-lac/player").text
    assert "đang chạy" in page and "10.0.0.5:8000/an-lac.mp3 đang mất kết nối" in page


def test_xss_in_a_brief_a_station_name_and_a_note_is_shown_escaped(studio):
    folder = studio.folders["an-lac"]
    station = load_model(folder / "station.yaml", Station)
    save_model(folder / "station.yaml", station.model_copy(update={"name": f"Đài {XSS}"}))
    studio.login("lan")
    token = studio.token(f"/s/an-lac/m/{MONTH}/brief")
    saved = studio.client.post(f"/s/an-lac/m/{MONTH}/brief", data={
        "csrf": token, "topic": "vai-tro-cchc", "procedure": "lien-thong-khai-sinh",
        "news_title_0": XSS, "news_text_0": f"Nội dung {XSS}", "reminders": XSS})
    assert saved.status_code == 200 and "Đã lưu bản tin" in saved.text
    studio.login("binh")
    token = studio.token(f"/s/an-lac/m/{MONTH}/review")
    studio.client.post(f"/s/an-lac/m/{MONTH}/reject", data={"csrf": token, "note": XSS})
    pages = ["/s/an-lac/", f"/s/an-lac/m/{MONTH}", f"/s/an-lac/m/{MONTH}/review", f"/s/an-lac/m/{MONTH}/script",
             f"/s/an-lac/m/{MONTH}/schedule", "/s/an-lac/player", "/s/an-lac/log", "/s/an-lac/reports"]
    studio.login("lan")
    pages.append(f"/s/an-lac/m/{MONTH}/brief")
    shown = "".join(studio.client.get(p).text for p in pages) + studio.client.get("/login").text
    assert "<script>alert" not in shown and "<img src=x" not in shown
    assert "&lt;script&gt;alert" in shown


@pytest.mark.parametrize("path", ["/s/an-lac/m/..%2F..%2Fetc/review", "/s/an-lac/m/2026-13",
                                  "/s/an-lac/m/2026-12%2F..%2F..", "/s/an-lac/reports/..%2Fstation.yaml",
                                  "/s/an-lac/log?month=../x"])
def test_month_and_file_ids_that_leave_the_station_are_refused(studio, path):
    studio.login("binh")
    assert studio.client.get(path).status_code in (400, 404)


def test_segment_ids_with_dots_or_slashes_are_refused(studio):
    studio.login("lan")
    token = studio.token("/s/an-lac/")
    for segment in ("..", "../../station", "01-opening/.."):
        answer = studio.client.post(f"/s/an-lac/m/{MONTH}/script", data={"csrf": token, f"text-{segment}": "x"})
        assert answer.status_code == 400, segment


def test_an_account_of_one_station_cannot_read_or_change_another(tmp_path):
    studio = make_studio(tmp_path, stations=("an-lac", "an-binh"), produced=True)
    studio.login("binh", station="an-lac")
    assert studio.client.get("/s/an-binh/").status_code == 403
    assert studio.client.get(f"/s/an-binh/m/{MONTH}/audio").status_code == 403
    token = studio.token("/s/an-lac/")
    assert studio.client.post(f"/s/an-binh/m/{MONTH}/approve", data={"csrf": token}).status_code == 403
    assert not [e for e in Store(studio.folders["an-binh"]).review_events(MONTH) if e.action == "approve"]
    # The same user name in the other station is another account: its password is its own.
    assert studio.login("binh", station="an-binh", password="sai-mat-khau").status_code == 200


def test_wrong_passwords_from_one_machine_make_it_wait(studio):
    from radio.studio.accounts import FREE_TRIES

    for _ in range(FREE_TRIES):
        wrong = studio.login("binh", password="khong-dung")
        assert wrong.status_code == 200 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.text
    locked = studio.login("binh")  # even the right password now
    assert locked.status_code == 200 and "hãy chờ 30 giây" in locked.text
    assert studio.client.get("/s/an-lac/", follow_redirects=False).status_code == 303


def test_the_officer_edits_a_segment_and_sees_its_spoken_reading(studio):
    studio.login("lan")
    token = studio.token(f"/s/an-lac/m/{MONTH}/script")
    text = "Bộ phận một cửa làm việc từ 7h30 đến 17h ngày 15/01/2027."
    saved = studio.client.post(f"/s/an-lac/m/{MONTH}/script", data={"csrf": token, "text-01-opening": text})
    assert saved.status_code == 200 and text in saved.text
    reading = studio.client.get("/s/an-lac/reading", params={"text": "ngày 15/01/2027"}).text
    assert reading == "ngày mười lăm tháng một năm hai nghìn không trăm hai mươi bảy"
    assert re.search(r"bảy giờ rưỡi sáng", saved.text)  # as the station's listeners say it (speech.clock 12h)
    actions = Store(studio.folders["an-lac"]).web_actions(MONTH)
    assert [(a.action, a.detail) for a in actions] == [("edit-script", "01-opening")]


def _script(studio):
    from radio.models import Script

    return load_model(MonthFiles(studio.folders["an-lac"], "an-lac", MONTH).script, Script)


def test_one_save_keeps_the_edits_of_every_segment_and_estimates_again(studio):
    studio.login("lan")
    page = studio.client.get(f"/s/an-lac/m/{MONTH}/script").text
    assert page.count('id="save-script"') == 1 and page.count("<form method=\"post\" action=\"/s/an-lac/m/") >= 1
    assert 'name="text-01-opening"' in page and 'id="to-review"' in page and 'id="produce-from-script"' in page
    before = _script(studio)
    first, second = before.segments[0], before.segments[1]
    longer = second.text + " " + " ".join(["Bà con nhớ mang theo căn cước khi đến làm thủ tục."] * 6)
    token = studio.token(f"/s/an-lac/m/{MONTH}/script")
    saved = studio.client.post(f"/s/an-lac/m/{MONTH}/script", data={
        "csrf": token, f"text-{first.id}": "Xin chào bà con.", f"text-{second.id}": longer})
    after = _script(studio)
    assert [s.text for s in after.segments[:2]] == ["Xin chào bà con.", longer.strip()]
    assert [s.text for s in after.segments[2:]] == [s.text for s in before.segments[2:]]
    assert after.segments[1].estimated_s > second.estimated_s  # the estimate follows the edit
    assert after.segments[0].estimated_s < first.estimated_s
    assert "Đã lưu kịch bản (2 đoạn đã sửa). Ước tính mới:" in saved.text


def test_a_refused_save_keeps_what_was_typed_and_writes_nothing(studio):
    studio.login("lan")
    before = _script(studio)
    first, second = before.segments[0], before.segments[1]
    token = studio.token(f"/s/an-lac/m/{MONTH}/script")
    refused = studio.client.post(f"/s/an-lac/m/{MONTH}/script", data={
        "csrf": token, f"text-{first.id}": "Đoạn mới đã gõ, chưa được lưu.", f"text-{second.id}": "  "})
    assert refused.status_code == 200 and "không được để trống" in refused.text
    assert "Đoạn mới đã gõ, chưa được lưu." in refused.text and "Chưa lưu" in refused.text
    assert _script(studio) == before


def test_the_log_downloads_as_csv_and_the_operator_schedules_only_what_is_approved(studio):
    studio.login("hung")
    token = studio.token(f"/s/an-lac/m/{MONTH}/schedule")
    refused = studio.client.post(f"/s/an-lac/m/{MONTH}/schedule/auto", data={"csrf": token})
    assert "chờ duyệt" in refused.text and not Store(studio.folders["an-lac"]).queued()
    csv = studio.client.get("/s/an-lac/log", params={"csv": "1"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]


def test_a_wrong_login_says_so_in_vietnamese_and_creates_no_session(studio):
    answer = studio.login("ai-do", password=PASSWORD)
    assert answer.status_code == 200 and "Sai tên đăng nhập hoặc mật khẩu" in answer.text
    assert studio.client.get("/s/an-lac/", follow_redirects=False).status_code == 303


def test_accounts_from_the_command_line_and_the_history_names_who_did_what(tmp_path):
    from tests.conftest import run_cli
    from tests.fixtures import make_station

    folder = make_station(tmp_path, produced=True)
    added = run_cli("users", "add", "binh", "--role", "leader", "--name", "Trần Văn Bình",
                    "--title", "Phó Chủ tịch UBND xã", "-s", str(folder), stdin="mat-khau-dai\n")
    assert added.returncode == 0, added.stderr
    short = run_cli("users", "add", "lan", "--role", "officer", "--name", "Lan", "--title", "Công chức",
                    "-s", str(folder), stdin="ngan\n")
    assert short.returncode == 1 and "ít nhất 8 ký tự" in short.stderr
    listed = run_cli("users", "list", "-s", str(folder), env={"COLUMNS": "200"}).stdout
    assert "binh" in listed and "lãnh đạo xã (duyệt)" in listed and "đang dùng" in listed

    from starlette.testclient import TestClient

    from radio.studio.app import create_app
    from tests.fixtures import StudioClient

    studio = StudioClient(TestClient(create_app({"an-lac": folder}, "k" * 48)), {"an-lac": folder})
    assert studio.login("binh", password="mat-khau-dai").status_code == 303
    token = studio.token(f"/s/an-lac/m/{MONTH}/review")
    studio.client.post(f"/s/an-lac/m/{MONTH}/approve", data={"csrf": token, "note": "Được"})
    history = run_cli("history", MONTH, "-s", str(folder), env={"COLUMNS": "200"}).stdout
    assert "Việc làm trên phòng thu" in history and "binh" in history and "duyệt" in history
    assert run_cli("users", "passwd", "binh", "-s", str(folder), stdin="mat-khau-moi\n").returncode == 0
    assert studio.login("binh", password="mat-khau-dai").status_code == 200  # the old one no longer
    assert studio.login("binh", password="mat-khau-moi").status_code == 303
    assert run_cli("users", "disable", "binh", "-s", str(folder)).returncode == 0
    refused = studio.login("binh", password="mat-khau-moi")
    assert refused.status_code == 200 and "đã bị khóa" in refused.text


def test_times_are_the_stations_and_months_read_as_vietnamese_write_them(studio):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    studio.login("binh")
    token = studio.token(f"/s/an-lac/m/{MONTH}/review")
    studio.client.post(f"/s/an-lac/m/{MONTH}/approve", data={"csrf": token, "note": "Đồng ý"})
    page = studio.client.get(f"/s/an-lac/m/{MONTH}").text
    folder = studio.folders["an-lac"]
    approved = [e for e in Store(folder).review_events(MONTH) if e.action == "approve"][-1]
    local = datetime.fromisoformat(approved.at).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"{local:%H:%M} ngày {local:%d/%m/%Y}" in page  # the review trail and the web actions
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", page)
    year, number = MONTH.split("-")
    assert f"Chương trình tháng {number}/{year}" in page
    visible = re.sub(r"<[^>]+>", " ", page)
    assert MONTH not in visible


def test_the_leader_is_told_what_waits_and_decides_at_the_top_of_the_review(studio):
    answer = studio.login("binh")
    overview = studio.client.get(answer.headers["location"]).text
    waiting = re.search(r'<div class="card flash" id="waiting".*?</div>', overview, re.S).group(0)
    assert "Đang chờ Phó Chủ tịch UBND xã duyệt" in waiting
    year, number = MONTH.split("-")
    assert f'href="/s/an-lac/m/{MONTH}/review"' in waiting and f"tháng {number}/{year}" in waiting
    header = re.search(r"<header>.*?</header>", overview, re.S).group(0)
    assert "Trần Văn Bình · Phó Chủ tịch UBND xã" in header and "Lãnh đạo" not in header
    review = studio.client.get(f"/s/an-lac/m/{MONTH}/review").text
    decision, first_segment = review.index('id="decision"'), review.index("<section")
    assert decision < first_segment and review.index('id="whole"') < first_segment
    studio.login("lan")
    assert 'id="waiting"' not in studio.client.get("/s/an-lac/").text  # the officer does not approve


@pytest.mark.parametrize("typed", ["02/2027", "2/2027", "tháng 2/2027", "Tháng 02 năm 2027", " 2027-02 "])
def test_a_month_is_opened_as_the_pages_write_it(studio, typed):
    studio.login("lan")
    opened = studio.client.get("/s/an-lac/open", params={"month": typed}, follow_redirects=False)
    assert opened.headers["location"].endswith("/s/an-lac/m/2027-02")


def test_the_month_box_asks_for_the_month_as_the_pages_write_it(studio):
    studio.login("lan")
    page = studio.client.get("/s/an-lac/").text
    assert 'placeholder="01/2027"' in page and "NĂM-THÁNG" not in page
    refused = studio.client.get("/s/an-lac/open", params={"month": "13/2027"})
    assert "không hợp lệ" in refused.text and "ví dụ 01/2027" in refused.text


REFUSALS = [  # (account, method, path, form, where the refusal is told, what it says)
    ("lan", "get", "/s/an-lac/open?month=2027-13", {}, "/s/an-lac/", "không hợp lệ"),
    ("binh", "get", "/s/an-lac/m/2027-02/review", {}, "/s/an-lac/m/2027-02", "chưa có kịch bản"),
    ("lan", "get", "/s/an-lac/m/2027-02/record", {}, "/s/an-lac/m/2027-02", "chưa biết đoạn nào để thu"),
    ("hung", "post", f"/s/an-lac/m/{MONTH}/schedule/add", {"at": "mai"}, f"/s/an-lac/m/{MONTH}/schedule",
     "Không hiểu ngày giờ"),
    ("lan", "post", "/s/an-lac/reports", {"period": "quý 5"}, "/s/an-lac/reports", "Không hiểu kỳ báo cáo"),
]


@pytest.mark.parametrize("username, method, path, form, told_on, said", REFUSALS)
def test_a_stages_refusal_is_told_above_the_page_its_route_names(studio, username, method, path, form,
                                                                   told_on, said):
    studio.login(username)
    if method == "post":
        form = {**form, "csrf": studio.token("/s/an-lac/")}
    answer = getattr(studio.client, method)(path, **({"data": form} if method == "post" else {}),
                                            follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == told_on
    page = studio.client.get(told_on)
    problem = re.search(r'<div class="card problem" role="alert">(.*?)</div>', page.text, re.S)
    assert page.status_code == 200 and problem and said.lower() in problem.group(1).lower()


def test_a_refusal_on_a_page_that_names_no_other_is_an_error_page(studio):
    studio.login("lan")
    answer = studio.client.get("/s/an-lac/m/2027-02/script", follow_redirects=False)
    assert answer.status_code == 400 and "chưa có kịch bản của tháng này" in answer.text


def test_a_refused_brief_comes_back_with_what_was_typed_and_writes_nothing(studio):
    brief = studio.folders["an-lac"] / "months" / f"{MONTH}.yaml"
    before = brief.read_bytes()
    studio.login("lan")
    token = studio.token(f"/s/an-lac/m/{MONTH}/brief")
    refused = studio.client.post(f"/s/an-lac/m/{MONTH}/brief", data={
        "csrf": token, "topic": "khong-co-chu-de-nay", "procedure": "lien-thong-khai-sinh",
        "news_title_0": "Tin mới gõ, chưa lưu", "news_text_0": "Nội dung vừa gõ."}, follow_redirects=False)
    assert refused.status_code == 200
    problem = re.search(r'<div class="card problem" role="alert">(.*?)</div>', refused.text, re.S).group(1)
    assert "không có chủ đề" in problem and "khong-co-chu-de-nay" in problem
    assert "Tin mới gõ, chưa lưu" in refused.text and "Nội dung vừa gõ." in refused.text
    assert brief.read_bytes() == before


def test_the_schedule_downloads_are_the_files_on_disk_and_nothing_else(tmp_path):
    studio = make_studio(tmp_path, produced=True, approved=True)
    folder = studio.folders["an-lac"]
    studio.login("hung")
    placed = studio.client.post(f"/s/an-lac/m/{MONTH}/schedule/auto",
                                data={"csrf": studio.token(f"/s/an-lac/m/{MONTH}/schedule")})
    assert placed.status_code == 200 and Store(folder).queued()
    page = studio.client.get(f"/s/an-lac/m/{MONTH}/schedule").text
    links = re.findall(rf'href="(/s/an-lac/m/{MONTH}/schedule/files/[^"]+)"', page)
    names = {link.rsplit("/files/", 1)[1] for link in links}
    playlists = sorted(p.relative_to(folder / "schedule").as_posix()
                       for p in (folder / "schedule" / MONTH).glob("*.m3u8"))
    assert names == {f"{MONTH}.ics", f"{MONTH}.html", *playlists} and playlists
    assert "Lịch phát (mở bằng lịch điện thoại, máy tính)" in page
    first_day = playlists[0].rsplit("/", 1)[1][:10]  # YYYY-MM-DD
    assert f"Danh sách phát ngày {first_day[8:]}/{first_day[5:7]}/{first_day[:4]}" in page
    for role in ("hung", "lan", "binh"):
        studio.login(role)
        for link in links:
            got = studio.client.get(link)
            name = link.rsplit("/files/", 1)[1]
            assert got.status_code == 200 and got.content == (folder / "schedule" / name).read_bytes()
    calendar = studio.client.get(f"/s/an-lac/m/{MONTH}/schedule/files/{MONTH}.ics")
    assert calendar.headers["content-type"].startswith("text/calendar")
    (folder / "schedule" / "ghi-chu.txt").write_text("không phải tệp lịch", encoding="utf-8")
    for name in ("ghi-chu.txt", "../station.yaml", f"{MONTH}/../../station.yaml", "2027-02.ics"):
        refused = studio.client.get(f"/s/an-lac/m/{MONTH}/schedule/files/{name}")
        assert refused.status_code in (404, 405) and "không phải tệp lịch" not in refused.text
        assert "station:" not in refused.text
    studio.client.post("/logout", data={"csrf": studio.token("/s/an-lac/")})
    assert studio.client.get(links[0], follow_redirects=False).status_code in (303, 401)
