"""Authoring a year: topic library, yearly plan, month briefs, scripts that fit 10–15 minutes."""
import pytest
import yaml

from radio.compose import Estimator, LengthError, compose
from radio.errors import ConfigError
from radio.library import all_procedures, all_topics, load_plan_items
from radio.pipeline import load_station, sample_station_dir
from radio.plan import coverage, make_plan, propose
from tests.conftest import run_cli
from tests.fixtures import make_station

SAMPLE_BRIEF = sample_station_dir() / "months" / "2026-12.yaml"


@pytest.fixture
def station_dir(tmp_path):
    return make_station(tmp_path, segments=())


@pytest.fixture(scope="module")
def estimator():
    station_dir = sample_station_dir()
    return Estimator(load_station(station_dir), station_dir)


def brief_with(folder, month, **changes):
    data = yaml.safe_load(SAMPLE_BRIEF.read_text(encoding="utf-8"))
    data.update(month=month, **changes)
    path = folder / "months" / f"{month}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_library_has_at_least_fourteen_topics_with_talking_points():
    topics = all_topics(None)
    assert len(topics) >= 14
    for topic in topics:
        assert len(topic.points) >= 3 and topic.lead and topic.covers


@pytest.mark.parametrize("topic", [t.id for t in all_topics(None)])
def test_every_topic_composes_into_ten_to_fifteen_minutes(tmp_path, estimator, topic):
    path = brief_with(tmp_path, "2027-03", topic=topic)
    station_dir = sample_station_dir()
    composition = compose(load_station(station_dir), station_dir, path, estimator=estimator)
    assert 600 <= composition.estimated_s <= 900
    assert sum(s.estimated_s for s in composition.script.segments) < composition.estimated_s


def test_packaged_plan_covers_every_item_in_twelve_months(station_dir):
    plan, rows, path = make_plan(station_dir, 2027)
    assert [m.month for m in plan.months] == [f"2027-{i:02d}" for i in range(1, 13)]
    assert all(row.months for row in rows), [r.item.id for r in rows if not r.months]
    assert len(rows) == len(load_plan_items(None)[0])
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["year"] == 2027


def test_a_district_plan_with_its_own_items_and_topics_is_covered(station_dir):
    (station_dir / "plan.yaml").write_text(
        "items:\n  - id: dat-dai\n    title: Thủ tục đất đai\n"
        "  - id: dich-vu-cong-truc-tuyen\n    title: Dịch vụ công trực tuyến\n", encoding="utf-8")
    topics = station_dir / "templates" / "topics"
    topics.mkdir(parents=True)
    own = yaml.safe_load((sample_station_dir().parent.parent / "templates" / "topics"
                          / "cai-cach-tthc.yaml").read_text(encoding="utf-8"))
    own.update(id="dat-dai", title="Thủ tục đất đai", covers=["dat-dai"])
    (topics / "dat-dai.yaml").write_text(yaml.safe_dump(own, allow_unicode=True), encoding="utf-8")
    plan, rows, _ = make_plan(station_dir, 2027)
    assert {r.item.id: bool(r.months) for r in rows} == {"dat-dai": True, "dich-vu-cong-truc-tuyen": True}
    assert plan.months[0].topic in ("dat-dai", "dich-vu-cong-truc-tuyen")


