"""Review copy and lint: what the reviewer reads (and hears) before approving.

The copy shows every segment as written and, where normalization changed it, as it will be
spoken, with the changed words marked; it plays each segment from the produced MP3 when the
MP3 was made from this very script. Lint finds what a reviewer should not have to find.
"""
from __future__ import annotations

import calendar
import html
import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from radio.display import minutes, number
from radio.ear import LONGEST_WORDS, never_said
from radio.approval import STATE_LABELS, MonthFiles, current_audio, status
from radio.compose import PLACEHOLDERS, Estimator, first_airing_day
from radio.clock import shown_day
from radio.config import line_of, load_model, read_yaml, validate
from radio.errors import ConfigError, RadioError
from radio.fileio import write_text
from radio.models import Brief, Script, Station
from radio.speech.normalize import (Normalized, Normalizer, letter_reading, repeated_phrases,
                                    station_normalizer)
from radio.library import load_procedure, load_topic
from radio.paths import station_output
from radio.speech.listen import INSTALL_HINT, HeardCache, Heard, VietAsr, listener_available
from radio.speech.synthesize import split_sentences, synthesize_script
from radio.store import Store
from radio.station import load_station, segment_sample_traces

# A commune announcer reads about 4 syllables a second; 30 syllables without a comma or
# full stop is more than one breath.
BREATH_SYLLABLES = 30
_LEFTOVER = re.compile(r"[\d%/@&#<>{}\[\]_=+*^~|\\]|\.{3}|…|XXX|\?\?")
_CLAUSE = re.compile(r"[,;:.!?…]")
_EXPECTED_KINDS = {"news": "tin tức trong tháng", "qa": "hỏi – đáp",
                   "procedure": "hướng dẫn thủ tục"}


@dataclass(frozen=True)
class Finding:
    segment_id: str | None
    # unread | repeat | misheard | abbreviation | breath | long | never | missing | length |
    # placeholder | source | stale | unconfirmed | law | sample
    kind: str
    message: str


@dataclass
class SentenceView:
    written: str
    spoken: Markup | None  # None when it is read as written
    heard: str | None = None  # what the recognizer heard, when it heard it badly


@dataclass
class SegmentView:
    id: str
    title: str
    kind: str
    announcer: str
    estimated_s: float | None
    actual_s: float | None
    start_s: float | None
    sentences: list[SentenceView]
    findings: list[Finding] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # abbreviations the lexicon lacks, in order
    recording: object | None = None  # radio.record.RecordingView: a person read this segment


@dataclass
class ReviewCopy:
    html_path: Path
    text_path: Path
    findings: list[Finding]
    segments: list[SegmentView]
    state: str
    #: Why the listening check did not run, when it was asked for.
    listen_note: str | None = None


def build_review(station_dir: Path, month: str, *, listen: bool = False) -> ReviewCopy:
    station = load_station(station_dir)
    files = MonthFiles(station_dir, station.id, month)
    if not files.script.exists():
        raise ConfigError(files.script, "chưa có kịch bản của tháng này.",
                          hint=f"chạy 'radio compose {month}' trước.")
    script = load_model(files.script, Script)
    normalizer = station_normalizer(station, station_dir)
    produced = current_audio(files, script.content_hash())
    manifest = produced[0] if produced else None
    timings = {s.id: s for s in manifest.segments} if manifest else {}
    recordings = _recordings(station, station_dir, script, normalizer, listen)
    heard, listen_note = (_listen(station, station_dir, script, normalizer, set(recordings)) if listen
                          else ({}, None))
    for segment in script.segments:  # a hand-edited voice id is named before anything else
        try:
            station.announcer(segment.voice)
        except KeyError as exc:
            raise ConfigError(files.script, f"đoạn '{segment.id}': {exc.args[0]}.",
                              hint="dùng id của một phát thanh viên trong station.yaml.") from None
    segments = [_segment_view(segment, station, normalizer, timings.get(segment.id), heard)
                for segment in script.segments]
    findings = [f for view in segments for f in view.findings]
    findings += _recording_findings(segments, recordings)
    findings += _unknown_abbreviations(segments)
    findings += _programme_findings(station, station_dir, script, manifest)
    if not station.sample:
        findings += [Finding(segment_id, "sample", f"Còn dữ liệu của đài mẫu hoặc chỗ trống chưa điền: «{trace}». "
                                                   "Thay bằng thông tin thật của xã trước khi duyệt.")
                     for segment_id, trace in segment_sample_traces(script)]
    law_day = script.in_force_on or first_airing_day(station, month)
    findings += _content_findings(station_dir, files, month, law_day, _last_airing_day(station, station_dir, month))
    state = status(files, Store(station_dir))
    review_dir = station_dir / "review"
    audio_src = (os.path.relpath(files.programme / manifest.audio.path, review_dir)
                 if manifest else None)
    context = dict(station=station, script=script, month=month, segments=segments,
                   findings=findings, manifest=manifest, audio_src=audio_src, listen_note=listen_note,
                   state=STATE_LABELS[state.state], state_detail=state.detail,
                   law_note=f"Nội dung theo quy định có hiệu lực ngày {shown_day(law_day)} (ngày phát đầu tiên).",
                   script_sha=script.content_hash())
    html_path, text_path = review_dir / f"{month}.html", review_dir / f"{month}.txt"
    write_text(html_path, _environment().get_template("review.html.j2").render(**context))
    write_text(text_path, _environment().get_template("review.txt.j2").render(**context))
    return ReviewCopy(html_path, text_path, findings, segments, state.state, listen_note)


