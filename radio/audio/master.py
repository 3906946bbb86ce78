"""Mastering stage: loudness to the station target, true-peak safe, in bounded memory.

The mixed programme is processed in place (optional loudspeaker high-pass, then a gentle
compressor), then *rendered* a chunk at a time: gain, a look-ahead true-peak limiter, and
whatever sinks the caller passes (the MP3 encoder, which measures the file, a WAV file).
No second copy of the programme is ever made: a 15-minute programme at 44.1 kHz is its one
80 MB mix (``BlockPCM``, or an array for short one-shot work) plus a few six-second
temporaries.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from radio.audio.blockpcm import BLOCK, BlockPCM
from radio.audio.kernels import firwin_kaiser, minimum_filter1d, sosfilt, uniform_filter1d
from radio.audio.loudness import LoudnessMeter, integrated_loudness
from radio.errors import AudioError
from radio.models import AudioSettings

_LOOKAHEAD_S = 0.008
_OVERSAMPLE = 4
# A 48-tap interpolator, as BS.1770-4's true-peak meter uses: a quarter the cost of scipy's
# default resampling filter, and accurate to a few hundredths of a dB for this purpose.
_INTERPOLATOR = (firwin_kaiser(48, 1 / _OVERSAMPLE, 6.0) * _OVERSAMPLE).astype(np.float32)
_INTERPOLATOR_DELAY = (_INTERPOLATOR.size - 1) // 2
_PHASE_TAPS = _INTERPOLATOR.size // _OVERSAMPLE
# _POLYPHASE[j, p]: the weight of neighbour j (the oldest first) in phase p of the output.
_POLYPHASE = np.ascontiguousarray(_INTERPOLATOR.reshape(_PHASE_TAPS, _OVERSAMPLE)[::-1])
# The interpolator is linear-phase: sample n lies at output 4n + its delay. The four outputs
# around it (row, phase) once the delay is taken off:
_ALIGNED_PHASES = [divmod(_INTERPOLATOR_DELAY + offset, _OVERSAMPLE) for offset in range(_OVERSAMPLE)]
_TAIL = _ALIGNED_PHASES[-1][0]
# Chunks of six seconds: a dozen chunk-sized temporaries stay a few megabytes in all.
_CHUNK = 1 << 18
# LAME adds overshoots of about 0.3 dB; mastering starts this far under the true-peak limit.
TRUE_PEAK_MARGIN_DB = 0.5
_EXCERPTS = 24
_EXCERPT_S = 3.0

Sink = Callable[[np.ndarray], None]


@dataclass(frozen=True)
class Chain:
    """What the station's preset asks of mastering, besides the loudness target."""
    highpass_hz: float | None = None
    compress_ratio: float = 3.0
    # Compression starts this many dB above the programme's own loudness.
    compress_above_db: float = 4.0


def chain_for(settings: AudioSettings) -> Chain:
    if settings.preset == "loudspeaker":
        # Denser speech carries over street noise; the horns' own range sets the high-pass.
        return Chain(highpass_hz=settings.highpass_hz, compress_ratio=4.0, compress_above_db=2.0)
    return Chain(highpass_hz=settings.highpass_hz)


@dataclass(frozen=True)
class Measurement:
    integrated_lufs: float
    true_peak_dbtp: float
    sample_peak_dbfs: float


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


def gain_to_db(gain: float) -> float:
    return float(20 * np.log10(max(gain, 1e-12)))


def true_peak(samples: np.ndarray) -> float:
    """Peak of the 4× oversampled signal, in dBTP (BS.1770-4 Annex 2 in spirit), read as the
    file's meter reads a stream (``PeakMeter``: the last sample held, not dropped to zero)."""
    meter = PeakMeter()
    for begin in range(0, samples.size, _CHUNK):
        meter.feed(samples[begin:begin + _CHUNK])
    return meter.true_peak_db


def measure(samples: np.ndarray, rate: int) -> Measurement:
    return Measurement(integrated_loudness(samples, rate), true_peak(samples),
                       gain_to_db(float(np.max(np.abs(samples))) if samples.size else 0.0))


def _blocks(samples: np.ndarray | BlockPCM, context: int):
    """Chunks of ``samples`` with ``context`` neighbours on both sides, and the slice of each
    block that is the chunk itself: filters then see the signal they would see whole."""
    for begin in range(0, samples.size, _CHUNK):
        lo, hi = max(0, begin - context), min(samples.size, begin + _CHUNK + context)
        start = begin - lo
        yield begin, samples[lo:hi], slice(start, start + min(_CHUNK, samples.size - begin))


