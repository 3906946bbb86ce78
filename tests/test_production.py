"""Producing a script: the clip cache, and nothing made is lost or half-written."""
import json

import pytest

from radio.errors import OutputError, SpeechError
from radio.models import Script, Segment
from radio.pipeline import load_station, produce, sample_station_dir
from radio.speech.engines.dummy import DummyEngine
from tests.fixtures import disk_full_when_replacing


@pytest.fixture(scope="module")
def station():
    return load_station(sample_station_dir())


def short_script(closing="Cảm ơn bà con đã lắng nghe. Hẹn gặp lại."):
    return Script(station="an-lac", month="2026-12", title="Thử nghiệm", segments=[
        Segment(id="01-opening", kind="opening", title="Mở đầu", voice="nu",
                text="Đây là Đài Truyền thanh xã An Lạc. Kính thưa bà con nhân dân trong xã."),
        Segment(id="02-closing", kind="closing", title="Kết thúc", voice="nu2", text=closing),
    ])


def manifest_of(production):
    return json.loads(production.manifest_path.read_text(encoding="utf-8"))


def test_second_production_synthesizes_nothing_and_an_edit_only_its_sentence(tmp_path, station):
    first = produce(station, short_script(), tmp_path)
    assert manifest_of(first)["clips"] == {"synthesized": 4, "reused": 0}
    again = produce(station, short_script(), tmp_path)
    assert manifest_of(again)["clips"] == {"synthesized": 0, "reused": 4}
    edited = produce(station, short_script("Cảm ơn bà con đã chú ý lắng nghe. Hẹn gặp lại."), tmp_path)
    assert manifest_of(edited)["clips"] == {"synthesized": 1, "reused": 3}


def test_unchanged_script_keeps_the_very_same_programme_file(tmp_path, station):
    first = produce(station, short_script(), tmp_path)
    made = first.mp3.stat().st_mtime_ns, first.mp3.read_bytes()
    again = produce(station, short_script(), tmp_path)
    assert manifest_of(again)["output_reused"] is True
    assert (again.mp3.stat().st_mtime_ns, again.mp3.read_bytes()) == made
    assert manifest_of(again)["production_key"] == manifest_of(first)["production_key"]


def test_unchanged_programme_is_kept_without_reading_a_sentence_again(tmp_path, station, monkeypatch):
    first = produce(station, short_script(), tmp_path)
    made = first.mp3.read_bytes()

    def no_reading(self, text):
        raise AssertionError("an unchanged programme must not be normalized again")

    monkeypatch.setattr("radio.speech.normalize.Normalizer.__call__", no_reading)
    again = produce(station, short_script(), tmp_path)
    assert again.mp3.read_bytes() == made
    assert manifest_of(again)["clips"] == {"synthesized": 0, "reused": 4}


def test_a_station_lexicon_edit_makes_the_programme_again(tmp_path, station):
    folder = tmp_path / "station"
    folder.mkdir()
    script = short_script("Liên hệ bộ phận TTHC của xã.")
    first = produce(station, script, tmp_path, station_dir=folder).mp3.read_bytes()
    (folder / "lexicon.yaml").write_text(
        "abbreviations:\n  TTHC: thủ tục hành chính công\n", encoding="utf-8")
    again = produce(station, script, tmp_path, station_dir=folder)
    assert manifest_of(again)["output_reused"] is False
    assert manifest_of(again)["clips"]["synthesized"] == 1
    assert again.mp3.read_bytes() != first


