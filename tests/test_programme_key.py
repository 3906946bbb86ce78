"""The programme key (a month's programme, a bulletin, a relay), the player's three ways of
cutting an airing short, and a station made by the release before keys opening with this one."""
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from radio.approval import MonthFiles, reject
from radio.audio.identity import audio_sha256, audio_sha256_of
from radio.errors import RadioError
from radio.player import Player, RehearsalClock
from radio.player.outputs import FileOutput, NullOutput
from radio.programme import ProgrammeKey
from radio.reports import build_report, period_of
from radio.schedule import add_airing, schedule_month, station_zone
from radio.station import load_station, sample_station_dir
from radio.store import Store, WebAction, now_iso
from tests.conftest import run_cli
from tests.fixtures import make_station

MONTH = "2026-12"
OLD_STATION = Path(__file__).parent / "data" / "station-v924"
ZONE = station_zone(load_station(sample_station_dir()))


# -- the key ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind, ident", [
    ("2027-01", "month", "2027-01"),
    ("bulletin:bao-lu-2027-10-02", "bulletin", "bao-lu-2027-10-02"),
    ("relay:vov1-thoi-su", "relay", "vov1-thoi-su"),
])
def test_a_key_is_read_and_written_one_way(text, kind, ident):
    key = ProgrammeKey.parse(text)
    assert (key.kind, key.id) == (kind, ident)
    assert str(key) == text and ProgrammeKey.parse(str(key)) == key


def test_a_months_key_is_written_as_the_month_and_no_other_key_looks_like_one():
    assert str(ProgrammeKey.month("2027-01")) == "2027-01"
    assert ProgrammeKey.month("2027-01").label() == "tháng 2027-01"
    assert ProgrammeKey("bulletin", "2027-01") != ProgrammeKey.month("2027-01")
    assert str(ProgrammeKey("bulletin", "2027-01")) == "bulletin:2027-01"


@pytest.mark.parametrize("text, words", [
    ("2027-13", "Tháng '2027-13' không hợp lệ"),
    ("bulletin:", "Mã bản tin '' không hợp lệ"),
    ("bulletin:Bão Lũ", "Mã bản tin 'Bão Lũ' không hợp lệ"),
    ("relay:../../etc", "không hợp lệ"),
    ("tin:bao-lu", "Không có loại chương trình 'tin'"),
])
def test_text_that_names_no_programme_is_refused_in_words(text, words):
    with pytest.raises(RadioError) as refused:
        ProgrammeKey.parse(text)
    assert words in refused.value.message and refused.value.hint


# -- the store and the player keyed by programme -------------------------------------------------

def at(day, hour, minute, second=0.0):
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE) + timedelta(seconds=second)


@pytest.fixture
def scheduled(tmp_path):
    folder = make_station(tmp_path, produced=True, approved=True)
    schedule_month(folder, MONTH, now=datetime(2026, 11, 30, 12, tzinfo=ZONE))
    return folder


def test_a_bulletin_is_queued_and_logged_by_its_key_and_refused_until_it_can_be_made(scheduled):
    store = Store(scheduled)
    bulletin = ProgrammeKey("bulletin", "bao-lu")
    month = store.queued(programme=MONTH)[0]
    [airing_id] = store.add_airings(bulletin, [("thu-cong", at(1, 4, 0))], 60.0, month.mp3,
                                    month.audio_sha256, "Bản tin bão lũ", manual=True)
    [queued] = store.queued(programme=bulletin)
    assert queued.id == airing_id and queued.programme == bulletin and queued.month is None
    assert all(a.programme == ProgrammeKey.month(MONTH) for a in store.queued(programme=MONTH))
    # The player asks for the bulletin's files; it has none (no bulletins/bao-lu/), so it is
    # logged as failed, not aired.
    [entry] = Player(scheduled, NullOutput(), RehearsalClock(at(1, 3, 59, 59.5), 1.0)).check()
    assert entry.result == "failed" and "Không có tệp của bản tin bao-lu" in entry.error
    assert [e.airing_id for e in store.as_run(programme=bulletin)] == [airing_id]
    assert store.as_run(programme=MONTH) == []
    assert store.broken_record() is None
    assert run_cli("verify", "-s", str(scheduled)).returncode == 0


