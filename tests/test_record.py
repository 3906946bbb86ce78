"""The announcer's own voice: a person's reading imported, cleaned, levelled, mixed in place of
the engine's, held against the script, refused when stale, and each bad file named.

The reading is a stand-in: the offline engine at another rate (1.2 where the station reads at
0.85) with one sentence left out, two seconds of silence either side, 50 Hz mains hum with its
harmonics and a noise floor under all of it, stereo at 48 kHz in a phone's AAC file."""
import json
import subprocess

import numpy as np
import pytest

from radio.audio.ffmpeg import ffmpeg_exe
from radio.config import load_model, save_model
from radio.models import Script
from tests.conftest import decode, ebur128, run_cli
from tests.fixtures import MONTH, make_station

SEGMENT = "01-opening"
LEFT_OUT = 2  # "Mời bà con đón nghe Chuyên mục Cải cách hành chính tháng 12/2026."
RATE = 48000
READER = "Nguyễn Thị Lan"


def sentences(folder, segment_id=SEGMENT):
    from radio.speech.normalize import station_normalizer
    from radio.speech.synthesize import split_sentences
    from radio.station import load_station

    script = load_model(folder / "scripts" / f"{MONTH}.yaml", Script)
    text = next(s.text for s in script.segments if s.id == segment_id)
    normalizer = station_normalizer(load_station(folder), folder)
    return [(written, normalizer(written).text) for written, _ in split_sentences(text, 10_000)]


def spoken_audio(folder, texts, voice="vi-ro-nu-2", speed=1.2) -> np.ndarray:
    """The offline engine reading ``texts`` with the pauses a reader takes, mono at RATE."""
    from radio.speech.engines import get_engine
    from radio.station import load_station

    station = load_station(folder)
    engine = get_engine("offline", station.speech, folder, station)
    parts = []
    for text in texts:
        clip = engine.synthesize(text, voice, speed).set_frame_rate(RATE).set_channels(1)
        parts += [np.asarray(clip.get_array_of_samples(), dtype=np.float32) / 32768,
                  np.zeros(int(0.45 * RATE), dtype=np.float32)]
    return np.concatenate(parts[:-1])


def hum(samples: int, level: float = 0.02) -> np.ndarray:
    t = np.arange(samples) / RATE
    return level * (np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 100 * t) + 0.3 * np.sin(2 * np.pi * 150 * t))


def encode(samples: np.ndarray, path, *args: str, channels: int = 1, rate: int = RATE):
    data = np.repeat(samples[:, None], channels, axis=1) if channels > 1 else samples
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "f32le", "-ar", str(rate), "-ac", str(channels), "-i", "-",
                    *args, "-y", str(path)], input=data.astype(np.float32).tobytes(), check=True)
    return path


def stand_in(folder, path, *, leave_out=LEFT_OUT) -> tuple:
    """The stand-in reading as a phone's M4A; returns its path and the speech alone."""
    texts = [spoken for i, (_, spoken) in enumerate(sentences(folder)) if i != leave_out]
    speech = spoken_audio(folder, texts) * 0.3
    quiet = np.zeros(2 * RATE, dtype=np.float32)
    reading = np.concatenate([quiet, speech, quiet])
    reading = reading + hum(reading.size) + 0.002 * np.random.default_rng(7).standard_normal(reading.size)
    return encode(reading.astype(np.float32), path, "-c:a", "aac", "-b:a", "96k", channels=2), speech


def band_db(samples: np.ndarray, rate: int, hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size))) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    return 10 * np.log10(spectrum[(freqs > hz - 2) & (freqs < hz + 2)].sum() / spectrum.sum())


def cut(mp3, start: float, seconds: float, target):
    subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{start:.3f}", "-t", f"{seconds:.3f}", "-i", str(mp3),
                    "-y", str(target)], check=True)
    return target


@pytest.fixture
def station(tmp_path):
    return make_station(tmp_path)  # the opening and closing segments, composed


def recorded(folder):
    return json.loads((folder / "recordings" / MONTH / f"{SEGMENT}.json").read_text(encoding="utf-8"))