def _listen(station: Station, station_dir: Path, script: Script, normalizer: Normalizer,
            recorded: set[str]) -> tuple[dict[tuple[str, str], Heard], str | None]:
    """What the recognizer hears in each sentence's clip, by (segment id, written sentence).

    The clips come from the station's clip cache (a produced script costs no synthesis);
    transcripts are cached by clip digest, so a second review is instant."""
    if not listener_available():
        return {}, "Chưa kiểm tra bằng máy nghe: " + INSTALL_HINT
    from radio.pipeline import clip_cache

    cache = clip_cache(station_output(station_dir), station.id)
    from radio.speech.synthesize import SpokenSegment

    # A segment a person read is checked against their recording, not the engine's clips.
    spoken = synthesize_script(script, station, normalizer, cache, base_dir=station_dir,
                               recorded={s: SpokenSegment(s, []) for s in recorded})
    hearing = HeardCache(cache.root.parent, VietAsr())
    return {(segment.segment_id, sentence.written): hearing.hear(sentence.clip_digest, sentence.spoken.text,
                                                                sentence.audio)
            for segment in spoken.segments for sentence in segment.sentences}, None


def _recordings(station: Station, station_dir: Path, script: Script, normalizer: Normalizer,
                listen: bool) -> dict:
    """The segments read by a person (radio/record.py), their readings held against the text."""
    from radio.record import recording_views

    return recording_views(station_dir, station, script, normalizer, listen=listen)


def _recording_findings(segments: list[SegmentView], recordings: dict) -> list[Finding]:
    findings = []
    for view in segments:
        view.recording = recordings.get(view.id)
        if view.recording is not None:
            findings += [Finding(view.id, "reading", text) for text in view.recording.problems(view.title)]
    return findings


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("radio", "templates"),
                      autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["clock"] = lambda s: f"{int(s) // 60}:{int(s) % 60:02d}" if s is not None else "—"
    return env


ENGINE_NAMES = {"offline": "giọng máy eSpeak, không cần mạng", "gtts": "giọng Google, cần Internet",
                "piper": "giọng Piper, không cần mạng", "dummy": "giọng thử"}


def _segment_view(segment, station: Station, normalizer: Normalizer, timing: dict | None,
                  heard: dict[tuple[str, str], Heard]) -> SegmentView:
    announcer = station.announcer(segment.voice)
    view = SegmentView(
        id=segment.id, title=segment.title, kind=segment.kind,
        announcer=f"{announcer.name} ({ENGINE_NAMES.get(announcer.engine, announcer.engine)}, "
                  f"giọng {announcer.voice})",
        estimated_s=segment.estimated_s,
        actual_s=timing.duration_s if timing else None,
        start_s=timing.start_s if timing else None, sentences=[])
    for written, _ in split_sentences(segment.text, 10_000):
        spoken = normalizer(written)
        view.unknown += [token for token in spoken.unknown if token not in view.unknown]
        hearing = heard.get((segment.id, written))
        misheard = hearing is not None and hearing.misheard
        view.sentences.append(SentenceView(written, _highlight(spoken) if spoken.changes else None,
                                           hearing.heard if misheard else None))
        view.findings += _sentence_findings(segment.id, written, spoken)
        if misheard:
            view.findings.append(Finding(
                segment.id, "misheard",
                f"Máy nghe thành: «{hearing.heard or '(không nghe ra chữ nào)'}» cho câu «{written}» "
                f"(sai {hearing.cer:.0%} số ký tự). Người nghe qua loa có thể cũng không nghe rõ; "
                f"nên viết lại câu cho đơn giản hoặc đổi giọng đọc."))
    return view