def test_plan_names_an_item_no_topic_covers(station_dir):
    (station_dir / "plan.yaml").write_text("items:\n  - id: hang-rao\n    title: Hàng rào xanh\n",
                                           encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        make_plan(station_dir, 2027)
    assert "hang-rao (Hàng rào xanh)" in str(caught.value)
    assert not (station_dir / "plans" / "2027.yaml").exists()


def test_plan_rotation_airs_a_different_procedure_each_month_the_linked_groups_among_them():
    items, path = load_plan_items(None)
    plan = propose(2027, items, all_topics(None), all_procedures(None), path)
    aired = [m.procedure for m in plan.months]
    assert len(set(aired)) == 12
    assert {"lien-thong-khai-sinh", "lien-thong-khai-tu"} <= set(aired)
    assert all(row.months for row in coverage(plan, items))


def test_too_short_brief_is_refused_and_nothing_written(station_dir):
    (station_dir / "months" / "2027-02.yaml").write_text(
        "month: 2027-02\ntopic: chinh-phu-so\nprocedure: lien-thong-khai-tu\n", encoding="utf-8")
    result = run_cli("compose", "2027-02", "--station", str(station_dir))
    assert result.returncode == 1
    assert "ngoài khoảng 10–15 phút" in result.stderr and "--fit" in result.stderr
    assert not (station_dir / "scripts" / "2027-02.yaml").exists()
    allowed = run_cli("compose", "2027-02", "--station", str(station_dir), "--allow-length")
    assert allowed.returncode == 0, allowed.stderr
    assert (station_dir / "scripts" / "2027-02.yaml").exists()


def test_fit_adds_evergreen_segments_to_a_short_brief(station_dir, estimator):
    path = station_dir / "months" / "2027-02.yaml"
    path.write_text("month: 2027-02\ntopic: chinh-phu-so\nprocedure: lien-thong-khai-tu\n",
                    encoding="utf-8")
    composition = compose(load_station(station_dir), station_dir, path, fit=True, estimator=estimator)
    assert 600 <= composition.estimated_s <= 900
    assert any(s.kind == "extra" for s in composition.script.segments)
    assert composition.changes and all("thêm đoạn" in c for c in composition.changes)


def test_fit_drops_optional_segments_from_a_long_brief(station_dir, estimator):
    data = yaml.safe_load(SAMPLE_BRIEF.read_text(encoding="utf-8"))
    long_news = data["news"] * 3
    path = brief_with(station_dir, "2027-04", news=long_news, qa=data["qa"] * 2)
    with pytest.raises(LengthError):
        compose(load_station(station_dir), station_dir, path, estimator=estimator)
    composition = compose(load_station(station_dir), station_dir, path, fit=True, estimator=estimator)
    assert composition.estimated_s <= 900
    assert "bỏ đoạn gương điển hình" in composition.changes


def test_brief_can_choose_voices_and_add_segments(station_dir, estimator):
    path = brief_with(station_dir, "2027-05", voices={"news": "nu", "topic": "nu"},
                      extra_segments=[{"title": "Thông báo lịch tiếp công dân", "voice": "nu2",
                                       "text": "Lãnh đạo xã tiếp công dân vào sáng thứ 5 hằng tuần."}])
    script = compose(load_station(station_dir), station_dir, path, estimator=estimator,
                     allow_length=True).script
    by_kind = {s.kind: s for s in script.segments}
    assert by_kind["news"].voice == "nu" and by_kind["topic"].voice == "nu"
    assert by_kind["extra"].voice == "nu2"
    assert "Lãnh đạo xã tiếp công dân" in by_kind["extra"].text


def test_unknown_voice_in_brief_names_the_line(station_dir):
    brief_with(station_dir, "2027-06", voices={"news": "ca-si"})
    result = run_cli("compose", "2027-06", "--station", str(station_dir))
    assert result.returncode == 1
    assert "2027-06.yaml, dòng" in result.stderr and "ca-si" in result.stderr


def test_init_then_new_month_prefills_from_the_plan_and_guards_placeholders(tmp_path):
    folder = tmp_path / "xa-moi"
    assert run_cli("init", str(folder)).returncode == 0
    assert (folder / "station.yaml").exists() and (folder / "HUONG-DAN.txt").exists()
    again = run_cli("init", str(folder))
    assert again.returncode == 1 and "không ghi đè" in again.stderr
    assert run_cli("plan", "2027", "--station", str(folder)).returncode == 0
    early = run_cli("compose", "2027-01", "--station", str(folder))
    assert early.returncode == 1 and "radio new-month 2027-01" in early.stderr
    made = run_cli("new-month", "2027-01", "--station", str(folder))
    assert made.returncode == 0, made.stderr
    brief = yaml.safe_load((folder / "months" / "2027-01.yaml").read_text(encoding="utf-8"))
    plan = yaml.safe_load((folder / "plans" / "2027.yaml").read_text(encoding="utf-8"))
    assert brief["topic"] == plan["months"][0]["topic"]
    composed = run_cli("compose", "2027-01", "--station", str(folder))
    assert composed.returncode == 1 and "nội dung mẫu chưa được thay" in composed.stderr
    # Every leftover is listed at once, each with its line, so one pass fixes them all.
    text = (folder / "months" / "2027-01.yaml").read_text(encoding="utf-8").splitlines()
    from radio.compose import PLACEHOLDERS
    expected = [n for n, line in enumerate(text, start=1)
                if not line.lstrip().startswith("#") and any(p in line for p in PLACEHOLDERS)]
    assert len(expected) > 1
    assert all(f"dòng {n}:" in composed.stderr for n in expected)


def test_hand_edited_script_with_a_broken_edit_names_the_line(station_dir):
    assert run_cli("compose", "2026-12", "--station", str(station_dir)).returncode == 0
    script = station_dir / "scripts" / "2026-12.yaml"
    lines = script.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("  voice:"))
    lines[index] = "  voice: [nu"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("produce", "2026-12", "--station", str(station_dir))
    assert result.returncode == 1
    assert f"{script}, dòng" in result.stderr


def test_compose_reports_unknown_abbreviations(station_dir, estimator):
    data = yaml.safe_load(SAMPLE_BRIEF.read_text(encoding="utf-8"))
    data["news"][0]["text"] += " Tổ QXT Thành Công đã hỗ trợ bà con."
    path = brief_with(station_dir, "2027-07", news=data["news"])
    composition = compose(load_station(station_dir), station_dir, path, estimator=estimator)
    assert any("QXT" in w and "02-news" in w for w in composition.warnings)
