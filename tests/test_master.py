"""Mastering lands on the loudness target under the true-peak limit, by an outside meter."""
import wave

import numpy as np
import pytest

from radio.audio.export import to_pcm16
from radio.audio.master import limit, master, true_peak
from radio.audio.mix import to_float
from radio.speech.engines import get_engine
from tests.conftest import ebur128

RATE = 44100


@pytest.fixture(scope="module")
def speech():
    engine = get_engine("offline")
    text = ("Thưa bà con, chỉ cần một chiếc điện thoại thông minh có kết nối mạng, người dân đã có "
            "thể làm nhiều thủ tục hành chính mà không phải đến trụ sở.")
    clip = to_float(engine.synthesize(text, "vi", 1.0), RATE)
    return np.concatenate([clip, np.zeros(RATE // 2, np.float32), clip * 0.3, clip])


def write_wav(path, samples):
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(to_pcm16(samples))


@pytest.mark.parametrize("target", [-16.0, -23.0])
def test_master_reaches_target_and_respects_true_peak(tmp_path, speech, target):
    result, measurement = master(speech, RATE, target, -1.0)
    path = tmp_path / "m.wav"
    write_wav(path, result)
    outside = ebur128(path)
    assert abs(outside.integrated_lufs - target) <= 0.5
    assert outside.true_peak_dbtp <= -1.0
    assert abs(measurement.integrated_lufs - target) <= 0.15


def test_limiter_holds_true_peak_under_its_ceiling():
    t = np.arange(RATE) / RATE
    # A tone near Nyquist/4 at full scale has inter-sample peaks above its sample peaks.
    loud = (np.sin(2 * np.pi * 11025.5 * t + 0.3) * 1.2).astype(np.float32)
    out = limit(loud, 10 ** (-3 / 20), RATE)
    assert true_peak(out) <= -3.0 + 0.05
    assert true_peak(out) > -6.0  # limited, not muted


def test_silence_cannot_be_mastered():
    from radio.errors import AudioError

    with pytest.raises(AudioError) as caught:
        master(np.zeros(RATE * 5, np.float32), RATE, -16, -1)
    assert "im lặng" in str(caught.value)


def test_the_held_programme_stays_clean_where_it_is_quiet_and_where_it_is_loud():
    """Between mixing and the encoder the programme is held in 16-bit blocks, each with its own
    scale: a whisper keeps its detail beside a shout, and silence stays digital silence."""
    from radio.audio.blockpcm import BlockPCM

    t = np.arange(RATE * 2) / RATE
    quiet = (10 ** (-70 / 20) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    loud = (0.9 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    held = BlockPCM(RATE * 5)
    held[1000:1000 + quiet.size] += quiet  # slices that do not fall on block edges
    held[RATE * 3 - 77:RATE * 5 - 77] += loud
    held[RATE * 3 - 77:RATE * 5 - 77] *= np.float32(0.5)

    def error_db(got, wanted):
        return 20 * np.log10(np.sqrt(np.mean((got - wanted) ** 2)) / np.sqrt(np.mean(wanted ** 2)))

    assert error_db(held[1000:1000 + quiet.size], quiet) < -90
    assert error_db(held[RATE * 3 - 77:RATE * 5 - 77], loud * np.float32(0.5)) < -90
    assert not held[:1000].any() and not held[1000 + quiet.size:RATE * 3 - 77].any()
    assert held[:].dtype == np.float32 and held[:].size == RATE * 5
