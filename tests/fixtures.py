"""One factory for station folders in tests, with options for how far along the month is.

Composing, producing and approving cost a few seconds; each distinct set of options is
made once per test run (a prototype, shared by the xdist workers through the run's folder
and a lock) and every test gets its own copy of it, so a test may change its folder
freely. Like Datasette's ``make_app_client(**opts)``.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from radio.approval import MonthFiles, approve
from radio.config import save_model
from radio.pipeline import compose_month, produce_month, sample_station_dir
from radio.store import Store

MONTH = "2026-12"
APPROVER = ("Nguyễn Văn Bình", "Phó Chủ tịch")
SHORT = ("opening", "closing")

_prototypes: dict[tuple, Path] = {}


def _workshop() -> Path:
    """The run's shared folder (tests/conftest.py makes it), or a private one outside pytest."""
    root = os.environ.get("RADIO_TEST_SHARED") or os.environ.setdefault(
        "RADIO_TEST_SHARED", tempfile.mkdtemp(prefix="radio-test-run-"))
    return Path(root) / "stations"


def _prototype(options: tuple, then: Callable[[Path], object] | None) -> Path:
    """Built by the first worker to ask, under a lock; the others wait and copy it."""
    folder = _workshop() / hashlib.sha256(repr(options).encode()).hexdigest()[:16]
    done = folder / "an-lac" / ".prototype-done"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                shutil.rmtree(folder / "an-lac", ignore_errors=True)
                _build(folder / "an-lac", *options[:4])
                if then is not None:
                    then(folder / "an-lac")
                done.touch()
    return folder / "an-lac"


def make_station(parent: Path, *, segments: tuple[str, ...] | None = SHORT, produced: bool = False,
                 approved: bool = False, name: str = "an-lac", first_sentence: bool = False,
                 then: Callable[[Path], object] | None = None) -> Path:
    """A copy of the sample station under ``parent``: composed for the sample month and
    cut to the ``segments`` kinds (``None`` keeps the whole programme; ``()`` composes
    nothing and leaves a plain copy of the sample), each cut to its first sentence with
    ``first_sentence`` (a programme of a few seconds, for what must play in real time),
    produced with the dummy engine, approved by ``APPROVER``. ``then``, a function at a
    module's top level, finishes the prototype (a history written into its store, files of
    a test module's own): it runs once per run and per function, like the rest, not once
    per test, so it must build the same folder every time."""
    if then is not None and "<" in then.__qualname__:
        raise ValueError("then= must be a module-level function: its name keys the prototype")
    options = (segments, produced, approved, first_sentence,
               f"{then.__module__}.{then.__qualname__}" if then else None)
    if options not in _prototypes:
        _prototypes[options] = _prototype(options, then)
    folder = parent / name
    shutil.copytree(_prototypes[options], folder, ignore=shutil.ignore_patterns(".prototype-done"))
    return folder


