"""The walking skeleton, judged on the programme it actually writes."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import yaml
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from radio.models import Script
from tests.conftest import decode, ebur128


@pytest.fixture(scope="module")
def programme(demo_output):
    folder, _ = demo_output
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return folder, manifest


@pytest.fixture(scope="module")
def heard(programme):
    """The programme as a player decodes it, once for the module (13 minutes of audio)."""
    folder, _ = programme
    return decode(folder / "programme.mp3")


@pytest.fixture(scope="module")
def measured(programme):
    """ffmpeg's ebur128 on the programme, once for the module."""
    folder, _ = programme
    return ebur128(folder / "programme.mp3")


def test_programme_lasts_ten_to_fifteen_minutes(heard):
    assert 600 <= heard.size / 44100 <= 900


def test_loudness_is_on_target_by_an_independent_meter(measured):
    assert abs(measured.integrated_lufs - (-16.0)) <= 0.5


def test_true_peak_stays_under_the_limit(measured):
    assert measured.true_peak_dbtp <= -1.0


def test_tags_are_readable(programme):
    folder, manifest = programme
    tags = ID3(folder / "programme.mp3")
    assert tags.version[:2] == (2, 3)  # the station's default (audio.id3)
    assert str(tags["TIT2"]) == manifest["title"] == "Chuyên mục Cải cách hành chính tháng 12/2026"
    assert str(tags["TPE1"]) == "Đài Truyền thanh xã An Lạc"
    assert str(tags["TALB"]) == "Chuyên mục Cải cách hành chính năm 2026"
    assert str(tags["TDRC"]) == "2026"  # mutagen's reading of the v2.3 TYER frame
    assert str(tags["TRCK"]) == "12"
    assert str(tags["TCON"]) == "Thông tin – Tuyên truyền"
    info = MP3(folder / "programme.mp3").info
    assert info.channels == 1 and info.sample_rate == 44100 and info.bitrate == 128000


def test_manifest_describes_the_file(programme, heard, measured):
    folder, manifest = programme
    mp3 = folder / manifest["audio"]["path"]
    assert manifest["audio"]["sha256"] == hashlib.sha256(mp3.read_bytes()).hexdigest()
    assert manifest["audio"]["duration_s"] == pytest.approx(heard.size / 44100, abs=0.05)
    assert manifest["station"] == "an-lac" and manifest["month"] == "2026-12"
    assert manifest["engine"]["name"] == "offline"
    assert manifest["audio"]["sample_rate"] == 44100 and manifest["audio"]["channels"] == 1
    # The file's own figures, measured as it was made: an outside meter reads the same
    # (ffmpeg prints tenths).
    assert abs(manifest["audio"]["integrated_lufs"] - measured.integrated_lufs) <= 0.1
    assert abs(manifest["audio"]["true_peak_dbtp"] - measured.true_peak_dbtp) <= 0.15
    clips = manifest["clips"]
    assert clips["synthesized"] + clips["reused"] > 50


def test_segments_are_in_order_and_inside_the_file(programme):
    _, manifest = programme
    segments = manifest["segments"]
    kinds = [s["kind"] for s in segments]
    assert kinds[0] == "intro" and kinds[-1] == "outro"
    for required in ("opening", "news", "topic", "procedure", "reminder", "closing"):
        assert required in kinds
    starts = [s["start_s"] for s in segments]
    assert starts == sorted(starts)
    end = segments[-1]["start_s"] + segments[-1]["duration_s"]
    assert end == pytest.approx(manifest["audio"]["duration_s"], abs=0.1)


