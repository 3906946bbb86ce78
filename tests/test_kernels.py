"""radio/audio/kernels.py runs scipy's compiled loops without importing scipy.signal: its
results must be the public functions' own, sample for sample, and production must not
import the packages it goes around (they cost 0.8 s and 70 MB a run)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyloudnorm
import pytest
from scipy import ndimage, signal

from radio.audio import kernels
from radio.audio.loudness import k_weighting

RNG = np.random.default_rng(29)
SPEECH_LIKE = (RNG.standard_normal(50_001) * np.hanning(50_001)).astype(np.float32)


def test_sosfilt_is_scipys_with_its_state_carried():
    sos = signal.butter(4, 120, btype="highpass", fs=44100, output="sos")
    for dtype in (np.float32, np.float64):
        zi = RNG.standard_normal((2, 2)).astype(dtype)
        ours, ours_state = kernels.sosfilt(sos.astype(dtype), SPEECH_LIKE, zi)
        theirs, their_state = signal.sosfilt(sos.astype(dtype), SPEECH_LIKE, zi=zi)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(ours_state, their_state)
    assert not np.array_equal(zi, np.zeros_like(zi))  # the caller's state is not overwritten


@pytest.mark.parametrize("up,down", [(2, 1), (147, 80), (80, 147), (1, 2)])
def test_resample_poly_is_scipys(up, down):
    ours, theirs = kernels.resample_poly(SPEECH_LIKE, up, down), signal.resample_poly(SPEECH_LIKE, up, down)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("size", [1, 5, 21, None])
def test_doubling_the_rate_is_scipys_resampling_in_half_the_work(size):
    """eSpeak's 22,050 Hz clips are doubled by the half-band shortcut: the same samples as
    scipy's resample_poly to 1e-15 (only the filter's near-zero taps are left out)."""
    signal_in = SPEECH_LIKE if size is None else SPEECH_LIKE[:size]
    ours, theirs = kernels.upsample_by_2(signal_in), signal.resample_poly(signal_in, 2, 1)
    assert ours.dtype == theirs.dtype and ours.size == theirs.size
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-15)


def test_interpolator_and_upsampling_are_scipys():
    ours = kernels.firwin_kaiser(48, 0.25, 6.0)
    np.testing.assert_allclose(ours, signal.firwin(48, 0.25, window=("kaiser", 6.0)), rtol=0, atol=1e-15)
    taps = (ours * 4).astype(np.float32)
    np.testing.assert_array_equal(kernels.upfirdn(taps, SPEECH_LIKE, 4), signal.upfirdn(taps, SPEECH_LIKE, 4))


@pytest.mark.parametrize("size", [1, 11, 50_001])
def test_true_peak_envelope_is_scipys_upsampling_aligned_to_each_sample(size):
    """The limiter's polyphase product gives, at every sample, the largest of the sample and
    the three values scipy's 4× upsampling puts after it, to float32 rounding."""
    from radio.audio import master

    x = SPEECH_LIKE[:size] * np.float32(0.5)
    upsampled = signal.upfirdn(master._INTERPOLATOR, x, 4)[master._INTERPOLATOR_DELAY:][:4 * size]
    expected = np.maximum(np.abs(x), np.abs(upsampled).reshape(size, 4).max(axis=1))
    np.testing.assert_allclose(master._peak_envelope(x), expected, rtol=1e-6, atol=0)
    # A sine of an eighth of the rate sampled half-way between its crests: no sample is above
    # 0.924, the wave between them reaches 1.
    crests_missed = np.sin(np.pi / 4 * np.arange(1000) + np.pi / 8).astype(np.float32)
    assert np.abs(crests_missed).max() < 0.93
    assert abs(master._peak_envelope(crests_missed)[48:-48].max() - 1) < 0.01


@pytest.mark.parametrize("size", [3, 20, 707])
def test_running_minimum_and_mean_are_scipys(size):
    np.testing.assert_array_equal(kernels.minimum_filter1d(SPEECH_LIKE, size),
                                  ndimage.minimum_filter1d(SPEECH_LIKE, size=size, mode="nearest"))
    np.testing.assert_array_equal(kernels.uniform_filter1d(SPEECH_LIKE, size),
                                  ndimage.uniform_filter1d(SPEECH_LIKE, size=size, mode="nearest"))


@pytest.mark.parametrize("rate", [16000, 22050, 44100, 48000])
def test_k_weighting_is_pyloudnorms(rate):
    filters = pyloudnorm.Meter(rate)._filters
    theirs = np.array([np.concatenate([f.b, f.a]) / f.a[0] for f in filters.values()])
    np.testing.assert_array_equal(k_weighting(rate), theirs)


def test_mastering_and_mixing_leave_scipy_signal_and_pyloudnorm_unimported():
    code = ("import sys; import radio.audio.finish, radio.audio.mix; "
            "print(sorted(m for m in ('scipy.signal', 'scipy.ndimage', 'scipy.stats', 'pyloudnorm') "
            "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_the_public_functions_stand_in_when_scipy_moves_its_loops(monkeypatch):
    direct = kernels.resample_poly(SPEECH_LIKE, 2, 1), kernels.minimum_filter1d(SPEECH_LIKE, 20)
    monkeypatch.setattr(kernels, "_PUBLIC", (signal, ndimage))
    np.testing.assert_array_equal(kernels.resample_poly(SPEECH_LIKE, 2, 1), direct[0])
    np.testing.assert_array_equal(kernels.minimum_filter1d(SPEECH_LIKE, 20), direct[1])
