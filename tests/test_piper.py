"""The Piper engine through the real ``piper`` package and onnxruntime.

The voice model is a tiny ONNX graph the test builds with the ``onnx`` package. It has a real
Piper voice's inputs (phoneme ids, their count, the noise/length/noise-w scales) and output,
and "speaks" a 220 Hz tone of 256 samples per phoneme id times the length scale, so the test
can check what Piper's phonemizer and the engine passed to it.
"""
import json

import numpy as np
import pytest
from onnx import TensorProto, helper, save_model

from radio.errors import SpeechError
from radio.models import PiperSettings, PiperVoiceFile, Script, Segment, SpeechSettings
from radio.pipeline import load_station, produce, sample_station_dir
from radio.speech.engines.piper import PiperEngine

RATE = 22050
HOP = 256
TONE_HZ = 220.0


def build_voice(folder, name="tiny"):
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    const = lambda n, v: helper.make_node(  # noqa: E731
        "Constant", [], [n], value=helper.make_tensor(n, TensorProto.FLOAT, [], [v]))
    nodes = [
        helper.make_node("Shape", ["input"], ["shape"]),
        helper.make_node("Constant", [], ["one"],
                         value=helper.make_tensor("one", TensorProto.INT64, [], [1])),
        helper.make_node("Gather", ["shape", "one"], ["n"], axis=0),
        helper.make_node("Cast", ["n"], ["n_f"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["scales", "one"], ["length_scale"], axis=0),
        const("hop", float(HOP)), const("zero", 0.0), const("step", 1.0),
        const("omega", 2 * np.pi * TONE_HZ / RATE), const("level", 0.5),
        helper.make_node("Mul", ["n_f", "hop"], ["frames"]),
        helper.make_node("Mul", ["frames", "length_scale"], ["length"]),
        helper.make_node("Floor", ["length"], ["limit"]),
        helper.make_node("Range", ["zero", "limit", "step"], ["t"]),
        helper.make_node("Mul", ["t", "omega"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Mul", ["wave", "level"], ["quiet"]),
        helper.make_node("Constant", [], ["out_shape"],
                         value=helper.make_tensor("out_shape", TensorProto.INT64, [3], [1, 1, -1])),
        helper.make_node("Reshape", ["quiet", "out_shape"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny-piper",
        [helper.make_tensor_value_info("input", TensorProto.INT64, [1, None]),
         helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
         helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, None])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.onnx"
    save_model(model, str(path))
    config = {"audio": {"sample_rate": RATE}, "espeak": {"voice": "vi"},
              "phoneme_type": "espeak", "num_symbols": 256, "num_speakers": 1,
              "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
              "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8}}
    (folder / f"{name}.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    return path


def settings(**voices):
    return SpeechSettings(piper=PiperSettings(voices={
        name: PiperVoiceFile(model=model) for name, model in voices.items()}))


@pytest.fixture
def station_dir(tmp_path):
    build_voice(tmp_path / "voices")
    return tmp_path


def dominant_hz(audio):
    x = np.asarray(audio.get_array_of_samples(), dtype=np.float32)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / audio.frame_rate)[np.argmax(spectrum)])


def test_piper_phonemizes_vietnamese_and_runs_the_model(station_dir):
    engine = PiperEngine(settings(tiny="voices/tiny.onnx"), station_dir)
    assert engine.unavailable_reason() is None
    short = engine.synthesize("xin chào", "tiny", 1.0)
    long = engine.synthesize("xin chào bà con nhân dân trong toàn xã", "tiny", 1.0)
    assert short.frame_rate == RATE and short.channels == 1
    # Whole hops: the model saw a phoneme-id sequence (BOS, pads, phonemes, EOS).
    assert len(short.get_array_of_samples()) % HOP == 0
    assert len(long.get_array_of_samples()) > 2 * len(short.get_array_of_samples())
    assert dominant_hz(long) == pytest.approx(TONE_HZ, abs=3)


def test_speed_is_passed_as_length_scale(station_dir):
    engine = PiperEngine(settings(tiny="voices/tiny.onnx"), station_dir)
    text = "bà con có thể nộp hồ sơ trực tuyến"
    normal = len(engine.synthesize(text, "tiny", 1.0).get_array_of_samples())
    faster = len(engine.synthesize(text, "tiny", 1.25).get_array_of_samples())
    assert faster == pytest.approx(normal / 1.25, rel=0.01)


def test_without_voices_the_engine_says_where_to_get_them(tmp_path):
    reason = PiperEngine(SpeechSettings(), tmp_path).unavailable_reason()
    assert "chưa khai báo giọng" in reason and "rhasspy/piper-voices" in reason


def test_a_missing_voice_file_is_named(tmp_path):
    reason = PiperEngine(settings(vn="voices/vi_VN-vais1000-medium.onnx"), tmp_path).unavailable_reason()
    assert "vi_VN-vais1000-medium.onnx" in reason


def test_a_corrupt_model_is_a_clear_error(station_dir):
    (station_dir / "voices" / "tiny.onnx").write_bytes(b"not a model")
    engine = PiperEngine(settings(tiny="voices/tiny.onnx"), station_dir)
    with pytest.raises(SpeechError) as caught:
        engine.synthesize("xin chào", "tiny", 1.0)
    assert "Không mở được giọng Piper 'tiny'" in str(caught.value)


def test_unknown_voice_lists_the_declared_ones(station_dir):
    engine = PiperEngine(settings(tiny="voices/tiny.onnx"), station_dir)
    with pytest.raises(SpeechError) as caught:
        engine.synthesize("xin chào", "khac", 1.0)
    assert "(có: tiny)" in str(caught.value)


def test_a_replaced_model_changes_the_cache_version(station_dir):
    first = PiperEngine(settings(tiny="voices/tiny.onnx"), station_dir).version()
    model = station_dir / "voices" / "tiny.onnx"
    model.write_bytes(model.read_bytes() + b"\0")
    assert PiperEngine(settings(tiny="voices/tiny.onnx"), station_dir).version() != first


def test_a_station_produces_with_piper_voices(station_dir, tmp_path):
    build_voice(station_dir / "voices", "other")
    station = load_station(sample_station_dir())
    speech = SpeechSettings(piper=PiperSettings(voices={
        "tiny": PiperVoiceFile(model="voices/tiny.onnx"),
        "other": PiperVoiceFile(model="voices/other.onnx")}))
    announcers = [a.model_copy(update={"engine": "piper", "voice": voice})
                  for a, voice in zip(station.announcers, ["tiny", "other"])]
    station = station.model_copy(update={"announcers": announcers, "speech": speech})
    script = Script(station="an-lac", month="2026-12", title="Thử Piper", segments=[
        Segment(id="01-opening", kind="opening", title="Mở đầu", voice=announcers[0].id,
                text="Kính thưa bà con."),
        Segment(id="02-closing", kind="closing", title="Kết thúc", voice=announcers[1].id,
                text="Cảm ơn bà con đã lắng nghe.")])
    done = produce(station, script, tmp_path / "out", station_dir=station_dir)
    manifest = json.loads(done.manifest_path.read_text())
    speech_used = [(s["speech"]["engine"], s["speech"]["voice"])
                   for s in manifest["segments"] if s["speech"]]
    assert speech_used == [("piper", "tiny"), ("piper", "other")]
    assert manifest["audio"]["integrated_lufs"] == pytest.approx(-16, abs=0.5)
