"""Every command's help and usage errors speak Vietnamese: no English word of typer's or
click's own outside command and option names."""
import re

import pytest

from radio.cli import app
from radio.cli_words import ORDER, vietnamese

# The English of typer, click and pydantic's conversion errors, and common English words
# that would betray an untranslated string. Words that are also Vietnamese ("in", "to",
# "an", "no") are left out.
ENGLISH = set("""
usage options option commands command arguments argument required default show this message
exit try help error missing such invalid value values input should valid integer string str
bool float int path file directory got unexpected extra parameter choose from the and for
with or not does exist is are aborted deprecated env var list type text number boolean
expected must be of at least most one more than
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
