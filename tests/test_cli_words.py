"""Every command's help and usage errors speak Vietnamese: no English word of typer's or
click's own outside command and option names."""
import re

import pytest

from radio.cli import app
from radio.cli_words import ORDER, vietnamese
from tests.conftest import run_cli
from tests.fixtures import MONTH, make_station

# The English of typer, click and pydantic's conversion errors, and common English words
# that would betray an untranslated string. Words that are also Vietnamese ("in", "to",
# "an", "no") are left out.
ENGLISH = set("""
usage options option commands command arguments argument required default show this message
exit try help error missing such invalid value values input should valid integer string str
bool float int path file directory got unexpected extra parameter choose from the and for
with or not does exist is are aborted deprecated env var list type text number boolean
expected must be of at least most one more than older form raw mapping allowed context
could found while parsing scanning block sequence key literal enum permitted
""".split())


def command_paths():
    root = vietnamese(app)
    paths = [[]]
    for name, command in root.commands.items():
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


def words_outside_names(text: str) -> set[str]:
    text = re.sub(r"--?[a-z][a-z0-9-]*", " ", text)  # option names
    text = re.sub(r"\bradio( [a-z-]+)+", " ", text)  # command lines: radio users list ...
    text = re.sub(r"│ [a-z-]+ ", "│ ", text)  # the names in a list of commands
    text = re.sub(r"\b(system|file|null)\b(?= \()", " ", text)  # output names, typed as values
    text = re.sub(r"\S+\.(yaml|mp3|json|csv|ics|m3u8|html|docx|md|wav|onnx)\b", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}


def run(capsys, *args) -> str:
    command = vietnamese(app)
    with pytest.raises(SystemExit):
        command.main(list(args), prog_name="radio")
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "radio")
def test_help_and_a_wrong_option_have_no_english(capsys, monkeypatch, path):
    monkeypatch.setenv("COLUMNS", "200")
    shown = run(capsys, *path, "--help")
    assert "Cách dùng: radio" in shown
    wrong = run(capsys, *path, "--khong-co")
    assert "Không có tùy chọn --khong-co" in wrong
    for text in (shown, wrong):
        assert not words_outside_names(text) & ENGLISH, text
    if path and path[-1] not in ("player", "voices", "cache"):
        assert "Ví dụ: radio" in shown  # an example line in every command's help


