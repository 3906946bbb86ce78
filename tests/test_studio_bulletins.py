"""The studio's bulletin pages (issue 32): an officer types a notice with its level, zones,
time and repeats; a leader hears it and approves or rejects it with a reason; a leader's
one-step emergency where the station allows it. Driven through Starlette's test client."""
import re
from datetime import datetime, timedelta

import pytest

from radio.approval import status
from radio.bulletin import list_bulletins
from radio.schedule import EMERGENCY_SLOT, queued, station_zone
from radio.station import BulletinFiles, load_station
from radio.store import Store
from tests.fixtures import make_studio
from tests.test_studio_words import COMMAND_WORDING, visible

NOTICE = "Thông báo: tối nay 19 giờ họp dân tại nhà văn hóa thôn Đông. Đề nghị mỗi hộ cử một người dự."
PAGE = "/s/an-lac/bulletins"


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path, segments=())


def with_settings(studio, text):
    path = studio.folders["an-lac"] / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def make(studio, **fields):
    data = {"csrf": studio.token(PAGE), "text": NOTICE, "level": "thuong", "when": "now", "repeat": "1", **fields}
    return studio.client.post(PAGE, data=data)


def only_bulletin(studio):
    [item] = list_bulletins(studio.folders["an-lac"])
    return item, BulletinFiles(studio.folders["an-lac"], item.bulletin.id)


def test_the_officer_types_a_notice_that_waits_for_the_leader(studio):
    with_settings(studio, "zones:\n  - id: thon-dong\n    name: Thôn Đông\n    outputs: [{type: 'null'}]\n"
                          "  - id: thon-tay\n    name: Thôn Tây\n    outputs: [{type: 'null'}]\n")
    folder = studio.folders["an-lac"]
    studio.login("lan")
    at = (datetime.now(station_zone(load_station(folder))) + timedelta(days=1)).replace(hour=17, minute=30)
    answer = make(studio, level="uu-tien", when="at", at=f"{at:%Y-%m-%dT%H:%M}", repeat="2", every_min="30",
                  **{"zone-thon-dong": "1"})
    assert answer.status_code == 200 and "Đã tạo bản tin ưu tiên" in answer.text, visible(answer.text)[:600]
    item, files = only_bulletin(studio)
    b = item.bulletin
    assert (b.level, b.repeat, b.every_min, b.zones, b.issued_by) == ("uu-tien", 2, 30, ["thon-dong"], "Nguyễn Thị Lan")
    assert b.at.strftime("%H:%M %d/%m/%Y") == f"{at:%H:%M %d/%m/%Y}"
    assert status(files, Store(folder)).state == "in_review" and queued(Store(folder), programme=files.key) == []
    listed = visible(studio.client.get(PAGE).text)
    assert "Bản tin ưu tiên" in listed and "Thôn Đông" in listed and "Chờ duyệt" in listed
    assert [(a.username, a.action) for a in Store(folder).web_actions()][-1] == ("lan", "bulletin-new")


def test_the_leader_hears_it_then_approves_and_a_rejection_needs_a_reason(studio):
    folder = studio.folders["an-lac"]
    studio.login("lan")
    make(studio, level="thuong")
    item, files = only_bulletin(studio)
    here = f"{PAGE}/{item.bulletin.id}"
    studio.login("binh")
    shown = studio.client.get(here)
    assert 'id="listen"' in shown.text and 'id="approve"' in shown.text and "Máy đọc là:" in shown.text
    audio = studio.client.get(f"{here}/audio")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg" and len(audio.content) > 10000
    refused = studio.client.post(f"{here}/reject", data={"csrf": studio.token(here), "note": " "})
    assert "cần ghi lý do" in refused.text and not COMMAND_WORDING.search(visible(refused.text))
    assert status(files, Store(folder)).state == "in_review"
    approved = studio.client.post(f"{here}/approve", data={"csrf": studio.token(here), "note": "Đồng ý"})
    assert "Đã duyệt bản tin" in approved.text
    assert status(files, Store(folder)).state == "approved" and len(queued(Store(folder), programme=files.key)) == 1
    event = Store(folder).review_events(str(files.key))[-1]
    assert (event.action, event.by_name, event.role) == ("approve", "Trần Văn Bình", "Phó Chủ tịch UBND xã")
    rejected = studio.client.post(f"{here}/reject", data={"csrf": studio.token(here), "note": "Đã hoãn cuộc họp"})
    assert "Đã trả lại bản tin kèm lý do; đã gỡ 1 lượt chưa phát." in rejected.text
    assert queued(Store(folder), programme=files.key) == []


