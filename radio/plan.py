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

# A procedure guide is worth repeating once in a year, not every other month.
MAX_PROCEDURE_AIRINGS = 2


class PlannedMonth(Model):
    month: str = Field(pattern=MONTH_PATTERN)
    topic: str
    procedure: str
    covers: list[str] = Field(default_factory=list)
    # Topics that can replace this month's without leaving a plan item uncovered.
    alternatives: list[str] = Field(default_factory=list)


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


def _procedure_order(item_ids: list[str], procedures: list[Procedure]) -> list[Procedure]:
    """Guides that cover a plan item first, in the plan's order; then the others."""
    def rank(procedure: Procedure) -> tuple[int, str]:
        positions = [item_ids.index(i) for i in procedure.covers if i in item_ids]
        return min(positions, default=len(item_ids)), procedure.id
    return sorted(procedures, key=rank)


def propose(year: int, items: list[PlanItem], topics: list[Topic], procedures: list[Procedure],
            items_file: Path) -> YearPlan:
    """Twelve months of topic + procedure guide that together cover every plan item.

    Procedures rotate (each at most twice a year when the library has six or more), those
    that cover a plan item first; a greedy set cover then picks the fewest topics for the
    items the chosen guides leave, and the other topics fill the remaining months."""
    item_ids = [item.id for item in items]
    if not procedures:
        raise ConfigError(items_file, "thư viện chưa có thủ tục nào để hướng dẫn.",
                          hint="thêm tệp thủ tục vào thư mục templates/procedures của đài.")
    ordered = _procedure_order(item_ids, procedures)
    monthly = [ordered[index % len(ordered)] for index in range(12)]
    by_procedures = {i for p in monthly for i in p.covers}
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
    rotation = chosen + [t for t in topics if t not in chosen]
    months = []
    for index in range(12):
        topic, procedure = rotation[index % len(rotation)], monthly[index]
        covered = set(topic.covers) | set(procedure.covers)
        months.append(PlannedMonth(month=f"{year}-{index + 1:02d}", topic=topic.id,
                                   procedure=procedure.id,
                                   covers=[i for i in item_ids if i in covered]))
    plan = YearPlan(year=year, items_file=str(items_file), months=months)
    return _with_alternatives(plan, item_ids, topics, procedures)


def _covered(plan: YearPlan, topics: dict[str, Topic], procedures: dict[str, Procedure],
             skip: int | None = None) -> set[str]:
    covered: set[str] = set()
    for index, month in enumerate(plan.months):
        if index != skip:
            covered |= set(getattr(topics.get(month.topic), "covers", []))
        covered |= set(getattr(procedures.get(month.procedure), "covers", []))
    return covered


def _with_alternatives(plan: YearPlan, item_ids: list[str], topics: list[Topic],
                       procedures: list[Procedure]) -> YearPlan:
    """For each month, up to three topics that keep every item covered if swapped in;
    topics not yet in the year come first, so a swap also avoids a repeat."""
    by_id, procs = {t.id: t for t in topics}, {p.id: p for p in procedures}
    used = {m.topic for m in plan.months}
    months = []
    for index, month in enumerate(plan.months):
        needed = set(item_ids) - _covered(plan, by_id, procs, skip=index)
        fits = [t for t in topics if t.id != month.topic and needed <= set(t.covers)]
        fits.sort(key=lambda t: (t.id in used, t.id))
        months.append(month.model_copy(update={"alternatives": [t.id for t in fits[:3]]}))
    return plan.model_copy(update={"months": months})


def coverage(plan: YearPlan, items: list[PlanItem], topics: list[Topic] | None = None,
             procedures: list[Procedure] | None = None) -> list[Coverage]:
    """Which months speak of each plan item; from the library when given, so a month whose
    topic was swapped by hand counts what it now covers."""
    if topics is None or procedures is None:
        return [Coverage(item, [m.month for m in plan.months if item.id in m.covers]) for item in items]
    by_id, procs = {t.id: t for t in topics}, {p.id: p for p in procedures}
    return [Coverage(item, [m.month for m in plan.months
                            if item.id in set(getattr(by_id.get(m.topic), "covers", []))
                            | set(getattr(procs.get(m.procedure), "covers", []))])
            for item in items]


def procedure_counts(plan: YearPlan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for month in plan.months:
        counts[month.procedure] = counts.get(month.procedure, 0) + 1
    return counts


def plan_path(station_dir: Path, year: int) -> Path:
    return station_dir / "plans" / f"{year}.yaml"


def make_plan(station_dir: Path, year: int) -> tuple[YearPlan, list[Coverage], Path]:
    items, items_file = load_plan_items(station_dir)
    plan = propose(year, items, all_topics(station_dir), all_procedures(station_dir), items_file)
    path = plan_path(station_dir, year)
    save_model(path, plan, PLAN_HEADER)
    return plan, coverage(plan, items), path


PLAN_HEADER = ("# Kế hoạch chủ đề cả năm — có thể sửa chủ đề, thủ tục của từng tháng.\n"
               "# Đổi chủ đề của một tháng sang một chủ đề trong 'alternatives' của tháng đó\n"
               "# thì cả năm vẫn nói đủ mọi nội dung của kế hoạch.\n")


def choose_alternative(station_dir: Path, year: int, month: str, topic_id: str) -> YearPlan:
    """The month's topic swapped for one of its alternatives (so every plan item stays
    covered); the year's plan saved (the proposal, when none was saved yet) with each month's
    coverage and alternatives worked out again."""
    plan = load_or_propose(station_dir, year)
    planned = plan.for_month(month)
    path = plan_path(station_dir, year)
    if planned is None or topic_id not in planned.alternatives:
        raise ConfigError(path, f"chủ đề '{topic_id}' không nằm trong các chủ đề có thể thay cho tháng {month}.",
                          hint="chọn một chủ đề trong danh sách của tháng đó.")
    items, _ = load_plan_items(station_dir)
    topics, procedures = all_topics(station_dir), all_procedures(station_dir)
    by_id, procs = {t.id: t for t in topics}, {p.id: p for p in procedures}
    item_ids = [item.id for item in items]
    months = []
    for m in plan.months:
        if m.month == month:
            covered = set(by_id[topic_id].covers) | set(getattr(procs.get(m.procedure), "covers", []))
            m = m.model_copy(update={"topic": topic_id, "covers": [i for i in item_ids if i in covered]})
        months.append(m)
    plan = _with_alternatives(plan.model_copy(update={"months": months}), item_ids, topics, procedures)
    save_model(path, plan, PLAN_HEADER)
    return plan


def load_or_propose(station_dir: Path, year: int) -> YearPlan:
    path = plan_path(station_dir, year)
    if path.exists():
        return load_model(path, YearPlan)
    items, items_file = load_plan_items(station_dir)
    return propose(year, items, all_topics(station_dir), all_procedures(station_dir), items_file)
