"""The player daemon, for real, in its own process, through a rehearsed stretch of airings
while this process breaks things around it: a corrupted script, a deleted or truncated
approved file, a manifest with keys removed, the database locked for 15 s, and SIGKILLs
followed by restarts. Every due airing must end with exactly one closed as-run entry, none
is played twice, and the daemon is alive at the end. Two daemons racing on one station
never play one airing twice either.
"""
import json
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from radio.approval import MonthFiles, require_airable
from radio.schedule import add_airing
from radio.store import Store, hold_exclusive_lock
from tests.fixtures import make_station
from tests.test_schedule_player import MONTH, ZONE

SPEED = 200.0  # station seconds per real second
START = datetime(2026, 12, 2, 8, 0, tzinfo=ZONE)
CLOSED = {"aired", "failed", "missed", "interrupted"}


@pytest.fixture
def rehearsal(tmp_path):
    return make_station(tmp_path, produced=True, approved=True)


def queue_airings(folder, count, every_min, first_min=2):
    before = START - timedelta(hours=1)
    times = [START + timedelta(minutes=first_min + n * every_min) for n in range(count)]
    for at in times:
        add_airing(folder, MONTH, at.replace(tzinfo=None), now=before)
    return times


class Daemon:
    def __init__(self, folder):
        self.folder, self.began = folder, time.time()
        self.process = None
        self.said = []  # what every process of this daemon printed

    def station_now(self):
        return START + timedelta(seconds=(time.time() - self.began) * SPEED)

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radio", "player", "run", "-s", str(self.folder), "--output", "null",
             "--rehearse", f"{START.isoformat()}@{SPEED}@{self.began}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.said.append(self.process.communicate()[0])

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.said.append(self.process.communicate(timeout=30)[0])
        return "\n".join(self.said)


def wait_until(daemon, moment):
    while daemon.station_now() < moment:
        time.sleep(0.05)


def log_rows(folder):
    return [(entry.airing_id, entry.result, entry.error) for entry in Store(folder, readonly=True).as_run()]


def test_chaos_every_airing_closes_once_and_the_daemon_survives(rehearsal):
    folder = rehearsal
    times = queue_airings(folder, count=14, every_min=5)
    approved = require_airable(MonthFiles(folder, "an-lac", MONTH), Store(folder))
    script = folder / "scripts" / f"{MONTH}.yaml"
    pristine = {path: path.read_bytes() for path in (approved.mp3, approved.mp3.with_suffix(".json"), script)}
    rng = random.Random(20261124)

    def restore():
        for path, data in pristine.items():
            path.write_bytes(data)

    def corrupt_script():
        script.write_text("segments: [\n  - id: 01\n", encoding="utf-8")

    def delete_mp3():
        approved.mp3.unlink()

    def truncate_mp3():
        approved.mp3.write_bytes(pristine[approved.mp3][:5000])

    def strip_manifest():
        manifest = json.loads(pristine[approved.mp3.with_suffix(".json")])
        manifest.pop("audio")
        approved.mp3.with_suffix(".json").write_text(json.dumps(manifest), encoding="utf-8")

    daemon = Daemon(folder)
    daemon.start()
    damages = [corrupt_script, delete_mp3, truncate_mp3, strip_manifest]
    done_lock = done_kill = 0
    for step in range(len(times)):
        wait_until(daemon, times[step] - timedelta(minutes=1))
        assert daemon.process.poll() is None, daemon.process.communicate()[0]
        roll = rng.random()
        if step == 10 and not done_lock:
            with hold_exclusive_lock(folder):
                time.sleep(15)  # fifty station minutes: airings in between end as missed
            done_lock = 1
        elif step in (2, 9) and done_kill < 2:
            wait_until(daemon, times[step] + timedelta(seconds=20))  # in the middle of the airing
            daemon.kill()
            daemon.start()
            done_kill += 1
        elif roll < 0.5:
            rng.choice(damages)()
            wait_until(daemon, times[step] + timedelta(minutes=2))
            restore()
    wait_until(daemon, times[-1] + timedelta(minutes=4))
    deadline = time.monotonic() + 30  # the daemon catches up after the lock: give it time
    while time.monotonic() < deadline and len(log_rows(folder)) < len(times):
        time.sleep(0.2)
    time.sleep(1)
    assert daemon.process.poll() is None  # alive at the end
    output = daemon.stop()
    rows = log_rows(folder)
    by_airing = {}
    for airing_id, result, error in rows:
        by_airing.setdefault(airing_id, []).append((result, error))
    assert sorted(by_airing) == sorted(a.id for a in Store(folder).queued()), output
    for airing_id, entries in by_airing.items():
        assert len(entries) == 1, (airing_id, entries)
        result, error = entries[0]
        assert result in CLOSED, (airing_id, result, output)
        if result in ("failed", "missed"):
            assert error
    results = [entries[0][0] for entries in by_airing.values()]
    assert "aired" in results and "missed" in results  # the lock cost airings, others played
    assert "Traceback" not in output


def test_two_daemons_racing_never_play_an_airing_twice(rehearsal):
    folder = rehearsal
    # The first airing comes after the daemons have surely started, even on a slow machine:
    # every airing must be played, by exactly one of them.
    times = queue_airings(folder, count=4, every_min=3, first_min=15)
    first, second = Daemon(folder), Daemon(folder)
    second.began = first.began
    first.start()
    second.start()
    wait_until(first, times[-1] + timedelta(minutes=3))
    deadline = time.monotonic() + 30  # a loaded machine may start the last airing late
    while time.monotonic() < deadline and sum(1 for r in log_rows(folder) if r[1] != "playing") < 4:
        time.sleep(0.2)
    assert first.process.poll() is None and second.process.poll() is None
    first.stop()
    second.stop()
    rows = log_rows(folder)
    assert len(rows) == 4 and len({r[0] for r in rows}) == 4
    assert all(r[1] == "aired" for r in rows), rows


def test_a_daemon_started_while_the_database_is_held_waits_instead_of_exiting(rehearsal):
    folder = rehearsal
    with hold_exclusive_lock(folder):
        daemon = subprocess.Popen(
            [sys.executable, "-m", "radio", "player", "run", "-s", str(folder), "--output", "null",
             "--until", (datetime.now(ZONE) + timedelta(seconds=14)).strftime("%Y-%m-%d %H:%M:%S")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(12)  # longer than the store's own 10 s wait for a lock
        assert daemon.poll() is None, daemon.communicate()[0]
    said = daemon.communicate(timeout=30)[0]
    assert daemon.returncode == 0, said
    assert "cơ sở dữ liệu đang bị giữ" in said
