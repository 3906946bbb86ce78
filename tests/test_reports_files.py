"""Report files are named, written, listed and served from one table of formats: the
command line and the studio show the same files, and a format added to the table is
written, listed and downloadable in both at once."""
import re

import pytest

from radio.reports import formats
from radio.reports.formats import ReportFormat
from tests.conftest import run_cli
from tests.fixtures import make_studio

PLAIN = ReportFormat("txt", ".txt", "text/plain", "văn bản thô", lambda plan: f"{plan.title}\n{plan.subtitle}\n".encode())
STRAYS = ("bao-cao-2026-Q4.docx.bak", "bao-cao-2026-q4.md", "bao-cao-2026-Q5.html", "bao-cao-.png", "ghi-chu.md")


@pytest.fixture
def studio(tmp_path):
    studio = make_studio(tmp_path, segments=())
    studio.login("hung")
    return studio


def cli_listing(folder) -> list[str]:
    listed = run_cli("report", "-s", str(folder), env={"COLUMNS": "200"})
    assert listed.returncode == 0, listed.stderr
    return re.findall(r"bao-cao-\S+", listed.stdout)


def studio_listing(studio) -> list[str]:
    page = studio.client.get("/s/an-lac/reports").text
    return re.findall(r'href="/s/an-lac/reports/([^"]+)"', page)


def test_a_format_added_to_the_table_is_written_listed_and_served_by_both(studio, monkeypatch):
    monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS, PLAIN))
    folder = studio.folders["an-lac"]
    made = run_cli("report", "2026-Q4", "-s", str(folder))
    assert made.returncode == 0, made.stderr
    assert "bao-cao-2026-Q4.txt" in made.stdout
    token = studio.token("/s/an-lac/reports")
    answer = studio.client.post("/s/an-lac/reports", data={"csrf": token, "period": "2027-Q1"})
    assert "bao-cao-2027-Q1.txt" in answer.text
    for name in STRAYS:
        (folder / "reports" / name).write_text("không phải báo cáo", encoding="utf-8")

    # An empty period draws no chart: three table formats and the added one, per period.
    expected = [f"bao-cao-{key}{suffix}" for key in ("2026-Q4", "2027-Q1")
                for suffix in (".docx", ".md", ".html", ".txt")]
    assert cli_listing(folder) == expected
    assert studio_listing(studio) == expected
    listed = run_cli("report", "-s", str(folder), env={"COLUMNS": "200"}).stdout
    assert "văn bản thô" in listed and "quý I năm 2027" in listed

    served = studio.client.get("/s/an-lac/reports/bao-cao-2026-Q4.txt")
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/plain")
    assert served.text == "BÁO CÁO KẾT QUẢ TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH TRÊN HỆ THỐNG TRUYỀN THANH\nQuý IV năm 2026\n"
    word = studio.client.get("/s/an-lac/reports/bao-cao-2026-Q4.docx")
    assert word.headers["content-type"] == formats.FORMATS[0].media_type
    assert word.content == (folder / "reports" / "bao-cao-2026-Q4.docx").read_bytes()
    for name in STRAYS:
        assert studio.client.get(f"/s/an-lac/reports/{name}").status_code == 404, name


def test_without_the_added_format_neither_lists_its_files(studio):
    folder = studio.folders["an-lac"]
    assert cli_listing(folder) == [] and studio_listing(studio) == []
    assert "chưa có báo cáo nào" in run_cli("report", "-s", str(folder)).stdout
    run_cli("report", "2026", "-s", str(folder))
    (folder / "reports" / "bao-cao-2026.txt").write_text("một định dạng không còn trong bảng", encoding="utf-8")
    expected = ["bao-cao-2026.docx", "bao-cao-2026.md", "bao-cao-2026.html"]
    assert cli_listing(folder) == expected and studio_listing(studio) == expected
    assert studio.client.get("/s/an-lac/reports/bao-cao-2026.txt").status_code == 404


def test_the_command_help_names_every_format_of_the_table():
    shown = run_cli("report", "--help", env={"COLUMNS": "200"}).stdout
    for form in formats.FORMATS:
        assert form.suffix in shown
