"""What the studio's pages show and accept, built from the stages: the month brief as a
form (validated by the same model and messages as the YAML file), the script with its
spoken readings, the airing calendar and the player's state."""
from __future__ import annotations

import calendar as month_calendar
import re
from dataclasses import dataclass
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


def script_view(folder: Path, month: str, typed: dict[str, str] | None = None) -> list[SegmentRow]:
    """The script's segments; ``typed``: texts posted but not saved, shown instead of the file's."""
    from radio.speech.normalize import station_normalizer

    station = load_station(folder)
    files = MonthFiles(folder, station.id, month)
    if not files.script.exists():
        raise ConfigError(files.script, "chưa có kịch bản của tháng này.",
                          hint="bấm 'Soạn kịch bản' ở trang của tháng.")
    script = load_model(files.script, Script)
    normalizer = station_normalizer(station, folder)
    typed = typed or {}
    rows = []
    for s in script.segments:
        text = typed.get(s.id, s.text)
        rows.append(SegmentRow(s.id, s.title, _reader(station, s.voice), text,
                               normalizer(text).text if text.strip() else "", s.estimated_s))
    return rows


def _reader(station, voice: str) -> str:
    try:
        return station.announcer(voice).name
    except KeyError:
        return voice


def save_script_texts(folder: Path, month: str, texts: dict[str, str]) -> tuple[list[str], float]:
    """Save every segment's text from the one script form at once (so no segment's edit can
    drop another's) and estimate the script again; returns the changed ids and the new
    estimated length in seconds. Nothing is written when nothing changed."""
    from radio.compose import Estimator

    station = load_station(folder)
    files = MonthFiles(folder, station.id, month)
    script = load_model(files.script, Script)
    unknown = sorted(set(texts) - {s.id for s in script.segments})
    if unknown:
        raise RadioError(f"Kịch bản không có đoạn '{unknown[0]}'.", hint="tải lại trang kịch bản.")
    cleaned = {i: t.replace("\r\n", "\n").strip() for i, t in texts.items()}
    empty = [s.title for s in script.segments if s.id in cleaned and not cleaned[s.id]]
    if empty:
        raise RadioError(f"Đoạn «{empty[0]}» không được để trống; kịch bản chưa được lưu.",
                         hint="viết nội dung của đoạn, hoặc giữ nguyên.")
    changed = [s.id for s in script.segments if s.id in cleaned and cleaned[s.id] != s.text]
    estimator = Estimator(station, folder)
    if not changed:
        return [], estimator.estimate(script)[0]
    edited = script.model_copy(update={"segments": [
        s.model_copy(update={"text": cleaned[s.id]}) if s.id in changed else s for s in script.segments]})
    total, per_segment = estimator.estimate(edited)
    edited = edited.model_copy(update={"segments": [
        s.model_copy(update={"estimated_s": round(e, 1)}) for s, e in zip(edited.segments, per_segment)]})
    save_model(files.script, edited)
    return changed, total


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


# -- how the pages write months and times --------------------------------------------------

_TYPED_MONTH = re.compile(r"(?:tháng\s*)?(\d{1,2})\s*(?:[/.-]|\s+năm\s+|\s+)\s*(\d{4})", re.IGNORECASE)


def typed_month(text: str) -> str:
    """The month an officer typed, as pages write it ("01/2027", "tháng 1/2027", "1 năm 2027")
    or as files name it ("2027-01"), in the files' form; anything else is refused by
    ``check_month`` with its own message."""
    from radio.programme import ProgrammeKeyError, check_month

    text = " ".join((text or "").split())
    said = _TYPED_MONTH.fullmatch(text)
    if said and 1 <= int(said.group(1)) <= 12:
        text = f"{said.group(2)}-{int(said.group(1)):02d}"
    try:
        return check_month(text)
    except ProgrammeKeyError as refused:
        raise ProgrammeKeyError(refused.message, hint="viết tháng rồi năm, ví dụ 01/2027.") from None


def month_vi(month: str) -> str:
    """'2027-01' as a Vietnamese page writes it: 'tháng 01/2027'."""
    text = str(month or "")
    if len(text) == 7 and text[4] == "-":
        return f"tháng {text[5:]}/{text[:4]}"
    return text


