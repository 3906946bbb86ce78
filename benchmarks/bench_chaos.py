"""Chaos soak: the real player daemon through a simulated hour of faults.

Run with: .venv/bin/python benchmarks/bench_chaos.py [--minutes 60] [--speed 30] [--seed N]

A station with a programme of a few seconds gets one airing every simulated minute. The
daemon runs in its own process on a rehearsal clock (``--speed`` station seconds per real
second) with the ``file`` output, which keeps a copy and the audio hash of everything it
airs. Meanwhile this script breaks things at random, seeded: SIGKILL and SIGTERM with
restarts, the database held, the approved MP3 swapped for another programme, truncated,
byte-flipped or deleted, typos in the script and station.yaml, three schedulers placing the
same time at once, and readers of `radio player status`. Each fault is undone after a while.

It prints, for the airings that came due:
  due / closed once / open / duplicated / wrong audio
and exits 0 only when all but "closed once" are 0 (and every due airing closed once).
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONTH = "2026-12"
CLOSED = {"aired", "failed", "missed", "interrupted"}


class Daemon:
    """The player as the station runs it, on a rehearsal clock shared across restarts."""

    def __init__(self, folder: Path, start: datetime, speed: float) -> None:
        self.folder, self.start_at, self.speed = folder, start, speed
        self.began = time.time()
        self.process: subprocess.Popen | None = None
        self.said: list[str] = []

    def now(self) -> datetime:
        return self.start_at + timedelta(seconds=(time.time() - self.began) * self.speed)

    def run(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radio", "player", "run", "-s", str(self.folder), "--output", "file",
             "--rehearse", f"{self.start_at.isoformat()}@{self.speed}@{self.began}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)

    def end(self, sig: int) -> None:
        self.process.send_signal(sig)
        self.said.append(self.process.communicate(timeout=60)[0])

    def wait_until(self, moment: datetime) -> None:
        while self.now() < moment:
            time.sleep(0.05)


def build_station(parent: Path) -> tuple[Path, bytes]:
    """The sample station cut to a programme of a few seconds, approved; and the bytes of
    another station's programme, to swap in."""
    from tests.fixtures import make_station

    folder = make_station(parent, segments=("closing",), produced=True, approved=True, first_sentence=True)
    other = make_station(parent / "other", segments=("opening",), produced=True, first_sentence=True)
    return folder, (other / "audio_out" / "an-lac" / MONTH / "programme.mp3").read_bytes()


def queue(folder: Path, times: list[datetime]) -> None:
    from radio.schedule import add_airing

    for at in times:
        add_airing(folder, MONTH, at.replace(tzinfo=None), now=times[0] - timedelta(hours=1), force=True)