def test_every_speech_segment_contains_speech(programme, heard):
    _, manifest = programme
    samples = heard
    frame = 441  # 10 ms
    for segment in manifest["segments"]:
        if segment["kind"] in ("intro", "outro"):
            continue
        start = int(segment["start_s"] * 44100)
        body = samples[start:start + int(segment["duration_s"] * 44100)]
        frames = body[: body.size // frame * frame].reshape(-1, frame)
        level = 20 * np.log10(np.sqrt((frames ** 2).mean(axis=1)) + 1e-9)
        # Under a bed the pauses are not silent, only quieter: speech is judged against the
        # segment's own loudest moments.
        voiced = level > (np.percentile(level, 90) - 20 if segment["bed"] else -40)
        # Speech is mostly sound with short gaps: neither silence nor one continuous tone.
        assert 0.5 < voiced.mean() < 0.97, segment["id"]
        # Syllable rhythm: the level goes up and down several times a second.
        onsets = np.count_nonzero(np.diff(voiced.astype(int)) == 1)
        assert onsets / segment["duration_s"] > 0.5, segment["id"]


def test_script_is_written_and_matches_the_manifest(programme):
    folder, manifest = programme
    script = Script.model_validate(yaml.safe_load((folder / "script.yaml").read_text("utf-8")))
    assert script.content_hash() == manifest["script_sha256"]
    voices = {s.voice for s in script.segments}
    assert voices == {"nu", "nu2"}  # two announcers alternate


def test_cli_reports_path_duration_and_loudness(demo_output):
    folder, result = demo_output
    assert str(folder / "programme.mp3") in result.stdout.replace("\n", "")
    assert "phút" in result.stdout and "LUFS" in result.stdout


def test_chapters_are_in_time_order_as_ffmpeg_reads_them_also_after_approval(programme, tmp_path):
    """Readers that list chapters as found in the tag (ffmpeg, eyeD3, players) see them in
    time order, matching the table of contents; retagging (approval) keeps that order."""
    import shutil
    import subprocess

    from radio.audio.export import write_approval_tag
    from radio.audio.ffmpeg import ffmpeg_exe

    folder, manifest = programme
    copy = tmp_path / "approved.mp3"
    shutil.copyfile(folder / "programme.mp3", copy)
    write_approval_tag(copy, "Đã duyệt: Nguyễn Văn Bình")
    for path in (folder / "programme.mp3", copy):
        metadata = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
                                  capture_output=True, text=True, check=True).stdout
        starts = [int(line.split("=")[1]) for line in metadata.splitlines() if line.startswith("START=")]
        titles = [line[6:] for line in metadata.splitlines() if line.startswith("title=")][1:]
        assert len(starts) == len(manifest["segments"]) and starts == sorted(starts)
        assert titles[0] == manifest["segments"][0]["title"]
        toc = ID3(path).getall("CTOC")[0].child_element_ids
        assert list(toc) == [key.split(":")[1] for key in ID3(path).keys() if key.startswith("CHAP")]


def test_tags_are_id3v23_by_default_readable_by_a_second_reader(programme, tmp_path):
    """Windows Explorer and most car and phone players read ID3v2.3, not 2.4: text in UTF-16,
    chapters kept. ffmpeg, a reader independent of mutagen, sees the same title and chapters."""
    import shutil
    import subprocess

    from mutagen.id3 import Encoding

    from radio.audio.export import Chapter, Tags, write_tags
    from radio.audio.ffmpeg import ffmpeg_exe

    folder, manifest = programme
    path = folder / "programme.mp3"
    assert path.read_bytes()[:4] == b"ID3\x03"
    tags = ID3(path)
    assert tags.version == (2, 3, 0) and tags["TIT2"].encoding == Encoding.UTF16
    metadata = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
                              capture_output=True, text=True, check=True).stdout
    assert f"title={manifest['title']}" in metadata
    assert metadata.count("[CHAPTER]") == len(manifest["segments"])
    # A station that asks for ID3v2.4 gets it.
    copy = tmp_path / "v24.mp3"
    shutil.copyfile(path, copy)
    write_tags(copy, Tags(title="Thử", artist="Đài", album="Chuyên mục", date="2026-12", track=12,
                          chapters=[Chapter("ch00", "Mở đầu", 0.0, 5.0)], id3_version=4))
    assert copy.read_bytes()[:4] == b"ID3\x04" and ID3(copy).version == (2, 4, 0)
