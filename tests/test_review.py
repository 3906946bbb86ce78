"""Review and approval: what airs is exactly what was approved."""
import shutil
import sqlite3
import subprocess
from html.parser import HTMLParser

import pytest
import yaml
from mutagen.id3 import ID3

from radio.approval import ApprovalError, MonthFiles, approve, reject, require_airable, status
from radio.config import load_model, save_model
from radio.models import Script
from radio.pipeline import produce_month, sample_station_dir
from radio.review import build_review
from radio.store import Store, Tamper
from tests.conftest import run_cli
from tests.fixtures import make_station

MONTH = "2026-12"


REVIEWED = ("opening", "reminder", "closing")


@pytest.fixture
def station(tmp_path):
    """A copy of the sample station with a short script (opening, reminder, closing), so
    each production takes a second, not eight."""
    return make_station(tmp_path, segments=REVIEWED)


@pytest.fixture
def produced(tmp_path):
    """The same, already produced: producing it again in a test is the quick unchanged path."""
    return make_station(tmp_path, segments=REVIEWED, produced=True)


def files(folder):
    return MonthFiles(folder, "an-lac", MONTH)


def produce(folder):
    return produce_month(folder, MONTH, engine_override="dummy")


def edit_one_word(folder):
    path = files(folder).script
    script = load_model(path, Script)
    first = script.segments[1]
    edited = first.model_copy(update={"text": first.text.replace("bà con", "người dân", 1)})
    assert edited.text != first.text
    save_model(path, script.model_copy(update={"segments": [script.segments[0], edited,
                                                            *script.segments[2:]]}))


def test_nothing_airs_before_approval(produced):
    produce(produced)
    with pytest.raises(ApprovalError) as caught:
        require_airable(files(produced), Store(produced))
    assert "chờ duyệt" in str(caught.value) and "radio approve" in str(caught.value)


def test_approve_then_edit_one_word_refuses_until_reproduced_and_reapproved(produced):
    store = Store(produced)
    produce(produced)
    approve(files(produced), store, "Nguyễn Văn Bình", "Phó Chủ tịch UBND xã", None)
    assert require_airable(files(produced), store).approval.by_name == "Nguyễn Văn Bình"

    edit_one_word(produced)
    assert status(files(produced), store).state == "changed"
    with pytest.raises(ApprovalError) as caught:
        require_airable(files(produced), store)
    assert "đã thay đổi sau khi duyệt" in str(caught.value)
    assert "sửa sau khi Nguyễn Văn Bình duyệt" in str(caught.value)

    produce(produced)
    approve(files(produced), store, "Nguyễn Văn Bình", "Phó Chủ tịch UBND xã", "đã nghe lại")
    airable = require_airable(files(produced), store)
    assert airable.manifest.script_sha256 == load_model(files(produced).script, Script).content_hash()


def test_a_swapped_approved_file_is_refused_and_a_swapped_working_copy_does_not_air(produced, tmp_path):
    store = Store(produced)
    done = produce(produced)
    approve(files(produced), store, "Nguyễn Văn Bình", "Phó Chủ tịch UBND xã", None)
    approved = require_airable(files(produced), store)
    assert approved.mp3.parent.name == "versions"
    # Another programme file, under the working copy's name: what airs is still the approved one.
    other = make_station(tmp_path, segments=REVIEWED, produced=True, name="other")
    edit_one_word(other)
    replacement = produce(other).mp3
    shutil.copyfile(replacement, done.mp3)
    assert require_airable(files(produced), store).audio_sha256 == approved.audio_sha256
    # The same swap on the approved version itself is refused.
    shutil.copyfile(replacement, approved.mp3)
    assert status(files(produced), store).state == "changed"
    with pytest.raises(ApprovalError) as caught:
        require_airable(files(produced), store)
    assert "Tệp âm thanh đã duyệt không còn nguyên" in str(caught.value)


