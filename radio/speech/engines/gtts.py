"""Google's voice through gTTS: natural Vietnamese, but it needs the Internet.

Google throttles bursts (HTTP 429 is gTTS users' most common complaint, and its maintainer's
advice is caching and throttling), so requests are spaced out across threads, and 429, 5xx
and timeouts are retried with exponential backoff and jitter. A dead network is not retried:
it will not come back in a few seconds, and the station's fallback engine should take over.
"""
from __future__ import annotations

import io
import random
import threading
import time
from collections.abc import Callable

import requests
from gtts import gTTS, gTTSError
from gtts import __version__ as gtts_version
from pydub import AudioSegment

from radio.audio.ffmpeg import change_tempo, decode_bytes
from radio.errors import AudioError, SpeechError
from radio.models import GttsSettings, SpeechSettings
from radio.speech.engines import Voice, pcm_segment

SAMPLE_RATE = 24000  # what Google returns
_FALLBACK_HINT = ("các câu đã đọc xong vẫn được giữ trong bộ nhớ đệm; khi chạy lại chỉ đọc "
                  "những câu còn thiếu. Muốn bộ đọc ngoại tuyến đọc thay, ghi "
                  "'fallback: [offline]' trong mục speech của station.yaml.")


class Throttle:
    """At most one request per ``interval`` seconds, however many threads ask."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = interval
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self.sleep(start - now)


class _Transient(Exception):
    """A failure worth retrying; carries the Vietnamese description of the last one."""

    def __init__(self, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.retry_after = retry_after


class GttsEngine:
    name = "gtts"
    about = ("Giọng Google (gTTS), tự nhiên nhưng cần Internet; Google giới hạn số yêu cầu, "
             "nên nên để bộ đọc offline làm dự phòng.")
    max_chars = 200  # whole sentences; gTTS itself cuts anything over 100 characters

    def __init__(self, settings: SpeechSettings | None = None, base_dir=None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings: GttsSettings = (settings or SpeechSettings()).gtts
        self.parallel = self.settings.parallel
        self.host = f"translate.google.{self.settings.tld}"
        self._sleep = sleep
        self._throttle = Throttle(self.settings.min_interval_s, sleep=sleep)
        self.requests_sent = 0

    def version(self) -> str:
        return f"gtts {gtts_version} {self.settings.tld} slow={self.settings.slow}"

    def voices(self) -> list[Voice]:
        return [Voice("vi", f"Giọng Google tiếng Việt ({self.host}, cần Internet)")]

    def unavailable_reason(self) -> str | None:
        return None  # whether Google answers is only known by asking

    def synthesize(self, text: str, voice: str, speed: float) -> AudioSegment:
        if voice != "vi":
            raise SpeechError(f"Bộ đọc gtts chỉ có giọng 'vi', không có giọng '{voice}'.",
                              hint="sửa voice của phát thanh viên trong station.yaml thành vi.")
        mp3 = self._fetch(text)
        try:
            samples = decode_bytes(mp3, SAMPLE_RATE)[:, 0]
        except AudioError:
            raise SpeechError(f"Máy chủ Google trả về âm thanh hỏng cho câu «{text[:60]}».",
                              hint=_FALLBACK_HINT) from None
        return pcm_segment(change_tempo(samples, SAMPLE_RATE, speed), SAMPLE_RATE)

    def _fetch(self, text: str) -> bytes:
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            self._throttle.wait()
            try:
                return self._request(text)
            except _Transient as failure:
                if attempt == attempts - 1:
                    raise SpeechError(f"{failure.description} (đã thử {attempts} lần).",
                                      hint="đợi vài phút rồi chạy lại, hoặc tăng "
                                           "speech.gtts.min_interval_s trong station.yaml; "
                                           + _FALLBACK_HINT) from None
                self._sleep(self._backoff(attempt, failure.retry_after))
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        # Full jitter keeps parallel workers (and other communes) from retrying in lockstep.
        delay = self.settings.backoff_s * (2 ** attempt) * random.uniform(0.5, 1.5)
        return max(delay, retry_after or 0.0)

    def _request(self, text: str) -> bytes:
        buffer = io.BytesIO()
        tts = gTTS(text, lang="vi", tld=self.settings.tld, slow=self.settings.slow,
                   timeout=self.settings.timeout_s, lang_check=False)
        self.requests_sent += 1
        try:
            tts.write_to_fp(buffer)
        except gTTSError as exc:
            raise self._explain(exc) from None
        if not buffer.getvalue():
            raise SpeechError(f"Máy chủ Google không trả về âm thanh cho câu «{text[:60]}».",
                              hint=_FALLBACK_HINT)
        return buffer.getvalue()

    def _explain(self, exc: gTTSError) -> Exception:
        response = getattr(exc, "rsp", None)
        cause = exc.__context__
        if response is None:
            if isinstance(cause, requests.exceptions.Timeout):
                return _Transient(f"Máy chủ Google ({self.host}) không trả lời trong "
                                  f"{self.settings.timeout_s:g} giây")
            return SpeechError(
                f"Không kết nối được máy chủ đọc của Google ({self.host}): máy tính có vẻ "
                "không có Internet hoặc mạng chặn trang này.",
                hint="kiểm tra kết nối mạng rồi chạy lại; " + _FALLBACK_HINT)
        status = response.status_code
        if status < 400:
            return SpeechError(
                "Máy chủ Google trả lời nhưng không kèm âm thanh; có thể Google đã đổi cách trả lời.",
                hint="cập nhật phần mềm (gói gtts) bằng lệnh cài đặt trong README; "
                     + _FALLBACK_HINT)
        if status == 429:
            return _Transient("Google tạm từ chối vì nhận quá nhiều yêu cầu (mã 429)",
                              _retry_after(response))
        if status >= 500:
            return _Transient(f"Máy chủ Google đang gặp lỗi (mã {status})")
        return SpeechError(f"Google từ chối yêu cầu đọc (mã {status}).",
                           hint="kiểm tra speech.gtts.tld trong station.yaml (ví dụ com.vn); "
                                + _FALLBACK_HINT)


def _retry_after(response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None

