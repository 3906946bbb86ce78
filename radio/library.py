"""The packaged topic and procedure library, with a station's own files taking precedence."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import Field

from radio.config import load_model
from radio.errors import ConfigError
from radio.models import MONTH_PATTERN, IsoDate, Model

PACKAGE_TEMPLATES = Path(str(resources.files("radio").joinpath("templates")))
M = TypeVar("M", bound=Model)


class Source(Model):
    """Where a claim comes from: a legal document (number and date) or a published page."""
    title: str  # e.g. "Luật Hộ tịch số 60/2014/QH13"
    issued: IsoDate | None = None
    url: str | None = None


class Checked(Model):
    """Facts about law and procedures go stale: each file says when it was last checked
    against its sources, and which of its facts could not be confirmed then."""
    sources: list[Source] = Field(default_factory=list)
    checked: str | None = Field(default=None, pattern=MONTH_PATTERN)
    # Facts that could not be confirmed; the review lint asks the officer to check each one.
    unconfirmed: list[str] = Field(default_factory=list)


class Topic(Checked):
    id: str
    title: str
    covers: list[str] = Field(min_length=1)
    lead: str
    points: list[str] = Field(min_length=1)
    closing_thought: str = ""


class Procedure(Checked):
    id: str
    title: str
    covers: list[str] = Field(default_factory=list)
    purpose: str
    who: str
    papers: list[str] = Field(min_length=1)
    steps: list[str] = Field(min_length=1)
    fee: str
    time_limit: str
    where: str
    tips: list[str] = Field(default_factory=list)
    # The main legal basis said on air ("Thủ tục này thực hiện theo ..."); the rest are sources.
    basis_spoken: str | None = None


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
