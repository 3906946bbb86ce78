"""The packaged content a commune airs in 2026–2027: sourced, dated, current, not repetitive."""
import re
from datetime import datetime

import pytest
import yaml

from radio.compose import Estimator, compose
from radio.config import load_model
from radio.library import PACKAGE_TEMPLATES, Procedure, Topic, all_procedures, all_topics, load_plan_items
from radio.models import Station
from radio.pipeline import load_station, sample_station_dir
from radio.plan import coverage, procedure_counts, propose
from radio.schedule import rule_dates
from tests.conftest import run_cli

SAMPLE = sample_station_dir()
CONTENT_FILES = ([(Topic, p) for p in sorted((PACKAGE_TEMPLATES / "topics").glob("*.yaml"))]
                 + [(Procedure, p) for p in sorted((PACKAGE_TEMPLATES / "procedures").glob("*.yaml"))])


def test_the_library_is_large_enough_for_a_year_without_repeats():
    assert len(all_topics(None)) >= 22
    assert len(all_procedures(None)) >= 15


@pytest.mark.parametrize("model, path", CONTENT_FILES, ids=lambda v: getattr(v, "stem", ""))
def test_every_content_file_names_its_sources_and_when_it_was_checked(model, path):
    item = load_model(path, model)
    assert item.sources, f"{path.name}: no sources"
    assert all(len(source.title) > 10 for source in item.sources)
    # The day the item was re-read against its sources, not a batch stamp of a month.
    assert item.checked and re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])-\d\d", item.checked)
    numbered = [source for source in item.sources if source.number]
    assert all(source.issued and source.effective for source in numbered), path.name
    if model is Procedure:
        for field in ("purpose", "who", "where", "fee", "time_limit", "basis_spoken", "remember"):
            assert getattr(item, field), f"{path.name}: no {field}"
        # A legal basis is a numbered document.
        assert any(re.search(r"\d+/\d{4}/", s.number) for s in numbered), path.name


def test_no_district_in_the_sample_station_or_what_init_copies(tmp_path):
    raw = yaml.safe_load((SAMPLE / "station.yaml").read_text(encoding="utf-8"))
    assert "district" not in raw
    result = run_cli("init", str(tmp_path / "xa-moi"))
    assert result.returncode == 0, result.stderr
    assert "district" not in yaml.safe_load((tmp_path / "xa-moi" / "station.yaml").read_text(encoding="utf-8"))
    composition = compose(load_station(SAMPLE), SAMPLE, SAMPLE / "months" / "2026-12.yaml")
    assert "huyện" not in composition.script.segments[0].text


@pytest.fixture(scope="module")
def estimator():
    return Estimator(load_station(SAMPLE), SAMPLE)


def composed(tmp_path, estimator, **changes):
    brief = yaml.safe_load((SAMPLE / "months" / "2026-12.yaml").read_text(encoding="utf-8"))
    brief.update(changes)
    path = tmp_path / "months" / "2026-12.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(brief, allow_unicode=True), encoding="utf-8")
    return compose(load_station(SAMPLE), SAMPLE, path, estimator=estimator)


@pytest.mark.parametrize("topic", [t.id for t in all_topics(None)])
def test_no_topic_greets_twice(tmp_path, estimator, topic):
    script = composed(tmp_path, estimator, topic=topic).script
    for segment in script.segments:
        assert segment.text.lower().count("thưa bà con") <= 1, (segment.id, segment.text[:200])


@pytest.mark.parametrize("procedure", [p.id for p in all_procedures(None)])
def test_every_procedure_composes_into_ten_to_fifteen_minutes(tmp_path, estimator, procedure):
    composition = composed(tmp_path, estimator, procedure=procedure)
    assert 600 <= composition.estimated_s <= 900
    guide = next(s for s in composition.script.segments if s.kind == "procedure")
    assert "Thủ tục này thực hiện theo" in guide.text


def test_the_sample_news_is_dated_before_its_first_airing():
    station = load_model(SAMPLE / "station.yaml", Station)
    first = rule_dates(station, "2026-12")[0]
    brief = (SAMPLE / "months" / "2026-12.yaml").read_text(encoding="utf-8")
    dates = [datetime(int(y), int(m), int(d), tzinfo=first.tzinfo)
             for d, m, y in re.findall(r"(?:[Tt]ính đến|đến) ngày (\d{1,2})/(\d{1,2})/(\d{4})", brief)]
    assert dates and all(day < first for day in dates), (dates, first)


def test_sample_job_titles_are_the_offices_of_decree_150():
    text = (SAMPLE / "months" / "2026-12.yaml").read_text(encoding="utf-8")
    text += (SAMPLE / "station.yaml").read_text(encoding="utf-8")
    for old in ("Tư pháp - Hộ tịch", "Lao động - Thương binh và Xã hội", "công chức Văn hóa - Xã hội"):
        assert old not in text


def test_the_year_plan_covers_everything_and_no_procedure_airs_more_than_twice(tmp_path):
    items, path = load_plan_items(None)
    topics, procedures = all_topics(None), all_procedures(None)
    plan = propose(2027, items, topics, procedures, path)
    assert max(procedure_counts(plan).values()) <= 2
    assert all(row.months for row in coverage(plan, items, topics, procedures))
    # Swapping any month's topic for one of its alternatives keeps every item covered.
    swapped_any = False
    for index, month in enumerate(plan.months):
        for alternative in month.alternatives:
            months = list(plan.months)
            months[index] = month.model_copy(update={"topic": alternative})
            swapped = plan.model_copy(update={"months": months})
            assert all(row.months for row in coverage(swapped, items, topics, procedures)), (month, alternative)
            swapped_any = True
    assert swapped_any


def test_radio_plan_prints_coverage_and_procedure_counts(tmp_path):
    station = tmp_path / "xa"
    run_cli("init", str(station))
    result = run_cli("plan", "2027", "--station", str(station))
    assert result.returncode == 0, result.stderr
    items = len(load_plan_items(None)[0])
    assert f"được đề cập: {items}/{items} mục" in result.stdout
    counts = re.search(r"Thủ tục được hướng dẫn: (\d+) thủ tục; nhiều nhất (\d+) lần", result.stdout)
    assert counts and int(counts.group(1)) == 12 and int(counts.group(2)) == 1


def test_the_month_brief_shows_airing_dates_examples_and_the_consent_rule(tmp_path):
    station = tmp_path / "xa"
    run_cli("init", str(station))
    result = run_cli("new-month", "2027-03", "--station", str(station))
    assert result.returncode == 0, result.stderr
    text = (station / "months" / "2027-03.yaml").read_text(encoding="utf-8")
    dates = rule_dates(load_model(station / "station.yaml", Station), "2027-03")
    assert dates and all(f"{d:%H:%M} ngày {d:%d/%m/%Y}" in text for d in dates)
    assert "đã đồng ý được nêu tên" in text
    assert text.count("Ví dụ") >= 5 and "tỷ lệ nộp trực tuyến" in text
