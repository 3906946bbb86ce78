"""Thin command layer: parse arguments, call a stage, present what it returns.

Nothing here decides anything about audio or text; errors from the stages arrive as
``RadioError`` and are printed verbatim, in Vietnamese, with a non-zero exit code.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from radio.display import minutes, number
from radio.errors import OutputError, RadioError
from radio.reports.formats import FORMATS as REPORT_FORMATS

if TYPE_CHECKING:
    from rich.progress import Progress

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="radio — sản xuất chuyên mục cải cách hành chính cho đài truyền thanh xã.")
console = Console()
errors = Console(stderr=True)


class RichProgress:
    """Adapts the stages' Progress protocol to rich progress bars, one bar per stage."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        self.tasks: dict[str, int] = {}

    def start(self, stage: str, total: int) -> None:
        # A stage may learn its size late (speech fallback adds sentences): update, not add.
        if stage in self.tasks:
            self.bars.update(self.tasks[stage], total=total)
        else:
            self.tasks[stage] = self.bars.add_task(stage, total=total)

    def advance(self, stage: str, amount: int = 1) -> None:
        self.bars.advance(self.tasks[stage], amount)

    def finish(self, stage: str) -> None:
        task = self.tasks[stage]
        self.bars.update(task, completed=self.bars.tasks[task].total)


def _show(table: Table, empty: str) -> None:
    """A table with rows, or a sentence saying there is none (a bare header says nothing)."""
    console.print(table if table.row_count else f"{table.title}: {empty}")


def _bars() -> Progress:
    # Imported here: only the commands that make something draw bars.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False,
                    disable=not console.is_terminal)


def _report(production) -> None:
    audio = production.manifest.audio
    whole_minutes, seconds = divmod(round(audio.duration_s), 60)
    for warning in production.warnings:
        console.print(f"[yellow]Cảnh báo:[/] {warning}")
    console.print(f"[green]Đã xong.[/] Tệp chương trình: {production.mp3}")
    console.print(f"Thời lượng: {whole_minutes} phút {seconds:02d} giây · "
                  f"Âm lượng: {number(audio.integrated_lufs)} LUFS · "
                  f"Đỉnh thực: {number(audio.true_peak_dbtp)} dBTP")
    console.print(f"Kịch bản: {production.script_path}")
    console.print(f"Mô tả chương trình: {production.manifest_path}")
    clips = production.manifest.clips
    console.print(f"Câu đọc mới: {clips.synthesized} · dùng lại từ bộ nhớ đệm: {clips.reused}")


STATION_OPTION = typer.Option(Path("."), "--station", "-s",
                              help="Thư mục của đài (chứa station.yaml).")


def _station_folder(value: Path) -> Path:
    """A command about a station runs on a folder with a station.yaml, or says so and
    creates nothing (a mistyped --station used to get an empty table and a new radio.db)."""
    if not (value / "station.yaml").is_file():
        where = "thư mục hiện tại" if str(value) == "." else f"thư mục {value}"
        raise RadioError(f"Không có station.yaml trong {where}: đây không phải thư mục của một đài.",
                         hint="chạy lệnh trong thư mục của đài, hoặc thêm --station THƯ_MỤC_CỦA_ĐÀI; "
                              "tạo đài mới bằng 'radio init THƯ_MỤC'.")
    return value


STATION_DIR = typer.Option(Path("."), "--station", "-s", callback=_station_folder,
                           help="Thư mục của đài (chứa station.yaml).")


def _text(value: Optional[str]) -> Optional[str]:
    """A name or role a person must actually give: blank is not an answer (a rejection's
    reason is the approval stage's own rule, the same for the studio)."""
    if value is not None and not value.strip():
        raise RadioError("Không được để trống họ tên hay chức vụ.",
                         hint="ghi đầy đủ, ví dụ --by \"Trần Văn Bình\" --role \"Phó Chủ tịch UBND xã\".")
    return value.strip() if value is not None else None


def _not_negative(value: Optional[float]) -> Optional[float]:
    if value is not None and value < 0:
        raise RadioError(f"Giá trị {number(value, None)} không hợp lệ: số ngày hoặc dung lượng không được âm.",
                         hint="ví dụ --older-than 180 hoặc --max-mb 500.")
    return value


def _month(value: Optional[str]) -> Optional[str]:
    from radio.station import check_month

    return None if value is None else check_month(value)


def _year(value: Optional[int]) -> Optional[int]:
    # The same years a month may have (radio/station.py check_month).
    if value is not None and not 2000 <= value <= 2100:
        raise RadioError(f"Năm {value} không hợp lệ.", hint="viết năm bằng bốn chữ số, từ 2000 đến 2100, ví dụ 2027.")
    return value


@app.command()
def demo(out: Path = typer.Option(Path("audio_out"), "--out", help="Thư mục ghi chương trình."),
         engine: Optional[str] = typer.Option(None, "--engine",
                                              help="Dùng bộ đọc khác cho mọi giọng (ví dụ dummy).")) -> None:
    """Sản xuất trọn vẹn chương trình mẫu của xã An Lạc (không cần mạng)."""
    from radio.pipeline import demo as run_demo

    with _bars() as bars:
        _composition, production = run_demo(out, engine_override=engine,
                                            progress=RichProgress(bars))
    _report(production)


@app.command()
def compose(month: str = typer.Argument(..., metavar="THÁNG", help="Tháng, dạng NĂM-THÁNG, ví dụ 2026-12.", callback=_month),
            station: Path = STATION_DIR,
            allow_length: bool = typer.Option(False, "--allow-length",
                                              help="Vẫn ghi kịch bản dù ngoài khoảng 10–15 phút."),
            fit: bool = typer.Option(False, "--fit",
                                     help="Tự bỏ đoạn không bắt buộc hoặc thêm đoạn tìm hiểu thêm cho vừa thời lượng."),
            new_draft: bool = typer.Option(False, "--new-draft",
                                           help="Soạn bản nháp mới dù kịch bản hiện tại đã duyệt hoặc đã sửa tay "
                                                "(kịch bản hiện tại được giữ lại thành bản sao ghi ngày giờ).")) -> None:
    """Soạn kịch bản tháng từ nội dung tháng months/THÁNG.yaml và các mẫu đoạn. Không ghi đè kịch bản đã duyệt hoặc đã sửa tay."""
    from radio.pipeline import compose_month

    composition, script_path = compose_month(station, month, allow_length=allow_length, fit=fit,
                                             new_draft=new_draft)
    for change in composition.changes:
        console.print(f"Điều chỉnh: {change}")
    for warning in composition.warnings:
        console.print(f"[yellow]Cảnh báo:[/] {warning}")
    whole_minutes, seconds = divmod(round(composition.estimated_s), 60)
    console.print(f"[green]Đã soạn[/] {script_path}: {len(composition.script.segments)} đoạn, "
                  f"ước tính {whole_minutes} phút {seconds:02d} giây.")
    from radio.station import load_station

    station_profile = load_station(station)
    for segment in composition.script.segments:
        reader = station_profile.announcer(segment.voice).name
        console.print(f"  {segment.title:<28} {reader:<18} {number(segment.estimated_s):>6} giây")


@app.command()
def produce(month: str = typer.Argument(..., metavar="THÁNG", help="Tháng, dạng NĂM-THÁNG, ví dụ 2026-12.", callback=_month),
            station: Path = STATION_DIR,
            out: Optional[Path] = typer.Option(None, "--out", help="Thư mục ghi (mặc định STATION/audio_out)."),
            engine: Optional[str] = typer.Option(None, "--engine", help="Dùng bộ đọc khác cho mọi giọng."),
            use_stale: bool = typer.Option(False, "--use-stale",
                                           help="Vẫn dùng bản thu giọng người đọc đã thu trước khi sửa lời đoạn đó.")) -> None:
    """Sản xuất tệp MP3 từ kịch bản scripts/THÁNG.yaml (đọc, trộn nhạc, chuẩn hoá âm lượng)."""
    from radio.pipeline import produce_month

    with _bars() as bars:
        production = produce_month(station, month, out, engine_override=engine,
                                   progress=RichProgress(bars), use_stale=use_stale)
    _report(production)
    _tell_leaders(station, month)


def _tell_leaders(station: Path, month: str) -> None:
    from radio.notify import tell_leaders

    said = tell_leaders(station, month)
    if said:
        console.print(escape(said))


