"""Relays (issue 32): a relay slot with a stream address becomes relay items in the queue,
and the real daemon relays a local Icecast mount through its outputs, survives the source's
restart with the station's fallback file heard in the gap, and logs the gap."""
from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import subprocess
import time
from datetime import datetime, timedelta

import numpy as np
import pytest

from radio.audio.ffmpeg import ffmpeg_exe
from radio.player import as_run_log, heartbeats
from radio.programme import ProgrammeKey
from radio.reports.contents import summary_lines
from radio.reports.figures import build_report
from radio.reports.period import period_of
from radio.schedule import queued, schedule_relays
from radio.store import Store
from tests.conftest import run_cli
from tests.fixtures import make_station, player_daemon, stop_daemon, wait_for
from tests.icecast_server import ICECAST, LISTEN_RATE, SOURCE_PASSWORD, IcecastServer, Listener
from tests.test_bulletin_player import ZONE

RELAY = ProgrammeKey("relay", "tiep-song-tinh")
SOURCE_HZ, FALLBACK_HZ = 440, 1000
needs_icecast = pytest.mark.skipif(ICECAST is None, reason="Debian's icecast2 is not installed")


def with_relay(folder, url: str, start: str = "18:00", length_min: int = 60, fallback: str | None = None):
    """The sample's relay slot given a stream address (and a fallback file)."""
    path = folder / "station.yaml"
    text = path.read_text(encoding="utf-8")
    slot = (f'    start: "{start}"\n    length_min: {length_min}\n    kind: relay\n    url: {url}\n'
            + (f"    fallback: {fallback}\n" if fallback else ""))
    # Every day (a produced test station keeps the sample's relay off today and tomorrow).
    text = re.sub(r'    start: "18:00"\n    length_min: 60\n    kind: relay\n(    weekdays: .*\n)?', slot, text)
    path.write_text(text, encoding="utf-8")


def test_a_relay_slots_address_and_fallback_are_checked_with_their_line(tmp_path):
    folder = make_station(tmp_path, segments=())
    with_relay(folder, "rtmp://dai-tinh.vn/song", fallback="../ngoai-thu-muc.mp3")
    result = run_cli("relay", "-s", str(folder))
    assert result.returncode != 0
    assert "dòng 40" in result.stderr and "địa chỉ tiếp sóng 'rtmp://dai-tinh.vn/song' không hợp lệ" in result.stderr
    assert "dòng 41" in result.stderr and "tệp dự phòng '../ngoai-thu-muc.mp3'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_local_slot_cannot_take_a_stream_address(tmp_path):
    folder = make_station(tmp_path, segments=())
    path = folder / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        '    start: "05:30"\n', '    start: "05:30"\n    url: http://dai-tinh.vn/song\n', 1), encoding="utf-8")
    result = run_cli("relay", "-s", str(folder))
    assert result.returncode != 0 and "khung giờ 'sang' không phải khung tiếp sóng" in result.stderr


def test_relay_hours_become_relay_items_for_the_days_ahead(tmp_path):
    folder = make_station(tmp_path, segments=())
    with_relay(folder, "http://dai-tinh.vn:8000/thoi-su.mp3")
    shown = run_cli("relay", "--days", "3", "-s", str(folder), env={"COLUMNS": "250"})
    assert shown.returncode == 0, shown.stderr
    now = datetime.now(ZONE)
    items = [a for a in queued(Store(folder)) if a.programme == RELAY]
    expected = [datetime.combine(now.date() + timedelta(days=d), datetime.min.time(), ZONE).replace(hour=18)
                for d in range(3)]
    assert [a.planned_at for a in items] == [at for at in expected if at + timedelta(hours=1) > now]
    assert {(a.duration_s, a.mp3, a.title) for a in items} == {
        (3600.0, "http://dai-tinh.vn:8000/thoi-su.mp3", "Tiếp sóng Đài Phát thanh và Truyền hình tỉnh")}
    assert "thoi-su.mp3" in shown.stdout and "18:00" in shown.stdout
    # Placing again changes nothing; a new address replaces the items not yet aired.
    assert [a.id for a in schedule_relays(folder, days=3).airings] == [a.id for a in items]
    path = folder / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("/thoi-su.mp3", "/ban-tin.mp3"), encoding="utf-8")
    again = schedule_relays(folder, days=3).airings
    assert [a.mp3 for a in again] == ["http://dai-tinh.vn:8000/ban-tin.mp3"] * len(items)
    assert not {a.id for a in again} & {a.id for a in items}
    status = run_cli("player", "status", "-s", str(folder), env={"COLUMNS": "250"})
    assert "Tiếp sóng Đài Phát thanh và Truyền hình tỉnh" in status.stdout
    # A relay the operator takes out (the commune airs something else that day) stays out.
    skipped = again[-1]
    removed = run_cli("schedule", "2026-12", "--remove", str(skipped.id), "-s", str(folder))
    assert removed.returncode == 0, removed.stderr
    kept = schedule_relays(folder, days=3).airings
    assert [a.id for a in kept] == [a.id for a in again[:-1]]