# -- shutdown, interruption and pre-emption ---------------------------------------------------

def on_air_then(player: Player, request) -> threading.Thread:
    """Make ``request`` from another thread as soon as the airing is on air (the operator,
    or a bulletin arriving, is not the thread that plays)."""
    def wait_and_ask():
        while player.current is None:
            time.sleep(0.005)
        request()

    asker = threading.Thread(target=wait_and_ask)
    asker.start()
    return asker


def rehearsal(folder: Path, airing_start: datetime, output=None) -> Player:
    # Ten times real time: the airing is on air for seconds of real time, long enough for
    # another thread to see it; the request ends it at once.
    return Player(folder, output or NullOutput(), RehearsalClock(airing_start - timedelta(seconds=0.5), 10.0))


def test_an_airing_pre_empted_by_a_bulletin_says_by_which_and_the_player_goes_on(scheduled):
    player = rehearsal(scheduled, at(1, 5, 30))
    bulletin = ProgrammeKey("bulletin", "bao-lu-2026-12-01")
    asker = on_air_then(player, lambda: player.preempt(bulletin, "cảnh báo bão số 9"))
    entry, again = player.check()
    asker.join()
    assert entry.result == "preempted"
    # Queued again after the cut (bulletins.after_emergency: requeue) and aired whole.
    assert again.result == "aired" and Store(scheduled).queued_airing(again.airing_id).slot_id == "phat-lai"
    assert entry.error == "Nhường sóng cho bản tin bao-lu-2026-12-01: cảnh báo bão số 9."
    # Where it stopped is in the log (what resuming or re-queuing it needs), and it was cut
    # well before its end.
    heard = (datetime.fromisoformat(entry.ended_at) - datetime.fromisoformat(entry.started_at)).total_seconds()
    duration = Store(scheduled).queued_airing(entry.airing_id).duration_s
    assert 0 <= heard < duration / 2
    assert not player.stop.is_set()  # the daemon is not asked to stop
    player.clock = RehearsalClock(at(1, 16, 59, 59.5), 10.0)
    assert [e.result for e in player.check()] == ["aired"]
    log = run_cli("log", "--month", MONTH, "-s", str(scheduled), env={"COLUMNS": "250"})
    assert "nhường sóng" in log.stdout and "bão số 9" in log.stdout


def test_an_operator_interruption_is_logged_with_its_reason(scheduled):
    player = rehearsal(scheduled, at(1, 5, 30))
    assert player.interrupt("thử") is False  # nothing on air: nothing happens
    asker = on_air_then(player, lambda: player.interrupt("loa khu 3 hú, tạm ngắt để sửa"))
    [entry] = player.check()
    asker.join()
    assert entry.result == "interrupted" and entry.error == "Bị ngắt giữa chừng: loa khu 3 hú, tạm ngắt để sửa."
    assert not player.stop.is_set()


def test_a_shutdown_cuts_the_airing_and_stops_the_daemon_in_its_own_words(scheduled):
    player = rehearsal(scheduled, at(1, 5, 30))
    asker = on_air_then(player, lambda: player.shutdown("nhận tín hiệu SIGTERM"))
    [entry] = player.check()
    asker.join()
    assert entry.result == "interrupted"
    assert entry.error == "Máy phát dừng khi đang phát lượt này (nhận tín hiệu SIGTERM)."
    assert player.stop.is_set()
    # The first request is the one recorded: a shutdown after a pre-emption does not rename it.
    player = rehearsal(scheduled, at(1, 17, 0))
    asker = on_air_then(player, lambda: (player.preempt(ProgrammeKey("relay", "vov1")), player.shutdown()))
    [entry] = player.check()
    asker.join()
    assert entry.result == "preempted" and entry.error == "Nhường sóng cho chương trình tiếp sóng vov1."


