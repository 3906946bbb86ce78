"""The programme's tags as real readers show them: eyeD3 (Windows-style ID3v2.3 reader) and
ffmpeg, both independent of mutagen, which wrote them."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from radio.audio.export import Chapter, Tags, write_approval_tag, write_mp3, write_tags
from radio.audio.ffmpeg import ffmpeg_exe


def _frames(path) -> set[bytes]:
    """The frame ids of the file's ID3v2.3 tag, read from the bytes."""
    data = path.read_bytes()
    assert data[:4] == b"ID3\x03"
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | byte
    body, ids, position = data[10:10 + size], set(), 0
    while position + 10 <= len(body) and body[position:position + 4] != b"\0\0\0\0":
        ids.add(body[position:position + 4])
        position += 10 + int.from_bytes(body[position + 4:position + 8], "big")
    return ids


@pytest.fixture()
def tagged(tmp_path):
    path = tmp_path / "chuong-trinh.mp3"
    write_mp3(np.zeros(44100, dtype=np.float32), 44100, path, 128)
    write_tags(path, Tags(title="Chuyên mục tháng 12/2026", artist="Đài Truyền thanh xã An Lạc",
                          album="Chuyên mục năm 2026", date="2026-12", track=12,
                          chapters=[Chapter("ch00", "Mở đầu", 0.0, 0.5)]))
    return path


def test_id3v23_carries_v23_date_frames_and_a_vietnamese_genre(tagged):
    frames = _frames(tagged)
    assert b"TYER" in frames and b"TDRC" not in frames  # TDRC is ID3v2.4 only
    write_approval_tag(tagged, "Đã duyệt")  # rewriting keeps the file a v2.3 one
    frames = _frames(tagged)
    assert b"TYER" in frames and b"TDRC" not in frames


def test_eyed3_shows_the_year_and_the_genre(tagged):
    eyed3 = pytest.importorskip("eyed3")
    audio = eyed3.load(str(tagged))
    assert audio.tag.version == (2, 3, 0)
    assert audio.tag.getBestDate() is not None and audio.tag.getBestDate().year == 2026
    assert audio.tag.genre.name == "Thông tin – Tuyên truyền"
    assert audio.tag.title == "Chuyên mục tháng 12/2026"


def test_ffmpeg_shows_the_date_and_the_genre(tagged):
    listing = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(tagged)],
                             capture_output=True, text=True).stderr
    lines = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip()
             for line in listing.splitlines() if ":" in line}
    assert lines.get("date") == "2026"
    assert lines.get("genre") == "Thông tin – Tuyên truyền"
    assert "Speech" not in listing
