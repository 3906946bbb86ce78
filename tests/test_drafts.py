"""Composing a month again never destroys work: an approved or hand-edited script is kept,
the officer is told how to make a new draft, and that the month's airings stop until the
new script is approved — on the command line and in the studio."""
from __future__ import annotations

import re

import pytest
import yaml

from radio.approval import MonthFiles, require_airable, status
from radio.store import Store
from tests.conftest import run_cli
from tests.fixtures import MONTH, make_station, make_studio


def _said(result) -> str:
    return " ".join((result.stdout + result.stderr).split())


def _copies(folder):
    return sorted((folder / "scripts").glob(f"{MONTH}.ban-cu-*.yaml"))


def _change_brief(folder):
    """The officer adds a news item to the month's brief (so composing gives a new script)."""
    path = folder / "months" / f"{MONTH}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["news"][0]["text"] += " Bà con lưu ý mang theo căn cước công dân."
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def scheduled(tmp_path):
    """Approved (its script cut by hand after composing), produced and scheduled."""
    from radio.schedule import schedule_month
    from tests.test_schedule_player import BEFORE

    folder = make_station(tmp_path, produced=True, approved=True)
    placed = schedule_month(folder, MONTH, now=BEFORE)
    return folder, len(placed.airings)


def test_composing_an_approved_hand_edited_month_is_refused_and_says_how(scheduled):
    folder, airings = scheduled
    script = folder / "scripts" / f"{MONTH}.yaml"
    before = script.read_bytes()
    result = run_cli("compose", MONTH, "-s", str(folder))
    said = _said(result)
    assert result.returncode != 0
    assert f"Không soạn lại tháng {MONTH}" in said and "Nguyễn Văn Bình (Phó Chủ tịch) duyệt" in said
    assert "sửa tay" in said and f"radio compose {MONTH} --new-draft" in said
    assert f"có {airings} lượt phát đã xếp lịch mà chưa phát" in said and "dừng cho đến khi lãnh đạo duyệt lại" in said
    assert script.read_bytes() == before and not _copies(folder)
    require_airable(MonthFiles(folder, "an-lac", MONTH), Store(folder))  # still airs


def test_a_new_draft_keeps_the_approved_script_beside_it_and_warns_the_airings_stop(scheduled):
    folder, airings = scheduled
    script = folder / "scripts" / f"{MONTH}.yaml"
    before = script.read_bytes()
    result = run_cli("compose", MONTH, "--new-draft", "-s", str(folder))
    said = _said(result)
    assert result.returncode == 0, said
    [copy] = _copies(folder)
    assert copy.read_bytes() == before and script.read_bytes() != before
    assert "Kịch bản cũ được giữ lại ở" in said and copy.name in result.stdout
    assert f"có {airings} lượt phát" in said and "dừng cho đến khi lãnh đạo duyệt lại" in said
    assert status(MonthFiles(folder, "an-lac", MONTH), Store(folder)).state == "changed"
    # The copy is not taken for a month of its own.
    assert "ban-cu" not in run_cli("status", "-s", str(folder)).stdout


def test_a_hand_edited_script_never_approved_is_kept_too(tmp_path):
    folder = make_station(tmp_path, segments=None)
    script = folder / "scripts" / f"{MONTH}.yaml"
    edited = script.read_text(encoding="utf-8").replace("Kính thưa", "Thưa", 1)
    script.write_text(edited, encoding="utf-8")
    result = run_cli("compose", MONTH, "-s", str(folder))
    said = _said(result)
    assert result.returncode != 0 and "đã được sửa tay sau lần soạn trước" in said
    assert "duyệt lúc" not in said and "lượt phát" not in said
    assert script.read_text(encoding="utf-8") == edited


