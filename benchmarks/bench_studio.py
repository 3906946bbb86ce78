"""The studio under load: 20 people reading pages while a production runs.

Two copies of the sample station: the programme is produced on the first with nobody on
the studio, and on the second while 20 logged-in clients read pages, each opening the next
page a moment (about THINK_S, never in step with the others) after the last one arrived,
as people do. Prints median and p95 page
time (target p95 under 200 ms on loopback) and the production time with clients as a ratio
to the time without; then the same clients with no pause at all, which measures the
server's throughput on this machine rather than what a person waits.

Run with: .venv/bin/python benchmarks/bench_studio.py
"""
from __future__ import annotations

import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from radio.pipeline import compose_month, sample_station_dir
from radio.station import SAMPLE_MONTH
from radio.studio.accounts import add_account

CLIENTS = 20
THINK_S = 1.0  # on average; people do not click in step, so each pause is drawn around it
TARGET_P95_S = 0.200
PASSWORD = "mat-khau-do-tai"
PAGES = ["/s/{s}/", "/s/{s}/m/{m}", "/s/{s}/m/{m}/script", "/s/{s}/m/{m}/schedule", "/s/{s}/player",
         "/s/{s}/log"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def station(root: Path, name: str) -> Path:
    folder = root / name
    shutil.copytree(sample_station_dir(), folder)
    compose_month(folder, SAMPLE_MONTH)
    add_account(folder, "lan", "Nguyễn Thị Lan", "Công chức VH-XH", "admin", PASSWORD)
    return folder


def logged_in(base: str, slug: str) -> requests.Session:
    session = requests.Session()
    token = re.search(r'name="csrf" value="([^"]+)"', session.get(f"{base}/login").text).group(1)
    session.post(f"{base}/login", data={"csrf": token, "station": slug, "username": "lan", "password": PASSWORD})
    return session


def produce(base: str, slug: str, session: requests.Session) -> float:
    page = session.get(f"{base}/s/{slug}/m/{SAMPLE_MONTH}").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    began = time.perf_counter()
    session.post(f"{base}/s/{slug}/m/{SAMPLE_MONTH}/produce", data={"csrf": token})
    while "job-done" not in (job := session.get(f"{base}/s/{slug}/m/{SAMPLE_MONTH}/job").text):
        if "role=\"alert\"" in job:
            raise SystemExit("production failed: " + job)
        time.sleep(0.2)
    return time.perf_counter() - began


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "RADIO_CACHE_DIR": str(root / "cache")}
        os.environ.update(RADIO_CACHE_DIR=env["RADIO_CACHE_DIR"])
        station(root / "stations", "quiet")
        station(root / "stations", "busy")
        station(root / "stations", "flat")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "radio", "studio", "--stations", str(root / "stations"),
                                   "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    requests.get(f"{base}/login", timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            alone = produce(base, "quiet", logged_in(base, "quiet"))
            sessions = [logged_in(base, "busy") for _ in range(CLIENTS)]
            busy, times = under_load(base, sessions, THINK_S)
            flat_out, flat_times = under_load(base, sessions, 0.0, slug="flat")
        finally:
            server.terminate()
            server.wait(timeout=10)
    report(f"{CLIENTS} clients, each opening a page about every {THINK_S:g} s", times)
    print(f"  production alone {alone:.1f} s, with clients {busy:.1f} s   ratio {busy / alone:.2f}")
    report(f"{CLIENTS} clients with no pause (throughput)", flat_times)
    print(f"  production with them {flat_out:.1f} s   ratio {flat_out / alone:.2f}; "
          f"{len(flat_times) / flat_out:.0f} pages/s")
    return 0


def under_load(base: str, sessions: list, think_s: float, slug: str = "busy") -> tuple[float, list[float]]:
    """Produce ``slug``'s programme (never made before) while ``sessions`` read pages."""
    times: list[float] = []
    stop = threading.Event()

    def read(session: requests.Session, offset: int) -> None:
        pause = random.Random(offset)
        index = offset
        stop.wait(pause.uniform(0, think_s))
        while not stop.is_set():
            path = PAGES[index % len(PAGES)].format(s="busy", m=SAMPLE_MONTH)
            began = time.perf_counter()
            session.get(base + path)
            times.append(time.perf_counter() - began)
            index += 1
            stop.wait(pause.uniform(0.5, 1.5) * think_s)

    readers = [threading.Thread(target=read, args=(s, i)) for i, s in enumerate(sessions)]
    for reader in readers:
        reader.start()
    took = produce(base, slug, logged_in(base, slug))
    stop.set()
    for reader in readers:
        reader.join()
    return took, times


def report(label: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{label}: {len(times)} pages read during a production")
    print(f"  page time median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms   "
          f"ratio to target {p95 / TARGET_P95_S:.2f} (≤ 1 is on target: p95 ≤ 200 ms)")


if __name__ == "__main__":
    sys.exit(main())