@app.command()
def record(month: str = typer.Argument(..., metavar="THÁNG", help="Tháng, dạng NĂM-THÁNG.", callback=_month),
           segment: Optional[str] = typer.Option(None, "--segment", metavar="MÃ_ĐOẠN",
                                                 help="Mã đoạn trong kịch bản, ví dụ 01-opening."),
           file: Optional[Path] = typer.Option(None, "--file", metavar="TỆP",
                                               help="Tệp ghi âm: WAV, MP3, M4A, OGG, WEBM, AMR..."),
           by: Optional[str] = typer.Option(None, "--by", help="Họ tên người đọc (mặc định: cán bộ phụ trách của đài).",
                                            callback=_text),
           remove: bool = typer.Option(False, "--remove", help="Bỏ bản thu của đoạn, để máy đọc lại đoạn đó."),
           station: Path = STATION_DIR) -> None:
    """Đưa giọng người đọc vào một đoạn: nhập tệp ghi âm (làm sạch, chỉnh âm lượng, đối chiếu với kịch bản); không có --file thì liệt kê các bản thu."""
    from radio import record as recordings

    if segment is None:
        if file is not None or remove:
            raise RadioError("Cần chọn đoạn bằng --segment.", hint=f"xem mã các đoạn bằng 'radio record {month}'.")
        _list_recordings(station, month)
        return
    if remove:
        gone = recordings.remove_recording(station, month, segment)
        console.print(f"[green]Đã bỏ bản thu[/] của {escape(gone.by)} cho đoạn {segment}; đoạn này sẽ do máy đọc "
                      f"khi sản xuất lại (radio produce {month}).")
        return
    if file is None:
        raise RadioError("Cần chỉ tệp ghi âm bằng --file.",
                         hint=f"ví dụ: radio record {month} --segment {segment} --file doc-doan-mo-dau.m4a")
    imported = recordings.import_recording(station, month, segment, file, by=by)
    held = imported.held.recording
    console.print(f"[green]Đã nhập bản thu[/] đoạn {segment} do {escape(held.by)} đọc: "
                  f"{number(held.duration_s)} giây (tối đa {number(imported.limit_s, 0)} giây).")
    for note in imported.notes:
        console.print(f"  {escape(note)}")
    console.print(f"Đã lưu: {imported.held.path}")
    _check_reading(station, month, segment)
    console.print(f"Sản xuất lại để nghe trong chương trình: radio produce {month}")


def _list_recordings(station: Path, month: str) -> None:
    from radio.record import month_recordings

    rows, orphans = month_recordings(station, month)
    table = Table(title=f"Giọng đọc các đoạn tháng {month}")
    for column in ("Mã đoạn", "Tên đoạn", "Giọng đọc", "Tình trạng"):
        table.add_column(column)
    for segment, held in rows:
        if held is None:
            table.add_row(segment.id, segment.title, "máy đọc", "")
        else:
            state = "[red]thu trước khi sửa lời đoạn này[/]" if held.stale else "khớp kịch bản hiện tại"
            table.add_row(segment.id, segment.title, escape(held.describe()), state)
    _show(table, "kịch bản không có đoạn nào.")
    for orphan in orphans:
        console.print(f"[yellow]Bản thu không dùng:[/] đoạn '{orphan.segment}' ({escape(orphan.by)}) không còn trong kịch bản.")


def _check_reading(station: Path, month: str, segment: str) -> None:
    """The recognizer's word on the new recording, when it is installed."""
    from radio.record import reading_view
    from radio.speech.listen import listener_available

    if not listener_available():
        console.print("[dim]Chưa đối chiếu bản thu với kịch bản: cài máy nghe bằng 'scripts/setup listen'.[/]")
        return
    view = reading_view(station, month, segment, listen=True)
    problems = view.problems(segment) if view else []
    for problem in problems:
        console.print(f"[yellow]Cần nghe lại:[/] {escape(problem)}")
    if view and view.check and not problems:
        console.print("[green]Máy nghe thấy bản thu đủ các câu của kịch bản.[/]")


@app.command()
def init(folder: Path = typer.Argument(..., metavar="THƯ_MỤC", help="Thư mục mới cho đài.")) -> None:
    """Tạo thư mục làm việc của đài với các tệp mẫu có ghi chú."""
    from radio.workspace import init_station

    for path in init_station(folder):
        console.print(f"Đã tạo {path}")
    console.print(f"Tiếp theo: sửa {folder / 'station.yaml'} cho đúng với đài của xã.")


@app.command()
def plan(year: int = typer.Argument(..., metavar="NĂM", help="Năm, ví dụ 2027.", callback=_year),
         station: Path = STATION_DIR) -> None:
    """Đề xuất chủ đề 12 tháng sao cho cả năm phủ hết nội dung của kế hoạch."""
    from radio.library import all_procedures, all_topics
    from radio.plan import make_plan, procedure_counts

    year_plan, coverage, path = make_plan(station, year)
    titles = {t.id: t.title for t in all_topics(station)}
    procedures = {p.id: p.title for p in all_procedures(station)}
    table = Table(title=f"Kế hoạch chủ đề năm {year}")
    for column in ("Tháng", "Chủ đề", "Thủ tục hướng dẫn", "Có thể đổi sang"):
        table.add_column(column)
    for month in year_plan.months:
        table.add_row(month.month, titles.get(month.topic, month.topic),
                      procedures.get(month.procedure, month.procedure),
                      ", ".join(month.alternatives) or "—")
    console.print(table)
    covered = sum(1 for row in coverage if row.months)
    console.print(f"Nội dung của kế hoạch năm được đề cập: {covered}/{len(coverage)} mục.")
    for row in coverage:
        console.print(f"  {row.item.title}: {', '.join(row.months) or '[red]chưa tháng nào[/]'}")
    counts = procedure_counts(year_plan)
    console.print(f"Thủ tục được hướng dẫn: {len(counts)} thủ tục; nhiều nhất "
                  f"{max(counts.values())} lần trong năm.")
    for procedure_id, times in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        console.print(f"  {procedures.get(procedure_id, procedure_id)}: {times} lần")
    console.print(f"[green]Đã lưu[/] {path}")


@app.command(name="new-month")
def new_month(month: str = typer.Argument(..., metavar="THÁNG", help="Tháng, dạng NĂM-THÁNG, ví dụ 2027-01.", callback=_month),
              station: Path = STATION_DIR) -> None:
    """Tạo tệp nội dung tháng months/THÁNG.yaml, điền sẵn chủ đề và thủ tục theo kế hoạch năm."""
    from radio.workspace import new_month as make_brief

    path = make_brief(station, month)
    console.print(f"[green]Đã tạo[/] {path}. Điền tin tức, hỏi – đáp rồi chạy: radio compose {month}")


@app.command()
def normalize(text: list[str] = typer.Argument(None, metavar="CÂU", help="Câu cần chuyển; bỏ trống để đọc từ bàn phím hoặc tệp chuyển vào (stdin)."),
              explain: bool = typer.Option(False, "--explain", help="Cho biết quy tắc nào đã đổi chữ nào."),
              station: Optional[Path] = typer.Option(None, "--station", "-s",
                                                     help="Dùng thêm từ điển lexicon.yaml của đài.")) -> None:
    """In cách đọc của từng câu (số, ngày tháng, chữ viết tắt...): một dòng ra cho mỗi dòng vào."""
    import unicodedata

    from radio.speech.normalize import RULE_NAMES, station_normalizer
    from radio.station import load_station

    # A folder may hold only a lexicon.yaml (a district's shared readings): then 24-hour times.
    profile = load_station(station) if station and (station / "station.yaml").exists() else None
    normalizer = station_normalizer(profile, station)
    lines = text if text else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        # Composed first, as production reads every file (radio/config.py): decomposed
        # letters (text pasted from some editors) would not match the rules' words.
        result = normalizer(unicodedata.normalize("NFC", line))
        typer.echo(result.text)
        if explain:
            for change in result.changes:
                note = f" ({change.note})" if change.note else ""
                typer.echo(f"    [{RULE_NAMES.get(change.rule, change.rule)}] {change.written} → "
                           f"{change.spoken or '(không đọc)'}{note}")
            for token in result.unknown:
                typer.echo(f"    [chưa có trong từ điển] {token}: nên thêm vào lexicon.yaml của đài")


def _station_or_defaults(station: Path):
    """The station's settings when ``station`` holds a station.yaml, else ``None``."""
    from radio.station import load_station

    return load_station(station) if (station / "station.yaml").exists() else None