def test_cut_airings_count_what_was_heard_and_keep_the_log_whole(scheduled):
    player = rehearsal(scheduled, at(1, 5, 30))
    asker = on_air_then(player, lambda: player.preempt(ProgrammeKey("bulletin", "khan")))
    player.check()
    asker.join()
    store = Store(scheduled)
    assert store.airing_counts(MONTH) == (5, 2)  # on air in part, then queued again and aired
    assert store.broken_record() is None
    assert run_cli("verify", "-s", str(scheduled)).returncode == 0


# -- a station made by release 924c781 ---------------------------------------------------------

@pytest.fixture
def old_station(tmp_path):
    folder = tmp_path / "an-lac"
    shutil.copytree(OLD_STATION, folder)
    return folder


def test_an_old_station_reads_as_it_was_without_being_changed(old_station):
    before = (old_station / "radio.db").read_bytes()
    status = run_cli("status", "-s", str(old_station), env={"COLUMNS": "200"})
    assert status.returncode == 0
    [row] = [line for line in status.stdout.splitlines() if MONTH in line]
    assert "đã duyệt" in row and "Trần Văn Bình" in row
    history = run_cli("history", MONTH, "-s", str(old_station), env={"COLUMNS": "200"})
    assert "trả lại" in history.stdout and "Đọc lại số điện thoại" in history.stdout
    assert "duyệt" in history.stdout and "Đồng ý phát." in history.stdout
    assert "binh" in history.stdout  # the studio's web action
    player = run_cli("player", "status", "-s", str(old_station), env={"COLUMNS": "200"})
    assert all(word in player.stdout for word in ("đã phát", "lỗi", "bỏ lỡ"))
    assert run_cli("verify", "-s", str(old_station)).returncode == 0
    assert (old_station / "radio.db").read_bytes() == before  # looking never migrates


def test_an_old_station_airs_its_queued_airing_and_its_log_stays_whole(old_station):
    store = Store(old_station)
    [waiting] = [a for a in store.queued() if a.id not in store.logged_airing_ids()]
    assert waiting.programme == ProgrammeKey.month(MONTH)
    player = Player(old_station, FileOutput(None, old_station), RehearsalClock(waiting.planned_at - timedelta(seconds=0.5), 1.0))
    [entry] = player.check()
    assert entry.result == "aired" and entry.airing_id == waiting.id
    # What went out is the approved version pinned by the old release, byte for byte.
    [copy] = (old_station / "played").glob("*.mp3")
    pinned = next((old_station / "audio_out" / "an-lac" / MONTH / "versions").glob("*.mp3"))
    assert copy.read_bytes() == pinned.read_bytes() and audio_sha256(copy) == waiting.audio_sha256
    assert audio_sha256_of(pinned.read_bytes()).startswith(pinned.stem)
    # The migrated chains and the new rows after them still hold, against the old anchor too.
    assert store.broken_record() is None
    verify = run_cli("verify", "-s", str(old_station))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert [e.action for e in store.review_events(MONTH)] == ["produce", "reject", "approve"]
    assert [a.programme for a in store.web_actions()] == [ProgrammeKey.month(MONTH)]
    # New links on every migrated chain: a decision and a web action after the old ones.
    reject(MonthFiles(old_station, "an-lac", MONTH), store, "Trần Văn Bình", "leader", "Nghe lại đoạn kết.")
    store.add_web_action(WebAction(now_iso(), "binh", "leader", ProgrammeKey.month(MONTH), "reject", "Nghe lại."))
    assert [e.action for e in store.review_events(ProgrammeKey.month(MONTH))][-1] == "reject"
    assert store.broken_record() is None
    assert run_cli("verify", "-s", str(old_station)).returncode == 0


