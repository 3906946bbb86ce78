"""What airs is exactly what was approved, exactly once, and the operator sees the truth.

Each test first reproduces an attack that broke those promises: a file swapped between the
check and the airing, schedulers racing, an emptied database, rows deleted or hidden and a
chain recomputed by an insider, a player that looked dead while it was airing.
"""
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest

from radio.audio.identity import audio_sha256, audio_sha256_of
from radio.backup import back_up, backups
from radio.player import Player, as_run_log
from radio.player.outputs import FileOutput
from radio.schedule import ScheduleError, add_airing, queued, schedule_month
from radio.store import AlreadyQueued, Store, StoreLost, Tamper, WebAction
from tests.conftest import run_cli
from tests.fixtures import make_station
from tests.test_schedule_player import BEFORE, MONTH, ZONE, FakeClock, approved_file, at


@pytest.fixture
def scheduled(tmp_path):
    folder = make_station(tmp_path, produced=True, approved=True)
    schedule_month(folder, MONTH, now=BEFORE)
    return folder


# -- 1. the bytes that play are the bytes that were verified --------------------------------

def test_a_file_swapped_between_the_check_and_the_airing_never_reaches_the_air(scheduled, tmp_path):
    approved = approved_file(scheduled)
    approved_audio = audio_sha256(approved)
    other = make_station(tmp_path / "other", segments=("closing",), produced=True)
    impostor = (other / "audio_out" / "an-lac" / MONTH / "programme.mp3").read_bytes()
    player = Player(scheduled, FileOutput(None, scheduled), FakeClock(at(1, 5, 29, 59.5)))
    claim = player._claim

    def swap_then_claim(*args, **kwargs):  # the attacker's moment: after the check, before play
        approved.write_bytes(impostor)
        return claim(*args, **kwargs)

    player._claim = swap_then_claim
    [entry] = player.check()
    assert entry.result == "aired"
    [copy] = (scheduled / "played").glob("*.mp3")
    assert audio_sha256(copy) == approved_audio != audio_sha256(approved)
    [logged] = Store(scheduled).as_run()
    assert logged.audio_sha256 == approved_audio
    played = json.loads((scheduled / "played" / "played.jsonl").read_text(encoding="utf-8"))
    assert played["audio_sha256"] == approved_audio


def test_the_next_airing_of_a_swapped_file_fails_with_the_reason(scheduled, tmp_path):
    approved = approved_file(scheduled)
    other = make_station(tmp_path / "other", segments=("closing",), produced=True)
    approved.write_bytes((other / "audio_out" / "an-lac" / MONTH / "programme.mp3").read_bytes())
    [entry] = Player(scheduled, FileOutput(None, scheduled), FakeClock(at(1, 5, 29, 59.5))).check()
    assert entry.result == "failed" and "Tệp âm thanh đã duyệt không còn nguyên" in entry.error
    assert not list((scheduled / "played").glob("*.mp3"))


# -- 2. one airing per programme and time --------------------------------------------------

def test_three_hand_placed_airings_at_the_same_time_at_once_queue_one(scheduled):
    when = datetime(2026, 12, 10, 19, 0)
    outcomes = []

    def place():
        try:
            add_airing(scheduled, MONTH, when, now=BEFORE, force=True)
            outcomes.append("placed")
        except ScheduleError as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=place) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("placed") == 1, outcomes
    assert all("Không xếp được lượt phát" in o or "không xếp trùng" in o for o in outcomes if o != "placed")
    at_that_time = [a for a in queued(Store(scheduled)) if a.planned_at == when.replace(tzinfo=ZONE)]
    assert len(at_that_time) == 1


