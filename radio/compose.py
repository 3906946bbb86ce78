"""Compose stage: station + month brief + templates → an editable Script that fits the slot.

The duration estimate lays the script out exactly as the mixer will (same pauses, same
music kit) with sentence lengths predicted from each voice's measured speaking rate, so an
officer learns before synthesis whether the programme lands in 10–15 minutes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from radio.display import minutes, number
from radio.clock import shown_day
from radio.config import line_of, read_yaml, validate
from radio.errors import ConfigError, RadioError, TemplateError
from radio.library import Procedure, Topic, all_topics, load_procedure, load_topic, search_dirs
from radio.models import Brief, ExtraSegment, ProgrammeRules, Script, Segment, Station
from radio.paths import user_cache_dir
from radio.speech.calibrate import RateStore, syllables
from radio.speech.engines import get_engine
from radio.speech.normalize import station_normalizer
from radio.station import sample_traces
from radio.speech.synthesize import split_sentences


@dataclass(frozen=True)
class SegmentPlan:
    kind: str
    title: str
    template: str
    extra: dict | None = None


@dataclass
class Composition:
    script: Script
    estimated_s: float
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what --fit added or dropped


class LengthError(RadioError):
    """The composed script would not fit the programme length the plans ask for."""


def _environment(station_dir: Path | None) -> jinja2.Environment:
    # A station's own templates are text anyone with write access to its folder can edit:
    # they render in Jinja2's sandbox, so a template cannot reach Python's internals.
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_dirs(station_dir, "segments")]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False, autoescape=False,
    )
    env.filters["lower_first"] = _lower_first
    env.filters["spoken_list"] = spoken_list
    env.filters["procedure_name"] = _procedure_name
    env.filters["lead_in"] = _lead_in
    env.filters["count_words"] = lambda n: _COUNTS[n] if 0 < n < len(_COUNTS) else str(n)
    env.filters["ordinal_word"] = lambda n: _ORDINALS[n] if 0 < n < len(_ORDINALS) else f"Thứ {n}"
    env.filters["end_sentence"] = _end_sentence
    return env


_COUNTS = ["", "một", "hai", "ba", "bốn", "năm"]
_ORDINALS = ["", "Thứ nhất", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm"]


def _lead_in(text: str, lead: str, key: str) -> str:
    """"Về thời hạn: …" unless the text itself begins by naming it ("Thời hạn là …"): a
    listener must not hear "thời hạn thời hạn"."""
    return text if key in " ".join(text.lower().split()[:6]) else f"{lead}: {text}"


def _procedure_name(title: str) -> str:
    """A procedure as the sentence names it: "thủ tục đăng ký khai sinh", never "thủ tục nhóm
    thủ tục …"."""
    title = _lower_first(title)
    return title if title.startswith(("thủ tục", "nhóm thủ tục")) else f"thủ tục {title}"


def spoken_list(items: list[str]) -> str:
    """"a, b và c": a list as it is said, without the semicolons a form would use."""
    items = [item for item in items if item]
    return ", ".join(items[:-1]) + f" và {items[-1]}" if len(items) > 1 else "".join(items)


def _end_sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _lower_first(text: str) -> str:
    """A title used mid-sentence: "Dịch vụ công..." → "dịch vụ công..."."""
    return text[:1].lower() + text[1:]


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
    for extra in brief.extra_segments:
        plan.append(SegmentPlan("extra", extra.title, "extra", extra.model_dump()))
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
    except SecurityError:
        raise TemplateError(f"Mẫu đoạn '{name}.j2' dùng lệnh không được phép trong mẫu.",
                            hint="mẫu đoạn chỉ được dùng dữ liệu của nội dung tháng và đài ({{ brief... }}, "
                                 "{{ station... }}); xoá phần gọi hàm hoặc thuộc tính ẩn.") from None
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _contents(plan: list[SegmentPlan], topic_title: str) -> list[str]:
    """What the opening names besides the month's procedure (which it names first): short,
    so a listener can hold the list in one hearing."""
    names = {"news": "tin tức trong tháng", "topic": "chủ đề " + _lower_first(topic_title),
             "qa": "phần hỏi – đáp", "model": "một gương điển hình"}
    return [names[p.kind] for p in plan if p.kind in names]