def test_an_old_stations_report_counts_what_its_log_had(old_station):
    def figures():
        report = build_report(old_station, period_of("2026-Q4"), now=datetime(2026, 12, 31, tzinfo=ZONE))
        [programme] = report.programmes
        return (report.airings_planned, report.count("aired"), report.count("failed"), report.count("missed"),
                programme.approved_by, programme.airings_aired, round(report.minutes_aired * 60, 1))

    duration = Store(old_station).queued()[0].duration_s
    looked = figures()
    assert looked == (4, 1, 1, 1, "Trần Văn Bình", 1, round(duration, 1))
    Store(old_station).heads()  # a writer opens it: migrated now
    assert figures() == looked



def test_a_copy_taken_before_the_upgrade_restores_into_the_new_release(old_station):
    copy = old_station / "backups" / "radio-20261215-000000.db"
    copy.parent.mkdir()
    shutil.copy(old_station / "radio.db", copy)  # what the old release's daily copy was
    store = Store(old_station)
    [waiting] = [a for a in store.queued() if a.id not in store.logged_airing_ids()]
    Player(old_station, NullOutput(), RehearsalClock(waiting.planned_at - timedelta(seconds=0.5), 60.0)).check()
    assert len(store.as_run()) == 4
    restored = run_cli("restore", "backups/radio-20261215-000000.db", "-s", str(old_station))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert [e.result for e in store.as_run()] == ["aired", "failed", "missed"]
    assert store.broken_record() is None and run_cli("verify", "-s", str(old_station)).returncode == 0



def test_sigterm_to_the_daemon_logs_the_airing_as_cut_by_the_shutdown(tmp_path):
    folder = make_station(tmp_path, produced=True, approved=True)
    on_air = datetime(2026, 12, 2, 8, 2, tzinfo=ZONE)
    add_airing(folder, MONTH, on_air.replace(tzinfo=None), now=on_air - timedelta(hours=1))
    # Two station seconds a second: the airing begins a few seconds after the daemon and is
    # under way, far from its end, when the signal comes.
    start, began = on_air - timedelta(seconds=8), time.time()
    daemon = subprocess.Popen([sys.executable, "-m", "radio", "player", "run", "-s", str(folder), "--output",
                               "null", "--rehearse", f"{start.isoformat()}@2@{began}"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while start + timedelta(seconds=(time.time() - began) * 2) < on_air + timedelta(seconds=6):
        time.sleep(0.05)
    daemon.send_signal(signal.SIGTERM)
    said = daemon.communicate(timeout=30)[0]
    [entry] = Store(folder).as_run()
    assert entry.result == "interrupted", said
    assert entry.error == "Máy phát dừng khi đang phát lượt này (nhận tín hiệu SIGTERM).", said


def test_an_old_stations_log_edited_after_the_upgrade_is_named(old_station):
    from radio.store import Tamper

    store = Store(old_station)
    store.heads()  # the new release writes: migrated
    tamper = Tamper(old_station)
    [failed] = tamper.rows("as_run", result="failed")
    tamper.update("as_run", failed["id"], result="aired", error=None)  # a failure hidden
    problem = store.broken_record()
    assert problem and f"lượt phát số {failed['airing_id']}" in problem
    tamper.update("as_run", failed["id"], result="failed", error=failed["error"])
    assert store.broken_record() is None
    # A decision forged under the programme's key is named with the key's words.
    tamper.drop_guards("review_events")
    [approval] = tamper.rows("review_events", action="approve")
    tamper.forge("review_events", approval["id"], by_name="Kẻ giả mạo", chain="khong-dung")
    problem = store.broken_record()
    assert problem and "tháng 2026-12, approve, Kẻ giả mạo" in problem
    assert run_cli("verify", "-s", str(old_station)).returncode != 0
