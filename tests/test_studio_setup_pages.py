"""The studio pages a station is set up with (issue 30): its music kit with players, the
year plan, and the accounts (admin only), each as every role sees it."""
import html
import io
import re
import wave

import numpy as np
import pytest

from radio.plan import load_or_propose
from radio.station import load_station
from radio.studio.accounts import add_account
from tests.fixtures import PASSWORD, make_studio

ADMIN = "quan-tri"


@pytest.fixture
def studio(tmp_path):
    studio = make_studio(tmp_path, segments=())
    add_account(studio.folders["an-lac"], ADMIN, "Phạm Văn Quản", "Quản trị viên", "admin", PASSWORD)
    return studio


def said(answer) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", answer.text))


def wav(seconds: float, level: float = 0.5, square: bool = False) -> bytes:
    rate = 44100
    t = np.arange(int(seconds * rate)) / rate
    tone = np.sin(2 * np.pi * 440 * t)
    tone = np.sign(tone) if square else tone
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(tone * level, -1, 1) * 32767).astype(np.int16).tobytes())
    return buffer.getvalue()


def upload(studio, part: str, name: str, data: bytes):
    token = studio.token("/s/an-lac/kit")
    return studio.client.post(f"/s/an-lac/kit/{part}", data={"csrf": token}, files={"file": (name, data)})


# -- the kit ---------------------------------------------------------------------------------

def test_the_officer_uploads_an_intro_and_hears_it_on_the_kit_page(studio):
    folder = studio.folders["an-lac"]
    studio.login("lan")
    page = studio.client.get("/s/an-lac/kit").text
    assert page.count("<audio") == 4 and "Nhạc mặc định của phần mềm" in page
    default = studio.client.get("/s/an-lac/kit/intro/audio")
    assert default.content[:4] == b"RIFF" and len(default.content) > 44100  # the default intro, playable
    data = wav(3.0)
    answer = upload(studio, "intro", "nhạc hiệu xã.wav", data)
    told = said(answer)
    assert "Đã dùng tệp nhạc hiệu xã.wav làm nhạc hiệu mở đầu" in told and "Dài 3,0 giây" in told, told[-600:]
    assert not re.search(r"Có \d+ chỗ bị cắt đỉnh", told)
    assert load_station(folder).audio.kit.intro == "kit/intro.wav"
    assert (folder / "kit" / "intro.wav").read_bytes() == data
    text = (folder / "station.yaml").read_text(encoding="utf-8")
    assert "# Nhạc nền dưới lời đọc" in text and "# Giọng đọc." in text  # comments kept
    assert studio.client.get("/s/an-lac/kit/intro/audio").content == data
    assert not list((folder / "kit").glob(".*"))  # no temporary file left
    # Back to the software's own intro: the line goes, the default plays again.
    token = studio.token("/s/an-lac/kit")
    studio.client.post("/s/an-lac/kit/intro/remove", data={"csrf": token})
    assert load_station(folder).audio.kit.intro is None
    assert studio.client.get("/s/an-lac/kit/intro/audio").content[:4] == b"RIFF"


def test_a_clipped_file_is_taken_and_its_clipping_reported(studio):
    studio.login("lan")
    told = said(upload(studio, "stinger", "cat.wav", wav(1.0, level=1.4, square=True)))
    assert "Đã dùng tệp cat.wav" in told and re.search(r"Có \d+ chỗ bị cắt đỉnh", told), told[-600:]


@pytest.mark.parametrize("name, data, words", [
    ("nhac-hieu.mp3", b"ID3 this is not audio at all" * 50, "Tệp nhac-hieu.mp3 không đọc được"),
    ("ngan.wav", wav(0.3), "Tệp ngan.wav chỉ dài 0,3 giây, quá ngắn"),
    ("rong.wav", wav(2.0, level=0.0), "Tệp rong.wav không có tiếng"),
])
def test_a_bad_file_is_refused_by_name_and_the_kit_stays(studio, name, data, words):
    folder = studio.folders["an-lac"]
    before = (folder / "station.yaml").read_bytes()
    studio.login("lan")
    told = said(upload(studio, "intro", name, data))
    assert words in told, told[-800:]
    assert (folder / "station.yaml").read_bytes() == before
    assert not (folder / "kit").exists() or not list((folder / "kit").iterdir())


