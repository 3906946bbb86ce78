"""Inbound bulletins (issue 32): a folder a vendor's adapter writes into and an HTTP feed
(served on loopback here) become bulletins that wait for the commune's approval, unless the
station trusts the source for emergencies; expired, repeated and broken items are said."""
import functools
import http.server
import json
import threading
from datetime import datetime, timedelta

import pytest

from radio.approval import status
from radio.bulletin import list_bulletins, read_bulletin
from radio.importer import (APPROVED, BROKEN, DUPLICATE, EXPIRED, FAILED, IMPORTED, TRUSTED_ROLE,
                            import_bulletins)
from radio.schedule import EMERGENCY_SLOT, queued, station_zone
from radio.station import BulletinFiles, load_station
from radio.store import Store
from tests.conftest import run_cli
from tests.fixtures import make_station, player_daemon, stop_daemon, wait_for

NOTICE = "Thông báo: chiều nay bão số 3 đổ bộ. Đề nghị bà con ở trong nhà, không ra đồng."
SOURCE = "Hệ thống thông tin nguồn tỉnh"


@pytest.fixture
def station(tmp_path):
    return make_station(tmp_path, segments=())


def with_sources(station, *sources, every_s=60):
    lines = [f"importers:\n  every_s: {every_s}\n  sources:\n"]
    for source in sources:
        lines.append("    - " + "\n      ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in source.items()) + "\n")
    path = station / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "".join(lines), encoding="utf-8")


def folder_source(station, trusted=False):
    (station / "inbox").mkdir(exist_ok=True)
    with_sources(station, {"id": "tinh", "name": SOURCE, "type": "folder", "folder": "inbox",
                           "trusted_for_emergency": trusted})
    return station / "inbox"


def drop(inbox, name, item):
    (inbox / name).write_text(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False),
                              encoding="utf-8")


def soon(station, **delta):
    return (datetime.now(station_zone(load_station(station))) + timedelta(**delta)).isoformat()


def files_of(station, ident):
    return BulletinFiles(station, ident)


def test_an_imported_bulletin_waits_for_the_communes_approval(station):
    inbox = folder_source(station)
    drop(inbox, "bao-so-3.json", {"id": "TB-2026-0042", "level": "uu-tien", "title": "Bão số 3", "text": NOTICE,
                                  "valid_until": soon(station, days=1)})
    result = run_cli("bulletin", "import", "-s", str(station))
    assert result.returncode == 0, result.stderr
    assert "chờ lãnh đạo duyệt" in result.stdout and "Mới nhận 1 (duyệt ngay 0)" in result.stdout
    [item] = list_bulletins(station)
    files = files_of(station, item.bulletin.id)
    assert item.bulletin.issued_by == SOURCE and item.bulletin.level == "uu-tien"
    assert (item.bulletin.source, item.bulletin.source_item) == ("tinh", "TB-2026-0042")
    assert status(files, Store(station)).state == "in_review"
    assert queued(Store(station), programme=files.key) == []  # nothing airs before the leader says so
    assert (inbox / "da-nhan" / "bao-so-3.json").exists() and not (inbox / "bao-so-3.json").exists()
    approved = run_cli("bulletin", "approve", item.bulletin.id, "--by", "Trần Văn Bình", "--role", "Chủ tịch UBND xã",
                       "-s", str(station))
    assert approved.returncode == 0, approved.stderr
    assert len(queued(Store(station), programme=files.key)) == 1


def test_a_trusted_sources_emergency_is_queued_at_once_and_both_events_name_the_source(station):
    inbox = folder_source(station, trusted=True)
    drop(inbox, "khan.json", {"id": "KC-7", "level": 1, "text": NOTICE})  # a vendor's wire code: emergency
    drop(inbox, "thuong.json", {"id": "TT-8", "level": "thuong", "text": "Thông báo họp dân tối nay lúc 19 giờ."})
    outcomes = {o.where: o for o in import_bulletins(station)}
    assert outcomes["tệp khan.json"].kind == APPROVED and outcomes["tệp thuong.json"].kind == IMPORTED
    emergency = files_of(station, outcomes["tệp khan.json"].bulletin_id)
    [airing] = queued(Store(station), programme=emergency.key)
    assert airing.slot_id == EMERGENCY_SLOT
    events = Store(station).review_events(str(emergency.key))
    assert [(e.action, e.by_name) for e in events] == [("produce", SOURCE), ("approve", SOURCE)]
    assert events[1].role == TRUSTED_ROLE and "tin cậy nguồn «Hệ thống thông tin nguồn tỉnh»" in events[1].note
    normal = files_of(station, outcomes["tệp thuong.json"].bulletin_id)
    assert queued(Store(station), programme=normal.key) == []  # trust covers emergencies only


