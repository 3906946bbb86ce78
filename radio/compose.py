"""Compose stage: station + month brief + templates → an editable Script."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from radio.config import line_of, read_yaml, validate
from radio.errors import TemplateError
from radio.library import load_procedure, load_topic, search_dirs
from radio.models import Brief, ProgrammeRules, Script, Segment, Station

# Syllables per second of the offline voices at speed 1.0, measured on the sample programme;
# good enough to tell an officer early that a script is far too long or short.
SYLLABLES_PER_SECOND = 3.75
PAUSE_PER_SENTENCE_S = 0.5
MUSIC_S = 22.0  # intro + outro + stingers of the default kit


@dataclass(frozen=True)
class SegmentPlan:
    kind: str
    title: str
    template: str


@dataclass
class Composition:
    script: Script
    estimated_s: float
    warnings: list[str] = field(default_factory=list)


def estimate_seconds(text: str, speed: float) -> float:
    syllables = len(re.findall(r"\w+", text))
    sentences = max(1, len(re.findall(r"[.!?:;]\s", text + " ")))
    return syllables / (SYLLABLES_PER_SECOND * speed) + sentences * PAUSE_PER_SENTENCE_S


def _environment(station_dir: Path | None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_dirs(station_dir, "segments")]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False, autoescape=False,
    )
    env.filters["lower_first"] = lambda s: s[:1].lower() + s[1:] if s else s
    return env


def _plan(brief: Brief) -> list[SegmentPlan]:
    plan = [SegmentPlan("opening", "Mở đầu", "opening")]
    if brief.news:
        plan.append(SegmentPlan("news", "Tin tức cải cách hành chính", "news"))
    plan.append(SegmentPlan("topic", "Chủ đề của tháng", "topic"))
    plan.append(SegmentPlan("procedure", "Hướng dẫn thủ tục hành chính", "procedure"))
    if brief.qa:
        plan.append(SegmentPlan("qa", "Hỏi – đáp", "qa"))
    if brief.model_story:
        plan.append(SegmentPlan("model", "Gương điển hình", "model"))
    plan.append(SegmentPlan("reminder", "Thông báo, nhắc nhở", "reminder"))
    plan.append(SegmentPlan("closing", "Kết thúc", "closing"))
    return plan


def _render(env: jinja2.Environment, name: str, context: dict, brief_path: Path) -> str:
    try:
        template = env.get_template(f"{name}.j2")
    except jinja2.TemplateNotFound:
        raise TemplateError(f"Không tìm thấy mẫu đoạn '{name}.j2'.",
                            hint="kiểm tra thư mục templates/segments của đài hoặc cài lại phần mềm.") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"Mẫu đoạn {exc.filename}, dòng {exc.lineno}: lỗi cú pháp ({exc.message}).",
                            hint="kiểm tra các cặp {{ }} và {% %} trong mẫu.") from None
    try:
        text = template.render(**context)
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"Mẫu đoạn '{name}.j2' cần dữ liệu chưa có: {exc.message}.",
            hint=f"bổ sung thông tin này vào {brief_path} hoặc station.yaml.") from None
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _titles_for_contents(plan: list[SegmentPlan], topic_title: str) -> list[str]:
    names = {"news": "tin tức cải cách hành chính trong tháng", "topic": topic_title.lower(),
             "procedure": "hướng dẫn thủ tục hành chính", "qa": "hỏi – đáp về thủ tục hành chính",
             "model": "gương điển hình tiêu biểu", "reminder": "thông báo, nhắc nhở"}
    return [names[p.kind] for p in plan if p.kind in names]


def load_brief(path: Path) -> tuple[Brief, dict]:
    data, lines = read_yaml(path)
    return validate(path, data, lines, Brief), lines


def compose(station: Station, station_dir: Path | None, brief_path: Path) -> Composition:
    brief, lines = load_brief(brief_path)
    topic = load_topic(brief.topic, station_dir, brief_path, line_of(lines, ("topic",)))
    procedure = load_procedure(brief.procedure, station_dir, brief_path,
                               line_of(lines, ("procedure",)))
    year, month = (int(part) for part in brief.month.split("-"))
    plan = _plan(brief)
    env = _environment(station_dir)
    context = {"station": station, "brief": brief, "topic": topic, "procedure": procedure,
               "month": month, "year": year, "figures": brief.figures,
               "contents": _titles_for_contents(plan, topic.title)}
    voices = [a.id for a in station.announcers]
    segments = []
    for index, item in enumerate(plan):
        text = _render(env, item.template, context, brief_path)
        voice = voices[index % len(voices)]  # two announcers alternate, as commune radio does
        speed = station.announcer(voice).speed
        segments.append(Segment(id=f"{index + 1:02d}-{item.kind}", kind=item.kind, title=item.title,
                                voice=voice, text=text, stinger_before=index > 0,
                                estimated_s=round(estimate_seconds(text, speed), 1)))
    title = brief.title or f"{station.programme.column} tháng {month}/{year}"
    script = Script(station=station.id, month=brief.month, title=title, segments=segments)
    estimated = sum(s.estimated_s or 0 for s in segments) + MUSIC_S
    warning = length_warning("Kịch bản ước tính", estimated, station.programme)
    return Composition(script, estimated, [warning] if warning else [])


def length_warning(what: str, seconds: float, rules: ProgrammeRules) -> str | None:
    """The plans ask for 10–15 minutes a month; say so when a programme misses that."""
    if rules.min_minutes * 60 <= seconds <= rules.max_minutes * 60:
        return None
    return (f"{what} dài {seconds / 60:.1f} phút, ngoài khoảng {rules.min_minutes:g}–"
            f"{rules.max_minutes:g} phút theo kế hoạch; nên thêm hoặc bớt nội dung.")
