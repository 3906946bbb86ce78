"""Bad input gets a Vietnamese message naming the file and line, and a non-zero exit."""
import pytest

from tests.conftest import run_cli
from tests.fixtures import make_station


@pytest.fixture
def station(tmp_path):
    return make_station(tmp_path, segments=())


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
    folder = make_station(tmp_path, segments=(), name="xa")
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


# -- hardened inputs (issue 17, first part) -------------------------------------------------

def test_decomposed_unicode_is_composed_at_the_edge(tmp_path):
    import unicodedata

    from radio.config import read_yaml
    path = tmp_path / "brief.yaml"
    path.write_text(unicodedata.normalize("NFD", "title: Người dân được hỗ trợ\n"), encoding="utf-8")
    data, _ = read_yaml(path)
    assert data["title"] == unicodedata.normalize("NFC", "Người dân được hỗ trợ")


@pytest.mark.parametrize("text, words", [
    ("a: " + "[" * 20000 + "]" * 20000 + "\n", "lồng nhau quá sâu"),
    ("a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
     "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", "tham chiếu"),
    ("month: 2027-01\ntopic: a\nmonth: 2027-02\n", "dòng 1 và dòng 3"),
])
def test_hostile_yaml_is_refused_with_a_message(tmp_path, text, words):
    import time

    from radio.config import read_yaml
    from radio.errors import ConfigError
    path = tmp_path / "brief.yaml"
    path.write_text(text, encoding="utf-8")
    began = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        read_yaml(path)
    assert words in caught.value.message and str(path) in caught.value.message
    assert time.monotonic() - began < 10  # an alias bomb does not hang the tool


def test_a_month_argument_cannot_leave_the_station_folder(tmp_path):
    station = make_station(tmp_path, segments=())
    result = run_cli("compose", "../../esc/2026-12", "--station", str(station))
    assert result.returncode == 1 and "Tháng '../../esc/2026-12' không hợp lệ" in result.stderr
    assert not list(tmp_path.parent.glob("esc*")) and not list(tmp_path.glob("esc*"))
    for bad in ("2026-13", "1999-12", "2026-1"):
        assert run_cli("status", bad, "--station", str(station)).returncode == 1


def test_station_templates_render_in_a_sandbox(tmp_path):
    from radio.pipeline import compose_month
    station = make_station(tmp_path, segments=())
    own = station / "templates" / "segments"
    own.mkdir(parents=True)
    marker = tmp_path / "pwned"
    (own / "opening.j2").write_text(
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}", encoding="utf-8")
    from radio.errors import TemplateError
    with pytest.raises(TemplateError) as caught:
        compose_month(station, "2026-12")
    assert "không được phép" in caught.value.message
    assert not marker.exists()


def test_review_names_an_unknown_voice_in_the_script(tmp_path):
    station = make_station(tmp_path, segments=None)  # the whole programme, composed
    script = station / "scripts" / "2026-12.yaml"
    script.write_text(script.read_text(encoding="utf-8").replace("voice: nu2", "voice: nam"), encoding="utf-8")
    result = run_cli("review", "2026-12", "--station", str(station))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "scripts/2026-12.yaml" in result.stderr and "nam" in result.stderr


def test_a_hand_edited_time_without_offset_does_not_break_the_report():
    from radio.clock import parsed, shown
    assert shown("2026-12-01T05:30:00") == "01/12/2026 05:30"
    assert (parsed("2026-12-01T05:42:00") - parsed("2026-11-30T22:30:00+00:00")).total_seconds() == 720


def test_emoji_are_dropped_from_speech_and_named_by_the_lint():
    from radio.speech.normalize import Normalizer
    spoken = Normalizer()("Chúc bà con năm mới vui vẻ 🎉👍 nhé")
    assert spoken.text == "Chúc bà con năm mới vui vẻ nhé" and spoken.dropped == ("🎉👍",)


def test_a_kit_file_named_in_decomposed_unicode_is_found(tmp_path):
    import unicodedata

    from radio.fileio import on_disk
    saved = tmp_path / unicodedata.normalize("NFD", "nhạc hiệu.wav")
    saved.write_bytes(b"RIFF")
    assert on_disk(tmp_path / unicodedata.normalize("NFC", "nhạc hiệu.wav")) == saved


def test_commands_outside_a_station_folder_say_so_and_create_nothing(tmp_path):
    for args in (["status"], ["log", "--month", "2026-12"], ["player", "status"], ["history", "2026-12"]):
        result = run_cli(*args, "--station", str(tmp_path / "nham-thu-muc"))
        assert result.returncode == 1, args
        assert "không phải thư mục của một đài" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("radio.db"))


def test_a_brief_for_another_month_than_its_file_is_refused(tmp_path):
    station = make_station(tmp_path, segments=())
    brief = station / "months" / "2026-12.yaml"
    brief.rename(station / "months" / "2027-01.yaml")
    result = run_cli("compose", "2027-01", "--station", str(station))
    assert result.returncode == 1 and "khác tên tệp" in result.stderr and "dòng 2" in result.stderr


def test_blank_names_and_negative_numbers_are_refused(tmp_path):
    station = make_station(tmp_path, segments=())
    result = run_cli("approve", "2026-12", "--by", "  ", "--role", "Chủ tịch", "--station", str(station))
    assert result.returncode == 1 and "Không được để trống" in result.stderr
    result = run_cli("cache", "prune", "--older-than", "-1", "--station", str(station))
    assert result.returncode == 1 and "không được âm" in result.stderr