def when(value, zone, *, seconds: bool = False) -> str:
    """A moment (an ISO string as the database keeps it, or a datetime) in the station's time
    zone, as Vietnamese write it: '19:00 ngày 20/01/2027'. A moment without a zone is taken
    as the station's own clock (how the schedule stores planned airings)."""
    from datetime import datetime

    if value in (None, ""):
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    moment = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    return moment.strftime("%H:%M:%S ngày %d/%m/%Y" if seconds else "%H:%M ngày %d/%m/%Y")


# -- the studio's words for what the command line's messages tell people to type ----------

# What to do in the studio instead of a command, by the command's name.
STUDIO_ACTIONS = {
    "compose": "bấm «Soạn kịch bản» ở trang của tháng",
    "new-month": "bấm «Viết nội dung tháng» ở trang của tháng",
    "produce": "bấm «Sản xuất tệp âm thanh» ở trang của tháng",
    "review": "mở «Nghe và duyệt» ở trang của tháng",
    "approve": "để lãnh đạo xã mở «Nghe và duyệt» và bấm «Duyệt cho phát»",
    "reject": "để lãnh đạo xã mở «Nghe và duyệt» và bấm «Trả lại»",
    "schedule": "mở «Lịch phát» của tháng",
    "publish": "bấm «Đăng lên trang web» ở trang của tháng",
    "player": "bấm «Bật máy phát» ở trang «Máy phát» (người vận hành)",
    "report": "mở trang «Báo cáo»",
    "log": "mở trang «Nhật ký phát»",
    "record": "mở «Thu giọng đọc» ở trang của tháng",
    "users": "mở trang «Tài khoản» (người quản trị)",
    "plan": "mở trang «Kế hoạch năm»",
    "bulletin": "mở trang «Bản tin»",
}
STUDIO_FLAGS = {"--fit": "bấm «Tự điều chỉnh cho vừa»", "--allow-length": "«Vẫn ghi kịch bản này»",
                "--new-draft": "«Soạn bản nháp mới»", "--use-stale": "«Vẫn dùng bản thu cũ»",
                "--remove": "«Bỏ bản thu, để máy đọc»",
                # the bulletin form's boxes
                "--text": "ô «Lời bản tin»", "--file": "ô «Lời bản tin»", "--audio": "ô «Tệp ghi âm»",
                "--level": "ô «Mức»", "--at": "ô «Vào lúc»", "--repeat": "ô «Số lần phát»",
                "--every": "ô «Cách nhau (phút)»", "--zones": "các ô «Vùng»",
                "--reason": "ô «Ghi chú»", "--output": "đầu ra"}
# A setting a message tells people to write into station.yaml, said as the settings page's field.
STUDIO_SETTINGS = {
    "đặt publish: after_airing: false trong station.yaml":
        "chọn «Ngay khi lãnh đạo duyệt» ở ô «Đăng lên trang web của xã» trong «Cài đặt đài»",
    "ghi website: của đài, hoặc publish: base_url: (địa chỉ thư mục trang) trong station.yaml":
        "điền ô «Trang web của xã» trong «Cài đặt đài»",
}
_MONTH_WRITTEN = re.compile(r"\b([Tt]háng) (\d{4})-(\d{2})\b")
_QUOTED_COMMAND = re.compile(r"(?:chạy(?: lại)?:?\s+)?'radio ([a-z-]+)[^']*'")
_BRACKETED_COMMAND = re.compile(r"\s*\((?:radio|chạy) [^)]*\)")
_BARE_COMMAND = re.compile(r"(?:chạy(?: lại)?:?\s+)?\bradio ([a-z-]+)(?: [a-z]+)?(?: --?[\w-]+(?: \S+)?)*")
_RERUN_WITH = re.compile(r"chạy lại với (--[a-z-]+)")
_FLAG = re.compile(r"--[a-z][a-z-]*")


