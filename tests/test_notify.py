"""The leader is told by e-mail that a programme waits, through the station's own mail
server (a real SMTP server on loopback here); a server that is down costs nothing made."""
from email import message_from_bytes
from email.policy import default

import pytest

from tests.conftest import run_cli
from tests.fixtures import MONTH, add_people, free_port, make_station


@pytest.fixture
def mail_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.letters = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            self.letters.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default)))
            return "250 OK"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


def station_with_mail(tmp_path, port):
    folder = make_station(tmp_path)
    add_people(folder)
    run_cli("users", "disable", "binh", "-s", str(folder))  # the fixture's leader has no address
    station_file = folder / "station.yaml"
    station_file.write_text(station_file.read_text(encoding="utf-8") + (
        f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  sender: dai.anlac@example.vn\n"
        "  studio_url: https://phongthu.anlac.example.vn\n"), encoding="utf-8")
    return folder


def add_leader_with_mail(folder):
    from radio.studio.accounts import add_account

    add_account(folder, "thu.ct", "Lê Thị Thu", "Chủ tịch UBND xã", "leader", "mat-khau-dai-du", "thu.ct@example.vn")


def test_a_produced_programme_is_announced_to_the_leader_by_mail(tmp_path, mail_server):
    port, inbox = mail_server
    folder = station_with_mail(tmp_path, port)
    add_leader_with_mail(folder)
    result = run_cli("produce", MONTH, "-s", str(folder), "--engine", "dummy", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    assert "Đã gửi thư báo chương trình chờ duyệt tới Lê Thị Thu" in result.stdout
    [(to, letter)] = inbox.letters
    assert to == ["thu.ct@example.vn"]
    assert letter["Subject"] == "Chương trình tháng 12/2026 chờ duyệt — Đài Truyền thanh xã An Lạc"
    body = letter.get_content()
    assert "Kính gửi Chủ tịch UBND xã Lê Thị Thu" in body
    assert f"https://phongthu.anlac.example.vn/s/an-lac/m/{MONTH}/review" in body


def test_a_mail_server_that_is_down_is_said_and_the_production_stands(tmp_path):
    folder = station_with_mail(tmp_path, free_port())  # nothing listens there
    add_leader_with_mail(folder)
    result = run_cli("produce", MONTH, "-s", str(folder), "--engine", "dummy", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())
    assert "Chưa gửi được thư báo lãnh đạo" in said and "chương trình vẫn đã sản xuất xong" in said
    assert (folder / "audio_out" / "an-lac" / MONTH / "programme.mp3").exists()


def test_an_approved_month_sends_nothing(tmp_path, mail_server):
    port, inbox = mail_server
    folder = make_station(tmp_path, produced=True, approved=True)
    station_file = folder / "station.yaml"
    station_file.write_text(station_file.read_text(encoding="utf-8") + (
        f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  sender: dai.anlac@example.vn\n"), encoding="utf-8")
    add_leader_with_mail(folder)
    assert run_cli("produce", MONTH, "-s", str(folder), "--engine", "dummy").returncode == 0
    assert inbox.letters == []


def test_a_wrong_address_is_refused_when_the_account_is_made(tmp_path):
    from radio.studio.accounts import AccountError, add_account

    folder = make_station(tmp_path, segments=())
    with pytest.raises(AccountError) as caught:
        add_account(folder, "thu.ct", "Lê Thị Thu", "Chủ tịch", "leader", "mat-khau-dai-du", "thu.ct-example.vn")
    assert "Địa chỉ thư" in caught.value.message
