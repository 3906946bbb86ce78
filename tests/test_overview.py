"""The command line and the studio decide nothing twice: for the same station they show the
same month rows, the same sentence for each player, and refuse a rejection without a
reason with the same words."""
from __future__ import annotations

import html
import json
import re
import shutil
import socket
from datetime import datetime, timedelta

import pytest

from radio.approval import REASON_NEEDED
from radio.player import HEARTBEAT_DIR, Player
from radio.player.outputs import NullOutput
from radio.schedule import schedule_month
from radio.store import Store
from radio.studio.forms import month_vi, studio_words
from tests.conftest import run_cli
from tests.fixtures import MONTH, make_studio
from tests.test_schedule_player import ZONE, FakeClock

NEXT = "2027-01"


@pytest.fixture
def studio(tmp_path):
    """An approved, scheduled month and a next month with only its brief."""
    studio = make_studio(tmp_path, produced=True, approved=True)
    folder = studio.folders["an-lac"]
    schedule_month(folder, MONTH)
    shutil.copy(folder / "months" / f"{MONTH}.yaml", folder / "months" / f"{NEXT}.yaml")
    return studio


def words(text: str) -> str:
    """What a page says, in one line (its style and script left out)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
    return re.sub(r" ([,.;:])", r"\1", text)  # the space a closing inline tag left


def cli_rows(output: str) -> list[list[str]]:
    """The body rows of the rich table the command printed (one line each at this width; the
    header is drawn with heavy lines)."""
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines()
            if line.startswith("│")]


def page_rows(page: str) -> list[list[str]]:
    body = re.search(r'<table id="months".*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [[words(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def test_status_and_the_studio_overview_show_the_same_month_rows(studio):
    folder = studio.folders["an-lac"]
    said = run_cli("status", "-s", str(folder), env={"COLUMNS": "400"})
    assert said.returncode == 0, said.stderr
    printed = cli_rows(said.stdout)
    studio.login("binh")
    shown = page_rows(studio.client.get("/s/an-lac/").text)
    assert [row[0] for row in printed] == [MONTH, NEXT]
    scheduled = int(printed[0][3])
    assert scheduled > 0 and printed[0][1] == "đã duyệt" and printed[1][1].startswith("bản nháp")
    # Each cell as the studio writes it (its months, its words for commands), same content.
    assert shown == [[month_vi(month), capfirst(label), produced, scheduled_n, aired, capfirst(studio_words(detail))]
                     for month, label, produced, scheduled_n, aired, detail in printed]
    # The month's own page and `radio status MONTH` agree on what the month has.
    [[_, _, produced, scheduled_n, aired, _]] = cli_rows(
        run_cli("status", MONTH, "-s", str(folder), env={"COLUMNS": "400"}).stdout)
    state = words(re.search(r'<div class="card" id="state">(.*?)</div>', studio.client.get(
        f"/s/an-lac/m/{MONTH}").text, re.S).group(1))
    assert f"Đã sản xuất: {produced} · Lượt đã xếp: {scheduled_n} · Lượt đã phát: {aired}" in state


def test_player_status_and_the_player_page_say_the_same_of_each_player(studio):
    folder = studio.folders["an-lac"]
    # A live player (this process) silent for ten minutes, and a player whose process is gone;
    # ages in minutes, which the second between the two readings cannot change.
    Player(folder, NullOutput(), FakeClock(datetime.now(ZONE) - timedelta(minutes=10))).beat()
    dead = f"999999999@{socket.gethostname()}"
    (folder / HEARTBEAT_DIR / "dead.json").write_text(json.dumps({
        "player": dead, "output": "icecast", "at": (datetime.now(ZONE) - timedelta(minutes=20)).isoformat(),
        "condition": "Luồng Icecast đang mất kết nối."}), encoding="utf-8")
    printed = " ".join(run_cli("player", "status", "-s", str(folder), env={"COLUMNS": "300"}).stdout.split())
    studio.login("hung")
    shown = words(studio.client.get("/s/an-lac/player").text)
    silent = re.search(r"Máy phát \S+ \(đầu ra null\): không phản hồi, tín hiệu cuối cách đây 10 phút\.", printed)
    gone = re.search(rf"Máy phát {re.escape(dead)} \(đầu ra icecast\): không còn chạy, "
                     r"tín hiệu cuối cách đây 20 phút\.", printed)
    assert silent and gone, printed  # 30 s of silence is "not answering", by the player's one rule
    assert silent.group(0) in shown and gone.group(0) in shown
    assert "mất kết nối" not in printed and "mất kết nối" not in shown  # a dead player's word is old news


def test_no_player_is_said_alike(studio):
    folder = studio.folders["an-lac"]
    printed = " ".join(run_cli("player", "status", "-s", str(folder)).stdout.split())
    studio.login("hung")
    shown = words(studio.client.get("/s/an-lac/player").text)
    sentence = "Máy phát: không thấy máy phát nào đang chạy (chưa có tín hiệu)."
    assert sentence in printed and sentence in shown


def test_a_rejection_without_a_reason_is_refused_alike_and_recorded_nowhere(studio):
    folder = studio.folders["an-lac"]
    events = Store(folder).review_events(MONTH)
    said = run_cli("reject", MONTH, "--by", "Trần Văn Bình", "--reason", "   ", "-s", str(folder))
    assert said.returncode == 1 and REASON_NEEDED in said.stderr
    studio.login("binh")
    token = studio.token(f"/s/an-lac/m/{MONTH}/review")
    refused = studio.client.post(f"/s/an-lac/m/{MONTH}/reject", data={"csrf": token, "note": "  "},
                                 follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == f"/s/an-lac/m/{MONTH}/review"
    assert REASON_NEEDED in studio.client.get(refused.headers["location"]).text
    assert Store(folder).review_events(MONTH) == events
    assert "reject" not in [a.action for a in Store(folder).web_actions(MONTH)]
    # With a reason, both record it.
    assert run_cli("reject", MONTH, "--by", "Trần Văn Bình", "--reason", " Sửa số liệu ", "-s", str(folder)).returncode == 0
    assert Store(folder).review_events(MONTH)[-1].note == "Sửa số liệu"