def studio_words(text) -> str:
    """A message written for the command line, said as the studio's buttons and pages: every
    'radio …' command and '--flag' becomes the studio action that does the same, and a
    field name of a YAML file ('extra_segments') the words on the form."""
    if not text:
        return text or ""
    said = str(text)
    said = _BRACKETED_COMMAND.sub("", said)
    said = _RERUN_WITH.sub(lambda m: STUDIO_FLAGS.get(m.group(1), m.group(1)), said)
    said = _QUOTED_COMMAND.sub(lambda m: STUDIO_ACTIONS.get(m.group(1), "dùng trang tương ứng của phòng thu"), said)
    said = _BARE_COMMAND.sub(lambda m: STUDIO_ACTIONS.get(m.group(1), "dùng trang tương ứng của phòng thu"), said)
    said = _FLAG.sub(lambda m: STUDIO_FLAGS.get(m.group(0), "lựa chọn tương ứng trên trang"), said)
    for written, page_words in STUDIO_SETTINGS.items():
        said = said.replace(written, page_words)
    said = _MONTH_WRITTEN.sub(lambda m: f"{m.group(1)} {m.group(3)}/{m.group(2)}", said)
    return said.replace(" (extra_segments)", "").replace("extra_segments", "đoạn thêm")


# -- the station's settings ------------------------------------------------------------------

AUDIO_PRESETS = {"standard": "Chuẩn (mặc định)", "ebu-r128": "EBU R128 (mức âm lượng của đài phát thanh)",
                 "loudspeaker": "Loa ngoài trời (lọc tiếng trầm, nén mạnh hơn)"}


# What the settings form edits in its own inputs; any other blank gets an input of its own.
_FORM_FIELDS = re.compile(r"^(name|hotline|website|slots\.\d+\.(name|start|length_min)|"
                          r"announcers\.\d+\.(name|voice|speed))$")


@dataclass
class Blank:
    where: tuple
    line: int
    value: str
    trace: str

    @property
    def field(self) -> str:
        return ".".join(str(part) for part in self.where)

    @property
    def label(self) -> str:
        named = [part for part in self.where if isinstance(part, str)]
        return BLANK_LABELS.get(".".join(named), self.field)


BLANK_LABELS = {"name": "Tên đài", "commune": "Tên xã", "province": "Tỉnh", "district": "Huyện",
                "hotline": "Số điện thoại đường dây nóng", "email": "Thư điện tử của đài", "website": "Trang web",
                "one_stop.place": "Nơi tiếp nhận hồ sơ (bộ phận một cửa)", "one_stop.address": "Địa chỉ bộ phận một cửa",
                "one_stop.hours": "Giờ làm việc của bộ phận một cửa", "officer.name": "Họ tên công chức phụ trách",
                "officer.title": "Chức vụ của công chức phụ trách", "reviewer.name": "Họ tên người duyệt",
                "reviewer.title": "Chức vụ của người duyệt", "slots.name": "Tên khung giờ",
                "announcers.name": "Tên phát thanh viên"}


def station_blanks(folder: Path) -> list[Blank]:
    """The lines of a new station's station.yaml that still hold a [ĐIỀN …] blank or the
    sample commune's data (what compose refuses to air), each with its place in the file."""
    from radio.config import read_yaml
    from radio.station import sample_traces

    path = Path(folder) / "station.yaml"
    data, lines = read_yaml(path)
    if not isinstance(data, dict) or data.get("sample"):
        return []
    by_line: dict[int, tuple] = {}
    for where, line in lines.items():
        if len(where) >= len(by_line.get(line, ())):
            by_line[line] = where
    found = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        traces = [] if text.lstrip().startswith("#") else sample_traces(text.split(" #")[0])
        where = by_line.get(number)
        value = _value_at(data, where) if traces and where else None
        if isinstance(value, (str, int, float)):
            found.append(Blank(where, number, str(value), traces[0]))
    return found


