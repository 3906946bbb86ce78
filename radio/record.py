"""The announcer's own voice: a person's reading of a segment, imported, cleaned, levelled
and kept beside the script it was read from.

Any file ffmpeg can read (WAV, MP3, M4A/AAC, OGG/Opus, WebM from the studio's recorder, AMR
from a phone) at any rate and channel count is folded to mono and made ready for the mix:
DC and rumble below 80 Hz removed, mains hum notched out when there is any, background noise
lowered by a gentle spectral gate (never more than 12 dB), leading and trailing silence cut,
clipping measured, and the loudness brought to the reference synthesized speech is mixed at,
so mixing and mastering treat it like any other segment.

A recording is kept as ``recordings/<month>/<segment>-<sha12>.flac`` with a record
``recordings/<month>/<segment>.json`` saying who read it, when, from which file, and the hash
of the segment's text it was read from: a script edit after the recording makes it stale,
and production refuses a stale recording unless told to use it.
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from radio.clock import shown
from radio.config import load_model
from radio.display import number
from radio.errors import AudioError, ConfigError, RadioError
from radio.fileio import sha256_file, write_bytes, write_json
from radio.models import Script, Segment, Station
from radio.station import check_month, load_station

if TYPE_CHECKING:
    import numpy as np

    from radio.speech.reading import ReadingCheck
    from radio.speech.synthesize import SpokenSegment

RECORDINGS = "recordings"
ENGINE = "recording"  # what the manifest and production key call a person's reading
HIGHPASS_HZ = 80.0
# Mains hum: a harmonic standing this far above its neighbourhood is notched out.
HUM_EXCESS_DB = 12.0
HUM_HARMONICS = 8
NOISE_FLOOR_DB = -12.0  # the spectral gate lowers noise by at most this much: gentle
NOISE_GATE_ABOVE_DB = 6.0  # a bin counts as voice this far above the noise's own level
CLEAN_ENOUGH_SNR_DB = 50.0  # no noise reduction for a recording this clean
LEAD_S, TAIL_S = 0.15, 0.3  # kept before the first word and after the last
FRAME_S = 0.02
SPEECH_BELOW_PEAK_DB = 35.0
SILENT_DBFS = -55.0  # the loudest moments of a recording quieter than this: nothing was heard
MIN_SPEECH_S = 0.3
# Clipping: runs of CLIP_RUN samples at the file's peak. Past CLIPPED_REFUSED_PERCENT of the
# speech, the distortion cannot be repaired; from CLIP_RUNS_REPORTED runs on it is reported.
CLIP_RUN = 3
CLIP_RUNS_REPORTED = 10
CLIPPED_REFUSED_PERCENT = 1.0
PEAK_CEILING_DBFS = -1.0
# A segment's recording may last as long as its text read at half an announcer's pace
# (4 syllables a second) plus half a minute of pauses, and never longer than a programme.
SLOWEST_SYLLABLES_PER_S = 2.0
LIMIT_SLACK_S = 30.0
FORMATS_HINT = "dùng tệp ghi âm dạng WAV, MP3, M4A, OGG, WEBM hoặc AMR (máy ghi âm, điện thoại đều được)."


class RecordingError(AudioError):
    """A recording that cannot be used: the message names the file and says what to do."""


class Recording(BaseModel):
    """``recordings/<month>/<segment>.json``: the reading a segment uses now."""
    model_config = ConfigDict(extra="ignore")

    month: str
    segment: str
    file: str  # beside the record: <segment>-<sha12>.flac
    sha256: str
    by: str
    recorded_at: str  # UTC, ISO 8601
    source: str  # the name of the file it was imported from
    source_sha256: str
    text_sha256: str  # the segment's text it was read from
    duration_s: float
    sample_rate: int
    trimmed_s: tuple[float, float] = (0.0, 0.0)
    hum_hz: float | None = None
    noise_floor_dbfs: float | None = None
    noise_reduced: bool = False
    clipped_percent: float = 0.0
    input_lufs: float | None = None
    notes: list[str] = []


@dataclass
class Held:
    """A segment's recording as production and review see it."""
    recording: Recording
    path: Path
    #: The segment's text changed since it was read.
    stale: bool

    def describe(self) -> str:
        return f"{self.recording.by} thu lúc {shown(self.recording.recorded_at)}"