def test_approval_is_written_into_tags_and_manifest_without_changing_the_approved_audio(produced):
    store = Store(produced)
    done = produce(produced)
    event = approve(files(produced), store, "Nguyễn Văn Bình", "Phó Chủ tịch UBND xã", None)
    tags = ID3(done.mp3)
    assert "Nguyễn Văn Bình" in str(tags.getall("TXXX:approval")[0])
    airable = require_airable(files(produced), store)
    assert airable.manifest.approval.by == "Nguyễn Văn Bình"
    assert airable.audio_sha256 == event.audio_sha256


def test_approval_before_production_is_embedded_when_produced(station):
    store = Store(station)
    approve(files(station), store, "Trần Thị Hoa", "Chủ tịch UBND xã", None)
    done = produce(station)
    assert done.manifest.approval.by == "Trần Thị Hoa"
    assert "Trần Thị Hoa" in str(ID3(done.mp3).getall("TXXX:approval")[0])
    airable = require_airable(files(station), store)
    assert airable.audio_sha256 == done.manifest.audio.audio_sha256
    assert "Trần Thị Hoa" in str(ID3(airable.mp3).getall("TXXX:approval")[0])
    events = store.review_events(MONTH)
    assert [e.action for e in events] == ["approve", "produce"] and "Gắn với lần duyệt" in events[1].note


def test_rejection_blocks_airing_and_says_why(produced):
    store = Store(produced)
    produce(produced)
    reject(files(produced), store, "Trần Thị Hoa", None, "Sai số liệu hồ sơ trực tuyến")
    current = status(files(produced), store)
    assert current.state == "rejected" and "Sai số liệu" in current.detail
    with pytest.raises(ApprovalError):
        require_airable(files(produced), store)


def test_history_is_append_only(produced):
    store = Store(produced)
    produce(produced)
    approve(files(produced), store, "A", "Phó Chủ tịch", None)
    reject(files(produced), store, "B", "Chủ tịch", "Thêm tin tức")
    assert [e.action for e in store.review_events(MONTH)] == ["produce", "approve", "reject"]
    tamper = Tamper(produced)  # even with write access to radio.db, the trail's rows stay
    first = tamper.rows("review_events")[0]["id"]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper.update("review_events", first, by_name="X")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper.delete("review_events", first)
    assert [e.action for e in store.review_events(MONTH)] == ["produce", "approve", "reject"]
    result = run_cli("history", MONTH, "-s", str(produced), env={"COLUMNS": "200"})
    assert result.returncode == 0 and "trả lại" in result.stdout and "Thêm tin tức" in result.stdout


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.marks, self.audio, self.findings = [], [], [], []
        self._in_mark = self._in_finding = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs["id"])
        if tag == "audio":
            self.audio.append(attrs["src"])
        if tag == "mark":
            self._in_mark = True
        if tag == "li" and "data-kind" in attrs:
            self.findings.append(attrs["data-kind"])

    def handle_endtag(self, tag):
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data):
        if self._in_mark:
            self.marks.append(data)


def test_review_page_has_every_segment_the_readings_and_working_audio_links(station, demo_output):
    made, _ = demo_output  # the whole sample programme, as `radio demo` produced it
    shutil.copyfile(made / "script.yaml", files(station).script)
    shutil.copytree(made, files(station).programme, dirs_exist_ok=True)
    copy = build_review(station, MONTH)
    page = Page()
    page.feed(copy.html_path.read_text(encoding="utf-8"))
    script = load_model(files(station).script, Script)
    assert page.sections == [s.id for s in script.segments]
    assert "không hai ba bảy, ba tám năm sáu, bảy tám chín" in page.marks  # the hotline
    assert len(page.audio) == len(script.segments) + 1
    for src in page.audio:
        assert (copy.html_path.parent / src.split("#")[0]).exists()
    # The sample's own text is clean; what remains are the library's facts to re-check and the
    # civil-status law that changes on 01/03/2027, within three months of December's airings.
    assert set(page.findings) <= {"unconfirmed", "law"}
    law = [f.message for f in copy.findings if f.kind == "law"]
    assert law and all("ba tháng" in m for m in law) and any("01/03/2027" in m for m in law)
    text = copy.text_path.read_text(encoding="utf-8")
    assert "Đọc là: " in text and script.title in text