voices_app = typer.Typer(help="Bộ đọc và giọng đọc: xem, so sánh, tải thêm giọng.")
app.add_typer(voices_app, name="voices")


@voices_app.callback(invoke_without_command=True)
def voices(ctx: typer.Context, compare: bool = typer.Option(
               False, "--compare", help="Cho máy nghe thử vài câu của mọi giọng dùng được và xếp hạng."),
           station: Path = STATION_OPTION) -> None:
    """Liệt kê các bộ đọc, giọng đọc, tình trạng sẵn sàng và giọng dự phòng của đài."""
    if ctx.invoked_subcommand is not None:
        return
    if compare:
        return _compare_voices(station)
    from radio.speech.engines import engine_statuses

    config = _station_or_defaults(station)
    for status in engine_statuses(config.speech if config else None, station, config):
        state = ("[green]sẵn sàng[/]" if status.unavailable is None
                 else f"[red]chưa dùng được[/]: {status.unavailable}")
        console.print(f"[bold]{status.name}[/] — {state}")
        if status.about:
            console.print(f"  [dim]{status.about}[/]")
        for voice in status.voices:
            console.print(f"  {voice.id:<22} {voice.description}")
    if config:
        console.print(f"\n[bold]{config.name}[/]")
        for announcer in config.announcers:
            console.print(f"  {announcer.name} ({announcer.id}): {announcer.engine}:{announcer.voice}, "
                          f"tốc độ {number(announcer.speed, None)}")
        chain = " → ".join(config.speech.fallback) or "không có"
        console.print(f"  Bộ đọc dự phòng khi bộ đọc chính lỗi: {chain}")


def _compare_voices(station: Path) -> None:
    from radio.paths import station_output
    from radio.speech.listen import compare_voices

    config = _station_or_defaults(station)
    root = station_output(station) / (config.id if config else "_") / ".cache"
    with console.status("Máy đang nghe thử từng giọng…"):
        scores = compare_voices(config.speech if config else None, station, root)
    table = Table(title="Máy nghe thử: sai càng ít càng dễ nghe")
    for column in ("Bộ đọc", "Giọng", "Mô tả", "Sai ký tự", "Sai tiếng"):
        table.add_column(column)
    for score in scores:
        if score.cer is None:
            table.add_row(score.engine, score.voice, f"[dim]chưa dùng được: {score.unavailable}[/]", "—", "—")
        else:
            table.add_row(score.engine, score.voice, score.description,
                          f"{score.cer:.0%}", f"{score.ser:.0%}")
    console.print(table)


@voices_app.command("install")
def voices_install(name: str = typer.Argument(..., metavar="TÊN_GIỌNG", help="Tên giọng trong danh sách, ví dụ vais1000-medium."),
                   catalog: Optional[Path] = typer.Option(None, "--catalog",
                                                          help="Danh sách giọng riêng (ví dụ máy chủ của tỉnh)."),
                   station: Path = STATION_DIR) -> None:
    """Tải một giọng Piper tiếng Việt về thư mục voices/ của đài (tải tiếp được khi mất mạng giữa chừng)."""
    from radio.speech.piper_voices import install, load_catalog

    with _bars() as bars:
        installed = install(name, station, catalog=load_catalog(catalog), progress=RichProgress(bars))
    console.print(f"[green]Đã tải giọng {name}[/]: {installed.model} và {installed.config}.")
    for file_name, digest in installed.sha256.items():
        console.print(f"  sha256 {file_name}: {digest}")
    console.print("Thêm vào station.yaml của đài để dùng giọng này:")
    console.print(installed.station_yaml(station.resolve()), markup=False)


cache_app = typer.Typer(no_args_is_help=True, help="Xem và dọn bộ nhớ đệm câu đọc của đài.")
app.add_typer(cache_app, name="cache")


def _cache_of(station: Path, out: Optional[Path]):
    from radio.paths import station_output
    from radio.pipeline import clip_cache, load_station

    return clip_cache(out or station_output(station), load_station(station).id)


OUT_OPTION = typer.Option(None, "--out", help="Thư mục chương trình (mặc định STATION/audio_out).")


@cache_app.command("stats")
def cache_stats(station: Path = STATION_DIR, out: Optional[Path] = OUT_OPTION) -> None:
    """Số câu đã lưu, dung lượng và thời lượng, theo từng bộ đọc."""
    stats = _cache_of(station, out).stats()
    if not stats.clips:
        console.print(f"Bộ nhớ đệm {stats.root} đang trống.")
        return
    table = Table(title=f"Bộ nhớ đệm {stats.root}")
    for column in ("Bộ đọc", "Số câu", "Dung lượng", "Thời lượng"):
        table.add_column(column, justify="right" if column != "Bộ đọc" else "left")
    for name, usage in sorted(stats.engines.items()):
        table.add_row(name, str(usage.clips), _megabytes(usage.bytes),
                      f"{minutes(usage.seconds)}")
    table.add_row("Tổng", str(stats.clips), _megabytes(stats.bytes), "")
    console.print(table)
    console.print(f"Câu lâu nhất chưa được dùng lại: {number(stats.oldest_unused_days, 0)} ngày.")


@cache_app.command("prune")
def cache_prune(station: Path = STATION_DIR, out: Optional[Path] = OUT_OPTION,
                older_than: Optional[float] = typer.Option(
                    None, "--older-than", help="Xoá câu không được dùng trong chừng ấy ngày.",
                    callback=_not_negative),
                engine: Optional[str] = typer.Option(None, "--engine",
                                                     help="Xoá mọi câu của bộ đọc này."),
                max_mb: Optional[float] = typer.Option(
                    None, "--max-mb", help="Xoá câu cũ nhất cho tới khi còn dưới chừng ấy MB.",
                    callback=_not_negative)) -> None:
    """Dọn bộ nhớ đệm; câu bị xoá sẽ được đọc lại khi cần."""
    if older_than is None and engine is None and max_mb is None:
        raise RadioError("Chưa chọn cách dọn bộ nhớ đệm.",
                         hint="thêm --older-than SỐ_NGÀY, --engine TÊN hoặc --max-mb SỐ_MB.")
    from radio.paths import station_output
    from radio.pipeline import clean_programme_folders, load_station

    result = _cache_of(station, out).prune(
        older_than_days=older_than, engine=engine,
        max_bytes=None if max_mb is None else int(max_mb * 1024 * 1024))
    leftovers = clean_programme_folders((out or station_output(station)) / load_station(station).id)
    console.print(f"Đã xoá {result.removed} câu ({_megabytes(result.freed_bytes)}), "
                  f"còn {result.kept} câu.")
    if leftovers:
        console.print(f"Đã xoá tệp tạm của các lần sản xuất bị dừng ({_megabytes(leftovers)}).")


def _megabytes(size: int) -> str:
    return f"{number(size / 1024 / 1024)} MB"


def _month_files(station: Path, month: str):
    from radio.approval import MonthFiles
    from radio.station import load_station

    return MonthFiles(station, load_station(station).id, month)


@app.command()
def review(month: str = typer.Argument(..., metavar="THÁNG", help="Tháng, dạng NĂM-THÁNG.", callback=_month),
           listen: bool = typer.Option(False, "--listen",
                                       help="Cho máy nghe thử từng câu và chỉ ra câu khó nghe."),
           station: Path = STATION_DIR) -> None:
    """Tạo bản duyệt (HTML in khổ A4 và văn bản thường) kèm những điểm cần xem lại."""
    from radio.review import build_review

    copy = build_review(station, month, listen=listen)
    if copy.listen_note:
        console.print(f"[yellow]{copy.listen_note}[/]")
    elif not listen:
        from radio.speech.listen import listener_available

        extra = "" if listener_available() else " (cài một lần bằng 'scripts/setup listen')"
        console.print(f"[dim]Muốn máy nghe thử từng câu để tìm câu khó nghe: thêm --listen{extra}.[/]")
    for finding in copy.findings:
        where = f"[{finding.segment_id}] " if finding.segment_id else ""
        console.print(f"[yellow]Cần xem lại:[/] {where}{finding.message}")
    console.print(f"[green]Đã tạo bản duyệt[/] {copy.html_path} (mở bằng trình duyệt để đọc, "
                  f"nghe và in) và {copy.text_path}.")