def _value_at(data, where: tuple):
    for part in where:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def settings_context(folder: Path, form: dict | None) -> dict:
    """The settings form: what was typed, else what station.yaml holds."""
    from radio.station import BLANK

    station = load_station(folder)
    blanks = station_blanks(folder)
    values = dict(form) if form is not None else {
        "name": station.name, "hotline": station.hotline, "website": station.website or "",
        "audio_preset": station.audio.preset,
        **{f"slot_{key}_{i}": value for i, slot in enumerate(station.slots)
           for key, value in (("name", slot.name), ("start", slot.start), ("length", slot.length_min))},
        **{f"voice_{key}_{i}": value for i, a in enumerate(station.announcers)
           for key, value in (("name", a.name), ("engine", a.engine), ("voice", a.voice),
                              ("speed", str(a.speed).replace(".", ",")))}}
    if form is None:
        # A [ĐIỀN …] blank shows as the input's placeholder, so the officer types into an empty box.
        values.update({f"blank_{b.line}": "" if b.value.startswith(BLANK) else b.value
                       for b in blanks})
        placeholders = {key: values[key] for key in ("name", "hotline") if str(values[key]).startswith(BLANK)}
        values.update({key: "" for key in placeholders})
        values["publish_when"] = "after_airing" if _publishes_after_airing(station) else "approved"
    else:
        placeholders = {}
    return {"station": station, "values": values, "presets": AUDIO_PRESETS, "placeholders": placeholders,
            "publish_choices": PUBLISH_CHOICES, "engines": engine_choices({a.engine for a in station.announcers}),
            "blanks": [b for b in blanks if not _FORM_FIELDS.match(b.field)], "all_blanks": blanks}


def save_settings(folder: Path, form: dict) -> list[str]:
    """Write the form's settings into station.yaml, keeping its comments, order and every
    line not changed; the new file is validated like station.yaml itself (the Station model
    and each plugin's section), with the same file-and-line messages, before it replaces the
    old one. Returns the names of the changed fields."""
    from radio.station import BLANK

    path = Path(folder) / "station.yaml"
    yaml = _round_trip_yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    changed: list[str] = []
    for blank in station_blanks(folder):
        typed = form.get(f"blank_{blank.line}")
        if typed and typed.strip() and not _FORM_FIELDS.match(blank.field):  # left empty: still a blank
            parent = _value_at(data, blank.where[:-1])
            if isinstance(parent, dict):
                _set(parent, blank.where[-1], typed.strip(), changed, blank.field)
            elif isinstance(parent, list) and typed.strip() != str(parent[blank.where[-1]]):
                parent[blank.where[-1]] = _quoted_if_needed(typed.strip())
                changed.append(blank.field)
    for key in ("name", "hotline"):
        typed = form.get(key, "").strip()
        if typed or not str(data.get(key, "")).startswith(BLANK):  # left empty, a blank stays a blank
            _set(data, key, typed, changed, key)
    website = form.get("website", "").strip()
    if website:
        _set(data, "website", website, changed, "website")
    elif data.get("website"):
        del data["website"]
        changed.append("website")
    preset = form.get("audio_preset", "")
    if preset and preset != (data.get("audio") or {}).get("preset", "standard"):
        if data.get("audio") is None:
            data["audio"] = {}
        data["audio"]["preset"] = preset
        changed.append("audio.preset")
    _set_publish_when(data, form.get("publish_when"), changed)
    for i, slot in enumerate(data.get("slots") or []):
        _set(slot, "name", form.get(f"slot_name_{i}", slot.get("name", "")).strip(), changed, f"slots.{i}.name")
        _set(slot, "start", form.get(f"slot_start_{i}", slot.get("start", "")).strip(), changed, f"slots.{i}.start")
        _set(slot, "length_min", _number(form.get(f"slot_length_{i}", slot.get("length_min")), int), changed,
             f"slots.{i}.length_min")
    _add_and_remove_slots(data, form, changed)
    for i, announcer in enumerate(data.get("announcers") or []):
        for key in ("name", "voice"):
            _set(announcer, key, form.get(f"voice_{key}_{i}", announcer.get(key, "")).strip(), changed,
                 f"announcers.{i}.{key}")
        engine = form.get(f"voice_engine_{i}", announcer.get("engine", "offline")).strip()
        if engine != announcer.get("engine", "offline"):
            _set(announcer, "engine", _known_engine(engine), changed, f"announcers.{i}.engine")
        _set(announcer, "speed", _number(form.get(f"voice_speed_{i}", announcer.get("speed", 1.0)), float),
             changed, f"announcers.{i}.speed")
    _add_and_remove_announcers(folder, data, form, changed)
    if not changed:
        return []
    _write_station(path, yaml, data)
    return changed