def test_lint_finds_planted_problems(station):
    path = files(station).script
    script = load_model(path, Script)
    planted = script.segments[0].model_copy(update={"text": (
        "Theo QXZT thông báo, lệ phí là 50.000đ = một lần. "
        "Câu hỏi của người dân. "
        + " ".join(["bà con cần đọc kỹ hướng dẫn trước khi nộp hồ sơ"] * 4) + ".")})
    save_model(path, Script(station=script.station, month=MONTH, title=script.title,
                            segments=[planted, script.segments[-1]]))
    copy = build_review(station, MONTH)
    kinds = {f.kind for f in copy.findings}
    assert {"abbreviation", "unread", "placeholder", "breath", "missing", "length"} <= kinds
    messages = " ".join(f.message for f in copy.findings)
    assert "QXZT" in messages and "(=)" in messages and "hỏi – đáp" in messages


def test_lint_quotes_words_the_listener_would_hear_twice(station):
    path = files(station).script
    script = load_model(path, Script)
    first = script.segments[0]
    planted = first.model_copy(update={"text": "Về thời hạn: Thời hạn giải quyết là ba ngày làm việc."})
    save_model(path, script.model_copy(update={"segments": [planted, *script.segments[1:]]}))
    repeats = [f for f in build_review(station, MONTH).findings if f.kind == "repeat"]
    assert [(f.segment_id, "«thời hạn thời hạn»" in f.message) for f in repeats] == [(first.id, True)]


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(chromium() is None, reason="Debian chromium is not installed (scripts/test installs it)")
def test_review_page_renders_in_a_real_browser_and_its_audio_loads(station, tmp_path):
    produce(station)
    copy = build_review(station, MONTH)
    result = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--autoplay-policy=no-user-gesture-required",
         f"--user-data-dir={tmp_path / 'profile'}", "--allow-file-access-from-files",
         "--virtual-time-budget=8000", "--dump-dom", copy.html_path.as_uri()],
        capture_output=True, text=True, timeout=120)
    dom = result.stdout
    assert "<section" in dom, result.stderr[-2000:]
    states = [part.split('"')[1] for part in dom.split("data-state=")[1:]]
    assert states and set(states) == {"ok"}, states


def listener():
    from radio.speech.listen import listener_available
    return listener_available()


@pytest.mark.skipif(not listener(), reason="viet-asr is not installed (scripts/setup listen)")
def test_listening_check_flags_a_sentence_the_voice_cannot_say(station, monkeypatch):
    path = files(station).script
    script = load_model(path, Script)
    closing = script.segments[-1].model_copy(update={"voice": "nu", "text": (
        "Xin cảm ơn bà con đã lắng nghe. "
        "Please download the application from the Google Play Store today. "
        "Mọi phản ánh đều được giữ bí mật thông tin người gửi.")})
    save_model(path, script.model_copy(update={"segments": [closing]}))
    copy = build_review(station, MONTH, listen=True)
    flagged = [f for f in copy.findings if f.kind == "misheard"]
    assert len(flagged) == 1 and "Google Play Store" in flagged[0].message
    assert "Máy nghe thành: «" in flagged[0].message
    sentence = next(s for s in copy.segments[0].sentences if "Google" in s.written)
    assert sentence.heard and "Máy nghe thành: " + sentence.heard in copy.text_path.read_text(encoding="utf-8")
    # Heard once, cached by clip digest: a second review asks the recognizer nothing.
    from radio.speech import listen
    monkeypatch.setattr(listen.VietAsr, "transcribe", lambda self, samples: pytest.fail("not cached"))
    again = build_review(station, MONTH, listen=True)
    assert [f.message for f in again.findings if f.kind == "misheard"] == [flagged[0].message]


