"""Periodic reports' figures: what the CCHC column on the loudspeakers achieved in a
quarter, half-year or year, from the store (approvals, queue, as-run log) and the produced
files. Typed rows only; what a report says of them is ``outline``, how it looks a renderer's.

Every figure is computed from rows that ``rows`` keeps, so ``--detail`` can list them and a
reader can check any number: minutes aired is the sum of the as-run durations listed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from radio.anchors import anchor_text
from radio.approval import MonthFiles, read_manifest, standing_approval
from radio.clock import parsed
from radio.config import load_model
from radio.library import all_procedures, all_topics, load_plan_items
from radio.models import Brief, Station
from radio.reports.period import Period
from radio.schedule import station_zone
from radio.programme import RELAY, ProgrammeKey
from radio.store import ReviewEvent, Store
from radio.station import load_station
from radio.zones import ZoneCount, zone_counts

ON_AIR = ("aired", "interrupted", "preempted")  # results during which the programme was on air



@dataclass
class ProgrammeRow:
    month: str
    title: str
    duration_s: float
    approved_by: str | None
    approved_role: str | None
    approved_at: str | None
    airings_planned: int
    airings_aired: int
    made_in_period: bool = True  # its month is in the period (else made before, aired in it)
    withdrawn: bool = False  # approved when it aired, rejected since
    read_by: list[str] = field(default_factory=list)  # who read each segment read in person


@dataclass
class AsRunRow:
    airing_id: int
    month: str
    planned_at: str
    started_at: str | None
    ended_at: str | None
    result: str
    error: str | None
    duration_s: float = 0.0  # the programme's length
    output: str = ""
    programme: ProgrammeKey | None = None  # a month's, a bulletin's or a relay's

    @property
    def seconds_on_air(self) -> float:
        """An airing that ran to its end put the whole programme on air, whatever the output
        (a `file` output hands it over in a moment); an interrupted one, what was heard."""
        if self.result == "aired":
            return self.duration_s
        if self.result not in ("interrupted", "preempted") or not self.started_at or not self.ended_at:
            return 0.0
        heard = (parsed(self.ended_at) - parsed(self.started_at)).total_seconds()
        return max(0.0, min(heard, self.duration_s or heard))


@dataclass
class Report:
    station: Station
    period: Period
    made_at: datetime
    programmes: list[ProgrammeRow]
    airings_planned: int
    as_run: list[AsRunRow]
    covered: list[tuple[str, list[str]]]  # plan item title → months
    not_covered: list[str]
    months_without_programme: list[str]
    months_not_yet_due: list[str]
    files: list[Path] = field(default_factory=list)
    # The first record changed outside the tool, if the trail or the log was tampered with.
    tampered: str | None = None
    # The chains' heads when the report was made: a report filed away anchors the log.
    anchor: str = ""
    # Airings on air per loudspeaker zone and per kind (month, bulletin level, relay).
    by_zone: list[ZoneCount] = field(default_factory=list)
    # The relays of the period (national, provincial programmes), kept apart: the figures
    # above are the column's own.
    relays: list[AsRunRow] = field(default_factory=list)

    @property
    def minutes_relayed(self) -> float:
        return sum(row.seconds_on_air for row in self.relays) / 60

    def count(self, result: str) -> int:
        return sum(1 for row in self.as_run if row.result == result)

    @property
    def minutes_aired(self) -> float:
        return sum(row.seconds_on_air for row in self.as_run) / 60

    @property
    def made(self) -> list[ProgrammeRow]:
        return [p for p in self.programmes if p.made_in_period]

    @property
    def aired_programmes(self) -> list[ProgrammeRow]:
        return [p for p in self.programmes if p.airings_aired]

    @property
    def minutes_by_month(self) -> dict[str, float]:
        totals = {month: 0.0 for month in self.period.months}
        for row in self.as_run:
            key = row.planned_at[:7]
            if key in totals:
                totals[key] += row.seconds_on_air / 60
        return totals

    @property
    def approved(self) -> int:
        return sum(1 for p in self.programmes if p.approved_by)

    @property
    def pending(self) -> int:
        return self.airings_planned - len(self.as_run)

    @property
    def empty(self) -> bool:
        return not self.programmes and not self.airings_planned


def build_report(station_dir: Path, period: Period, now: datetime | None = None) -> Report:
    station = load_station(station_dir)
    zone = station_zone(station)
    now = now or datetime.now(zone)
    store = Store(station_dir, readonly=True)
    logged = {entry.airing_id: entry for entry in store.as_run()}
    everything = [a for a in store.queued()
                  if a.planned_at.astimezone(zone).strftime("%Y-%m") in period.months]
    # The column's figures count its monthly programmes; bulletins and relays (issue 32)
    # are counted with them per zone and kind (``by_zone``).
    in_period = [a for a in everything if a.month]
    as_run = [AsRunRow(a.id, a.month, logged[a.id].planned_at, logged[a.id].started_at,
                       logged[a.id].ended_at, logged[a.id].result, logged[a.id].error,
                       a.duration_s, logged[a.id].output, a.programme)
              for a in in_period if a.id in logged]
    relays = [AsRunRow(a.id, None, logged[a.id].planned_at, logged[a.id].started_at, logged[a.id].ended_at,
                       logged[a.id].result, logged[a.id].error, a.duration_s, logged[a.id].output, a.programme)
              for a in everything if a.programme.kind == RELAY and a.id in logged]
    as_run.sort(key=lambda r: r.planned_at)
    relays.sort(key=lambda r: r.planned_at)
    # A programme counts where it was made and where it aired: December's programme aired
    # in January is in both quarters' reports, marked as made earlier in the second.
    months = sorted(set(period.months) | {a.month for a in in_period if a.month})
    programmes = []
    for month in months:
        planned = [a for a in in_period if a.month == month]
        manifest = read_manifest(MonthFiles(station_dir, station.id, month))
        if manifest is None and not planned:
            continue
        standing = standing_approval(store, month)
        approval = standing or _approval_when_aired(store, month, planned)
        programmes.append(ProgrammeRow(
            month, manifest.title if manifest else planned[0].title,
            manifest.audio.duration_s if manifest else planned[0].duration_s,
            approval.by_name if approval else None, approval.role if approval else None,
            approval.at if approval else None, len(planned),
            sum(1 for r in as_run if r.month == month and r.result == "aired"),
            made_in_period=month in period.months, withdrawn=approval is not None and standing is None,
            read_by=[s.read_by.name for s in manifest.read_by_people] if manifest else []))
    # Coverage counts the programmes heard; "a month without a programme" is a month of the
    # period in which nothing went on air, whichever month's programme it would have been.
    aired_programme_months = sorted({r.month for r in as_run if r.result in ON_AIR})
    aired_in = {parsed(r.planned_at).astimezone(zone).strftime("%Y-%m") for r in as_run if r.result in ON_AIR}
    waiting = {a.planned_at.astimezone(zone).strftime("%Y-%m") for a in in_period if a.id not in logged}
    current = now.strftime("%Y-%m")
    covered, not_covered = _coverage(station_dir, aired_programme_months)
    return Report(
        station, period, now, programmes, len(in_period), as_run, covered, not_covered,
        months_without_programme=[m for m in period.months
                                  if m <= current and m not in aired_in and m not in waiting],
        months_not_yet_due=[m for m in period.months if m > current],
        tampered=store.broken_record(), anchor=anchor_text(store.heads()),
        by_zone=zone_counts(station, Path(station_dir), [logged[a.id] for a in everything if a.id in logged],
                            {a.id: a for a in everything}),
        relays=relays)


def _approval_when_aired(store: Store, month: str, planned: list) -> ReviewEvent | None:
    """The approval a programme aired under, when it has been withdrawn since: it was
    approved where it aired, and the report says so."""
    if not planned:
        return None
    first = min(a.planned_at for a in planned)
    approvals = [e for e in store.review_events(month)
                 if e.action == "approve" and parsed(e.at) <= first]
    return approvals[-1] if approvals else None


def _coverage(station_dir: Path, months: list[str]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Plan content items covered by the topics and procedures of the months that aired."""
    items, _ = load_plan_items(station_dir)
    topics = {t.id: t for t in all_topics(station_dir)}
    procedures = {p.id: p for p in all_procedures(station_dir)}
    by_item: dict[str, list[str]] = {item.id: [] for item in items}
    for month in months:
        brief_path = station_dir / "months" / f"{month}.yaml"
        if not brief_path.exists():
            continue
        brief = load_model(brief_path, Brief)
        covers = set(getattr(topics.get(brief.topic), "covers", []))
        covers |= set(getattr(procedures.get(brief.procedure), "covers", []))
        for item_id in covers & set(by_item):
            by_item[item_id].append(month)
    covered = [(item.title, by_item[item.id]) for item in items if by_item[item.id]]
    return covered, [item.title for item in items if not by_item[item.id]]