@app.command()
def approve(month: str = typer.Argument(..., metavar="THÁNG", help="Tháng, dạng NĂM-THÁNG.", callback=_month),
            by: str = typer.Option(..., "--by", help="Họ tên người duyệt.", callback=_text),
            role: str = typer.Option(..., "--role", help="Chức vụ người duyệt.", callback=_text),
            note: Optional[str] = typer.Option(None, "--note", help="Ghi chú."),
            station: Path = STATION_DIR) -> None:
    """Ghi nhận người duyệt đồng ý cho phát đúng kịch bản (và tệp âm thanh) hiện có."""
    from radio.approval import approve as record_approval
    from radio.clock import shown
    from radio.store import Store

    event = record_approval(_month_files(station, month), Store(station), by, role, note)
    _back_up_quietly(station)
    bound = "kịch bản và tệp âm thanh" if event.audio_sha256 else "kịch bản (chưa có tệp âm thanh)"
    console.print(f"[green]Đã duyệt[/] tháng {month}: {by} ({role}), {shown(event.at)}; gắn với {bound}.")


@app.command()
def reject(month: str = typer.Argument(..., metavar="THÁNG", help="Tháng, dạng NĂM-THÁNG.", callback=_month),
           by: str = typer.Option(..., "--by", help="Họ tên người duyệt.", callback=_text),
           reason: str = typer.Option(..., "--reason", help="Lý do trả lại (bắt buộc: người soạn cần biết phải sửa gì)."),
           role: Optional[str] = typer.Option(None, "--role", help="Chức vụ người duyệt.", callback=_text),
           station: Path = STATION_DIR) -> None:
    """Trả lại kịch bản kèm lý do; chương trình không được phát cho tới khi duyệt lại."""
    from radio.approval import reject as record_rejection
    from radio.store import Store

    event = record_rejection(_month_files(station, month), Store(station), by, role, reason)
    console.print(f"[yellow]Đã trả lại[/] tháng {month}: {event.note}")


@app.command()
def status(month: Optional[str] = typer.Argument(None, metavar="[THÁNG]", help="Tháng; bỏ trống để xem mọi tháng.", callback=_month),
           station: Path = STATION_DIR) -> None:
    """Tình trạng từng tháng: bản nháp, chờ duyệt, đã duyệt, đã thay đổi sau khi duyệt; đã sản xuất, đã xếp lịch, đã phát."""
    from radio.overview import MONTH_COLUMNS, NO_MONTHS, months

    seen = months(station, month)
    table = Table(title="Tình trạng chương trình")
    for column in MONTH_COLUMNS:
        table.add_column(column)
    for row in seen.rows:
        table.add_row(*row.cells())
    _show(table, NO_MONTHS)
    _warn_if_tampered(seen.tampered)


def _back_up_quietly(station: Path) -> None:
    """A daily copy after an approval; a failed copy is said, the approval stands."""
    from radio.backup import back_up_if_due
    from radio.station import load_station

    try:
        back_up_if_due(station, load_station(station).backup.keep_days)
    except RadioError as exc:
        console.print(f"[yellow]Chưa sao lưu được cơ sở dữ liệu:[/] {escape(exc.message)}")


def _warn_if_tampered(problem: str | None) -> None:
    if problem:
        console.print(f"[bold red]Cảnh báo:[/] {problem} Hãy báo người quản trị kiểm tra tệp radio.db.")


@app.command()
def history(month: str = typer.Argument(..., metavar="THÁNG", help="Tháng, dạng NĂM-THÁNG.", callback=_month),
            station: Path = STATION_DIR) -> None:
    """Nhật ký duyệt của tháng (ai, khi nào, mã kịch bản, mã âm thanh, ghi chú); chỉ ghi thêm."""
    from radio.approval import history as month_history
    from radio.clock import shown
    from radio.overview import EVENT_NAMES
    from radio.store import Store

    store = Store(station, readonly=True)
    events = month_history(_month_files(station, month), store)
    _print_web_actions(store.web_actions(month), month)
    if not events:
        console.print(f"Tháng {month} chưa có lượt duyệt nào.")
        return
    table = Table(title=f"Nhật ký duyệt tháng {month}")
    for column in ("Lúc", "Việc", "Người", "Kịch bản", "Âm thanh", "Ghi chú"):
        table.add_column(column)
    for event in events:
        who = f"{event.by_name} ({event.role})" if event.role else (event.by_name or "")
        table.add_row(shown(event.at), EVENT_NAMES[event.action], who, event.script_sha256[:12],
                      (event.audio_sha256 or "")[:12], event.note or "")
    _show(table, "chưa có ai duyệt hay sản xuất.")


def _print_web_actions(actions, month: str) -> None:
    if not actions:
        return
    from radio.clock import shown
    from radio.studio.accounts import ROLE_NAMES, WEB_ACTION_NAMES

    table = Table(title=f"Việc làm trên phòng thu, tháng {month}")
    for column in ("Lúc", "Tài khoản", "Việc", "Chi tiết"):
        table.add_column(column)
    for action in actions:
        table.add_row(shown(action.at), f"{action.username} ({ROLE_NAMES[action.role]})",
                      WEB_ACTION_NAMES.get(action.action, action.action), action.detail or "")
    console.print(table)


@app.command(name="schedule")
def schedule_command(month: str = typer.Argument(..., metavar="THÁNG", help="Tháng, dạng NĂM-THÁNG.", callback=_month),
                     station: Path = STATION_DIR,
                     add: Optional[str] = typer.Option(None, "--add", help="Xếp thêm một lượt phát lúc 'NĂM-THÁNG-NGÀY GIỜ:PHÚT'."),
                     remove: Optional[int] = typer.Option(None, "--remove", help="Gỡ lượt phát có số này."),
                     force: bool = typer.Option(False, "--force", help="Vẫn xếp lượt --add dù vượt khung giờ, "
                                                "trùng ngày lễ hoặc ngoài tháng (được ghi lại).")) -> None:
    """Xếp các lượt phát chương trình đã duyệt vào khung giờ; xuất lịch .ics, .m3u8 và bản in."""
    from datetime import datetime

    from radio import schedule as planner

    if remove is not None:
        airing = planner.remove_airing(station, remove)
        console.print(f"Đã gỡ lượt phát số {airing.id} ({airing.planned_at:%H:%M %d/%m/%Y}).")
        return
    if add is not None:
        try:
            at = datetime.strptime(add, "%Y-%m-%d %H:%M")
        except ValueError:
            raise planner.ScheduleError(f"Không hiểu thời điểm '{add}'.",
                                        hint="viết theo dạng 2026-12-05 05:30.") from None
        placement = planner.add_airing(station, month, at, force=force)
    else:
        placement = planner.schedule_month(station, month)
    for problem in placement.problems:
        console.print(f"[yellow]Chú ý:[/] {problem}")
    from radio.station import load_station

    names = planner.slot_names(load_station(station))
    table = Table(title=f"Lịch phát tháng {month}")
    for column in ("Số", "Ngày", "Giờ", "Khung giờ", "Thời lượng"):
        table.add_column(column)
    for airing in placement.airings:
        table.add_row(str(airing.id), f"{planner.WEEKDAY_NAMES[airing.planned_at.weekday()]} "
                      f"{airing.planned_at:%d/%m/%Y}", f"{airing.planned_at:%H:%M}",
                      names.get(airing.slot_id, airing.slot_id), f"{minutes(airing.duration_s)}")
    _show(table, "chưa có lượt phát nào.")
    for path in placement.exports:
        console.print(f"Đã ghi {path}")


@app.command(name="relay")
def relay_command(station: Path = STATION_DIR,
                  days: Optional[int] = typer.Option(None, "--days", min=1, max=62,
                                                     help="Xếp cho từng ấy ngày tới (mặc định: relays.days_ahead).")) -> None:
    """Xếp các lượt tiếp sóng (khung kind: relay có url trong station.yaml) cho những ngày tới; máy phát cũng tự xếp mỗi giờ."""
    from radio import schedule as planner
    from radio.station import load_station

    if not planner.relayed_slots(load_station(station)):
        raise RadioError("Đài chưa có khung tiếp sóng nào có địa chỉ luồng (url).",
                         hint="thêm url: (và fallback: tệp dự phòng) vào khung giờ kind: relay trong station.yaml.")
    placement = planner.schedule_relays(station, days=days)
    for problem in placement.problems:
        console.print(f"[yellow]Chú ý:[/] {problem}")
    table = Table(title="Các lượt tiếp sóng sắp tới")
    for column in ("Số", "Ngày", "Giờ", "Đến", "Chương trình", "Nguồn"):
        table.add_column(column)
    for airing in placement.airings:
        table.add_row(str(airing.id), f"{planner.WEEKDAY_NAMES[airing.planned_at.weekday()]} "
                      f"{airing.planned_at:%d/%m/%Y}", f"{airing.planned_at:%H:%M}", f"{airing.ends_at:%H:%M}",
                      airing.title, airing.mp3)
    _show(table, "chưa có lượt tiếp sóng nào.")


