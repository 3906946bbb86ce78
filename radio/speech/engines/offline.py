"""The default engine: eSpeak NG's Vietnamese voices, offline, through ctypes.

The library and its data come from the ``espeakng-loader`` wheel, so a pip install is all a
machine needs. eSpeak keeps global state, so calls are serialized with a lock; it is fast
enough (hundreds of times real time) that this never matters.
"""
from __future__ import annotations

import ctypes
import hashlib
import html
import re
import threading

import numpy as np
from pydub import AudioSegment

from radio.errors import SpeechError
from radio.models import EspeakStyle, SpeechSettings
from radio.speech.engines import Voice

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_SSML = 0x10
_PARAM_RATE, _PARAM_PITCH, _PARAM_RANGE, _PARAM_WORDGAP = 1, 3, 4, 7
_BASE_WPM = 165  # speed 1.0; commune loudspeakers favour a calm pace below eSpeak's 175

# eSpeak NG's own Vietnamese voices, as it ships them.
_RAW_VOICES = {
    "vi": "Giọng miền Bắc (nam)",
    "vi+f3": "Giọng miền Bắc (nữ)",
    "vi-vn-x-central": "Giọng miền Trung (nam)",
    "vi-vn-x-central+f3": "Giọng miền Trung (nữ)",
    "vi-vn-x-south": "Giọng miền Nam (nam)",
    "vi-vn-x-south+f3": "Giọng miền Nam (nữ)",
}
# Voices tuned for outdoor loudspeakers on the intelligibility benchmark
# (benchmarks/bench_intelligibility.py); the figures are in the README.
# Round 2 on 48 sentences, CER as aired (standard preset, MP3): vi+f3 ×0.85 pitch 60 range 85
# 0.452 (eSpeak's own vi+f3 ×0.85: 0.494 in round 1); round 3: vi+f5 likewise 0.462; the best male
# setting found, vi pitch 50 range 85, 0.526. A wider pitch range helps most: eSpeak's
# Vietnamese tones are pitch contours, and a flat voice blurs them.
TUNED_VOICES: dict[str, EspeakStyle] = {
    "vi-ro-nu": EspeakStyle(voice="vi+f3", pitch=60, range=85,
                            description="Giọng nữ miền Bắc, rõ chữ cho loa ngoài trời (nên đọc chậm, tốc độ 0,85)"),
    "vi-ro-nu-2": EspeakStyle(voice="vi+f5", pitch=60, range=85,
                              description="Giọng nữ thứ hai, rõ chữ (nên đọc chậm, tốc độ 0,85)"),
    "vi-ro-nam": EspeakStyle(voice="vi", pitch=50, range=85,
                             description="Giọng nam miền Bắc, rõ chữ hơn giọng vi (máy nghe vẫn kém giọng nữ)"),
}
VOICES = ([Voice(voice_id, description) for voice_id, description in _RAW_VOICES.items()]
          + [Voice(voice_id, style.description) for voice_id, style in TUNED_VOICES.items()])

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.c_void_p)


