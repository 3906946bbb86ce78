"""Everything the package ships reads right: no words said twice in a row, nothing unread.

The sweep composes every packaged topic (with each procedure in turn) through the segment
templates and the sample month, normalizes every sentence as it would be synthesized, and
also reads every text field of every topic and procedure file on its own.
"""
from pathlib import Path

import pytest
import yaml

from radio.compose import Estimator, compose
from radio.library import PACKAGE_TEMPLATES, all_procedures, all_topics
from radio.pipeline import load_station, sample_station_dir
from radio.speech.normalize import Normalizer, repeated_phrases, unread_symbols
from radio.speech.synthesize import split_sentences

SAMPLE = sample_station_dir()
NORMALIZER = Normalizer()


def problems(where: str, text: str) -> list[str]:
    found = []
    for sentence, _ in split_sentences(text, 10_000):
        spoken = NORMALIZER(sentence)
        for phrase in repeated_phrases(spoken.text):
            found.append(f"{where}: «{phrase} {phrase}» in «{spoken.text}»")
        for symbol in unread_symbols(spoken.text):
            found.append(f"{where}: «{symbol}» left unread in «{spoken.text}»")
        for token in spoken.unknown:
            found.append(f"{where}: «{token}» spelled letter by letter in «{spoken.text}»")
    return found


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.fixture(scope="module")
def estimator():
    return Estimator(load_station(SAMPLE), SAMPLE)


@pytest.mark.parametrize("topic", [t.id for t in all_topics(None)])
def test_every_composed_topic_reads_without_repeats_or_symbols(tmp_path, estimator, topic):
    procedures = [p.id for p in all_procedures(None)]
    brief = yaml.safe_load((SAMPLE / "months" / "2026-12.yaml").read_text(encoding="utf-8"))
    index = [t.id for t in all_topics(None)].index(topic)
    brief.update(topic=topic, procedure=procedures[index % len(procedures)])
    path = tmp_path / "months" / "2026-12.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(brief, allow_unicode=True), encoding="utf-8")
    script = compose(load_station(SAMPLE), SAMPLE, path, estimator=estimator, allow_length=True).script
    found = [p for segment in script.segments for p in problems(segment.id, segment.text)]
    assert found == []


@pytest.mark.parametrize("path", sorted((PACKAGE_TEMPLATES / "topics").glob("*.yaml"))
                         + sorted((PACKAGE_TEMPLATES / "procedures").glob("*.yaml")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_text_of_every_content_file_reads_right(path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    spoken_fields = {k: v for k, v in data.items() if k not in ("id", "covers", "sources", "checked")}
    found = [p for text in strings(spoken_fields) for p in problems(path.name, text)]
    assert found == []


def test_the_sweep_catches_what_it_is_for():
    """The sweep is only worth running if it can fail: plant each kind of problem."""
    assert problems("x", "Về thời hạn: Thời hạn giải quyết là ba ngày.")
    assert problems("x", "Nộp tại quầy số 3 <b>.")
    assert problems("x", "Hỏi QXZT.")
    assert not problems("x", "Cơ chế một cửa, một cửa liên thông.")