def tone(path, hz: int, seconds: float) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={hz}:duration={seconds}",
                    str(path)], check=True)


class Source:
    """The provincial station: ffmpeg sending a tone to a mount of the local Icecast."""

    def __init__(self, server: IcecastServer, mount: str) -> None:
        self.target = f"icecast://source:{SOURCE_PASSWORD}@127.0.0.1:{server.port}{mount}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [ffmpeg_exe(), "-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i", f"sine=frequency={SOURCE_HZ}",
             "-c:a", "libmp3lame", "-b:a", "64k", "-content_type", "audio/mpeg", "-f", "mp3", self.target],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def decoded(path, rate: int = 8000) -> np.ndarray:
    pcm = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate),
                          "pipe:1"], capture_output=True, check=True).stdout
    return np.frombuffer(pcm, np.int16).astype(np.float32) / 32768


def pitch_runs(samples: np.ndarray, rate: int, block_s: float = 0.25) -> list[tuple[int, float]]:
    """Sound as runs of (dominant frequency to 10 Hz, seconds), 0 for silence; runs shorter
    than half a second (a block across a change) left out."""
    size = int(rate * block_s)
    runs: list[list] = []
    for start in range(0, len(samples) - size + 1, size):
        block = samples[start:start + size]
        loud = np.sqrt(np.mean(block ** 2)) > 0.01
        hz = int(round(np.argmax(np.abs(np.fft.rfft(block))) * rate / size, -1)) if loud else 0
        if runs and runs[-1][0] == hz:
            runs[-1][1] += block_s
        else:
            runs.append([hz, block_s])
    return [(hz, seconds) for hz, seconds in runs if seconds >= 0.5]


def heard_in_order(runs: list[tuple[int, float]]) -> list[int]:
    """The tones heard, one entry per stretch (silence left out)."""
    order: list[int] = []
    for hz, _ in runs:
        if hz and (not order or order[-1] != hz):
            order.append(hz)
    return order