def _highlight(spoken: Normalized) -> Markup:
    """The spoken text with every changed stretch in <mark>. Rules run in a fixed order, not
    left to right, so each change is looked up on its own, first free occurrence wins."""
    text, spans = spoken.text, []
    for change in spoken.changes:
        target = change.spoken.strip()
        at = text.find(target) if target else -1
        while at >= 0 and any(at < end and start < at + len(target) for start, end in spans):
            at = text.find(target, at + 1)
        if at >= 0:
            spans.append((at, at + len(target)))
    out, cursor = [], 0
    for start, end in sorted(spans):
        out += [html.escape(text[cursor:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
        cursor = end
    out.append(html.escape(text[cursor:]))
    return Markup("".join(out))


def _unknown_abbreviations(segments: list[SegmentView]) -> list[Finding]:
    """One line per abbreviation the lexicon lacks: how radio will say it (letter by letter),
    where, and the line that confirms that reading or gives the full one in the station's
    lexicon (then it is not listed again)."""
    where: dict[str, list[str]] = {}
    for view in segments:
        for token in view.unknown:
            where.setdefault(token, []).append(view.id)
    return [Finding(None, "abbreviation",
                    f"Chữ viết tắt chưa có trong từ điển: «{token}» sẽ được đọc từng chữ là "
                    f"«{letter_reading(token)}» (đoạn {', '.join(ids)}). Nếu đọc như vậy là đúng, xác nhận "
                    f"bằng dòng «{token}: {{name: {letter_reading(token)}}}» trong mục abbreviations của "
                    f"lexicon.yaml của đài; nếu phải đọc đầy đủ, viết «{token}: cách đọc đầy đủ».")
            for token, ids in where.items()]


def _sentence_findings(segment_id: str, written: str, spoken: Normalized) -> list[Finding]:
    findings = []
    if spoken.dropped:
        findings.append(Finding(segment_id, "unread",
                                f"Biểu tượng không đọc được, sẽ bị bỏ khi đọc ({' '.join(spoken.dropped)}) "
                                f"trong câu «{written}»."))
    leftover = sorted(set(_LEFTOVER.findall(spoken.text)))
    if leftover:
        findings.append(Finding(segment_id, "unread",
                                f"Ký tự không đọc được ({' '.join(leftover)}) trong câu «{written}»."))
    for phrase in repeated_phrases(spoken.text):
        findings.append(Finding(segment_id, "repeat",
                                f"Đọc lặp «{phrase} {phrase}» trong câu «{written}». "
                                f"Nên sửa câu để người nghe không nghe hai lần."))
    words = len(spoken.text.split())
    if words > LONGEST_WORDS:
        findings.append(Finding(segment_id, "long",
                                f"Câu dài {words} từ khi đọc (tối đa {LONGEST_WORDS}, nên 15–20): «{written[:90]}…». "
                                "Người nghe chỉ nghe một lần: tách thành câu ngắn."))
    if bad := never_said(spoken.text):
        findings.append(Finding(segment_id, "never",
                                f"Cách đọc có từ không được phát trên loa ({', '.join(bad)}) trong câu «{written}». "
                                "Viết lại, hoặc thêm cách đọc khác vào lexicon.yaml của đài."))
    for placeholder in PLACEHOLDERS:
        if placeholder in written:
            findings.append(Finding(segment_id, "placeholder",
                                    f"Còn nội dung mẫu chưa thay: «{placeholder}»."))
    for clause in _CLAUSE.split(spoken.text):
        syllables = len(clause.split())
        if syllables > BREATH_SYLLABLES:
            findings.append(Finding(segment_id, "breath",
                                    f"Câu dài {syllables} tiếng không có chỗ ngắt, khó đọc một hơi: "
                                    f"«{clause.strip()[:80]}…». Nên tách câu hoặc thêm dấu phẩy."))
            break
    return findings


# Law and procedures change; a fact checked more than this long before it airs is re-checked.
STALE_MONTHS = 12


# A basis that changes this soon after the month's last airing is flagged: the programme may
# be aired again, or listeners may act on it after the change.
SOON_AFTER = timedelta(days=91)


def _last_airing_day(station: Station, station_dir: Path, month: str) -> str:
    """The month's last airing: from the queue if it is scheduled, else by the station's
    rule, else the month's last day."""
    from radio.schedule import rule_dates

    queued = [a.planned_at for a in Store(station_dir, readonly=True).queued(programme=month)]
    if not queued:
        try:
            queued = rule_dates(station, month)
        except RadioError:
            queued = []
    if queued:
        return max(queued).date().isoformat()
    year, number = map(int, month.split("-"))
    return date(year, number, calendar.monthrange(year, number)[1]).isoformat()


def _law_findings(name: str, item, first: str, last: str) -> list[Finding]:
    """Changes in what the item says or rests on while the month airs or within three months
    after its last airing."""
    until = (date.fromisoformat(last) + SOON_AFTER).isoformat()
    findings = []
    for change in item.changes():
        if first < change.day <= last:
            findings.append(Finding(None, "law", f"{name}: {change.what} từ ngày {shown_day(change.day)}, giữa "
                                                 f"các lần phát của tháng; nội dung theo ngày {shown_day(first)}. "
                                                 "Cân nhắc phát chương trình trước ngày đó, hoặc tách nội dung."))
        elif last < change.day <= until:
            findings.append(Finding(None, "law", f"{name}: {change.what} từ ngày {shown_day(change.day)}, chưa đầy "
                                                 "ba tháng sau lần phát cuối; nói rõ mốc này hoặc phát lại bản "
                                                 "cập nhật sau ngày đó."))
    return findings


def _content_findings(station_dir: Path, files: MonthFiles, month: str, first: str, last: str) -> list[Finding]:
    """The month's topic and procedure: sourced, checked within a year, nothing unconfirmed,
    no change in their basis while the month airs or soon after."""
    if not files.brief.exists():
        return []
    data, lines = read_yaml(files.brief)
    brief = validate(files.brief, data, lines, Brief)
    parts = [("Chủ đề", load_topic(brief.topic, station_dir, files.brief, line_of(lines, ("topic",)))),
             ("Thủ tục", load_procedure(brief.procedure, station_dir, files.brief,
                                        line_of(lines, ("procedure",))))]
    findings = []
    for label, item in parts:
        name = f"{label} «{item.title}»"
        findings += _law_findings(name, item, first, last)
        if not item.sources:
            findings.append(Finding(None, "source", f"{name} chưa ghi nguồn (văn bản, trang thông tin) "
                                                    f"cho các thông tin đưa ra; cần bổ sung trước khi phát."))
        if item.checked is None:
            findings.append(Finding(None, "stale", f"{name} chưa ghi tháng kiểm tra lần cuối (checked)."))
        elif _months_between(item.checked[:7], month) > STALE_MONTHS:
            findings.append(Finding(None, "stale", f"{name} được kiểm tra lần cuối tháng {item.checked}, "
                                                   f"đã hơn {STALE_MONTHS} tháng trước tháng phát {month}; "
                                                   f"đối chiếu lại với văn bản hiện hành trước khi phát."))
        for fact in item.unconfirmed:
            findings.append(Finding(None, "unconfirmed", f"{name}: chưa xác nhận được «{fact}». Đối chiếu "
                                                         f"với danh mục thủ tục hành chính tỉnh đã công bố "
                                                         f"trước khi phát."))
    return findings


def _months_between(earlier: str, later: str) -> int:
    (y1, m1), (y2, m2) = (map(int, earlier.split("-")), map(int, later.split("-")))
    return (y2 - y1) * 12 + (m2 - m1)


def _programme_findings(station: Station, station_dir: Path, script: Script,
                        manifest: dict | None) -> list[Finding]:
    findings = []
    kinds = {s.kind for s in script.segments}
    for kind, name in _EXPECTED_KINDS.items():
        if kind not in kinds:
            findings.append(Finding(None, "missing",
                                    f"Chương trình không có phần {name}; nội dung tháng thiếu phần này."))
    if manifest:
        seconds = manifest.audio.duration_s
    else:
        seconds, _ = Estimator(station, station_dir).estimate(script)
    rules = station.programme
    if not rules.min_minutes * 60 <= seconds <= rules.max_minutes * 60:
        findings.append(Finding(None, "length",
                                f"Thời lượng {minutes(seconds)}, ngoài khoảng "
                                f"{number(rules.min_minutes, None)}–{number(rules.max_minutes, None)} phút."))
    return findings