def test_the_same_item_imported_twice_makes_one_bulletin_and_an_expired_one_none(station):
    inbox = folder_source(station)
    item = {"id": "TB-1", "level": "thuong", "text": NOTICE}
    drop(inbox, "a.json", item)
    [first] = import_bulletins(station)
    drop(inbox, "a-lan-nua.json", item)
    drop(inbox, "cu.json", {"id": "TB-0", "level": "thuong", "text": NOTICE, "valid_until": soon(station, hours=-2)})
    again = {o.where: o for o in import_bulletins(station)}
    assert again["tệp a-lan-nua.json"].kind == DUPLICATE and again["tệp a-lan-nua.json"].bulletin_id == first.bulletin_id
    assert "đã nhận trước đây" in again["tệp a-lan-nua.json"].message
    assert again["tệp cu.json"].kind == EXPIRED and "đã hết hiệu lực" in again["tệp cu.json"].message
    assert len(list_bulletins(station)) == 1


def test_a_changed_item_under_the_same_id_is_a_revision_that_replaces_the_first_when_approved(station):
    inbox = folder_source(station)
    first = {"id": "BAO-3", "level": "uu-tien", "text": NOTICE}
    drop(inbox, "bao.json", first)
    [taken] = import_bulletins(station)
    approved = run_cli("bulletin", "approve", taken.bulletin_id, "--by", "Trần Văn Bình", "--role", "Chủ tịch",
                       "-s", str(station))
    assert approved.returncode == 0, approved.stderr
    old = files_of(station, taken.bulletin_id)
    assert len(queued(Store(station), programme=old.key)) == 1
    drop(inbox, "bao-2.json", first)  # delivered again, the same: nothing new
    assert [o.kind for o in import_bulletins(station)] == [DUPLICATE]
    drop(inbox, "bao-3.json", {**first, "text": "Bão số 3 đổi hướng. Bà con vùng trũng sơ tán trước 17 giờ."})
    [revised] = import_bulletins(station)
    assert revised.kind == IMPORTED and f"bản sửa của {taken.bulletin_id}" in revised.message
    new = files_of(station, revised.bulletin_id)
    assert queued(Store(station), programme=new.key) == []  # the revision waits for the leader too
    assert len(queued(Store(station), programme=old.key)) == 1  # and the first words stand until then
    approved = run_cli("bulletin", "approve", revised.bulletin_id, "--by", "Trần Văn Bình", "--role", "Chủ tịch",
                       "-s", str(station))
    assert approved.returncode == 0, approved.stderr
    assert len(queued(Store(station), programme=new.key)) == 1
    assert queued(Store(station), programme=old.key) == []  # never both
    [withdrawn] = [e for e in Store(station).review_events(str(old.key)) if e.action == "reject"]
    assert f"Đã có bản sửa {revised.bulletin_id}" in withdrawn.note


def test_broken_files_are_named_in_vietnamese_and_never_stop_the_others(station):
    inbox = folder_source(station)
    drop(inbox, "khong-phai-json.json", '{"id": "X", "level": ')
    drop(inbox, "thieu-muc.json", {"id": "X1", "text": NOTICE})
    drop(inbox, "muc-la.json", {"id": "X2", "level": 7, "text": NOTICE})
    drop(inbox, "hai-nguon.json", {"id": "X3", "level": "thuong", "text": NOTICE, "audio": "a.mp3"})
    drop(inbox, "vung-la.json", {"id": "X4", "level": "thuong", "text": NOTICE, "zones": ["thon-khong-co"]})
    drop(inbox, "ngay-sai.json", {"id": "X5", "level": "thuong", "text": NOTICE, "valid_until": "mai"})
    drop(inbox, "tot.json", {"id": "OK", "level": "thuong", "text": NOTICE})
    result = run_cli("bulletin", "import", "-s", str(station), env={"COLUMNS": "300"})
    said = " ".join(result.stdout.split())
    assert result.returncode == 1
    for name, problem in [("khong-phai-json.json", "không phải JSON hợp lệ (dòng 1, cột 22)"),
                          ("thieu-muc.json", "thiếu mức bản tin (level)"),
                          ("muc-la.json", "mức (level) '7' không có"),
                          ("hai-nguon.json", "cần lời bản tin (text) hoặc âm thanh (audio), và chỉ một trong hai"),
                          ("vung-la.json", "Không có vùng 'thon-khong-co'"),
                          ("ngay-sai.json", "hạn hiệu lực (valid_until) 'mai' không phải thời điểm")]:
        assert f"Nguồn «{SOURCE}», tệp {name}: " in said and problem in said, name
        assert (inbox / "loi" / name).exists()
    assert "Mới nhận 1" in said and "lỗi 6" in said
    [made] = list_bulletins(station)
    assert made.bulletin.source_item == "OK"