class _ESpeak:
    """The loaded library, initialised once per process."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        data = espeakng_loader.get_data_path().encode()
        self.sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if self.sample_rate <= 0:
            raise OSError("espeak_Initialize failed")
        self.version = lib.espeak_Info(None).decode()
        self._chunks: list[bytes] = []
        # Keep a reference: ctypes callbacks are freed when the Python object dies.
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()

    def _collect(self, wav, count, _events) -> int:
        if count > 0:
            # Called every 60 ms of sound with the interpreter held: a plain copy of the bytes
            # (numpy's ctypes view costs twenty times as much per call).
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def speak(self, text: str, style: EspeakStyle, wpm: int) -> np.ndarray:
        with self.lock:
            if self.lib.espeak_SetVoiceByName(style.voice.encode()) != 0:
                raise SpeechError(
                    f"Bộ đọc ngoại tuyến không có giọng '{style.voice}'.",
                    hint="chọn một giọng trong danh sách của lệnh 'radio voices' "
                         "(ví dụ vi, vi+f3, vi-vn-x-south) và sửa station.yaml.",
                )
            # Parameters persist between calls, so every one is set every time.
            for parameter, value in ((_PARAM_RATE, wpm), (_PARAM_PITCH, style.pitch),
                                     (_PARAM_RANGE, style.range),
                                     (_PARAM_WORDGAP, round(style.word_gap_ms / 10))):
                self.lib.espeak_SetParameter(parameter, value, 0)
            self._chunks = []
            flags = _CHARS_UTF8
            if style.comma_pause_ms is not None:
                text, flags = _with_comma_breaks(text, style.comma_pause_ms), flags | _SSML
            data = text.encode("utf-8")
            status = self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, flags, None, None)
            if status != 0:
                raise SpeechError(f"Bộ đọc ngoại tuyến báo lỗi {status} khi đọc: «{text[:60]}…».")
            chunks, self._chunks = self._chunks, []
        return np.frombuffer(b"".join(chunks), dtype=np.int16)


def _with_comma_breaks(text: str, pause_ms: int) -> str:
    """SSML with a pause of ``pause_ms`` after every comma and semicolon."""
    escaped = html.escape(text, quote=False)
    return "<speak>" + re.sub(r"([,;])\s*", rf'\1 <break time="{pause_ms}ms"/> ', escaped) + "</speak>"


_espeak: _ESpeak | None = None
_espeak_error: str | None = None
_init_lock = threading.Lock()


def _library() -> _ESpeak:
    global _espeak, _espeak_error
    with _init_lock:
        if _espeak is None and _espeak_error is None:
            try:
                _espeak = _ESpeak()
            except (ImportError, OSError, RuntimeError) as exc:
                _espeak_error = str(exc)
    if _espeak is None:
        raise SpeechError(
            f"Không khởi động được bộ đọc ngoại tuyến eSpeak NG ({_espeak_error}).",
            hint="cài lại phần mềm bằng lệnh cài đặt trong README (scripts/setup); "
                 "gói espeakng-loader cung cấp thư viện và dữ liệu giọng tiếng Việt.",
        )
    return _espeak


class OfflineEngine:
    name = "offline"
    about = "Bộ đọc eSpeak NG, chạy ngay trên máy, không cần mạng (mặc định)."
    parallel = 1
    max_chars = 4000

    def __init__(self, settings: SpeechSettings | None = None, base_dir=None) -> None:
        self.styles: dict[str, EspeakStyle] = {
            **{voice_id: EspeakStyle(voice=voice_id, description=d) for voice_id, d in _RAW_VOICES.items()},
            **TUNED_VOICES, **(settings or SpeechSettings()).offline.voices}

    def version(self) -> str:
        # A station that retunes one of its named voices must not reuse the old clips.
        digest = hashlib.sha256(repr(sorted((k, v.model_dump_json()) for k, v in self.styles.items()))
                                .encode()).hexdigest()[:12]
        return f"espeak-ng {_library().version} {digest}"

    def voices(self) -> list[Voice]:
        return [Voice(voice_id, style.description or style.voice) for voice_id, style in self.styles.items()]

    def unavailable_reason(self) -> str | None:
        try:
            _library()
        except SpeechError as exc:
            return exc.message
        return None

    def style(self, voice: str) -> EspeakStyle:
        # An unlisted id is passed to eSpeak as it is ("vi+m3"), which says if it has no such voice.
        return self.styles.get(voice) or EspeakStyle(voice=voice)

    def synthesize(self, text: str, voice: str, speed: float) -> AudioSegment:
        espeak = _library()
        samples = espeak.speak(text, self.style(voice), round(_BASE_WPM * speed))
        return AudioSegment(samples.tobytes(), frame_rate=espeak.sample_rate, sample_width=2,
                            channels=1)
