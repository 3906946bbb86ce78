"""Speech engines make real audio, and say clearly when they cannot."""
import numpy as np
import pytest

from radio.errors import SpeechError
from radio.speech.engines import Engine, engine_names, get_engine


def samples_of(audio):
    return np.asarray(audio.get_array_of_samples(), dtype=np.float32) / 32768


def test_registry_lists_the_builtin_engines():
    assert {"offline", "dummy"} <= set(engine_names())
    assert isinstance(get_engine("offline"), Engine)


@pytest.mark.parametrize("voice", ["vi", "vi+f3", "vi-vn-x-central", "vi-vn-x-south"])
def test_offline_engine_speaks_vietnamese(voice):
    engine = get_engine("offline")
    assert engine.unavailable_reason() is None
    audio = engine.synthesize("Kính thưa bà con nhân dân trong xã", voice, 1.0)
    samples = samples_of(audio)
    assert audio.frame_rate == 22050 and audio.channels == 1
    # Eight syllables at a calm pace: about two seconds, clearly not silence.
    assert 1.0 < len(samples) / audio.frame_rate < 4.0
    assert np.sqrt(np.mean(samples ** 2)) > 0.02


def test_speed_changes_duration_not_content():
    engine = get_engine("offline")
    text = "Bà con có thể nộp hồ sơ trực tuyến vào bất cứ lúc nào"
    slow = engine.synthesize(text, "vi", 0.8)
    fast = engine.synthesize(text, "vi", 1.3)
    assert len(fast) < len(slow) * 0.8


def test_unknown_voice_is_a_clear_error():
    with pytest.raises(SpeechError) as caught:
        get_engine("offline").synthesize("xin chào", "khong-co-giong", 1.0)
    assert "không có giọng 'khong-co-giong'" in str(caught.value)
    assert "radio voices" in str(caught.value)


def test_unknown_engine_lists_the_known_ones():
    with pytest.raises(SpeechError) as caught:
        get_engine("khong-co")
    assert "offline" in str(caught.value) and "dummy" in str(caught.value)


def test_dummy_engine_is_deterministic_and_audible():
    engine = get_engine("dummy")
    first = engine.synthesize("một hai ba", "low", 1.0)
    again = engine.synthesize("một hai ba", "low", 1.0)
    assert first.raw_data == again.raw_data
    assert np.sqrt(np.mean(samples_of(first) ** 2)) > 0.05
