"""The gTTS engine against a fake Google endpoint: retries, throttling, errors, fallback.

The real gTTS library builds and sends every request; only the server at the other end is
local (see fake_google.py). No test needs the internet.
"""
import json

import numpy as np
import pytest

from radio.errors import SpeechError
from radio.models import Announcer, GttsSettings, Script, Segment, SpeechSettings
from radio.pipeline import load_station, produce, sample_station_dir
from radio.speech.engines.gtts import GttsEngine
from tests.fake_google import TONE_HZ, FakeGoogle, serve


@pytest.fixture
def google(tmp_path, monkeypatch):
    fake = FakeGoogle(tmp_path)
    server, proxy = serve(fake)
    for name in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield fake
    server.shutdown()
    server.server_close()


def engine(sleeps=None, **overrides) -> GttsEngine:
    settings = dict(min_interval_s=0, backoff_s=0.01, timeout_s=0.5, retries=3)
    settings.update(overrides)
    recorder = (lambda s: sleeps.append(s)) if sleeps is not None else (lambda s: None)
    return GttsEngine(SpeechSettings(gtts=GttsSettings(**settings)), sleep=recorder)


def samples(audio):
    return np.asarray(audio.get_array_of_samples(), dtype=np.float32) / 32768


def dominant_hz(audio) -> float:
    x = samples(audio)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / audio.frame_rate)[np.argmax(spectrum)])


def test_success_returns_google_audio_from_the_vietnamese_domain(google):
    audio = engine().synthesize("Kính thưa bà con nhân dân", "vi", 1.0)
    assert [r.host for r in google.requests] == ["translate.google.com.vn"]
    assert google.requests[0].text == "Kính thưa bà con nhân dân"
    # Six words → the fake speaks 1.2 seconds of tone.
    assert len(audio) / 1000 == pytest.approx(1.2, abs=0.1)
    assert dominant_hz(audio) == pytest.approx(TONE_HZ, abs=5)


def test_top_level_domain_is_selectable(google):
    engine(tld="com").synthesize("xin chào", "vi", 1.0)
    assert google.requests[0].host == "translate.google.com"


def test_429_is_retried_after_a_backoff_then_succeeds(google):
    google.behaviour = [429, "ok"]
    sleeps = []
    audio = engine(sleeps).synthesize("một hai ba", "vi", 1.0)
    assert len(google.requests) == 2 and len(audio) > 0
    assert len(sleeps) == 1 and 0.005 <= sleeps[0] <= 0.015  # 0.01 s × jitter 0.5–1.5


def test_backoff_grows_exponentially_and_persistent_5xx_gives_up_in_vietnamese(google):
    google.behaviour = [503]
    sleeps = []
    with pytest.raises(SpeechError) as caught:
        engine(sleeps, backoff_s=0.01, retries=3).synthesize("một hai ba", "vi", 1.0)
    assert len(google.requests) == 4
    assert len(sleeps) == 3
    # Each wait is its own doubling of 0.01 s, with jitter of ×0.5–1.5 around it (a ratio
    # between two jittered waits would fail now and then by chance alone).
    for attempt, waited in enumerate(sleeps):
        assert 0.01 * 2 ** attempt * 0.5 <= waited <= 0.01 * 2 ** attempt * 1.5
    message = str(caught.value)
    assert "mã 503" in message and "đã thử 4 lần" in message and "Cách xử lý" in message


def test_a_timeout_is_retried(google):
    google.behaviour = ["hang", "ok"]
    google.hang_s = 1.0
    audio = engine(timeout_s=0.3).synthesize("một hai ba", "vi", 1.0)
    assert len(google.requests) == 2 and len(audio) > 0


def test_persistent_timeouts_are_reported(google):
    google.behaviour = ["hang"]
    google.hang_s = 0.8
    with pytest.raises(SpeechError) as caught:
        engine(timeout_s=0.2, retries=1).synthesize("một hai ba", "vi", 1.0)
    assert "không trả lời trong 0.2 giây" in str(caught.value)


def test_no_network_is_a_clear_vietnamese_error_without_retries(monkeypatch):
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")  # nothing listens on port 9
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    sleeps = []
    with pytest.raises(SpeechError) as caught:
        engine(sleeps).synthesize("một hai ba", "vi", 1.0)
    assert sleeps == []
    assert "không có Internet" in str(caught.value)
    assert "fallback: [offline]" in str(caught.value)