def _write_station(path: Path, yaml, data) -> None:
    """The round-trip data written back as station.yaml once the whole file validates like
    station.yaml itself; nothing is written otherwise."""
    import io
    import tempfile

    from radio.fileio import write_text
    from radio.station import read_station_file

    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    with tempfile.TemporaryDirectory() as scratch:
        candidate = Path(scratch) / "station.yaml"
        candidate.write_text(text, encoding="utf-8")
        try:
            read_station_file(candidate)
        except RadioError as exc:  # said of station.yaml, whose lines these are once saved
            raise ConfigError(path, exc.message.split(": ", 1)[1] if ": " in exc.message else exc.message,
                              line=getattr(exc, "line", None),
                              hint=exc.hint or "sửa ô được nêu rồi lưu lại; tệp station.yaml chưa bị thay đổi.") from None
    write_text(path, text)


# When a month goes on the commune's website (publish.after_airing in station.yaml).
PUBLISH_CHOICES = {"after_airing": "Sau lượt phát đầu tiên trên loa (như kế hoạch ghi: tác phẩm đã phát sóng)",
                   "approved": "Ngay khi lãnh đạo duyệt"}


def _publishes_after_airing(station) -> bool:
    from radio import publish
    from radio.station import plugin_settings

    return plugin_settings(station, publish.plugin).after_airing


def _set_publish_when(data, chosen: str | None, changed: list[str]) -> None:
    """Written only when it differs from what the file says (true when the file is silent)."""
    if chosen not in PUBLISH_CHOICES:
        return
    after_airing = chosen == "after_airing"
    section = data.get("publish")
    if (section or {}).get("after_airing", True) == after_airing:
        return
    if section is None:
        from ruamel.yaml.comments import CommentedMap

        data["publish"] = section = CommentedMap()
    section["after_airing"] = after_airing
    changed.append("publish.after_airing")


def _add_and_remove_slots(data, form: dict, changed: list[str]) -> None:
    """Slots ticked for removal go (the model then says if the airing rule still names one);
    a filled new row is added at the end, a relay slot marked as such."""
    slots = data.get("slots")
    new = {key: form.get(f"slot_new_{key}", "").strip() for key in ("id", "name", "start", "length")}
    removed = [i for i in range(len(slots or [])) if form.get(f"slot_remove_{i}") == "1"]
    if not isinstance(slots, list) or not slots or not (removed or any(new.values())):
        return  # (a slots entry that is no list is the model's to refuse)
    # The comment below the list (the next section's) hangs on the last slot's last line;
    # it moves to whichever slot ends the list afterwards.
    below = slots[-1].ca.items.pop(list(slots[-1])[-1], None) if _commented(slots[-1]) else None
    for i in reversed(removed):
        changed.append(f"slots.{i} (bỏ)")
        del slots[i]
    if any(new.values()):
        _append_slot(slots, new, form.get("slot_new_kind") == "relay", changed)
    if below is not None and slots and _commented(slots[-1]):
        slots[-1].ca.items[list(slots[-1])[-1]] = below


def _commented(item) -> bool:
    return hasattr(item, "ca") and isinstance(item, dict) and len(item) > 0


def _append_slot(slots, new: dict, relay: bool, changed: list[str]) -> None:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    slot = CommentedMap([("id", new["id"]), ("name", new["name"]), ("start", DoubleQuotedScalarString(new["start"])),
                         ("length_min", _number(new["length"], int))])
    if relay:
        slot["kind"] = "relay"
    slots.append(slot)
    changed.append(f"slots.{len(slots) - 1} (thêm)")


def engine_choices(in_use: set[str]) -> list[tuple[str, str]]:
    """The reading engines an announcer may use here, each with what it is; the test engine
    only where an announcer already uses it (no commune airs it)."""
    from radio.overview import engines

    return [(name, about or name) for name, about in engines() if name != "dummy" or name in in_use]


def _known_engine(name: str) -> str:
    from radio.speech.engines import engine_names

    known = engine_names()
    if name not in known:
        raise RadioError(f"Không có bộ đọc '{name}'.", hint=f"chọn một trong: {', '.join(known)}.")
    return name