def test_a_stand_in_reading_is_cleaned_levelled_and_aired_in_place_of_the_voice(station, tmp_path):
    source, speech = stand_in(station, tmp_path / "ghi-am-mo-dau.m4a")
    done = run_cli("record", MONTH, "--segment", SEGMENT, "--file", str(source), "--by", READER,
                   "--station", str(station))
    assert done.returncode == 0, done.stderr
    assert "Đã nhập bản thu" in done.stdout and "tiếng ù điện lưới 50 Hz" in done.stdout
    record = recorded(station)
    assert record["by"] == READER and record["source"] == "ghi-am-mo-dau.m4a"
    flac = station / "recordings" / MONTH / record["file"]
    assert record["file"] == f"{SEGMENT}-{record['sha256'][:12]}.flac"
    # Trimmed: the two seconds either side are gone, the words are all there.
    speech_s = speech.size / RATE
    assert speech_s - 0.1 < record["duration_s"] < speech_s + 0.7, done.stdout
    assert abs(decode(flac, 44100).size / 44100 - record["duration_s"]) < 0.05
    # Hum notched out: the mains band is far weaker, against the voice, than in the file received.
    received, kept = decode(source, 44100), decode(flac, 44100)
    for hz in (50, 100, 150):
        assert band_db(kept, 44100, hz) < band_db(received, 44100, hz) - 25, hz
    # At the speech reference, as the mixer levels synthesized segments.
    assert abs(ebur128(flac).integrated_lufs - (-25.0)) < 0.5

    produced = run_cli("produce", MONTH, "--station", str(station))  # the station's own offline voice
    assert produced.returncode == 0, produced.stderr
    manifest = json.loads((station / "audio_out" / "an-lac" / MONTH / "manifest.json").read_text(encoding="utf-8"))
    parts = {s["id"]: s for s in manifest["segments"]}
    assert parts[SEGMENT]["read_by"]["name"] == READER and not parts[SEGMENT]["read_by"]["stale"]
    assert parts["08-closing"].get("read_by") is None and parts["08-closing"]["speech"]["engine"] == "offline"
    assert abs(parts[SEGMENT]["duration_s"] - record["duration_s"]) < 0.05  # the whole take, as one clip
    mp3 = station / "audio_out" / "an-lac" / MONTH / "programme.mp3"
    loudness = {key: ebur128(cut(mp3, parts[key]["start_s"], parts[key]["duration_s"], tmp_path / f"{key}.wav"))
                .integrated_lufs for key in (SEGMENT, "08-closing")}
    assert abs(loudness[SEGMENT] - loudness["08-closing"]) <= 1.0, loudness
    # Listeners' players show who reads the part.
    from mutagen.id3 import ID3

    titles = [str(chap.sub_frames["TIT2"]) for chap in ID3(str(mp3)).getall("CHAP")]
    assert any(title.endswith(f"({READER} đọc)") for title in titles), titles
    # The period's report counts it.
    from radio.reports import build_report, period_of, summary_lines

    lines = summary_lines(build_report(station, period_of("2026-Q4")))
    assert any(f"1 đoạn; người đọc: {READER}" in line for line in lines), lines


def test_the_review_names_the_sentence_the_reader_left_out(station, tmp_path):
    from radio.speech.listen import listener_available

    if not listener_available():
        pytest.skip("cần bộ nghe thử viet-asr (scripts/setup listen)")
    source, _ = stand_in(station, tmp_path / "ghi-am.m4a")
    done = run_cli("record", MONTH, "--segment", SEGMENT, "--file", str(source), "--by", READER,
                   "--station", str(station))
    left_out = sentences(station)[LEFT_OUT][0]
    assert done.returncode == 0 and f"thiếu câu: «{left_out}»" in " ".join(done.stdout.split()), done.stdout
    review = run_cli("review", MONTH, "--station", str(station))  # the transcript was kept at import
    assert review.returncode == 0, review.stderr
    html = (station / "review" / f"{MONTH}.html").read_text(encoding="utf-8")
    marks = [m for m in html.split('data-status="')[1:]]
    assert [m.split('"')[0] for m in marks].count("missing") == 1
    section = html[html.index(f'id="{SEGMENT}"'):html.index('id="08-closing"')]
    assert section.index(left_out) < section.index('data-status="missing"') < section.index(sentences(station)[LEFT_OUT + 1][0])
    assert f'data-read-by="{READER}"' in section
    text = (station / "review" / f"{MONTH}.txt").read_text(encoding="utf-8")
    assert f"{READER} (bản thu giọng người đọc, thu lúc" in text and "Bản thu: THIẾU câu này" in text


