"""Audio files from outside (station kits, cached clips) are decoded without ffprobe."""
import numpy as np
import pytest

from radio.audio.ffmpeg import decode
from radio.audio.kit import default_kit
from radio.errors import AudioError


def test_corrupt_file_gets_a_clear_message(tmp_path):
    bad = tmp_path / "nhac-hieu.mp3"
    bad.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00garbage" * 50)
    with pytest.raises(AudioError) as caught:
        decode(bad, 44100)
    message = str(caught.value)
    assert str(bad) in message and "bị hỏng" in message and "Cách xử lý" in message


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(AudioError) as caught:
        decode(tmp_path / "khong-co.wav", 44100)
    assert "khong-co.wav" in str(caught.value)


def test_default_kit_is_short_music_that_fades_out():
    kit = default_kit(44100)
    for name, clip, longest in (("intro", kit.intro, 8), ("outro", kit.outro, 8),
                                ("stinger", kit.stinger, 3)):
        assert 0.5 < clip.size / 44100 <= longest, name
        assert np.max(np.abs(clip)) <= 0.71, name
        assert np.max(np.abs(clip[-100:])) < 0.01, name  # ends in silence, no click