bulletin_app = typer.Typer(no_args_is_help=True,
                           help="Bản tin: thông thường, ưu tiên, khẩn cấp (Thông tư 39/2020/TT-BTTTT).")
app.add_typer(bulletin_app, name="bulletin")


@bulletin_app.command("new")
def bulletin_new(text: Optional[str] = typer.Option(None, "--text", help="Lời bản tin."),
                 file: Optional[Path] = typer.Option(None, "--file", help="Tệp văn bản (UTF-8) chứa lời bản tin."),
                 audio: Optional[Path] = typer.Option(None, "--audio", help="Tệp ghi âm bản tin do người đọc."),
                 level: str = typer.Option("thuong", "--level",
                                           help="Mức: thuong (thông thường), uu-tien (ưu tiên), khan-cap (khẩn cấp)."),
                 at: Optional[str] = typer.Option(None, "--at", metavar="GIỜ",
                                                  help="Phát lúc 'GIỜ:PHÚT [NGÀY/THÁNG/NĂM]'; bỏ trống: ngay khi được duyệt."),
                 repeat: int = typer.Option(1, "--repeat", help="Số lần phát (kể cả lần đầu)."),
                 every: Optional[float] = typer.Option(None, "--every", metavar="PHÚT", help="Khoảng cách giữa các lần phát."),
                 title: Optional[str] = typer.Option(None, "--title", help="Tiêu đề (mặc định: những chữ đầu)."),
                 by: Optional[str] = typer.Option(None, "--by", help="Họ tên người phát hành.", callback=_text),
                 role: Optional[str] = typer.Option(None, "--role", help="Chức vụ người phát hành.", callback=_text),
                 zones: Optional[str] = typer.Option(None, "--zones", metavar="VÙNG",
                                                     help="Chỉ phát tới các vùng này (mã vùng trong station.yaml, cách nhau "
                                                          "bằng dấu phẩy); bỏ trống: mọi vùng."),
                 approve_now: bool = typer.Option(False, "--approve",
                                                  help="Lãnh đạo phát hành và duyệt bản tin khẩn cấp trong một bước "
                                                       "(khi đài cho phép: bulletins.leader_issues_emergency)."),
                 station: Path = STATION_DIR) -> None:
    """Tạo bản tin: đọc lời (hoặc nhận tệp ghi âm), thêm tín hiệu chú ý, chuẩn hoá âm lượng, chờ duyệt."""
    from radio.bulletin import new_bulletin, read_text_file

    if file is not None:
        if text is not None:
            raise RadioError("Chỉ dùng một trong --text và --file.", hint="bỏ một trong hai.")
        text = read_text_file(file)
    made = new_bulletin(station, level=level, text=text, recording=audio, title=title, at=at, repeat=repeat,
                        every_min=every, issued_by=by, role=role, approve_now=approve_now, zones=zones or ())
    console.print(f"[green]Đã tạo[/] {made.bulletin.level_name.lower()} {made.files.id}: "
                  f"{minutes(made.duration_s)} · {made.mp3}")
    if made.approval is not None:
        _back_up_quietly(station)
        _show_bulletin_airings(station, made.files.id)
    else:
        console.print(f"Nghe lại rồi duyệt: radio bulletin approve {made.files.id} --by \"HỌ TÊN\" --role \"CHỨC VỤ\"")


@bulletin_app.command("approve")
def bulletin_approve(bulletin_id: str = typer.Argument(..., metavar="MÃ", help="Mã bản tin."),
                     by: str = typer.Option(..., "--by", help="Họ tên người duyệt.", callback=_text),
                     role: str = typer.Option(..., "--role", help="Chức vụ người duyệt.", callback=_text),
                     note: Optional[str] = typer.Option(None, "--note", help="Ghi chú."),
                     station: Path = STATION_DIR) -> None:
    """Duyệt bản tin (gắn với lời và tệp âm thanh hiện có) và xếp các lượt phát theo mức của nó."""
    from radio.bulletin import approve_bulletin
    from radio.clock import shown

    event = approve_bulletin(station, bulletin_id, by, role, note)
    _back_up_quietly(station)
    console.print(f"[green]Đã duyệt[/] bản tin {bulletin_id}: {by} ({role}), {shown(event.at)}.")
    _show_bulletin_airings(station, bulletin_id)


@bulletin_app.command("reject")
def bulletin_reject(bulletin_id: str = typer.Argument(..., metavar="MÃ", help="Mã bản tin."),
                    by: str = typer.Option(..., "--by", help="Họ tên người duyệt.", callback=_text),
                    reason: str = typer.Option(..., "--reason", help="Lý do trả lại hoặc thu hồi.", callback=_text),
                    role: Optional[str] = typer.Option(None, "--role", help="Chức vụ người duyệt.", callback=_text),
                    station: Path = STATION_DIR) -> None:
    """Trả lại hoặc thu hồi bản tin: ghi lý do và gỡ các lượt phát chưa phát khỏi lịch."""
    from radio.bulletin import reject_bulletin

    removed = reject_bulletin(station, bulletin_id, by, role, reason)
    gone = f"; đã gỡ {len(removed)} lượt phát chưa phát khỏi lịch" if removed else ""
    console.print(f"[yellow]Đã trả lại[/] bản tin {bulletin_id}: {reason}{gone}.")


def _show_bulletin_airings(station: Path, bulletin_id: str) -> None:
    from radio.programme import ProgrammeKey
    from radio.schedule import queued
    from radio.store import Store

    for airing in queued(Store(station, readonly=True), programme=ProgrammeKey("bulletin", bulletin_id)):
        console.print(f"Lượt {airing.id}: {airing.planned_at:%H:%M:%S %d/%m/%Y}")
        if airing.note:
            console.print(f"  {airing.note}")


@bulletin_app.command("list")
def bulletin_list(station: Path = STATION_DIR) -> None:
    """Các bản tin của đài, mới nhất trước: mức, trạng thái duyệt, số lượt phát."""
    from radio.approval import STATE_LABELS
    from radio.bulletin import list_bulletins

    table = Table(title="Bản tin")
    for column in ("Mã", "Mức", "Tiêu đề", "Thời lượng", "Trạng thái", "Lượt xếp / đã phát"):
        table.add_column(column)
    for item in list_bulletins(station):
        table.add_row(item.bulletin.id, item.bulletin.level_name, item.bulletin.title,
                      minutes(item.duration_s) if item.duration_s else "—", STATE_LABELS[item.state],
                      f"{item.queued} / {item.aired}")
    _show(table, "chưa có bản tin nào.")


@bulletin_app.command("show")
def bulletin_show(bulletin_id: str = typer.Argument(..., metavar="MÃ", help="Mã bản tin."),
                  station: Path = STATION_DIR) -> None:
    """Một bản tin: lời, mức, giờ phát, trạng thái duyệt và các lượt phát."""
    from radio.approval import STATE_LABELS
    from radio.bulletin import show_bulletin

    item = show_bulletin(station, bulletin_id)
    b = item.bulletin
    console.print(f"[bold]{escape(b.title)}[/] — {b.level_name}")
    console.print(f"Trạng thái: {STATE_LABELS[item.state]}. {escape(item.detail)}")
    when = f"{b.at:%H:%M %d/%m/%Y}" if b.at else "ngay khi được duyệt"
    repeats = f", {b.repeat} lần, cách nhau {number(b.every_min, None)} phút" if b.repeat > 1 else ""
    console.print(f"Phát: {when}{repeats}. Lượt đã xếp: {item.queued}, đã phát: {item.aired}.")
    console.print(f"Vùng: {escape(', '.join(b.zones)) if b.zones else 'mọi vùng'}.")
    console.print(escape(b.text) if b.text is not None else f"(Bản ghi âm: {b.recording})")
    if item.spoken is not None:
        console.print(f"[dim]Máy đọc:[/] {escape(item.spoken)}")
    _show_bulletin_airings(station, bulletin_id)


