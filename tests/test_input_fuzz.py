"""No input file ends a command in a traceback (issue 26): impossible dates and invisible
control characters are named with the file and line, and several hundred seeded mutations
of the sample station's own files end in success or in a Vietnamese message."""
from __future__ import annotations

import random
import re
import shutil
import traceback
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from radio.config import load_model, read_yaml
from radio.errors import ConfigError, RadioError
from radio.library import PACKAGE_TEMPLATES
from tests.conftest import run_cli
from tests.fixtures import MONTH, make_station


def _line_of(path: Path, needle: str) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if needle in line)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- impossible dates -----------------------------------------------------------------------

def test_an_impossible_holiday_names_station_yaml_and_its_line(tmp_path):
    station = make_station(tmp_path)
    path = station / "station.yaml"
    _replace(path, "  holidays: []", "  holidays: [2027-02-30]")
    result = run_cli("status", "-s", str(station))
    assert result.returncode == 1
    assert f"Tệp {path}, dòng {_line_of(path, '2027-02-30')}" in result.stderr
    assert "ngày '2027-02-30' không có thật (tháng 2 năm 2027 chỉ có 28 ngày)" in result.stderr
    assert "Cách xử lý" in result.stderr and "Traceback" not in result.stderr


def test_the_player_daemon_names_an_impossible_date_instead_of_crashing(tmp_path):
    station = make_station(tmp_path)
    path = station / "station.yaml"
    _replace(path, "  not_holidays: []", "  not_holidays: [0000-00-00]")
    until = (datetime.now() + timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S")
    result = run_cli("player", "run", "-s", str(station), "--output", "null", "--until", until)
    assert result.returncode == 1
    assert f"Tệp {path}, dòng {_line_of(path, '0000-00-00')}: ngày '0000-00-00' không có thật" in result.stderr
    assert "Máy phát đang chạy" not in result.stdout


def test_a_month_that_is_a_date_names_the_brief(tmp_path):
    station = make_station(tmp_path)
    brief = station / "months" / f"{MONTH}.yaml"
    _replace(brief, f"month: {MONTH}", "month: 0000-00-00")
    result = run_cli("compose", MONTH, "-s", str(station))
    assert result.returncode == 1
    assert f"Tệp {brief}, dòng {_line_of(brief, 'month:')}: ngày '0000-00-00' không có thật" in result.stderr


def _plan(station: Path) -> Path:
    assert run_cli("plan", "2027", "-s", str(station)).returncode == 0
    return station / "plans" / "2027.yaml"


def _own_topic(station: Path) -> Path:
    folder = station / "templates" / "topics"
    folder.mkdir(parents=True)
    shutil.copyfile(PACKAGE_TEMPLATES / "topics" / "de-an-06.yaml", folder / "de-an-06.yaml")
    return folder / "de-an-06.yaml"


def _own_file(station: Path, name: str, text: str) -> Path:
    (station / name).write_text(text, encoding="utf-8")
    return station / name


def _loaders():
    """Every YAML file a station holds, how to make it, what the date replaces in it, and
    the function that reads it."""
    from radio.compose import load_brief
    from radio.library import Topic, load_plan_items
    from radio.models import Script
    from radio.plan import YearPlan
    from radio.speech.normalize import load_lexicon
    from radio.station import read_station_file
    return {
        "station": (lambda s: s / "station.yaml", "  holidays: []", "  holidays: [{date}]", read_station_file),
        "brief": (lambda s: s / "months" / f"{MONTH}.yaml", "  - title: Kết quả",
                  "  - title: {date}\n    x: Kết quả", load_brief),
        "script": (lambda s: s / "scripts" / f"{MONTH}.yaml", f"month: {MONTH}", "month: {date}",
                   lambda p: load_model(p, Script)),
        "plan": (_plan, "month: 2027-03", "month: {date}", lambda p: load_model(p, YearPlan)),
        "plan items": (lambda s: _own_file(s, "plan.yaml", "items:\n  - id: a\n    title: Một\n"),
                       "title: Một", "title: {date}", lambda p: load_plan_items(p.parent)),
        "lexicon": (lambda s: _own_file(s, "lexicon.yaml", "abbreviations:\n  UBND: Ủy ban\n"),
                    "UBND: Ủy ban", "UBND: {date}", load_lexicon),
        "topic": (_own_topic, "issued: 2022-01-06", "issued: {date}", lambda p: load_model(p, Topic)),
    }


@pytest.mark.parametrize("kind", list(_loaders()))
@pytest.mark.parametrize("date, reason", [
    ("2027-02-30", "tháng 2 năm 2027 chỉ có 28 ngày"),
    ("0000-00-00", "không có năm 0"),
    ("2026-13-01", "tháng phải từ 1 đến 12"),
    ("2027-02-16 25:00:00", "giờ phải từ 0 đến 23"),
])
def test_every_yaml_file_names_an_impossible_date_and_its_line(tmp_path, kind, date, reason):
    make, old, new, load = _loaders()[kind]
    path = make(make_station(tmp_path))
    _replace(path, old, new.format(date=date))
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.path == path and caught.value.line == _line_of(path, date)
    assert f"ngày '{date}' không có thật ({reason})" in caught.value.message
    assert "NĂM-THÁNG-NGÀY" in caught.value.hint


def test_a_real_date_written_without_quotes_is_read_as_written(tmp_path):
    from radio.station import read_station_file
    station = make_station(tmp_path)
    path = station / "station.yaml"
    _replace(path, "  holidays: []", "  holidays: [2027-03-15]")
    assert read_station_file(path).schedule.holidays == ["2027-03-15"]
    assert run_cli("status", "-s", str(station)).returncode == 0
    _replace(path, "[2027-03-15]", "[2027-3-5]")  # a date YAML reads, but not in the station's form
    with pytest.raises(ConfigError) as caught:
        read_station_file(path)
    assert caught.value.line == _line_of(path, "2027-3-5") and "NĂM-THÁNG-NGÀY" in caught.value.message


@pytest.mark.parametrize("kind, old, new, words", [
    # Python reads "20270216" as a date, but the schedule compares YYYY-MM-DD: never a day off.
    ("station", "  holidays: []", '  holidays: ["20270216"]', "ngày '20270216' không hợp lệ; viết dạng NĂM-THÁNG-NGÀY"),
    ("station", "  not_holidays: []", '  not_holidays: ["2027-02-29"]',
     "ngày '2027-02-29' không có thật (tháng 2 năm 2027 chỉ có 28 ngày)"),
    ("topic", "issued: 2022-01-06", 'issued: "2022-02-30"', "ngày '2022-02-30' không có thật"),
])
def test_a_quoted_date_must_exist_and_be_written_year_month_day(tmp_path, kind, old, new, words):
    make, _old, _new, load = _loaders()[kind]
    path = make(make_station(tmp_path))
    _replace(path, old, new)
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.path == path and caught.value.line == _line_of(path, new.strip())
    assert words in caught.value.message


@pytest.mark.parametrize("value, words", [
    ("!!int mười", "'mười' không phải một số nguyên"),
    ("!!timestamp sớm", "ngày 'sớm' không có thật"),
    ("9" * 5000, "không phải một số nguyên"),
    ("!!bool có", "'có' không phải true hoặc false"),
])
def test_a_value_yaml_cannot_convert_names_its_line(tmp_path, value, words):
    path = tmp_path / "brief.yaml"
    path.write_text(f"month: 2027-01\nfigures:\n  a: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_yaml(path)
    assert caught.value.line == 3 and words in caught.value.message


def test_the_packaged_yaml_is_read_with_the_same_checks():
    from radio.config import parse_packaged
    with pytest.raises(ConfigError) as caught:
        parse_packaged("abbreviations:\n  UBND: 2027-02-30\n", "radio/speech/lexicon.yaml")
    assert caught.value.line == 2 and "radio/speech/lexicon.yaml" in str(caught.value)


# -- control characters ---------------------------------------------------------------------

@pytest.mark.parametrize("nesting", [0, 1200], ids=["libyaml", "python parser"])
def test_a_control_character_is_named_with_its_line_column_and_code(tmp_path, nesting):
    path = tmp_path / "brief.yaml"
    deep = "x: " + "[" * nesting + "]" * nesting + "\n" if nesting else ""
    path.write_text(f"month: 2027-01\n{deep}topic: dich-vu\ntitle: Tin\x07 mới\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_yaml(path)
    line = 4 if nesting else 3
    assert str(caught.value).startswith(f"Tệp {path}, dòng {line}, cột 11: ")
    assert "ký tự điều khiển vô hình U+0007" in caught.value.message
    assert "xoá" in caught.value.hint and "thụt lề" not in caught.value.hint


def test_a_control_character_in_station_yaml_through_the_command_line(tmp_path):
    station = make_station(tmp_path)
    path = station / "station.yaml"
    _replace(path, "hotline: ", "hotline: \x1b")
    result = run_cli("status", "-s", str(station))
    assert result.returncode == 1
    assert f"dòng {_line_of(path, 'hotline:')}, cột 10" in result.stderr and "U+001B" in result.stderr
    assert "Traceback" not in result.stderr


# -- the fuzz -------------------------------------------------------------------------------

DATES = ["2027-02-30", "0000-00-00", "2026-13-01", "2026-00-10", "2027-02-29", "9999-12-32", "2027-2-31",
         "2027-02-16 25:00:00", "2027-02-16T10:61:00Z", "2027-02-16 10:00:00 +99:00", "2027-03-15"]
VALUES = ["[1, 2]", "{a: b}", "123", "-5", "0", "true", "null", "~", "3.5", "''", "[]", "{}", "- x",
          "9" * 5000, "1e999", "-1e999", ".nan", ".inf", "0x7fffffffffffffffffff", "9" * 40,
          "!!int abc", "!!float x", "!!bool maybe", "!!timestamp soon", "!!binary '@@'",
          "!!python/object/apply:os.system ['true']", "*nowhere", "&a x", "!!set {a, b}",
          "!!str [1]", "!!map [1]", "{[1]: 2}", "? [a, b]\n: c", "|", ">-", "'unclosed", '"\\q"',
          "%TAG", "@x", "`x`", "2026-12", "12:00", "24:00", "-", "...", "---", "!!omap [1]"]
MONTHS = ["2026-13", "0000-00", "12-2026", "2026-1", "2026-12-01", "2026-02-30", "26-12", "２０２６-１２"]
ODD = ["\u200b", "\u202e", "\ufeff", "\ufffe", "\u0301", "\U0001f399", "\u2028", "\x85", "Ａ",
       "\U0001f600" * 40, "\ud7ff", "\ue000", "ǅ", "\u00a0", "İ"]
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x80", "\x9b", "\x9f"]
SYNTAX = [": ", "- ", "[", "]", "{", "}", '"', "'", "|", ">", "&", "*", "!", "%", "@", "`", "#", "? ", "\t"]

VALUE_LINE = re.compile(r"^(\s*(?:- )?[^\s#:'\"][^:#]*:\s)(.+)$")


def _valued(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if VALUE_LINE.match(line)] or [0]


def _set_value(rng, text: str, pool: list[str]) -> str:
    lines = text.splitlines()
    i = rng.choice(_valued(lines))
    match = VALUE_LINE.match(lines[i])
    lines[i] = (match.group(1) if match else lines[i] + ": ") + rng.choice(pool)
    return "\n".join(lines) + "\n"


def _insert(rng, text: str, pool: list[str]) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(pool) + text[at:]


def _lines(rng, text: str, how: str) -> str:
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    if how == "delete":
        del lines[i:i + rng.choice((1, 1, 2, 5))]
    elif how == "duplicate":
        lines.insert(rng.randrange(len(lines) + 1), lines[i])
    elif how == "swap":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif how == "indent":
        stripped = lines[i].lstrip(" ")
        lines[i] = rng.choice(("", " ", "   ", "\t", " " * (len(lines[i]) - len(stripped) + 1))) + stripped
    return "\n".join(lines) + "\n"


def _month(rng, text: str) -> str:
    return text.replace(MONTH, rng.choice(MONTHS), rng.choice((1, 5)))


MUTATIONS = {
    "impossible date": lambda rng, text: _set_value(rng, text, DATES),
    "swapped type": lambda rng, text: _set_value(rng, text, VALUES),
    "wrong month": _month,
    "control character": lambda rng, text: _insert(rng, text, CONTROL),
    "unicode oddity": lambda rng, text: _insert(rng, text, ODD),
    "syntax character": lambda rng, text: _insert(rng, text, SYNTAX),
    "deleted lines": lambda rng, text: _lines(rng, text, "delete"),
    "duplicated line": lambda rng, text: _lines(rng, text, "duplicate"),
    "swapped lines": lambda rng, text: _lines(rng, text, "swap"),
    "broken indentation": lambda rng, text: _lines(rng, text, "indent"),
    "truncated": lambda rng, text: text[:rng.randrange(len(text))],
}
BYTE_MUTATIONS = {
    "not UTF-8": lambda rng, data: data[:(at := rng.randrange(len(data)))] + b"\xff\xfe" + data[at:],
    "UTF-16": lambda rng, data: data.decode("utf-8").encode("utf-16"),
    "empty": lambda rng, data: b"",
}


def mutations(seed: int, text: str, count: int):
    """``count`` mutated versions of ``text``, the same for the same seed: one to three text
    mutations each, and now and then a mangling of the bytes."""
    rng = random.Random(seed)
    for _ in range(count):
        names = rng.sample(sorted(MUTATIONS), rng.choice((1, 1, 2, 3)))
        mutated = text
        for name in names:
            mutated = MUTATIONS[name](rng, mutated) or mutated
        data = mutated.encode("utf-8", "surrogatepass")
        if rng.random() < 0.04:
            name = rng.choice(sorted(BYTE_MUTATIONS))
            names.append(name)
            data = BYTE_MUTATIONS[name](rng, data)
        yield " + ".join(names), data


VIETNAMESE = re.compile("[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]")
ENGLISH = re.compile(r"Input should|should be|Field required|Value error|is not|cannot|expected|found|"
                     r"while (scanning|parsing)|could not|not allowed")


def _unfit(message: str) -> str | None:
    """Why ``message`` is not one to show an officer, or None."""
    if not VIETNAMESE.search(message):
        return "not Vietnamese"
    english = ENGLISH.search(message)
    return f"English words: {english.group(0)!r}" if english else None


def _fuzz(load, path: Path, cases) -> list[str]:
    problems = []
    for number, (what, data) in enumerate(cases):
        path.write_bytes(data)
        try:
            load(path)
        except RadioError as exc:
            unfit = _unfit(str(exc))
            if unfit or (isinstance(exc, ConfigError) and exc.path != path):
                problems.append(f"#{number} {what}: {unfit or 'names another file'}: {exc}")
        except Exception:  # the traceback that would reach the user
            problems.append(f"#{number} {what}: {traceback.format_exc(limit=-3)}")
    return problems


PACKAGED = {"lexicon": PACKAGE_TEMPLATES.parent / "speech" / "lexicon.yaml",
            "plan items": PACKAGE_TEMPLATES / "plan.yaml"}


@pytest.fixture(scope="module")
def fuzz_station(tmp_path_factory) -> Path:
    return make_station(tmp_path_factory.mktemp("fuzz"), segments=None)


@pytest.mark.parametrize("kind, count", [("station", 150), ("brief", 100), ("script", 100),
                                         ("lexicon", 25), ("topic", 25), ("plan items", 15)])
def test_mutated_files_never_end_in_a_traceback(tmp_path, kind, count):
    station = make_station(tmp_path, segments=None)
    make, _old, _new, load = _loaders()[kind]
    path = make(station)
    if kind in PACKAGED:  # the packaged file, as a station's own
        shutil.copyfile(PACKAGED[kind], path)
    seed = 26 * 1000 + sorted(_loaders()).index(kind)
    problems = _fuzz(load, path, mutations(seed, path.read_text(encoding="utf-8"), count))
    assert not problems, f"{len(problems)} of {count}:\n" + "\n".join(problems)


@pytest.mark.parametrize("kind, command", [
    ("station", ("status",)), ("station", ("player", "status")), ("brief", ("compose", MONTH, "--allow-length")),
    ("script", ("review", MONTH)), ("script", ("status", MONTH)),
])
def test_mutated_files_through_the_command_line(fuzz_station, tmp_path, kind, command):
    make = _loaders()[kind][0]
    source = make(fuzz_station).read_text(encoding="utf-8")
    problems = []
    seed = 2600 + len(command) + sorted(_loaders()).index(kind)
    for number, (what, data) in enumerate(mutations(seed, source, 8)):
        station = make_station(tmp_path, segments=None, name=f"case-{number}")
        make(station).write_bytes(data)
        try:
            result = run_cli(*command, "-s", str(station))
        except Exception:
            problems.append(f"#{number} {what}: {traceback.format_exc(limit=-3)}")
            continue
        if result.returncode != 0:
            unfit = _unfit(result.stderr)
            if "Traceback" in result.stderr or not result.stderr.startswith("Lỗi:") or unfit:
                problems.append(f"#{number} {what}: exit {result.returncode}, {unfit}: {result.stderr}")
    assert not problems, "\n".join(problems)