class Faults:
    def __init__(self, folder: Path, daemon: Daemon, impostor: bytes, rng: random.Random) -> None:
        from radio.approval import MonthFiles, require_airable
        from radio.store import Store

        self.folder, self.daemon, self.impostor, self.rng = folder, daemon, impostor, rng
        self.mp3 = require_airable(MonthFiles(folder, "an-lac", MONTH), Store(folder)).mp3
        self.script = folder / "scripts" / f"{MONTH}.yaml"
        self.station = folder / "station.yaml"
        self.pristine = {p: p.read_bytes() for p in (self.mp3, self.script, self.station)}
        self.told: Counter[str] = Counter()
        self.failures: list[str] = []

    def restore(self) -> None:
        for path, data in self.pristine.items():
            path.write_bytes(data)

    # Each fault returns after setting its damage; ``restore`` undoes the file ones.
    def kill(self) -> None:
        self.daemon.end(signal.SIGKILL)
        time.sleep(self.rng.uniform(0, 2))
        self.daemon.run()

    def terminate(self) -> None:
        self.daemon.end(signal.SIGTERM)
        time.sleep(self.rng.uniform(0, 4))
        self.daemon.run()

    def hold_database(self) -> None:
        from radio.store import hold_exclusive_lock

        with hold_exclusive_lock(self.folder):
            time.sleep(self.rng.uniform(3, 12))

    def swap(self) -> None:
        self.mp3.write_bytes(self.impostor)

    def truncate(self) -> None:
        self.mp3.write_bytes(self.pristine[self.mp3][: len(self.pristine[self.mp3]) // 3])

    def flip(self) -> None:
        data = bytearray(self.pristine[self.mp3])
        data[len(data) // 2] ^= 0xFF
        self.mp3.write_bytes(bytes(data))

    def delete(self) -> None:
        self.mp3.unlink()

    def script_typo(self) -> None:
        self.script.write_text(self.pristine[self.script].decode() + "\n  - id: [\n", encoding="utf-8")

    def station_typo(self) -> None:
        self.station.write_text(self.pristine[self.station].decode().replace("slots:", "slot:", 1), encoding="utf-8")

    def racing_schedulers(self) -> None:
        """Three processes placing one time at once (the queued airing's own time, in station
        time): the lock and the store must leave it queued once."""
        now = self.daemon.now()
        when = now.replace(second=30, microsecond=0) + timedelta(minutes=2)  # between two airings
        place = ("import sys; from datetime import datetime; from pathlib import Path; "
                 "from radio.schedule import add_airing; from radio.errors import RadioError\n"
                 "try: add_airing(Path(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3]), "
                 "now=datetime.fromisoformat(sys.argv[4]), force=True)\n"
                 "except RadioError: pass")
        procs = [subprocess.Popen([sys.executable, "-c", place, str(self.folder), MONTH,
                                   when.replace(tzinfo=None).isoformat(), now.isoformat()],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
                 for _ in range(3)]
        for proc in procs:
            if proc.wait(timeout=60) != 0:
                self.failures.append(proc.stderr.read())

    def choose(self):
        fault = self.rng.choice([self.kill, self.terminate, self.hold_database, self.swap, self.truncate,
                                 self.flip, self.delete, self.script_typo, self.station_typo,
                                 self.racing_schedulers])
        self.told[fault.__name__] += 1
        return fault


def status_readers(folder: Path, stop: threading.Event) -> int:
    reads = 0
    while not stop.is_set():
        subprocess.run([sys.executable, "-m", "radio", "player", "status", "-s", str(folder)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        reads += 1
    return reads


def tally(folder: Path, until: datetime, approved_audio: str) -> dict[str, int]:
    from radio.store import Store

    store = Store(folder, readonly=True)
    due = {airing.id: airing.planned_at for airing in store.queued() if airing.planned_at <= until}
    per_airing: dict[int, list[str]] = {}
    for entry in store.as_run():
        per_airing.setdefault(entry.airing_id, []).append(entry.result)
    closed_once = sum(1 for a in due if [r for r in per_airing.get(a, []) if r in CLOSED] and len(per_airing[a]) == 1)
    open_ = sum(1 for a in due if not any(r in CLOSED for r in per_airing.get(a, [])))
    same_time = Counter(at for at in due.values())
    played = _played(folder)
    # The file output keeps a copy of everything it aired: more copies than airings logged
    # as on air means something went out twice.
    on_air = sum(1 for results in per_airing.values() for r in results if r in ("aired", "interrupted"))
    duplicated = (sum(len(r) - 1 for r in per_airing.values() if len(r) > 1)
                  + sum(n - 1 for n in same_time.values() if n > 1)
                  + max(0, len(played) - on_air))
    wrong = sum(1 for p in played if p.get("audio_sha256") != approved_audio)
    return {"due": len(due), "closed once": closed_once, "open": open_, "duplicated": duplicated,
            "wrong audio": wrong}


def _played(folder: Path) -> list[dict]:
    log = folder / "played" / "played.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=60, help="simulated minutes of airings")
    parser.add_argument("--speed", type=float, default=30.0, help="station seconds per real second")
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    from radio.audio.identity import audio_sha256
    from radio.schedule import station_zone
    from radio.station import load_station

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="radio-chaos-") as tmp:
        folder, impostor = build_station(Path(tmp))
        zone = station_zone(load_station(folder))
        start = datetime(2026, 12, 2, 8, 0, tzinfo=zone)
        times = [start + timedelta(minutes=2 + n) for n in range(args.minutes)]
        queue(folder, times)
        daemon = Daemon(folder, start, args.speed)
        faults = Faults(folder, daemon, impostor, rng)
        approved_audio = audio_sha256(faults.mp3)
        stop_reading = threading.Event()
        reader = threading.Thread(target=status_readers, args=(folder, stop_reading), daemon=True)
        daemon.run()
        reader.start()
        began = time.monotonic()
        for at in times:
            daemon.wait_until(at - timedelta(seconds=rng.uniform(5, 50)))
            if rng.random() < 0.6:
                faults.choose()()
                daemon.wait_until(at + timedelta(seconds=rng.uniform(0, 40)))
                faults.restore()
        daemon.wait_until(times[-1] + timedelta(minutes=3))
        stop_reading.set()
        reader.join(timeout=30)
        until = daemon.now() - timedelta(minutes=2)
        daemon.end(signal.SIGTERM)
        result = tally(folder, until, approved_audio)
        output = "\n".join(daemon.said)
    print(f"chaos soak: {args.minutes} simulated minutes at ×{args.speed:g} in {time.monotonic() - began:.0f} s, "
          f"seed {args.seed}")
    print("  faults: " + ", ".join(f"{name} {count}" for name, count in sorted(faults.told.items())))
    print("  " + " / ".join(result))
    print("  " + " / ".join(str(value) for value in result.values()))
    tracebacks = output.count("Traceback")
    print(f"  tracebacks in the daemon's output: {tracebacks}; scheduler processes that crashed: {len(faults.failures)}")
    bad = result["open"] + result["duplicated"] + result["wrong audio"] + tracebacks + len(faults.failures)
    ok = bad == 0 and result["closed once"] == result["due"]
    print(f"  {'on target' if ok else 'OFF TARGET'}: open, duplicated, wrong audio must be 0 "
          f"and every due airing closed once ({result['closed once']}/{result['due']})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