def _add_and_remove_announcers(folder: Path, data, form: dict, changed: list[str]) -> None:
    """Announcers ticked for removal go unless a brief, a script or the bulletins still name
    them (production of that month would then stop); a filled new row is added at the end."""
    from ruamel.yaml.comments import CommentedMap

    announcers = data.get("announcers")
    if not isinstance(announcers, list):
        return  # the model's to refuse
    removed = [i for i in range(len(announcers)) if form.get(f"voice_remove_{i}") == "1"]
    for i in reversed(removed):
        announcer_id = str(announcers[i].get("id", ""))
        users = announcer_users(folder, announcer_id, (data.get("bulletins") or {}).get("announcer"))
        if users:
            raise RadioError(f"Chưa bỏ được phát thanh viên «{announcers[i].get('name', announcer_id)}»: "
                             f"{', '.join(users[:3])} vẫn dùng giọng này.",
                             hint="đổi giọng đọc ở những nơi đó trước, hoặc giữ phát thanh viên này.")
        changed.append(f"announcers.{i} (bỏ)")
        del announcers[i]
    new = {key: form.get(f"voice_new_{key}", "").strip() for key in ("id", "name", "engine", "voice", "speed")}
    if new["id"] or new["name"]:
        announcer = CommentedMap([("id", new["id"]), ("name", new["name"]),
                                  ("engine", _known_engine(new["engine"] or "offline")),
                                  ("voice", new["voice"] or "vi")])
        if new["speed"]:
            announcer["speed"] = _number(new["speed"], float)
        announcers.append(announcer)
        changed.append(f"announcers.{len(announcers) - 1} (thêm)")


def announcer_users(folder: Path, announcer_id: str, bulletin_announcer: str | None) -> list[str]:
    """What still names the announcer: the bulletins setting, a month's brief (its voices)
    or script (a segment's voice). Files that cannot be read are left to their own checks."""
    import yaml as pyyaml

    users = ["cài đặt bản tin (bulletins.announcer)"] if bulletin_announcer == announcer_id else []
    for path in sorted([*Path(folder).glob("months/*.yaml"), *Path(folder).glob("scripts/*.yaml")]):
        try:
            data = pyyaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, pyyaml.YAMLError):
            continue
        named = [*(data.get("voices") or {}).values(),
                 *(segment.get("voice") for segment in data.get("segments") or [] if isinstance(segment, dict))] \
            if isinstance(data, dict) else []
        if announcer_id in named:
            users.append(f"{path.parent.name}/{path.name}")
    return users


def _round_trip_yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: comments, order, quotes and layout stay as the officer wrote them
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _set(mapping, key: str, value, changed: list[str], name: str) -> None:
    """Set one value only when it differs, so an untouched line keeps its exact form; a text
    YAML 1.1 would read as something else (05:30 as a number of minutes, 1022 as an integer)
    is written in quotes."""
    if mapping.get(key) == value:
        return
    mapping[key] = _quoted_if_needed(value)
    changed.append(name)


def _quoted_if_needed(value):
    import yaml as pyyaml
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if not isinstance(value, str):
        return value
    try:
        plain = pyyaml.safe_load(value) == value
    except pyyaml.YAMLError:
        plain = False
    return value if plain else DoubleQuotedScalarString(value)


def _number(value, kind):
    """A number as typed (Vietnamese decimal comma accepted); else the text, for the model to
    refuse in its own words."""
    text = str(value if value is not None else "").strip()
    try:
        return kind(text.replace(",", ".")) if kind is float else kind(text)
    except ValueError:
        return text


# -- a person's reading --------------------------------------------------------------------------

@dataclass
class TakeRow:
    id: str
    title: str
    state: str  # "máy đọc" or who read it and when
    recorded: bool
    stale: bool


def recording_view(folder: Path, month: str, segment_id: str | None) -> dict:
    """The prompter page: every segment with who reads it, and the chosen one (the first
    without a recording by default) as paragraphs of sentences to read, with its recording."""
    from radio.record import month_recordings, reading_view
    from radio.speech.synthesize import split_sentences

    rows, _ = month_recordings(folder, month)
    takes = [TakeRow(s.id, s.title, held.describe() if held else "máy đọc", held is not None,
                     bool(held and held.stale)) for s, held in rows]
    chosen = next((i for i, (s, _) in enumerate(rows) if s.id == segment_id), None)
    if chosen is None:
        chosen = next((i for i, (_, held) in enumerate(rows) if held is None), 0)
    segment, held = rows[chosen]
    paragraphs, current = [], []
    for sentence, paragraph_end in split_sentences(segment.text, 10_000):
        current.append(sentence)
        if paragraph_end:
            paragraphs.append(current)
            current = []
    return {"takes": takes, "segment": segment, "held": held, "paragraphs": paragraphs,
            "previous": rows[chosen - 1][0].id if chosen > 0 else None,
            "next": rows[chosen + 1][0].id if chosen + 1 < len(rows) else None,
            "view": reading_view(folder, month, segment.id, listen=False) if held else None}


