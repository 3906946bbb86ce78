"""Bad input gets a Vietnamese message naming the file and line, and a non-zero exit."""
import shutil

import pytest

from radio.pipeline import sample_station_dir
from tests.conftest import run_cli


@pytest.fixture
def station(tmp_path):
    folder = tmp_path / "an-lac"
    shutil.copytree(sample_station_dir(), folder)
    return folder


def brief(station, month, text):
    path = station / "months" / f"{month}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_broken_yaml_names_file_and_line(station):
    path = brief(station, "2026-11", "month: 2026-11\ntopic: dich-vu-cong-truc-tuyen\nnews: [a\n")
    result = run_cli("compose", "2026-11", "--station", str(station))
    assert result.returncode == 1
    assert f"Tệp {path}, dòng 4: lỗi cú pháp YAML" in result.stderr
    assert "Cách xử lý" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_field_names_the_field_and_line(station):
    brief(station, "2026-11", "month: 2026-11\nprocedure: lien-thong-khai-sinh\n"
                              "news:\n  - title: Tin một\n")
    result = run_cli("compose", "2026-11", "--station", str(station))
    assert result.returncode == 1
    assert "dòng 1: thiếu trường bắt buộc 'topic'" in result.stderr
    assert "dòng 4: thiếu trường bắt buộc 'news.0.text'" in result.stderr


def test_unknown_topic_points_at_its_line_and_lists_known_ones(station):
    brief(station, "2026-11", "month: 2026-11\n\ntopic: khong-co\nprocedure: lien-thong-khai-sinh\n")
    result = run_cli("compose", "2026-11", "--station", str(station))
    assert result.returncode == 1
    assert "dòng 3: không có chủ đề 'khong-co'" in result.stderr
    assert "dich-vu-cong-truc-tuyen" in result.stderr


def test_misspelt_key_is_refused(station):
    text = (station / "station.yaml").read_text(encoding="utf-8").replace("hotline:", "hotlin:")
    (station / "station.yaml").write_text(text, encoding="utf-8")
    result = run_cli("compose", "2026-12", "--station", str(station))
    assert result.returncode == 1
    assert "station.yaml, dòng" in result.stderr
    assert "'hotlin' trường không được phép" in result.stderr


def test_unknown_template_placeholder_names_the_template(station):
    segments = station / "templates" / "segments"
    segments.mkdir(parents=True)
    (segments / "closing.j2").write_text("Tạm biệt {{ station.slogan }}.", encoding="utf-8")
    result = run_cli("compose", "2026-12", "--station", str(station))
    assert result.returncode == 1
    assert "Mẫu đoạn 'closing.j2' cần dữ liệu chưa có" in result.stderr


def test_producing_without_a_script_says_what_to_run(station):
    result = run_cli("produce", "2026-12", "--station", str(station))
    assert result.returncode == 1
    assert "radio compose 2026-12" in result.stderr


def test_station_template_overrides_the_packaged_one(station):
    segments = station / "templates" / "segments"
    segments.mkdir(parents=True)
    (segments / "closing.j2").write_text("Xin chào và hẹn gặp lại {{ station.commune }}.",
                                         encoding="utf-8")
    result = run_cli("compose", "2026-12", "--station", str(station))
    assert result.returncode == 0, result.stderr
    script = (station / "scripts" / "2026-12.yaml").read_text(encoding="utf-8")
    assert "Xin chào và hẹn gặp lại xã An Lạc." in script


def test_missing_station_field_names_it_and_writes_nothing(station):
    lines = (station / "station.yaml").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("hotline:")]
    (station / "station.yaml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = run_cli("compose", "2026-12", "--station", str(station))
    assert result.returncode == 1
    assert "station.yaml, dòng" in result.stderr and "thiếu trường bắt buộc 'hotline'" in result.stderr
    assert not (station / "scripts" / "2026-12.yaml").exists()


def test_timetable_errors_point_at_the_schedule_section(tmp_path):
    folder = tmp_path / "xa"
    shutil.copytree(sample_station_dir(), folder)
    station_yaml = folder / "station.yaml"
    original = station_yaml.read_text(encoding="utf-8")
    line_of_schedule = original.splitlines().index("schedule:") + 1
    station_yaml.write_text(original.replace("    slots: [sang]", "    slots: [khong-co]"), encoding="utf-8")
    result = run_cli("status", "-s", str(folder))
    assert result.returncode == 1
    assert f"dòng {line_of_schedule}" in result.stderr and "'khong-co'" in result.stderr
    station_yaml.write_text(original.replace("  holidays: []", '  holidays: ["2026-13-01"]'), encoding="utf-8")
    result = run_cli("status", "-s", str(folder))
    assert result.returncode == 1 and "NĂM-THÁNG-NGÀY" in result.stderr