@bulletin_app.command("import")
def bulletin_import(station: Path = STATION_DIR) -> None:
    """Nhận bản tin từ các nguồn khai trong station.yaml (thư mục, nguồn qua mạng) một lần: mỗi bản tin mới chờ duyệt."""
    from radio.importer import APPROVED, BROKEN, DUPLICATE, EXPIRED, FAILED, IMPORTED, import_bulletins

    outcomes = import_bulletins(station)
    colours = {IMPORTED: "green", APPROVED: "green", DUPLICATE: "dim", EXPIRED: "yellow", BROKEN: "red", FAILED: "red"}
    for outcome in outcomes:
        console.print(f"[{colours[outcome.kind]}]{escape(outcome.message)}[/]")
    counts = {kind: sum(o.kind == kind for o in outcomes) for kind in colours}
    console.print(f"Mới nhận {counts[IMPORTED] + counts[APPROVED]} (duyệt ngay {counts[APPROVED]}), đã có từ trước "
                  f"{counts[DUPLICATE]}, hết hiệu lực {counts[EXPIRED]}, lỗi {counts[BROKEN] + counts[FAILED]}.")
    if counts[APPROVED]:
        _back_up_quietly(station)
    if counts[BROKEN] or counts[FAILED]:
        raise typer.Exit(1)


player_app = typer.Typer(no_args_is_help=True, help="Máy phát: phát chương trình đúng giờ và ghi nhật ký phát.")
# The outputs are those of the plugin registry (a plugin's own among them), read only when
# the help is shown: everyday commands never look for installed plugins.
OUTPUT_HELP = ("Đầu ra: {outputs}; nhiều đầu ra cùng lúc: system,icecast (mặc định system; đài đã chia "
               "vùng thì dùng đầu ra của từng vùng trong station.yaml).")


def _outputs_help() -> str:
    from radio.overview import outputs

    said = [f"{name} ({about})" if about else name for name, about in outputs()]
    return f"{', '.join(said[:-1])} hoặc {said[-1]}" if len(said) > 1 else "".join(said)

app.add_typer(player_app, name="player")


@player_app.command("run")
def player_run(station: Path = STATION_DIR,
               output: Optional[str] = typer.Option(None, "--output", help=OUTPUT_HELP),
               until: Optional[str] = typer.Option(None, "--until", metavar="GIỜ",
                                                   help="Dừng lúc GIỜ:PHÚT (hôm nay) hoặc 'NĂM-THÁNG-NGÀY GIỜ:PHÚT'; lượt đang phát dở được phát hết rồi mới dừng."),
               hard: bool = typer.Option(False, "--hard", help="Dừng đúng giờ --until, cắt cả lượt đang phát (ghi là bị ngắt)."),
               rehearse: Optional[str] = typer.Option(
                   None, "--rehearse", hidden=True,
                   help="Diễn tập: giờ bắt đầu và tốc độ, ví dụ '2026-12-01T05:29:00+07:00@60'.")) -> None:
    """Chạy máy phát (để máy chạy liên tục); dừng bằng Ctrl-C."""
    from radio.overview import output_words
    from radio.player import Player, RehearsalClock, run
    from radio.player.outputs import get_outputs, zone_outputs
    from radio.station import load_station

    if load_station(station).zones:
        if output is not None:
            raise RadioError("Đài đã chia vùng phát: đầu ra của từng vùng ghi trong station.yaml (mục zones).",
                             hint="bỏ --output; muốn đổi đầu ra thì sửa mục zones.")
        out = zone_outputs(station)
    else:
        output = output or "system"
        out = get_outputs([name.strip() for name in output.split(",") if name.strip()], station)
    reason = out.unavailable_reason()
    if reason:
        raise RadioError(f"Đầu ra '{output}' chưa dùng được: {reason}")
    clock = None
    if rehearse:
        from datetime import datetime

        start, _, rest = rehearse.partition("@")
        speed, _, since = rest.partition("@")
        try:
            clock = RehearsalClock(datetime.fromisoformat(start), float(speed or 1),
                                   float(since) if since else None)
        except ValueError:
            raise RadioError(f"Không hiểu '--rehearse {rehearse}'.",
                             hint="viết dạng 2026-12-01T05:29:00+07:00@60 (giờ bắt đầu @ tốc độ).") from None
    player = Player(station, out, clock)
    player.notify = lambda line: console.print(f"[dim]{player.clock.now():%H:%M:%S}[/] {line}")
    stop_at = _parse_until(until, player.clock.now()) if until else None
    try:
        upcoming = ", ".join(f"{a.planned_at:%H:%M %d/%m}" for a in player.next_airings(3)) or "chưa có"
    except OutputError:  # a database held by another program is waited out by the daemon itself
        upcoming = "chưa đọc được (cơ sở dữ liệu đang bị giữ; máy phát sẽ đọc lại)"
    shown = ("; ".join(f"vùng {zone}: {', '.join(o.name for o in outs)}" for zone, outs in out.zones.items())
             if out.zones else ", ".join(output_words(o.name) for o in out.outputs))
    console.print(f"Máy phát đang chạy (đầu ra: {shown}). Lượt phát sắp tới: {upcoming}")
    if stop_at:
        console.print(f"Máy phát sẽ dừng lúc {stop_at:%H:%M:%S ngày %d/%m}"
                      + (", cắt cả lượt đang phát (--hard)." if hard else
                         "; nếu lúc đó đang phát dở một lượt thì dừng sau khi lượt đó phát xong "
                         "(thêm --hard để dừng đúng giờ)."))
    run(player, stop_at, hard=hard)
    console.print("Máy phát đã dừng.")


def _parse_until(text: str, now):
    from datetime import datetime, timedelta

    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%H:%M:%S", "%H:%M"):
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if not pattern.startswith("%Y"):
            parsed = now.replace(hour=parsed.hour, minute=parsed.minute, second=parsed.second, microsecond=0)
            return parsed if parsed > now else parsed + timedelta(days=1)
        return parsed.replace(tzinfo=now.tzinfo)
    raise RadioError(f"Không hiểu thời điểm dừng '{text}'.", hint="viết 18:00 hoặc 2026-12-05 18:00.")


@player_app.command("status")
def player_status(station: Path = STATION_DIR) -> None:
    """Máy phát có đang chạy không, đang phát gì, các lượt sắp tới và kết quả gần nhất."""
    from radio.clock import shown
    from radio.overview import COUNT_COLUMNS, NO_PLAYER, count_cells, players

    seen = players(station)
    if not seen.players:
        console.print(f"Máy phát: [red]{NO_PLAYER}[/].")
    for player in seen.players:
        colour = {"ok": "green", "warn": "yellow", "dead": "red"}[player.look]
        console.print(f"{escape(player.name)}: [{colour}]{escape(player.state)}[/], {player.since}.")
        if player.condition:
            console.print(f"  [yellow]{escape(player.condition)}[/]")
    console.print(f"Đang phát: {seen.playing.file} (từ {shown(seen.playing.started_at)})" if seen.playing
                  else "Đang phát: không có.")
    table = Table(title="Lượt phát sắp tới")
    for column in ("Số", "Lúc", "Chương trình"):
        table.add_column(column)
    for airing in seen.upcoming:
        table.add_row(str(airing.id), f"{airing.planned_at:%H:%M %d/%m/%Y}", airing.title)
    _show(table, "chưa có lượt phát nào được xếp.")
    _print_log(seen.recent, "Kết quả gần nhất")
    counts = Table(title="Hôm nay đã phát, theo vùng và loại")
    for column in COUNT_COLUMNS:
        counts.add_column(column)
    for row in seen.today:
        counts.add_row(*(escape(cell) for cell in count_cells(row)))
    console.print(counts)
    _warn_if_tampered(seen.tampered)


def _print_log(entries, title: str) -> None:
    from radio.clock import shown
    from radio.player import RESULT_NAMES

    if not entries:
        console.print(f"{title}: không có lượt phát nào.")
        return
    from radio.zones import reach_words

    zoned = any(entry.zones is not None for entry in entries)  # a station with zones
    table = Table(title=title)
    for column in ("Giờ định phát", "Bắt đầu", "Kết thúc", "Chương trình", "Kết quả", "Tệp",
                   *(["Vùng"] if zoned else []), "Lỗi"):
        table.add_column(column)
    for entry in entries:
        table.add_row(shown(entry.planned_at), shown(entry.started_at), shown(entry.ended_at),
                      entry.programme.label() if entry.programme else "", RESULT_NAMES[entry.result],
                      entry.file or "", *([escape(reach_words(entry))] if zoned else []), entry.error or "")
    console.print(table)