def test_a_script_edit_after_the_recording_makes_it_stale_and_production_refuses_it(station, tmp_path):
    from radio.record import import_recording

    source, _ = stand_in(station, tmp_path / "ghi-am.m4a", leave_out=None)
    import_recording(station, MONTH, SEGMENT, source, by=READER)
    path = station / "scripts" / f"{MONTH}.yaml"
    script = load_model(path, Script)
    edited = [s.model_copy(update={"text": s.text + " Xin cảm ơn bà con."}) if s.id == SEGMENT else s
              for s in script.segments]
    save_model(path, script.model_copy(update={"segments": edited}))

    listed = run_cli("record", MONTH, "--station", str(station), env={"COLUMNS": "200"})
    assert "thu trước khi sửa lời đoạn này" in listed.stdout and READER in listed.stdout
    refused = run_cli("produce", MONTH, "--engine", "dummy", "--station", str(station))
    assert refused.returncode == 1
    assert "Kịch bản đã sửa sau khi thu giọng người đọc" in refused.stderr and READER in refused.stderr
    assert "--use-stale" in refused.stderr
    assert not (station / "audio_out" / "an-lac" / MONTH / "programme.mp3").exists()
    used = run_cli("produce", MONTH, "--engine", "dummy", "--use-stale", "--station", str(station))
    assert used.returncode == 0, used.stderr
    assert "Dùng bản thu cũ" in used.stdout
    manifest = json.loads((station / "audio_out" / "an-lac" / MONTH / "manifest.json").read_text(encoding="utf-8"))
    assert next(s for s in manifest["segments"] if s["id"] == SEGMENT)["read_by"]["stale"] is True
    # Back to the synthesized voice: the engine reads the segment again.
    assert run_cli("record", MONTH, "--segment", SEGMENT, "--remove", "--station", str(station)).returncode == 0
    again = run_cli("produce", MONTH, "--engine", "dummy", "--station", str(station))
    assert again.returncode == 0, again.stderr
    manifest = json.loads((station / "audio_out" / "an-lac" / MONTH / "manifest.json").read_text(encoding="utf-8"))
    assert next(s for s in manifest["segments"] if s["id"] == SEGMENT)["speech"]["engine"] == "dummy"


def test_a_new_recording_remakes_the_programme_and_the_same_one_keeps_it(station, tmp_path):
    from radio.record import import_recording

    source, _ = stand_in(station, tmp_path / "ghi-am.m4a", leave_out=None)
    import_recording(station, MONTH, SEGMENT, source, by=READER)
    first = run_cli("produce", MONTH, "--engine", "dummy", "--station", str(station))
    mp3 = station / "audio_out" / "an-lac" / MONTH / "programme.mp3"
    before = mp3.read_bytes()
    assert run_cli("produce", MONTH, "--engine", "dummy", "--station", str(station)).returncode == 0
    assert mp3.read_bytes() == before and first.returncode == 0
    shorter, _ = stand_in(station, tmp_path / "ghi-am-2.m4a", leave_out=0)
    import_recording(station, MONTH, SEGMENT, shorter, by="Trần Văn Bình")
    assert run_cli("produce", MONTH, "--engine", "dummy", "--station", str(station)).returncode == 0
    assert mp3.read_bytes() != before
    manifest = json.loads((station / "audio_out" / "an-lac" / MONTH / "manifest.json").read_text(encoding="utf-8"))
    assert next(s for s in manifest["segments"] if s["id"] == SEGMENT)["read_by"]["name"] == "Trần Văn Bình"


