"""The compose-time estimate matches the produced programme (real synthesized audio)."""
import pytest
import yaml

from radio.compose import compose
from radio.pipeline import load_station, produce, sample_station_dir
from tests.conftest import decode

SAMPLE = sample_station_dir()


@pytest.mark.parametrize("topic", ["vai-tro-cchc", "chi-so-danh-gia", "lien-thong-khai-tu"])
def test_estimate_is_within_ten_percent_of_the_produced_length(tmp_path, topic):
    data = yaml.safe_load((SAMPLE / "months" / "2026-12.yaml").read_text(encoding="utf-8"))
    data.update(month="2027-03", topic=topic)
    brief = tmp_path / "2027-03.yaml"
    brief.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    station = load_station(SAMPLE)
    composition = compose(station, SAMPLE, brief)
    production = produce(station, composition.script, tmp_path / "out", station_dir=SAMPLE)
    produced = decode(production.mp3).size / 44100
    assert 600 <= produced <= 900
    assert abs(composition.estimated_s - produced) <= 0.10 * produced
    for planned, made in zip(composition.script.segments, production.manifest["segments"][1:]):
        assert made["id"] == planned.id
        assert abs(planned.estimated_s - made["duration_s"]) <= max(3.0, 0.15 * made["duration_s"])