@needs_icecast
def test_a_relay_from_an_icecast_mount_survives_the_sources_restart_with_the_fallback_in_the_gap(tmp_path):
    server = IcecastServer()
    server.start()
    source = Source(server, "/dai-tinh.mp3")
    folder = make_station(tmp_path, segments=())
    (folder / "kit").mkdir(exist_ok=True)
    tone(folder / "kit" / "du-phong.wav", FALLBACK_HZ, 1.5)
    with_relay(folder, server.url("/dai-tinh.mp3"), start="10:00", length_min=1, fallback="kit/du-phong.wav")
    path = folder / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "relays:\n  reconnect_max_s: 1\n  timeout_s: 4\n",
                    encoding="utf-8")
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), ZONE).replace(hour=9, minute=59, second=48)
    # Station time four times as fast: the one-minute relay lasts 15 s, and the player opens
    # the source 2 s (8 station seconds) before it.
    with open(path, "a", encoding="utf-8") as profile:  # the commune's own loudspeakers' mount
        profile.write(server.section("/an-lac.mp3"))
    player = player_daemon(folder, "--rehearse", f"{start.isoformat()}@4", output="null,file,icecast")
    listener = None
    try:
        source.start()
        wait_for(lambda: Store(folder, readonly=True).now_playing(), seconds=30, what="the relay on air")
        listener = Listener(server.url("/an-lac.mp3"))
        time.sleep(4)
        source.stop()  # the provincial station goes off air …
        stopped = time.monotonic()
        # What `radio player status` prints of the player (its heartbeat's condition).
        during_gap = wait_for(lambda: " ".join(b.condition or "" for b in heartbeats(folder)
                                               if "Đang mất nguồn tiếp sóng" in (b.condition or "")),
                              seconds=8, what="the player saying the source is lost")
        time.sleep(max(0.0, 3 - (time.monotonic() - stopped)))
        source.start()  # … and comes back
        [entry] = wait_for(lambda: [e for e in as_run_log(Store(folder, readonly=True), programme=RELAY)
                                    if e.result != "playing"], seconds=40, what="the relay's end")
    finally:
        if listener is not None:
            listener.stop()
        said = stop_daemon(player)
        source.stop()
        server.remove()
    assert entry.result == "aired", (entry, said)
    assert "Đang mất nguồn tiếp sóng" in during_gap and "đang phát tệp dự phòng du-phong.wav" in during_gap, during_gap
    assert entry.file == server.url("/dai-tinh.mp3") and entry.output == "null+file+icecast"
    assert "Mất nguồn tiếp sóng" in entry.error and "máy chủ nguồn đóng luồng" in entry.error, entry.error
    assert "đã phát tệp dự phòng du-phong.wav thay" in entry.error
    noted = [float(s.replace(",", ".")) for s in re.findall(r"(\d+,\d) giây lúc", entry.error)]
    assert len(noted) == 1 and 3 <= noted[0] <= 8, entry.error
    # What went out: the source, then the fallback file for the gap, then the source again,
    # in the file output's recording and at a listener of the loudspeakers' mount alike.
    [line] = (folder / "played" / "played.jsonl").read_text(encoding="utf-8").splitlines()
    recorded = pitch_runs(decoded(folder / "played" / json.loads(line)["file"]), 8000)
    at_the_loudspeakers = pitch_runs(listener.samples(), LISTEN_RATE)
    for runs in (recorded, at_the_loudspeakers):
        assert heard_in_order(runs) == [SOURCE_HZ, FALLBACK_HZ, SOURCE_HZ], (runs, entry.error)
        fallback_s = sum(s for hz, s in runs if hz == FALLBACK_HZ)
        assert abs(fallback_s - noted[0]) < 1.0, (runs, entry.error)
        assert sum(s for hz, s in runs if hz == SOURCE_HZ) > 5
    shown = run_cli("log", "--aired-in", f"{tomorrow:%Y-%m}", "-s", str(folder), env={"COLUMNS": "300"})
    assert "chương trình tiếp sóng tiep-song-tinh" in shown.stdout and "đã phát" in shown.stdout
    # The report counts the relay apart from the column's own airings: one minute relayed.
    report = build_report(folder, period_of(f"{tomorrow.year}-Q{(tomorrow.month - 1) // 3 + 1}"))
    assert report.minutes_relayed == 1.0 and report.minutes_aired == 0 and not report.as_run
    assert "Tiếp sóng Đài tỉnh, Đài Trung ương: 1 lượt, 1,0 phút." in summary_lines(report)