@pytest.mark.parametrize("kind, args, rate, channels", [
    ("wav", ("-c:a", "pcm_s16le"), 44100, 1),
    ("mp3", ("-c:a", "libmp3lame", "-b:a", "128k"), 48000, 2),
    ("m4a", ("-c:a", "aac", "-b:a", "64k"), 22050, 1),
    ("ogg", ("-c:a", "libopus", "-b:a", "48k"), 48000, 2),
    ("webm", ("-c:a", "libopus", "-b:a", "32k"), 48000, 1),
    ("amr", ("-c:a", "libopencore_amrnb", "-b:a", "12.2k"), 8000, 1),
])
def test_any_common_format_rate_and_channel_count_is_taken(station, tmp_path, kind, args, rate, channels):
    from radio.record import import_recording

    written, _ = sentences(station)[0]
    speech = spoken_audio(station, [sentences(station)[0][1]]) * 0.5
    quiet = np.zeros(RATE, dtype=np.float32)
    reading = np.concatenate([quiet, speech, quiet])
    if rate != RATE:
        from scipy.signal import resample_poly

        divisor = np.gcd(rate, RATE)
        reading = resample_poly(reading, rate // divisor, RATE // divisor).astype(np.float32)
    source = encode(reading, tmp_path / f"doc.{kind}", *args, channels=channels, rate=rate)
    imported = import_recording(station, MONTH, SEGMENT, source, by=READER)
    assert abs(imported.held.recording.duration_s - speech.size / RATE) < 0.7, kind
    assert abs(ebur128(imported.held.path).integrated_lufs - (-25.0)) < 1.0, kind


def tone_bursts(seconds: float, rate: int = 16000, level: float = 0.3) -> np.ndarray:
    """Speech-like bursts (a syllable every 0.26 s) without a speech engine."""
    t = np.arange(int(seconds * rate)) / rate
    envelope = np.sin(np.pi * (t % 0.26) / 0.26) ** 2
    return (level * envelope * np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 360 * t))).astype(np.float32)


def bad_files(tmp_path) -> dict:
    files = {}
    files["not audio"] = tmp_path / "ghi-am.mp3"
    files["not audio"].write_text("Đây là văn bản, không phải tiếng.", encoding="utf-8")
    files["empty"] = tmp_path / "trong.m4a"
    files["empty"].write_bytes(b"")
    files["too long"] = encode(tone_bursts(200), tmp_path / "qua-dai.wav", rate=16000)
    files["silent"] = encode(np.zeros(16000 * 5, dtype=np.float32), tmp_path / "im-lang.wav", rate=16000)
    files["clipped"] = encode(np.clip(tone_bursts(8) * 40, -1, 1), tmp_path / "vo-tieng.wav", "-c:a", "pcm_s16le",
                              rate=16000)
    return files


@pytest.mark.parametrize("problem, said", [
    ("not audio", "không phải tệp âm thanh"),
    ("empty", "trống (0 byte)"),
    ("too long", "quá giới hạn"),
    ("silent", "gần như im lặng"),
    ("clipped", "bị vỡ tiếng"),
])
def test_each_bad_file_is_named_with_what_is_wrong(station, tmp_path, problem, said):
    path = bad_files(tmp_path)[problem]
    result = run_cli("record", MONTH, "--segment", SEGMENT, "--file", str(path), "--station", str(station),
                     env={"COLUMNS": "300"})
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert said in message and path.name in message and "Cách xử lý" in message, message
    assert "Traceback" not in result.stderr
    assert not (station / "recordings" / MONTH / f"{SEGMENT}.json").exists()


def test_a_segment_the_script_lacks_is_named_with_the_ones_it_has(station, tmp_path):
    source = encode(tone_bursts(3), tmp_path / "doc.wav", rate=16000)
    result = run_cli("record", MONTH, "--segment", "09-khong-co", "--file", str(source), "--station", str(station),
                     env={"COLUMNS": "300"})
    assert result.returncode == 1 and "09-khong-co" in result.stderr and SEGMENT in result.stderr