def _relay_on_other_days(folder: Path) -> None:
    """Tests air a produced station's programme a few seconds from now or tomorrow morning;
    the sample's evening relay, which nothing may overlap, would fail them between 18:00
    and 19:00 in Vietnam. It keeps its hours on the other five days of the week."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    week = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    busy = {week[(today + timedelta(days=n)).weekday()] for n in (0, 1)}
    days = [d for d in week if d not in busy]
    path = folder / "station.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "    kind: relay\n"
    assert text.count(marker) == 1, "the sample station's relay slot has moved"
    path.write_text(text.replace(marker, f"{marker}    weekdays: [{', '.join(days)}]\n"), encoding="utf-8")


def _build(folder: Path, segments: tuple[str, ...] | None, produced: bool, approved: bool,
           first_sentence: bool) -> Path:
    shutil.copytree(sample_station_dir(), folder)
    if segments == ():
        return folder
    if produced:
        _relay_on_other_days(folder)
    composition, path = compose_month(folder, MONTH)
    if first_sentence:
        _short_kit(folder)
    if segments is not None or first_sentence:
        script = composition.script
        keep = [s for s in script.segments if segments is None or s.kind in segments]
        if first_sentence:
            keep = [s.model_copy(update={"text": s.text.split(". ")[0].rstrip(".") + "."}) for s in keep]
        save_model(path, script.model_copy(update={"segments": keep}))
    if produced:
        produce_month(folder, MONTH, engine_override="dummy")
    if approved:
        approve(MonthFiles(folder, "an-lac", MONTH), Store(folder), *APPROVER, None)
    return folder


def _short_kit(folder: Path) -> None:
    """A one-second chime for intro and outro, so a programme that plays in real time in a
    test lasts seconds, not the sample kit's eleven."""
    import wave

    import numpy as np

    rate = 44100
    t = np.arange(rate) / rate
    chime = 0.3 * np.sin(2 * np.pi * 660 * t) * np.exp(-3 * t)
    (folder / "kit").mkdir(exist_ok=True)
    for name in ("intro", "outro"):
        with wave.open(str(folder / "kit" / f"{name}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((chime * 32767).astype(np.int16).tobytes())
    station = folder / "station.yaml"
    text = station.read_text(encoding="utf-8")
    station.write_text(text.replace("\naudio:\n", "\naudio:\n  kit:\n    intro: kit/intro.wav\n"
                                    "    outro: kit/outro.wav\n", 1), encoding="utf-8")


# -- the studio ---------------------------------------------------------------------------

PASSWORD = "mat-khau-thu-nghiem"
PEOPLE = {  # username: (role, full name, title)
    "lan": ("officer", "Nguyễn Thị Lan", "Công chức Văn hóa – Xã hội"),
    "binh": ("leader", "Trần Văn Bình", "Phó Chủ tịch UBND xã"),
    "hung": ("operator", "Lê Văn Hùng", "Nhân viên Đài truyền thanh"),
}


def add_people(folder: Path, people: dict = PEOPLE) -> None:
    from radio.studio.accounts import add_account

    for username, (role, name, title) in people.items():
        add_account(folder, username, name, title, role, PASSWORD)


def make_studio(parent: Path, *, stations: tuple[str, ...] = ("an-lac",), **station_options):
    """A studio app over copies of the sample station (one per name, each with the three
    people of ``PEOPLE``) and a client that can log in as any of them."""
    folders = {}
    for name in stations:
        folders[name] = make_station(parent / name, name=name, **station_options)
        add_people(folders[name])
    return studio_over(folders)


def studio_over(folders: dict[str, Path]) -> "StudioClient":
    """A studio app over station folders a test already has (their people added)."""
    from starlette.testclient import TestClient

    from radio.studio.app import create_app

    return StudioClient(TestClient(create_app(folders, "k" * 48)), folders)


class StudioClient:
    def __init__(self, client, folders: dict[str, Path]) -> None:
        self.client, self.folders = client, folders

    def csrf(self) -> str:
        import re

        page = self.client.get("/login").text
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def login(self, username: str, station: str = "an-lac", password: str = PASSWORD):
        return self.client.post("/login", data={"csrf": self.csrf(), "station": station, "username": username,
                                                "password": password}, follow_redirects=False)

    def token(self, path: str) -> str:
        """The CSRF token as a page of the logged-in session carries it."""
        import re

        return re.search(r'name="csrf" value="([^"]+)"', self.client.get(path).text).group(1)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def served_studio(folder: Path):
    """``radio studio`` serving ``folder`` in a process of its own (what a browser test opens),
    its address yielded once it listens; stopped afterwards."""
    import socket
    import subprocess
    import sys
    import time

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "radio", "studio", "--station", str(folder),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.communicate()[0]
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


class FakeClock:
    """A player's clock that moves only when the player sleeps: a day's airings in no time."""
    def __init__(self, start):
        self.t = start

    def now(self):
        return self.t

    def sleep(self, seconds, stop):
        from datetime import timedelta

        if seconds > 0:
            self.t += timedelta(seconds=seconds)


# -- the real player daemon ---------------------------------------------------------------------

def player_daemon(station: Path, *extra: str, output: str | None = "null,file") -> subprocess.Popen:
    """``radio player run`` on ``station`` in a process of its own (``output=None``: the
    outputs station.yaml gives, its zones'), its words kept for the test."""
    chosen = ["--output", output] if output else []
    return subprocess.Popen([sys.executable, "-m", "radio", "player", "run", "-s", str(station), *chosen, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "200"})


def stop_daemon(process: subprocess.Popen, sig: int = signal.SIGTERM) -> str:
    """Signal the daemon and wait for it (killed if it does not end in 30 s); what it said."""
    process.send_signal(sig)
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


def wait_for(condition: Callable[[], object], seconds: float = 90, what: str = "", every: float = 0.1):
    """What ``condition()`` returns once it is true, asked every ``every`` s; after
    ``seconds`` a test failure naming ``what``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"did not happen in {seconds} s: {what}")


def disk_full_when_replacing(monkeypatch, *names: str) -> None:
    """The disk fills up as a file whose name ends with one of ``names`` is put in place
    (written to a temporary file, then renamed): what every atomic write meets first."""
    import errno

    real_replace = os.replace

    def full(src, dst):
        if str(dst).endswith(names):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full)
