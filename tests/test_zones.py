"""Loudspeaker zones (issue 32): a station names its zones and each zone's outputs; an airing
reaches only the outputs of the zones it targets, the as-run log says where it went, and
status and reports count per zone."""
import csv
import io
import json
import re
import time
from datetime import datetime, timedelta

import pytest

from radio.bulletin import new_bulletin
from radio.config import load_model
from radio.errors import ConfigError
from radio.models import Station
from radio.pipeline import sample_station_dir
from radio.player import as_run_log
from radio.schedule import add_airing, station_zone
from radio.station import load_station, read_station_file
from radio.store import Store, Tamper
from tests.conftest import run_cli
from tests.fixtures import MONTH, FakeClock, make_station, player_daemon, stop_daemon, wait_for

ZONE = station_zone(load_model(sample_station_dir() / "station.yaml", Station))
NOTICE = "Thông báo: thôn Đông cắt điện từ 8 giờ đến 11 giờ sáng mai để sửa đường dây."
ZONES = """bulletins:
  gap_s: 1
zones:
  - id: thon-dong
    name: Thôn Đông
    outputs:
      - {type: file, folder: played/thon-dong}
  - id: thon-tay
    name: Thôn Tây
    outputs:
      - {type: file, folder: played/thon-tay}
"""


def with_zones(folder, text=ZONES):
    path = folder / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return folder


@pytest.fixture
def station(tmp_path):
    return with_zones(make_station(tmp_path, produced=True, approved=True, first_sentence=True))


def heard(station, folder):
    """What one zone's file output received: the source file of each airing, in order."""
    log = station / "played" / folder / "played.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [json.loads(line)["source"] for line in lines]


def air_everything(station, expected):
    """The real daemon, with the zones' outputs, until ``expected`` entries are closed."""
    process = player_daemon(station, output=None)
    try:
        wait_for(lambda: len([e for e in as_run_log(Store(station, readonly=True)) if e.result != "playing"])
                 >= expected, what=f"{expected} airings closed")
    finally:
        said = stop_daemon(process)
    return said


def test_a_bulletin_for_one_zone_reaches_only_that_zone_and_the_programme_reaches_both(station):
    made = new_bulletin(station, level="thuong", text=NOTICE, zones=["thon-dong"])
    approved = run_cli("bulletin", "approve", made.files.id, "--by", "Trần Văn Bình",
                       "--role", "Chủ tịch UBND xã", "-s", str(station))
    assert approved.returncode == 0, approved.stderr
    assert "Vùng: thon-dong." in run_cli("bulletin", "show", made.files.id, "-s", str(station)).stdout
    [queued_bulletin] = Store(station).queued(programme=made.files.key)
    now = datetime.now(ZONE)
    after = max(queued_bulletin.ends_at + timedelta(seconds=2), now + timedelta(seconds=2))
    add_airing(station, MONTH, after.astimezone(ZONE).replace(tzinfo=None), now=now, force=True)
    said = air_everything(station, expected=2)
    assert "vùng thon-dong: file:played/thon-dong; vùng thon-tay: file:played/thon-tay" in said
    [bulletin] = as_run_log(Store(station), programme=made.files.key)
    [programme] = as_run_log(Store(station), programme=MONTH)
    assert bulletin.result == "aired" and programme.result == "aired", said
    assert heard(station, "thon-dong") == [bulletin.file, programme.file]
    assert heard(station, "thon-tay") == [programme.file]  # the notice is not heard in Thôn Tây
    assert [(r.zone, r.played) for r in bulletin.zones] == [("thon-dong", ("file:played/thon-dong",))]
    assert {r.zone for r in programme.zones if r.reached} == {"thon-dong", "thon-tay"}
    assert not (station / "played" / "played.jsonl").exists()  # no output outside the zones
    # Status counts today's airings per zone and per kind; the quarter's report the same.
    status = run_cli("player", "status", "-s", str(station), env={"COLUMNS": "200"})
    assert status_row(status.stdout, "Thôn Đông") == ["1", "1", "0", "0", "0", "0"]
    assert status_row(status.stdout, "Thôn Tây") == ["1", "0", "0", "0", "0", "0"]
    # The studio's operator page shows the same table.
    from tests.fixtures import add_people, studio_over

    add_people(station)
    studio = studio_over({"an-lac": station})
    studio.login("hung")
    page = studio.client.get("/s/an-lac/player").text
    today = page[page.index('id="today"'):page.index("</table>", page.index('id="today"'))]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in today.split("<tr>")[2:]]
    assert ["Thôn Đông", "1", "1", "0", "0", "0", "0"] in rows and ["Thôn Tây", "1", "0", "0", "0", "0", "0"] in rows
    now = datetime.now(ZONE)
    period = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    made = run_cli("report", period, "-s", str(station))
    assert made.returncode == 0, made.stderr
    report = (station / "reports" / f"bao-cao-{period}.md").read_text(encoding="utf-8")
    header = next(line for line in report.splitlines() if line.startswith("| Vùng |"))
    assert header == ("| Vùng | Chuyên mục | Bản tin thường | Bản tin ưu tiên | Bản tin khẩn cấp | Tiếp sóng "
                      "| Không tới được |")
    assert "| Thôn Đông | 1 | 1 | 0 | 0 | 0 | 0 |" in report
    assert "| Thôn Tây | 1 | 0 | 0 | 0 | 0 | 0 |" in report