def test_review_without_the_recognizer_says_how_to_add_it(station, monkeypatch):
    from radio import review
    monkeypatch.setattr(review, "listener_available", lambda: False)
    copy = build_review(station, MONTH, listen=True)
    assert "scripts/setup listen" in copy.listen_note
    import html
    assert copy.listen_note in html.unescape(copy.html_path.read_text(encoding="utf-8"))


@pytest.mark.skipif(not listener(), reason="viet-asr is not installed (scripts/setup listen)")
def test_voices_compare_ranks_every_usable_voice_and_says_why_others_are_not(station):
    from radio.pipeline import load_station
    from radio.speech.listen import compare_voices

    settings = load_station(station).speech
    scores = compare_voices(settings, station, station / "audio_out" / "an-lac" / ".cache",
                            sentences=("Bà con nhớ mang theo thẻ căn cước.",))
    heard = [s for s in scores if s.cer is not None]
    assert {s.voice for s in heard} >= {"vi", "vi+f3"}
    assert [s.cer for s in heard] == sorted(s.cer for s in heard)
    piper = next(s for s in scores if s.engine == "piper")
    assert piper.cer is None and "Piper" in piper.unavailable
    assert scores.index(piper) > scores.index(heard[-1])  # the ranking comes first


def test_lint_asks_to_recheck_stale_and_unconfirmed_content(station):
    own = station / "templates" / "topics"
    own.mkdir(parents=True)
    topic = yaml.safe_load((sample_station_dir().parent.parent / "templates" / "topics"
                            / "dich-vu-cong-truc-tuyen.yaml").read_text(encoding="utf-8"))
    topic.update(checked="2025-09", unconfirmed=["mức phí khi nộp trực tuyến"], sources=[])
    (own / "dich-vu-cong-truc-tuyen.yaml").write_text(yaml.safe_dump(topic, allow_unicode=True),
                                                      encoding="utf-8")
    findings = {}
    for finding in build_review(station, MONTH).findings:  # the topic's and the procedure's
        findings[finding.kind] = findings.get(finding.kind, "") + " " + finding.message
    assert "2025-09" in findings["stale"] and "12 tháng" in findings["stale"]
    assert "mức phí khi nộp trực tuyến" in findings["unconfirmed"]
    assert "danh mục thủ tục hành chính tỉnh" in findings["unconfirmed"]
    assert "chưa ghi nguồn" in findings["source"]
    # Checked eleven months before airing is still current.
    topic.update(checked="2026-01", unconfirmed=[], sources=[{"title": "Nghị định số 42/2022/NĐ-CP"}])
    (own / "dich-vu-cong-truc-tuyen.yaml").write_text(yaml.safe_dump(topic, allow_unicode=True),
                                                      encoding="utf-8")
    kinds = {f.kind for f in build_review(station, MONTH).findings}
    assert not kinds & {"stale", "source"}


def test_unknown_abbreviations_are_listed_once_for_the_officer_to_confirm_or_spell_out(station):
    path = files(station).script
    script = load_model(path, Script)
    first, second = script.segments[0], script.segments[1]
    planted = [first.model_copy(update={"text": first.text + " Tổ QXT đã đến."}),
               second.model_copy(update={"text": second.text + " Tổ QXT làm việc cả ngày."}),
               *script.segments[2:]]
    save_model(path, script.model_copy(update={"segments": planted}))
    listed = [f for f in build_review(station, MONTH).findings if f.kind == "abbreviation"]
    assert len(listed) == 1
    message = listed[0].message
    assert "«QXT»" in message and "«quy ích tê»" in message  # how radio will say it: letter by letter
    assert first.id in message and second.id in message
    assert "QXT: {name: quy ích tê}" in message and "lexicon.yaml" in message
    # Confirmed in the station's lexicon, it is said the same way and no longer listed.
    assert not (station / "lexicon.yaml").exists()
    (station / "lexicon.yaml").write_text("abbreviations:\n  QXT: {name: quy ích tê}\n", encoding="utf-8")
    copy = build_review(station, MONTH)
    assert not [f for f in copy.findings if f.kind == "abbreviation"]
    assert "quy ích tê" in copy.text_path.read_text(encoding="utf-8")
