"""Measured speaking rate of each engine, voice and speed, for honest duration estimates.

A fixed set of sentences of different lengths is synthesized one clip per sentence, exactly
as production does, and a line is fitted: clip seconds = a × syllables + b (b is the
silence an engine puts around every clip). The fit is stored per engine version, so it is
measured once per machine and voice, not guessed.
"""
from __future__ import annotations

import json
import re
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

from radio.errors import RadioError, SpeechError
from radio.fileio import write_json
from radio.speech.engines import Engine

CALIBRATION_SENTENCES = (
    "Kính thưa bà con.",
    "Mời bà con đón nghe chuyên mục cải cách hành chính.",
    "Bà con có thể nộp hồ sơ trực tuyến vào bất cứ lúc nào, kể cả ngày nghỉ.",
    "Khi hồ sơ thiếu, cán bộ phải hướng dẫn một lần, đầy đủ, bằng văn bản, để bà con bổ sung "
    "một lần là xong.",
    "Trung tâm Phục vụ hành chính công xã làm việc buổi sáng từ bảy giờ ba mươi phút đến mười "
    "một giờ ba mươi phút, buổi chiều từ mười ba giờ ba mươi phút đến mười bảy giờ.",
    "Tính đến ngày mười lăm tháng mười hai, xã đã tiếp nhận bốn nghìn tám trăm sáu mươi hai "
    "hồ sơ thủ tục hành chính, trong đó có ba nghìn chín trăm mười lăm hồ sơ nộp trực tuyến, "
    "đạt tám mươi phẩy năm phần trăm.",
    "Mọi phản ánh, kiến nghị, bà con gọi đường dây nóng của xã.",
    "Cảm ơn bà con đã chú ý lắng nghe, hẹn gặp lại trong chuyên mục tháng sau.",
)
# Used only when a rate cannot be measured (an engine that is unavailable right now).
FALLBACK = (0.27, 0.15)


@dataclass(frozen=True)
class SpeakingRate:
    seconds_per_syllable: float
    seconds_per_clip: float
    measured: bool = True

    def clip_seconds(self, syllables: int) -> float:
        return self.seconds_per_syllable * syllables + self.seconds_per_clip


def syllables(text: str) -> int:
    return len(re.findall(r"\w+", text))


def measure(engine: Engine, voice: str, speed: float) -> SpeakingRate:
    counts, durations = [], []
    for sentence in CALIBRATION_SENTENCES:
        audio = engine.synthesize(sentence, voice, speed)
        counts.append(syllables(sentence))
        durations.append(len(audio) / 1000)
    slope, intercept = statistics.linear_regression(counts, durations)
    return SpeakingRate(float(slope), float(max(intercept, 0.0)))


class RateStore:
    """Measured rates, kept in one JSON file keyed by engine, version, voice and speed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rates: dict[str, dict] | None = None

    def _load(self) -> dict[str, dict]:
        if self._rates is None:
            try:
                self._rates = json.loads(self.path.read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                self._rates = {}
        return self._rates

    def rate(self, engine: Engine, voice: str, speed: float) -> SpeakingRate:
        if engine.unavailable_reason() is not None:
            return SpeakingRate(*FALLBACK, measured=False)
        key = f"{engine.name}|{engine.version()}|{voice}|{speed:.3f}"
        rates = self._load()
        if key not in rates:
            try:
                rates[key] = asdict(measure(engine, voice, speed))
            except SpeechError:
                # An engine that cannot speak now (gTTS offline) must not block composing.
                return SpeakingRate(*FALLBACK, measured=False)
            try:
                write_json(self.path, rates)
            except RadioError:
                pass  # an unwritable cache only costs a re-measurement next time
        return SpeakingRate(**rates[key])
