"""The studio under load: 20 people reading pages while a production runs.

Two copies of the sample station: the programme is produced on the first with nobody on
the studio, and on the second while 20 logged-in clients read pages as fast as they get
answers. Prints median and p95 page time (target p95 under 200 ms on loopback) and the
production time with clients as a ratio to the time without.

Run with: .venv/bin/python benchmarks/bench_studio.py
"""
from __future__ import annotations

import os
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
            times: list[float] = []
            stop = threading.Event()

            def read(session: requests.Session, offset: int) -> None:
                index = offset
                while not stop.is_set():
                    path = PAGES[index % len(PAGES)].format(s="busy", m=SAMPLE_MONTH)
                    began = time.perf_counter()
                    session.get(base + path)
                    times.append(time.perf_counter() - began)
                    index += 1

            readers = [threading.Thread(target=read, args=(s, i)) for i, s in enumerate(sessions)]
            for reader in readers:
                reader.start()
            busy = produce(base, "busy", logged_in(base, "busy"))
            stop.set()
            for reader in readers:
                reader.join()
        finally:
            server.terminate()
            server.wait(timeout=10)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{CLIENTS} clients, {len(times)} pages read during a production")
    print(f"  page time median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms   "
          f"ratio to target {p95 / TARGET_P95_S:.2f} (≤ 1 is on target: p95 ≤ 200 ms)")
    print(f"  production alone {alone:.1f} s, with clients {busy:.1f} s   ratio {busy / alone:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