def load_brief(path: Path) -> tuple[Brief, dict]:
    data, lines = read_yaml(path)
    brief = validate(path, data, lines, Brief)
    if re.fullmatch(r"\d{4}-\d{2}", path.stem) and brief.month != path.stem:
        # Produced into the file name's month, a brief for another month would air wrongly.
        raise ConfigError(path, f"tháng ghi trong tệp nội dung tháng ({brief.month}) khác tên tệp ({path.stem}).",
                          line=line_of(lines, ("month",)),
                          hint=f"sửa dòng month: thành {path.stem}, hoặc đổi tên tệp thành {brief.month}.yaml.")
    _refuse_placeholders(path)
    return brief, lines


# Lines of the new-month template an officer must replace; compose refuses to air them.
PLACEHOLDERS = ("Tiêu đề tin thứ nhất", "Nội dung tin: số hồ sơ", "Câu hỏi của người dân.",
                "Câu trả lời ngắn gọn, dễ hiểu.", "Tên người hoặc mô hình", "Câu chuyện về cách làm hay.",
                "ông/bà ..., thôn ...")


def refuse_sample_data(paths: list[Path]) -> None:
    """A station made from the sample must not air the sample's hotline, names or invented
    figures, nor a blank it has not filled in: every such line, in one message."""
    found = []
    for path in paths:
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.lstrip().startswith("#"):
                found += [(path, line_number, trace) for trace in sample_traces(line.split(" #")[0])]
    if not found:
        return
    listed = "\n".join(f"  {path.name} dòng {line_number}: «{trace}»" for path, line_number, trace in found)
    first_path, first_line, _ = found[0]
    raise ConfigError(first_path, f"còn {len(found)} chỗ là dữ liệu của đài mẫu hoặc chỗ trống chưa điền "
                                  f"(không được phát trên loa của xã mình):\n{listed}", line=first_line,
                      hint="thay bằng tên, số điện thoại, địa chỉ và số liệu thật của xã mình; "
                           "chỗ ghi [ĐIỀN …] là chỗ phải điền.")


def _refuse_placeholders(path: Path) -> None:
    """Every leftover of the template at once, so the officer fixes them in one pass."""
    left = [(line_number, line.strip()) for line_number, line
            in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if not line.lstrip().startswith("#") and any(p in line for p in PLACEHOLDERS)]
    if not left:
        return
    listed = "\n".join(f"  dòng {line_number}: {text[:70]}" for line_number, text in left)
    raise ConfigError(path, f"tệp nội dung tháng còn {len(left)} chỗ nội dung mẫu chưa được thay:\n{listed}",
                      line=left[0][0],
                      hint="thay các dòng này bằng nội dung thật của tháng, hoặc xoá mục đó.")


class Estimator:
    """Predicts a script's produced length from measured speaking rates."""

    def __init__(self, station: Station, station_dir: Path | None,
                 rates: RateStore | None = None) -> None:
        self.station = station
        self.station_dir = station_dir
        self.rates = rates or RateStore(user_cache_dir() / "speaking-rates.json")
        self.normalizer = station_normalizer(station, station_dir)
        self.rate_hz = station.audio.sample_rate
        # The audio stages (and scipy with them) load only when an estimate is asked for.
        from radio.audio.kit import load_kit
        from radio.audio.mix import KitLengths

        self.kit = KitLengths.of(load_kit(station.audio.kit, station_dir, self.rate_hz))
        self.unknown: dict[str, list[str]] = {}

    def estimate(self, script: Script) -> tuple[float, list[float]]:
        self.unknown = {}  # unread abbreviations → segment ids, for the officer's lint
        slots = []
        for segment in script.segments:
            announcer = self.station.announcer(segment.voice)
            engine = get_engine(announcer.engine, self.station.speech, self.station_dir, self.station)
            rate = self.rates.rate(engine, announcer.voice, announcer.speed)
            segment_slots = []
            for text, paragraph_end in split_sentences(segment.text, engine.max_chars):
                spoken = self.normalizer(text)
                for token in spoken.unknown:
                    self.unknown.setdefault(token, []).append(segment.id)
                seconds = rate.clip_seconds(syllables(spoken.text))
                segment_slots.append(_slot(int(seconds * self.rate_hz), paragraph_end))
            slots.append(segment_slots)
        from radio.audio.mix import layout

        plan = layout(script, slots, self.kit, self.station.audio, self.rate_hz)
        speech = [t.duration_s for t in plan.timings if t.kind not in ("intro", "outro")]
        return plan.total / self.rate_hz, speech


