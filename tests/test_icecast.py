"""The icecast output against Debian's real icecast2 on loopback: the player daemon streams
an approved programme to a mount at its planned second, and an independent client (ffmpeg
reading the mount) must hear it on time and as produced; a server restart mid-airing is
survived and logged. The plugin seam is checked with a plugin defined here, found through
its entry point."""
from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import wave
from datetime import datetime, timedelta

import numpy as np
import pytest

from radio.approval import MonthFiles, require_airable
from radio.audio.identity import audio_sha256, mp3_frames
from radio.player.icecast import IcecastOutput, IcecastSettings
from radio.player.outputs import PlaybackError, Sound
from radio.schedule import add_airing
from radio.store import Store
from tests.conftest import decode, ebur128, run_cli
from tests.fixtures import MONTH, make_station
from tests.icecast_server import (ICECAST, LISTEN_RATE, SOURCE_PASSWORD, IcecastServer, Listener, RawListener,
                                  sounding)
from tests.test_schedule_player import ZONE

MOUNT = "/an-lac.mp3"
needs_icecast = pytest.mark.skipif(
    ICECAST is None, reason="Debian's icecast2 is not installed (scripts/test installs it when run as root with apt)")


@pytest.fixture
def icecast():
    server = IcecastServer()
    server.start()
    yield server
    server.remove()


def streaming_station(tmp_path, server: IcecastServer, **extra):
    folder = make_station(tmp_path, segments=("closing",), produced=True, approved=True, first_sentence=True)
    with open(folder / "station.yaml", "a", encoding="utf-8") as station_file:
        station_file.write(server.section(MOUNT, **extra))
    return folder


def schedule_soon(folder, seconds: float):
    planned = (datetime.now(ZONE) + timedelta(seconds=seconds)).replace(microsecond=0)
    add_airing(folder, MONTH, planned, force=True)
    airable = require_airable(MonthFiles(folder, "an-lac", MONTH), Store(folder))
    return planned, airable.mp3, airable.manifest.audio.duration_s


