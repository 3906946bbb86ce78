"""The compose-time estimate matches the programme's real timeline (real synthesized speech,
mixed with the real kit). Mastering and encoding keep the length (tests/test_demo.py checks
the MP3 against its manifest), so the timeline is taken from the mix."""
import pytest
import yaml

from radio.audio.kit import load_kit
from radio.audio.mix import mix
from radio.compose import compose
from radio.pipeline import clip_cache, load_station, sample_station_dir
from radio.speech.normalize import Normalizer, load_lexicon
from radio.speech.synthesize import synthesize_script

SAMPLE = sample_station_dir()


@pytest.mark.parametrize("topic", ["vai-tro-cchc", "chi-so-danh-gia", "lien-thong-khai-tu"])
def test_estimate_is_within_ten_percent_of_the_produced_length(tmp_path, topic):
    data = yaml.safe_load((SAMPLE / "months" / "2026-12.yaml").read_text(encoding="utf-8"))
    data.update(month="2027-03", topic=topic)
    brief = tmp_path / "2027-03.yaml"
    brief.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    station = load_station(SAMPLE)
    composition = compose(station, SAMPLE, brief)
    spoken = synthesize_script(composition.script, station, Normalizer(load_lexicon()),
                               clip_cache(tmp_path / "out", station.id), base_dir=SAMPLE)
    kit = load_kit(station.audio.kit, SAMPLE, station.audio.sample_rate)
    mixed = mix(composition.script, spoken, kit, station.audio)
    produced = mixed.samples.size / mixed.sample_rate
    assert 600 <= produced <= 900
    assert abs(composition.estimated_s - produced) <= 0.10 * produced
    for planned, made in zip(composition.script.segments, mixed.segments[1:]):
        assert made.id == planned.id
        assert abs(planned.estimated_s - made.duration_s) <= max(3.0, 0.15 * made.duration_s)
