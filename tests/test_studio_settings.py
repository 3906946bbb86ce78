"""The station's settings in the studio: written back into station.yaml with its comments and
untouched lines kept, validated by the same model with the same file-and-line messages."""
import html
import re

import pytest

from radio.station import load_station
from radio.store import Store
from tests.fixtures import make_studio


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path)


def form_of(studio) -> dict:
    page = studio.client.get("/s/an-lac/settings").text
    values = dict(re.findall(r'<input id="[^"]+" name="([^"]+)" value="([^"]*)"', page))
    values["audio_preset"] = re.search(r'<option value="([^"]+)" selected>', page).group(1)
    values["csrf"] = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return values


def test_the_officer_changes_settings_and_the_comments_stay(studio):
    folder = studio.folders["an-lac"]
    path = folder / "station.yaml"
    before = path.read_text(encoding="utf-8")
    studio.login("lan")
    form = form_of(studio)
    assert form["name"] == load_station(folder).name and form["slot_start_0"] == "05:30"
    form.update(name="Đài Truyền thanh xã Yên Hòa", hotline="1022", slot_start_0="06:00", slot_length_1="45",
                voice_speed_0="0,9", audio_preset="loudspeaker")
    saved = studio.client.post("/s/an-lac/settings", data=form)
    assert saved.status_code == 200 and "Đã lưu cài đặt của đài (6 mục)" in saved.text, saved.text[-800:]
    station = load_station(folder)
    assert (station.name, station.hotline, station.slots[0].start, station.slots[1].length_min) == \
        ("Đài Truyền thanh xã Yên Hòa", "1022", "06:00", 45)
    assert station.announcers[0].speed == 0.9 and station.audio.preset == "loudspeaker"
    after = path.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#") or " # " in line]
    assert comments and all(line in after.splitlines() for line in comments)
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) <= 7 and len(after.splitlines()) - len(before.splitlines()) <= 2, changed
    assert 'start: "06:00"' in after and 'hotline: "1022"' in after  # still text to every YAML reader
    details = [a.detail for a in Store(folder).web_actions() if a.action == "settings"]
    assert len(details) == 1 and details[0].startswith("name, hotline")


def test_a_wrong_value_is_refused_with_the_line_of_station_yaml_and_nothing_changes(studio):
    folder = studio.folders["an-lac"]
    path = folder / "station.yaml"
    before = path.read_bytes()
    line = next(i for i, text in enumerate(before.decode().splitlines(), 1) if text.strip() == 'start: "17:00"')
    studio.login("lan")
    form = form_of(studio)
    form.update(slot_start_1="25:99", voice_speed_0="nhanh")
    refused = studio.client.post("/s/an-lac/settings", data=form)
    said = html.unescape(refused.text)
    assert refused.status_code == 200 and f"station.yaml, dòng {line}: trường 'slots.1.start'" in said
    assert "trường 'announcers.0.speed' phải là một số" in said
    assert 'value="25:99"' in refused.text  # what was typed stays on the form
    assert path.read_bytes() == before


@pytest.mark.parametrize("username", ["binh", "hung"])
def test_only_the_officer_and_the_admin_change_settings(studio, username):
    studio.login(username)
    assert studio.client.get("/s/an-lac/settings").status_code == 403
    assert "Cài đặt đài" not in studio.client.get("/s/an-lac/").text


def test_a_slot_is_added_and_one_removed_and_the_airing_rule_guards_its_own(studio):
    folder = studio.folders["an-lac"]
    studio.login("lan")
    form = form_of(studio)
    form.update(slot_new_id="toi", slot_new_name="Buổi tối", slot_new_start="19:30", slot_new_length="20",
                slot_remove_2="1")  # the relay slot
    saved = studio.client.post("/s/an-lac/settings", data=form)
    assert "Đã lưu cài đặt của đài (2 mục)" in saved.text, html.unescape(saved.text)[-1500:]
    slots = load_station(folder).slots
    assert [(s.id, s.start, s.length_min, s.kind) for s in slots][-1] == ("toi", "19:30", 20, "local")
    assert "tiep-song-tinh" not in [s.id for s in slots]
    text = (folder / "station.yaml").read_text(encoding="utf-8")
    assert 'start: "19:30"' in text
    # The comment that opened the next section stays where it was, above it.
    assert "# Lịch phát chuyên mục: tuần 1 và tuần 3 của tháng, buổi sáng, phát lại buổi chiều cùng ngày.\nschedule:" in text
    before = (folder / "station.yaml").read_bytes()
    form = form_of(studio)
    form["slot_remove_0"] = "1"  # the morning slot the CCHC rule airs in
    refused = html.unescape(studio.client.post("/s/an-lac/settings", data=form).text)
    assert "station.yaml, dòng" in refused and "không có trong slots" in refused
    assert (folder / "station.yaml").read_bytes() == before