def status_row(text, zone):
    """The counts of one zone in radio player status's table (the cells after its name)."""
    line = next(line for line in text.splitlines() if f"│ {zone} " in line)
    return [cell.strip() for cell in line.split("│")[2:-1]]


def test_an_output_that_fails_is_named_in_its_zone_and_the_others_still_hear(station):
    with_zones(station, "  - id: thon-bac\n    name: Thôn Bắc\n    outputs:\n"
                        "      - {type: file, folder: may-hong/thu-muc}\n")
    (station / "may-hong").write_text("not a folder", encoding="utf-8")
    now = datetime.now(ZONE)
    add_airing(station, MONTH, (now + timedelta(seconds=3)).replace(tzinfo=None), now=now, force=True)
    said = air_everything(station, expected=1)
    [entry] = as_run_log(Store(station), programme=MONTH)
    assert entry.result == "aired", said
    reach = {r.zone: r for r in entry.zones}
    assert reach["thon-dong"].reached and reach["thon-tay"].reached and not reach["thon-bac"].reached
    [(output, why)] = reach["thon-bac"].failed
    assert output == "file:may-hong/thu-muc" and why
    assert "đầu ra file:may-hong/thu-muc lỗi" in entry.error
    assert heard(station, "thon-dong") == heard(station, "thon-tay") == [entry.file]
    status = run_cli("player", "status", "-s", str(station), env={"COLUMNS": "200"})
    assert status_row(status.stdout, "Thôn Bắc") == ["0", "0", "0", "0", "0", "1"]
    exported = run_cli("log", "--month", MONTH, "--csv", str(station / "log.csv"), "-s", str(station))
    assert exported.returncode == 0, exported.stderr
    [row] = csv.DictReader(io.StringIO((station / "log.csv").read_text(encoding="utf-8-sig")))
    assert row["Vùng"] == "thon-dong; thon-tay; thon-bac: không tới (file:may-hong/thu-muc)"
    # Where it went is in the chained ledger too: claiming after the fact that Thôn Bắc heard it shows.
    assert Store(station).broken_record() is None
    [stored] = Tamper(station).rows("as_run", id=entry.id)
    Tamper(station).update("as_run", entry.id, zones=stored["zones"].replace('"played": []', '"played": ["loa"]'))
    assert "Nhật ký phát bị sửa ngoài phần mềm" in Store(station).broken_record()
    assert status_row(status.stdout, "Thôn Tây") == ["1", "0", "0", "0", "0", "0"]


# -- what the officer writes -----------------------------------------------------------------