def _slot(length: int, paragraph_end: bool):
    from radio.audio.mix import SentenceSlot

    return SentenceSlot(length, paragraph_end)


def _build(station: Station, station_dir: Path | None, brief: Brief, brief_path: Path,
           topic: Topic, procedure: Procedure, lines: dict) -> Script:
    year, month = (int(part) for part in brief.month.split("-"))
    plan = _plan(brief)
    env = _environment(station_dir)
    context = {"station": station, "brief": brief, "topic": topic, "procedure": procedure,
               "month": month, "year": year, "figures": brief.figures,
               "contents": _contents(plan, topic.title)}
    voices = [a.id for a in station.announcers]
    segments = []
    for index, item in enumerate(plan):
        text = _render(env, item.template, {**context, "extra": item.extra}, brief_path)
        chosen = (item.extra or {}).get("voice") or brief.voices.get(item.kind)
        voice = chosen or voices[index % len(voices)]  # announcers alternate, as commune radio does
        try:
            station.announcer(voice)
        except KeyError as exc:
            key = ("voices", item.kind) if item.kind in brief.voices else ("extra_segments",)
            raise RadioError(f"Tệp {brief_path}, dòng {line_of(lines, key)}: {exc.args[0]}.",
                             hint="dùng id của một phát thanh viên trong station.yaml.") from None
        segments.append(Segment(id=f"{index + 1:02d}-{item.kind}", kind=item.kind, title=item.title,
                                voice=voice, text=text, stinger_before=index > 0))
    title = brief.title or f"{station.programme.column} tháng {month}/{year}"
    return Script(station=station.id, month=brief.month, title=title, segments=segments,
                  in_force_on=first_airing_day(station, brief.month))


def first_airing_day(station: Station, month: str) -> str:
    """The day the month's programme first airs by the station's rule (holidays and relays
    skipped), else the month's first day: the packaged content follows the law of that day."""
    from radio.schedule import rule_dates

    try:
        dates = rule_dates(station, month)
    except RadioError:
        dates = []
    return dates[0].date().isoformat() if dates else f"{month}-01"


def _in_force(item, day: str, brief_path: Path, line: int | None):
    """The item as it reads on ``day``; refused when the item itself does not hold then."""
    if not item.holds_on(day):
        span = " ".join(part for part in (f"từ {shown_day(item.valid_from)}" if item.valid_from else "",
                                          f"đến hết {shown_day(item.valid_until)}" if item.valid_until else "") if part)
        raise ConfigError(brief_path, f"«{item.title}» chỉ áp dụng {span}, không áp dụng vào ngày phát đầu "
                                      f"tiên {shown_day(day)}.", line=line,
                          hint="chọn chủ đề hoặc thủ tục khác cho tháng này.")
    return item.in_force(day)


def _estimated(script: Script, estimator: Estimator) -> tuple[Script, float]:
    total, per_segment = estimator.estimate(script)
    segments = [s.model_copy(update={"estimated_s": round(e, 1)})
                for s, e in zip(script.segments, per_segment)]
    return script.model_copy(update={"segments": segments}), total


