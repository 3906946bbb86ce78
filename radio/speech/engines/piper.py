"""Local neural voices through Piper: far more natural than eSpeak, still offline.

A Piper voice is two files, ``NAME.onnx`` and ``NAME.onnx.json``, that the station downloads
once and names in ``station.yaml``::

    speech:
      piper:
        voices:
          vais1000: {model: voices/vi_VN-vais1000-medium.onnx}

Piper phonemizes with its own bundled eSpeak NG data, then runs the model with onnxruntime.
"""
from __future__ import annotations

import hashlib
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from radio.errors import SpeechError
from radio.models import PiperVoiceFile, SpeechSettings
from radio.speech.engines import Voice, pcm_segment

WHERE_TO_GET_VOICES = (
    "Giọng tiếng Việt của Piper (ví dụ vi_VN-vais1000-medium, vi_VN-25hours_single-low) có tại "
    "huggingface.co/rhasspy/piper-voices, thư mục vi/vi_VN: tải cả tệp .onnx và tệp .onnx.json "
    "về thư mục của đài, rồi khai báo trong station.yaml, mục speech → piper → voices.")


class PiperEngine:
    name = "piper"
    about = ("Giọng thần kinh Piper: tự nhiên hơn eSpeak, chạy trên máy, không cần mạng; "
             "cần tải tệp giọng về một lần.")
    # onnxruntime already spreads one inference over the cores.
    parallel = 1
    max_chars = 600

    def __init__(self, settings: SpeechSettings | None = None,
                 base_dir: Path | None = None) -> None:
        self.files = (settings or SpeechSettings()).piper.voices
        self.base_dir = Path(base_dir) if base_dir else Path.cwd()
        self._loaded: dict[str, object] = {}
        self._lock = threading.Lock()

    def _paths(self, entry: PiperVoiceFile) -> tuple[Path, Path]:
        model = self.base_dir / entry.model
        config = self.base_dir / entry.config if entry.config else Path(f"{model}.json")
        return model, config

    def version(self) -> str:
        # A replaced model file must not reuse clips spoken by the old one.
        digest = hashlib.sha256()
        for name, entry in sorted(self.files.items()):
            for path in self._paths(entry):
                stat = path.stat() if path.exists() else None
                digest.update(f"{name}|{path.name}|{stat and stat.st_size}|"
                              f"{stat and stat.st_mtime_ns}".encode())
        return f"piper {_package_version()} {digest.hexdigest()[:16]}"

    def voices(self) -> list[Voice]:
        return [Voice(name, entry.description or Path(entry.model).name)
                for name, entry in sorted(self.files.items())]

    def unavailable_reason(self) -> str | None:
        if _package_version() is None:
            return "Chưa cài gói piper-tts; chạy lại lệnh cài đặt trong README (scripts/setup)."
        if not self.files:
            return "Đài chưa khai báo giọng Piper nào. " + WHERE_TO_GET_VOICES
        for name, entry in sorted(self.files.items()):
            for path in self._paths(entry):
                if not path.exists():
                    return f"Không tìm thấy tệp {path} của giọng Piper '{name}'. " + WHERE_TO_GET_VOICES
        return None

    def synthesize(self, text: str, voice: str, speed: float) -> AudioSegment:
        from piper import SynthesisConfig

        loaded = self._voice(voice)
        entry = self.files[voice]
        config = SynthesisConfig(speaker_id=entry.speaker, length_scale=1.0 / speed)
        with self._lock:
            chunks = [chunk.audio_float_array for chunk in loaded.synthesize(text, config)]
        if not chunks:
            raise SpeechError(f"Giọng Piper '{voice}' không đọc được câu «{text[:60]}».",
                              hint="kiểm tra câu có chữ tiếng Việt, hoặc dùng giọng khác.")
        return pcm_segment(np.concatenate(chunks), loaded.config.sample_rate)

    def _voice(self, name: str):
        if name not in self.files:
            known = ", ".join(sorted(self.files)) or "chưa có"
            raise SpeechError(f"Bộ đọc piper không có giọng '{name}' (có: {known}).",
                              hint="sửa voice của phát thanh viên, hoặc khai báo giọng này trong "
                                   "station.yaml, mục speech → piper → voices.")
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = self._load(name, self.files[name])
            return self._loaded[name]

    def _load(self, name: str, entry: PiperVoiceFile):
        from piper import PiperVoice

        model, config = self._paths(entry)
        try:
            return PiperVoice.load(model, config_path=config)
        except FileNotFoundError as exc:
            raise SpeechError(f"Không tìm thấy tệp {exc.filename} của giọng Piper '{name}'.",
                              hint=WHERE_TO_GET_VOICES) from None
        except Exception as exc:  # onnxruntime and json raise many unrelated types
            raise SpeechError(
                f"Không mở được giọng Piper '{name}' ({model.name}): {exc}.",
                hint="tải lại cả hai tệp .onnx và .onnx.json của giọng; tệp có thể bị hỏng "
                     "hoặc tải chưa xong.") from None


def _package_version() -> str | None:
    try:
        return version("piper-tts")
    except PackageNotFoundError:
        return None