def test_two_schedule_runs_at_once_leave_the_rule_s_airings_once(tmp_path):
    folder = make_station(tmp_path, produced=True, approved=True)
    alone = make_station(tmp_path / "alone", produced=True, approved=True)
    schedule_month(alone, MONTH, now=BEFORE)
    expected = [a.planned_at for a in queued(Store(alone))]
    runs = [subprocess.Popen([sys.executable, "-c",
                              "import sys; from pathlib import Path; from datetime import datetime; from radio.schedule import schedule_month;"
                              f"schedule_month(Path(sys.argv[1]), '{MONTH}', now=datetime.fromisoformat('{BEFORE.isoformat()}'))",
                              str(folder)], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in runs:
        assert run.wait(timeout=60) == 0, run.stderr.read()
    assert [a.planned_at for a in queued(Store(folder))] == expected
    ics = (folder / "schedule" / f"{MONTH}.ics").read_text(encoding="utf-8")
    assert ics.count("BEGIN:VEVENT") == len(expected)


def test_the_store_refuses_a_second_live_airing_at_the_same_time(scheduled):
    store = Store(scheduled)
    first = queued(store)[0]
    with pytest.raises(AlreadyQueued):
        store.add_airings(MONTH, [("sang", first.planned_at)], 60, first.mp3, first.audio_sha256,
                          first.title, manual=True)


# -- 4. an emptied radio.db is not a new station -----------------------------------------

@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_a_lost_database_beside_approved_versions_is_refused_and_restored(scheduled, how):
    made = back_up(scheduled)
    queue_before = [a.id for a in queued(Store(scheduled))]
    database = scheduled / "radio.db"
    if how == "deleted":
        database.unlink()
    else:
        database.write_bytes(b"")
    for command in (("status", "-s", str(scheduled)), ("player", "status", "-s", str(scheduled)),
                    ("approve", MONTH, "--by", "A", "--role", "B", "-s", str(scheduled))):
        result = run_cli(*command, env={"COLUMNS": "250"})
        assert result.returncode != 0, command
        said = " ".join((result.stdout + result.stderr).split())
        assert "không có hoặc trống" in said and "chờ duyệt" not in said
        assert f"radio restore backups/{made.name}" in said
        assert "Traceback" not in said
    assert not database.exists() or database.stat().st_size == 0  # nothing made up in its place
    result = run_cli("restore", f"backups/{made.name}", "-s", str(scheduled), env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    assert "Đã khôi phục" in result.stdout
    assert [a.id for a in queued(Store(scheduled))] == queue_before
    assert "đã duyệt" in run_cli("status", "-s", str(scheduled)).stdout


def test_start_empty_is_a_deliberate_choice(scheduled):
    (scheduled / "radio.db").unlink()
    with pytest.raises(StoreLost):
        Store(scheduled).heads()
    result = run_cli("restore", "--start-empty", "-s", str(scheduled))
    assert result.returncode == 0 and "cơ sở dữ liệu mới" in result.stdout
    assert "chờ duyệt" in run_cli("status", "-s", str(scheduled), env={"COLUMNS": "200"}).stdout


def test_backups_are_consistent_copies_kept_for_the_station_s_days(scheduled):
    old = back_up(scheduled, now=datetime(2026, 10, 1, tzinfo=ZONE))
    os.utime(old, (time.time() - 40 * 86400,) * 2)
    result = run_cli("backup", "-s", str(scheduled))
    assert result.returncode == 0 and "Đã sao lưu" in result.stdout
    [kept] = backups(scheduled)  # the 40-day-old copy went (keep_days 30 by default)
    # A whole database (describe_copy refuses one that fails SQLite's integrity check)
    # holding the queue.
    assert Store.describe_copy(kept)["airings"] == len(queued(Store(scheduled)))
    assert list((scheduled / "anchors").glob("*.json"))


def test_a_broken_copy_is_not_restored(scheduled, tmp_path):
    broken = tmp_path / "hong.db"
    broken.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    result = run_cli("restore", str(broken), "-s", str(scheduled))
    assert result.returncode != 0 and "không" in result.stderr and "Traceback" not in result.stderr
    assert Store(scheduled).broken_record() is None  # the database in place is untouched


# -- 8. tamper evidence an insider cannot erase quietly ------------------------------------

def played_morning_and_missed_afternoon(folder):
    Player(folder, FileOutput(None, folder), FakeClock(at(1, 5, 29, 59.5))).check()
    Player(folder, FileOutput(None, folder), FakeClock(at(1, 17, 45))).check()
    assert [e.result for e in as_run_log(Store(folder))] == ["aired", "missed"]
    assert Store(folder).broken_record() is None


def test_a_deleted_as_run_row_is_named(scheduled):
    played_morning_and_missed_afternoon(scheduled)
    tamper = Tamper(scheduled)
    [missed] = tamper.rows("as_run", result="missed")
    tamper.delete("as_run", missed["id"])
    problem = Store(scheduled).broken_record()
    assert problem and "bị xoá ngoài phần mềm" in problem


def test_a_failed_airing_hidden_as_removed_and_deleted_is_named(scheduled):
    played_morning_and_missed_afternoon(scheduled)
    tamper = Tamper(scheduled)
    [missed] = tamper.rows("as_run", result="missed")
    airing_id = missed["airing_id"]
    tamper.update("airings", airing_id, removed=1)
    problem = Store(scheduled).broken_record()
    assert problem and "Lịch phát bị sửa ngoài phần mềm" in problem and str(airing_id) in problem
    tamper.delete("as_run", missed["id"])
    tamper.delete("airings", airing_id)
    assert "ngoài phần mềm" in Store(scheduled).broken_record()


def test_a_recomputed_approval_chain_no_longer_matches_its_anchor(scheduled):
    Store(scheduled).write_anchor()
    forge_approver(scheduled)
    problem = Store(scheduled).broken_record()
    assert problem and "không còn khớp với dấu kiểm" in problem and "Nhật ký duyệt" in problem


def test_the_last_row_deleted_and_its_id_reused_is_caught_by_the_anchor(scheduled):
    played_morning_and_missed_afternoon(scheduled)
    Store(scheduled).write_anchor()
    tamper = Tamper(scheduled)
    tamper.drop_guards("as_run_ledger")
    for entry in tamper.rows("as_run_ledger")[-2:]:  # the missed airing's claim and finish
        tamper.delete("as_run_ledger", entry["id"])
    [missed] = tamper.rows("as_run", result="missed")
    tamper.delete("as_run", missed["id"])
    assert "không còn khớp với dấu kiểm" in Store(scheduled).broken_record()


def test_web_actions_are_checked(scheduled):
    store = Store(scheduled)
    for action in ("login", "approve"):
        store.add_web_action(WebAction("2026-12-01T01:00:00+00:00", "binh", "leader", MONTH, action, None))
    assert store.broken_record() is None
    tamper = Tamper(scheduled)
    tamper.drop_guards("web_actions")
    [approval] = tamper.rows("web_actions", action="approve")
    tamper.update("web_actions", approval["id"], username="lan")
    problem = store.broken_record()
    assert problem and "Nhật ký thao tác trên trang web" in problem


# -- 6. the heartbeat during an airing -----------------------------------------------------

def test_the_player_says_it_is_playing_during_an_airing(tmp_path):
    folder = make_station(tmp_path, segments=("opening", "closing"), produced=True, approved=True,
                          first_sentence=True)
    duration = queued_duration(folder)
    planned = datetime.now(ZONE).replace(microsecond=0) + timedelta(seconds=3)
    add_airing(folder, MONTH, planned.replace(tzinfo=None), now=planned - timedelta(minutes=1), force=True)
    daemon = subprocess.Popen([sys.executable, "-m", "radio", "player", "run", "-s", str(folder),
                               "--output", "null", "--until", (planned + timedelta(seconds=1)).strftime("%H:%M:%S")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seen = []
        deadline = time.time() + duration + 20
        while time.time() < deadline and daemon.poll() is None:
            said = run_cli("player", "status", "-s", str(folder), env={"COLUMNS": "250"}).stdout
            beat = beat_time(folder)  # None once the daemon has ended
            if "đang phát lượt" in said and beat:
                seen.append((time.time(), beat))
            time.sleep(0.5)
    finally:
        output = daemon.communicate(timeout=60)[0]
    assert len(seen) >= 2, output
    (first_seen, first_beat), (last_seen, last_beat) = seen[0], seen[-1]
    if last_seen - first_seen >= 3:  # long enough for the heartbeat thread to beat again
        assert last_beat > first_beat, "the heartbeat stood still during the airing"


def queued_duration(folder):
    from radio.approval import MonthFiles, require_airable

    return require_airable(MonthFiles(folder, "an-lac", MONTH), Store(folder)).manifest.audio.duration_s


def beat_time(folder):
    for beat in (folder / ".player").glob("[!.]*.json"):
        try:
            return json.loads(beat.read_text(encoding="utf-8"))["at"]
        except (OSError, ValueError):
            return None
    return None


# -- 11. smaller: a killed approval, a full disk ------------------------------------------

KILLED_APPROVAL = """
import os, sys
from pathlib import Path
real_replace = os.replace
def killed_after_first_rename(source, target):
    real_replace(source, target)
    os._exit(9)  # the power goes right after the working file was moved aside
os.replace = killed_after_first_rename
from radio.approval import MonthFiles, approve
from radio.store import Store
folder = Path(sys.argv[1])
approve(MonthFiles(folder, "an-lac", "2026-12"), Store(folder), "Trần Văn Bình", "Phó Chủ tịch", None)
"""


def test_a_killed_approval_leaves_nothing_hidden_and_the_next_one_puts_it_right(tmp_path):
    folder = make_station(tmp_path, produced=True)
    programme = folder / "audio_out" / "an-lac" / MONTH
    before = (programme / "programme.mp3").read_bytes()
    killed = subprocess.run([sys.executable, "-c", KILLED_APPROVAL, str(folder)], capture_output=True)
    assert killed.returncode == 9
    assert not (programme / "programme.mp3").exists()  # the moment the kill left behind
    assert "chờ duyệt" in run_cli("status", "-s", str(folder), env={"COLUMNS": "200"}).stdout
    result = run_cli("approve", MONTH, "--by", "Trần Văn Bình", "--role", "Phó Chủ tịch", "-s", str(folder))
    assert result.returncode == 0, result.stderr
    hidden = [p for p in programme.rglob(".*") if p.is_file()]
    assert hidden == []
    assert audio_sha256(programme / "programme.mp3") == audio_sha256_of(before)
    assert "đã duyệt" in run_cli("status", "-s", str(folder)).stdout


def test_a_full_disk_is_said_once_not_every_second_and_the_airing_goes_out_after(scheduled):
    from radio.errors import OutputError

    told = []
    player = Player(scheduled, FileOutput(None, scheduled), FakeClock(at(1, 5, 29, 55)))
    player.notify = told.append
    claim, full = player.store.claim, {"ticks": 0}

    def disk_full(*args, **kwargs):
        full["ticks"] += 1
        raise OutputError("Ổ đĩa đầy, không ghi được radio.db.")

    player.store.claim = disk_full
    for _ in range(120):  # two minutes of ticks
        player.check()
        player.clock.t += timedelta(seconds=1)
    assert full["ticks"] >= 5  # it kept trying
    assert sum("Ổ đĩa đầy" in line for line in told) <= 2, told
    player.store.claim = claim
    player.clock.t += timedelta(seconds=30)
    for _ in range(40):
        if player.check():
            break
        player.clock.t += timedelta(seconds=1)
    assert [e.result for e in as_run_log(Store(scheduled))] == ["aired"]
    assert any("ghi được trở lại" in line for line in told)


# -- anchors on the website and in reports -----------------------------------------------

def forge_approver(folder):
    """An insider rewrites who approved, then recomputes the chain with the project's own
    hash, so the database alone looks whole."""
    tamper = Tamper(folder)
    tamper.drop_guards("review_events")
    for approval in tamper.rows("review_events", action="approve"):
        tamper.update("review_events", approval["id"], by_name="Người khác")
    tamper.rechain("review_events")


def test_the_published_anchor_catches_a_recomputed_chain(scheduled):
    assert run_cli("publish", "--all", "-s", str(scheduled)).returncode == 0
    anchor = json.loads((scheduled / "site" / "dau-kiem.json").read_text(encoding="utf-8"))
    assert anchor["heads"]["review_events"]["id"] >= 1
    assert "Dấu kiểm nhật ký: review_events#" in (scheduled / "site" / "index.html").read_text(encoding="utf-8")
    good = run_cli("verify", "site/dau-kiem.json", "-s", str(scheduled))
    assert good.returncode == 0 and "Nhật ký nguyên vẹn" in good.stdout
    forge_approver(scheduled)
    assert Store(scheduled).broken_record() is None  # the chain agrees with itself...
    bad = run_cli("verify", str(scheduled / "site" / "dau-kiem.json"), "-s", str(scheduled), env={"COLUMNS": "250"})
    assert bad.returncode == 1  # ...but no longer with what the website published
    assert "không còn khớp với dấu kiểm" in " ".join(bad.stdout.split())


def test_every_report_carries_the_anchor_that_catches_a_later_rewrite(scheduled):
    played_morning_and_missed_afternoon(scheduled)
    result = run_cli("report", "2026-Q4", "-s", str(scheduled))
    assert result.returncode == 0, result.stderr
    markdown = scheduled / "reports" / "bao-cao-2026-Q4.md"
    assert "Dấu kiểm nhật ký: " in markdown.read_text(encoding="utf-8")
    assert run_cli("verify", str(markdown), "-s", str(scheduled)).returncode == 0
    forge_approver(scheduled)
    assert run_cli("verify", str(markdown), "-s", str(scheduled)).returncode == 1
    line = "Dấu kiểm nhật ký: " + markdown.read_text(encoding="utf-8").split("Dấu kiểm nhật ký: ")[1].split(".")[0]
    assert run_cli("verify", line, "-s", str(scheduled)).returncode == 1  # the line itself, copied from paper


def test_a_heartbeat_being_written_is_not_a_second_player(scheduled):
    from radio.player import heartbeats
    from radio.player.outputs import NullOutput

    player = Player(scheduled, NullOutput(), FakeClock(at(1, 5, 0)))
    player.beat()
    [written] = (scheduled / ".player").glob("[!.]*.json")
    (scheduled / ".player" / f".{written.stem}.k3j2h1.json").write_bytes(written.read_bytes())  # mid-rename
    assert len(heartbeats(scheduled)) == 1


def test_the_operator_reads_the_start_offset_with_a_decimal_comma(scheduled):
    told = []
    player = Player(scheduled, FileOutput(None, scheduled), FakeClock(at(1, 5, 31, 12.25)))
    player.notify = told.append
    player.check()
    [line] = [t for t in told if "bắt đầu lệch" in t]
    assert "bắt đầu lệch +72,2 giây" in line, line