def test_usage_errors_are_worded_in_vietnamese(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert "Thiếu tham số THÁNG" in run(capsys, "approve")
    assert "Thiếu tùy chọn --by" in run(capsys, "approve", "2026-12")
    assert "Không có lệnh 'khong-co'" in run(capsys, "khong-co")
    assert "Thừa tham số: thua" in run(capsys, "demo", "thua")
    assert "phải là số nguyên" in run(capsys, "schedule", "2026-12", "--remove", "mot")


def test_commands_are_listed_in_the_order_of_the_months_work(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    shown = run(capsys, "--help")
    listed = [line.split()[1] for line in shown.splitlines()
              if re.match(r"│ [a-z-]+ ", line) and not line.startswith("│ --")]
    assert listed == ORDER


def test_a_hidden_older_form_is_not_named_in_the_usage_line(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    shown = run(capsys, "report", "--khong-co")
    assert "Cách dùng: radio report [TÙY CHỌN] [KỲ]" in shown and "older" not in shown.lower()


def test_passwd_says_an_unknown_account_before_asking_for_a_password(tmp_path):
    folder = make_station(tmp_path, segments=())
    result = run_cli("users", "passwd", "khong-co", "-s", str(folder), stdin="")
    assert result.returncode != 0 and "Không có tài khoản 'khong-co'" in result.stderr
    assert "Mật khẩu" not in result.stdout + result.stderr


def test_normalize_reads_decomposed_text_as_production_does():
    import unicodedata

    written = "Ngày 15/3/2027, xã tổ chức tiêm chủng."
    composed = run_cli("normalize", written)
    decomposed = run_cli("normalize", unicodedata.normalize("NFD", written))
    assert composed.returncode == decomposed.returncode == 0
    assert decomposed.stdout == composed.stdout
    assert unicodedata.is_normalized("NFC", decomposed.stdout) and "mười lăm" in decomposed.stdout


# Each command's typical mistakes, made on a real station folder: what the user reads must be
# Vietnamese (names the user types — options, files, quoted values — aside).
BROKEN_FILES = [  # (file, text, what it becomes)
    ("station.yaml", "  preset: standard", "  preset: to-lam"),  # a value outside a Literal
    ("station.yaml", "\naudio:\n", "\naudio: a: b\n"),  # PyYAML's "mapping values are not allowed"
    ("station.yaml", "\naudio:\n", "\naudio:\n  id3: '2.5'\n"),
    ("station.yaml", "\naudio:\n", "\naudio:\n  bitrate_kbps: nhieu\n"),
    ("station.yaml", "\naudio:\n", "\n\taudio:\n"),
    ("station.yaml", "\naudio:\n", "\naudio:\n  khong_co: 1\n"),
    (f"months/{MONTH}.yaml", "topic: dich-vu-cong-truc-tuyen", "topic: khong-co"),
    (f"months/{MONTH}.yaml", "\nnews:\n", "\nnews: [\n"),
    (f"months/{MONTH}.yaml", f"month: {MONTH}", "month: 2026-12-40"),
    (f"months/{MONTH}.yaml", "\nnews:\n", "\nnews: 5\n"),
]
BRIEF_COMMANDS = [("compose", MONTH), ("review", MONTH)]
ERROR_COMMANDS = [
    ("status",), ("compose", MONTH), ("review", MONTH), ("schedule", MONTH), ("produce", MONTH),
    ("approve", MONTH, "--by", "A", "--role", "B"), ("publish", MONTH), ("log", "--month", MONTH),
    ("report", "2026-Q4"), ("player", "status"), ("voices",), ("plan", "2027"), ("new-month", "2027-01"),
]


def _quoted_and_named(text: str) -> str:
    text = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", " ", text)  # values and names quoted as typed
    return re.sub(r"\b[a-z0-9]+(_[a-z0-9]+)+\b|\b[a-z]+\.[a-z_.]+\b", " ", text)  # keys: audio.preset


@pytest.mark.parametrize("broken", BROKEN_FILES, ids=lambda b: f"{b[0]}: {b[2].strip()}")
def test_every_command_s_errors_on_a_broken_station_are_vietnamese(tmp_path, broken):
    folder = make_station(tmp_path, segments=())
    name, old, new = broken
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    commands = ERROR_COMMANDS if name == "station.yaml" else BRIEF_COMMANDS
    refused = 0
    for command in commands:
        result = run_cli(*command, "-s", str(folder), env={"COLUMNS": "200"})
        said = result.stdout + result.stderr
        refused += result.returncode != 0
        assert "Traceback" not in said, (command, said)
        english = words_outside_names(_quoted_and_named(said)) & ENGLISH
        assert not english, (command, english, said)
    assert refused >= len(commands) - (2 if name == "station.yaml" else 0)  # log reads no station.yaml


def test_every_command_s_usual_mistakes_are_vietnamese(tmp_path):
    folder = make_station(tmp_path, segments=())
    mistakes = [
        ("compose", "2026-13"), ("produce", "2031-01"), ("review", "2031-01"), ("approve", "2031-01", "--by", "A",
                                                                                "--role", "B"),
        ("schedule", "2031-01"), ("publish", "2031-01"), ("log",), ("log", "--csv-raw", "--month", MONTH),
        ("report", "2026-Q5"), ("report", "quy", "2026"), ("users", "passwd", "khong-co"),
        ("users", "disable", "khong-co"), ("voices", "install", "khong-co"), ("restore", "khong-co.db"),
        ("verify", "khong-co.json"), ("plan", "abc"), ("plan", "20270"), ("plan", "1999"),
        ("library", "--changes", "1"), ("new-month", "2027"),
        ("cache", "prune", "--older-than", "x"),
    ]
    for command in mistakes:
        result = run_cli(*command, "-s", str(folder), env={"COLUMNS": "200"})
        said = result.stdout + result.stderr
        assert result.returncode != 0 and "Traceback" not in said, (command, said)
        english = words_outside_names(_quoted_and_named(said)) & ENGLISH
        assert not english, (command, english, said)


def test_a_value_outside_the_choices_is_explained_in_vietnamese(tmp_path):
    """The values are what the officer types (so they stay as written), each said in Vietnamese."""
    folder = make_station(tmp_path, segments=())
    station = folder / "station.yaml"
    station.write_text(station.read_text(encoding="utf-8").replace("  preset: standard", "  preset: to-lam"),
                       encoding="utf-8")
    said = run_cli("status", "-s", str(folder), env={"COLUMNS": "200"}).stderr
    assert "chọn một trong: standard (mức −16 LUFS, cho loa thông minh và trang web)" in said, said
    assert "loudspeaker (loa nén ngoài trời" in said and " or " not in said
