"""Bulletins on air with the real daemon (issue 32): an emergency pre-empts what plays, a
priority bulletin goes before the next programme, repeats survive a SIGKILL."""
import json
import time
from datetime import datetime, timedelta

import pytest

from radio.bulletin import new_bulletin
from radio.config import load_model
from radio.models import Station
from radio.pipeline import sample_station_dir
from radio.player import as_run_log
from radio.schedule import REQUEUED_SLOT, RESUMED_SLOT, add_airing, queued, station_zone
from radio.store import Store
from tests.conftest import run_cli
from tests.fixtures import make_station, player_daemon, stop_daemon, wait_for

MONTH = "2026-12"
ZONE = station_zone(load_model(sample_station_dir() / "station.yaml", Station))
# Short, so each airing of it is a few seconds of the test's wall time.
NOTICE = "Thông báo khẩn: nước sông đang lên nhanh. Bà con vùng trũng lên chỗ cao ngay."


@pytest.fixture
def station(tmp_path):
    folder = make_station(tmp_path, produced=True, approved=True, first_sentence=True)
    path = folder / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "bulletins:\n  gap_s: 1\n", encoding="utf-8")
    return folder


def played(station):
    """What the file output aired, in order: (moment it started, source file)."""
    log = station / "played" / "played.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [(datetime.fromisoformat(e["at"]), e["source"]) for e in map(json.loads, lines)]


def finished(station, key):
    return [e for e in as_run_log(Store(station, readonly=True), programme=key) if e.result != "playing"]


@pytest.mark.parametrize("after", ["requeue", "resume"])
def test_an_emergency_approved_while_a_programme_plays_is_on_air_within_two_seconds(station, after):
    path = station / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"  after_emergency: {after}\n", encoding="utf-8")
    made = new_bulletin(station, level="khan-cap", text=NOTICE)
    now = datetime.now(ZONE)
    add_airing(station, MONTH, (now + timedelta(seconds=4)).replace(tzinfo=None), now=now, force=True)
    player = player_daemon(station)
    try:
        wait_for(lambda: Store(station, readonly=True).now_playing(), what="the programme on air")
        time.sleep(4)  # well into the 16.7 s programme
        approved = run_cli("bulletin", "approve", made.files.id, "--by", "Trần Văn Bình",
                           "--role", "Chủ tịch UBND xã", "-s", str(station))
        approved_at = datetime.now(ZONE)
        assert approved.returncode == 0, approved.stderr
        wait_for(lambda: finished(station, made.files.key), what="the emergency aired")
        [requeued] = wait_for(lambda: [e for e in finished(station, MONTH) if e.result == "aired"],
                              what="the programme played again after the emergency")
    finally:
        said = stop_daemon(player)
    starts = dict((source, at) for at, source in reversed(played(station)))
    emergency_start = next(at for source, at in starts.items() if "bulletins/" in source)
    assert (emergency_start - approved_at).total_seconds() < 2.0, said
    cut, again = as_run_log(Store(station), programme=MONTH)
    assert cut.result == "preempted" and f"Nhường sóng cho bản tin {made.files.id}" in cut.error
    [emergency] = as_run_log(Store(station), programme=made.files.key)
    assert emergency.result == "aired" and datetime.fromisoformat(emergency.started_at) >= \
        datetime.fromisoformat(cut.ended_at)
    again_airing = Store(station).queued_airing(again.airing_id)
    assert f"lượt {cut.airing_id}" in again_airing.note
    assert datetime.fromisoformat(again.started_at) >= datetime.fromisoformat(emergency.ended_at)
    assert [source for _, source in played(station)] == [cut.file, emergency.file, cut.file]
    log = (station / "played" / "played.jsonl").read_text(encoding="utf-8").splitlines()
    whole, _, second = (station / "played" / json.loads(line)["file"] for line in log)
    heard = (datetime.fromisoformat(cut.ended_at) - datetime.fromisoformat(cut.started_at)).total_seconds()
    if after == "requeue":
        assert again_airing.slot_id == REQUEUED_SLOT and again_airing.resume_from_s == 0
        assert second.read_bytes() == whole.read_bytes()
    else:  # played on from where it was cut, the last two seconds heard again
        assert again_airing.slot_id == RESUMED_SLOT and "Phát tiếp" in again_airing.note
        assert abs(again_airing.resume_from_s - (heard - 2)) < 0.5
        cut_duration = Store(station).queued_airing(cut.airing_id).duration_s
        assert abs(again_airing.duration_s - (cut_duration - again_airing.resume_from_s)) < 0.01
        assert again_airing.resume_from_s > 1.5  # from well inside, not from the start
        left = 1 - again_airing.resume_from_s / cut_duration
        assert abs(second.stat().st_size / whole.stat().st_size - left) < 0.05  # what was sent


