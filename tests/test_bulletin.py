"""Bulletins (issue 32): made from a typed notice or a recording, bound to their approval,
queued by their level (normal, priority, emergency)."""
from datetime import datetime, timedelta

import pytest

from radio.approval import ApprovalError, require_airable
from radio.audio.ffmpeg import decode
from radio.bulletin import BulletinError, approve_bulletin, new_bulletin, read_bulletin
from radio.config import load_model
from radio.models import Station
from radio.pipeline import sample_station_dir
from radio.schedule import EMERGENCY_SLOT, add_airing, queued, station_zone
from radio.store import Store
from tests.conftest import ebur128, run_cli
from tests.fixtures import make_station

MONTH = "2026-12"
ZONE = station_zone(load_model(sample_station_dir() / "station.yaml", Station))
NOW = datetime(2026, 12, 2, 7, 0, tzinfo=ZONE)
NOTICE = ("Thông báo khẩn: bão số 3 đổ bộ vào khoảng 17h ngày 05/12/2026. Đề nghị bà con ở trong nhà, "
          "chằng chống nhà cửa, không ra đồng. Mọi thông tin liên hệ 0912 345 678.")


@pytest.fixture
def station(tmp_path):
    return make_station(tmp_path, produced=True, approved=True, first_sentence=True)


def with_settings(station, text):
    path = station / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def month_airing(station, planned):
    """The month's programme queued by hand at ``planned`` (16.7 s long)."""
    add_airing(station, MONTH, planned.replace(tzinfo=None), now=NOW, force=True)
    [airing] = [a for a in queued(Store(station)) if a.planned_at == planned]
    return airing


def bulletin(station, level, **options):
    options.setdefault("text", NOTICE)
    return new_bulletin(station, level=level, now=NOW, **options)


def test_a_typed_notice_is_read_after_the_attention_tone_and_mastered(station):
    made = bulletin(station, "uu-tien", issued_by="Lê Văn An")
    assert made.mp3.exists() and read_bulletin(made.files).level == "uu-tien"
    rate = 22050
    samples = decode(made.mp3, rate)[:, 0]
    head = samples[: int(1.3 * rate)]
    spectrum = abs(__import__("numpy").fft.rfft(head))
    peak_hz = spectrum.argmax() * rate / head.size
    assert 700 < peak_hz < 1400  # the tone's notes (G5, C6, E6), not speech, open it
    loudness = ebur128(made.mp3)
    assert abs(loudness.integrated_lufs - (-16)) < 1.0 and loudness.true_peak_dbtp <= -1.0
    assert made.duration_s > 8  # three sentences read
    shown = run_cli("bulletin", "show", made.files.id, "-s", str(station))
    assert "Bản tin ưu tiên" in shown.stdout and "chờ duyệt" in shown.stdout
    # What the leader hears is said too: the normalized words (the hotline read digit by digit).
    assert "không chín một hai, ba bốn năm, sáu bảy tám" in " ".join(shown.stdout.split())


def test_the_approval_binds_the_words_and_the_audio(station):
    made = bulletin(station, "thuong", at="08:00")
    with pytest.raises(ApprovalError):
        require_airable(made.files, Store(station))
    result = run_cli("bulletin", "approve", made.files.id, "--by", "Trần Văn Bình", "--role", "Chủ tịch UBND xã",
                     "-s", str(station))
    assert result.returncode == 0, result.stderr
    assert require_airable(made.files, Store(station)).audio_sha256
    path = made.files.script
    path.write_text(path.read_text(encoding="utf-8").replace("bão số 3", "bão số 4"), encoding="utf-8")
    with pytest.raises(ApprovalError, match="đã thay đổi sau khi duyệt"):
        require_airable(made.files, Store(station))
    listed = run_cli("bulletin", "list", "-s", str(station), env={"COLUMNS": "200"})
    assert "đã thay đổi sau khi duyệt" in listed.stdout


def test_a_normal_bulletin_takes_the_next_free_place_after_a_programme(station):
    programme = month_airing(station, NOW + timedelta(hours=1))
    made = bulletin(station, "thuong", at="08:00", repeat=2, every_min=30)
    approve_bulletin(station, made.files.id, "Trần Văn Bình", "Chủ tịch", now=NOW)
    first, second = queued(Store(station), programme=made.files.key)
    assert first.planned_at == programme.ends_at + timedelta(seconds=5)  # the station's gap
    assert second.planned_at == NOW + timedelta(hours=1, minutes=30)
    assert queued(Store(station), programme=MONTH)[0].planned_at == programme.planned_at  # nothing moved


def test_a_priority_bulletin_goes_before_the_next_programme_item_which_moves_later(station):
    programme = month_airing(station, NOW + timedelta(hours=1, seconds=5))
    made = bulletin(station, "uu-tien", at="08:00")
    event = approve_bulletin(station, made.files.id, "Trần Văn Bình", "Chủ tịch", now=NOW)
    assert event.action == "approve"
    [mine] = queued(Store(station), programme=made.files.key)
    [moved] = queued(Store(station), programme=MONTH)
    assert mine.planned_at == NOW + timedelta(hours=1)
    assert moved.planned_at == mine.ends_at + timedelta(seconds=5) and moved.planned_at > programme.planned_at
    assert "phát trước" in moved.note


def test_a_priority_bulletin_waits_for_the_item_on_air(station):
    programme = month_airing(station, NOW + timedelta(hours=1))
    made = bulletin(station, "uu-tien", at="08:00")
    approve_bulletin(station, made.files.id, "Trần Văn Bình", "Chủ tịch", now=NOW + timedelta(minutes=59, seconds=58))
    [mine] = queued(Store(station), programme=made.files.key)
    assert mine.planned_at == programme.ends_at + timedelta(seconds=5)