@app.command()
def publish(month: Optional[str] = typer.Argument(None, metavar="THÁNG", callback=_month,
                                               help="Tháng cần đăng (dạng NĂM-THÁNG)."),
            every: bool = typer.Option(False, "--all", help="Đăng lại mọi tháng đã duyệt và gỡ những tháng không còn được phép phát."),
            station: Path = STATION_DIR) -> None:
    """Đăng chương trình đã duyệt lên trang web của xã: trang từng tháng (lời đọc, lịch phát, nghe trực tiếp), tệp MP3 và podcast (feed.xml)."""
    from radio.publish import publish as publish_site

    if not month and not every:
        raise RadioError("Chưa chọn tháng cần đăng.", hint="ví dụ 'radio publish 2027-01', hoặc --all để đăng mọi tháng.")
    done = publish_site(station, None if every else [month])
    for name in done.months:
        console.print(f"Đã đăng tháng {name}: {done.site / name / 'index.html'}")
    for name in done.removed:
        console.print(f"Đã gỡ tháng {name} khỏi trang (không còn được phép phát).")
    console.print(f"Thư mục trang: {done.site} (chép cả thư mục lên máy chủ web của xã); podcast: {done.site / 'feed.xml'}")


@app.command()
def plugins() -> None:
    """Các phần mở rộng (bộ đọc, đầu ra, bộ xuất lịch) có trên máy này và mục cấu hình của chúng trong station.yaml."""
    from radio.plugins import KIND_NAMES, installed_plugins

    table = Table(title="Phần mở rộng")
    for column in ("Tên", "Nguồn", "Thêm vào", "Mục trong station.yaml", "Mô tả"):
        table.add_column(column)
    for info in installed_plugins():
        parts = "; ".join(f"{KIND_NAMES[kind]}: {', '.join(names)}" for kind, names in info.parts.items() if names)
        table.add_row(info.name, "có sẵn" if info.builtin else "gói cài thêm", parts,
                      f"{info.section}:" if info.section else "—", info.about)
    console.print(table)


@app.command()
def library(changes: Optional[int] = typer.Option(None, "--changes", metavar="NĂM", callback=_year,
                                                  help="Chỉ liệt kê nội dung có căn cứ thay đổi trong năm này."),
            check: bool = typer.Option(False, "--check", help="Kiểm tra câu quá dài, nguồn thiếu ngày, ngày kiểm tra."),
            station: Optional[Path] = typer.Option(None, "--station", "-s",
                                                   help="Tính cả chủ đề, thủ tục riêng của đài.")) -> None:
    """Chủ đề và thủ tục có sẵn: ngày kiểm tra, số nguồn, điều chưa xác nhận; những gì đổi trong một năm."""
    from radio.clock import shown_day
    from radio.library import all_procedures, all_topics, changes_in, library_problems

    if check:
        problems = library_problems(station)
        for problem in problems:
            console.print(escape(problem))
        console.print(f"[{'red' if problems else 'green'}]{len(problems)} chỗ cần sửa.[/]")
        raise typer.Exit(1 if problems else 0)
    if changes is not None:
        table = Table(title=f"Nội dung có căn cứ thay đổi trong năm {changes}")
        for column in ("Ngày", "Mục", "Thay đổi"):
            table.add_column(column)
        for item, change in changes_in(station, changes):
            table.add_row(shown_day(change.day), f"{item.title} ({item.id})", change.what)
        _show(table, f"không có nội dung nào thay đổi căn cứ trong năm {changes}.")
        return
    table = Table(title="Thư viện chủ đề và thủ tục")
    for column in ("Loại", "Mã", "Tên", "Kiểm tra ngày", "Nguồn", "Chưa xác nhận"):
        table.add_column(column)
    for kind, items in (("chủ đề", all_topics(station)), ("thủ tục", all_procedures(station))):
        for item in items:
            table.add_row(kind, item.id, item.title, shown_day(item.checked) if item.checked else "—",
                          str(len(item.sources)), str(len(item.unconfirmed)))
    _show(table, "thư viện trống.")


@app.command()
def backup(station: Path = STATION_DIR) -> None:
    """Sao lưu ngay cơ sở dữ liệu của đài (nhật ký duyệt, lịch, nhật ký phát) vào thư mục backups/."""
    from radio.backup import back_up, backups
    from radio.station import load_station

    made = back_up(station, load_station(station).backup.keep_days)
    console.print(f"[green]Đã sao lưu[/] vào {made.relative_to(station)} "
                  f"(đài đang giữ {len(backups(station))} bản sao).")


@app.command()
def restore(copy: Optional[Path] = typer.Argument(None, metavar="[BẢN_SAO]",
                                                  help="Tệp sao lưu, ví dụ backups/radio-20261203-000000.db."),
            start_empty: bool = typer.Option(False, "--start-empty",
                                             help="Bắt đầu nhật ký mới, trống (chỉ khi không còn bản sao nào)."),
            station: Path = STATION_DIR) -> None:
    """Khôi phục cơ sở dữ liệu của đài từ một bản sao lưu (cơ sở dữ liệu đang có được giữ lại bên cạnh)."""
    from radio.backup import restore as put_back

    done = put_back(station, copy, start_empty=start_empty)
    if start_empty:
        console.print("[yellow]Đã bắt đầu cơ sở dữ liệu mới, trống.[/] Các tháng cần được duyệt lại trước khi phát.")
    else:
        console.print(f"[green]Đã khôi phục[/] từ {done.source}: {done.counts.get('review_events', 0)} sự kiện duyệt, "
                      f"{done.counts.get('airings', 0)} lượt phát trong lịch, {done.counts.get('as_run', 0)} mục nhật ký phát.")
    if done.previous:
        console.print(f"Cơ sở dữ liệu trước đó được giữ ở {done.previous.relative_to(station)}.")
    if done.anchors_set_aside:
        console.print(f"[yellow]{done.anchors_set_aside} dấu kiểm lập sau bản sao này đã được cất riêng:[/] "
                      "những gì ghi sau thời điểm sao lưu đã mất.")
    _warn_if_tampered(done.tampered)


@app.command()
def verify(sources: list[str] = typer.Argument(None, metavar="[DẤU_KIỂM]...",
                                               help="Tệp dau-kiem.json của trang web, báo cáo (.md, .html) hoặc dòng 'Dấu kiểm nhật ký: …'."),
           station: Path = STATION_DIR) -> None:
    """Kiểm tra nhật ký duyệt, lịch và nhật ký phát chưa bị sửa, xoá hay tính lại ngoài phần mềm."""
    from radio.anchors import verify as check

    problems = check(station, sources or [])
    for problem in problems:
        console.print(f"[red]Không khớp:[/] {escape(problem)}")
    if problems:
        raise typer.Exit(1)
    console.print("[green]Nhật ký nguyên vẹn[/] (đã đối chiếu với các dấu kiểm hằng ngày"
                  + (f" và {len(sources)} dấu kiểm được đưa vào" if sources else "") + ").")


@app.command(name="log")
def log_command(month: Optional[str] = typer.Option(None, "--month", metavar="THÁNG", callback=_month,
                                                    help="Chương trình của tháng này (dạng NĂM-THÁNG), phát vào ngày nào cũng được."),
                aired_in: Optional[str] = typer.Option(None, "--aired-in", metavar="THÁNG", callback=_month,
                                                       help="Các lượt phát vào những ngày của tháng này, chương trình tháng nào cũng được."),
                station: Path = STATION_DIR,
                csv_path: Optional[Path] = typer.Option(None, "--csv", metavar="TỆP",
                                                        help="Ghi ra tệp CSV (tên cột, kết quả và giờ bằng tiếng Việt, giờ Việt Nam)."),
                csv_raw: bool = typer.Option(False, "--csv-raw",
                                             help="Tệp CSV cho phần mềm khác đọc: tên cột và kết quả bằng mã cố định "
                                                  "(airing_id, aired…), giờ dạng ISO 8601.")) -> None:
    """Nhật ký phát sóng (giờ định phát, giờ thực tế, tệp, kết quả, lỗi) của chương trình một tháng hoặc của các ngày trong một tháng."""
    from radio.player import as_run_log, spreadsheet_text, write_csv
    from radio.store import Store

    if csv_raw and not csv_path:
        raise RadioError("--csv-raw chỉ dùng cùng --csv.", hint="thêm --csv TÊN_TỆP.csv.")

    if not month and not aired_in:
        raise RadioError("Chưa chọn tháng cần xem nhật ký.",
                         hint="thêm --month 2027-01 (chương trình tháng 1) hoặc --aired-in 2027-01 "
                              "(các lượt phát trong tháng 1).")
    entries = as_run_log(Store(station, readonly=True), programme=month, aired_in=aired_in, station_dir=station)
    if csv_path:
        if csv_raw:
            write_csv(csv_path, entries)
        else:
            from radio.fileio import write_text

            write_text(csv_path, spreadsheet_text(entries))
        console.print(f"Đã ghi {len(entries)} dòng vào {csv_path}.")
    else:
        title = (f"Nhật ký phát sóng chương trình tháng {month}" if month else "Nhật ký phát sóng")
        _print_log(entries, title + (f", các lượt phát trong tháng {aired_in}" if aired_in else ""))


