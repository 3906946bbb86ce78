"""Finishing: the mixed programme mastered, encoded, tagged and measured until the MP3 itself
is on target.

What airs is the MP3, not the buffer before it: LAME shifts loudness (about −0.4 LU in CBR)
and adds peaks. So the encoder's shift is measured on an excerpt first and mastering aims
past it; then the encoded file is measured, and mastering is corrected and repeated until
the file is within the tolerances below. The figures returned are the file's own.
"""
from __future__ import annotations

import contextlib
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from radio.audio import export
from radio.audio.loudness import FileLoudness, integrated_loudness
from radio.audio.master import TRUE_PEAK_MARGIN_DB, Mastering, chain_for, db_to_gain, limit
from radio.audio.mix import Mix, Mixer
from radio.errors import AudioError
from radio.fileio import atomic_path
from radio.models import AudioSettings
from radio.progress import Progress

STAGE = "Chuẩn hoá âm lượng và xuất MP3"
# How far the file may land from the target; a render further off is redone with the gain
# corrected by the miss (the limiter took more or less than its excerpts said, or the codec
# moved it more than the probe did).
LOUDNESS_TOLERANCE_LU = 0.3
# True-peak meters differ by a few hundredths of a dB; stay clear of the limit by this much.
TRUE_PEAK_SAFETY_DB = 0.1
ATTEMPTS = 4
# What the manifest says measured the file's figures.
MEASURED_BY = "radio's BS.1770-4 / EBU R128 meter on the encoded file as a player decodes it (dr_mp3)"


@dataclass
class Shipped:
    """The encoded file as a listener's player decodes it."""
    loudness: FileLoudness
    duration_s: float
    segment_lufs: dict[str, float]

    def figures(self) -> dict:
        """What a manifest's audio record says of the file's sound."""
        return dict(duration_s=round(self.duration_s, 3), integrated_lufs=self.loudness.integrated_lufs,
                    loudness_range_lu=self.loudness.loudness_range_lu,
                    true_peak_dbtp=self.loudness.true_peak_dbtp,
                    sample_peak_dbfs=self.loudness.sample_peak_dbfs, measured_by=MEASURED_BY)


class CodecProbe:
    """LAME's loudness shift (``codec_loudness_shift``) measured early, in a thread of its
    own, on ``SPAN_S`` of the programme as soon as the mixer has placed it (``Mixer.watch``):
    while the rest is still being read, instead of beside the compression. The shift hardly
    depends on where it is measured (−0.441 to −0.448 LU across the sample programme)."""

    SPAN_S = (10.0, 40.0)  # past the intro's music, into the speech

    def __init__(self, mixer: Mixer, settings: AudioSettings) -> None:
        self._settings, self._rate, self._speech_lufs = settings, settings.sample_rate, mixer.speech_lufs
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codec-probe")
        self._shift: Future | None = None
        mixer.watch(*self.SPAN_S, self.measure)

    def measure(self, excerpt: np.ndarray) -> None:
        ceiling = self._settings.true_peak_dbtp - TRUE_PEAK_MARGIN_DB
        self._shift = self._pool.submit(codec_loudness_shift, excerpt, self._rate, self._speech_lufs,
                                        self._settings, ceiling)
        self._pool.shutdown(wait=False)

    def shift(self) -> Future | None:
        """The measurement, if the programme was long enough for it to begin."""
        return self._shift


def master_and_export(mixed: Mix, settings: AudioSettings, mp3: Path, wav: Path | None,
                      tags: export.Tags, progress: Progress, probe: CodecProbe | None = None) -> Shipped:
    """Master, encode and tag ``mp3`` (and ``wav``); return the encoded file's own figures.
    The files are replaced only once the MP3 is on target (old files stay until then). The
    codec's shift is the ``probe``'s, or measured here on the middle of the programme."""
    progress.start(STAGE, 3)
    rate = mixed.sample_rate
    ceiling = settings.true_peak_dbtp - TRUE_PEAK_MARGIN_DB
    # Without an early probe, the shift is measured on an excerpt compressed by itself, in a
    # thread, while the whole programme is compressed here: taken before that starts.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="codec-probe") as here:
        shift = (probe and probe.shift()) or here.submit(
            codec_loudness_shift, _middle(mixed.samples, rate), rate, mixed.speech_lufs, settings, ceiling)
        mastering = Mastering(mixed.samples, rate, chain_for(settings), reference_lufs=mixed.speech_lufs)
        aim = settings.target_lufs - shift.result()
    progress.advance(STAGE)
    with contextlib.ExitStack() as files:
        tmp_mp3 = files.enter_context(atomic_path(mp3))
        tmp_wav = files.enter_context(atomic_path(wav)) if wav else None
        for attempt in range(ATTEMPTS):
            with export.Encoder(tmp_mp3, rate, settings.bitrate_kbps, tmp_wav,
                                frames=mastering.samples.size) as encoder:
                mastering.render(mastering.gain_for(aim, ceiling), ceiling, [encoder])
            progress.advance(STAGE)
            shipped = encoder.measured  # the file as a player decodes it, measured as it was made
            loudness_error = settings.target_lufs - shipped.integrated_lufs
            peak_excess = shipped.true_peak_dbtp - (settings.true_peak_dbtp - TRUE_PEAK_SAFETY_DB)
            if abs(loudness_error) <= LOUDNESS_TOLERANCE_LU and peak_excess <= 0:
                export.write_tags(tmp_mp3, tags)
                break
            aim += loudness_error
            ceiling -= max(0.0, peak_excess + 0.1)
        else:
            raise AudioError(
                f"Sau {attempt + 1} lần thử, tệp MP3 vẫn chưa đạt âm lượng {settings.target_lufs} LUFS "
                f"với đỉnh dưới {settings.true_peak_dbtp} dBTP.",
                hint="giảm mức âm lượng mục tiêu (audio.target_lufs) trong station.yaml.")
    progress.finish(STAGE)
    segment_lufs = {t.id: round(encoder.meter.integrated(t.start_s, t.start_s + t.duration_s), 2)
                    for t in mixed.segments}
    return Shipped(shipped, mastering.samples.size / rate, segment_lufs)


def _middle(samples, rate: int, seconds: int = 30) -> np.ndarray:
    """A copy of the programme's middle: its mastering must not touch the programme."""
    middle = samples.size // 2
    return np.array(samples[max(0, middle - seconds // 2 * rate): middle + seconds // 2 * rate],
                    dtype=np.float32)


def codec_loudness_shift(excerpt: np.ndarray, rate: int, speech_lufs: float | None, settings: AudioSettings,
                         ceiling: float) -> float:
    """How much the MP3 encoder changes loudness (LAME CBR loses about 0.4 LU), measured on
    a 30-second excerpt of the mix, mastered as the programme will be, so the full programme
    is normally mastered and encoded only once."""
    excerpt = Mastering(excerpt, rate, chain_for(settings), reference_lufs=speech_lufs).samples
    excerpt *= np.float32(db_to_gain(settings.target_lufs - integrated_loudness(excerpt, rate)))
    excerpt = limit(excerpt, db_to_gain(ceiling), rate)
    with tempfile.TemporaryDirectory(prefix="radio-probe-") as scratch:
        # Measured as the programme's file is, while it is encoded: no decoded copy is held.
        with export.Encoder(Path(scratch) / "probe.mp3", rate, settings.bitrate_kbps,
                            frames=excerpt.size) as encoder:
            for begin in range(0, excerpt.size, 1 << 18):
                encoder(excerpt[begin:begin + (1 << 18)])
    return encoder.measured.integrated_lufs - integrated_loudness(excerpt, rate)