@dataclass
class Cleaned:
    samples: np.ndarray  # mono float32 at ``rate``, levelled
    rate: int
    trimmed_s: tuple[float, float]
    hum_hz: float | None
    noise_floor_dbfs: float | None
    noise_reduced: bool
    clipped_percent: float
    clip_runs: int
    input_lufs: float
    notes: list[str] = field(default_factory=list)


@dataclass
class Imported:
    held: Held
    notes: list[str]
    limit_s: float


def text_sha256(text: str) -> str:
    """The segment's words, spacing aside: what a recording was read from."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def folder_of(station_dir: Path, month: str) -> Path:
    return Path(station_dir) / RECORDINGS / check_month(month)


# -- importing ------------------------------------------------------------------------------

def import_recording(station_dir: Path, month: str, segment_id: str, source: Path, *,
                     by: str | None = None, source_name: str | None = None,
                     now: datetime | None = None) -> Imported:
    """Clean, level and keep ``source`` as the reading of one segment of the month's script.
    ``source_name``: what the person calls the file (an upload's own name)."""
    station = load_station(station_dir)
    script = _script(station_dir, month)
    segment = _segment(script, segment_id, station_dir, month)
    name = source_name or str(source)
    limit = segment_limit_s(station, station_dir, segment)
    samples, native_rate = decode_any(Path(source), name, limit + 120.0)
    cleaned = clean(samples, native_rate, station.audio.sample_rate, name)
    seconds = cleaned.samples.size / cleaned.rate
    if seconds > limit:
        raise RecordingError(
            f"Tệp {name} dài {_duration(seconds)} (đã bỏ khoảng lặng), quá giới hạn {_duration(limit)} "
            f"của đoạn «{segment.title}».",
            hint="kiểm tra đúng là bản đọc của đoạn này; cắt bỏ phần thừa rồi nhập lại.")
    data = _flac(cleaned.samples, cleaned.rate)
    sha = hashlib.sha256(data).hexdigest()
    folder = folder_of(station_dir, month)
    audio_path = folder / f"{segment.id}-{sha[:12]}.flac"
    write_bytes(audio_path, data)
    recording = Recording(
        month=month, segment=segment.id, file=audio_path.name, sha256=sha,
        by=(by or station.officer.name).strip(), source=Path(name).name,
        recorded_at=(now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds"),
        source_sha256=sha256_file(source), text_sha256=text_sha256(segment.text),
        duration_s=round(seconds, 3), sample_rate=cleaned.rate, trimmed_s=cleaned.trimmed_s,
        hum_hz=cleaned.hum_hz, noise_floor_dbfs=cleaned.noise_floor_dbfs, noise_reduced=cleaned.noise_reduced,
        clipped_percent=cleaned.clipped_percent, input_lufs=cleaned.input_lufs, notes=cleaned.notes)
    write_json(folder / f"{segment.id}.json", recording.model_dump(mode="json"))
    return Imported(Held(recording, audio_path, stale=False), cleaned.notes, limit)


def remove_recording(station_dir: Path, month: str, segment_id: str) -> Recording:
    """The segment goes back to the synthesized voice; the audio file is kept (its hash may be
    in an approved version's manifest)."""
    record = folder_of(station_dir, month) / f"{segment_id}.json"
    recording = _read_record(record) if re.fullmatch(r"[a-z0-9][a-z0-9-]*", segment_id) else None
    if recording is None:
        raise RadioError(f"Đoạn '{segment_id}' của tháng {month} không có bản thu giọng người đọc.",
                         hint=f"xem các bản thu: 'radio record {month}'.")
    record.unlink()
    return recording


def _script(station_dir: Path, month: str) -> Script:
    path = Path(station_dir) / "scripts" / f"{check_month(month)}.yaml"
    if not path.exists():
        raise ConfigError(path, "chưa có kịch bản của tháng này, nên chưa biết đoạn nào để thu.",
                          hint=f"soạn kịch bản trước: radio compose {month}.")
    return load_model(path, Script)


def _segment(script: Script, segment_id: str, station_dir: Path, month: str) -> Segment:
    for segment in script.segments:
        if segment.id == segment_id:
            return segment
    known = ", ".join(s.id for s in script.segments)
    raise RadioError(f"Kịch bản tháng {month} không có đoạn '{segment_id}' (có: {known}).",
                     hint="dùng mã đoạn như trong kịch bản, ví dụ --segment " + script.segments[0].id + ".")


def segment_limit_s(station: Station, station_dir: Path | None, segment: Segment) -> float:
    from radio.speech.calibrate import syllables
    from radio.speech.normalize import station_normalizer

    spoken = station_normalizer(station, station_dir)(segment.text).text
    return min(station.programme.max_minutes * 60,
               LIMIT_SLACK_S + syllables(spoken) / SLOWEST_SYLLABLES_PER_S)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} phút {whole % 60:02d} giây" if whole >= 60 else f"{number(seconds)} giây"


def decode_any(path: Path, name: str, max_seconds: float) -> tuple[np.ndarray, int]:
    """Mono float32 at the file's own rate (clipping is judged on the samples as recorded)."""
    import numpy as np

    from radio.audio.ffmpeg import ffmpeg_exe

    try:
        size = path.stat().st_size
    except OSError:
        raise RecordingError(f"Không tìm thấy tệp {name}.", hint="kiểm tra đường dẫn tới tệp ghi âm.") from None
    if size == 0:
        raise RecordingError(f"Tệp {name} trống (0 byte), không có gì để nghe.",
                             hint="chọn đúng tệp ghi âm; nếu ghi bằng điện thoại, chờ máy lưu xong rồi gửi lại.")
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-i", str(path), "-t", f"{max_seconds:.1f}",
               "-vn", "-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le", "-ac", "1", "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    log = result.stderr.decode("utf-8", "replace")
    found = re.search(r"Output #0.*?Audio: pcm_f32le.*?(\d+) Hz", log, re.S)
    if result.returncode != 0 or found is None:
        raise RecordingError(f"Tệp {name} không phải tệp âm thanh, hoặc đã hỏng: không đọc được.",
                             hint=FORMATS_HINT)
    samples = np.frombuffer(result.stdout, dtype=np.float32)
    if samples.size == 0:
        raise RecordingError(f"Tệp {name} không có tiếng nào (độ dài bằng 0).",
                             hint="thu lại, hoặc chọn đúng tệp ghi âm của đoạn này.")
    rate = int(found.group(1))
    if samples.size >= int((max_seconds - 0.5) * rate):
        raise RecordingError(f"Tệp {name} dài hơn {_duration(max_seconds)}, quá dài cho một đoạn.",
                             hint="kiểm tra đúng là bản đọc của đoạn này; cắt bỏ phần thừa rồi nhập lại.")
    return samples, rate


# -- cleaning ---------------------------------------------------------------------------------

def clean(samples: np.ndarray, native_rate: int, rate: int, name: str) -> Cleaned:
    """The recording made ready for the mix (see the module's description); ``name`` for messages."""
    import numpy as np
    from scipy.signal import resample_poly

    from radio.audio.kit import SPEECH_LUFS
    from radio.audio.loudness import integrated_loudness
    from radio.audio.master import db_to_gain, limit

    runs, clipped = _clipping(samples)
    if native_rate != rate:
        divisor = np.gcd(native_rate, rate)
        samples = resample_poly(samples, rate // divisor, native_rate // divisor)
    x = np.asarray(samples, dtype=np.float64)
    hum = _hum(x, rate)
    x = _filtered(x, rate, hum)
    levels = _frame_levels(x, rate)
    if levels.size == 0 or float(np.percentile(levels, 99)) < SILENT_DBFS:
        loudest = float(levels.max()) if levels.size else float("-inf")
        raise RecordingError(
            f"Tệp {name} gần như im lặng: không nghe thấy giọng đọc (chỗ to nhất chỉ "
            f"{number(loudest) if np.isfinite(loudest) else '−∞'} dBFS).",
            hint="kiểm tra micrô đã bật và không bị tắt tiếng, để micrô cách miệng khoảng một gang tay, rồi thu lại.")
    floor = float(np.percentile(levels, 10))
    reduced = float(np.percentile(levels, 95)) - floor < CLEAN_ENOUGH_SNR_DB
    if reduced:
        x = _reduce_noise(x, rate)
    first, last = _speech_bounds(_frame_levels(x, rate))
    if last - first < MIN_SPEECH_S / FRAME_S:
        raise RecordingError(f"Tệp {name} không có giọng đọc (chỉ có tiếng động rất ngắn).",
                             hint="thu lại cả đoạn, nói rõ và đều.")
    begin = max(0, int((first * FRAME_S - LEAD_S) * rate))
    end = min(x.size, int((last * FRAME_S + TAIL_S) * rate))
    speech_percent = 100.0 * clipped / max(1, (end - begin) * native_rate / rate)
    if speech_percent > CLIPPED_REFUSED_PERCENT:
        raise RecordingError(
            f"Tệp {name} bị vỡ tiếng: {number(speech_percent)}% tiếng đọc bị cắt đỉnh (quá "
            f"{number(CLIPPED_REFUSED_PERCENT)}%), không sửa được.",
            hint="thu lại với micrô xa miệng hơn hoặc mức thu (gain) thấp hơn; đừng nói sát micrô.")
    trimmed = (round(begin / rate, 2), round((x.size - end) / rate, 2))
    x = x[begin:end].astype(np.float32)
    loudness = integrated_loudness(x, rate)
    x = limit(x * np.float32(db_to_gain(SPEECH_LUFS - loudness)), db_to_gain(PEAK_CEILING_DBFS), rate)
    notes = _notes(trimmed, hum, floor if reduced else None, runs, speech_percent, loudness)
    return Cleaned(x, rate, trimmed, hum, round(floor, 1), reduced, round(speech_percent, 3), runs,
                   round(loudness, 2), notes)


def _notes(trimmed: tuple[float, float], hum: float | None, floor: float | None, runs: int,
           percent: float, loudness: float) -> list[str]:
    from radio.audio.kit import SPEECH_LUFS

    notes = [f"Bỏ {number(trimmed[0])} giây im lặng ở đầu và {number(trimmed[1])} giây ở cuối."]
    if hum:
        notes.append(f"Đã lọc tiếng ù điện lưới {number(hum, None)} Hz.")
    if floor is not None:
        notes.append(f"Đã giảm nhẹ tiếng ồn nền (nền ồn khoảng {number(floor)} dBFS).")
    if runs >= CLIP_RUNS_REPORTED:
        notes.append(f"Có {runs} chỗ bị cắt đỉnh ({number(percent, 2)}% tiếng đọc): nghe lại, nếu thấy rè "
                     "thì thu lại với micrô xa miệng hơn.")
    notes.append(f"Âm lượng đã đưa về mức chuẩn của giọng đọc ({number(loudness)} → "
                 f"{number(SPEECH_LUFS)} LUFS).")
    return notes


def _clipping(samples: np.ndarray) -> tuple[int, int]:
    """Runs of at least CLIP_RUN samples stuck at the file's peak, and the samples in them."""
    import numpy as np

    magnitude = np.abs(samples)
    peak = float(magnitude.max())
    if peak < 0.89:  # below −1 dBFS nothing was cut
        return 0, 0
    at_peak = (magnitude >= peak * 0.999).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], at_peak, [0]])))
    lengths = edges[1::2] - edges[::2]
    stuck = lengths[lengths >= CLIP_RUN]
    return int(stuck.size), int(stuck.sum())


