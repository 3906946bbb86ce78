"""manifest.json: declared whole, written only by radio/manifest.py, read by older and newer
versions alike."""
import json

from radio.approval import MonthFiles, approve, require_airable
from radio.manifest import AudioRecord, Manifest, SegmentRecord
from radio.store import Store
from tests.conftest import run_cli
from tests.fixtures import MONTH, make_station


def written(folder):
    return json.loads((MonthFiles(folder, "an-lac", MONTH).manifest).read_text(encoding="utf-8"))


def test_every_key_the_pipeline_writes_is_a_declared_field(tmp_path):
    data = written(make_station(tmp_path, produced=True))
    assert set(data) == set(Manifest.model_fields)
    assert set(data["audio"]) == set(AudioRecord.model_fields)
    assert all(set(segment) == set(SegmentRecord.model_fields) for segment in data["segments"])
    music = [s for s in data["segments"] if s["kind"] in ("intro", "outro")]
    spoken = [s for s in data["segments"] if s["kind"] not in ("intro", "outro")]
    assert music and all(s["speech"] is None for s in music)
    assert spoken and all(s["speech"]["engine"] == "dummy" for s in spoken)
    assert data["clip_files"] and data["input_key"] and data["production_key"]


def test_the_produce_command_shows_the_manifests_figures(tmp_path):
    folder = make_station(tmp_path, produced=True)
    result = run_cli("produce", MONTH, "-s", str(folder), "--engine", "dummy", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    data = written(folder)
    assert data["output_reused"] is True and data["clips"]["synthesized"] == 0
    assert f"Câu đọc mới: 0 · dùng lại từ bộ nhớ đệm: {data['clips']['reused']}" in result.stdout
    lufs = f"{data['audio']['integrated_lufs']:.1f}".replace(".", ",")
    assert f"Âm lượng: {lufs} LUFS" in result.stdout


def test_a_manifest_of_an_older_release_is_approved_and_airs_keeping_what_it_does_not_know(tmp_path):
    folder = make_station(tmp_path, produced=True)
    path = MonthFiles(folder, "an-lac", MONTH).manifest
    data = written(folder)
    older = {key: data[key] for key in ("station", "month", "title", "script_sha256")}
    older["audio"] = {key: data["audio"][key] for key in ("path", "sha256", "audio_sha256", "duration_s")}
    older["segments"] = [{key: s[key] for key in ("id", "kind", "title", "start_s", "duration_s")}
                         for s in data["segments"]]
    older["from_a_newer_release"] = {"relay": "huyện"}
    path.write_text(json.dumps(older, ensure_ascii=False), encoding="utf-8")

    store = Store(folder)
    approve(MonthFiles(folder, "an-lac", MONTH), store, "Nguyễn Văn Bình", "Phó Chủ tịch", None)
    airable = require_airable(MonthFiles(folder, "an-lac", MONTH), store)
    assert airable.manifest.approval.by == "Nguyễn Văn Bình"
    assert airable.manifest.audio.duration_s == data["audio"]["duration_s"]
    for approved in (written(folder), json.loads(airable.mp3.with_suffix(".json").read_text(encoding="utf-8"))):
        assert approved["from_a_newer_release"] == {"relay": "huyện"}
        assert approved["approval"]["by"] == "Nguyễn Văn Bình"
        assert approved["clips"] == {"synthesized": 0, "reused": 0}
