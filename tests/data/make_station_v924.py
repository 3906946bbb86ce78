"""How tests/data/station-v924/ was made: a station folder written by release 924c781 (the
last release keyed by month only, radio.db at user_version 9), so the tests can open it with
the current code and see an existing station migrate.

Run it with THAT release's code, never the current one:

    git worktree add /tmp/old924 924c781
    PYTHONPATH=/tmp/old924 python tests/data/make_station_v924.py tests/data/station-v924
    git worktree remove /tmp/old924

What it holds: the sample station with a two-segment programme cut to first sentences and a
one-second kit (a few seconds of MP3), produced with the dummy engine; a rejection then an
approval (pinned version); a leader's studio account and the web action of its approval; the
rule's airings of December 2026 queued; the first aired, the second failed (the pinned file
was away at its second), the third missed; the rest still queued; the day's anchor.
"""
from __future__ import annotations

import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

from radio.approval import MonthFiles, approve, reject
from radio.config import save_model
from radio.pipeline import compose_month, produce_month, sample_station_dir
from radio.player import Player
from radio.player.outputs import NullOutput
from radio.schedule import schedule_month, station_zone
from radio.station import load_station
from radio.store import Store, WebAction, now_iso
from radio.studio.accounts import add_account

MONTH = "2026-12"


class StepClock:
    """Station time that moves only when someone sleeps: an airing 'plays' instantly."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float, stop) -> None:
        self.at += timedelta(seconds=max(seconds, 0))


def short_kit(folder: Path) -> None:
    import wave

    import numpy as np

    rate = 8000
    t = np.arange(rate // 2) / rate
    chime = 0.3 * np.sin(2 * np.pi * 660 * t) * np.exp(-6 * t)
    (folder / "kit").mkdir(exist_ok=True)
    for name in ("intro", "outro"):
        with wave.open(str(folder / "kit" / f"{name}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((chime * 32767).astype(np.int16).tobytes())
    station = folder / "station.yaml"
    text = station.read_text(encoding="utf-8")
    text = text.replace("\naudio:\n", "\naudio:\n  kit:\n    intro: kit/intro.wav\n"
                        "    outro: kit/outro.wav\n", 1)
    # A small MP3 (the fixture is committed): the lowest rate and bitrate the profile takes.
    text = text.replace("sample_rate: 44100", "sample_rate: 22050").replace("bitrate_kbps: 128", "bitrate_kbps: 64")
    station.write_text(text, encoding="utf-8")


def build(folder: Path) -> None:
    shutil.copytree(sample_station_dir(), folder)
    composition, path = compose_month(folder, MONTH)
    short_kit(folder)
    script = composition.script
    words = {"opening": "Đài xã An Lạc.", "closing": "Xin chào."}
    keep = [s.model_copy(update={"text": words[s.kind], "stinger_before": False})
            for s in script.segments if s.kind in words]
    save_model(path, script.model_copy(update={"segments": keep}))
    produce_month(folder, MONTH, engine_override="dummy")

    files = MonthFiles(folder, "an-lac", MONTH)
    store = Store(folder)
    reject(files, store, "Trần Văn Bình", "leader", "Đọc lại số điện thoại đường dây nóng.")
    add_account(folder, "binh", "Trần Văn Bình", "Phó Chủ tịch UBND xã", "leader", "mat-khau-thu-nghiem")
    event = approve(files, store, "Trần Văn Bình", "Phó Chủ tịch UBND xã", "Đồng ý phát.")
    store.add_web_action(WebAction(now_iso(), "binh", "leader", MONTH, "approve", event.note))

    zone = station_zone(load_station(folder))
    placement = schedule_month(folder, MONTH, now=datetime(2026, 11, 20, tzinfo=zone))
    airings = placement.airings
    assert len(airings) >= 4, airings

    def check_at(at: datetime) -> None:
        player = Player(folder, NullOutput(), StepClock(at))
        assert player.check(), at

    check_at(airings[0].planned_at)  # aired
    pinned = folder / airings[1].mp3
    pinned.rename(pinned.with_suffix(".away"))
    check_at(airings[1].planned_at)  # failed: the approved file could not be read
    pinned.with_suffix(".away").rename(pinned)
    check_at(airings[2].planned_at + timedelta(minutes=30))  # missed: past the grace
    store.write_anchor(airings[2].planned_at + timedelta(hours=1))

    for leftover in (".cache", ".player", "played", "audio_out/an-lac/.cache"):
        shutil.rmtree(folder / leftover, ignore_errors=True)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if target.exists():
        sys.exit(f"{target} exists; remove it first")
    build(target)