def test_a_source_named_wrongly_in_station_yaml_is_said_at_its_line(station):
    with_sources(station, {"id": "tinh", "type": "ftp", "url": "ftp://x"})
    result = run_cli("bulletin", "import", "-s", str(station))
    assert result.returncode == 1 and "không có loại nguồn 'ftp'" in result.stderr and "dòng" in result.stderr
    assert "folder" in result.stderr and "http" in result.stderr


@pytest.fixture
def feed(tmp_path):
    """A province's feed on a loopback port: whatever the test puts in the folder."""
    folder = tmp_path / "feed"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def spoken_mp3(path):
    import numpy as np

    from radio.audio.export import write_mp3

    rate = 22050
    t = np.arange(3 * rate) / rate
    voice = (0.2 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2).astype(np.float32)
    write_mp3(voice, rate, path, 64)


def test_an_http_feed_brings_text_and_audio_and_a_dead_source_stops_no_other(station, feed):
    folder, base = feed
    spoken_mp3(folder / "doc.mp3")
    (folder / "ban-tin.json").write_text(json.dumps({"bulletins": [
        {"id": "HT-1", "level": "khan-cap", "text": NOTICE, "repeat": 2, "every_min": 30},
        {"id": "HT-2", "level": 3, "title": "Lời kêu gọi", "audio": "doc.mp3"},
        {"id": "HT-3", "level": "gap"},
    ]}, ensure_ascii=False), encoding="utf-8")
    with_sources(station, {"id": "cham-chet", "type": "http", "url": "http://127.0.0.1:9/khong-co.json", "timeout_s": 2},
                 {"id": "tinh", "name": SOURCE, "type": "http", "url": f"{base}/ban-tin.json"})
    outcomes = import_bulletins(station)
    kinds = [(o.source, o.kind) for o in outcomes]
    assert kinds == [("cham-chet", FAILED), ("tinh", IMPORTED), ("tinh", IMPORTED), ("tinh", BROKEN)]
    assert "Không kết nối được nguồn http://127.0.0.1:9/khong-co.json" in outcomes[0].message
    assert "bản tin thứ 3" in outcomes[3].message and "mức (level) 'gap' không có" in outcomes[3].message
    emergency = read_bulletin(files_of(station, outcomes[1].bulletin_id))
    recorded = read_bulletin(files_of(station, outcomes[2].bulletin_id))
    assert emergency.level == "khan-cap" and emergency.repeat == 2 and emergency.text == NOTICE
    assert recorded.level == "thuong" and recorded.recording and recorded.title == "Lời kêu gọi"
    assert queued(Store(station)) == []  # untrusted: even the emergency waits for the leader
    assert [o.kind for o in import_bulletins(station)][1:3] == [DUPLICATE, DUPLICATE]  # the feed still lists them


def test_the_players_importer_thread_queues_a_trusted_emergency_and_says_it_once(station):
    import time

    from radio.importer import keep_importing

    inbox = station / "inbox"
    inbox.mkdir()
    with_sources(station, {"id": "tinh", "name": SOURCE, "type": "folder", "folder": "inbox",
                           "trusted_for_emergency": True},
                 {"id": "cham-chet", "type": "http", "url": "http://127.0.0.1:9/x.json", "timeout_s": 1}, every_s=1)
    said, stop = [], threading.Event()
    thread = threading.Thread(target=keep_importing, args=(station, stop, said.append), daemon=True)
    thread.start()
    try:
        drop(inbox, "khan.json", {"id": "KC-9", "level": "khan-cap", "text": NOTICE})
        drop(inbox, "hong.json", "không phải JSON")
        [airing] = wait_for(lambda: queued(Store(station)), 120, "the trusted emergency queued", every=0.2)
        assert airing.slot_id == EMERGENCY_SLOT
        looked = len(said)
        time.sleep(2.5)  # two more looks: nothing new is said again
        assert len(said) == looked
    finally:
        stop.set()
        thread.join(timeout=60)
    assert sum("duyệt ngay" in line for line in said) == 1 and sum("tệp hong.json" in line for line in said) == 1
    # The dead source fails at every look (at least three by now) and is said once.
    assert sum("Không kết nối được nguồn http://127.0.0.1:9/x.json" in line for line in said) == 1