def test_roles_officer_makes_leader_approves_operator_looks(studio):
    studio.login("hung")
    assert make(studio).status_code == 403
    assert 'id="new-bulletin"' not in studio.client.get(PAGE).text
    studio.login("binh")
    assert make(studio).status_code == 403  # a leader issues only the one-step emergency, where allowed
    assert not list_bulletins(studio.folders["an-lac"])
    studio.login("lan")
    make(studio)
    item, _ = only_bulletin(studio)
    here = f"{PAGE}/{item.bulletin.id}"
    assert 'id="decision"' not in studio.client.get(here).text
    assert studio.client.post(f"{here}/approve", data={"csrf": studio.token(here)}).status_code == 403


def test_a_refused_form_comes_back_with_what_was_typed_in_the_studios_words(studio):
    studio.login("lan")
    answer = make(studio, repeat="3", title="Họp dân")
    text = visible(answer.text)
    assert "Phát 3 lần thì cần khoảng cách giữa các lần" in text and "ô «Cách nhau (phút)»" in text
    assert not COMMAND_WORDING.search(text), COMMAND_WORDING.search(text).group(0)
    assert NOTICE in answer.text and 'value="Họp dân"' in answer.text
    assert not list_bulletins(studio.folders["an-lac"])


def test_a_leader_issues_and_approves_an_emergency_in_one_step_where_the_station_allows(studio):
    studio.login("binh")
    assert 'id="approve_now"' not in studio.client.get(PAGE).text
    with_settings(studio, "bulletins:\n  leader_issues_emergency: true\n")
    page = studio.client.get(PAGE).text
    assert 'id="approve_now"' in page and "Phát hành bản tin khẩn cấp" in page
    refused = make(studio, level="thuong", approve_now="1")
    assert "Chỉ bản tin khẩn cấp mới được phát hành và duyệt trong một bước" in refused.text
    done = make(studio, level="khan-cap", approve_now="1")
    assert "Đã tạo và duyệt bản tin khẩn cấp" in done.text, visible(done.text)[:500]
    _, files = only_bulletin(studio)
    folder = studio.folders["an-lac"]
    [airing] = queued(Store(folder), programme=files.key)
    assert airing.slot_id == EMERGENCY_SLOT
    events = Store(folder).review_events(str(files.key))
    assert [(e.action, e.by_name) for e in events] == [("produce", "Trần Văn Bình"), ("approve", "Trần Văn Bình")]
    assert re.search(r"sản xuất — Trần Văn Bình.*duyệt — Trần Văn Bình", visible(done.text), re.S)


def test_an_uploaded_recording_becomes_the_bulletin(studio, tmp_path):
    from tests.test_importer import spoken_mp3

    source = tmp_path / "doc-thong-bao.mp3"
    spoken_mp3(source)
    studio.login("lan")
    answer = studio.client.post(PAGE, data={"csrf": studio.token(PAGE), "level": "thuong", "when": "now",
                                            "repeat": "1", "title": "Lịch tiêm chủng"},
                                files={"audio": ("doc-thong-bao.mp3", source.read_bytes(), "audio/mpeg")})
    assert "Đã tạo bản tin thông thường" in answer.text, visible(answer.text)[:500]
    item, _ = only_bulletin(studio)
    assert item.bulletin.text is None and item.bulletin.recording and item.bulletin.title == "Lịch tiêm chủng"
    assert 5 < item.duration_s < 9  # tone, pause, the three seconds read, the tail
    assert "Bản ghi âm do người đọc." in visible(studio.client.get(f"{PAGE}/{item.bulletin.id}").text)
