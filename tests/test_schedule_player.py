"""Scheduling the approved programme and playing it on time, with a controllable clock."""
import csv
import shutil
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from radio.approval import ApprovalError, MonthFiles, approve, require_airable
from radio.config import load_model, save_model
from radio.models import Script, Slot, Station
from radio.pipeline import produce_month, sample_station_dir
from radio.player import Player, as_run_log
from radio.player.outputs import FileOutput, NullOutput
from radio.schedule import ScheduleError, add_airing, queued, schedule_month, station_zone
from radio.store import Store, Tamper, hold_exclusive_lock
from tests.conftest import run_cli
from tests.fixtures import FakeClock, make_station

MONTH = "2026-12"
ZONE = station_zone(load_model(sample_station_dir() / "station.yaml", Station))
BEFORE = datetime(2026, 11, 30, 12, 0, tzinfo=ZONE)




def at(day, hour, minute, second=0.0):
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE) + timedelta(seconds=second)


@pytest.fixture
def station(tmp_path):
    return make_station(tmp_path, produced=True, approved=True)


@pytest.fixture
def scheduled(station):
    schedule_month(station, MONTH, now=BEFORE)
    return station


def edit_station(folder, **changes):
    path = folder / "station.yaml"
    station = load_model(path, Station)
    save_model(path, station.model_copy(update=changes))


def test_rule_places_four_airings_first_and_third_week_morning_and_afternoon(scheduled):
    airings = queued(Store(scheduled), programme=MONTH)
    assert [a.planned_at for a in airings] == [at(1, 5, 30), at(1, 17, 0), at(15, 5, 30), at(15, 17, 0)]


def test_scheduling_again_keeps_airing_numbers_unless_the_file_changed(scheduled):
    first = [a.id for a in queued(Store(scheduled), programme=MONTH)]
    assert [a.id for a in schedule_month(scheduled, MONTH, now=BEFORE).airings] == first
    path = scheduled / "scripts" / f"{MONTH}.yaml"
    script = load_model(path, Script)
    edited = script.segments[0].model_copy(update={"text": script.segments[0].text + " Xin cảm ơn."})
    save_model(path, script.model_copy(update={"segments": [edited, *script.segments[1:]]}))
    produce_month(scheduled, MONTH, engine_override="dummy")
    approve(MonthFiles(scheduled, "an-lac", MONTH), Store(scheduled), "Nguyễn Văn Bình", "Phó Chủ tịch", None)
    again = schedule_month(scheduled, MONTH, now=BEFORE).airings
    assert len(again) == 4 and not set(a.id for a in again) & set(first)


def test_holidays_and_relays_move_or_block_airings(station):
    edit_station(station, schedule=load_model(station / "station.yaml", Station).schedule.model_copy(
        update={"holidays": ["2026-12-01"]}))
    placed = schedule_month(station, MONTH, now=BEFORE)
    assert placed.airings[0].planned_at == at(2, 5, 30)

    stn = load_model(station / "station.yaml", Station)
    relay = Slot(id="tiep-song", name="Tiếp sóng Đài tỉnh", start="05:00", length_min=40,
                 weekdays=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], kind="relay")
    edit_station(station, slots=[*stn.slots, relay])
    with pytest.raises(ScheduleError) as caught:
        schedule_month(station, MONTH, now=BEFORE)
    assert "trùng giờ tiếp sóng 'Tiếp sóng Đài tỉnh'" in str(caught.value)
    assert "01/12 là ngày nghỉ (ngày nghỉ riêng của đài)" in str(caught.value)


VIETNAM_2027_HOLIDAYS = {"2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08",
                         "2027-02-09", "2027-02-10"}  # Tết Dương lịch; Tết Nguyên đán Đinh Mùi