def test_the_documented_example_is_the_shape_the_importer_reads():
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from radio.importer import items_of, parse_feed, parse_json, read_item

    examples = Path(__file__).parent.parent / "docs" / "examples"
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    items = [read_item(raw, zone) for raw in items_of(parse_json((examples / "inbound-feed.json").read_bytes()))]
    assert [(i.id, i.level, i.repeat, bool(i.text), i.audio) for i in items] == [
        ("HT-2026-0412", "khan-cap", 3, True, None), ("HT-2026-0413", "thuong", 1, False, "am-thanh/tiem-chung-thang-12.mp3")]
    assert items[0].valid_until.utcoffset() == timedelta(hours=7)
    same = [read_item(raw, zone) for raw in parse_feed((examples / "inbound-feed.xml").read_bytes())]
    assert same == items  # the RSS example carries the same two bulletins


def test_an_rss_feed_over_http_is_read_as_the_same_shape(station, feed):
    folder, base = feed
    spoken_mp3(folder / "doc.mp3")
    (folder / "rss.xml").write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Nguồn tỉnh</title>
  <item><guid>R-1</guid><title>Bão số 3</title><description>&lt;p&gt;{NOTICE}&lt;/p&gt;</description>
    <category domain="level">2</category><category domain="repeat">2</category>
    <category domain="every_min">15</category></item>
  <item><guid>R-2</guid><title>Tiêm chủng</title><description>Bản ghi âm.</description>
    <enclosure url="{base}/doc.mp3" type="audio/mpeg" length="1"/><category domain="level">thuong</category></item>
  <item><title>Không mã</title><description>Lời.</description><category domain="level">thuong</category></item>
</channel></rss>""", encoding="utf-8")
    (folder / "hong.xml").write_text("<rss><channel><item>", encoding="utf-8")
    with_sources(station, {"id": "tinh", "name": SOURCE, "type": "http", "url": f"{base}/rss.xml"},
                 {"id": "hong", "type": "http", "url": f"{base}/hong.xml"})
    outcomes = import_bulletins(station)
    assert [(o.source, o.kind) for o in outcomes] == [("tinh", IMPORTED), ("tinh", IMPORTED), ("tinh", BROKEN),
                                                     ("hong", FAILED)]
    assert "thiếu mã bản tin (id)" in outcomes[2].message
    assert "không phải XML hợp lệ (dòng 1, cột 21)" in outcomes[3].message
    priority = read_bulletin(files_of(station, outcomes[0].bulletin_id))
    assert (priority.level, priority.repeat, priority.every_min, priority.text) == ("uu-tien", 2, 15, NOTICE)
    assert read_bulletin(files_of(station, outcomes[1].bulletin_id)).recording


def test_the_running_player_takes_a_trusted_emergency_from_the_folder_and_airs_it(station):
    from radio.player import as_run_log

    inbox = station / "inbox"
    inbox.mkdir()
    with_sources(station, {"id": "tinh", "name": SOURCE, "type": "folder", "folder": "inbox",
                           "trusted_for_emergency": True}, every_s=1)
    process = player_daemon(station)
    try:
        drop(inbox, "khan.json", {"id": "KC-11", "level": "khan-cap", "text": "Thông báo khẩn: nước sông đang lên."})
        aired = wait_for(lambda: [e for e in as_run_log(Store(station, readonly=True)) if e.result == "aired"],
                         120, "the imported emergency aired")
    finally:
        said = stop_daemon(process)
    [bulletin] = list_bulletins(station)
    assert aired[0].programme == files_of(station, bulletin.bulletin.id).key
    assert "duyệt ngay" in " ".join(said.split()), said