@pytest.mark.parametrize("username", ["binh", "hung"])
def test_only_the_officer_and_the_admin_change_the_kit(studio, username):
    studio.login(username)
    assert studio.client.get("/s/an-lac/kit").status_code == 403
    token = studio.token("/s/an-lac/")
    refused = studio.client.post("/s/an-lac/kit/intro", data={"csrf": token}, files={"file": ("a.wav", wav(2))})
    assert refused.status_code == 403 and load_station(studio.folders["an-lac"]).audio.kit.intro is None
    studio.login(ADMIN)
    assert studio.client.get("/s/an-lac/kit").status_code == 200


# -- the year plan ---------------------------------------------------------------------------

def test_the_officer_makes_the_year_plan_swaps_a_month_and_begins_its_brief(studio):
    folder = studio.folders["an-lac"]
    studio.login("lan")
    page = said(studio.client.get("/s/an-lac/plan?year=2027"))
    assert "Chưa lập kế hoạch năm 2027" in page and "Tháng 01/2027" in page and "Tháng 12/2027" in page
    token = studio.token("/s/an-lac/plan?year=2027")
    made = said(studio.client.post("/s/an-lac/plan/2027/make", data={"csrf": token}))
    assert "Đã lập kế hoạch chủ đề năm 2027" in made and (folder / "plans" / "2027.yaml").exists()
    plan = load_or_propose(folder, 2027)
    march = plan.for_month("2027-03")
    assert march.alternatives
    swapped = said(studio.client.post("/s/an-lac/plan/2027/2027-03/topic",
                                      data={"csrf": token, "topic": march.alternatives[0]}))
    assert "Đã đổi chủ đề tháng 03/2027" in swapped
    plan = load_or_propose(folder, 2027)
    assert plan.for_month("2027-03").topic == march.alternatives[0]
    assert "Chưa tháng nào" not in swapped  # every plan item still covered
    refused = said(studio.client.post("/s/an-lac/plan/2027/2027-03/topic", data={"csrf": token, "topic": "khong-co"}))
    assert "không nằm trong các chủ đề có thể thay" in refused
    begun = studio.client.post("/s/an-lac/plan/2027/2027-03/brief", data={"csrf": token}, follow_redirects=False)
    assert begun.headers["location"] == "/s/an-lac/m/2027-03/brief"
    brief = (folder / "months" / "2027-03.yaml").read_text(encoding="utf-8")
    assert f"topic: {march.alternatives[0]}" in brief
    again = said(studio.client.post("/s/an-lac/plan/2027/2027-03/brief", data={"csrf": token}))
    assert "Đã có bản tin tháng 03/2027; bản tin không bị ghi đè" in again


@pytest.mark.parametrize("username", ["binh", "hung"])
def test_the_leader_and_the_operator_see_the_plan_and_change_nothing(studio, username):
    studio.login(username)
    page = studio.client.get("/s/an-lac/plan?year=2027")
    assert page.status_code == 200 and "Tháng 06/2027" in said(page)
    assert 'id="make-plan"' not in page.text and "Đổi chủ đề" not in page.text
    token = studio.token("/s/an-lac/plan?year=2027")
    assert studio.client.post("/s/an-lac/plan/2027/make", data={"csrf": token}).status_code == 403
    assert not (studio.folders["an-lac"] / "plans" / "2027.yaml").exists()
    assert studio.client.get("/s/an-lac/plan?year=abc").status_code == 400


# -- accounts --------------------------------------------------------------------------------