def zones_error(tmp_path, text):
    folder = make_station(tmp_path, segments=())
    with_zones(folder, text)
    with pytest.raises(ConfigError) as caught:
        read_station_file(folder / "station.yaml")
    return caught.value, folder


def line_of(folder, needle, nth=1):
    lines = (folder / "station.yaml").read_text(encoding="utf-8").splitlines()
    return [i for i, line in enumerate(lines, 1) if needle in line][nth - 1]


def test_a_zone_given_twice_is_named_at_its_second_line(tmp_path):
    error, folder = zones_error(tmp_path, ZONES.replace("id: thon-tay", "id: thon-dong"))
    assert error.line == line_of(folder, "id: thon-dong", 2)
    assert "station.yaml" in str(error) and "mã vùng 'thon-dong' bị trùng" in str(error)


def test_a_zone_without_outputs_is_refused_at_its_line(tmp_path):
    error, folder = zones_error(tmp_path, "zones:\n  - id: thon-dong\n    name: Thôn Đông\n    outputs: []\n")
    assert error.line == line_of(folder, "outputs: []")
    assert "vùng phải có ít nhất một đầu ra" in str(error)


def test_a_zone_output_no_plugin_has_or_a_setting_it_refuses_is_named(tmp_path):
    error, folder = zones_error(tmp_path, "zones:\n  - id: a\n    name: A\n    outputs:\n      - {type: loa-mat}\n")
    assert error.line == line_of(folder, "loa-mat") and "không có đầu ra 'loa-mat'" in str(error)
    error, folder = zones_error(tmp_path / "2", "zones:\n  - id: a\n    name: A\n    outputs:\n"
                                              "      - {type: icecast, mount: thieu-gach}\n")
    assert error.line == line_of(folder, "thieu-gach") and "mount" in str(error)


def test_the_airing_rule_may_name_only_the_stations_zones(tmp_path):
    folder = make_station(tmp_path, segments=())
    path = folder / "station.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    repeat_in: [chieu]\n",
                                                            "    repeat_in: [chieu]\n    zones: [thon-nam]\n")
                    + ZONES, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_station_file(path)
    assert caught.value.line == line_of(folder, "zones: [thon-nam]")
    assert "không có vùng 'thon-nam' trong station.yaml (có: thon-dong, thon-tay)" in str(caught.value)


def test_a_bulletin_naming_an_unknown_zone_is_refused(station):
    refused = run_cli("bulletin", "new", "--text", NOTICE, "--zones", "thon-nam", "-s", str(station))
    assert refused.returncode != 0
    assert "Không có vùng 'thon-nam'" in refused.stderr and "thon-dong (Thôn Đông)" in refused.stderr
    assert not (station / "bulletins").exists() or not any((station / "bulletins").iterdir())


def test_a_bulletin_edited_to_an_unknown_zone_is_refused_at_its_line_before_approval(station):
    made = new_bulletin(station, level="thuong", text=NOTICE, zones=["thon-dong"])
    text = made.files.script.read_text(encoding="utf-8")
    made.files.script.write_text(text.replace("- thon-dong", "- thon-nam"), encoding="utf-8")
    refused = run_cli("bulletin", "approve", made.files.id, "--by", "Trần Văn Bình", "--role", "Chủ tịch",
                      "-s", str(station))
    assert refused.returncode != 0
    line = next(i for i, l in enumerate(made.files.script.read_text(encoding="utf-8").splitlines(), 1)
                if "thon-nam" in l)
    assert f"bulletin.yaml, dòng {line}:" in refused.stderr and "không có vùng 'thon-nam'" in refused.stderr
    assert Store(station).queued(programme=made.files.key) == []


def test_without_zones_the_station_reads_as_before(tmp_path):
    folder = make_station(tmp_path, segments=())
    assert load_station(folder).zones == [] and load_station(folder)._zone_outputs == {}


@pytest.mark.skipif(__import__("tests.icecast_server", fromlist=["ICECAST"]).ICECAST is None,
                    reason="Debian's icecast2 is not installed")