def test_a_script_nobody_touched_is_composed_again_from_the_changed_brief(tmp_path):
    folder = make_station(tmp_path, segments=None)
    script = folder / "scripts" / f"{MONTH}.yaml"
    _change_brief(folder)
    result = run_cli("compose", MONTH, "-s", str(folder))
    assert result.returncode == 0, _said(result)
    assert "căn cước công dân" in script.read_text(encoding="utf-8") and not _copies(folder)
    _change_brief(folder)  # and again: what compose wrote is remembered each time
    assert run_cli("compose", MONTH, "-s", str(folder)).returncode == 0


def test_an_approved_script_nobody_edited_is_kept(tmp_path):
    folder = make_station(tmp_path, segments=None, approved=True)
    script = folder / "scripts" / f"{MONTH}.yaml"
    before = script.read_bytes()
    _change_brief(folder)
    result = run_cli("compose", MONTH, "-s", str(folder))
    said = _said(result)
    assert result.returncode != 0 and "Nguyễn Văn Bình (Phó Chủ tịch) duyệt" in said and "sửa tay" not in said
    assert "lượt phát" not in said  # nothing is scheduled
    assert script.read_bytes() == before


def test_a_script_compose_has_no_record_of_is_not_overwritten(tmp_path):
    import shutil

    folder = make_station(tmp_path, segments=None)
    shutil.rmtree(folder / ".cache" / "composed")  # composed by an older version, or written by hand
    _change_brief(folder)
    result = run_cli("compose", MONTH, "-s", str(folder))
    assert result.returncode != 0 and "không rõ đã được sửa tay hay chưa" in _said(result)


def test_a_held_database_stops_compose_rather_than_guessing(tmp_path, monkeypatch):
    import radio.store
    from radio.store import hold_exclusive_lock

    folder = make_station(tmp_path, segments=None, approved=True)
    script = folder / "scripts" / f"{MONTH}.yaml"
    before = script.read_bytes()
    _change_brief(folder)
    monkeypatch.setattr(radio.store, "BUSY_TIMEOUT_S", 0.2)
    with hold_exclusive_lock(folder):
        result = run_cli("compose", MONTH, "--new-draft", "-s", str(folder))
    assert result.returncode != 0 and "đang bị chương trình khác giữ" in _said(result)
    assert script.read_bytes() == before and not _copies(folder)


# -- the studio -----------------------------------------------------------------------------

def test_the_studio_refuses_offers_a_new_draft_and_warns_the_airings_stop(tmp_path):
    from radio.schedule import schedule_month
    from tests.test_schedule_player import BEFORE

    studio = make_studio(tmp_path, produced=True, approved=True)
    folder = studio.folders["an-lac"]
    airings = len(schedule_month(folder, MONTH, now=BEFORE).airings)
    script = folder / "scripts" / f"{MONTH}.yaml"
    before = script.read_bytes()
    studio.login("lan")
    token = studio.token(f"/s/an-lac/m/{MONTH}")
    refused = studio.client.post(f"/s/an-lac/m/{MONTH}/compose", data={"csrf": token})
    text = " ".join(refused.text.split())
    assert refused.status_code == 409
    assert "Không soạn lại tháng" in text and "sửa tay" in text
    assert f"có {airings} lượt phát đã xếp lịch mà chưa phát" in text
    assert re.search(r'name="new_draft" value="1"', refused.text) and 'id="new-draft"' in refused.text
    assert "--new-draft" not in text  # a command-line hint means nothing in the studio
    assert script.read_bytes() == before and not _copies(folder)
    made = studio.client.post(f"/s/an-lac/m/{MONTH}/compose", data={"csrf": token, "new_draft": "1"})
    text = " ".join(made.text.split())
    assert made.status_code == 200 and "Đã soạn kịch bản" in text
    [copy] = _copies(folder)
    assert copy.read_bytes() == before and copy.name in text
    assert "dừng cho đến khi lãnh đạo duyệt lại" in text
    actions = Store(folder).web_actions(MONTH)
    assert (actions[-1].username, actions[-1].action) == ("lan", "compose") and copy.name in actions[-1].detail