def test_the_admin_adds_an_account_resets_a_password_and_disables_one(studio):
    studio.login(ADMIN)
    page = said(studio.client.get("/s/an-lac/accounts"))
    assert "Nguyễn Thị Lan" in page and "Lãnh đạo" in page
    token = studio.token("/s/an-lac/accounts")
    added = said(studio.client.post("/s/an-lac/accounts", data={
        "csrf": token, "username": "hoa.ct", "full_name": "Đỗ Thị Hoa", "title": "Chủ tịch UBND xã",
        "role": "leader", "email": "hoa@phumy.gov.vn", "password": "mot-cau-de-nho"}))
    assert "Đã thêm tài khoản hoa.ct cho Đỗ Thị Hoa" in added and "hoa@phumy.gov.vn" in added
    short = said(studio.client.post("/s/an-lac/accounts", data={
        "csrf": token, "username": "nam", "full_name": "Lê Nam", "title": "Cán bộ", "role": "operator",
        "password": "ngan"}))
    assert "Mật khẩu phải có ít nhất 8 ký tự" in short and 'value="Lê Nam"' in html.unescape(
        studio.client.post("/s/an-lac/accounts", data={"csrf": token, "username": "nam", "full_name": "Lê Nam",
                                                       "title": "Cán bộ", "role": "operator", "password": "x"}).text)
    reset = said(studio.client.post("/s/an-lac/accounts/lan/password", data={"csrf": token, "password": "mat-khau-moi-1"}))
    assert "Đã đặt mật khẩu mới cho lan" in reset
    disabled = said(studio.client.post("/s/an-lac/accounts/hung/disable", data={"csrf": token}))
    assert "Đã khóa tài khoản hung" in disabled
    self_lock = said(studio.client.post(f"/s/an-lac/accounts/{ADMIN}/disable", data={"csrf": token}))
    assert "Không thể tự khóa tài khoản mình đang dùng" in self_lock
    unknown = said(studio.client.post("/s/an-lac/accounts/ai-do/password", data={"csrf": token, "password": "mat-khau-moi-1"}))
    assert "Không có tài khoản 'ai-do'" in unknown and "radio users" not in unknown
    # What the admin did holds at the login form.
    assert studio.login("hoa.ct", password="mot-cau-de-nho").status_code == 303
    assert studio.login("lan").status_code != 303
    assert studio.login("lan", password="mat-khau-moi-1").status_code == 303
    assert "đã bị khóa" in said(studio.login("hung"))
    # The admin's own new password ends this session too, and says so on the login page.
    studio.login(ADMIN)
    token = studio.token("/s/an-lac/accounts")
    own = said(studio.client.post(f"/s/an-lac/accounts/{ADMIN}/password", data={"csrf": token, "password": "mat-khau-moi-2"}))
    assert "hãy đăng nhập lại bằng mật khẩu mới" in own and 'id="login"' in studio.client.get("/login").text
    assert studio.login(ADMIN, password="mat-khau-moi-2").status_code == 303


@pytest.mark.parametrize("username", ["lan", "binh", "hung"])
def test_no_one_but_the_admin_sees_or_changes_accounts(studio, username):
    studio.login(username)
    assert studio.client.get("/s/an-lac/accounts").status_code == 403
    assert 'href="/s/an-lac/accounts"' not in studio.client.get("/s/an-lac/").text
    token = studio.token("/s/an-lac/")
    refused = studio.client.post("/s/an-lac/accounts/binh/disable", data={"csrf": token})
    assert refused.status_code == 403 and studio.login("binh").status_code == 303


@pytest.mark.parametrize("suffix, codec", [(".mp3", "libmp3lame"), (".ogg", "libvorbis"), (".flac", "flac")])
def test_a_bed_in_any_common_format_is_taken_and_the_mixer_loads_it(studio, tmp_path, suffix, codec):
    import subprocess

    from radio.audio.ffmpeg import ffmpeg_exe
    from radio.audio.kit import load_kit

    source = tmp_path / "nen.wav"
    source.write_bytes(wav(6.0, level=0.3))
    encoded = tmp_path / f"nhac nền{suffix}"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(source), "-c:a", codec, str(encoded)], check=True)
    folder = studio.folders["an-lac"]
    studio.login("lan")
    told = said(upload(studio, "bed", encoded.name, encoded.read_bytes()))
    assert f"Đã dùng tệp {encoded.name} làm nhạc nền" in told and "Dài 6,0 giây" in told, told[-600:]
    station = load_station(folder)
    assert station.audio.kit.bed == f"kit/bed{suffix}"
    kit = load_kit(station.audio.kit, folder, 44100)  # what production does with it
    assert abs(kit.bed.size / 44100 - 6.0) < 0.1
