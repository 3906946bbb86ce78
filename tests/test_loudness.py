"""The streaming BS.1770 meter against pyloudnorm and ffmpeg's ebur128, and the MP3 stream
measured as it is made against the finished file."""
import threading
import wave

import numpy as np
import pyloudnorm
import pytest

from radio.audio.decoder import StreamDecoder
from radio.audio.export import _CODEC_DELAY, Encoder, _Measuring, to_pcm16
from radio.audio.lame import Lame
from radio.audio.loudness import LoudnessMeter, integrated_loudness
from radio.errors import AudioError
from tests.conftest import decode, ebur128


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
    outside = ebur128(path)
    assert meter.loudness_range() == pytest.approx(outside.loudness_range_lu, abs=1.0)
    assert meter.integrated() == pytest.approx(outside.integrated_lufs, abs=0.1)


def test_the_encoder_measures_the_mp3_as_the_finished_file_is_measured(tmp_path):
    """The manifest's figures come from the encoder's own stream, decoded and measured as it
    is made; they must be those ffmpeg's ebur128 finds in the file a player decodes (its codec
    delay dropped), whatever the folder is called."""
    rate = 44100
    # Noise smoothed below 5 kHz, unclipped, as speech is (4× oversampling reads the peaks of
    # broadband noise up to half a dB low — BS.1770-4 says so of its own meter —, ffmpeg's
    # resampler not), then a tone louder than all of it to the last sample.
    signal = np.convolve(varied_noise(rate, 20, seed=4), np.ones(8, np.float32) / 8)[:20 * rate]
    end = np.arange(rate // 10)
    signal[-end.size:] = 0.95 * np.sin(2 * np.pi * 997 * end / rate + 0.3)
    folder = tmp_path / "đài 'An Lạc' | [bản x]: 1"
    folder.mkdir()
    path = folder / "programme.mp3"
    with Encoder(path, rate, 128, frames=signal.size) as encoder:
        for begin in range(0, signal.size, 77777):
            encoder(signal[begin:begin + 77777])
    outside = ebur128(path)
    assert encoder.measured.integrated_lufs == pytest.approx(outside.integrated_lufs, abs=0.1)
    assert encoder.measured.loudness_range_lu == pytest.approx(outside.loudness_range_lu, abs=1.0)
    assert encoder.measured.true_peak_dbtp == pytest.approx(outside.true_peak_dbtp, abs=0.1)
    assert encoder.measured.sample_peak_dbfs == pytest.approx(outside.sample_peak_dbfs, abs=0.1)
    # The meter covers the decoded programme to its end: the last tenth of a second holds
    # the peak (the noise before it stays under −3 dBFS) and the loudest second.
    assert encoder.measured.true_peak_dbtp > -1.5
    assert encoder.meter.integrated(19, 20) > encoder.meter.integrated(0, 19)


def test_the_mp3_plays_gapless_exactly_what_was_fed(tmp_path):
    """LAME writes its tag over the stream's first frame once the stream is complete: a player
    drops the encoder's delay and padding, so the file lasts as long as the programme and
    every sound is where the chapters say it is."""
    rate = 44100
    signal = np.zeros(rate * 3 + 123, np.float32)
    click = rate + 1000
    signal[click:click + 64] = 0.8  # a mark to find again
    path = tmp_path / "gapless.mp3"
    with Encoder(path, rate, 128) as encoder:
        encoder(signal[:50_000])
        encoder(signal[50_000:])
    head = path.read_bytes()[:400]
    assert b"Info" in head and b"LAME" in head
    decoded = decode(path, rate)
    assert decoded.size == signal.size
    assert abs(int(np.argmax(np.abs(decoded))) - (click + 32)) < 40


def _lame_stream(signal, rate):
    """A LAME stream as the encoder hands it over (the tag's placeholder first), and its tag."""
    lame = Lame(rate, 128, 7)
    try:
        stream = lame.encode(np.frombuffer(to_pcm16(signal), np.int16)) + lame.flush()
        return stream, lame.tag(), lame.frames
    finally:
        lame.close()


def test_the_stream_is_measured_sample_for_sample_as_the_finished_file_plays(tmp_path):
    """The decoder fed while LAME writes gives what ffmpeg decodes from the finished file,
    once the codec's delay is dropped: the same samples at the same places, none missing at
    the start (where a decoder resynchronising would lose frames) or the end."""
    rate = 44100
    signal = np.convolve(varied_noise(rate, 6, seed=5), np.ones(4, np.float32) / 4)[:6 * rate]
    stream, tag, frames = _lame_stream(signal, rate)
    decoder = StreamDecoder(rate)
    feeder = threading.Thread(target=lambda: ([decoder.feed(stream[at:at + 999])
                                               for at in range(0, len(stream), 999)], decoder.end()))
    feeder.start()
    heard = np.concatenate(list(decoder.samples()))
    feeder.join()
    assert decoder.decoded == frames * 1152
    path = tmp_path / "finished.mp3"
    path.write_bytes(tag + stream[len(tag):])
    played = decode(path, rate)
    assert played.size == signal.size
    assert np.abs(heard[_CODEC_DELAY:_CODEC_DELAY + played.size] - played).max() < 1e-3


def test_a_stream_the_decoder_did_not_give_back_whole_is_not_measured(tmp_path):
    rate = 44100
    signal = varied_noise(rate, 4, seed=6)
    stream, _, frames = _lame_stream(signal, rate)
    measuring = _Measuring(rate, signal.size)
    measuring.feed(stream[:len(stream) - 20 * 417])  # the last frames lost on the way
    with pytest.raises(AudioError) as caught:
        measuring.result(tmp_path / "programme.mp3", frames)
    assert "Không đo được âm lượng của tệp" in str(caught.value)
    assert "programme.mp3" in str(caught.value)