def test_a_tampered_programme_file_is_made_again(tmp_path, station):
    first = produce(station, short_script(), tmp_path)
    good = first.mp3.read_bytes()
    first.mp3.write_bytes(good[: len(good) // 2])
    again = produce(station, short_script(), tmp_path)
    assert manifest_of(again)["output_reused"] is False
    assert again.mp3.read_bytes() == good  # mastering is deterministic


def test_changed_audio_settings_make_the_programme_again(tmp_path, station):
    produce(station, short_script(), tmp_path)
    louder = station.model_copy(update={"audio": station.audio.model_copy(update={"target_lufs": -14.0})})
    again = produce(louder, short_script(), tmp_path)
    assert manifest_of(again)["output_reused"] is False
    assert manifest_of(again)["audio"]["integrated_lufs"] == pytest.approx(-14, abs=0.5)


def test_corrupt_cached_clip_is_synthesized_again(tmp_path, station):
    produce(station, short_script(), tmp_path)
    clips = sorted((tmp_path / "an-lac" / ".cache" / "clips").rglob("*.wav"))
    clips[0].write_bytes(b"RIFF garbage")
    again = produce(station, short_script(), tmp_path)  # the intact programme is kept as is
    assert manifest_of(again)["clips"] == {"synthesized": 0, "reused": 4}
    again.mp3.unlink()  # now it must be mixed again, from the clips
    remade = produce(station, short_script(), tmp_path)
    assert manifest_of(remade)["clips"] == {"synthesized": 1, "reused": 3}


def test_failed_production_keeps_the_previous_programme(tmp_path, station, monkeypatch):
    done = produce(station, short_script(), tmp_path)
    before = done.mp3.read_bytes(), done.manifest_path.read_bytes()

    def broken(self, text, voice, speed):
        raise SpeechError("Bộ đọc gặp sự cố.")

    monkeypatch.setattr("radio.speech.engines.offline.OfflineEngine.synthesize", broken)
    with pytest.raises(SpeechError):
        produce(station, short_script("Một câu hoàn toàn mới."), tmp_path)
    assert (done.mp3.read_bytes(), done.manifest_path.read_bytes()) == before
    leftovers = [p.name for p in done.mp3.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_full_disk_is_reported_in_vietnamese_and_leaves_no_partial_file(tmp_path, station, monkeypatch):
    done = produce(station, short_script(), tmp_path)
    before = done.manifest_path.read_bytes()
    disk_full_when_replacing(monkeypatch, "manifest.json")
    with pytest.raises(OutputError) as caught:
        produce(station, short_script(), tmp_path)
    assert "ổ đĩa đã đầy" in str(caught.value)
    assert done.manifest_path.read_bytes() == before
    assert not [p for p in done.manifest_path.parent.iterdir() if p.name.startswith(".manifest")]


def test_a_full_disk_while_caching_clips_stops_production_with_its_reason(tmp_path, station, monkeypatch):
    """Clips are written to the cache beside the speaking, not by it: a write that fails
    still stops production, says why in Vietnamese, and leaves no programme behind."""
    disk_full_when_replacing(monkeypatch, ".wav")
    with pytest.raises(OutputError) as caught:
        produce(station, short_script("Một câu chưa từng đọc."), tmp_path)
    assert "ổ đĩa đã đầy" in str(caught.value)
    assert ".wav" in str(caught.value)
    assert not list(tmp_path.rglob("programme.mp3"))


def test_engine_override_uses_the_dummy_engine(tmp_path, station):
    done = produce(station, short_script(), tmp_path, engine_override="dummy")
    manifest = manifest_of(done)
    assert manifest["engine"]["name"] == "dummy"
    # The sample station's voices do not exist in the dummy engine; the announcers still differ.
    assert sorted(manifest["engine"]["used"]) == ["dummy:high", "dummy:low"]
    speech = [s["speech"] for s in manifest["segments"] if s["speech"]]
    assert speech and all(s["engine"] == "dummy" and not s["fallback_from"] for s in speech)
    assert manifest["audio"]["integrated_lufs"] == pytest.approx(-16, abs=0.5)
    assert DummyEngine().version() == "dummy-1"


def test_a_short_programme_is_produced_with_a_length_warning(tmp_path, station):
    done = produce(station, short_script(), tmp_path)
    assert len(done.warnings) == 1
    assert "ngoài khoảng 10–15 phút" in done.warnings[0]