# -- the station's music kit ---------------------------------------------------------------------

@dataclass
class KitRow:
    part: str
    name: str
    file: str | None  # None: the software's own music
    missing: bool


def kit_view(folder: Path) -> list[KitRow]:
    from radio.audio.kit import KIT_PARTS, kit_part_name

    files = load_station(folder).audio.kit
    rows = []
    for part in KIT_PARTS:
        name = getattr(files, part)
        rows.append(KitRow(part, kit_part_name(part), name, bool(name) and not (Path(folder) / name).is_file()))
    return rows


def upload_kit(folder: Path, part: str, filename: str, data: bytes) -> list[str]:
    """A file for one part of the kit: checked and stored (``audio/kit``), then named in
    station.yaml's ``audio.kit`` through the settings' round-trip writer. Returns what to
    tell the officer."""
    from radio.audio.kit import install_kit_file, kit_part_name

    if not data:
        raise RadioError(f"Tệp {filename} trống (0 byte).", hint="chọn lại tệp nhạc.")
    relative, checked = install_kit_file(folder, part, filename, data)
    set_kit_part(folder, part, relative)
    return [f"Đã dùng tệp {filename} làm {kit_part_name(part)}.", *checked.notes()]


def set_kit_part(folder: Path, part: str, relative: str | None) -> bool:
    """``audio.kit.<part>`` set to a file (``None``: the line removed, the default music back),
    comments and every other line kept. Returns whether station.yaml changed."""
    from ruamel.yaml.comments import CommentedMap

    path = Path(folder) / "station.yaml"
    yaml = _round_trip_yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    if data.get("audio") is None:
        data["audio"] = CommentedMap()
    kit = data["audio"].get("kit")
    if (kit or {}).get(part) == relative:
        return False
    if relative is None:
        del kit[part]
        if not kit:
            del data["audio"]["kit"]
    else:
        if kit is None:
            data["audio"]["kit"] = kit = CommentedMap()
        kit[part] = relative
    _write_station(path, yaml, data)
    return True


# -- the year plan --------------------------------------------------------------------------------

@dataclass
class PlanRow:
    month: str
    topic: str
    procedure: str
    covers: list[str]
    alternatives: list[tuple[str, str]]  # (id, title)
    has_brief: bool


def plan_view(folder: Path, year: int) -> dict:
    """The year's plan as saved (or as proposed, not yet saved), each month with its topic,
    guide, the plan items it speaks of and the topics it may swap to; and every plan item
    with the months that cover it."""
    from radio.library import all_procedures, all_topics, load_plan_items
    from radio.plan import coverage, load_or_propose, plan_path

    topics = {t.id: t for t in all_topics(folder)}
    procedures = {p.id: p for p in all_procedures(folder)}
    items, _ = load_plan_items(folder)
    titles = {i.id: i.title for i in items}
    plan = load_or_propose(folder, year)
    rows = [PlanRow(m.month, _title(topics, m.topic), _title(procedures, m.procedure),
                    [titles.get(i, i) for i in m.covers],
                    [(a, _title(topics, a)) for a in m.alternatives],
                    (Path(folder) / "months" / f"{m.month}.yaml").exists()) for m in plan.months]
    covered = coverage(plan, items, list(topics.values()), list(procedures.values()))
    return {"year": year, "saved": plan_path(folder, year).exists(), "rows": rows, "coverage": covered}


def _title(library: dict, key: str) -> str:
    found = library.get(key)
    return found.title if found else key


