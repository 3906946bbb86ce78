"""The packaged topic and procedure library, with a station's own files taking precedence."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import ConfigDict, Field

from radio.config import load_model
from radio.errors import ConfigError
from radio.models import IsoDate, Model

PACKAGE_TEMPLATES = Path(str(resources.files("radio").joinpath("templates")))
M = TypeVar("M", bound=Model)


class Source(Model):
    """Where a claim comes from: a legal document (its number, when it was issued, when it
    takes effect and, once known, when it stops applying) or a published page."""
    title: str  # e.g. "Luật Hộ tịch"
    number: str | None = None  # e.g. "60/2014/QH13"
    issued: IsoDate | None = None
    effective: IsoDate | None = None
    until: IsoDate | None = None  # the last day it applies (replaced or expired)
    url: str | None = None

    @property
    def cited(self) -> str:
        return f"{self.title} số {self.number}" if self.number else self.title


class Version(Model):
    """One wording of a text and the days it holds (both ends included; open when absent)."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)
    text: str
    valid_from: IsoDate | None = Field(default=None, alias="from")
    until: IsoDate | None = None
    basis: str | None = None  # the document that makes this wording right

    def holds_on(self, day: str) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.until is None or day <= self.until)


class Versions(Model):
    """A text whose wording changes on a date (law that changes during the year)."""
    versions: list[Version] = Field(min_length=1)

    def on(self, day: str) -> Version | None:
        return next((v for v in self.versions if v.holds_on(day)), None)


# A text of the library: plain, or worded differently before and after a change in the law.
Text = str | Versions


@dataclass(frozen=True)
class Change:
    """A day on which something an item says changes: a wording begins or ends, a source
    takes effect or stops applying."""
    day: str
    what: str


class Checked(Model):
    """Facts about law and procedures go stale: each item says the day it was last re-read
    against its sources, and which of its facts could not be confirmed then."""
    sources: list[Source] = Field(default_factory=list)
    # YYYY-MM-DD (older station files may still say only the month, YYYY-MM).
    checked: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
    # Facts that could not be confirmed; the review lint asks the officer to check each one.
    unconfirmed: list[str] = Field(default_factory=list)
    # A whole item that only holds for a while (a procedure that begins or ends with a law).
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None

    def in_force(self, day: str):
        """This item as it reads on ``day``: every text the wording then in force, list
        elements with none in force left out."""
        update = {}
        for name, value in self:
            if isinstance(value, Versions):
                version = value.on(day)
                update[name] = version.text if version else ""
            elif isinstance(value, list) and any(isinstance(v, Versions) for v in value):
                update[name] = [v if isinstance(v, str) else version.text
                                for v in value if isinstance(v, str) or (version := v.on(day))]
        return self.model_copy(update=update)

    def holds_on(self, day: str) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until)

    def changes(self) -> list[Change]:
        """Every day on which what this item says (or rests on) changes, in order."""
        found = []
        for source in self.sources:
            if source.effective:
                found.append(Change(source.effective, f"{source.cited} có hiệu lực"))
            if source.until:
                found.append(Change(_day_after(source.until), f"{source.cited} hết hiệu lực"))
        for name, value in self:
            for versions in _versions_in(value):
                for version in versions.versions:
                    basis = f" theo {version.basis}" if version.basis else ""
                    part = PART_NAMES.get(name, name)
                    if version.valid_from:
                        found.append(Change(version.valid_from, f"phần «{part}» đổi{basis}"))
                    if version.until:
                        found.append(Change(_day_after(version.until), f"phần «{part}» hết áp dụng"))
        if self.valid_from:
            found.append(Change(self.valid_from, "nội dung bắt đầu áp dụng"))
        if self.valid_until:
            found.append(Change(_day_after(self.valid_until), "nội dung hết áp dụng"))
        return sorted(set(found), key=lambda change: (change.day, change.what))


