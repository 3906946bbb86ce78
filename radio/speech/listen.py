"""Listening check: an offline recognizer hears each sentence, as a listener under a horn would.

A recognizer is not a villager, but a sentence it cannot follow is one a listener will
struggle with too, whatever the engine: an English word, a name, an abbreviation the rules
did not know. The recognizer is `viet-asr` (offline, model inside its wheel), installed with
the optional `listen` extra; without it, review works as before and says how to add it.

Error rates compare the spoken text (what the engine was asked to say) with what was
heard, after both are lowercased and stripped of punctuation: CER over characters, and the
syllable error rate over space-separated syllables (Vietnamese writes one syllable a word).
"""
from __future__ import annotations

import json
import re
import subprocess
import threading
import unicodedata
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Protocol

import numpy as np
from pydub import AudioSegment

from radio.audio.ffmpeg import ffmpeg_exe
from radio.errors import SpeechError
from radio.fileio import write_text

RATE = 16_000
# Silence either side of a clip: without it the recognizer misses a sentence's first and
# last syllables (measured: CER of short sentences falls from about 0.7 to 0.1–0.5).
PAD_S = 0.5
# A sentence heard this badly is flagged in the review copy. The default offline voices
# average about 0.45 on the benchmark (short everyday sentences 0.0–0.4); English read by
# the Vietnamese voice measured 0.69–0.78.
FLAG_CER = 0.65
INSTALL_HINT = ("cài phần nghe thử bằng lệnh 'scripts/setup listen' (gói viet-asr, khoảng 90 MB, "
                "chạy không cần mạng), rồi chạy lại.")


class Recognizer(Protocol):
    name: str

    def version(self) -> str: ...

    def transcribe(self, samples: np.ndarray) -> str:
        """What is heard in ``samples`` (mono float32 at 16 kHz)."""


class VietAsr:
    """The `viet-asr` recognizer; its native library is not thread-safe, so calls are serialized."""
    name = "viet-asr"

    def __init__(self) -> None:
        try:
            import vietasr
        except ImportError:
            raise SpeechError("Chưa cài bộ nghe thử (viet-asr).", hint=INSTALL_HINT) from None
        self._pipeline = vietasr.Pipeline.preset("transcribe")
        self._lock = threading.Lock()

    def version(self) -> str:
        try:
            return f"viet-asr {version('viet-asr')}"
        except PackageNotFoundError:
            return "viet-asr"

    def transcribe(self, samples: np.ndarray) -> str:
        pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)
        with self._lock:
            return self._pipeline.transcribe(pcm, float(RATE)).text.strip()


def listener_available() -> bool:
    from importlib.util import find_spec

    return find_spec("vietasr") is not None


def comparable(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join(re.findall(r"[^\W_]+", text))


@dataclass(frozen=True)
class Heard:
    spoken: str
    heard: str
    cer: float
    ser: float  # syllable error rate

    @property
    def misheard(self) -> bool:
        return self.cer >= FLAG_CER


def error_rates(spoken: str, heard: str) -> tuple[float, float]:
    import jiwer

    reference, hypothesis = comparable(spoken), comparable(heard)
    if not reference:
        return (0.0, 0.0) if not hypothesis else (1.0, 1.0)
    # An empty transcript heard nothing: every character and syllable was lost.
    if not hypothesis:
        return 1.0, 1.0
    return min(1.0, jiwer.cer(reference, hypothesis)), min(1.0, jiwer.wer(reference, hypothesis))


def to_listening_rate(audio: AudioSegment) -> np.ndarray:
    """Mono float32 at 16 kHz, resampled by ffmpeg as for any other decoding."""
    audio = audio.set_channels(1).set_sample_width(2)
    return resample(np.frombuffer(audio.raw_data, dtype=np.int16).astype(np.float32) / 32768.0,
                    audio.frame_rate)


def resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return samples.astype(np.float32, copy=False)
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "f32le", "-ar", str(rate), "-ac", "1",
                          "-i", "-", "-ar", str(RATE), "-f", "f32le", "-"],
                         input=samples.astype(np.float32).tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.float32)


