"""The music kit: the station's own files, or the default kit composed and rendered here.

The default kit (no third-party recordings): a short pentatonic signature tune on a plucked,
zither-like timbre (a nod to the đàn tranh sound commune listeners know) over a soft pad; an
outro that answers it; a stinger that separates segments; and a slow pad for a bed under
speech. Rendered with plain additive synthesis, deterministic, in milliseconds.

Station files come in any format, rate and channel count; each is decoded by ffmpeg to the
programme's rate, folded to mono and brought to the kit's reference loudness, so a loud
commercial jingle and a quiet home recording sit the same way under and around speech.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from radio.display import number
from radio.audio import ffmpeg
from radio.audio.loudness import integrated_loudness
from radio.errors import AudioError
from radio.fileio import on_disk
from radio.models import KitFiles

# (MIDI note, start beat, length in beats)
_INTRO = [(67, 0, 1), (69, 1, 1), (72, 2, 1), (74, 3, 1), (76, 4, 1.5), (74, 5.5, 0.5),
          (72, 6, 1), (69, 7, 1), (72, 8, 4)]
_INTRO_PAD = [(48, 0, 8), (55, 0, 8), (60, 0, 8), (53, 8, 4), (57, 8, 4), (60, 8, 4)]
_OUTRO = [(76, 0, 1), (74, 1, 1), (72, 2, 1), (69, 3, 1), (67, 4, 1.5), (69, 5.5, 0.5),
          (72, 6, 4)]
_OUTRO_PAD = [(53, 0, 6), (57, 0, 6), (60, 0, 6), (48, 6, 4), (55, 6, 4), (64, 6, 4)]
_STINGER = [(72, 0, 0.5), (76, 0.5, 0.5), (79, 1, 2)]
_STINGER_PAD = [(60, 0, 3)]
# Four slow chords (C, Am, F, G), eight beats each: the bed loops them.
_BED_CHORDS = [(48, 55, 64), (45, 52, 60), (41, 53, 57), (43, 50, 59)]
_BEAT_S = 0.36
# Loudness of the kit at mix scale, where speech sits near SPEECH_LUFS; mastering then moves
# everything together to the station's target.
SPEECH_LUFS = -25.0
MUSIC_LUFS = -26.5
# Fade in / fade out of station files (seconds): no clicks at the edges, and an intro that
# ends gently under the first words.
_FADES = {"intro": (0.02, 1.0), "outro": (0.3, 1.5), "stinger": (0.01, 0.25), "bed": (0.05, 0.05)}
_KIT_NAMES = {"intro": "nhạc hiệu mở đầu", "outro": "nhạc hiệu kết thúc",
              "stinger": "nhạc cắt giữa các đoạn", "bed": "nhạc nền"}


@dataclass(frozen=True)
class Kit:
    intro: np.ndarray
    outro: np.ndarray
    stinger: np.ndarray
    sample_rate: int
    # Looped under speech; normalised to SPEECH_LUFS, the bed settings set its level.
    bed: np.ndarray | None = None


def _hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _pluck(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    # Each partial from the two before it (sin((k+1)x) = 2·cos x·sin kx − sin((k−1)x)) and
    # each decay from the one before: two sines and two exponentials per note instead of
    # seven each, the same sound to 1e-13 (the kit is made while the first sentences are read).
    phase = 2 * np.pi * freq * t
    partial, before = np.sin(phase), np.zeros_like(t)
    twice_cos = 2 * np.cos(phase)
    faster = np.exp(-1.6 * t)  # upper partials die faster, as on a plucked string
    decay = np.exp(-2.2 * t) * faster
    tone = np.zeros_like(t)
    for k in range(1, 8):
        if freq * k > rate / 2.2:
            break
        tone += (0.55 ** (k - 1)) * partial * decay
        partial, before = twice_cos * partial - before, partial
        decay *= faster
    attack = np.minimum(1.0, t / 0.004)
    return tone * attack


def _pad(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    tone = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(2 * np.pi * 2 * freq * t + 0.5)
    tone *= 1 + 0.08 * np.sin(2 * np.pi * 4.5 * t)  # slow vibrato in level keeps it alive
    fade = np.minimum(1.0, t / 0.6) * np.minimum(1.0, (seconds - t) / 0.8).clip(0)
    return tone * fade


def _render(melody, pad, tail_s: float, rate: int) -> np.ndarray:
    end_beats = max(start + length for _, start, length in melody + pad)
    out = np.zeros(int((end_beats * _BEAT_S + tail_s) * rate))
    for note, start, length in melody:
        ring = length * _BEAT_S + 1.2
        clip = _pluck(_hz(note), ring, rate)
        at = int(start * _BEAT_S * rate)
        out[at:at + clip.size] += clip[: out.size - at]
    for note, start, length in pad:
        clip = 0.12 * _pad(_hz(note), length * _BEAT_S + tail_s * 0.5, rate)
        at = int(start * _BEAT_S * rate)
        out[at:at + clip.size] += clip[: out.size - at]
    fade_out = int(min(1.5, tail_s) * rate)
    out[-fade_out:] *= np.linspace(1.0, 0.0, fade_out) ** 2
    peak = np.max(np.abs(out))
    return (out / peak * 0.7).astype(np.float32)


def _bed(rate: int) -> np.ndarray:
    """A seamless loop: each chord swells and fades within its own eight beats."""
    chord_s = 8 * _BEAT_S
    t = np.arange(int(chord_s * rate)) / rate
    swell = np.sin(np.pi * t / chord_s) ** 2
    chords = []
    for chord in _BED_CHORDS:
        tone = sum(np.sin(2 * np.pi * _hz(n) * t) + 0.2 * np.sin(4 * np.pi * _hz(n) * t)
                   for n in chord)
        chords.append(tone * (0.6 + 0.4 * swell))
    loop = np.concatenate(chords)
    # Crossfade chord joins over 80 ms so the pad never clicks.
    edge = int(0.08 * rate)
    ramp = np.sin(np.linspace(0, np.pi / 2, edge)) ** 2
    for join in range(0, loop.size, t.size):
        loop[join:join + edge] *= ramp
        loop[join + t.size - edge: join + t.size] *= ramp[::-1]
    return loop.astype(np.float32)


@functools.lru_cache(maxsize=4)
def default_kit(sample_rate: int) -> Kit:
    return Kit(
        intro=at_loudness(_render(_INTRO, _INTRO_PAD, 1.2, sample_rate), sample_rate, MUSIC_LUFS),
        outro=at_loudness(_render(_OUTRO, _OUTRO_PAD, 1.5, sample_rate), sample_rate, MUSIC_LUFS),
        stinger=at_loudness(_render(_STINGER, _STINGER_PAD, 0.4, sample_rate), sample_rate,
                            MUSIC_LUFS),
        sample_rate=sample_rate,
        bed=at_loudness(_bed(sample_rate), sample_rate, SPEECH_LUFS),
    )


def load_kit(files: KitFiles, station_dir: Path | None, sample_rate: int) -> Kit:
    """The default kit with each part the station names in ``audio.kit`` replaced."""
    kit = default_kit(sample_rate)
    chosen = {}
    for part, name in files.model_dump().items():
        if name is None:
            continue
        path = on_disk((station_dir or Path.cwd()) / name)
        samples = _faded(_decode_part(path, part, sample_rate), sample_rate, *_FADES[part])
        chosen[part] = at_loudness(samples, sample_rate,
                                   SPEECH_LUFS if part == "bed" else MUSIC_LUFS)
    return replace(kit, **chosen)


# The longest file each part may be: a jingle of minutes, or a six-hour WAV chosen as the
# bed by mistake, is refused after decoding at most this much (memory stays bounded).
KIT_MAX_S = {"intro": 120.0, "outro": 120.0, "stinger": 30.0, "bed": 600.0}


def _decode_part(path: Path, part: str, rate: int) -> np.ndarray:
    where = f"station.yaml, mục audio.kit.{part} ({_KIT_NAMES[part]})"
    if not path.exists():
        raise AudioError(f"Không tìm thấy tệp {path} khai báo ở {where}.",
                         hint="kiểm tra tên tệp và đường dẫn (tính từ thư mục của đài), hoặc "
                              "xoá dòng đó để dùng nhạc mặc định.")
    try:
        samples = ffmpeg.decode(path, rate, max_seconds=KIT_MAX_S[part] + 1)[:, 0]
    except AudioError as exc:
        raise AudioError(f"{exc.message} Tệp này được khai báo ở {where}.",
                         hint=exc.hint) from None
    if samples.size > KIT_MAX_S[part] * rate:
        limit = KIT_MAX_S[part]
        raise AudioError(f"Tệp {path} ({where}) dài hơn mức cho phép {number(limit, None)} giây, quá dài cho phần này.",
                         hint=f"cắt tệp còn dưới {number(limit, None)} giây (nhạc nền được phát lặp lại nên chỉ cần "
                              "vài phút), hoặc chọn tệp khác.")
    if not np.isfinite(integrated_loudness(_tiled(samples, rate), rate)):
        raise AudioError(f"Tệp {path} ({where}) không có tiếng.",
                         hint="chọn tệp nhạc khác hoặc xoá dòng đó để dùng nhạc mặc định.")
    return samples


def _faded(samples: np.ndarray, rate: int, fade_in_s: float, fade_out_s: float) -> np.ndarray:
    samples = samples.astype(np.float32, copy=True)
    fade_in = min(int(fade_in_s * rate), samples.size // 2)
    fade_out = min(int(fade_out_s * rate), samples.size // 2)
    samples[:fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32) ** 2
    samples[samples.size - fade_out:] *= np.linspace(1.0, 0.0, fade_out, dtype=np.float32) ** 2
    return samples


def _tiled(samples: np.ndarray, rate: int) -> np.ndarray:
    """Short sounds (a 0.3 s stinger) repeated past BS.1770's 400 ms block, so they can be
    measured at all; repetition does not change a sound's loudness."""
    need = int(0.5 * rate)
    if 0 < samples.size < need:
        return np.tile(samples, -(-need // samples.size))
    return samples


def at_loudness(samples: np.ndarray, rate: int, lufs: float) -> np.ndarray:
    measured = integrated_loudness(_tiled(samples, rate), rate)
    if not np.isfinite(measured):
        return samples.astype(np.float32)
    return (samples * np.float32(10 ** ((lufs - measured) / 20))).astype(np.float32)


# -- a station's own file, checked before it joins the kit (the studio's upload) ------------

# The shortest file each part may be: under this it is a click, not a jingle or a loop.
KIT_MIN_S = {"intro": 1.0, "outro": 1.0, "stinger": 0.2, "bed": 5.0}
KIT_PARTS = tuple(_KIT_NAMES)
# A sample this close to full scale, in a run this long, was cut off by the recorder.
_FULL_SCALE = 0.999
_CLIP_RUN = 3
_CHECK_RATE = 48000  # decoded at this rate for the check (a 44.1 kHz file is resampled up, never down)


def kit_part_name(part: str) -> str:
    return _KIT_NAMES[part]


@dataclass(frozen=True)
class KitCheck:
    """What the officer is told of a file taken into the kit."""
    part: str
    seconds: float
    peak_dbfs: float
    clip_runs: int  # runs of samples stuck at full scale: the recording was cut off (distorts)

    def notes(self) -> list[str]:
        said = [f"Dài {number(self.seconds)} giây, chỗ to nhất {number(self.peak_dbfs)} dBFS."]
        if self.clip_runs:
            said.append(f"Có {self.clip_runs} chỗ bị cắt đỉnh (tiếng có thể bị rè): nghe lại; nếu rè, "
                        "xin tệp gốc chưa bị nén quá mức.")
        return said


def check_kit_file(path: Path, part: str, name: str) -> KitCheck:
    """Decodable, a sane length for its part, not silent, clipping counted; ``name`` is the
    file as the officer knows it, in every message."""
    where = _KIT_NAMES[part]
    try:
        samples = ffmpeg.decode(path, _CHECK_RATE, max_seconds=KIT_MAX_S[part] + 1)[:, 0]
    except AudioError:
        raise AudioError(f"Tệp {name} không đọc được: tệp bị hỏng hoặc không phải tệp âm thanh.",
                         hint="chọn tệp nhạc MP3, WAV, OGG, FLAC hoặc M4A; nếu tệp tải từ mạng, tải lại.") from None
    seconds = samples.size / _CHECK_RATE
    if seconds > KIT_MAX_S[part]:
        raise AudioError(f"Tệp {name} dài hơn {number(KIT_MAX_S[part], None)} giây, quá dài cho {where}.",
                         hint="cắt ngắn tệp, hoặc chọn tệp khác.")
    if seconds < KIT_MIN_S[part]:
        raise AudioError(f"Tệp {name} chỉ dài {number(seconds)} giây, quá ngắn cho {where} "
                         f"(cần ít nhất {number(KIT_MIN_S[part], None)} giây).", hint="chọn tệp khác.")
    if not np.isfinite(integrated_loudness(_tiled(samples, _CHECK_RATE), _CHECK_RATE)):
        raise AudioError(f"Tệp {name} không có tiếng.", hint="chọn tệp nhạc khác.")
    magnitude = np.abs(samples)
    stuck = np.concatenate([[0], (magnitude >= _FULL_SCALE).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(stuck))
    runs = int(np.count_nonzero(edges[1::2] - edges[::2] >= _CLIP_RUN))
    peak = float(magnitude.max())
    return KitCheck(part, round(seconds, 2), round(20 * np.log10(peak), 1), runs)


def install_kit_file(station_dir: Path, part: str, name: str, data: bytes) -> tuple[str, KitCheck]:
    """``data`` kept as kit/<part><suffix> in the station's folder, atomically and only once
    checked (a refused file leaves the kit as it was); returns its path from the station's
    folder, for station.yaml."""
    import re

    from radio.fileio import atomic_path

    if part not in _KIT_NAMES:
        raise AudioError(f"Không có phần nhạc '{part}'.", hint="chọn nhạc hiệu mở đầu, kết thúc, nhạc cắt hoặc nhạc nền.")
    suffix = Path(name).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".audio"  # ffmpeg reads the content
    target = Path(station_dir) / "kit" / f"{part}{suffix}"
    with atomic_path(target) as scratch:
        scratch.write_bytes(data)
        checked = check_kit_file(scratch, part, name)
    return f"kit/{target.name}", checked


def kit_preview_wav(part: str, sample_rate: int = 44100) -> bytes:
    """The default kit's part as a WAV file, for the kit page's player."""
    import io
    import wave

    samples = getattr(default_kit(sample_rate), part)
    peak = float(np.max(np.abs(samples))) or 1.0
    pcm = (samples / peak * 0.7 * 32767).astype(np.int16)  # the kit is mixed quiet; heard at a usual level
    if part == "bed":
        pcm = pcm[: sample_rate * 20]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
