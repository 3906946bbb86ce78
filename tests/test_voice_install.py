"""`radio voices install` against a local HTTP server serving a small Piper voice built here.

The server honours HTTP Range like HuggingFace and can cut a connection half-way through a
file, so resuming is tested on a real socket; the installed voice then speaks through the
real Piper engine.
"""
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from radio.errors import SpeechError
from radio.models import PiperSettings, PiperVoiceFile, SpeechSettings
from radio.speech.engines.piper import PiperEngine
from radio.speech.piper_voices import Catalog, install
from tests.conftest import run_cli
from tests.fixtures import make_station
from tests.test_piper import build_voice


class VoiceServer:
    """Serves a folder; ``cut_after`` bytes into the first request of a file, it hangs up."""

    def __init__(self, root: Path, cut_after: int | None = None, declare: dict[str, str] | None = None):
        self.root, self.cut_after, self.declare = root, cut_after, declare or {}
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.lstrip("/")
                server.requests.append((name, self.headers.get("Range")))
                data = (server.root / name).read_bytes()
                start = int(self.headers["Range"].split("=")[1].rstrip("-")) if self.headers.get("Range") else 0
                body = data[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body)))
                if name in server.declare:
                    self.send_header("X-Linked-Etag", f'"{server.declare[name]}"')
                self.end_headers()
                first = sum(1 for n, _ in server.requests if n == name) == 1
                if server.cut_after and first and len(body) > server.cut_after:
                    self.wfile.write(body[:server.cut_after])
                    self.wfile.flush()
                    self.connection.shutdown(2)  # the line drops mid-file
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def served(tmp_path):
    """A voice built by the test, the server that serves it, and a catalog pinning it."""
    import onnx

    root = tmp_path / "mirror"
    model = build_voice(root, "vi_VN-tiny-medium")
    # Real voices are tens of MB; a few hundred kB is enough to be cut mid-file and resumed.
    padded = onnx.load(str(model))
    padded.doc_string = "piper test voice " * 20_000
    onnx.save(padded, str(model))
    made = []

    def make(cut_after=None, wrong_sum=False, declare=None):
        server = VoiceServer(root, cut_after, declare)
        made.append(server)
        pinned = "0" * 64 if wrong_sum else sha256(model)
        catalog = Catalog.model_validate({"voices": {"tiny": {
            "description": "Giọng thử", "files": [
                {"url": f"{server.url}/{model.name}", "sha256": pinned},
                {"url": f"{server.url}/{model.name}.json", "sha256": sha256(Path(f"{model}.json"))}]}}})
        return server, catalog, model

    yield make
    for server in made:
        server.close()


def speaks(station: Path, model: Path) -> bool:
    engine = PiperEngine(SpeechSettings(piper=PiperSettings(voices={"tiny": PiperVoiceFile(
        model=str(model.relative_to(station)))})), station)
    return engine.unavailable_reason() is None and len(engine.synthesize("xin chào", "tiny", 1.0)) > 0


def test_install_downloads_checks_and_the_voice_speaks(tmp_path, served):
    server, catalog, model = served()
    station = tmp_path / "station"
    installed = install("tiny", station, catalog=catalog)
    assert installed.model == station / "voices" / model.name
    assert installed.model.read_bytes() == model.read_bytes()
    assert installed.sha256[model.name] == sha256(model)
    assert speaks(station, installed.model)
    assert not list((station / "voices").glob(".*.part"))
    assert "tiny: {model: voices/vi_VN-tiny-medium.onnx}" in installed.station_yaml(station)


def test_a_cut_connection_is_resumed_from_where_it_stopped(tmp_path, served):
    server, catalog, model = served(cut_after=200_000)
    assert model.stat().st_size > 300_000
    installed = install("tiny", tmp_path / "station", catalog=catalog)
    assert installed.model.read_bytes() == model.read_bytes()
    ranges = [r for name, r in server.requests if name == model.name]
    assert ranges[0] is None and len(ranges) == 2
    resumed_at = int(ranges[1].removeprefix("bytes=").rstrip("-"))
    assert 100_000 < resumed_at <= 200_000  # what arrived before the cut was kept


def test_a_wrong_checksum_is_refused_and_nothing_is_left_where_the_engine_looks(tmp_path, served):
    server, catalog, model = served(wrong_sum=True)
    station = tmp_path / "station"
    with pytest.raises(SpeechError) as caught:
        install("tiny", station, catalog=catalog)
    assert "không đúng mã kiểm tra" in caught.value.message
    assert not (station / "voices" / model.name).exists()
    assert not list((station / "voices").glob(".*.part"))


def test_an_unpinned_file_is_checked_against_the_servers_declared_digest(tmp_path, served):
    server, catalog, model = served(declare={"vi_VN-tiny-medium.onnx": "1" * 64})
    entry = catalog.voices["tiny"].files[0]
    unpinned = catalog.model_copy(update={"voices": {"tiny": catalog.voices["tiny"].model_copy(update={
        "files": [entry.model_copy(update={"sha256": None}), catalog.voices["tiny"].files[1]]})}})
    with pytest.raises(SpeechError, match="không đúng mã kiểm tra"):
        install("tiny", tmp_path / "station", catalog=unpinned)


def test_offline_says_so_in_vietnamese_through_the_cli(tmp_path):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"voices": {"tiny": {"description": "x", "files": [
        {"url": "http://voices.invalid/tiny.onnx"}, {"url": "http://voices.invalid/tiny.onnx.json"}]}}}),
        encoding="utf-8")
    station = make_station(tmp_path, segments=())
    result = run_cli("voices", "install", "tiny", "--catalog", str(catalog), "--station", str(station))
    assert result.returncode == 1
    assert "Không kết nối được tới voices.invalid" in result.stderr
    assert "Internet" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_name_lists_the_ones_there_are(tmp_path):
    station = make_station(tmp_path, segments=())
    result = run_cli("voices", "install", "khong-co", "--station", str(station))
    assert result.returncode == 1
    assert "vais1000-medium" in result.stderr