def _peak_envelope(block: np.ndarray) -> np.ndarray:
    """Per-sample peak including the inter-sample peaks a DAC or MP3 decoder will make, at
    every sample (production asks only where ``_envelope_bound`` says it could matter)."""
    return _peak_envelope_at(block, np.arange(block.size))


def _reach_weights() -> np.ndarray:
    """For each neighbour of a sample (offsets −6 … +6), the largest size of its weight in
    any of the four outputs around that sample, and at least 1 for the sample itself: no
    output can exceed the sum of its samples' sizes times its weights' sizes, so the
    neighbours' sizes summed with these weights bound the sample's envelope from above."""
    offsets = {row_shift + tap - (_PHASE_TAPS - 1)
               for row_shift, _ in _ALIGNED_PHASES for tap in range(_PHASE_TAPS)}
    low = min(offsets)
    weights = np.zeros(max(offsets) - low + 1, dtype=np.float32)
    for row_shift, phase in _ALIGNED_PHASES:
        for tap in range(_PHASE_TAPS):
            at = row_shift + tap - (_PHASE_TAPS - 1) - low
            weights[at] = max(weights[at], abs(_POLYPHASE[tap, phase]))
    weights[-low] = max(weights[-low], 1.0)
    return weights * np.float32(1 + 1e-5)  # above any float32 rounding of either sum


_REACH_WEIGHTS = _reach_weights()
_REACH = _REACH_WEIGHTS.size // 2


def _envelope_bound(block: np.ndarray) -> np.ndarray:
    """An upper bound of ``_peak_envelope`` at every sample, for a tenth of its cost."""
    size = block.size
    sizes = np.zeros(size + 2 * _REACH, dtype=np.float32)
    np.abs(block, out=sizes[_REACH:_REACH + size])
    bound = sizes[_REACH:_REACH + size] * _REACH_WEIGHTS[_REACH]
    for at, weight in enumerate(_REACH_WEIGHTS):
        if at != _REACH:
            bound += sizes[at:at + size] * weight
    return bound