def start_player(folder, until: datetime, output: str = "icecast"):
    return subprocess.Popen(
        [sys.executable, "-m", "radio", "player", "run", "-s", str(folder), "--output", output,
         "--until", until.strftime("%Y-%m-%d %H:%M:%S")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(moment: datetime) -> None:
    time.sleep(max(0.0, moment.timestamp() - time.time()))


def mount_title(server: IcecastServer) -> str | None:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/status-json.xsl", timeout=5) as answer:
        source = json.loads(answer.read().decode("utf-8", "replace"))["icestats"].get("source")
    # Icecast 2.4's status page writes characters beyond Latin-1 as HTML entities.
    return html.unescape(source.get("title", "")) if isinstance(source, dict) else None


def mount_up(server: IcecastServer, deadline: datetime) -> None:
    """Once the player feeds the mount (a listener asking before gets a 404), or at ``deadline``."""
    while datetime.now(ZONE) < deadline:
        try:
            if mount_title(server) is not None:
                return
        except ValueError:  # Icecast 2.4.4's status-json.xsl is not JSON in its first moments
            pass
        time.sleep(0.05)


def status_saying(folder, expected: str, seconds: float = 6) -> str:
    """`radio player status` (one line per paragraph) once it says ``expected``, or as it
    last was: the daemon's heartbeat is rewritten every two seconds."""
    deadline, shown = time.time() + seconds, ""
    while expected not in shown and time.time() < deadline:
        shown = " ".join(run_cli("player", "status", "-s", str(folder), env={"COLUMNS": "300"}).stdout.split())
    return shown


def direct_output(tmp_path, server: IcecastServer, **settings):
    """The icecast output on its own, without a daemon, and the approved programme as the
    player hands it over."""
    folder = make_station(tmp_path, segments=("closing",), produced=True, approved=True, first_sentence=True)
    output = IcecastOutput(IcecastSettings(port=server.port, mount=MOUNT, password=SOURCE_PASSWORD, **settings),
                           folder)
    mp3 = require_airable(MonthFiles(folder, "an-lac", MONTH), Store(folder)).mp3
    return output, Sound(mp3.name, mp3.read_bytes(), audio_sha256(mp3))


def source_attempts(server: IcecastServer) -> list[str]:
    """The source connections the server saw (its access log), refused ones included."""
    log = (server.folder / "access.log").read_text(encoding="utf-8", errors="replace")
    return [line for line in log.splitlines() if f'"PUT {MOUNT} ' in line]


def as_run(folder):
    return [(entry.result, entry.output, entry.error) for entry in Store(folder, readonly=True).as_run()]


def write_wav(path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(LISTEN_RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())


@needs_icecast
def test_an_airing_streams_on_its_second_and_the_listener_hears_the_programme(tmp_path, icecast):
    folder = streaming_station(tmp_path, icecast)
    planned, mp3, duration = schedule_soon(folder, 6)
    daemon = start_player(folder, planned + timedelta(seconds=duration + 2), output="icecast,file")
    wait_for(planned - timedelta(seconds=3))
    mount_up(icecast, planned - timedelta(seconds=1))  # a loaded machine starts the daemon slowly
    listener = Listener(icecast.url(MOUNT))  # connected to the filler before the airing
    raw = RawListener(icecast.url(MOUNT))
    wait_for(planned + timedelta(seconds=3))
    title_during = mount_title(icecast)
    said = daemon.communicate(timeout=duration + 30)[0]
    listener.stop()
    received = raw.stop()

    expected = decode(mp3, LISTEN_RATE)
    heard = listener.samples()
    e_first, e_last = sounding(expected)
    first, last = sounding(heard)
    began = listener.arrival(first) - e_first / LISTEN_RATE
    assert abs(began - planned.timestamp()) <= 1.0, f"the stream began {began - planned.timestamp():+.2f} s off"
    assert abs((last - first) - (e_last - e_first)) / LISTEN_RATE <= 0.5
    start = first - e_first
    write_wav(tmp_path / "heard.wav", heard[start:start + len(expected)])
    assert abs(ebur128(tmp_path / "heard.wav").integrated_lufs - ebur128(mp3).integrated_lufs) <= 0.5
    assert title_during == "Chuyên mục Cải cách hành chính tháng 12/2026"
    frames = mp3_frames(mp3.read_bytes())  # not re-encoded: the approved file's frames, byte for byte
    first_frame, last_frame = frames[1], frames[-2]
    assert mp3.read_bytes()[first_frame[0]:last_frame[0] + last_frame[1]] in received
    assert as_run(folder) == [("aired", "icecast+file", None)]  # both outputs at once
    assert sorted(p.suffix for p in (folder / "played").iterdir()) == [".jsonl", ".mp3"]
    assert daemon.returncode == 0, said
    assert SOURCE_PASSWORD not in said


@needs_icecast
def test_restarting_icecast_mid_airing_is_survived_and_the_gap_logged(tmp_path, icecast):
    folder = streaming_station(tmp_path, icecast, reconnect_max_s=1)
    planned, mp3, duration = schedule_soon(folder, 5)
    daemon = start_player(folder, planned + timedelta(seconds=duration + 2))
    wait_for(planned + timedelta(seconds=3))
    icecast.stop()
    time.sleep(0.5)
    icecast.start()
    time.sleep(1.5)  # the output's backoff is capped at 1 s: it is back by now
    listener = Listener(icecast.url(MOUNT))
    time.sleep(2.0)  # still within the programme, which runs about ten seconds
    listener.stop()
    said = daemon.communicate(timeout=duration + 30)[0]

    assert np.abs(listener.samples()).max() > 0.01, "after the restart the mount carries the programme again"
    [(result, output, note)] = as_run(folder)
    assert (result, output) == ("aired", "icecast")
    assert note.startswith("Mất kết nối tới máy chủ Icecast") and "giây lúc" in note, note
    hour, minute, second = map(int, re.search(r"giây lúc (\d\d):(\d\d):(\d\d)", note).groups())
    restart = planned + timedelta(seconds=3)  # in station time, as every time the tool shows
    apart = (hour * 3600 + minute * 60 + second) - (restart.hour * 3600 + restart.minute * 60 + restart.second)
    assert min(apart % 86400, -apart % 86400) < 4, note
    assert daemon.returncode == 0, said
    assert "Mất kết nối" in said
    assert SOURCE_PASSWORD not in said + note


@needs_icecast
def test_between_airings_the_mount_carries_the_ident(tmp_path, icecast):
    folder = streaming_station(tmp_path, icecast, between="ident", ident="kit/nhac-hieu.wav")
    station = folder / "station.yaml"  # the password kept in a file of its own
    station.write_text(station.read_text(encoding="utf-8").replace(
        f"  password: {SOURCE_PASSWORD}\n", "  password_file: nguon.secret\n"), encoding="utf-8")
    (folder / "nguon.secret").write_text(SOURCE_PASSWORD + "\n", encoding="utf-8")
    (folder / "kit").mkdir(exist_ok=True)
    tone = 0.25 * np.sin(2 * np.pi * 440 * np.arange(4 * LISTEN_RATE) / LISTEN_RATE)
    write_wav(folder / "kit" / "nhac-hieu.wav", tone)
    daemon = start_player(folder, datetime.now(ZONE) + timedelta(seconds=8))
    time.sleep(2.0)  # the player has connected and begun the ident
    listener = Listener(icecast.url(MOUNT))
    time.sleep(5.0)
    listener.stop()
    said = daemon.communicate(timeout=30)[0]
    heard = listener.samples()
    assert daemon.returncode == 0, said
    assert 0.1 < np.abs(heard).max() < 0.4, "the ident, at its own level"
    quiet = np.abs(heard) < 0.01
    assert quiet.any() and (~quiet).any(), "the ident, then silence until it comes round again"


@needs_icecast
def test_a_wrong_password_fails_the_airing_without_showing_it(tmp_path, icecast):
    folder = streaming_station(tmp_path, icecast)
    text = (folder / "station.yaml").read_text(encoding="utf-8")
    (folder / "station.yaml").write_text(text.replace(SOURCE_PASSWORD, "sai-mat-khau-3Zp"), encoding="utf-8")
    planned, _, duration = schedule_soon(folder, 4)
    daemon = start_player(folder, planned + timedelta(seconds=4))  # refused at once, not at the end
    wait_for(planned + timedelta(seconds=1))
    expected = f"Luồng Icecast 127.0.0.1:{icecast.port}{MOUNT} đang mất kết nối (máy chủ từ chối"
    shown = status_saying(folder, expected)
    said = daemon.communicate(timeout=duration + 30)[0]
    [(result, _, error)] = as_run(folder)
    assert result == "failed"
    assert "từ chối tên hoặc mật khẩu" in error
    assert expected in shown, shown
    assert "sai-mat-khau-3Zp" not in said + error + shown
    # A refused password is not retried with backoff: one attempt when the player started,
    # one for the airing (which failed at once), then none until the next airing.
    assert len(source_attempts(icecast)) == 2, source_attempts(icecast)


def test_the_icecast_output_without_its_section_says_what_to_add(tmp_path):
    folder = make_station(tmp_path, segments=())
    result = run_cli("player", "run", "-s", str(folder), "--output", "icecast")
    assert result.returncode != 0
    assert "station.yaml chưa có mục 'icecast:'" in result.stderr


def test_an_invalid_icecast_section_names_its_line(tmp_path):
    folder = make_station(tmp_path, segments=())
    with open(folder / "station.yaml", "a", encoding="utf-8") as station_file:
        station_file.write("icecast:\n  port: 99999\n  mount: /an-lac.mp3\n  password: x\n")
    line = (folder / "station.yaml").read_text(encoding="utf-8").splitlines().index("  port: 99999") + 1
    result = run_cli("player", "run", "-s", str(folder), "--output", "icecast")
    assert result.returncode != 0
    assert f"station.yaml, dòng {line}: trường 'icecast.port' giá trị quá lớn" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    station = folder / "station.yaml"
    station.write_text(station.read_text(encoding="utf-8").replace("  port: 99999\n", "").replace(
        "  password: x\n", ""), encoding="utf-8")
    result = run_cli("player", "run", "-s", str(folder), "--output", "icecast")
    assert result.returncode != 0 and "password hoặc tên tệp chứa nó ở password_file" in result.stderr


@needs_icecast
def test_a_broken_ident_leaves_silence_and_says_so(tmp_path, icecast):
    folder = streaming_station(tmp_path, icecast, between="ident", ident="kit/hong.mp3")
    (folder / "kit").mkdir(exist_ok=True)
    (folder / "kit" / "hong.mp3").write_bytes(b"ID3 not an mp3 at all" * 100)
    daemon = start_player(folder, datetime.now(ZONE) + timedelta(seconds=7))
    time.sleep(2.5)
    listener, began = Listener(icecast.url(MOUNT)), time.time()
    shown = status_saying(folder, "Không đọc được tệp nhạc hiệu hong.mp3", seconds=3)
    time.sleep(max(0.0, 3.0 - (time.time() - began)))
    listener.stop()
    said = daemon.communicate(timeout=30)[0]
    assert daemon.returncode == 0, said
    heard = listener.samples()
    assert len(heard) > LISTEN_RATE and np.abs(heard).max() < 0.01, "the mount stays up, silent"
    assert "Không đọc được tệp nhạc hiệu hong.mp3" in shown, shown


@needs_icecast
def test_a_stalled_server_is_dropped_like_a_lost_one_and_the_stall_is_not_burst(tmp_path, icecast):
    """Icecast stopped mid-airing: its kernel keeps taking the bytes, so unchecked, the
    listener got the whole stall in one burst when the server woke, and the as-run said
    nothing."""
    output, sound = direct_output(tmp_path, icecast, timeout_s=2, reconnect_max_s=1)
    output.open()
    mount_up(icecast, datetime.now(ZONE) + timedelta(seconds=10))
    listener = Listener(icecast.url(MOUNT))  # on the mount before, during and after the stall
    time.sleep(0.5)
    notes = []
    airing = threading.Thread(target=lambda: notes.append(output.play(sound, 0, None, threading.Event(), "Thử")))
    airing.start()
    time.sleep(1.5)
    stall = 8.0
    os.kill(icecast.process.pid, signal.SIGSTOP)
    stopped = datetime.now(ZONE)
    try:
        time.sleep(stall)
    finally:
        os.kill(icecast.process.pid, signal.SIGCONT)
    woke = time.time()
    airing.join(timeout=30)
    time.sleep(1.0)
    listener.stop()
    output.close()

    [note] = notes
    assert note and note.startswith("Mất kết nối tới máy chủ Icecast") and "máy chủ ngừng nhận dữ liệu" in note, note
    hour, minute, second = map(int, re.search(r"(?:lúc|từ) (\d\d):(\d\d):(\d\d)", note).groups())
    apart = (hour * 3600 + minute * 60 + second) - (stopped.hour * 3600 + stopped.minute * 60 + stopped.second)
    assert min(apart % 86400, -apart % 86400) <= 3, note  # the gap dates from the stall
    burst = sum(len(chunk) for at, chunk in listener.chunks if woke <= at < woke + 1) / 2 / LISTEN_RATE
    assert burst < stall / 2, f"{burst:.1f} s of audio reached the listener within a second of the server waking"


@needs_icecast
def test_a_feeder_that_breaks_ends_the_airing_with_a_reason_instead_of_hanging(tmp_path, icecast):
    output, sound = direct_output(tmp_path, icecast)
    calls = []

    def broken(airing, filler):  # a fault injected into the feeder's own loop
        calls.append(airing)
        if airing is not None:
            raise RuntimeError("hỏng thử")
        return next(filler)

    output._next_chunk = broken
    output.open()
    began = time.time()
    with pytest.raises(PlaybackError, match="lỗi trong luồng phát"):
        output.play(sound, 0, None, threading.Event(), "Thử")
    assert time.time() - began < 5
    output._next_chunk = IcecastOutput._next_chunk.__get__(output)
    stop = threading.Event()
    threading.Timer(2.0, stop.set).start()  # the next airing, cut short once it is under way
    assert output.play(sound, 0, None, stop, "Lần sau") is None  # a new feeder airs it, without a gap
    assert output.connected
    output.close()


def test_the_frames_sent_are_the_whole_programme_in_order(tmp_path):
    folder = make_station(tmp_path, segments=("closing",), produced=True, approved=True, first_sentence=True)
    mp3 = require_airable(MonthFiles(folder, "an-lac", MONTH), Store(folder)).mp3
    data = mp3.read_bytes()
    frames = mp3_frames(data)
    assert all(a + n == b for (a, n, _), (b, _, _) in zip(frames, frames[1:])), "contiguous, nothing skipped"
    assert not any(marker in data[frames[0][0]:frames[0][0] + 64] for marker in (b"Xing", b"Info"))
    assert abs(sum(seconds for *_, seconds in frames) - len(decode(mp3)) / 44100) < 0.06