def test_a_new_station_walks_the_officer_through_its_blanks_until_it_can_compose(studio):
    from radio.workspace import blank_station_file

    folder = studio.folders["an-lac"]
    (folder / "station.yaml").write_text(blank_station_file("an-lac"), encoding="utf-8")
    studio.login("lan")
    overview = studio.client.get("/s/an-lac/").text
    assert 'id="first-run"' in overview and 'href="/s/an-lac/settings"' in overview
    form = form_of(studio)
    blanks = {k: v for k, v in form.items() if k.startswith("blank_")}
    assert len(blanks) >= 8 and not any(blanks.values())  # empty boxes, the blank's words as placeholder
    page = studio.client.get("/s/an-lac/settings").text
    assert 'placeholder="[ĐIỀN tên xã' in page and "station.yaml dòng" in page
    # Left empty, a blank stays a blank: nothing is written for it.
    form.update(name="Đài Truyền thanh xã Yên Hòa")
    partly = html.unescape(studio.client.post("/s/an-lac/settings", data=form).text)
    assert "Đã lưu cài đặt của đài (1 mục)" in partly and 'id="blanks"' in partly
    form = form_of(studio)
    filled = {key: f"Giá trị thật {i}" for i, key in enumerate(blanks)}
    form.update(filled, name="Đài Truyền thanh xã Yên Hòa", hotline="0237.3999.111")
    saved = studio.client.post("/s/an-lac/settings", data=form)
    said = html.unescape(saved.text)
    assert "Đã lưu cài đặt của đài" in said, said[-1500:]
    from radio.studio.forms import station_blanks

    left = station_blanks(folder)
    assert not left, [(b.line, b.field, b.value) for b in left]
    assert 'id="first-run"' not in studio.client.get("/s/an-lac/").text
    station = load_station(folder)
    assert station.one_stop.place.startswith("Giá trị thật") and station.officer.name.startswith("Giá trị thật")


def test_when_a_month_goes_on_the_website_is_a_setting_of_the_page(studio):
    from radio import publish
    from radio.station import plugin_settings
    from radio.studio.forms import studio_words

    folder = studio.folders["an-lac"]
    studio.login("lan")
    form = form_of(studio)
    assert 'value="after_airing" selected' in studio.client.get("/s/an-lac/settings").text  # the plan's default
    form["publish_when"] = "approved"
    saved = html.unescape(studio.client.post("/s/an-lac/settings", data=form).text)
    assert "Đã lưu cài đặt của đài (1 mục)" in saved
    assert plugin_settings(load_station(folder), publish.plugin).after_airing is False
    assert "# Giọng đọc." in (folder / "station.yaml").read_text(encoding="utf-8")
    assert 'value="approved" selected' in studio.client.get("/s/an-lac/settings").text
    # What publishing says of the setting is said as this page's field, not as station.yaml.
    told = studio_words("Tháng 2027-01 chưa đăng được. → " + publish._WAIT_HINT)
    assert "station.yaml" not in told and "«Cài đặt đài»" in told and told.startswith("Tháng 01/2027")


def test_an_announcer_is_added_given_another_engine_and_one_no_file_names_is_removed(studio):
    folder = studio.folders["an-lac"]
    studio.login("lan")
    page = studio.client.get("/s/an-lac/settings").text
    assert "eSpeak NG, đọc ngay trên máy" in page and "Google, cần mạng Internet" in page
    assert "giọng thử" not in page  # the test engine is no choice for a commune
    form = form_of(studio)
    form.update(voice_new_id="nam", voice_new_name="Phát thanh viên nam", voice_new_engine="offline",
                voice_new_voice="vi", voice_new_speed="0,9", voice_engine_1="gtts")
    saved = studio.client.post("/s/an-lac/settings", data=form)
    assert "Đã lưu cài đặt của đài (2 mục)" in saved.text, html.unescape(saved.text)[-1500:]
    announcers = load_station(folder).announcers
    assert [(a.id, a.engine, a.voice, a.speed) for a in announcers][1:] == \
        [("nu2", "gtts", "vi-ro-nu-2", 0.85), ("nam", "offline", "vi", 0.9)]
    assert "# Giọng dùng khi phải chuyển sang bộ đọc dự phòng" in (folder / "station.yaml").read_text(encoding="utf-8")
    form = form_of(studio)
    form["voice_remove_2"] = "1"
    removed = studio.client.post("/s/an-lac/settings", data=form)
    assert "Đã lưu cài đặt của đài (1 mục)" in removed.text
    assert [a.id for a in load_station(folder).announcers] == ["nu", "nu2"]


def test_an_announcer_a_script_still_names_is_not_removed(studio):
    folder = studio.folders["an-lac"]
    scripts = folder / "scripts"
    scripts.mkdir(exist_ok=True)
    (scripts / "2027-03.yaml").write_text("segments:\n  - id: mo-dau\n    voice: nu2\n", encoding="utf-8")
    before = (folder / "station.yaml").read_bytes()
    studio.login("lan")
    form = form_of(studio)
    form["voice_remove_1"] = "1"
    refused = html.unescape(studio.client.post("/s/an-lac/settings", data=form).text)
    assert "Chưa bỏ được phát thanh viên «Phát thanh viên nữ thứ hai»" in refused
    assert "scripts/2027-03.yaml vẫn dùng giọng này" in refused
    assert (folder / "station.yaml").read_bytes() == before
    form = form_of(studio)
    form.update(voice_engine_0="khong-co")
    refused = html.unescape(studio.client.post("/s/an-lac/settings", data=form).text)
    assert "Không có bộ đọc 'khong-co'" in refused and "offline" in refused
    assert (folder / "station.yaml").read_bytes() == before