def _peak_envelope_at(block: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``_peak_envelope(block)[where]``, computed only there.

    The 4× interpolation is done as its polyphase form, a matrix product: each chosen
    sample's twelve neighbours times the filter's four phases. BLAS does that three times
    faster than a direct FIR loop."""
    block = block.astype(np.float32, copy=False)
    padded = np.zeros(block.size + _PHASE_TAPS + _TAIL, dtype=np.float32)
    padded[_PHASE_TAPS - 1:_PHASE_TAPS - 1 + block.size] = block
    windows = sliding_window_view(padded, _PHASE_TAPS)
    peak = np.abs(block[where])
    for row_shift in sorted({row_shift for row_shift, _ in _ALIGNED_PHASES}):
        phases = [phase for shift, phase in _ALIGNED_PHASES if shift == row_shift]
        # all four phases in one product, whichever rows are asked for: the same sums to the
        # last bit for one sample or a whole block
        outputs = np.abs(windows[where + row_shift] @ _POLYPHASE)[:, phases]
        np.maximum(peak, outputs.max(axis=1), out=peak)
    return peak


def _peak_envelope_near(block: np.ndarray, ceiling: float) -> np.ndarray:
    """``_peak_envelope`` where it matters: oversampled only at samples whose envelope could
    exceed the ceiling by a cheap bound (``_envelope_bound``; speech leaves most of a
    programme under it). Elsewhere the sample peaks stand in: they are under the ceiling, as
    any true peak there."""
    envelope = np.abs(block)
    where = np.flatnonzero(_envelope_bound(block) > ceiling)
    envelope[where] = _peak_envelope_at(block, where)
    return envelope


class PeakMeter:
    """True and sample peak of a signal fed a chunk at a time (the decoded MP3, as it comes).

    Each sample's true peak needs its neighbours on both sides, so the last few samples of a
    chunk wait for the next one. Only samples whose envelope could exceed the loudest peak so
    far are oversampled (``_peak_envelope_near``): no other can hold the largest peak."""

    _EDGE = 64  # more than the interpolator reaches on either side

    def __init__(self) -> None:
        self._past = np.zeros(0, dtype=np.float32)  # measured, kept as the next chunk's context
        self._waiting = np.zeros(0, dtype=np.float32)  # not yet measured: its future is unknown
        self._true = 0.0
        self._sample = 0.0

    def feed(self, chunk: np.ndarray) -> None:
        block = np.concatenate([self._past, self._waiting, np.asarray(chunk, dtype=np.float32)])
        cut = max(self._past.size, block.size - self._EDGE)
        self._measure(block, self._past.size, cut)
        self._past, self._waiting = block[max(0, cut - self._EDGE):cut], block[cut:]

    def _measure(self, block: np.ndarray, first: int, last: int) -> None:
        if last <= first:
            return
        self._sample = max(self._sample, float(np.abs(block[first:last]).max()))
        ceiling = max(self._true, self._sample)
        self._true = max(self._true, float(_peak_envelope_near(block, ceiling)[first:last].max()))

    @property
    def true_peak_db(self) -> float:
        """The true peak, the waiting end measured as the signal's last samples: held at its
        last value after them, as a player stopping there does, not dropped to zero (a cliff
        no listener hears, which the interpolator would ring at)."""
        if self._waiting.size:
            block = np.concatenate([self._past, self._waiting])
            held = np.pad(block, (0, self._EDGE), mode="edge")
            self._measure(held, self._past.size, block.size)
            self._past, self._waiting = block[-self._EDGE:], block[:0]
        return gain_to_db(self._true)

    @property
    def sample_peak_db(self) -> float:
        return gain_to_db(max(self._sample, float(np.abs(self._waiting).max(initial=0.0))))


def _limiter_gain(block: np.ndarray, ceiling: float, window: int) -> np.ndarray:
    """Gain that keeps every true peak of ``block`` under ``ceiling``, changing smoothly.

    The needed gain is held over a window (minimum filter) and then smoothed with a moving
    average narrower than the hold, so the smoothed gain is still ≤ the need at every sample.
    Both filters run only around the samples that need less than unity gain: elsewhere every
    need within their reach is 1, and so is the gain.
    """
    need = np.minimum(1.0, ceiling / np.maximum(_peak_envelope_near(block, ceiling), 1e-9)).astype(np.float32)
    gain = need.copy()
    reach = window + window // 2 + 1  # the hold's half width plus the average's
    for lo, hi in _around(need < 1, reach):
        context_lo, context_hi = max(0, lo - reach), min(need.size, hi + reach)
        held = minimum_filter1d(need[context_lo:context_hi], 2 * window + 1)
        smoothed = uniform_filter1d(held, window)[lo - context_lo:hi - context_lo]
        np.minimum(smoothed, need[lo:hi], out=gain[lo:hi])
    return gain


def _around(mask: np.ndarray, reach: int) -> list[tuple[int, int]]:
    """Ranges covering every sample within ``reach`` of a true one, overlapping ones merged."""
    marked = np.flatnonzero(mask)
    if marked.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(marked) > 2 * reach)
    firsts = np.r_[marked[0], marked[breaks + 1]]
    lasts = np.r_[marked[breaks], marked[-1]]
    return [(max(0, int(first) - reach), min(mask.size, int(last) + reach + 1))
            for first, last in zip(firsts, lasts)]


def limit(samples: np.ndarray, ceiling: float, rate: int) -> np.ndarray:
    """Look-ahead true-peak limiter over a whole array (a new array)."""
    out = np.empty_like(samples)
    window = _limiter_window(rate)
    for begin, block, keep in _blocks(samples, 2 * window):
        out[begin:begin + keep.stop - keep.start] = (block * _limiter_gain(block, ceiling, window))[keep]
    return out


def _limiter_window(rate: int) -> int:
    return max(3, int(_LOOKAHEAD_S * rate)) | 1


# The compressor's gain is computed every half millisecond and drawn as straight lines in
# between: it is smoothed over 30 ms anyway, and working per sample cost nine times as much.
_GAIN_STEP_S = 0.0005


def _compressor_gain(block: np.ndarray, rate: int, threshold_db: float, ratio: float) -> np.ndarray:
    """Feed-forward compression on a 10 ms RMS level, gain smoothed over 30 ms.

    eSpeak's voices are peaky (peak-to-loudness ratio near 20 dB); without this the limiter
    alone would have to take 5 dB off every syllable to reach −16 LUFS under −1 dBTP.
    """
    step = max(1, int(round(_GAIN_STEP_S * rate)))
    span = max(1, int(round(0.010 * rate / step)))  # 10 ms in steps
    power = uniform_filter1d(_step_means(block * block, step), span)
    # Above the threshold the level is 10·log10(power) + 3.01 dB (RMS of a sine reads as its
    # peak); the gain takes (1 − 1/ratio) of the excess off, so it is a power of the power.
    threshold = np.float32(10 ** ((threshold_db - 3.01) / 10))
    reduction = np.ones_like(power)
    loud = power > threshold
    reduction[loud] = (power[loud] / threshold) ** np.float32(-(1 - 1 / ratio) / 2)
    smooth = uniform_filter1d(minimum_filter1d(reduction, span), 3 * span)
    ramp = np.arange(step, dtype=np.float32) / np.float32(step)
    return (smooth[:-1, None] + (smooth[1:] - smooth[:-1])[:, None] * ramp).reshape(-1)[:block.size]


def _step_means(values: np.ndarray, step: int) -> np.ndarray:
    """Means of ``values`` over ``step``-sample spans centred on 0, step, 2·step, … and one
    past the end (the edges repeat), so a straight line between two of them covers a step."""
    count = -(-values.size // step) + 1
    padded = np.empty(count * step, dtype=np.float32)
    half = step // 2
    padded[:half] = values[0]
    padded[half:half + values.size] = values
    padded[half + values.size:] = values[-1]
    return padded.reshape(count, step).mean(axis=1)


def _gain_in_place(samples: np.ndarray | BlockPCM, gain: Callable[[np.ndarray], np.ndarray],
                   context: int, meter: LoudnessMeter) -> None:
    """``samples *= gain(samples)`` a chunk at a time, each chunk's gain computed on the
    original signal around it; ``meter`` measures the result on the way.

    A long programme is done as two halves at once, one per core: each half is given the
    original signal on its far side before either is changed, and the second half's meter
    starts with filters that have heard what comes before it, so the halves' measurements
    join into the one the whole would have given."""
    split = _split_point(samples.size, meter)
    if split is None:
        _gain_stretch(samples, gain, context, meter, 0, samples.size, samples[:0].copy(), samples[:0].copy())
        return
    before, after = samples[split - context:split].copy(), samples[split:split + context].copy()
    second = meter.primed(samples[split - meter.rate // 2:split])
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="compress") as other_core:
        later = other_core.submit(_gain_stretch, samples, gain, context, second, split, samples.size,
                                  before, samples[:0].copy())
        _gain_stretch(samples, gain, context, meter, 0, split, samples[:0].copy(), after)
        later.result()
    meter.extend(second)


def _split_point(size: int, meter: LoudnessMeter) -> int | None:
    """Where two halves can be processed apart: on a boundary of both BlockPCM's blocks (no
    block written by two threads) and the meter's 100 ms sub-blocks; None for short work."""
    step = math.lcm(BLOCK, meter.sub)
    split = size // 2 // step * step
    return split if split >= _SPLIT_MIN and split >= meter.rate else None


