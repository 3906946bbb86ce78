"""The clip cache: a killed production resumes, two productions share it, stats and prune."""
import json
import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from radio.pipeline import clip_cache, load_station, produce, sample_station_dir
from radio.speech.cache import DAY_S
from tests.conftest import run_cli
from tests.test_production import short_script

SLOW_PRODUCTION = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from radio.speech.engines.dummy import DummyEngine
    from radio.pipeline import load_station, produce, sample_station_dir
    from tests.test_clip_cache import many_sentences

    speak = DummyEngine.synthesize
    def slowly(self, *args):
        time.sleep(0.05)  # long enough to be killed half-way
        return speak(self, *args)
    DummyEngine.synthesize = slowly
    produce(load_station(sample_station_dir()), many_sentences(), Path(sys.argv[1]),
            engine_override="dummy")
""")


def many_sentences():
    """A two-minute script of 60 short sentences: long enough to interrupt, quick to master."""
    from radio.models import Script, Segment

    return Script(station="an-lac", month="2026-12", title="Thử tiếp tục", segments=[
        Segment(id=f"{n:02d}-extra", kind="extra", title=f"Phần {n}", voice=("nu", "nu2")[n % 2],
                text=" ".join(f"Câu số {n} {k} của phần này." for k in range(20)))
        for n in range(3)])


def clips_in(root):
    return [p for p in root.rglob("*.wav") if not p.name.startswith(".")]


def test_a_killed_production_resumes_without_resynthesizing_finished_clips(tmp_path):
    out = tmp_path / "audio_out"
    cache_root = out / "an-lac" / ".cache" / "clips"
    worker = subprocess.Popen([sys.executable, "-c", SLOW_PRODUCTION, str(out)],
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    deadline = time.monotonic() + 60
    while len(clips_in(cache_root)) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.kill()  # SIGKILL: no cleanup at all, like a power cut
    worker.wait()
    finished = len(clips_in(cache_root))
    assert finished >= 20
    assert not (out / "an-lac" / "2026-12" / "programme.mp3").exists()

    production = produce(load_station(sample_station_dir()), many_sentences(), out,
                         engine_override="dummy")
    clips = production.manifest.clips
    assert clips.reused == finished
    assert clips.synthesized == len(clips_in(cache_root)) - finished > 0


def test_two_productions_at_once_share_the_cache_safely(tmp_path):
    station = load_station(sample_station_dir())
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda n: produce(station, short_script(), tmp_path / f"out{n}"),
                             range(2)))
    assert all(r.manifest.audio.duration_s > 3 for r in runs)
    # Both outputs share nothing here, but a shared cache folder must hold whole clips only.
    shared = tmp_path / "shared"
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda n: produce(station, short_script(), shared), range(2)))
    again = produce(station, short_script(), shared)
    assert (again.manifest.clips.synthesized, again.manifest.clips.reused) == (0, 4)
    assert not [p for p in shared.rglob(".*") if p.is_file()]


@pytest.fixture
def filled_cache(tmp_path):
    station = load_station(sample_station_dir())
    produce(station, short_script(), tmp_path, engine_override="dummy")
    produce(station, short_script(), tmp_path)
    return clip_cache(tmp_path, station.id)


def test_stats_count_clips_per_engine(filled_cache):
    stats = filled_cache.stats()
    assert {name: usage.clips for name, usage in stats.engines.items()} == {"dummy": 4,
                                                                           "offline": 4}
    assert stats.bytes == sum(p.stat().st_size for p in clips_in(filled_cache.root))
    assert 3 < stats.engines["offline"].seconds < 20


def test_prune_by_engine_age_and_size(filled_cache):
    assert filled_cache.prune(engine="dummy").removed == 4
    assert set(filled_cache.stats().engines) == {"offline"}
    old = sorted(clips_in(filled_cache.root))[:2]
    for path in old:
        os.utime(path, (time.time() - 200 * DAY_S,) * 2)
    result = filled_cache.prune(older_than_days=180)
    assert (result.removed, result.kept) == (2, 2)
    assert not any(p.exists() for p in old)
    assert filled_cache.prune(max_bytes=0).kept == 0


def test_a_cache_hit_keeps_a_clip_young(filled_cache, tmp_path):
    station = load_station(sample_station_dir())
    for path in clips_in(filled_cache.root):
        os.utime(path, (time.time() - 200 * DAY_S,) * 2)
    produce(station, short_script(), tmp_path)  # uses the offline clips again
    result = filled_cache.prune(older_than_days=180)
    assert result.removed == 4 and result.kept == 4
    assert set(filled_cache.stats().engines) == {"offline"}


def test_prune_removes_temporary_leftovers_of_killed_runs(filled_cache):
    leftover = filled_cache.root / "offline" / "ab" / ".abcdef.x.wav"
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_bytes(b"RIFF half")
    os.utime(leftover, (time.time() - 7200,) * 2)
    assert filled_cache.stats().clips == 8  # leftovers are not clips
    filled_cache.prune(older_than_days=365)
    assert not leftover.exists()


def test_cache_commands(tmp_path):
    station_dir = tmp_path / "xa"
    assert run_cli("init", str(station_dir)).returncode == 0
    empty = run_cli("cache", "stats", "-s", str(station_dir))
    assert empty.returncode == 0 and "đang trống" in empty.stdout
    refused = run_cli("cache", "prune", "-s", str(station_dir))
    assert refused.returncode == 1 and "--older-than" in refused.stderr
    done = run_cli("cache", "prune", "-s", str(station_dir), "--max-mb", "0")
    assert done.returncode == 0 and "Đã xoá 0 câu" in done.stdout


def test_voices_command_explains_unavailable_engines(tmp_path):
    result = run_cli("voices", "-s", str(sample_station_dir()))
    assert result.returncode == 0
    assert "offline — sẵn sàng" in result.stdout
    assert "rhasspy/piper-voices" in result.stdout.replace("\n", "")
    assert "Bộ đọc dự phòng" in result.stdout


def test_manifest_counts_are_what_the_cache_did(tmp_path):
    station = load_station(sample_station_dir())
    first = produce(station, short_script(), tmp_path)
    manifest = json.loads(first.manifest_path.read_text())
    assert manifest["clips"]["synthesized"] == len(clips_in(tmp_path)) == 4