def brief_from_plan(folder: Path, month: str) -> Path:
    """The month's brief begun from the year plan: its topic and guide, nothing else yet
    (news and questions are the officer's to write); an existing brief is never replaced."""
    from radio.plan import load_or_propose

    path = Path(folder) / "months" / f"{month}.yaml"
    if path.exists():
        raise RadioError(f"Đã có nội dung {month_vi(month)}; tệp không bị ghi đè.",
                         hint="mở «Sửa nội dung tháng» ở trang của tháng.")
    planned = load_or_propose(folder, int(month[:4])).for_month(month)
    return save_brief(folder, month, {"topic": planned.topic, "procedure": planned.procedure})


# -- bulletins (issue 32) --------------------------------------------------------------------------

#: How the form offers the moment: as soon as approved, or at a time the officer picks.
BULLETIN_WHEN = {"now": "Ngay khi được duyệt", "at": "Vào lúc"}


def bulletins_context(folder: Path, account, typed: dict | None) -> dict:
    """The bulletins page: every bulletin (level, state, zones, airings) and the form, with
    what was typed when a refused form comes back."""
    from radio.approval import STATE_LABELS
    from radio.bulletin import LEVEL_NAMES, list_bulletins
    from radio.station import load_station
    from radio.studio.accounts import may

    station = load_station(folder)
    one_step = station.bulletins.leader_issues_emergency and may(account, "approve")
    return {"bulletins": list_bulletins(folder), "states": STATE_LABELS, "levels": LEVEL_NAMES,
            "zone_names": {z.id: z.name for z in station.zones}, "zones": station.zones,
            "may_create": may(account, "edit") or one_step, "may_edit": may(account, "edit"), "one_step": one_step,
            "choices": BULLETIN_WHEN, "typed": typed or {"level": "thuong", "when": "now", "repeat": "1"}}


def make_bulletin(folder: Path, account, typed: dict, recording: Path | None, one_step: bool):
    """The form made a bulletin by the stage the command line calls; the moment typed in the
    page's date-time box is handed over as the command line writes it, so the same rules
    (a past moment refused) apply."""
    from datetime import datetime

    from radio.bulletin import BulletinError, new_bulletin

    text = typed.get("text", "").strip() or None
    if text is None and recording is None:
        raise BulletinError("Bản tin cần lời: gõ nội dung thông báo vào ô «Lời bản tin», hoặc chọn một tệp ghi âm.")
    at = None
    if typed.get("when") == "at":
        try:
            at = f"{datetime.fromisoformat(typed.get('at', '').strip()):%H:%M %d/%m/%Y}"
        except ValueError:
            raise BulletinError("Chọn ngày và giờ phát trong ô «Vào lúc», hoặc chọn «Ngay khi được duyệt».") from None
    repeat = _whole(typed.get("repeat") or "1", "Số lần phát")
    every = _whole(typed["every_min"], "Cách nhau (phút)") if typed.get("every_min", "").strip() and repeat > 1 else None
    zones = [key[len("zone-"):] for key, value in typed.items() if key.startswith("zone-") and value == "1"]
    return new_bulletin(folder, level=typed.get("level", ""), text=text,
                        recording=recording, title=typed.get("title", "").strip() or None, at=at, repeat=repeat,
                        every_min=every, issued_by=account.full_name, role=account.title, approve_now=one_step,
                        zones=zones)


def _whole(value: str, field: str) -> int:
    from radio.bulletin import BulletinError

    try:
        return int(str(value).strip())
    except ValueError:
        raise BulletinError(f"Ô «{field}» cần một số nguyên, không phải '{value}'.") from None


def bulletin_context(folder: Path, bulletin_id: str) -> dict:
    """One bulletin for the leader: the words and how the engine reads them, the audio, when
    and where it airs, what the trail holds and the airings queued."""
    from radio.approval import STATE_LABELS
    from radio.bulletin import bulletin_files, show_bulletin
    from radio.overview import EVENT_NAMES
    from radio.schedule import queued
    from radio.station import load_station
    from radio.store import Store

    shown = show_bulletin(folder, bulletin_id)
    files = bulletin_files(folder, bulletin_id)
    store = Store(folder, readonly=True)
    station = load_station(folder)
    return {"item": shown, "b": shown.bulletin, "state_label": STATE_LABELS[shown.state],
            "zone_names": {z.id: z.name for z in station.zones}, "events": store.review_events(str(files.key)),
            "event_names": EVENT_NAMES, "airings": queued(store, programme=files.key)}