def test_the_reading_is_matched_to_the_sentences_by_text_and_timing():
    """Without the recognizer: what it heard, utterance by utterance, against the sentences."""
    from radio.speech.reading import Utterance, check_reading

    script = ["kính thưa bà con nhân dân trong xã",
              "mời bà con đón nghe chuyên mục cải cách hành chính tháng mười hai",
              "tiền vẫn về đủ và đúng ngày",
              "xin cảm ơn bà con đã lắng nghe"]

    def heard(*parts):  # (text, seconds) at a reader's pace, with half-second pauses
        at, out = 0.0, []
        for text, seconds in parts:
            out.append(Utterance(at, at + seconds, text))
            at += seconds + 0.5
        return out

    # The second sentence left out: the third's utterance is not stolen for it.
    left_out = check_reading([(s, s) for s in script],
                             heard((script[0], 2.0), ("tiền vẫn về đủ và đúng ngày", 1.8), (script[3], 2.0)))
    assert [s.status for s in left_out.sentences] == ["ok", "missing", "ok", "ok"] and not left_out.added
    # Said but not understood (one garbled word where a sentence of its length belongs): misread.
    garbled = check_reading([(s, s) for s in script],
                            heard((script[0], 2.0), (script[1], 3.8), ("nhìn", 1.8), (script[3], 2.0)))
    assert [s.status for s in garbled.sentences] == ["ok", "ok", "misread", "ok"]
    assert garbled.sentences[2].heard == "nhìn" and garbled.sentences[2].cer > 0.65
    # Words the script does not have, between two sentences: added, and named by what was heard.
    extra = check_reading([(s, s) for s in script[:2]],
                          heard((script[0], 2.0), ("xin phép nói thêm một việc quan trọng của thôn", 2.5), (script[1], 3.8)))
    assert [s.status for s in extra.sentences] == ["ok", "ok"]
    assert [u.heard for u in extra.added] == ["xin phép nói thêm một việc quan trọng của thôn"]


def test_the_studio_takes_a_reading_from_the_officer_only_and_speaks_its_own_words(tmp_path):
    from radio.record import readings_for_production
    from radio.store import Store
    from radio.studio.forms import studio_words
    from tests.fixtures import make_studio
    from tests.test_studio_words import COMMAND_WORDING, visible

    studio = make_studio(tmp_path)
    folder = studio.folders["an-lac"]
    page, upload = f"/s/an-lac/m/{MONTH}/record", f"/s/an-lac/m/{MONTH}/record/{SEGMENT}"
    take = encode(spoken_audio(folder, [sentences(folder)[0][1]]) * 0.3, tmp_path / "loi-chao.wav", "-c:a", "pcm_s16le")
    studio.login("binh")  # the leader approves; reading is the officer's page
    assert studio.client.get(page).status_code == 403
    refused = studio.client.post(upload, data={"csrf": studio.token("/s/an-lac/")},
                                 files={"audio": ("loi-chao.wav", take.read_bytes(), "audio/wav")})
    assert refused.status_code == 403 and not (folder / "recordings").exists()

    studio.login("lan")
    token = studio.token(page)
    broken = studio.client.post(upload, data={"csrf": token}, files={"audio": ("ghi-am.mp3", b"khong phai am thanh", "audio/mpeg")})
    assert "Tệp ghi-am.mp3 không phải tệp âm thanh" in visible(broken.text)
    done = studio.client.post(upload, data={"csrf": token, "by": "Trần Văn Bình"},
                              files={"audio": ("loi-chao.wav", take.read_bytes(), "audio/wav")})
    assert "Đã lưu bản thu đoạn này do Trần Văn Bình" in visible(done.text)
    assert recorded(folder)["by"] == "Trần Văn Bình" and recorded(folder)["source"] == "loi-chao.wav"
    assert ("lan", "record") in [(a.username, a.action) for a in Store(folder).web_actions(MONTH)]
    assert studio.client.get(f"{upload}/audio").headers["content-type"] == "audio/flac"

    # The text edited after the take: the month page offers to air it anyway, in the studio's words.
    path = folder / "scripts" / f"{MONTH}.yaml"
    script = load_model(path, Script)
    save_model(path, script.model_copy(update={"segments": [
        s.model_copy(update={"text": s.text + " Chúc bà con mạnh khỏe."}) if s.id == SEGMENT else s
        for s in script.segments]}))
    month = studio.client.get(f"/s/an-lac/m/{MONTH}").text
    assert 'name="use_stale"' in month and "Vẫn dùng bản thu cũ" in month
    with pytest.raises(Exception) as refusal:
        readings_for_production(folder, load_model(path, Script))
    said = studio_words(str(refusal.value))
    assert not COMMAND_WORDING.search(said) and "«Vẫn dùng bản thu cũ»" in said, said
    gone = studio.client.post(f"{upload}/remove", data={"csrf": studio.token(page)})
    assert "Đã bỏ bản thu của Trần Văn Bình" in visible(gone.text)
    assert not (folder / "recordings" / MONTH / f"{SEGMENT}.json").exists()