def test_a_bulletin_for_one_cluster_is_heard_on_its_mount_and_not_on_the_other(tmp_path):
    import urllib.request

    from tests.icecast_server import IcecastServer, Listener, sounding

    station = make_station(tmp_path, produced=True, approved=True, first_sentence=True)
    server = IcecastServer()
    server.start()
    try:
        with_zones(station, server.section("/an-lac.mp3") + "zones:\n"
                   "  - id: thon-dong\n    name: Thôn Đông\n    outputs:\n      - {type: icecast, mount: /dong.mp3}\n"
                   "  - id: thon-tay\n    name: Thôn Tây\n    outputs:\n      - {type: icecast, mount: /tay.mp3}\n")
        made = new_bulletin(station, level="thuong", text=NOTICE, zones=["thon-dong"])
        process = player_daemon(station, output=None)
        listeners = []
        try:
            def mounts():
                with urllib.request.urlopen(server.url("/status-json.xsl"), timeout=2) as answer:
                    try:
                        sources = json.load(answer)["icestats"].get("source", [])
                    except ValueError:  # Icecast 2.4.4's status page is not JSON in its first moments
                        return set()
                return {s["listenurl"].rsplit("/", 1)[-1] for s in (sources if isinstance(sources, list) else [sources])}

            wait_for(lambda: not {"dong.mp3", "tay.mp3"} - mounts(), 60, "both mounts on the server")
            listeners = [Listener(server.url("/dong.mp3")), Listener(server.url("/tay.mp3"))]
            time.sleep(1)
            approved = run_cli("bulletin", "approve", made.files.id, "--by", "Trần Văn Bình",
                               "--role", "Chủ tịch UBND xã", "-s", str(station))
            assert approved.returncode == 0, approved.stderr
            wait_for(lambda: [e for e in as_run_log(Store(station, readonly=True)) if e.result != "playing"],
                     60, "the bulletin aired")
            time.sleep(1)  # what was sent 0.3 s ahead reaches the listeners
        finally:
            for listener in listeners:
                listener.stop()
            said = stop_daemon(process)
    finally:
        server.remove()
    [entry] = as_run_log(Store(station), programme=made.files.key)
    assert entry.result == "aired", said
    assert [(r.zone, r.played) for r in entry.zones] == [("thon-dong", ("icecast:/dong.mp3",))]
    dong, tay = (listener.samples() for listener in listeners)
    first, last = sounding(dong)
    assert (last - first) / 44100 > 5, said  # the notice, heard in Thôn Đông
    assert len(tay) > 5 * 44100 and float(abs(tay).max()) < 0.01, said  # silence in Thôn Tây




def test_the_month_airs_in_the_zones_its_rule_names_and_everywhere_once_the_rule_names_none(tmp_path):
    from radio.player import Player
    from radio.player.outputs import zone_outputs
    from radio.schedule import queued, schedule_month

    station = with_zones(make_station(tmp_path, produced=True, approved=True))
    path = station / "station.yaml"
    rule = "    repeat_in: [chieu]\n"
    path.write_text(path.read_text(encoding="utf-8").replace(rule, rule + "    zones: [thon-tay]\n"), encoding="utf-8")
    schedule_month(station, MONTH, now=datetime(2026, 11, 30, 12, 0, tzinfo=ZONE))
    first, *later = queued(Store(station), programme=MONTH)
    assert first.zones == ("thon-tay",) and all(a.zones == ("thon-tay",) for a in later)
    [entry] = Player(station, zone_outputs(station), FakeClock(first.planned_at - timedelta(seconds=0.5))).check()
    assert entry.result == "aired"
    assert heard(station, "thon-tay") == [entry.file] and heard(station, "thon-dong") == []
    # The rule changed: the airings still to come go everywhere, the one aired stays as it went.
    path.write_text(path.read_text(encoding="utf-8").replace("    zones: [thon-tay]\n", ""), encoding="utf-8")
    schedule_month(station, MONTH, now=first.planned_at + timedelta(hours=1))
    again = queued(Store(station), programme=MONTH)
    assert again[0] == first and again[1:] and all(a.zones == () for a in again[1:])