# How the review and `radio library --changes` name the part of an item whose wording
# changes: the leader reads them, so never the file's English field names.
PART_NAMES = {"lead": "lời dẫn", "points": "các ý chính", "closing_thought": "lời kết", "purpose": "mục đích",
              "who": "ai phải làm", "papers": "giấy tờ", "steps": "các bước", "fee": "lệ phí",
              "time_limit": "thời hạn giải quyết", "where": "nơi nộp", "tips": "lời dặn",
              "basis_spoken": "căn cứ pháp lý đọc trên sóng", "remember": "điều cần nhớ"}


def _versions_in(value) -> list[Versions]:
    if isinstance(value, Versions):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, Versions)]
    return []


def _day_after(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


class Topic(Checked):
    id: str
    title: str
    covers: list[str] = Field(min_length=1)
    lead: Text
    points: list[Text] = Field(min_length=1)
    closing_thought: Text = ""


class Procedure(Checked):
    id: str
    title: str
    covers: list[str] = Field(default_factory=list)
    purpose: Text
    who: Text
    # Named on air: a listener keeps three papers in mind, not a form's list (the library
    # check holds packaged items to three; a station's own may say more, and the review says so).
    papers: list[Text] = Field(min_length=1)
    steps: list[Text] = Field(min_length=1)
    fee: Text
    time_limit: Text
    where: Text
    tips: list[Text] = Field(default_factory=list)
    # The main legal basis said on air ("Thủ tục này thực hiện theo ..."); the rest are sources.
    basis_spoken: Text | None = None
    # The one number or deadline listeners must keep: said in the body, repeated at the end.
    remember: Text | None = None


def search_dirs(station_dir: Path | None, kind: str) -> list[Path]:
    dirs = [station_dir / "templates" / kind] if station_dir else []
    return dirs + [PACKAGE_TEMPLATES / kind]


def _load(kind: str, model: type, item_id: str, station_dir: Path | None, referenced_from: Path,
          line: int | None):
    for folder in search_dirs(station_dir, kind):
        path = folder / f"{item_id}.yaml"
        if path.exists():
            return load_model(path, model)
    known = sorted({p.stem for folder in search_dirs(station_dir, kind) if folder.is_dir()
                    for p in folder.glob("*.yaml")})
    label = "chủ đề" if kind == "topics" else "thủ tục"
    raise ConfigError(referenced_from, f"không có {label} '{item_id}' trong thư viện.", line=line,
                      hint=f"chọn một trong: {', '.join(known)}.")


def load_topic(topic_id: str, station_dir: Path | None, referenced_from: Path,
               line: int | None = None) -> Topic:
    return _load("topics", Topic, topic_id, station_dir, referenced_from, line)


def load_procedure(procedure_id: str, station_dir: Path | None, referenced_from: Path,
                   line: int | None = None) -> Procedure:
    return _load("procedures", Procedure, procedure_id, station_dir, referenced_from, line)


class PlanItem(Model):
    id: str
    title: str


class PlanItems(Model):
    items: list[PlanItem] = Field(min_length=1)


def _all(kind: str, model: type[M], station_dir: Path | None) -> list[M]:
    """Every item of a library kind, a station's own replacing a packaged one of the same id."""
    seen: dict[str, M] = {}
    for folder in reversed(search_dirs(station_dir, kind)):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            item = load_model(path, model)
            seen[item.id] = item
    return sorted(seen.values(), key=lambda item: item.id)


def all_topics(station_dir: Path | None) -> list[Topic]:
    return _all("topics", Topic, station_dir)


def all_procedures(station_dir: Path | None) -> list[Procedure]:
    return _all("procedures", Procedure, station_dir)


def plan_items_path(station_dir: Path | None) -> Path:
    own = station_dir / "plan.yaml" if station_dir else None
    return own if own and own.exists() else PACKAGE_TEMPLATES / "plan.yaml"


def load_plan_items(station_dir: Path | None) -> tuple[list[PlanItem], Path]:
    path = plan_items_path(station_dir)
    return load_model(path, PlanItems).items, path


def check_library(station_dir: Path | None = None) -> None:
    """Raise with every problem of the library listed, one per line (for content writers:
    ``python -c "from radio.library import check_library; check_library()"``)."""
    problems = library_problems(station_dir)
    if problems:
        raise ConfigError(PACKAGE_TEMPLATES, f"{len(problems)} chỗ cần sửa:\n" + "\n".join(problems))


def library_problems(station_dir: Path | None = None) -> list[str]:
    """Every problem of the library an officer (or a content writer) must fix, each naming
    its file: files that do not load, sentences too long for the ear in any wording, words
    never to be said, papers beyond three, a procedure without the one thing to remember,
    sources without number or dates, an item not re-read on a day."""
    from radio.ear import LONGEST_WORDS, never_said, spoken_sentences
    from radio.speech.normalize import Normalizer, load_lexicon

    normalizer = Normalizer(load_lexicon(station_dir / "lexicon.yaml" if station_dir else None))
    problems: list[str] = []
    for kind, model in (("topics", Topic), ("procedures", Procedure)):
        for folder in search_dirs(station_dir, kind):
            for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
                try:
                    item = load_model(path, model)
                except ConfigError as exc:
                    problems.append(exc.message)
                    continue
                problems += [f"{path.name}: {why}" for why in _item_problems(item, normalizer, spoken_sentences,
                                                                            never_said, LONGEST_WORDS)]
    return problems


def _item_problems(item: Checked, normalizer, spoken_sentences, never_said, longest: int) -> list[str]:
    problems = []
    if item.checked is None or len(item.checked) != 10:
        problems.append("checked phải là ngày đọc lại mục này với các văn bản (YYYY-MM-DD).")
    if not item.sources:
        problems.append("chưa có nguồn (sources).")
    for source in item.sources:
        if source.number and not (source.issued and source.effective):
            problems.append(f"nguồn «{source.cited}» thiếu ngày ban hành (issued) hoặc ngày hiệu lực (effective).")
    if isinstance(item, Procedure) and len(item.papers) > 3:
        problems.append(f"thủ tục nêu {len(item.papers)} loại giấy tờ; người nghe chỉ nhớ được ba.")
    if isinstance(item, Procedure) and item.remember is None:
        problems.append("thủ tục chưa có remember (một con số hoặc thời hạn để nhắc lại cuối đoạn).")
    for name, text in _texts(item):
        for sentence in spoken_sentences(text, normalizer):
            if sentence.words > longest:
                problems.append(f"{name}: câu dài {sentence.words} từ khi đọc (tối đa {longest}): "
                                f"«{sentence.written[:90]}…»")
            if bad := never_said(sentence.spoken):
                problems.append(f"{name}: cách đọc có từ không được phát ({', '.join(bad)}): «{sentence.written[:90]}»")
    return problems


def _texts(item: Checked) -> list[tuple[str, str]]:
    """Every wording of every text of an item, named by its field."""
    found = []
    for name, value in item:
        if name in ("id", "covers", "sources", "checked", "unconfirmed", "valid_from", "valid_until"):
            continue
        for element in value if isinstance(value, list) else [value]:
            if isinstance(element, str):
                found.append((name, element))
            elif isinstance(element, Versions):
                found += [(name, version.text) for version in element.versions]
    return found


def changes_in(station_dir: Path | None, year: int) -> list[tuple[Checked, Change]]:
    """Each item whose wording or basis changes during ``year``, with the change, by day."""
    found = [(item, change) for item in [*all_topics(station_dir), *all_procedures(station_dir)]
             for change in item.changes() if change.day.startswith(f"{year}-")]
    return sorted(found, key=lambda pair: (pair[1].day, pair[0].id))