def _shorter(brief: Brief) -> tuple[Brief, str] | None:
    """The next optional thing to drop when a programme is too long."""
    if brief.extra_segments:
        return (brief.model_copy(update={"extra_segments": brief.extra_segments[:-1]}),
                f"bỏ đoạn thêm «{brief.extra_segments[-1].title}»")
    if brief.model_story:
        return brief.model_copy(update={"model_story": None}), "bỏ đoạn gương điển hình"
    if len(brief.qa) > 1:
        return brief.model_copy(update={"qa": brief.qa[:-1]}), "bỏ câu hỏi – đáp cuối"
    if len(brief.news) > 1:
        return brief.model_copy(update={"news": brief.news[:-1]}), "bỏ tin cuối"
    return None


def _longer(brief: Brief, evergreen: list[Topic]) -> tuple[Brief, str] | None:
    """The next evergreen explainer to add when a programme is too short."""
    used = {e.title for e in brief.extra_segments}
    for topic in evergreen:
        title = f"Tìm hiểu thêm: {topic.title}"
        if title in used:
            continue
        extra = ExtraSegment(title=title, text="\n\n".join([topic.lead, *topic.points]))
        return (brief.model_copy(update={"extra_segments": [*brief.extra_segments, extra]}),
                f"thêm đoạn «{title}»")
    return None


def compose(station: Station, station_dir: Path | None, brief_path: Path, *,
            allow_length: bool = False, fit: bool = False,
            estimator: Estimator | None = None) -> Composition:
    brief, lines = load_brief(brief_path)
    if not station.sample:
        refuse_sample_data([*([station_dir / "station.yaml"] if station_dir else []), brief_path])
    day = first_airing_day(station, brief.month)
    topic = _in_force(load_topic(brief.topic, station_dir, brief_path, line_of(lines, ("topic",))),
                      day, brief_path, line_of(lines, ("topic",)))
    procedure = _in_force(load_procedure(brief.procedure, station_dir, brief_path, line_of(lines, ("procedure",))),
                          day, brief_path, line_of(lines, ("procedure",)))
    estimator = estimator or Estimator(station, station_dir)
    rules = station.programme
    low, high = rules.min_minutes * 60, rules.max_minutes * 60
    script, total = _estimated(
        _build(station, station_dir, brief, brief_path, topic, procedure, lines), estimator)
    changes: list[str] = []
    if fit:
        evergreen = [t.in_force(day) for t in all_topics(station_dir) if t.id != topic.id and t.holds_on(day)]
        for _ in range(12):
            step = _shorter(brief) if total > high else _longer(brief, evergreen) if total < low else None
            if step is None:
                break
            candidate, change = step
            trial, trial_total = _estimated(
                _build(station, station_dir, candidate, brief_path, topic, procedure, lines), estimator)
            if total < low and trial_total > high:
                break  # the shortest evergreen addition would overshoot; keep what we have
            brief, script, total = candidate, trial, trial_total
            changes.append(change)
    warning = length_warning("Kịch bản ước tính", total, rules)
    lint = [f"Chữ viết tắt chưa có trong từ điển, sẽ được đánh vần: {token} "
            f"(đoạn {', '.join(dict.fromkeys(ids))}); nên thêm cách đọc vào lexicon.yaml của đài."
            for token, ids in sorted(estimator.unknown.items())]
    if warning and not allow_length:
        advice = ("thêm tin, câu hỏi – đáp hoặc đoạn thêm (extra_segments) vào nội dung tháng"
                  if total < low else "bớt tin, câu hỏi – đáp hoặc rút gọn nội dung")
        raise LengthError(
            f"{warning} Kịch bản chưa được ghi.",
            hint=f"{advice}; hoặc chạy lại với --fit để phần mềm tự điều chỉnh, "
                 f"hoặc --allow-length để vẫn ghi kịch bản này.")
    return Composition(script, total, ([warning] if warning else []) + lint, changes)


def length_warning(what: str, seconds: float, rules: ProgrammeRules) -> str | None:
    """The plans ask for 10–15 minutes a month; say so when a programme misses that."""
    if rules.min_minutes * 60 <= seconds <= rules.max_minutes * 60:
        return None
    return (f"{what} dài {minutes(seconds)}, ngoài khoảng {number(rules.min_minutes, None)}–"
            f"{number(rules.max_minutes, None)} phút theo kế hoạch; nên thêm hoặc bớt nội dung.")