@pytest.mark.parametrize("month, weekday", [("2027-01", None), ("2027-02", "fri")])
def test_the_rule_places_nothing_on_new_year_or_the_lunar_new_year(month, weekday):
    from radio.schedule import rule_dates

    station = load_model(sample_station_dir() / "station.yaml", Station)
    station = station.model_copy(update={"schedule": station.schedule.model_copy(update={
        "cchc": station.schedule.cchc.model_copy(update={"weekday": weekday})})})
    placed = {at.date().isoformat() for at in rule_dates(station, month)}
    assert placed and not placed & VIETNAM_2027_HOLIDAYS
    # Without the public calendar the same rule lands on them: the check above can fail.
    bare = station.model_copy(update={"schedule": station.schedule.model_copy(update={"public_holidays": False})})
    assert {at.date().isoformat() for at in rule_dates(bare, month)} & VIETNAM_2027_HOLIDAYS
    # A station may air on a public holiday it chooses.
    chosen = sorted({at.date().isoformat() for at in rule_dates(bare, month)} & VIETNAM_2027_HOLIDAYS)
    keeps = station.model_copy(update={"schedule": station.schedule.model_copy(update={"not_holidays": chosen})})
    assert set(chosen) <= {at.date().isoformat() for at in rule_dates(keeps, month)}


def test_programme_longer_than_its_slot_is_refused(station):
    stn = load_model(station / "station.yaml", Station)
    edit_station(station, slots=[s.model_copy(update={"length_min": 1}) for s in stn.slots])
    with pytest.raises(ScheduleError) as caught:
        schedule_month(station, MONTH, now=BEFORE)
    assert "khung giờ 'Buổi sáng' chỉ có 1 phút" in str(caught.value)


def test_manual_airing_is_checked_for_overlap(scheduled):
    with pytest.raises(ScheduleError) as caught:
        add_airing(scheduled, MONTH, at(1, 5, 31).replace(tzinfo=None), now=BEFORE)
    assert "trùng với lượt phát đã xếp" in str(caught.value)
    placed = add_airing(scheduled, MONTH, at(20, 19, 0).replace(tzinfo=None), now=BEFORE)
    assert any(a.manual and a.planned_at == at(20, 19, 0) for a in placed.airings)


def test_scheduling_refuses_a_changed_script_until_reapproved(station):
    path = station / "scripts" / f"{MONTH}.yaml"
    script = load_model(path, Script)
    edited = script.segments[0].model_copy(update={"text": script.segments[0].text + " Xin cảm ơn."})
    save_model(path, script.model_copy(update={"segments": [edited, *script.segments[1:]]}))
    result = run_cli("schedule", MONTH, "-s", str(station))
    assert result.returncode == 1 and "đã thay đổi sau khi duyệt" in result.stderr
    produce_month(station, MONTH, engine_override="dummy")
    approve(MonthFiles(station, "an-lac", MONTH), Store(station), "Nguyễn Văn Bình", "Phó Chủ tịch", None)
    assert schedule_month(station, MONTH, now=BEFORE).airings


def approved_file(folder):
    """The approved version the queue points at (pinned under versions/)."""
    return require_airable(MonthFiles(folder, "an-lac", MONTH), Store(folder)).mp3


def test_scheduling_refuses_a_swapped_mp3(station, tmp_path):
    other = make_station(tmp_path, produced=True, approved=True, name="other")
    change_voice_speed(other)  # the same short script spoken slower: different audio
    swapped = produce_month(other, MONTH, engine_override="dummy").mp3
    shutil.copyfile(swapped, approved_file(station))
    with pytest.raises(ApprovalError):
        schedule_month(station, MONTH, now=BEFORE)


def test_the_queue_plays_the_approved_version_not_the_working_copy(scheduled):
    assert all(a.mp3.startswith(f"audio_out/an-lac/{MONTH}/versions/") for a in queued(Store(scheduled)))


