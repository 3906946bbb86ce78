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


def test_a_long_programme_compressed_in_two_halves_at_once_is_the_programme_compressed_whole(speech, monkeypatch):
    """Each half gets the original signal beyond its edge, and the second half's meter has
    heard what precedes it: the join leaves no mark and the loudness is the whole's."""
    from radio.audio import master as mastering
    from radio.audio.blockpcm import BlockPCM

    monkeypatch.setattr(mastering, "_SPLIT_MIN", 2 * mastering._CHUNK)  # a short programme will do
    repeats = -(-2 * mastering._SPLIT_MIN // speech.size) + 1
    programme = np.tile(speech, repeats)

    def compressed():
        held = BlockPCM(programme.size)
        held[0:programme.size] = programme
        return held, mastering.Mastering(held, RATE, reference_lufs=-25.0).loudness

    halves, halves_loudness = compressed()
    split = mastering._split_point(programme.size, mastering.LoudnessMeter(RATE))
    assert split is not None
    monkeypatch.setattr(mastering, "_split_point", lambda size, meter: None)
    whole, whole_loudness = compressed()
    assert halves_loudness == pytest.approx(whole_loudness, abs=0.001)
    # The second half's chunks start at the split, not on the whole's grid, and the gain is
    # drawn every half millisecond from each chunk's start: on a few fast attacks it lands
    # up to 0.3 dB apart for a sample or two, as it does at any chunk boundary of one pass.
    gain_difference = np.abs(halves[:] - whole[:]) / np.maximum(np.abs(whole[:]), 0.05)
    assert gain_difference.max() < 0.05
    assert np.mean(gain_difference > 0.01) < 0.01
    around = slice(split - RATE // 100, split + RATE // 100)  # no step, no click at the join
    assert np.abs(np.diff(halves[around])).max() <= 1.05 * np.abs(np.diff(whole[around])).max()


@pytest.mark.parametrize("ceiling", [0.3, 0.6, 0.9])
def test_the_limiter_skips_only_samples_that_cannot_reach_its_ceiling(ceiling):
    """Oversampling only where a cheap bound says the envelope could exceed the ceiling
    changes nothing the limiter does, even for broadband noise, whose inter-sample peaks rise
    furthest above its samples."""
    from radio.audio import master as mastering

    rng = np.random.default_rng(11)
    levels = np.repeat(rng.uniform(0.05, 0.6, 40), 1000).astype(np.float32)
    noise = rng.standard_normal(levels.size).astype(np.float32) * levels / 2
    full = np.minimum(1, ceiling / np.maximum(mastering._peak_envelope(noise), 1e-9))
    near = np.minimum(1, ceiling / np.maximum(mastering._peak_envelope_near(noise, ceiling), 1e-9))
    np.testing.assert_array_equal(near, full)
    assert (mastering._peak_envelope_near(noise, ceiling) < mastering._peak_envelope(noise)).any()
    clipped = np.clip(noise * 4, -ceiling, ceiling)  # square edges: the largest overshoots
    for signal in (noise, clipped):
        assert (mastering._envelope_bound(signal) >= mastering._peak_envelope(signal)).all()


def test_a_whole_array_reads_the_true_peak_the_files_meter_reads():
    """One rule for the ends everywhere: a programme that stops at full level is read with
    its last sample held, as the meter of the produced file reads it, not as a cliff to
    zero whose ringing no listener hears."""
    from radio.audio.master import PeakMeter, true_peak

    t = np.arange(RATE) / RATE
    crest_at_the_end = np.pi / 2 - 2 * np.pi * 997 * t[-1]
    stops_loud = (0.9 * np.sin(2 * np.pi * 997 * t + crest_at_the_end) * np.minimum(1, t * 20)).astype(np.float32)
    meter = PeakMeter()
    for begin in range(0, stops_loud.size, 7777):
        meter.feed(stops_loud[begin:begin + 7777])
    assert true_peak(stops_loud) == pytest.approx(meter.true_peak_db, abs=1e-6)
    assert true_peak(stops_loud) < 20 * np.log10(0.9) + 0.05  # no overshoot invented at the end
    with_a_cliff = np.concatenate([stops_loud, np.zeros(64, np.float32)])
    assert true_peak(with_a_cliff) > true_peak(stops_loud) + 0.3  # what dropping to zero read