class HeardCache:
    """What the recognizer heard in each clip, by clip digest: review runs again for free."""

    def __init__(self, root: Path, recognizer: Recognizer) -> None:
        self.root = root / "heard"
        self.recognizer = recognizer

    def hear(self, digest: str, spoken: str, audio: AudioSegment) -> Heard:
        path = self.root / f"{digest}.json"
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if cached.get("recognizer") == self.recognizer.version() and cached.get("spoken") == spoken:
                return Heard(**{k: cached[k] for k in ("spoken", "heard", "cer", "ser")})
        except (OSError, ValueError, KeyError, TypeError):
            pass
        pad = np.zeros(int(PAD_S * RATE), dtype=np.float32)
        heard_text = self.recognizer.transcribe(np.concatenate([pad, to_listening_rate(audio), pad]))
        cer, ser = error_rates(spoken, heard_text)
        heard = Heard(spoken, heard_text, round(cer, 3), round(ser, 3))
        write_text(path, json.dumps({**asdict(heard), "recognizer": self.recognizer.version()},
                                    ensure_ascii=False))
        return heard


# What `radio voices --compare` has each voice say: everyday sentences of a CCHC programme.
COMPARE_SENTENCES = (
    "Thưa bà con, Trung tâm Phục vụ hành chính công của xã mở cửa từ thứ hai đến thứ sáu.",
    "Bà con có thể nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia.",
    "Khi đi làm thủ tục, bà con nhớ mang theo thẻ căn cước.",
    "Mọi phản ánh, kiến nghị của người dân đều được giữ bí mật.",
    "Đăng ký khai sinh cho con đúng hạn được miễn lệ phí.",
)


@dataclass(frozen=True)
class VoiceScore:
    engine: str
    voice: str
    description: str
    cer: float | None  # None when the engine cannot speak here
    ser: float | None
    unavailable: str | None = None


def compare_voices(settings, station_dir: Path, cache_root: Path,
                   sentences: tuple[str, ...] = COMPARE_SENTENCES,
                   only: set[tuple[str, str]] | None = None) -> list[VoiceScore]:
    """Every voice of every engine the station can use (or ``only`` these engine and voice
    pairs), heard by the recognizer; best first."""
    from radio.speech.cache import ClipCache, ClipKey
    from radio.speech.engines import engine_statuses, get_engine
    from radio.speech.normalize import Normalizer

    if not listener_available():
        raise SpeechError("Chưa cài bộ nghe thử (viet-asr) nên chưa so sánh được các giọng.",
                          hint=INSTALL_HINT)
    normalizer = Normalizer()
    spoken = [normalizer(text).text for text in sentences]
    clips, hearing = ClipCache(cache_root / "clips"), HeardCache(cache_root, VietAsr())
    scores: list[VoiceScore] = []
    for status in engine_statuses(settings, station_dir):
        if status.name == "dummy" or (only is not None and status.name not in {e for e, _ in only}):
            continue  # a test stand-in, not a voice anyone airs; or not asked for
        if status.unavailable:
            scores.append(VoiceScore(status.name, "", "", None, None, status.unavailable))
            continue
        engine = get_engine(status.name, settings, station_dir)
        for voice in status.voices:
            if only is not None and (status.name, voice.id) not in only:
                continue
            try:
                heard = [_hear_once(engine, voice.id, text, clips, hearing, ClipKey) for text in spoken]
            except SpeechError as exc:
                scores.append(VoiceScore(status.name, voice.id, voice.description, None, None, exc.message))
                continue
            scores.append(VoiceScore(status.name, voice.id, voice.description,
                                     round(sum(h.cer for h in heard) / len(heard), 3),
                                     round(sum(h.ser for h in heard) / len(heard), 3)))
    return sorted(scores, key=lambda s: (s.cer is None, s.cer or 0.0))


def _hear_once(engine, voice: str, text: str, clips, hearing: HeardCache, key_type) -> Heard:
    key = key_type(engine.name, engine.version(), voice, 1.0, text)
    audio = clips.get(key)
    if audio is None:
        audio = engine.synthesize(text, voice, 1.0)
        clips.put(key, audio)
    return hearing.hear(key.digest, text, audio)
