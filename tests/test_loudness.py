"""The streaming BS.1770 meter against pyloudnorm and ffmpeg's ebur128."""
import wave

import numpy as np
import pyloudnorm
import pytest

from radio.audio.export import Encoder, to_pcm16
from radio.audio.ffmpeg import measure_file
from radio.audio.loudness import LoudnessMeter, integrated_loudness


def varied_noise(rate, seconds, seed=1):
    rng = np.random.default_rng(seed)
    levels = np.repeat(rng.uniform(0.01, 0.4, seconds), rate)
    signal = rng.standard_normal(rate * seconds) * levels
    signal[rate * 3: rate * 5] = 0  # digital silence, gated out
    return signal.astype(np.float32)


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_integrated_loudness_matches_pyloudnorm(rate):
    signal = varied_noise(rate, 20)
    ours = integrated_loudness(signal, rate, chunk=12345)  # odd chunks: state carries over
    reference = pyloudnorm.Meter(rate).integrated_loudness(signal.astype(np.float64))
    assert ours == pytest.approx(reference, abs=0.02)


def test_silence_has_no_loudness():
    assert integrated_loudness(np.zeros(44100 * 3, np.float32), 44100) == float("-inf")


def test_loudness_of_a_time_range(tmp_path):
    rate = 44100
    quiet = np.random.default_rng(2).standard_normal(rate * 10).astype(np.float32) * 0.01
    loud = quiet * 10
    meter = LoudnessMeter(rate)
    meter.feed(np.concatenate([quiet, loud]))
    assert meter.integrated(10, 20) - meter.integrated(0, 10) == pytest.approx(20, abs=0.1)


def test_loudness_range_agrees_with_ebur128(tmp_path):
    rate = 48000
    signal = varied_noise(rate, 60, seed=3)
    path = tmp_path / "range.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(to_pcm16(signal))
    meter = LoudnessMeter(rate)
    meter.feed(signal)
    outside = measure_file(path)
    assert meter.loudness_range() == pytest.approx(outside.loudness_range_lu, abs=1.0)
    assert meter.integrated() == pytest.approx(outside.integrated_lufs, abs=0.1)


def test_the_encoder_measures_the_mp3_as_the_finished_file_is_measured(tmp_path):
    """The manifest's figures come from the encoder's own stream; they must be those of the
    file a player decodes (its codec delay dropped), whatever the folder is called."""
    rate = 44100
    signal = varied_noise(rate, 20, seed=4)
    signal[-rate // 10:] = 0.9 * np.sign(signal[-rate // 10:])  # loud to the last sample
    folder = tmp_path / "đài 'An Lạc' | [bản x]: 1"
    folder.mkdir()
    path = folder / "programme.mp3"
    with Encoder(path, rate, 128, frames=signal.size) as encoder:
        for begin in range(0, signal.size, 77777):
            encoder(signal[begin:begin + 77777])
    assert encoder.measured == measure_file(path)
