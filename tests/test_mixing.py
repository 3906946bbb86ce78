"""Mixing and mastering for loudspeakers, measured on the produced files.

Loudness and true peak are read by ffmpeg's ebur128 from the MP3 (the gain was set by the
project's own meter); chapters by mutagen; the bed and the high-pass by spectra of the
decoded programme.
"""
import json
import subprocess
import time

import numpy as np
import pytest
from mutagen.id3 import APIC, ID3, TXXX

from radio.audio.ffmpeg import ffmpeg_exe
from radio.errors import AudioError
from radio.models import AudioSettings, BedSettings, KitFiles, Script, Segment
from radio.pipeline import load_station, produce, sample_station_dir
from tests.conftest import decode, ebur128, run_cli
from tests.fixtures import make_station

RATE = 44100


@pytest.fixture(scope="module")
def station():
    return load_station(sample_station_dir())


def script(segment_count=3, sentences=6, stinger=True):
    return Script(station="an-lac", month="2026-12", title="Thử trộn", segments=[
        Segment(id=f"{n:02d}-{kind}", kind=kind, title=f"Đoạn {n}", voice=("nu", "nu2")[n % 2],
                stinger_before=stinger,
                text=" ".join(f"Bà con lưu ý điều thứ {k} của phần {n} này nhé." for k in range(sentences)))
        for n, kind in enumerate(["opening", "topic", "closing"][:segment_count])])


def with_audio(station, **changes):
    return station.model_copy(update={"audio": AudioSettings(**{
        "bed": BedSettings(segments=[]), **changes})})


def manifest_of(production):
    return json.loads(production.manifest_path.read_text(encoding="utf-8"))


def tone_file(path, hz, seconds, rate, channels=1, extra=()):
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={hz}:sample_rate={rate}:duration={seconds}",
                    "-ac", str(channels), *extra, str(path)], check=True)
    return path


@pytest.mark.parametrize("preset,target", [("standard", -16.0), ("ebu-r128", -23.0)])
def test_presets_reach_their_loudness_under_the_true_peak_limit(tmp_path, station, preset, target):
    done = produce(with_audio(station, preset=preset), script(), tmp_path, engine_override="dummy")
    outside = ebur128(done.mp3)
    assert abs(outside.integrated_lufs - target) <= 0.5
    assert outside.true_peak_dbtp <= -1.0
    audio = manifest_of(done)["audio"]
    assert audio["preset"] == preset and audio["target_lufs"] == target
    assert 0 <= audio["loudness_range_lu"] < 20


def band_energy(samples, low, high, rate=RATE):
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    return spectrum[(freqs >= low) & (freqs < high)].sum()


def test_loudspeaker_preset_removes_what_horns_cannot_play(tmp_path, station):
    plain = produce(with_audio(station), script(1), tmp_path / "plain", engine_override="dummy")
    horn = produce(with_audio(station, preset="loudspeaker"), script(1), tmp_path / "horn",
                   engine_override="dummy")
    plain_audio, horn_audio = decode(plain.mp3), decode(horn.mp3)
    # The dummy voices' fundamentals (95–250 Hz) are partly below the 120 Hz corner.
    low_share = lambda x: band_energy(x, 20, 90) / band_energy(x, 300, 4000)  # noqa: E731
    assert low_share(horn_audio) < low_share(plain_audio) / 5  # at least 7 dB less
    assert manifest_of(horn)["audio"]["highpass_hz"] == 120
    assert abs(ebur128(horn.mp3).integrated_lufs + 16) <= 0.5


