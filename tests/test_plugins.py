"""The plugin seam as an outside package uses it: a plugin defined here, installed only as
an entry point (a dist-info folder on the path), with its own station.yaml section and an
output the player daemon uses."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta

import pytest

from radio.schedule import add_airing
from radio.store import Store
from tests.conftest import run_cli
from tests.fixtures import MONTH, make_station
from tests.test_schedule_player import ZONE

PLUGIN = textwrap.dedent('''
    """A vendor's smart-loudspeaker platform, as a test stands it in: each airing is
    written to a tally file named in the plugin's own station.yaml section."""
    from pathlib import Path

    from pydantic import BaseModel, ConfigDict, Field

    from radio.plugins import Plugin


    class TallySettings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        file: str = "tally.txt"
        cluster: str = Field(min_length=1)
        voices: list[str] = ["giong-mot"]


    class TallyEngine:
        """A speech engine of the same plugin, its voices named in the plugin's section."""
        name, about, parallel, max_chars = "tally", "bộ đọc thử của gói tally", 1, 500

        def __init__(self, settings, station_dir):
            self.settings = settings

        def version(self):
            return "1"

        def voices(self):
            from radio.speech.engines import Voice
            return [Voice(v, f"giọng {v} của cụm {self.settings.cluster}") for v in self.settings.voices]

        def unavailable_reason(self):
            return None

        def synthesize(self, text, voice, speed):
            import numpy as np
            from radio.speech.engines import pcm_segment
            return pcm_segment(np.zeros(2205), 22050)


    class TallyOutput:
        name = "tally"

        def __init__(self, settings, station_dir):
            self.path = Path(station_dir) / settings.file
            self.cluster = settings.cluster

        def unavailable_reason(self):
            return None

        def play(self, sound, duration_s, clock, stop, title=""):
            with open(self.path, "a", encoding="utf-8") as tally:
                tally.write(f"{self.cluster}|{title}|{sound.name}|{sound.audio_sha256}\\n")
            return None


    class TallyPlugin(Plugin):
        name = "tally"
        settings = TallySettings

        def setup(self, registry):
            registry.add("output", "tally", TallyOutput)
            registry.add("engine", "tally", TallyEngine)


    plugin = TallyPlugin()
''')


@pytest.fixture
def installed_plugin(tmp_path):
    """The plugin as pip would leave it: a module and a dist-info with its entry point."""
    site = tmp_path / "site"
    info = site / "radio_tally-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "radio_tally.py").write_text(PLUGIN, encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: radio-tally\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[radio.plugins]\ntally = radio_tally:plugin\n", encoding="utf-8")
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_a_plugin_found_by_its_entry_point_brings_its_section_and_an_output_the_player_uses(
        tmp_path, installed_plugin):
    folder = make_station(tmp_path, produced=True, approved=True)
    planned = (datetime.now(ZONE) + timedelta(seconds=3)).replace(microsecond=0)
    add_airing(folder, MONTH, planned, force=True)  # in this process, which has no such plugin
    with open(folder / "station.yaml", "a", encoding="utf-8") as station_file:
        station_file.write("tally:\n  cluster: Cụm loa thôn Đông\n")
    daemon = subprocess.run(
        [sys.executable, "-m", "radio", "player", "run", "-s", str(folder), "--output", "tally",
         "--until", (planned + timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S")],
        capture_output=True, text=True, timeout=60, env={**os.environ, **installed_plugin})
    assert daemon.returncode == 0, daemon.stdout + daemon.stderr
    [line] = (folder / "tally.txt").read_text(encoding="utf-8").splitlines()
    cluster, title, name, heard = line.split("|")
    assert (cluster, title) == ("Cụm loa thôn Đông", "Chuyên mục Cải cách hành chính tháng 12/2026")
    assert name.endswith(".mp3")
    assert [(e.result, e.output, e.audio_sha256) for e in Store(folder).as_run()] == [
        ("aired", "tally", heard)]  # the plugin got the bytes whose hash the log records


def test_radio_plugins_lists_its_own_and_the_installed_ones_with_their_sections(installed_plugin):
    own = run_cli("plugins", env={"COLUMNS": "250"}).stdout
    assert "icecast:" in own and "publish:" in own and "tally" not in own
    listed = run_cli("plugins", env={"COLUMNS": "250", **installed_plugin}).stdout
    row = next(line for line in listed.splitlines() if "tally" in line)
    assert "gói cài thêm" in row and "đầu ra: tally" in row and "tally:" in row


def test_an_engine_of_a_plugin_is_built_with_the_plugin_section(tmp_path, installed_plugin):
    folder = make_station(tmp_path, segments=())
    with open(folder / "station.yaml", "a", encoding="utf-8") as station_file:
        station_file.write("tally:\n  cluster: Thôn Đông\n  voices: [am-ap, tram]\n")
    listed = run_cli("voices", "-s", str(folder), env={"COLUMNS": "200", **installed_plugin}).stdout
    assert "tally — sẵn sàng" in listed
    assert "giọng am-ap của cụm Thôn Đông" in listed and "giọng tram của cụm Thôn Đông" in listed
    assert "offline — sẵn sàng" in listed  # radio's own engines through the same registry


def test_a_plugin_section_is_validated_with_file_and_line(tmp_path, installed_plugin):
    folder = make_station(tmp_path, segments=())
    with open(folder / "station.yaml", "a", encoding="utf-8") as station_file:
        station_file.write("tally:\n  cluster: Thôn Đông\n  colour: xanh\n")
    line = (folder / "station.yaml").read_text(encoding="utf-8").splitlines().index("  colour: xanh") + 1
    result = run_cli("status", "-s", str(folder), env=installed_plugin)
    assert result.returncode != 0
    assert f"dòng {line}: trường 'tally.colour' trường không được phép" in result.stderr + result.stdout


def test_without_the_plugin_its_section_is_an_unknown_key_and_its_output_is_named_missing(tmp_path):
    folder = make_station(tmp_path, segments=())
    with open(folder / "station.yaml", "a", encoding="utf-8") as station_file:
        station_file.write("tally:\n  cluster: Thôn Đông\n")
    result = run_cli("status", "-s", str(folder))
    assert result.returncode != 0 and "trường 'tally' trường không được phép" in result.stderr + result.stdout
    (folder / "station.yaml").write_text(
        (folder / "station.yaml").read_text(encoding="utf-8").replace("tally:\n  cluster: Thôn Đông\n", ""),
        encoding="utf-8")
    result = run_cli("player", "run", "-s", str(folder), "--output", "tally")
    said = result.stderr + result.stdout
    assert result.returncode != 0 and "Không có đầu ra 'tally'" in said and "icecast" in said