def test_ics_imports_and_matches_the_queue(scheduled):
    calendar = Calendar.from_ical((scheduled / "schedule" / f"{MONTH}.ics").read_bytes())
    events = calendar.walk("VEVENT")
    airings = queued(Store(scheduled), programme=MONTH)
    assert [e.decoded("dtstart") for e in events] == [a.planned_at for a in airings]
    for event, airing in zip(events, airings):  # iCalendar times are whole seconds
        length = (event.decoded("dtend") - event.decoded("dtstart")).total_seconds()
        assert abs(length - airing.duration_s) < 1
    assert len({str(e["uid"]) for e in events}) == len(airings)
    playlist = scheduled / "schedule" / MONTH / "2026-12-01.m3u8"
    lines = playlist.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and (playlist.parent / lines[2]).resolve().exists()
    assert "Thứ Ba 01/12/2026" in (scheduled / "schedule" / f"{MONTH}.html").read_text(encoding="utf-8")


def player(station, start, output=None):
    return Player(station, output or NullOutput(), FakeClock(start))


def test_airing_starts_on_the_second(scheduled):
    entries = player(scheduled, at(1, 5, 29, 59.4)).check()
    assert [e.result for e in entries] == ["aired"]
    started = datetime.fromisoformat(entries[0].started_at)
    assert abs((started - at(1, 5, 30)).total_seconds()) <= 1.0
    ended = datetime.fromisoformat(entries[0].ended_at)
    assert (ended - started).total_seconds() == pytest.approx(queued(Store(scheduled))[0].duration_s, abs=0.5)


def test_restart_mid_day_neither_replays_nor_loses(scheduled):
    player(scheduled, at(1, 5, 29, 59.5)).check()
    restarted = player(scheduled, at(1, 12, 0))
    assert restarted.check() == []
    assert [a.planned_at for a in restarted.next_airings(1)] == [at(1, 17, 0)]
    restarted.clock.t = at(1, 16, 59, 59.5)
    assert [e.result for e in restarted.check()] == ["aired"]
    log = as_run_log(Store(scheduled))
    assert [e.result for e in log] == ["aired", "aired"]
    assert len({e.airing_id for e in log}) == 2


def test_late_start_plays_within_grace_and_logs_missed_beyond(scheduled):
    entries = player(scheduled, at(1, 5, 35)).check()
    assert [e.result for e in entries] == ["aired"]
    entries = player(scheduled, at(1, 17, 45)).check()
    assert [e.result for e in entries] == ["missed"] and "không phát bù" in entries[0].error