def test_only_a_relay_slot_chooses_zones_and_only_the_stations_own(tmp_path):
    folder = make_station(tmp_path, segments=())
    path = folder / "station.yaml"
    relay = "    kind: relay\n"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(relay, relay + "    zones: [thon-tay]\n") + ZONES, encoding="utf-8")
    assert read_station_file(path).slots[-1].zones == ["thon-tay"]
    path.write_text(original.replace(relay, relay + "    zones: [thon-tay]\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:  # no zones at all: said so, at the line
        read_station_file(path)
    assert caught.value.line == line_of(folder, "zones: [thon-tay]") and "đài chưa chia vùng" in str(caught.value)
    path.write_text(original.replace('    length_min: 30\n', '    length_min: 30\n    zones: [thon-tay]\n', 1)
                    + ZONES, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_station_file(path)
    assert caught.value.line == line_of(folder, "zones: [thon-tay]") and "không phải khung tiếp sóng" in str(caught.value)


def test_the_ident_played_instead_of_a_broken_airing_goes_only_where_the_airing_was_aimed(tmp_path):
    from radio.player import Player
    from radio.player.outputs import zone_outputs
    from radio.schedule import queued, schedule_month

    station = with_zones(make_station(tmp_path, produced=True, approved=True))
    path = station / "station.yaml"
    rule = "    repeat_in: [chieu]\n"
    text = path.read_text(encoding="utf-8").replace(rule, rule + "    zones: [thon-tay]\n")
    path.write_text(text.replace("  # fallback: nhac/nhan-dien-dai.mp3", "  fallback: nhan-dien.mp3"), encoding="utf-8")
    schedule_month(station, MONTH, now=datetime(2026, 11, 30, 12, 0, tzinfo=ZONE))
    first = queued(Store(station), programme=MONTH)[0]
    approved = station / first.mp3
    (station / "nhan-dien.mp3").write_bytes(approved.read_bytes())
    approved.write_bytes(approved.read_bytes()[: len(approved.read_bytes()) // 2])  # broken after approval
    [entry] = Player(station, zone_outputs(station), FakeClock(first.planned_at - timedelta(seconds=0.5))).check()
    assert entry.result == "failed" and "Đã phát nhạc dự phòng nhan-dien.mp3" in entry.error
    assert heard(station, "thon-tay") == ["nhan-dien.mp3"] and heard(station, "thon-dong") == []


def test_a_quarter_with_only_bulletins_still_reports_them_per_zone_and_level(tmp_path):
    from radio.bulletin import approve_bulletin
    from radio.player import Player
    from radio.player.outputs import zone_outputs
    from radio.reports.contents import outline
    from radio.reports.figures import build_report
    from radio.reports.period import period_of

    station = with_zones(make_station(tmp_path, produced=True, approved=True, first_sentence=True))
    made = new_bulletin(station, level="uu-tien", text=NOTICE, zones=["thon-tay"])
    approve_bulletin(station, made.files.id, "Trần Văn Bình", "Chủ tịch UBND xã",
                     now=datetime(2027, 2, 1, 9, 0, tzinfo=ZONE))
    [airing] = Store(station).queued(programme=made.files.key)
    [entry] = Player(station, zone_outputs(station), FakeClock(airing.planned_at - timedelta(seconds=0.5))).check()
    assert entry.result == "aired"
    report = build_report(station, period_of("2027-Q1"), now=datetime(2027, 4, 2, tzinfo=ZONE))
    assert report.empty  # no monthly programme in the quarter
    [section] = [s for s in outline(report).sections if "theo vùng" in s.title]
    assert section.tables[0].rows == [["Thôn Đông", "0", "0", "0", "0", "0", "0"],
                                      ["Thôn Tây", "0", "0", "1", "0", "0", "0"]]