_SPLIT_MIN = 16 * _CHUNK  # about a minute and a half: shorter work is not worth a thread
# Three seconds at a time: two halves at once hold two chunks' temporaries.
_COMPRESS_CHUNK = _CHUNK // 2


def _gain_stretch(samples: np.ndarray | BlockPCM, gain: Callable[[np.ndarray], np.ndarray], context: int,
                  meter: LoudnessMeter, first: int, last: int, before: np.ndarray, after: np.ndarray) -> None:
    """``_gain_in_place`` over samples[first:last]: ``before`` and ``after`` are the original
    signal on either side (the part before each chunk is kept aside before it is overwritten)."""
    for begin in range(first, last, _COMPRESS_CHUNK):
        end = min(last, begin + _COMPRESS_CHUNK)
        ahead = samples[begin:min(last, end + context)]
        if end + context > last:
            ahead = np.concatenate([ahead, after[:end + context - last]])
        block = np.concatenate([before, ahead])
        factor = gain(block)
        before = samples[max(begin, end - context):end].copy()
        start = block.size - ahead.size
        samples[begin:end] *= factor[start:start + end - begin]
        meter.feed(samples[begin:end])


def _highpass_in_place(samples: np.ndarray | BlockPCM, rate: int, cutoff_hz: float) -> None:
    # Horn loudspeakers cannot reproduce bass; removing it leaves their power for speech.
    from scipy.signal import butter  # only the loudspeaker preset pays for scipy.signal's import

    sos = butter(4, cutoff_hz, btype="highpass", fs=rate, output="sos")
    state = np.zeros((sos.shape[0], 2))
    for begin in range(0, samples.size, _CHUNK):
        filtered, state = sosfilt(sos, samples[begin:begin + _CHUNK], zi=state)
        samples[begin:begin + _CHUNK] = filtered