def test_chapters_are_readable_and_match_the_manifest_and_the_audio(tmp_path, station):
    done = produce(with_audio(station), script(), tmp_path, engine_override="dummy")
    manifest = manifest_of(done)
    tags = ID3(done.mp3)
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == [s["title"] for s in manifest["segments"]]
    for chapter, segment in zip(chapters, manifest["segments"]):
        assert abs(chapter.start_time / 1000 - segment["start_s"]) <= 0.05
    toc = tags.getall("CTOC")[0]
    assert list(toc.child_element_ids) == [c.element_id for c in chapters]
    # Speech really begins where each speech chapter begins.
    samples = decode(done.mp3)
    frame = RATE // 100
    levels = 20 * np.log10(np.sqrt((samples[: samples.size // frame * frame]
                                    .reshape(-1, frame) ** 2).mean(axis=1)) + 1e-9)
    for segment in manifest["segments"]:
        if segment["kind"] in ("intro", "outro"):
            continue
        first = int(segment["start_s"] * 100)
        onset = first + int(np.argmax(levels[first:] > -40))
        assert abs(onset / 100 - segment["start_s"]) <= 0.05, segment["id"]


def test_optional_wav_has_the_same_programme(tmp_path, station):
    done = produce(with_audio(station, wav=True), script(1), tmp_path, engine_override="dummy")
    wav = done.mp3.with_suffix(".wav")
    manifest = manifest_of(done)
    assert manifest["audio"]["wav"]["path"] == "programme.wav"
    assert decode(wav).size / RATE == pytest.approx(manifest["audio"]["duration_s"], abs=0.01)
    assert abs(ebur128(wav).integrated_lufs - ebur128(done.mp3).integrated_lufs) <= 0.6


@pytest.fixture
def odd_kit(tmp_path):
    folder = tmp_path / "station"
    (folder / "kit").mkdir(parents=True)
    tone_file(folder / "kit" / "stinger.wav", 500, 0.8, 8000)
    tone_file(folder / "kit" / "bed.flac", 3000, 6, 48000, channels=2)
    intro = tone_file(folder / "kit" / "intro.mp3", 700, 3, 44100)
    tags = ID3()
    tags.add(APIC(encoding=3, mime="image/png", type=3, desc="junk",
                  data=np.random.default_rng(0).bytes(40000)))
    tags.add(TXXX(encoding=3, desc="\x00weird", text="\ufffe" * 50))
    tags.save(intro)
    return folder


def test_station_kit_files_in_odd_formats_mix_correctly(odd_kit, tmp_path, station):
    audio = AudioSettings(kit=KitFiles(intro="kit/intro.mp3", stinger="kit/stinger.wav",
                                       bed="kit/bed.flac"))
    done = produce(station.model_copy(update={"audio": audio}), script(), tmp_path / "out",
                   station_dir=odd_kit, engine_override="dummy")
    manifest = manifest_of(done)
    assert manifest["segments"][0]["duration_s"] == pytest.approx(3.0, abs=0.05)  # the intro
    assert abs(ebur128(done.mp3).integrated_lufs + 16) <= 0.5
    samples = decode(done.mp3)
    intro = samples[: int(2.5 * RATE)]
    assert band_energy(intro, 650, 750) > 10 * band_energy(intro, 200, 600)


def test_bed_is_ducked_under_speech_and_restored_between_segments(odd_kit, tmp_path, station):
    bed = BedSettings(segments=["opening", "topic"], duck_db=12.0)
    audio = AudioSettings(kit=KitFiles(bed="kit/bed.flac"), bed=bed, segment_gap_s=2.5)
    done = produce(station.model_copy(update={"audio": audio}), script(stinger=False),
                   tmp_path / "out", station_dir=odd_kit, engine_override="dummy")
    segments = {s["id"]: s for s in manifest_of(done)["segments"]}
    assert segments["00-opening"]["bed"] and not segments["02-closing"]["bed"]
    samples = decode(done.mp3)

    def bed_level(t0, t1):
        part = samples[int(t0 * RATE): int(t1 * RATE)]
        # A tone's FFT energy grows with the square of the window length.
        return 10 * np.log10(band_energy(part, 2950, 3050) / part.size ** 2)

    opening, topic = segments["00-opening"], segments["01-topic"]
    under_speech = bed_level(opening["start_s"] + 1, opening["start_s"] + opening["duration_s"] - 1)
    gap_start = opening["start_s"] + opening["duration_s"]
    between = bed_level(gap_start + 1.2, topic["start_s"] - 0.3)
    assert between - under_speech >= 12.0 - 1.0
    # No bed under the closing segment.
    closing = segments["02-closing"]
    assert bed_level(closing["start_s"] + 2, closing["start_s"] + closing["duration_s"]) < under_speech - 20


def test_missing_jingle_names_the_file_and_the_setting(tmp_path, station):
    audio = AudioSettings(kit=KitFiles(intro="kit/khong-co.mp3"))
    with pytest.raises(AudioError) as caught:
        produce(station.model_copy(update={"audio": audio}), script(1), tmp_path / "out",
                station_dir=tmp_path, engine_override="dummy")
    message = str(caught.value)
    assert "khong-co.mp3" in message and "audio.kit.intro" in message and "Cách xử lý" in message


def test_corrupt_jingle_is_a_clear_error_from_the_command_line(tmp_path):
    folder = make_station(tmp_path, segments=None, name="xa")  # composed, before the kit breaks
    (folder / "kit").mkdir()
    (folder / "kit" / "stinger.ogg").write_bytes(b"OggS" + bytes(range(256)) * 20)
    station_yaml = folder / "station.yaml"
    text = station_yaml.read_text(encoding="utf-8")
    station_yaml.write_text(text.replace("audio:\n", "audio:\n  kit:\n    stinger: kit/stinger.ogg\n", 1),
                            encoding="utf-8")
    for command in (["compose", "2026-12"], ["produce", "2026-12", "--engine", "dummy"]):
        result = run_cli(*command, "-s", str(folder))
        assert result.returncode == 1
        assert "stinger.ogg" in result.stderr and "audio.kit.stinger" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (folder / "audio_out" / "an-lac" / "2026-12" / "programme.mp3").exists()


def test_a_very_long_bed_is_refused_after_decoding_only_its_limit(tmp_path):
    """A bed chosen by mistake (here 11 minutes of silence-free noise) is refused with the
    file, the setting and the limit; only the limit is ever decoded."""
    import numpy as np

    from radio.audio.export import write_mp3
    from radio.audio.kit import KIT_MAX_S, load_kit
    from radio.errors import AudioError
    from radio.models import KitFiles
    rate = 8000
    noise = (np.random.default_rng(1).standard_normal(int((KIT_MAX_S["bed"] + 60) * rate)) * 0.1).astype(np.float32)
    write_mp3(noise, rate, tmp_path / "nen.mp3", 64)
    with pytest.raises(AudioError) as caught:
        load_kit(KitFiles(bed="nen.mp3"), tmp_path, 44100)
    assert "nen.mp3" in caught.value.message and "audio.kit.bed" in caught.value.message
    assert f"{KIT_MAX_S['bed']:g} giây" in caught.value.message


def test_a_broken_kit_stops_production_before_the_programme_is_read(tmp_path, station, monkeypatch):
    """The kit is loaded by the mixer's thread while the first sentences are read; when it
    cannot be, production stops at the next segment handed over, not after every sentence
    (the engine reads one sentence at a time, as the offline voice does)."""
    from radio.speech.engines import dummy

    spoken = []
    real = dummy.DummyEngine.synthesize

    def counted(self, *args, **kwargs):
        spoken.append(args[0])
        time.sleep(0.05)  # as long as a real engine takes over a sentence, near enough
        return real(self, *args, **kwargs)

    monkeypatch.setattr(dummy.DummyEngine, "synthesize", counted)
    monkeypatch.setattr(dummy.DummyEngine, "parallel", 1)
    audio = AudioSettings(kit=KitFiles(intro="kit/khong-co.mp3"))
    with pytest.raises(AudioError) as caught:
        produce(station.model_copy(update={"audio": audio}), script(3, sentences=6), tmp_path / "out",
                station_dir=tmp_path, engine_override="dummy")
    assert "khong-co.mp3" in str(caught.value)
    assert len(spoken) < 3 * 6


def test_segments_handed_over_in_any_order_are_mixed_in_script_order(station, tmp_path):
    """Engines that speak several sentences at once finish segments out of order; the mix
    is the same sample for sample."""
    from radio.audio.kit import load_kit
    from radio.audio.mix import Mixer, mix
    from radio.speech.cache import ClipCache
    from radio.speech.normalize import Normalizer, load_lexicon
    from radio.speech.synthesize import synthesize_script

    made = script(3, sentences=3)

    def spoken():  # the mixer lets the clips go once placed; the cache gives them again
        return synthesize_script(made, station, Normalizer(load_lexicon(None)), ClipCache(tmp_path),
                                 engine_override="dummy")

    settings = station.audio
    kit = load_kit(settings.kit, None, settings.sample_rate)
    in_order = mix(made, spoken(), kit, settings)
    mixer = Mixer(made, lambda: kit, settings)
    for segment, voiced in reversed(list(zip(made.segments, spoken().segments))):
        mixer.take(segment.id, voiced)
    shuffled = mixer.finish()
    assert shuffled.segments == in_order.segments
    np.testing.assert_array_equal(shuffled.samples[:], in_order.samples[:])


def test_a_programme_longer_than_the_room_reserved_grows_without_losing_a_sample():
    from radio.audio.blockpcm import BlockPCM

    rng = np.random.default_rng(5)
    first, second = (rng.standard_normal(n).astype(np.float32) * 0.1 for n in (1000, 3000))
    grown = BlockPCM(0, capacity=1024)
    grown.resize(1000)
    grown[0:1000] = first
    grown.resize(4000)
    grown[1000:4000] += second
    expected = np.concatenate([first, second])
    np.testing.assert_allclose(grown[:], expected, atol=np.abs(expected).max() / 30000)
    grown.resize(500)
    grown.resize(600)
    assert not grown[500:600].any()  # what was cut comes back as silence


def test_the_mixer_shows_a_stretch_as_soon_as_it_is_placed_as_it_ends_up_in_the_mix(station, tmp_path):
    """The codec probe measures a stretch while the rest of the programme is still being
    read: the mixer hands it over once the segments reaching into it are placed, before the
    next one arrives, sample for sample as the finished mix has it (no bed here)."""
    from radio.audio.kit import load_kit
    from radio.audio.mix import Mixer
    from radio.speech.cache import ClipCache
    from radio.speech.normalize import Normalizer, load_lexicon
    from radio.speech.synthesize import synthesize_script

    made = script(3, sentences=4)
    settings = with_audio(station).audio
    kit = load_kit(settings.kit, None, settings.sample_rate)
    spoken = synthesize_script(made, station, Normalizer(load_lexicon(None)), ClipCache(tmp_path),
                               engine_override="dummy")
    shown, never = [], []
    mixer = Mixer(made, lambda: kit, settings)
    mixer.watch(4.0, 9.0, shown.append)
    mixer.take(made.segments[0].id, spoken.segments[0])
    deadline = time.monotonic() + 10
    while not shown and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(shown) == 1, "not shown once the first segment was placed"
    for segment, voiced in list(zip(made.segments, spoken.segments))[1:]:
        mixer.take(segment.id, voiced)
    mixed = mixer.finish()
    np.testing.assert_array_equal(shown[0], mixed.samples[4 * RATE:9 * RATE])

    longer_than_it = Mixer(made, lambda: kit, settings)
    longer_than_it.watch(3600.0, 3630.0, never.append)
    for segment, voiced in zip(made.segments, synthesize_script(
            made, station, Normalizer(load_lexicon(None)), ClipCache(tmp_path), engine_override="dummy").segments):
        longer_than_it.take(segment.id, voiced)
    longer_than_it.finish()
    assert never == []


@pytest.mark.parametrize("sentences", [1, 14])
def test_the_codec_is_probed_once_early_or_on_the_middle_of_a_short_programme(tmp_path, station, monkeypatch,
                                                                              sentences):
    """LAME's shift is measured once per production: on 10–40 s of the programme while the
    rest is read when it lasts that long (`CodecProbe`), otherwise on its middle beside the
    compression; either way the file lands on target."""
    from radio.audio import finish

    probed = []
    real = finish.codec_loudness_shift

    def recorded(excerpt, *args):
        probed.append(excerpt.copy())
        return real(excerpt, *args)

    monkeypatch.setattr(finish, "codec_loudness_shift", recorded)
    done = produce(with_audio(station), script(3, sentences=sentences), tmp_path, engine_override="dummy")
    audio = manifest_of(done)["audio"]
    assert len(probed) == 1
    programme = decode(done.mp3, RATE)
    if audio["duration_s"] > finish.CodecProbe.SPAN_S[1]:
        assert probed[0].size == 30 * RATE
    else:
        assert probed[0].size == programme.size  # a short programme is its own middle
    assert abs(ebur128(done.mp3).integrated_lufs - (-16.0)) <= 0.5
