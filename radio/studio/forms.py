"""What the studio's pages show and accept, built from the stages: the month brief as a
form (validated by the same model and messages as the YAML file), the script with its
spoken readings, the airing calendar and the player's state."""
from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from radio.config import load_model, save_model
from radio.errors import ConfigError, RadioError
from radio.models import Brief, Script
from radio.station import MonthFiles, load_station

NEWS_SLOTS, QA_SLOTS = 3, 3


def brief_context(folder: Path, month: str, form: dict | None) -> dict:
    """The form's choices and values: from what was typed, else the saved brief, else the
    year plan's suggestion for the month."""
    from radio.library import all_procedures, all_topics
    from radio.plan import load_or_propose

    topics = all_topics(folder)
    procedures = all_procedures(folder)
    suggested = next((m for m in load_or_propose(folder, int(month[:4])).months if m.month == month), None)
    brief = None
    path = folder / "months" / f"{month}.yaml"
    if form is None and path.exists():
        try:
            brief = load_model(path, Brief)
        except RadioError:
            brief = None
    values = form if form is not None else _values_of(brief, suggested)
    return {"topics": topics, "procedures": procedures, "values": values, "suggested": suggested,
            "news_slots": range(NEWS_SLOTS), "qa_slots": range(QA_SLOTS)}


def _values_of(brief: Brief | None, suggested) -> dict:
    if brief is None:
        return {"topic": getattr(suggested, "topic", ""), "procedure": getattr(suggested, "procedure", "")}
    values = {"topic": brief.topic, "procedure": brief.procedure, "title": brief.title or "",
              "reminders": "\n".join(brief.reminders)}
    for i, item in enumerate(brief.news[:NEWS_SLOTS]):
        values[f"news_title_{i}"], values[f"news_text_{i}"] = item.title, item.text
    for i, pair in enumerate(brief.qa[:QA_SLOTS]):
        values[f"qa_question_{i}"], values[f"qa_answer_{i}"] = pair.question, pair.answer
        values[f"qa_asked_by_{i}"] = pair.asked_by or ""
    if brief.model_story:
        values["story_title"], values["story_text"] = brief.model_story.title, brief.model_story.text
    return values


def save_brief(folder: Path, month: str, form: dict) -> Path:
    """Validate the form as a Brief (the YAML file's own model) and write months/<month>.yaml;
    fields the form does not show (figures, extra segments, voices) are kept."""
    path = folder / "months" / f"{month}.yaml"
    kept = {}
    if path.exists():
        try:
            kept = load_model(path, Brief).model_dump(include={"figures", "extra_segments", "voices"})
        except RadioError:
            kept = {}
    news = [{"title": form.get(f"news_title_{i}", ""), "text": form.get(f"news_text_{i}", "")}
            for i in range(NEWS_SLOTS)]
    qa = [{"question": form.get(f"qa_question_{i}", ""), "answer": form.get(f"qa_answer_{i}", ""),
           "asked_by": form.get(f"qa_asked_by_{i}", "").strip() or None} for i in range(QA_SLOTS)]
    data = {
        "month": month, "topic": form.get("topic", ""), "procedure": form.get("procedure", ""),
        "title": form.get("title", "").strip() or None,
        "news": [n for n in news if n["title"].strip() or n["text"].strip()],
        "qa": [q for q in qa if q["question"].strip() or q["answer"].strip()],
        "reminders": [line.strip() for line in form.get("reminders", "").splitlines() if line.strip()],
        **kept,
    }
    if form.get("story_title", "").strip() or form.get("story_text", "").strip():
        data["model_story"] = {"title": form.get("story_title", ""), "text": form.get("story_text", "")}
    from pydantic import ValidationError

    try:
        brief = Brief.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(path, f"mục '{where}': {_field_problem(first)}.",
                          hint="điền đủ cả tiêu đề và nội dung cho mỗi tin, câu hỏi và câu trả lời.") from None
    from radio.library import load_procedure, load_topic

    load_topic(brief.topic, folder, path)  # unknown ids get the library's own message
    load_procedure(brief.procedure, folder, path)
    save_model(path, brief)
    return path


def _field_problem(error: dict) -> str:
    from radio.config import _ERROR_TEXT

    return _ERROR_TEXT.get(error["type"], error["msg"])


@dataclass
class SegmentRow:
    id: str
    title: str
    reader: str
    text: str
    spoken: str
    estimated_s: float | None


def script_view(folder: Path, month: str) -> list[SegmentRow]:
    from radio.speech.normalize import station_normalizer

    station = load_station(folder)
    files = MonthFiles(folder, station.id, month)
    if not files.script.exists():
        raise ConfigError(files.script, "chưa có kịch bản của tháng này.",
                          hint="bấm 'Soạn kịch bản' ở trang của tháng.")
    script = load_model(files.script, Script)
    normalizer = station_normalizer(station, folder)
    return [SegmentRow(s.id, s.title, _reader(station, s.voice), s.text, normalizer(s.text).text, s.estimated_s)
            for s in script.segments]


def _reader(station, voice: str) -> str:
    try:
        return station.announcer(voice).name
    except KeyError:
        return voice


def save_segment_text(folder: Path, month: str, segment_id: str, text: str) -> None:
    station = load_station(folder)
    files = MonthFiles(folder, station.id, month)
    script = load_model(files.script, Script)
    if not text.strip():
        raise RadioError("Đoạn không được để trống.", hint="viết nội dung của đoạn, hoặc giữ nguyên.")
    if segment_id not in {s.id for s in script.segments}:
        raise RadioError(f"Kịch bản không có đoạn '{segment_id}'.", hint="tải lại trang kịch bản.")
    segments = [s.model_copy(update={"text": text.replace("\r\n", "\n").strip()}) if s.id == segment_id else s
                for s in script.segments]
    save_model(files.script, script.model_copy(update={"segments": segments}))


@dataclass
class Day:
    date: "date | None"  # noqa: F821 - None for the padding days of the first and last week
    airings: list
    holiday: str | None = None


def calendar(folder: Path, month: str) -> list[list[Day]]:
    """The month as weeks (Monday first) with its airings and days off."""
    from radio.schedule import holiday_name, queued, slot_names
    from radio.store import Store

    station = load_station(folder)
    names = slot_names(station)
    airings = queued(Store(folder, readonly=True))
    year, number = int(month[:4]), int(month[5:])
    weeks = []
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, number):
        row = []
        for day in week:
            if day.month != number:
                row.append(Day(None, []))
                continue
            here = [(a, names.get(a.slot_id, a.slot_id)) for a in airings if a.planned_at.date() == day]
            row.append(Day(day, here, holiday_name(station, day)))
        weeks.append(row)
    return weeks


def player_view(folder: Path) -> dict:
    from radio.player import RESULT_NAMES, beat_state, overview

    seen = overview(folder)
    return {"beats": seen.beats, "beat_state": beat_state, "playing": seen.playing, "upcoming": seen.upcoming,
            "recent": list(reversed(seen.recent)), "results": RESULT_NAMES, "tampered": seen.tampered}