def _refuse_silence(loudness: float) -> None:
    if not np.isfinite(loudness):
        raise AudioError("Chương trình không có tiếng (toàn im lặng), không thể chuẩn hoá âm lượng.",
                         hint="kiểm tra kịch bản có nội dung và bộ đọc hoạt động (lệnh radio voices).")


class Mastering:
    """One programme's mastering. Takes over ``samples`` and processes them in place."""

    def __init__(self, samples: np.ndarray | BlockPCM, rate: int, chain: Chain = Chain(),
                 reference_lufs: float | None = None) -> None:
        """``reference_lufs``: the level the mixer put the programme's speech at, which
        compression is set by; without it the programme is measured first (one more pass)."""
        self.samples = samples
        self.rate = rate
        if chain.highpass_hz:
            _highpass_in_place(samples, rate, chain.highpass_hz)
        if reference_lufs is None:
            reference_lufs = integrated_loudness(samples, rate)
            _refuse_silence(reference_lufs)
        threshold = reference_lufs + chain.compress_above_db
        window = max(1, int(0.010 * rate))
        meter = LoudnessMeter(rate)
        _gain_in_place(samples, lambda b: _compressor_gain(b, rate, threshold, chain.compress_ratio),
                       context=4 * window, meter=meter)
        self.loudness = meter.integrated()
        _refuse_silence(self.loudness)
        self._limiter_loss: dict[tuple[float, float], float] = {}

    def gain_for(self, target_lufs: float, ceiling_db: float) -> float:
        """The gain that should land on ``target_lufs`` once the limiter has had its share."""
        gain_db = target_lufs - self.loudness
        return gain_db + self.limiter_loss(gain_db, ceiling_db)

    def limiter_loss(self, gain_db: float, ceiling_db: float) -> float:
        """How much loudness the limiter takes at this gain, measured on excerpts spread over
        the programme (a tenth of its length), so the full render usually lands first time."""
        key = (round(gain_db, 2), round(ceiling_db, 2))
        if key not in self._limiter_loss:
            gain, ceiling = np.float32(db_to_gain(gain_db)), db_to_gain(ceiling_db)
            before, after = LoudnessMeter(self.rate), LoudnessMeter(self.rate)
            for excerpt in self._excerpts():  # one at a time: a few megabytes, not a tenth of the programme
                gained = excerpt * gain
                before.feed(gained)
                after.feed(limit(gained, ceiling, self.rate))
            self._limiter_loss[key] = before.integrated() - after.integrated()
        return self._limiter_loss[key]

    def _excerpts(self) -> Iterator[np.ndarray]:
        length = int(_EXCERPT_S * self.rate)
        if self.samples.size <= _EXCERPTS * length * 2:
            yield self.samples[:]
            return
        for start in np.linspace(0, self.samples.size - length, _EXCERPTS).astype(int):
            yield self.samples[start:start + length]

    def render(self, gain_db: float, ceiling_db: float, sinks: Iterable[Sink] = ()) -> None:
        """Stream the finished programme through ``sinks``."""
        sinks = list(sinks)
        gain = np.float32(db_to_gain(gain_db))
        ceiling = db_to_gain(ceiling_db)
        window = _limiter_window(self.rate)
        for _, block, keep in _blocks(self.samples, 2 * window):
            gained = block * gain
            out = (gained * _limiter_gain(gained, ceiling, window))[keep]
            for sink in sinks:
                sink(out)

    def render_array(self, gain_db: float, ceiling_db: float) -> np.ndarray:
        out = np.empty(self.samples.size, dtype=np.float32)
        position = 0

        def keep(chunk: np.ndarray) -> None:
            nonlocal position
            out[position:position + chunk.size] = chunk
            position += chunk.size

        self.render(gain_db, ceiling_db, [keep])
        return out


def master(samples: np.ndarray, rate: int, target_lufs: float, true_peak_limit: float,
           chain: Chain = Chain()) -> tuple[np.ndarray, Measurement]:
    """One-shot mastering of an array (a copy is made) with the default true-peak margin."""
    mastering = Mastering(samples.copy(), rate, chain)
    ceiling = true_peak_limit - TRUE_PEAK_MARGIN_DB
    gain = mastering.gain_for(target_lufs, ceiling)
    for _ in range(4):
        result = mastering.render_array(gain, ceiling)
        miss = target_lufs - integrated_loudness(result, rate)
        if abs(miss) <= 0.1:
            break
        gain += miss  # the limiter eats part of any extra gain; the next pass sees how much
    return result, measure(result, rate)