def test_requests_are_throttled_across_threads(google):
    from concurrent.futures import ThreadPoolExecutor

    import time

    shared = GttsEngine(SpeechSettings(gtts=GttsSettings(min_interval_s=0.15, parallel=3)),
                        sleep=time.sleep)
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda n: shared.synthesize(f"câu số {n}", "vi", 1.0), range(5)))
    starts = sorted(r.connected_at for r in google.requests)
    # Sends are 0.15 s apart, dated when each asks for its tunnel (arrivals after the TLS
    # handshake jitter under load); unthrottled, three threads would send three at once.
    assert len(starts) == 5 and starts[-1] - starts[0] >= 4 * 0.15 - 0.05
    assert np.diff(starts).min() >= 0.05


def test_speed_changes_tempo_not_pitch(google):
    normal = engine().synthesize("một hai ba bốn năm sáu bảy tám", "vi", 1.0)
    faster = engine().synthesize("một hai ba bốn năm sáu bảy tám", "vi", 1.25)
    assert len(faster) == pytest.approx(len(normal) / 1.25, rel=0.05)
    assert dominant_hz(faster) == pytest.approx(TONE_HZ, abs=5)


def gtts_station(**speech):
    station = load_station(sample_station_dir())
    announcers = [a.model_copy(update={"engine": "gtts", "voice": "vi"})
                  for a in station.announcers]
    settings = SpeechSettings(gtts=GttsSettings(min_interval_s=0, backoff_s=0.01, retries=1),
                              **speech)
    return station.model_copy(update={"announcers": announcers, "speech": settings})


def script():
    return Script(station="an-lac", month="2026-12", title="Thử gTTS", segments=[
        Segment(id="01-opening", kind="opening", title="Mở đầu", voice="nu",
                text="Kính thưa bà con. Mời bà con nghe chuyên mục."),
        Segment(id="02-closing", kind="closing", title="Kết thúc", voice="nu2",
                text="Cảm ơn bà con đã lắng nghe."),
    ])


def test_production_with_gtts_then_cached_reproduction_asks_google_nothing(google, tmp_path):
    station = gtts_station()
    first = produce(station, script(), tmp_path / "out")
    manifest = json.loads(first.manifest_path.read_text())
    assert [s["speech"]["engine"] for s in manifest["segments"] if s["speech"]] == ["gtts"] * 2
    assert manifest["clips"] == {"synthesized": 3, "reused": 0}
    asked = len(google.requests)
    again = produce(station, script(), tmp_path / "out")
    assert json.loads(again.manifest_path.read_text())["clips"] == {"synthesized": 0, "reused": 3}
    assert len(google.requests) == asked


def test_failing_google_falls_back_to_offline_and_the_manifest_says_so(google, tmp_path):
    google.behaviour = [503]
    station = gtts_station(fallback=["offline"])
    done = produce(station, script(), tmp_path / "out")
    manifest = json.loads(done.manifest_path.read_text())
    speech = [s["speech"] for s in manifest["segments"] if s["speech"]]
    assert {s["engine"] for s in speech} == {"offline"}
    # The two announcers keep distinct offline voices.
    assert len({s["voice"] for s in speech}) == 2
    assert all(s["fallback_from"][0]["engine"] == "gtts" and "503" in s["fallback_from"][0]["reason"]
               for s in speech)
    assert any("gtts" in w and "offline" in w for w in done.warnings)
    # Once Google has failed, it is not asked again for every other segment.
    assert len(google.requests) <= 2 * station.speech.gtts.parallel
    assert manifest["audio"]["integrated_lufs"] == pytest.approx(-16, abs=0.5)


def test_fallback_voice_can_be_chosen_per_announcer(google, tmp_path):
    google.behaviour = [503]
    station = gtts_station(fallback=["offline"])
    announcers = [a.model_copy(update={"fallback_voices": {"offline": "vi-vn-x-south"}})
                  for a in station.announcers]
    station = station.model_copy(update={"announcers": announcers})
    done = produce(station, script(), tmp_path / "out")
    speech = [s["speech"] for s in json.loads(done.manifest_path.read_text())["segments"]
              if s["speech"]]
    assert {s["voice"] for s in speech} == {"vi-vn-x-south"}


def test_without_a_fallback_a_failing_google_stops_production(google, tmp_path):
    google.behaviour = [503]
    with pytest.raises(SpeechError) as caught:
        produce(gtts_station(fallback=[]), script(), tmp_path / "out")
    assert "Không bộ đọc nào đọc được đoạn" in str(caught.value)
    assert not (tmp_path / "out" / "an-lac" / "2026-12" / "programme.mp3").exists()


def test_unknown_voice_is_refused():
    with pytest.raises(SpeechError) as caught:
        engine().synthesize("xin chào", "en", 1.0)
    assert "chỉ có giọng 'vi'" in str(caught.value)


def test_announcer_model_accepts_fallback_voices():
    announcer = Announcer(id="nu", name="Chị Lan", engine="gtts", voice="vi",
                          fallback_voices={"offline": "vi+f3"})
    assert announcer.fallback_voices["offline"] == "vi+f3"