@needs_icecast
def test_an_emergency_preempts_a_relay_which_goes_on_after_it_for_the_rest_of_its_window(tmp_path):
    from radio.bulletin import new_bulletin
    from tests.test_bulletin_player import NOTICE, finished

    server = IcecastServer()
    server.start()
    source = Source(server, "/dai-tinh.mp3")
    folder = make_station(tmp_path, produced=True, approved=True, first_sentence=True)
    begins = (datetime.now(ZONE) + timedelta(seconds=6)).replace(microsecond=0)
    with_relay(folder, server.url("/dai-tinh.mp3"), start=f"{begins:%H:%M:%S}", length_min=1)
    path = folder / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "bulletins:\n  gap_s: 1\n", encoding="utf-8")
    made = new_bulletin(folder, level="khan-cap", text=NOTICE)
    player = player_daemon(folder, output="null,file")
    try:
        source.start()
        wait_for(lambda: Store(folder, readonly=True).now_playing(), seconds=30, what="the relay on air")
        time.sleep(2)
        approved = run_cli("bulletin", "approve", made.files.id, "--by", "Trần Văn Bình",
                           "--role", "Chủ tịch UBND xã", "-s", str(folder))
        assert approved.returncode == 0, approved.stderr
        wait_for(lambda: finished(folder, made.files.key), what="the emergency aired")
        wait_for(lambda: len(as_run_log(Store(folder, readonly=True), programme=RELAY)) == 2, what="the relay again")
        time.sleep(2)
    finally:
        said = stop_daemon(player)
        source.stop()
        server.remove()
    cut, rest = as_run_log(Store(folder), programme=RELAY)
    [emergency] = as_run_log(Store(folder), programme=made.files.key)
    assert cut.result == "preempted" and f"Nhường sóng cho bản tin {made.files.id}" in cut.error, said
    assert emergency.result == "aired"
    assert datetime.fromisoformat(cut.ended_at) <= datetime.fromisoformat(emergency.started_at)
    assert datetime.fromisoformat(rest.started_at) >= datetime.fromisoformat(emergency.ended_at)
    first, again = (Store(folder).queued_airing(e.airing_id) for e in (cut, rest))
    assert f"lượt {cut.airing_id} bị ngắt" in again.note and again.ends_at == first.ends_at  # the same window
    assert rest.result == "interrupted"  # the daemon was stopped during the rest
    sources = [json.loads(line)["source"] for line in
               (folder / "played" / "played.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sources == [first.title, emergency.file, first.title]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_a_relay_of_an_http_mp3_reaches_only_its_slots_zones(tmp_path):
    """Over plain HTTP (a file served, not Icecast), on a station with two zones of which the
    relay slot names one: the relay is recorded in that zone's folder only, and the as-run
    entry says where it went."""
    from radio.player import Player, RehearsalClock
    from radio.player.outputs import zone_outputs
    from tests.test_zones import ZONES

    served = tmp_path / "served"
    served.mkdir()
    tone(served / "thoi-su.mp3", SOURCE_HZ, 30)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    folder = make_station(tmp_path, segments=())
    with_relay(folder, f"http://127.0.0.1:{server.server_address[1]}/thoi-su.mp3", start="10:00", length_min=1)
    path = folder / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    kind: relay\n", "    kind: relay\n    zones: [thon-dong]\n")
                    + ZONES, encoding="utf-8")
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), ZONE).replace(hour=9, minute=59, second=45)
    # The minute lasts 6 s, begun 1,5 s from now: time enough for a loaded machine to get there.
    player = Player(folder, zone_outputs(folder), RehearsalClock(start, 10))
    try:
        player.keep_relays()
        [entry] = [e for e in player.check() if e.programme == RELAY]
    finally:
        server.shutdown()
    assert entry.result == "aired", entry
    assert [(r.zone, r.reached) for r in entry.zones] == [("thon-dong", True)]
    [recorded] = (folder / "played" / "thon-dong").glob("*-tiep-song.mp3")
    assert not (folder / "played" / "thon-tay").exists()
    runs = pitch_runs(decoded(recorded), 8000)
    assert heard_in_order(runs) == [SOURCE_HZ] and sum(s for hz, s in runs if hz == SOURCE_HZ) > 2, runs


def test_a_source_down_for_the_whole_relay_fails_it_with_the_fallback_heard_and_the_reason_logged(tmp_path):
    from radio.player import Player, RehearsalClock
    from radio.player.outputs import get_outputs
    from tests.fixtures import free_port

    folder = make_station(tmp_path, segments=())
    (folder / "kit").mkdir(exist_ok=True)
    tone(folder / "kit" / "du-phong.wav", FALLBACK_HZ, 1.5)
    with_relay(folder, f"http://127.0.0.1:{free_port()}/khong-ai-phat.mp3", start="10:00", length_min=1,
               fallback="kit/du-phong.wav")
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), ZONE).replace(hour=9, minute=59, second=45)
    # The minute lasts 6 s, begun 1,5 s from now: time enough for a loaded machine to get there.
    player = Player(folder, get_outputs(["file"], folder), RehearsalClock(start, 10))
    player.keep_relays()
    [entry] = [e for e in player.check() if e.programme == RELAY]
    assert entry.result == "failed", entry
    assert "đến hết giờ tiếp sóng (máy chủ nguồn không nhận kết nối)" in entry.error, entry.error
    assert "đã phát tệp dự phòng du-phong.wav thay" in entry.error
    [recorded] = (folder / "played").glob("*-tiep-song.mp3")
    runs = pitch_runs(decoded(recorded), 8000)
    assert heard_in_order(runs) == [FALLBACK_HZ] and sum(s for hz, s in runs if hz == FALLBACK_HZ) > 3, runs
