"""Yearly topic rotation: twelve monthly topics that together cover every plan item.

The content items are data (the packaged ``plan.yaml`` or a station's own); topics say which
items they cover. A greedy set cover picks the fewest topics that cover everything, in the
order the plan lists its items; the remaining months rotate through the other topics.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from radio.config import load_model, save_model
from radio.errors import ConfigError
from radio.library import (PlanItem, Procedure, Topic, all_procedures, all_topics,
                           load_plan_items)
from radio.models import MONTH_PATTERN, Model

class PlannedMonth(Model):
    month: str = Field(pattern=MONTH_PATTERN)
    topic: str
    procedure: str
    covers: list[str] = Field(default_factory=list)


class YearPlan(Model):
    year: int
    items_file: str
    months: list[PlannedMonth] = Field(min_length=12, max_length=12)

    def for_month(self, month: str) -> PlannedMonth | None:
        return next((m for m in self.months if m.month == month), None)


@dataclass(frozen=True)
class Coverage:
    item: PlanItem
    months: list[str]


def propose(year: int, items: list[PlanItem], topics: list[Topic], procedures: list[Procedure],
            items_file: Path) -> YearPlan:
    """Every library procedure airs in turn (a year has more months than procedures), so the
    topics only need to cover the items the procedure guides do not."""
    item_ids = [item.id for item in items]
    by_procedures = {i for p in procedures for i in p.covers}
    coverable = {i for t in topics for i in t.covers} | by_procedures
    missing = [item for item in items if item.id not in coverable]
    if missing:
        names = "; ".join(f"{m.id} ({m.title})" for m in missing)
        raise ConfigError(items_file, f"chưa có chủ đề nào trong thư viện nói về: {names}.",
                          hint="thêm chủ đề có trường covers chứa các mục này vào thư mục "
                               "templates/topics của đài.")
    uncovered = set(item_ids) - by_procedures
    chosen: list[Topic] = []

    def gain(topic: Topic) -> tuple[int, int]:
        # Most new items first; among equals, the topic for the earliest item in the plan.
        positions = [item_ids.index(i) for i in topic.covers if i in uncovered]
        return len(positions), -min(positions, default=len(item_ids))

    while uncovered:
        best = max((t for t in topics if t not in chosen), key=gain)
        chosen.append(best)
        uncovered -= set(best.covers)
    if len(chosen) > 12:
        raise ConfigError(items_file, f"cần {len(chosen)} chủ đề mới phủ hết các mục, nhiều hơn 12 tháng.",
                          hint="gộp bớt mục trong kế hoạch hoặc dùng chủ đề bao quát nhiều mục hơn.")
    rest = [t for t in topics if t not in chosen]
    rotation = chosen + rest
    months = []
    for index in range(12):
        topic = rotation[index % len(rotation)]
        procedure = procedures[index % len(procedures)]
        covered = set(topic.covers) | set(procedure.covers)
        months.append(PlannedMonth(month=f"{year}-{index + 1:02d}", topic=topic.id,
                                   procedure=procedure.id,
                                   covers=[i for i in item_ids if i in covered]))
    return YearPlan(year=year, items_file=str(items_file), months=months)


def coverage(plan: YearPlan, items: list[PlanItem]) -> list[Coverage]:
    return [Coverage(item, [m.month for m in plan.months if item.id in m.covers]) for item in items]


def plan_path(station_dir: Path, year: int) -> Path:
    return station_dir / "plans" / f"{year}.yaml"


def make_plan(station_dir: Path, year: int) -> tuple[YearPlan, list[Coverage], Path]:
    items, items_file = load_plan_items(station_dir)
    plan = propose(year, items, all_topics(station_dir), all_procedures(station_dir), items_file)
    path = plan_path(station_dir, year)
    save_model(path, plan, "# Kế hoạch chủ đề cả năm — có thể sửa chủ đề, thủ tục của từng tháng.\n")
    return plan, coverage(plan, items), path


def load_or_propose(station_dir: Path, year: int) -> YearPlan:
    path = plan_path(station_dir, year)
    if path.exists():
        return load_model(path, YearPlan)
    items, items_file = load_plan_items(station_dir)
    return propose(year, items, all_topics(station_dir), all_procedures(station_dir), items_file)