def test_an_emergency_goes_at_once_over_what_plays(station):
    playing = month_airing(station, NOW + timedelta(hours=1))
    made = bulletin(station, "khan-cap")
    moment = playing.planned_at + timedelta(seconds=4)
    approve_bulletin(station, made.files.id, "Trần Văn Bình", "Chủ tịch", now=moment)
    [mine] = queued(Store(station), programme=made.files.key)
    assert mine.planned_at == moment and mine.slot_id == EMERGENCY_SLOT
    assert queued(Store(station), programme=MONTH)[0].planned_at == playing.planned_at  # to be pre-empted


def test_approving_again_does_not_queue_twice(station):
    made = bulletin(station, "thuong", at="09:00", repeat=3, every_min=10)
    approve_bulletin(station, made.files.id, "Trần Văn Bình", "Chủ tịch", now=NOW)
    approve_bulletin(station, made.files.id, "Trần Văn Bình", "Chủ tịch", now=NOW)
    times = [a.planned_at for a in queued(Store(station), programme=made.files.key)]
    assert times == [NOW + timedelta(hours=2, minutes=m) for m in (0, 10, 20)]


def test_one_step_emergency_needs_the_stations_leave_and_records_both_events(station):
    refused = run_cli("bulletin", "new", "--text", NOTICE, "--level", "khan-cap", "--approve",
                      "--by", "Trần Văn Bình", "--role", "Chủ tịch UBND xã", "-s", str(station))
    assert refused.returncode == 1 and "chưa cho phép lãnh đạo" in refused.stderr
    assert not (station / "bulletins").exists() or not any((station / "bulletins").iterdir())
    with_settings(station, "bulletins:\n  leader_issues_emergency: true\n")
    done = run_cli("bulletin", "new", "--text", NOTICE, "--level", "khan-cap", "--approve",
                   "--by", "Trần Văn Bình", "--role", "Chủ tịch UBND xã", "-s", str(station))
    assert done.returncode == 0, done.stderr
    [folder] = (station / "bulletins").iterdir()
    events = Store(station).review_events(f"bulletin:{folder.name}")
    assert [(e.action, e.by_name) for e in events] == [("produce", "Trần Văn Bình"), ("approve", "Trần Văn Bình")]
    assert events[0].audio_sha256 == events[1].audio_sha256
    [airing] = queued(Store(station), programme=f"bulletin:{folder.name}")
    assert airing.slot_id == EMERGENCY_SLOT


def test_a_recorded_bulletin_is_cleaned_and_bound_to_the_recording(station, tmp_path):
    import numpy as np

    from radio.audio.export import write_mp3

    rate = 22050
    t = np.arange(4 * rate) / rate
    voice = (0.2 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2).astype(np.float32)
    source = tmp_path / "doc-thong-bao.mp3"
    write_mp3(voice, rate, source, 64)
    made = new_bulletin(station, level="thuong", recording=source, title="Thông báo họp dân", now=NOW)
    spec = read_bulletin(made.files)
    assert spec.text is None and spec.recording_sha256 and spec.title == "Thông báo họp dân"
    assert 5 < made.duration_s < 9  # tone, pause, the four seconds, the tail


@pytest.mark.parametrize("args, said", [
    (["--level", "rat-gap"], "Không có mức bản tin 'rat-gap'"),
    (["--at", "25:99"], "Không hiểu thời điểm phát '25:99'"),
    (["--at", "07:00 01/01/2020"], "đã qua"),
    (["--repeat", "3"], "cần khoảng cách giữa các lần"),
    (["--audio", "khong-co.m4a"], "Không tìm thấy tệp ghi âm khong-co.m4a"),
])
def test_bad_input_is_said_in_vietnamese(station, args, said):
    text = [] if "--audio" in args else ["--text", NOTICE]
    result = run_cli("bulletin", "new", *text, *args, "-s", str(station))
    assert result.returncode == 1 and said in result.stderr and "Traceback" not in result.stderr
    assert not (station / "bulletins").exists() or not any((station / "bulletins").iterdir())  # nothing half-made


def test_a_bad_bulletin_yaml_is_named_by_file_and_line(station):
    made = bulletin(station, "thuong")
    path = made.files.script
    path.write_text(path.read_text(encoding="utf-8").replace("level: thuong", "level: rat-gap"), encoding="utf-8")
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "rat-gap" in text)
    result = run_cli("bulletin", "show", made.files.id, "-s", str(station))
    assert result.returncode == 1
    assert f"bulletin.yaml:{line}" in result.stderr or f"dòng {line}" in result.stderr, result.stderr
    missing = run_cli("bulletin", "show", "khong-co", "-s", str(station))
    assert missing.returncode == 1 and "Không có bản tin 'khong-co'" in missing.stderr


def test_a_rejected_bulletin_leaves_the_queue_and_cannot_air(station):
    made = bulletin(station, "thuong", at="09:00", repeat=3, every_min=10)
    approve_bulletin(station, made.files.id, "Trần Văn Bình", "Chủ tịch", now=NOW)
    assert len(queued(Store(station), programme=made.files.key)) == 3
    result = run_cli("bulletin", "reject", made.files.id, "--by", "Trần Văn Bình", "--reason", "Đã có thông báo mới",
                     "-s", str(station))
    assert result.returncode == 0, result.stderr
    assert "đã gỡ 3 lượt phát" in " ".join(result.stdout.split())
    assert queued(Store(station), programme=made.files.key) == []
    with pytest.raises(ApprovalError, match="bị trả lại"):
        require_airable(made.files, Store(station))