@app.command(help="Báo cáo quý, 6 tháng, năm: chương trình, lượt phát, số phút, nội dung đã tuyên truyền "
                  f"({', '.join(form.suffix for form in REPORT_FORMATS)}). Không ghi kỳ: xem các báo cáo đã lập.")
def report(period: Optional[str] = typer.Argument(
               None, metavar="KỲ", help="Kỳ báo cáo: 2026-Q4 (quý IV), 2026-H2 (6 tháng cuối năm) hoặc 2026 (cả năm)."),
           older_form: Optional[str] = typer.Argument(None, hidden=True),
           station: Path = STATION_DIR,
           detail: bool = typer.Option(False, "--detail", help="Liệt kê từng lượt phát làm nên số liệu.")) -> None:
    if period is None:
        _print_reports(station)
        return
    from radio.reports.figures import build_report
    from radio.reports.formats import write_report
    from radio.reports.contents import detail_table, summary_lines
    from radio.reports.period import parse_period, period_of

    # `radio report quarter 2026-Q4`, the older form, still works.
    result = build_report(station, parse_period(period, older_form) if older_form else period_of(period))
    for line in summary_lines(result):
        console.print(line)
    if detail:
        header, rows = detail_table(result)
        table = Table(title=f"Các lượt phát trong kỳ (tổng {number(result.minutes_aired)} phút)")
        for column in header:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for path in write_report(result, station, detail):
        console.print(f"Đã ghi {path}")


def _print_reports(station: Path) -> None:
    from radio.reports.formats import existing_reports

    files = existing_reports(station)
    table = Table(title=f"Các báo cáo đã lập (thư mục {files[0].path.parent})" if files else "Các báo cáo đã lập")
    for column in ("Kỳ", "Loại", "Tệp"):
        table.add_column(column)
    for file in files:
        table.add_row(file.period.label, file.format.label, file.name)
    _show(table, "chưa có báo cáo nào.")


users_app = typer.Typer(no_args_is_help=True, help="Tài khoản phòng thu của đài: thêm, xem, khóa, đổi mật khẩu.")
app.add_typer(users_app, name="users")


def _password(confirm: bool = True) -> str:
    import getpass

    if not sys.stdin.isatty():  # a script passes it on standard input, one line
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu: ")
    if confirm and getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise RadioError("Hai lần nhập mật khẩu không giống nhau.", hint="chạy lại lệnh và gõ cẩn thận.")
    return first


@users_app.command("add")
def users_add(username: str = typer.Argument(..., metavar="TÊN_ĐĂNG_NHẬP", help="Tên đăng nhập, ví dụ lan.vhxh."),
              role: str = typer.Option(..., "--role", help="officer (soạn, sản xuất), leader (duyệt), operator (xếp lịch, máy phát) hoặc admin."),
              name: str = typer.Option(..., "--name", callback=_text, help="Họ tên, ghi vào nhật ký duyệt."),
              title: str = typer.Option(..., "--title", callback=_text, help="Chức vụ, ví dụ Phó Chủ tịch UBND xã."),
              email: Optional[str] = typer.Option(None, "--email", help="Thư điện tử: lãnh đạo được báo khi có chương trình chờ duyệt."),
              station: Path = STATION_DIR) -> None:
    """Thêm tài khoản phòng thu cho đài (mật khẩu được hỏi, không hiện trên màn hình; trong tệp lệnh thì đọc một dòng từ đầu vào)."""
    from radio.studio.accounts import ROLES, add_account

    account = add_account(station, username, name, title, role, _password(), email)
    console.print(f"Đã thêm tài khoản {account.username} ({ROLES[account.role]}).")


@users_app.command("list")
def users_list(station: Path = STATION_DIR) -> None:
    """Các tài khoản phòng thu của đài."""
    from radio.store import Store
    from radio.studio.accounts import ROLES

    table = Table(title="Tài khoản phòng thu")
    for column in ("Tên đăng nhập", "Họ tên", "Chức vụ", "Vai trò", "Trạng thái"):
        table.add_column(column)
    for account in Store(station, readonly=True).accounts():
        table.add_row(account.username, account.full_name, account.title, ROLES[account.role],
                      "đã khóa" if account.disabled else "đang dùng")
    _show(table, "chưa có tài khoản nào (thêm bằng 'radio users add').")


@users_app.command("disable")
def users_disable(username: str = typer.Argument(..., metavar="TÊN_ĐĂNG_NHẬP"), station: Path = STATION_DIR,
                  enable: bool = typer.Option(False, "--enable", help="Mở khóa lại tài khoản.")) -> None:
    """Khóa (hoặc mở khóa) một tài khoản; lịch sử của tài khoản vẫn được giữ."""
    from radio.studio.accounts import set_disabled

    set_disabled(station, username, not enable)
    console.print(f"Đã {'mở khóa' if enable else 'khóa'} tài khoản {username}.")


@users_app.command("passwd")
def users_passwd(username: str = typer.Argument(..., metavar="TÊN_ĐĂNG_NHẬP"), station: Path = STATION_DIR) -> None:
    """Đặt mật khẩu mới cho một tài khoản."""
    from radio.store import Store
    from radio.studio.accounts import AccountError, set_password

    if Store(station, readonly=True).account(username) is None:  # before asking for a password
        raise AccountError(f"Không có tài khoản '{username}'.", hint="xem danh sách bằng 'radio users list'.")
    set_password(station, username, _password())
    console.print(f"Đã đổi mật khẩu của {username}.")


@app.command()
def studio(station: Optional[Path] = typer.Option(None, "--station", "-s", help="Phục vụ một đài (thư mục có station.yaml)."),
           stations: Optional[Path] = typer.Option(None, "--stations", help="Phục vụ mọi đài trong thư mục này (tỉnh, nhà cung cấp dịch vụ)."),
           host: str = typer.Option("127.0.0.1", "--host", help="Địa chỉ nghe; 0.0.0.0 để máy khác trong mạng vào được."),
           port: int = typer.Option(8080, "--port", min=1, max=65535, help="Cổng."),
           https_cookies: bool = typer.Option(False, "--https-cookies", help="Phòng thu được mở qua HTTPS (máy chủ web đứng trước): cookie đăng nhập chỉ gửi qua HTTPS.")) -> None:
    """Mở phòng thu trên trình duyệt: công chức soạn và sản xuất, lãnh đạo duyệt, người vận hành xếp lịch."""
    import uvicorn

    from radio.studio.app import create_app, secret_for, stations_in

    if stations is not None:
        served = stations_in(stations)
        home = stations
    else:
        folder = _station_folder(station or Path("."))
        served, home = {folder.resolve().name: folder}, folder
    if not served:
        raise RadioError(f"Không có đài nào (thư mục có station.yaml) trong {stations}.",
                         hint="tạo đài bằng 'radio init THƯ_MỤC'.")
    console.print(f"Phòng thu: http://{host}:{port}/ · {len(served)} đài · dừng bằng Ctrl-C.")
    # uvicorn takes the client's address from X-Forwarded-For only when the connection comes
    # from an address in FORWARDED_ALLOW_IPS (127.0.0.1 and ::1 by default): the login throttle counts
    # the real machine behind a local HTTPS server, and nobody else can pose as another.
    uvicorn.run(create_app(served, secret_for(home), https_cookies=https_cookies), host=host, port=port,
                log_level="warning", proxy_headers=True)


def main() -> None:
    # Standalone mode: typer itself answers --help and wrong arguments; a stage's RadioError
    # passes through it and is shown here, verbatim, without a traceback.
    from radio.cli_words import vietnamese

    try:
        vietnamese(app, late_help={"{outputs}": _outputs_help})(prog_name="radio")
    except RadioError as exc:
        errors.print(Text.assemble(("Lỗi: ", "bold red"), str(exc)), soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