@pytest.mark.parametrize("damage", ["deleted", "truncated", "edited_after_approval"])
def test_a_broken_airing_is_logged_and_the_next_one_still_plays(scheduled, damage):
    mp3 = approved_file(scheduled)
    script_path = scheduled / "scripts" / f"{MONTH}.yaml"
    good_mp3, good_script = mp3.read_bytes(), script_path.read_bytes()
    if damage == "deleted":
        mp3.unlink()
    elif damage == "truncated":
        mp3.write_bytes(good_mp3[: len(good_mp3) // 3])
    else:
        script_path.write_text(script_path.read_text(encoding="utf-8").replace("bà con", "người dân", 1),
                               encoding="utf-8")
    morning = player(scheduled, at(1, 5, 29, 59.5)).check()
    assert [e.result for e in morning] == ["failed"] and morning[0].error
    mp3.write_bytes(good_mp3)
    script_path.write_bytes(good_script)
    afternoon = player(scheduled, at(1, 16, 59, 59.5)).check()
    assert [e.result for e in afternoon] == ["aired"]


def test_fallback_ident_plays_instead_of_a_broken_file(scheduled):
    shutil.copyfile(scheduled / "audio_out" / "an-lac" / MONTH / "programme.mp3", scheduled / "ident.mp3")
    stn = load_model(scheduled / "station.yaml", Station)
    edit_station(scheduled, schedule=stn.schedule.model_copy(update={"fallback": "ident.mp3"}))
    scheduled.joinpath(queued(Store(scheduled))[0].mp3).unlink()
    output = FileOutput(None, scheduled)
    entries = player(scheduled, at(1, 5, 29, 59.5), output).check()
    assert entries[0].result == "failed" and "Đã phát nhạc dự phòng ident.mp3" in entries[0].error
    assert [p.name.endswith("ident.mp3") for p in (scheduled / "played").glob("*.mp3")] == [True]


def test_file_output_writes_what_would_be_played(scheduled):
    output = FileOutput(None, scheduled)
    player(scheduled, at(1, 5, 29, 59.5), output).check()
    copies = list((scheduled / "played").glob("*.mp3"))
    assert len(copies) == 1 and copies[0].name.startswith("20261201-0530")
    assert f"{MONTH}/versions/" in (scheduled / "played" / "played.jsonl").read_text(encoding="utf-8")


def test_stop_during_playback_ends_the_entry_cleanly(scheduled):
    class StoppingClock(FakeClock):
        def sleep(self, seconds, stop):
            super().sleep(min(seconds, 30), stop)
            if seconds > 30:  # SIGTERM arrives half a minute into the programme
                stopping.shutdown("nhận tín hiệu SIGTERM")

    stopping = Player(scheduled, NullOutput(), StoppingClock(at(1, 5, 29, 59.5)))
    entries = stopping.check()
    assert [e.result for e in entries] == ["interrupted"] and entries[0].ended_at
    assert entries[0].error == "Máy phát dừng khi đang phát lượt này (nhận tín hiệu SIGTERM)."


def test_two_players_never_play_the_same_airing(scheduled):
    first, second = player(scheduled, at(1, 5, 29, 59.5)), player(scheduled, at(1, 5, 29, 59.5))
    assert len(first.check()) == 1 and second.check() == []


def test_log_command_exports_csv(scheduled, tmp_path):
    player(scheduled, at(1, 5, 29, 59.5)).check()
    out = tmp_path / "log.csv"
    result = run_cli("log", "--month", MONTH, "-s", str(scheduled), "--csv", str(out))
    assert result.returncode == 0
    # For people: Vietnamese headers and words, the station's time as officers write it.
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert list(rows[0]) == ["Mã lượt phát", "Giờ định phát", "Bắt đầu", "Kết thúc", "Tệp", "Đầu ra",
                             "Kết quả", "Lỗi"]
    assert [r["Kết quả"] for r in rows] == ["đã phát"] and rows[0]["Giờ định phát"] == "01/12/2026 05:30:00"
    # For programs: the stable machine-readable columns (ISO times, result codes).
    raw = tmp_path / "log-raw.csv"
    assert run_cli("log", "--month", MONTH, "-s", str(scheduled), "--csv", str(raw), "--csv-raw").returncode == 0
    rows = list(csv.DictReader(raw.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["result"] for r in rows] == ["aired"] and rows[0]["planned_at"].startswith("2026-12-01T05:30")
    status = run_cli("player", "status", "-s", str(scheduled), env={"COLUMNS": "200"})
    assert status.returncode == 0 and "đã phát" in status.stdout
    months = run_cli("status", MONTH, "-s", str(scheduled), env={"COLUMNS": "200"})
    row = next(line for line in months.stdout.splitlines() if MONTH in line)
    assert "đã duyệt" in row and [c.strip() for c in row.split("│")][3:6] == ["có", "4", "1"]


# -- the player never dies ------------------------------------------------------------------

def test_a_script_typo_at_airing_time_fails_that_airing_and_the_next_one_plays(scheduled):
    script_path = scheduled / "scripts" / f"{MONTH}.yaml"
    good = script_path.read_bytes()
    script_path.write_text("segments: [\n  - id: 01\n", encoding="utf-8")  # a YAML typo
    morning = player(scheduled, at(1, 5, 29, 59.5)).check()
    assert [e.result for e in morning] == ["failed"]
    assert "YAML" in morning[0].error and f"{MONTH}.yaml" in morning[0].error
    script_path.write_bytes(good)
    assert [e.result for e in player(scheduled, at(1, 16, 59, 59.5)).check()] == ["aired"]


def test_a_manifest_without_its_audio_key_fails_the_airing_without_a_traceback(scheduled):
    import json
    manifest_path = approved_file(scheduled).with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["audio"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    entries = player(scheduled, at(1, 5, 29, 59.5)).check()
    assert [e.result for e in entries] == ["failed"] and entries[0].error


def test_a_locked_database_is_waited_out_and_the_airing_plays_late_within_grace(scheduled, monkeypatch):
    from radio import store as store_module
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
    told = []
    p = player(scheduled, at(1, 5, 29, 59.5))
    p.notify = told.append
    with hold_exclusive_lock(scheduled):
        assert p.check() == []  # no exception: the database is busy, try later
        assert any("Thử lại sau" in line for line in told)
        p.clock.t = at(1, 5, 31)
        assert p.check() == []  # still within the backoff or still locked
    p.clock.t = at(1, 5, 33)
    entries = p.check()
    assert [e.result for e in entries] == ["aired"]


def test_status_during_an_airing_leaves_the_live_entry_alone(scheduled):
    from radio.player import player_identity
    from radio.store import Store
    airing = queued(Store(scheduled))[0]
    Store(scheduled).claim(airing, at(1, 5, 30), "null", player_identity())  # this process is live
    result = run_cli("player", "status", "-s", str(scheduled), env={"COLUMNS": "200"})
    assert result.returncode == 0 and "Đang phát: " in result.stdout and "không có" not in result.stdout.split("Đang phát:")[1][:20]
    assert Store(scheduled).now_playing().airing_id == airing.id
    # A second player object (as a second `player run` builds) changes nothing either.
    player(scheduled, at(1, 5, 31))
    assert Store(scheduled).now_playing().airing_id == airing.id


def test_a_starting_daemon_closes_only_a_dead_players_entries(scheduled):
    from radio.player import player_identity
    from radio.store import Store
    first, second = queued(Store(scheduled))[:2]
    Store(scheduled).claim(first, at(1, 5, 30), "null", "999999999@" + __import__("socket").gethostname())
    Store(scheduled).claim(second, at(1, 17, 0), "null", player_identity())
    assert player(scheduled, at(1, 17, 1)).recover() == 1
    log = {e.airing_id: e for e in as_run_log(Store(scheduled))}
    assert log[first.id].result == "interrupted" and log[second.id].result == "playing"


def test_player_status_shows_the_heartbeat_and_its_age(scheduled):
    p = player(scheduled, datetime.now(ZONE))
    p.beat()
    result = run_cli("player", "status", "-s", str(scheduled), env={"COLUMNS": "200"})
    assert "đang chạy" in result.stdout and "tín hiệu cuối cách đây" in result.stdout
    p.end_heartbeat()
    result = run_cli("player", "status", "-s", str(scheduled), env={"COLUMNS": "200"})
    assert "không thấy máy phát nào đang chạy" in result.stdout


# -- approved audio never changes under the operator -----------------------------------------

def new_script(folder):
    """A script the fixture's approval does not cover."""
    path = folder / "scripts" / f"{MONTH}.yaml"
    script = load_model(path, Script)
    last = script.segments[-1]
    save_model(path, script.model_copy(update={"segments": [
        *script.segments[:-1], last.model_copy(update={"text": last.text + " Chúc bà con mạnh khỏe."})]}))


def change_voice_speed(folder):
    """The same script, spoken at another speed: the audio changes, the script does not."""
    stn = load_model(folder / "station.yaml", Station)
    edit_station(folder, announcers=[a.model_copy(update={"speed": 0.8}) for a in stn.announcers])


def test_reproducing_after_scheduling_keeps_airing_the_approved_version(scheduled):
    before = approved_file(scheduled)
    approved_bytes = before.read_bytes()
    change_voice_speed(scheduled)
    new = produce_month(scheduled, MONTH, engine_override="dummy")
    assert new.manifest.audio.audio_sha256 != queued(Store(scheduled))[0].audio_sha256
    assert before.read_bytes() == approved_bytes  # the approved version was not touched
    state = __import__("radio.approval", fromlist=["status"]).status(MonthFiles(scheduled, "an-lac", MONTH), Store(scheduled))
    assert state.state == "approved" and "chờ duyệt" in state.detail and "Bản phát" in state.detail
    assert [e.result for e in player(scheduled, at(1, 5, 29, 59.5)).check()] == ["aired"]
    assert new.manifest.approval is None  # the new version is not approved by anyone yet


def test_an_approval_given_before_production_binds_one_production_only(station):
    from radio.approval import status
    from mutagen.id3 import ID3
    folder = station
    store = Store(folder)
    new_script(folder)
    approve(MonthFiles(folder, "an-lac", MONTH), store, "Trần Thị Hoa", "Chủ tịch", None)
    first = produce_month(folder, MONTH, engine_override="dummy")
    bound = first.manifest.audio.audio_sha256
    change_voice_speed(folder)
    second = produce_month(folder, MONTH, engine_override="dummy")
    assert second.manifest.audio.audio_sha256 != bound
    airable = require_airable(MonthFiles(folder, "an-lac", MONTH), store)
    assert airable.audio_sha256 == bound
    assert not ID3(second.mp3).getall("TXXX:approval")
    assert "chờ duyệt" in status(MonthFiles(folder, "an-lac", MONTH), store).detail
    notes = [e.note for e in store.review_events(MONTH) if e.action == "produce"]
    assert sum(1 for n in notes if n and "Gắn với lần duyệt" in n) == 1


def produced_unapproved(folder):
    """A new script produced but not approved: the working file, the trail's length."""
    new_script(folder)
    produce_month(folder, MONTH, engine_override="dummy")
    return folder / "audio_out" / "an-lac" / MONTH / "programme.mp3", len(Store(folder).review_events(MONTH))


def test_approve_on_a_full_disk_records_nothing(station, monkeypatch):
    import errno

    from radio import fileio
    from radio.errors import OutputError
    folder, store = station, Store(station)
    working, events_before = produced_unapproved(folder)
    before = (working.read_bytes(), (working.parent / "manifest.json").read_bytes())
    real_stage, calls = fileio.Staged.stage, []

    def full_disk(self, target, data):
        calls.append(target)
        if len(calls) == 3:  # the disk fills up half-way through
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_stage(self, target, data)

    monkeypatch.setattr(fileio.Staged, "stage", full_disk)
    with pytest.raises(OutputError) as caught:
        approve(MonthFiles(folder, "an-lac", MONTH), store, "A", "Chủ tịch", None)
    assert "chưa ghi nhận việc duyệt" in caught.value.message
    assert len(store.review_events(MONTH)) == events_before
    assert (working.read_bytes(), (working.parent / "manifest.json").read_bytes()) == before
    assert not [p for p in working.parent.rglob(".*") if p.is_file()]


def test_approve_when_the_rename_fails_leaves_the_old_files_and_no_approval(station, monkeypatch):
    import os as os_module

    from radio.errors import OutputError
    folder, store = station, Store(station)
    working, events_before = produced_unapproved(folder)
    before = working.read_bytes()
    real_replace, calls = os_module.replace, []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 4:
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(os_module, "replace", flaky)
    with pytest.raises(OutputError):
        approve(MonthFiles(folder, "an-lac", MONTH), store, "A", "Chủ tịch", None)
    monkeypatch.setattr(os_module, "replace", real_replace)
    assert len(store.review_events(MONTH)) == events_before  # no approval recorded
    assert working.read_bytes() == before  # the working file is back as it was
    assert not [p for p in working.parent.rglob(".*") if p.is_file()]


def test_temporary_files_of_a_killed_production_are_removed(station):
    folder = station / "audio_out" / "an-lac" / MONTH
    leftover = folder / ".programme.kx81qz.mp3"
    leftover.write_bytes(b"\0" * 200_000)
    produce_month(station, MONTH, engine_override="dummy")
    assert not leftover.exists()
    leftover.write_bytes(b"\0" * 200_000)
    result = run_cli("cache", "prune", "--older-than", "3650", "-s", str(station))
    assert result.returncode == 0, result.stderr
    assert not leftover.exists() and "tệp tạm" in result.stdout


def test_manual_airing_longer_than_its_slot_needs_force_and_is_recorded(scheduled):
    stn = load_model(scheduled / "station.yaml", Station)
    slots = [s.model_copy(update={"length_min": 1}) if s.id == "chieu" else s for s in stn.slots]
    edit_station(scheduled, slots=slots)
    with pytest.raises(ScheduleError) as caught:
        add_airing(scheduled, MONTH, at(9, 17, 0).replace(tzinfo=None), now=BEFORE)
    assert "vượt quá khung 'Buổi chiều'" in caught.value.message and "--force" in caught.value.hint
    placed = add_airing(scheduled, MONTH, at(9, 17, 0).replace(tzinfo=None), now=BEFORE, force=True)
    forced = next(a for a in placed.airings if a.planned_at == at(9, 17, 0))
    assert forced.note and "--force" in forced.note and "Buổi chiều" in forced.note


def test_manual_airing_outside_the_programme_month_needs_force(scheduled):
    with pytest.raises(ScheduleError) as caught:
        add_airing(scheduled, MONTH, datetime(2027, 1, 20, 19, 0), now=BEFORE)
    assert "không thuộc tháng 2026-12" in caught.value.message


# -- tamper evidence -------------------------------------------------------------------------

def test_a_forged_approval_after_dropping_the_trigger_is_detected(scheduled):
    assert Store(scheduled).broken_record() is None
    tamper = Tamper(scheduled)
    [approval] = tamper.rows("review_events", action="approve")
    tamper.forge("review_events", approval["id"], at="2026-12-01T00:00:00+00:00", by_name="Kẻ giả mạo",
                 role="Chủ tịch", script_sha256="x", audio_sha256="y", chain="khong-dung")
    problem = Store(scheduled).broken_record()
    assert problem and "Nhật ký duyệt bị sửa ngoài phần mềm" in problem and "Kẻ giả mạo" in problem
    result = run_cli("status", "-s", str(scheduled), env={"COLUMNS": "200"})
    assert result.returncode == 0 and "Cảnh báo" in result.stdout and "Kẻ giả mạo" in result.stdout


def test_an_edited_as_run_row_is_detected_and_named_in_the_report(scheduled):
    from radio.reports import build_report, parse_period, summary_lines
    entries = player(scheduled, at(1, 5, 35)).check() + player(scheduled, at(1, 17, 45)).check()
    assert [e.result for e in entries] == ["aired", "missed"]
    assert Store(scheduled).broken_record() is None
    tamper = Tamper(scheduled)  # someone turns the missed airing into an aired one
    [missed] = tamper.rows("as_run", result="missed")
    tamper.update("as_run", missed["id"], result="aired", started_at=missed["planned_at"],
                  ended_at=missed["planned_at"], error=None)
    problem = Store(scheduled).broken_record()
    assert problem and "Nhật ký phát bị sửa ngoài phần mềm" in problem
    report = build_report(scheduled, parse_period("quarter", "2026-Q4"), now=at(31, 12, 0))
    assert summary_lines(report)[0].startswith("Cảnh báo: Nhật ký phát bị sửa")


def test_status_sees_an_approved_file_altered_even_with_its_size_and_time_kept(station):
    """`radio status` remembers audio hashes between runs; a same-size edit with the old
    modification time put back must still show as changed (the inode's ctime moves)."""
    import os

    assert "đã duyệt" in run_cli("status", "-s", str(station)).stdout  # hashes remembered
    pinned = approved_file(station)
    data = bytearray(pinned.read_bytes())
    stat = pinned.stat()
    data[-5000] ^= 0xFF
    pinned.write_bytes(bytes(data))
    os.utime(pinned, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    shown = run_cli("status", "-s", str(station), env={"COLUMNS": "300"}).stdout
    assert "không còn nguyên" in shown and "đã thay đổi" in shown


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_files_are_written_with_the_umasks_permissions(station, tmp_path, umask, mode):
    """A player running as another user must be able to read what the officer made."""
    import os
    import stat
    import subprocess
    import sys

    def run(*args):
        return subprocess.run([sys.executable, "-m", "radio", *args], capture_output=True, text=True,
                              preexec_fn=lambda: os.umask(umask), timeout=300)

    assert run("init", str(tmp_path / "moi")).returncode == 0
    assert run("schedule", MONTH, "-s", str(station)).returncode == 0
    assert run("produce", MONTH, "-s", str(station), "--engine", "dummy").returncode == 0
    written = [tmp_path / "moi" / "station.yaml", station / "schedule" / f"{MONTH}.ics",
               next((station / "schedule" / MONTH).glob("*.m3u8")),
               MonthFiles(station, "an-lac", MONTH).manifest]
    assert {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in written} == \
        {path.name: oct(mode) for path in written}


def test_adding_an_airing_on_a_public_holiday_outside_the_month_asks_for_force(station):
    refused = run_cli("schedule", MONTH, "-s", str(station), "--add", "2027-01-01 09:00")
    assert refused.returncode == 1
    assert "không thuộc tháng 2026-12" in refused.stderr and "Tết Dương lịch" in refused.stderr
    assert "--force" in refused.stderr and not queued(Store(station))
    forced = run_cli("schedule", MONTH, "-s", str(station), "--add", "2027-01-01 09:00", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "Tết Dương lịch" in queued(Store(station))[0].note


def test_the_log_by_programme_month_and_by_airing_dates(station):
    """December's programme aired on 5 January belongs to `--month 2026-12` and to
    `--aired-in 2027-01`, not to `--aired-in 2026-12`."""
    add_airing(station, MONTH, datetime(2027, 1, 5, 9, 0), now=BEFORE, force=True)
    moment = datetime(2027, 1, 5, 8, 59, 59, 500000, tzinfo=ZONE)
    assert [e.result for e in player(station, moment).check()] == ["aired"]

    def logged(*args):
        out = run_cli("log", *args, "-s", str(station), env={"COLUMNS": "200"})
        assert out.returncode == 0, out.stderr
        return sum(1 for line in out.stdout.splitlines() if "05/01/2027" in line)

    assert logged("--month", MONTH) == 1 and logged("--aired-in", "2027-01") == 1
    assert logged("--aired-in", MONTH) == 0
    neither = run_cli("log", "-s", str(station))
    assert neither.returncode == 1 and "--aired-in" in neither.stderr


@pytest.mark.parametrize("hard", [False, True])
def test_until_lets_the_airing_under_way_finish_or_cuts_it_with_hard(station, hard):
    planned = datetime(2026, 12, 2, 8, 0, tzinfo=ZONE)
    add_airing(station, MONTH, planned.replace(tzinfo=None), now=BEFORE)
    start = planned - timedelta(seconds=5)
    result = run_cli("player", "run", "-s", str(station), "--output", "null",
                     "--until", "2026-12-02 08:00:08", *(["--hard"] if hard else []),
                     "--rehearse", f"{start.isoformat()}@10", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "Máy phát sẽ dừng lúc 08:00:08" in result.stdout
    [entry] = as_run_log(Store(station))
    if hard:
        assert entry.result == "interrupted" and "dừng ngay (--hard)" in result.stdout
    else:
        assert entry.result == "aired" and "đã phát xong lượt đó rồi dừng" in result.stdout
        assert "thêm --hard" in result.stdout
