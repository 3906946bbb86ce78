"""The packaged library itself, as the content writers left it: written for the ear, dated
per item, three papers and one number per procedure, every plan item and frequent procedure
area covered; the demo programme's spoken form in short sentences."""
import re
from statistics import median

from radio.ear import LONGEST_WORDS, spoken_sentences
from radio.library import all_procedures, all_topics, library_problems, load_plan_items
from radio.pipeline import compose_month, load_station
from radio.speech.normalize import station_normalizer
from tests.fixtures import make_station


# -- written for the ear ----------------------------------------------------------------------

def test_the_packaged_library_is_written_for_the_ear_and_dated():
    assert library_problems() == []


def test_every_procedure_names_at_most_three_papers_and_one_thing_to_remember():
    for procedure in all_procedures(None):
        assert len(procedure.papers) <= 3 and procedure.remember, procedure.id


def test_the_demo_programme_is_short_sentences(tmp_path):
    folder = make_station(tmp_path, segments=())
    composition, _ = compose_month(folder, "2026-12", allow_length=True)
    normalizer = station_normalizer(load_station(folder), folder)
    sentences = [s for segment in composition.script.segments for s in spoken_sentences(segment.text, normalizer)]
    longest = max(sentences, key=lambda s: s.words)
    assert longest.words <= LONGEST_WORDS, longest.written
    assert median(s.words for s in sentences) < 20


def test_the_procedure_repeats_its_one_number_at_the_end(tmp_path):
    folder = make_station(tmp_path, segments=())
    composition, _ = compose_month(folder, "2026-12", allow_length=True)
    text = next(s.text for s in composition.script.segments if s.kind == "procedure")
    last = text.strip().splitlines()[-1]
    assert last.startswith("Xin nhắc lại:") and re.search(r"\d", last)


# -- coverage of the plans ---------------------------------------------------------------------

def test_every_plan_item_has_a_topic_and_every_frequent_area_a_procedure():
    items, _ = load_plan_items(None)
    covered = {item for topic in all_topics(None) for item in topic.covers}
    assert [item.id for item in items if item.id not in covered] == []
    text = " ".join(f"{p.id} {p.title}".lower() for p in all_procedures(None))
    for area in ("đất", "xây dựng", "kinh doanh", "khai sinh", "trú", "chứng thực", "trợ cấp",
                 "vi phạm", "khiếu nại"):
        assert area in text, area
