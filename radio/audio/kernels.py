"""The few compiled filter loops production needs, without importing scipy.signal.

Importing ``scipy.signal`` takes 0.8 s and 70 MB of resident memory (it pulls in
``scipy.stats`` and parses hundreds of docstrings at import), ``scipy.ndimage`` another
0.25 s and 30 MB: together as much time as eSpeak spends reading the whole programme. Production
uses only four of their loops (the biquad cascade, the polyphase FIR, the running minimum
and the running mean), so this module loads those extension modules from scipy's own folders
without running the packages around them, and does in numpy the little Python each public
function adds. The results are the public functions' own, sample for sample (tests compare).

Should a scipy release move these private modules, the public functions are imported instead:
slower to start, the same results.
"""
from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
from pathlib import Path

import numpy as np


def _extension(package: str, name: str):
    """scipy's ``package.name`` extension module, loaded without ``package``'s __init__."""
    import scipy  # the top-level package alone is cheap: a few ms

    folder = Path(scipy.__file__).parent / package
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"{name}{suffix}"
        if path.is_file():
            qualified = f"scipy.{package}.{name}"
            loader = importlib.machinery.ExtensionFileLoader(qualified, str(path))
            spec = importlib.util.spec_from_file_location(qualified, path, loader=loader)
            module = importlib.util.module_from_spec(spec)
            loader.exec_module(module)
            return module
    raise ImportError(f"scipy.{package}.{name}")


try:
    _sosfilt_loop = _extension("signal", "_sosfilt")._sosfilt
    _upfirdn = _extension("signal", "_upfirdn_apply")
    _nd_image = _extension("ndimage", "_nd_image")
    _PUBLIC = None
except (ImportError, OSError, AttributeError):  # another scipy layout
    from scipy import ndimage as _public_ndimage, signal as _public_signal

    _PUBLIC = (_public_signal, _public_ndimage)

_NEAREST = 0  # scipy.ndimage's code for mode="nearest"


def sosfilt(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.sosfilt(sos, x, zi=zi)`` for a 1-D ``x``: filtered copy, final state."""
    dtype = np.result_type(sos, x, zi)
    if _PUBLIC:
        return _PUBLIC[0].sosfilt(sos, x, zi=zi)
    out = np.array(x, dtype=dtype, order="C", ndmin=2)
    state = np.array(zi, dtype=dtype)[None]  # a copy the loop updates in place
    _sosfilt_loop(np.ascontiguousarray(sos, dtype=dtype), out, state)
    return out[0], state[0]


def upfirdn(h: np.ndarray, x: np.ndarray, up: int, down: int = 1) -> np.ndarray:
    """``scipy.signal.upfirdn(h, x, up, down)`` for a 1-D ``x``: upsampled, FIR-filtered and
    downsampled."""
    if _PUBLIC:
        return _PUBLIC[0].upfirdn(h, x, up, down)
    dtype = np.result_type(h.dtype, x.dtype, np.float32)
    # The filter's phases side by side, each reversed, as the compiled loop reads them.
    padded = np.zeros(h.size + (-h.size % up), dtype=dtype)
    padded[:h.size] = h
    flipped = np.ascontiguousarray(padded.reshape(-1, up).T[:, ::-1].ravel())
    out = np.zeros(_upfirdn._output_len(h.size, x.size, up, down), dtype=dtype)
    _upfirdn._apply(np.asarray(x, dtype), flipped, out, up, down, 0,
                    _upfirdn.mode_enum("constant"), 0)
    return out


def firwin_kaiser(taps: int, cutoff: float, beta: float) -> np.ndarray:
    """``scipy.signal.firwin(taps, cutoff, window=("kaiser", beta))``: a windowed-sinc low-pass
    with unit gain at DC, ``cutoff`` relative to Nyquist."""
    m = np.arange(taps) - 0.5 * (taps - 1)
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(taps, beta)
    return h / h.sum()


def resample_poly(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """``scipy.signal.resample_poly(x, up, down)`` for a 1-D float ``x`` and reduced ``up/down``."""
    if _PUBLIC:
        return _PUBLIC[0].resample_poly(x, up, down)
    if up == down == 1:
        return x.copy()
    n_out = x.size * up // down + bool(x.size * up % down)
    half_len = 10 * max(up, down)
    h = firwin_kaiser(2 * half_len + 1, 1.0 / max(up, down), 5.0).astype(x.dtype) * up
    n_pre_pad = down - half_len % down
    n_pre_remove = (half_len + n_pre_pad) // down
    n_post_pad = 0
    while (_upfirdn._output_len(h.size + n_pre_pad + n_post_pad, x.size, up, down)
           < n_out + n_pre_remove):
        n_post_pad += 1
    h = np.concatenate([np.zeros(n_pre_pad, h.dtype), h, np.zeros(n_post_pad, h.dtype)])
    return upfirdn(h, x, up, down)[n_pre_remove:n_pre_remove + n_out]


def upsample_by_2(x: np.ndarray) -> np.ndarray:
    """``resample_poly(x, 2, 1)`` for a 1-D float32 ``x`` (eSpeak's 22,050 Hz to 44,100 Hz)
    in half the work, equal to it within 1e-16 (tested): its 41-tap filter is half-band, so
    the outputs that fall on input samples are those samples times the centre tap (the other
    taps of that phase are under 4e-17), and only the outputs between them need a filter."""
    taps = _half_band_taps()
    between = upfirdn(taps[1::2], x, 1)
    out = np.empty(2 * x.size, dtype=np.float32)
    out[0::2] = x * taps[_HALF_BAND_CENTRE]
    out[1::2] = between[_HALF_BAND_CENTRE // 2:_HALF_BAND_CENTRE // 2 + x.size]
    return out


_HALF_BAND_CENTRE = 20  # resample_poly's filter for 2/1: 2 · 10 · 2 + 1 taps


@functools.lru_cache(maxsize=1)
def _half_band_taps() -> np.ndarray:
    return firwin_kaiser(2 * _HALF_BAND_CENTRE + 1, 0.5, 5.0).astype(np.float32) * 2


def minimum_filter1d(x: np.ndarray, size: int) -> np.ndarray:
    """``scipy.ndimage.minimum_filter1d(x, size, mode="nearest")`` for a 1-D ``x``."""
    if _PUBLIC:
        return _PUBLIC[1].minimum_filter1d(x, size=size, mode="nearest")
    out = np.empty_like(x)
    _nd_image.min_or_max_filter1d(x, size, 0, out, _NEAREST, 0.0, 0, 1)
    return out


def uniform_filter1d(x: np.ndarray, size: int) -> np.ndarray:
    """``scipy.ndimage.uniform_filter1d(x, size, mode="nearest")`` for a 1-D ``x``."""
    if _PUBLIC:
        return _PUBLIC[1].uniform_filter1d(x, size=size, mode="nearest")
    out = np.empty_like(x)
    _nd_image.uniform_filter1d(x, size, 0, out, _NEAREST, 0.0, 0)
    return out