def test_a_priority_bulletin_plays_before_the_next_programme(station):
    made = new_bulletin(station, level="uu-tien", text=NOTICE)
    now = datetime.now(ZONE)
    add_airing(station, MONTH, (now + timedelta(seconds=8)).replace(tzinfo=None), now=now, force=True)
    approved = run_cli("bulletin", "approve", made.files.id, "--by", "Trần Văn Bình", "--role", "Chủ tịch",
                       "-s", str(station))
    assert approved.returncode == 0, approved.stderr
    player = player_daemon(station)
    try:
        wait_for(lambda: finished(station, MONTH), what="the programme aired")
    finally:
        stop_daemon(player)
    [bulletin] = as_run_log(Store(station), programme=made.files.key)
    [programme] = as_run_log(Store(station), programme=MONTH)
    assert bulletin.result == programme.result == "aired"
    assert [source for _, source in played(station)] == [bulletin.file, programme.file]


def test_repeats_survive_a_sigkill_and_a_restart_exactly_once_each(station):
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    made = new_bulletin(station, level="thuong", text=NOTICE, at=f"10:00 {tomorrow:%d/%m/%Y}",
                        repeat=3, every_min=1)
    approved = run_cli("bulletin", "approve", made.files.id, "--by", "Trần Văn Bình", "--role", "Chủ tịch",
                       "-s", str(station))
    assert approved.returncode == 0, approved.stderr
    airings = queued(Store(station), programme=made.files.key)
    assert [a.planned_at.strftime("%H:%M") for a in airings] == ["10:00", "10:01", "10:02"]
    start = datetime.combine(tomorrow, datetime.min.time(), ZONE).replace(hour=9, minute=59, second=58)
    rehearsal = f"{start.isoformat()}@10@{time.time()}"  # the same station clock across the restart
    first = player_daemon(station, "--rehearse", rehearsal)
    try:
        wait_for(lambda: finished(station, made.files.key), what="the first airing")
    finally:
        first.kill()
        first.wait()
    second = player_daemon(station, "--rehearse", rehearsal)
    try:
        wait_for(lambda: len(finished(station, made.files.key)) == 3, what="all three airings")
    finally:
        stop_daemon(second)
    entries = as_run_log(Store(station), programme=made.files.key)
    assert sorted(e.airing_id for e in entries) == [a.id for a in airings]
    assert [e.result for e in entries] == ["aired"] * 3
    assert len(played(station)) == 3  # the restart replayed nothing


@pytest.mark.skipif(__import__("tests.icecast_server", fromlist=["ICECAST"]).ICECAST is None,
                    reason="Debian's icecast2 is not installed")
def test_a_listener_of_the_icecast_mount_hears_the_emergency_within_two_seconds(station):
    import numpy as np
    from scipy.signal import fftconvolve

    from radio.approval import require_airable
    from tests.conftest import decode
    from tests.icecast_server import LISTEN_RATE, IcecastServer, Listener

    server = IcecastServer()
    server.start()
    try:
        with open(station / "station.yaml", "a", encoding="utf-8") as profile:
            profile.write(server.section("/an-lac.mp3"))
        made = new_bulletin(station, level="khan-cap", text=NOTICE)
        now = datetime.now(ZONE)
        add_airing(station, MONTH, (now + timedelta(seconds=6)).replace(tzinfo=None), now=now, force=True)
        player = player_daemon(station, output="icecast")
        listener = None
        try:
            wait_for(lambda: Store(station, readonly=True).now_playing(), what="the programme on air")
            listener = Listener(server.url("/an-lac.mp3"))
            time.sleep(4)
            approved = run_cli("bulletin", "approve", made.files.id, "--by", "Trần Văn Bình",
                               "--role", "Chủ tịch UBND xã", "-s", str(station))
            approved_at = time.time()
            assert approved.returncode == 0, approved.stderr
            wait_for(lambda: finished(station, made.files.key), what="the emergency aired")
        finally:
            if listener is not None:
                listener.stop()
            said = stop_daemon(player)
        tone = decode(require_airable(made.files, Store(station)).mp3, LISTEN_RATE)[: int(1.4 * LISTEN_RATE)]
        heard = listener.samples()
        match = fftconvolve(heard, tone[::-1], mode="valid")
        start = int(np.argmax(match))
        # The attention tone is found where it is, and nowhere near as well elsewhere.
        assert match[start] > 0.5 * float(np.dot(tone, tone)), said
        assert listener.arrival(start) - approved_at < 2.0, said
    finally:
        server.remove()
    [cut] = [e for e in as_run_log(Store(station), programme=MONTH) if e.result == "preempted"]
    assert "Nhường sóng" in cut.error