def _frame_levels(x: np.ndarray, rate: int) -> np.ndarray:
    """Level of each 20 ms frame, dBFS."""
    import numpy as np

    hop = int(rate * FRAME_S)
    frames = x.size // hop
    power = (np.asarray(x[:frames * hop], dtype=np.float64).reshape(frames, hop) ** 2).mean(axis=1)
    return 10 * np.log10(power + 1e-12)


def _speech_bounds(levels: np.ndarray) -> tuple[int, int]:
    """First and last frame of the reading (runs of 100 ms or more above the threshold)."""
    import numpy as np

    speech = levels > max(float(np.percentile(levels, 95)) - SPEECH_BELOW_PEAK_DB, SILENT_DBFS - 10)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], speech.astype(np.int8), [0]])))
    runs = [(b, e) for b, e in zip(edges[::2], edges[1::2]) if e - b >= 5]
    return (runs[0][0], runs[-1][1]) if runs else (0, 0)


def _hum(x: np.ndarray, rate: int) -> float | None:
    """50 or 60 Hz when the recording carries mains hum (any of its first harmonics well above
    the spectrum around it), else None."""
    import numpy as np
    from scipy.signal import welch

    if x.size < rate:
        return None
    freqs, power = welch(x, fs=rate, nperseg=rate, noverlap=rate // 2)  # 1 Hz apart
    db = 10 * np.log10(power + 1e-20)
    best, excess = None, HUM_EXCESS_DB
    for mains in (50, 60):
        for k in (1, 2, 3):
            f = mains * k
            around = np.r_[db[f - 12:f - 3], db[f + 4:f + 13]]
            gain = float(db[f - 1:f + 2].max() - np.median(around))
            if gain > excess:
                best, excess = float(mains), gain
    return best


def _filtered(x: np.ndarray, rate: int, mains: float | None) -> np.ndarray:
    """DC and rumble below HIGHPASS_HZ removed and, with ``mains``, its hum notched out (zero
    phase). The filters run over the recording extended at each end by whole periods of the
    hum copied from that end, so its notches settle before the recording begins: a narrow
    notch rings for tenths of a second, and mirrored padding breaks the hum's phase, which made
    the rings pass for words at the ends of a take."""
    import numpy as np
    from scipy.signal import butter, iirnotch, sosfiltfilt, tf2sos

    sections = [butter(4, HIGHPASS_HZ, btype="highpass", fs=rate, output="sos")]
    if mains:
        sections += [tf2sos(*iirnotch(mains * k, 30.0, fs=rate)) for k in range(1, HUM_HARMONICS + 1)
                     if mains * k < rate / 2]
    sos = np.vstack(sections)
    if not mains:
        return sosfiltfilt(sos, x, padlen=min(x.size - 1, rate))
    period = next((k * rate // int(mains) for k in range(1, 11) if (k * rate) % int(mains) == 0), rate)
    period = min(period, x.size)
    reps = max(1, rate // period)  # about a second at each end
    padded = np.concatenate([np.tile(x[:period], reps), x, np.tile(x[-period:], reps)])
    return sosfiltfilt(sos, padded, padlen=0)[reps * period:reps * period + x.size]


def _reduce_noise(x: np.ndarray, rate: int) -> np.ndarray:
    """Spectral gating: each time-frequency cell not clearly above the noise's own spectrum (taken
    from the quietest tenth of the recording) is lowered, by NOISE_FLOOR_DB at most; the mask is
    smoothed over neighbouring cells so the voice keeps its edges and no 'musical noise' appears.
    Done in blocks, so memory stays a few megabytes whatever the length."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view
    from scipy.ndimage import uniform_filter

    n = 1024 if rate > 32000 else 512
    hop = n // 4
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n))  # periodic Hann: overlap-adds flat
    padded = np.pad(x, (n, n + hop))
    frames = sliding_window_view(padded, n)[::hop]
    energy = np.einsum("ij,ij->i", frames, frames)
    quiet = np.flatnonzero(energy <= np.percentile(energy, 10))
    picked = quiet[np.linspace(0, quiet.size - 1, min(quiet.size, 400)).astype(int)]
    noise = (np.abs(np.fft.rfft(frames[picked] * window, axis=1)) ** 2).mean(axis=0)
    threshold = noise * 10 ** (NOISE_GATE_ABOVE_DB / 10)
    floor = 10 ** (NOISE_FLOOR_DB / 20)
    out = np.zeros(padded.size)
    block, margin = 2048, 3
    for start in range(0, len(frames), block):
        lo, hi = max(0, start - margin), min(len(frames), start + block + margin)
        spectrum = np.fft.rfft(frames[lo:hi] * window, axis=1)
        mask = uniform_filter((np.abs(spectrum) ** 2 > threshold).astype(np.float32), size=(5, 5))
        gated = np.fft.irfft(spectrum * (floor + (1 - floor) * mask), n=n, axis=1) * window
        keep = gated[start - lo:start - lo + min(block, len(frames) - start)]
        for k, frame in enumerate(keep):
            at = (start + k) * hop
            out[at:at + n] += frame
    # Hann² at a quarter hop overlap-adds to 1.5.
    return out[n:n + x.size] / 1.5


def _flac(samples: np.ndarray, rate: int) -> bytes:
    """16-bit FLAC, bit-exact (no encoder name or date inside: the same audio, the same hash)."""
    from radio.audio.ffmpeg import run

    with tempfile.TemporaryDirectory(prefix="radio-record-") as scratch:
        target = Path(scratch) / "recording.flac"
        run(["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", "-c:a", "flac",
             "-sample_fmt", "s16", "-fflags", "+bitexact", "-flags:a", "+bitexact", "-y", str(target)],
            input_bytes=samples.astype("float32").tobytes())
        return target.read_bytes()


# -- what a month holds -------------------------------------------------------------------------

def _read_record(path: Path) -> Recording | None:
    import json

    try:
        return Recording.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None


def held_recordings(station_dir: Path | None, script: Script) -> tuple[dict[str, Held], list[Recording]]:
    """The recordings of the script's segments (stale or not), and those of segments the script
    no longer has."""
    if station_dir is None:
        return {}, []
    folder = Path(station_dir) / RECORDINGS / script.month
    if not folder.is_dir():
        return {}, []
    texts = {s.id: text_sha256(s.text) for s in script.segments}
    held, orphans = {}, []
    for record in sorted(folder.glob("*.json")):
        recording = _read_record(record)
        if recording is None:
            raise RecordingError(f"Tệp {record} không đọc được (bản ghi của một bản thu).",
                                 hint="xoá tệp này rồi nhập lại bản thu của đoạn đó.")
        if recording.segment not in texts:
            orphans.append(recording)
            continue
        held[recording.segment] = Held(recording, folder / recording.file,
                                       stale=recording.text_sha256 != texts[recording.segment])
    return held, orphans


def readings_for_production(station_dir: Path | None, script: Script, *,
                            use_stale: bool = False) -> tuple[dict[str, Held], list[str]]:
    """The recordings production puts in place of synthesized speech, checked: a stale one is
    refused unless ``use_stale``, a missing or altered audio file always. And warnings."""
    held, orphans = held_recordings(station_dir, script)
    titles = {s.id: s.title for s in script.segments}
    stale = [h for h in held.values() if h.stale]
    if stale and not use_stale:
        names = "; ".join(f"«{titles[h.recording.segment]}» ({h.describe()})" for h in stale)
        raise RecordingError(
            f"Kịch bản đã sửa sau khi thu giọng người đọc: {names}. Bản thu không còn khớp lời trong kịch bản.",
            hint=f"thu lại đoạn đó (radio record {script.month} --segment MÃ_ĐOẠN --file TỆP), hoặc bỏ bản thu "
                 f"để máy đọc (radio record {script.month} --segment MÃ_ĐOẠN --remove); muốn vẫn phát bản thu cũ "
                 f"thì sản xuất với --use-stale (radio produce {script.month} --use-stale).")
    for h in held.values():
        try:
            intact = sha256_file(h.path) == h.recording.sha256
        except OSError:
            intact = False
        if not intact:
            raise RecordingError(
                f"Tệp bản thu {h.path} của đoạn «{titles[h.recording.segment]}» bị mất hoặc đã bị thay đổi.",
                hint=f"nhập lại bản thu của đoạn này (radio record {script.month} --segment "
                     f"{h.recording.segment} --file TỆP), hoặc bỏ bản thu bằng --remove.")
    warnings = [f"Dùng bản thu cũ của đoạn «{titles[h.recording.segment]}» ({h.describe()}) dù kịch bản đã sửa."
                for h in stale]
    warnings += [f"Bản thu đoạn '{r.segment}' ({r.by}) không dùng: kịch bản không còn đoạn này." for r in orphans]
    return held, warnings


def spoken_segment(held: Held, rate: int) -> SpokenSegment:
    """A recording as the mixer takes a segment: one clip, the whole reading."""
    import numpy as np
    from pydub import AudioSegment

    from radio.audio.ffmpeg import decode
    from radio.speech.normalize import Normalized
    from radio.speech.synthesize import Reader, Sentence, SpokenSegment

    samples = decode(held.path, rate)[:, 0]
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype(np.int16)
    audio = AudioSegment(pcm.tobytes(), frame_rate=rate, sample_width=2, channels=1)
    recording = held.recording
    sentence = Sentence(recording.source, Normalized(""), True, audio, clip_digest=recording.sha256)
    return SpokenSegment(recording.segment, [sentence], engine=ENGINE, voice=recording.by,
                         reader=Reader(recording.by, recording.recorded_at, recording.sha256, held.stale))


def month_recordings(station_dir: Path, month: str) -> tuple[list[tuple[Segment, Held | None]], list[Recording]]:
    """Each segment of the month's script with its recording (or None), and recordings of
    segments the script no longer has."""
    script = _script(station_dir, month)
    held, orphans = held_recordings(station_dir, script)
    return [(segment, held.get(segment.id)) for segment in script.segments], orphans


def recording_file(station_dir: Path, month: str, segment_id: str) -> Path | None:
    """The audio of a segment's current recording, if it has one on disk."""
    record = _read_record(folder_of(station_dir, month) / f"{segment_id}.json")
    if record is None or not re.fullmatch(r"[a-z0-9][a-z0-9-]*-[0-9a-f]{12}\.flac", record.file):
        return None
    path = folder_of(station_dir, month) / record.file
    return path if path.is_file() else None


# -- held against the script ----------------------------------------------------------------------

def reading_view(station_dir: Path, month: str, segment_id: str, *, listen: bool) -> RecordingView | None:
    """One recorded segment as the review copy shows it (``listen``: have the recognizer hear it)."""
    from radio.speech.normalize import station_normalizer

    station = load_station(station_dir)
    script = _script(station_dir, month)
    views = recording_views(station_dir, station, script, station_normalizer(station, station_dir), listen=listen,
                            only=segment_id)
    return views.get(segment_id)

@dataclass
class RecordingView:
    """What the review copy says of a segment a person read."""
    segment_id: str
    by: str
    at: str  # shown in Vietnam's time
    source: str
    duration_s: float
    stale: bool
    notes: list[str]
    check: ReadingCheck | None = None
    #: Why the reading was not held against the script, when it was not.
    check_note: str | None = None

    def problems(self, title: str) -> list[str]:
        """The review's findings about this reading, in the officer's words."""
        said = []
        if self.stale:
            said.append(f"Bản thu đoạn «{title}» ({self.by}, {self.at}) được thu trước khi sửa lời đoạn này: "
                        "sản xuất sẽ từ chối bản thu này cho đến khi thu lại (hoặc chọn vẫn dùng bản cũ).")
        if self.check is None:
            return said
        for sentence in self.check.missing:
            said.append(f"Bản thu của {self.by} thiếu câu: «{sentence.written}»")
        for sentence in self.check.misread:
            said.append(f"Bản thu của {self.by} đọc khác kịch bản ở câu «{sentence.written}»: máy nghe thành "
                        f"«{sentence.heard}» (sai {round(100 * sentence.cer)}% số ký tự).")
        for extra in self.check.added:
            said.append(f"Bản thu của {self.by} có lời không có trong kịch bản (giây {number(extra.start_s)}): "
                        f"máy nghe thành «{extra.heard}».")
        return said


def recording_views(station_dir: Path, station: Station, script: Script, normalizer, *,
                    listen: bool, only: str | None = None) -> dict[str, RecordingView]:
    """Every recorded segment of the script, with its reading held against the text when the
    recognizer is there (``listen``) or has already heard it (cached by the recording's hash)."""
    from radio.speech.listen import INSTALL_HINT, listener_available
    from radio.speech.reading import cached_utterances

    held, _ = held_recordings(station_dir, script)
    views = {}
    for segment in script.segments:
        if segment.id not in held or only not in (None, segment.id):
            continue
        h = held[segment.id]
        view = RecordingView(segment.id, h.recording.by, shown(h.recording.recorded_at), h.recording.source,
                             h.recording.duration_s, h.stale, h.recording.notes)
        cached = cached_utterances(_heard_path(station_dir, station, h)) is not None
        if listen and not listener_available():
            view.check_note = "Chưa đối chiếu bản thu với kịch bản bằng máy nghe: " + INSTALL_HINT
        elif listen or cached:
            view.check = check_recording(station_dir, station, segment, h, normalizer)
        else:
            view.check_note = "Chưa đối chiếu bản thu với kịch bản: tạo bản duyệt với máy nghe (--listen)."
        views[segment.id] = view
    return views


def _heard_path(station_dir: Path, station: Station, held: Held) -> Path:
    from radio.paths import station_output

    return station_output(station_dir) / station.id / ".cache" / "heard" / f"reading-{held.recording.sha256}.json"


def check_recording(station_dir: Path, station: Station, segment: Segment, held: Held,
                    normalizer, recognizer=None) -> ReadingCheck:
    """The reading held against the segment's spoken form, sentence by sentence: from the kept
    transcript when there is one (any recognizer version: the audio has not changed), else
    heard now."""
    from radio.audio.ffmpeg import decode
    from radio.speech.listen import VietAsr
    from radio.speech.reading import cached_utterances, check_reading, hear_utterances
    from radio.speech.synthesize import split_sentences

    path = _heard_path(station_dir, station, held)
    heard = None if recognizer is not None else cached_utterances(path)
    if heard is None:
        samples = decode(held.path, held.recording.sample_rate)[:, 0]
        heard = hear_utterances(samples, held.recording.sample_rate, recognizer or VietAsr(), path)
    sentences = [(written, normalizer(written).text) for written, _ in split_sentences(segment.text, 10_000)]
    return check_reading(sentences, heard)
