"""The studio's web handlers: thin, like ``cli.py`` — they check who is asking, call the
same stage functions the command line calls, and render what those return.

Every page needs a login to one station; an account sees only its own station. Every
state-changing request is a POST carrying the session's CSRF token, checked for every route
where the routes are built; every such action is written to the station's database with
the account that did it. The signed cookie carries a random session token whose digest the
station's database keeps, so logging out or a new password ends every copy of the cookie.
Every answer carries a Content-Security-Policy with a fresh nonce for the pages' own
script and style, and refuses framing and content sniffing.
"""
from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
import secrets
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from radio.errors import RadioError
from radio.station import MonthFiles, check_month, load_station
from radio.store import Account, Store, WebAction, now_iso
from radio.studio.accounts import ROLE_NAMES, WEB_ACTION_NAMES, log_in, may

SEGMENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
GENERIC_ERRORS = {404: "Không tìm thấy trang.", 405: "Trang này không nhận yêu cầu kiểu này.",
                  403: "Bạn không được làm việc này."}
CSRF_REFUSED = "Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ; hãy tải lại trang."
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_LENGTH = timedelta(hours=12)
# The pages' only script and style are inline blocks carrying the response's nonce; audio,
# the live reading (fetch) and forms go to the studio itself; nothing may frame a page. A take
# just recorded plays from a blob: URL, which only the page's own script can make.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
                           "img-src 'self'; media-src 'self' blob:; connect-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # a quarter of an hour of stereo WAV at 48 kHz fits
NONCE = "radio.csp_nonce"  # where the nonce waits in the request's scope for the templates


class SecurityHeaders:
    """Adds the security headers to every answer (pages, redirects, files, errors)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = scope[NONCE] = secrets.token_urlsafe(18)
        extra = [(b"content-security-policy", CONTENT_SECURITY_POLICY.format(nonce=nonce).encode()),
                 (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                 (b"referrer-policy", b"no-referrer")]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def client_key(host: str | None) -> str:
    """The machine a login attempt comes from, as the throttle counts it: an IPv4 address,
    or an IPv6 /64 (one household or office line, whose addresses are free to rotate)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class JobState:
    """One reading of a production's progress file."""
    stages: dict
    done: bool
    error: str | None
    result: str | None

    raw: dict | None = None  # the whole progress file, for the time each stage took

    @property
    def percent(self) -> int:
        import time

        from radio.studio.job import percent

        return percent({**(self.raw or {"stages": self.stages}), "done": self.done}, time.time())


@dataclass
class Job:
    """A production running in its own process; its progress file is read on every page."""
    month: str
    started_by: str
    progress_file: Path
    process: object = None

    def state(self) -> JobState:
        from radio.studio.job import read

        state = read(self.progress_file) or {"stages": {}, "done": False}
        code = self.process.poll() if self.process is not None else None  # also reaps it
        if not state.get("done") and code not in (None, 0):
            state.update(done=True, error="Tiến trình sản xuất dừng đột ngột; hãy thử lại.")
        return JobState(state.get("stages", {}), bool(state.get("done")), state.get("error"),
                        state.get("result"), state)


def stations_in(folder: Path) -> dict[str, Path]:
    """Every station folder directly under ``folder`` (a province hosting many communes)."""
    return {p.name: p for p in sorted(Path(folder).iterdir())
            if p.is_dir() and (p / "station.yaml").is_file() and re.fullmatch(r"[\w.-]+", p.name)}


def create_app(stations: dict[str, Path], secret: str, *, https_cookies: bool = False) -> Starlette:
    """``https_cookies``: the studio is reached through HTTPS (a server in front of it), so
    the session cookie is marked Secure and never sent over plain HTTP."""
    # Everything escaped, whatever the template's name (select_autoescape would skip .html.j2).
    from jinja2 import Environment, FileSystemLoader

    templates = Jinja2Templates(env=Environment(
        loader=FileSystemLoader(Path(__file__).parent.parent / "templates" / "studio"), autoescape=True))
    templates.env.globals.update(ROLE_NAMES=ROLE_NAMES, WEB_ACTION_NAMES=WEB_ACTION_NAMES)
    _studio_filters(templates.env)
    jobs: dict[tuple[str, str], Job] = {}
    jobs_lock = threading.Lock()

    # -- who is asking ------------------------------------------------------------------
    def station_dir(request: Request, slug: str | None = None) -> Path:
        slug = slug or request.path_params["station"]
        if slug not in stations:
            raise HTTPException(404, "Không có đài này.")
        if request.session.get("station") != slug:
            raise HTTPException(403, "Tài khoản của bạn không thuộc đài này.")
        return stations[slug]

    def account_of(request: Request, permission: str = "view", slug: str | None = None) -> tuple[Path, Account]:
        """The account of the session; ``slug`` for a page outside any station's address."""
        token = request.session.get("sid")
        if not token:
            raise HTTPException(401)
        folder = station_dir(request, slug)
        store = Store(folder, readonly=True)
        username = store.session_user(_digest(token), datetime.now(timezone.utc))
        account = store.account(username) if username else None
        if account is None or account.disabled:
            request.session.clear()
            raise HTTPException(401)
        if not may(account, permission):
            raise HTTPException(403, "Vai trò của bạn không được làm việc này.")
        return folder, account

    def end_session(request: Request) -> None:
        slug, token = request.session.get("station"), request.session.get("sid")
        if slug in stations and token:
            Store(stations[slug]).revoke_sessions(token_sha256=_digest(token))
        request.session.clear()

    async def form_of(request: Request) -> dict:
        """The posted form (its token was checked before the handler ran: ``csrf_checked``)."""
        return {k: str(v) for k, v in (await request.form()).items()}

    def month_of(request: Request) -> str:
        try:
            return check_month(request.path_params["month"])
        except RadioError as exc:
            raise HTTPException(400, exc.message) from None

    def record(folder: Path, account: Account, month: str | None, action: str, detail: str | None = None):
        Store(folder).add_web_action(WebAction(now_iso(), account.username, account.role, month, action, detail))

    def page(request: Request, name: str, **context) -> Response:
        context.setdefault("account", None)
        return templates.TemplateResponse(request, name, {
            "csrf": request.session.get("csrf", ""), "slug": request.path_params.get("station"),
            "nonce": request.scope.get(NONCE, ""), "zone": _zone_of(stations.get(request.path_params.get("station"))),
            "flash": request.session.pop("flash", None), "problem": request.session.pop("problem", None),
            **context})

    def back(request: Request, url: str, flash: str | None = None, problem: str | None = None) -> Response:
        if flash:
            request.session["flash"] = flash
        if problem:
            request.session["problem"] = problem
        return RedirectResponse(url, status_code=303)

    def month_url(request: Request, month: str, part: str = "") -> str:
        return f"/s/{request.path_params['station']}/m/{month}{part}"

    # -- login --------------------------------------------------------------------------
    async def login(request: Request) -> Response:
        request.session.setdefault("csrf", secrets.token_urlsafe(32))
        if request.method == "GET":
            return page(request, "login.html.j2", stations=stations, names=_station_names(stations))
        form = await form_of(request)
        slug = form.get("station", "")
        if slug not in stations:
            return page(request, "login.html.j2", stations=stations, names=_station_names(stations),
                        error="Chọn đài của xã.")
        result = log_in(stations[slug], form.get("username", "").strip(), form.get("password", ""),
                        client=client_key(request.client.host if request.client else None))
        if result.account is None:
            return page(request, "login.html.j2", stations=stations, names=_station_names(stations),
                        error=result.problem, chosen=slug)
        end_session(request)  # a new session on login: no fixation, and the old one ends
        token = secrets.token_urlsafe(32)
        Store(stations[slug]).add_session(_digest(token), result.account.username,
                                          datetime.now(timezone.utc) + SESSION_LENGTH)
        request.session.update(station=slug, sid=token, csrf=secrets.token_urlsafe(32))
        record(stations[slug], result.account, None, "login")
        return RedirectResponse(f"/s/{slug}/", status_code=303)

    async def logout(request: Request) -> Response:
        folder, account = account_of(request, slug=request.session.get("station"))
        end_session(request)
        record(folder, account, None, "logout")
        return RedirectResponse("/login", status_code=303)

    async def home(request: Request) -> Response:
        slug = request.session.get("station")
        return RedirectResponse(f"/s/{slug}/" if slug in stations else "/login", status_code=303)

    # -- the station and its months -----------------------------------------------------
    async def overview(request: Request) -> Response:
        from radio.approval import STATE_LABELS, known_months, statuses
        from radio.schedule import airing_counts

        folder, account = account_of(request)
        station = load_station(folder)
        store = Store(folder, readonly=True)
        months = [MonthFiles(folder, station.id, m) for m in known_months(folder)]
        rows = [(files.month, STATE_LABELS[s.state], s, *airing_counts(store, files.month))
                for files, s in zip(months, statuses(months, store))]
        waiting = [month for month, _, s, *_ in rows if s.state in ("in_review", "changed")]
        from radio.studio.forms import station_blanks

        blanks = station_blanks(folder) if may(account, "settings") else []
        return page(request, "overview.html.j2", account=account, station=station, rows=rows,
                    tampered=store.broken_record(), waiting=waiting if may(account, "approve") else None,
                    blanks=blanks)

    async def open_month(request: Request) -> Response:
        account_of(request)
        try:
            month = check_month(request.query_params.get("month", "").strip())
        except RadioError as exc:
            return back(request, f"/s/{request.path_params['station']}/", problem=str(exc))
        return RedirectResponse(month_url(request, month), status_code=303)

    async def month_page(request: Request) -> Response:
        from radio.approval import STATE_LABELS, history, status

        folder, account = account_of(request)
        month = month_of(request)
        station = load_station(folder)
        store = Store(folder, readonly=True)
        files = MonthFiles(folder, station.id, month)
        state = status(files, store)
        return page(request, "month.html.j2", account=account, station=station, month=month,
                    state=state, state_label=STATE_LABELS[state.state], brief_exists=files.brief.exists(),
                    events=history(files, store), actions=store.web_actions(month),
                    job=job.state() if (job := jobs.get((request.path_params["station"], month))) else None,
                    may=lambda p: may(account, p), stale_recordings=_stale_recordings(folder, month))

    # -- officer: brief, compose, script, produce ----------------------------------------
    async def brief(request: Request) -> Response:
        from radio.studio import forms

        folder, account = account_of(request, "edit")
        month = month_of(request)
        if request.method == "POST":
            form = await form_of(request)
            try:
                path = forms.save_brief(folder, month, form)
            except RadioError as exc:
                return page(request, "brief.html.j2", account=account, month=month, error=str(exc),
                            **forms.brief_context(folder, month, form))
            record(folder, account, month, "brief", path.name)
            return back(request, month_url(request, month), flash="Đã lưu bản tin của tháng.")
        return page(request, "brief.html.j2", account=account, month=month,
                    **forms.brief_context(folder, month, None))

    async def compose(request: Request) -> Response:
        from radio.compose import LengthError
        from radio.drafts import DraftKept
        from radio.pipeline import compose_month

        folder, account = account_of(request, "edit")
        month = month_of(request)
        form = await form_of(request)
        fit, new_draft = form.get("fit") == "1", form.get("new_draft") == "1"
        allow_length = form.get("allow_length") == "1"
        try:
            composition, _ = compose_month(folder, month, fit=fit, new_draft=new_draft, allow_length=allow_length)
        except DraftKept as exc:  # the officer chooses: keep the script, or a new draft beside it
            refused = page(request, "compose.html.j2", account=account, month=month, refusal=exc.message,
                           fit=fit, allow_length=allow_length)
            refused.status_code = 409
            return refused
        except LengthError as exc:  # the officer chooses: fit it, keep the length, or edit the brief
            refused = page(request, "compose_length.html.j2", account=account, month=month,
                           refusal=exc.message, fit=fit, new_draft=new_draft)
            refused.status_code = 409
            return refused
        except RadioError as exc:
            return back(request, month_url(request, month), problem=str(exc))
        minutes, seconds = divmod(round(composition.estimated_s), 60)
        kept = " ".join(w for w in composition.warnings if w.startswith("Kịch bản cũ được giữ lại"))
        record(folder, account, month, "compose", f"{minutes} phút {seconds:02d} giây. {kept}".strip())
        fitted = (f"Để vừa thời lượng, phần mềm đã {', '.join(composition.changes)}."
                  if composition.changes else "")
        notes = " ".join(filter(None, [fitted, *composition.warnings]))
        return back(request, month_url(request, month, "/script"),
                    flash=f"Đã soạn kịch bản: {len(composition.script.segments)} đoạn, ước tính "
                          f"{minutes} phút {seconds:02d} giây. {notes}".strip())

    async def script_page(request: Request) -> Response:
        """The whole script in one form: one save keeps every segment's edits together."""
        from radio.display import minutes as said_minutes
        from radio.studio import forms

        folder, account = account_of(request, "edit" if request.method == "POST" else "view")
        month = month_of(request)
        if request.method == "POST":
            form = await form_of(request)
            texts = {k[len("text-"):]: v for k, v in form.items() if k.startswith("text-")}
            if not texts or not all(SEGMENT_ID.fullmatch(i) for i in texts):
                raise HTTPException(400, "Mã đoạn không hợp lệ.")
            try:
                changed, total = forms.save_script_texts(folder, month, texts)
            except RadioError as exc:  # nothing saved: the typed texts stay on the page
                return page(request, "script.html.j2", account=account, month=month, error=str(exc),
                            segments=forms.script_view(folder, month, texts), may_edit=True,
                            may_produce=may(account, "produce"))
            if not changed:
                return back(request, month_url(request, month, "/script"),
                            flash=f"Không có gì thay đổi. Ước tính {said_minutes(total)}.")
            record(folder, account, month, "edit-script", ", ".join(changed))
            return back(request, month_url(request, month, "/script"),
                        flash=f"Đã lưu kịch bản ({len(changed)} đoạn đã sửa). Ước tính mới: {said_minutes(total)}.")
        return page(request, "script.html.j2", account=account, month=month,
                    segments=forms.script_view(folder, month), may_edit=may(account, "edit"),
                    may_produce=may(account, "produce"))

    async def reading(request: Request) -> Response:
        """The spoken reading of a text, for the script editor's live preview."""
        from radio.speech.normalize import station_normalizer

        folder, _ = account_of(request)
        text = request.query_params.get("text", "")[:4000]
        spoken = station_normalizer(load_station(folder), folder)(text).text if text.strip() else ""
        return Response(spoken, media_type="text/plain; charset=utf-8")

    async def produce(request: Request) -> Response:
        folder, account = account_of(request, "produce")
        month = month_of(request)
        use_stale = ["--use-stale"] if (await form_of(request)).get("use_stale") == "1" else []
        key = (request.path_params["station"], month)
        with jobs_lock:
            if key in jobs and not jobs[key].state().done:
                return back(request, month_url(request, month, "/job"))
            progress = folder / ".studio" / f"produce-{month}.json"
            progress.parent.mkdir(exist_ok=True)
            progress.unlink(missing_ok=True)
            job = jobs[key] = Job(month, account.username, progress)
            job.process = subprocess.Popen([sys.executable, "-m", "radio.studio.job", str(folder), month,
                                            str(progress), *use_stale],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        record(folder, account, month, "produce")
        return back(request, month_url(request, month, "/job"))

    # -- a person's reading: the prompter, the recorder, uploads ---------------------------
    def segment_of(request: Request) -> str:
        segment_id = request.path_params["segment"]
        if not SEGMENT_ID.fullmatch(segment_id):
            raise HTTPException(400, "Mã đoạn không hợp lệ.")
        return segment_id

    async def record_page(request: Request) -> Response:
        from radio.studio import forms

        folder, account = account_of(request, "edit")
        month = month_of(request)
        try:
            takes = forms.recording_view(folder, month, request.query_params.get("segment"))
        except RadioError as exc:
            return back(request, month_url(request, month), problem=str(exc))
        return page(request, "record.html.j2", account=account, month=month, **takes)

    async def record_upload(request: Request) -> Response:
        import shutil
        import tempfile

        from starlette.concurrency import run_in_threadpool

        from radio.record import import_recording, reading_view
        from radio.speech.listen import listener_available

        folder, account = account_of(request, "edit")
        month, segment_id = month_of(request), segment_of(request)
        here = month_url(request, month, f"/record?segment={segment_id}")
        form = await request.form()
        upload, by = form.get("audio"), str(form.get("by", "")).strip() or account.full_name
        if not hasattr(upload, "filename") or not upload.filename:
            return back(request, here, problem="Chưa có bản thu: bấm Ghi âm, hoặc chọn một tệp ghi âm rồi bấm Tải lên.")
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            return back(request, here, problem=f"Tệp {upload.filename} quá lớn (trên 200 MB) cho một đoạn đọc.")
        with tempfile.TemporaryDirectory(prefix="radio-upload-") as scratch:
            received = Path(scratch) / ("tep" + Path(upload.filename).suffix[:10])
            with received.open("wb") as out:
                shutil.copyfileobj(upload.file, out)
            try:
                imported = await run_in_threadpool(import_recording, folder, month, segment_id, received,
                                                   by=by, source_name=upload.filename)
            except RadioError as exc:
                return back(request, here, problem=str(exc))
        said = [f"Đã lưu bản thu đoạn này do {by} đọc ({imported.held.recording.duration_s:.0f} giây).",
                *imported.notes]
        if listener_available():
            view = await run_in_threadpool(reading_view, folder, month, segment_id, listen=True)
            problems = view.problems(segment_id) if view else []
            said += problems or ["Máy nghe thấy bản thu đủ các câu của kịch bản."]
        record(folder, account, month, "record", f"{segment_id}: {by}")
        return back(request, here, flash=" ".join(said))

    async def record_remove(request: Request) -> Response:
        from radio.record import remove_recording

        folder, account = account_of(request, "edit")
        month, segment_id = month_of(request), segment_of(request)
        here = month_url(request, month, f"/record?segment={segment_id}")
        try:
            gone = remove_recording(folder, month, segment_id)
        except RadioError as exc:
            return back(request, here, problem=str(exc))
        record(folder, account, month, "record-remove", segment_id)
        return back(request, here, flash=f"Đã bỏ bản thu của {gone.by}; đoạn này sẽ do máy đọc khi sản xuất lại.")

    async def record_audio(request: Request) -> Response:
        from radio.record import recording_file

        folder, _ = account_of(request, "edit")
        path = recording_file(folder, month_of(request), segment_of(request))
        if path is None:
            raise HTTPException(404, "Đoạn này chưa có bản thu.")
        return FileResponse(path, media_type="audio/flac")

    async def job_page(request: Request) -> Response:
        folder, account = account_of(request)
        month = month_of(request)
        job = jobs.get((request.path_params["station"], month))
        return page(request, "job.html.j2", account=account, month=month, job=job.state() if job else None)

    # -- leader: review and decide --------------------------------------------------------
    async def review(request: Request) -> Response:
        from radio.review import build_review

        folder, account = account_of(request)
        month = month_of(request)
        try:
            copy = build_review(folder, month)
        except RadioError as exc:
            return back(request, month_url(request, month), problem=str(exc))
        return page(request, "review.html.j2", account=account, month=month, copy=copy,
                    may_decide=may(account, "approve"), audio=month_url(request, month, "/audio"))

    async def audio(request: Request) -> Response:
        from radio.approval import current_audio, script_hash

        folder, _ = account_of(request)
        month = month_of(request)
        files = MonthFiles(folder, load_station(folder).id, month)
        produced = current_audio(files, script_hash(files))
        if produced is None:
            raise HTTPException(404, "Tháng này chưa có tệp âm thanh của kịch bản hiện tại.")
        return FileResponse(files.programme / produced[0].audio.path, media_type="audio/mpeg")

    async def decide(request: Request) -> Response:
        from radio.approval import approve, reject

        folder, account = account_of(request, "approve")
        month = month_of(request)
        form = await form_of(request)
        files = MonthFiles(folder, load_station(folder).id, month)
        note = form.get("note", "").strip() or None
        try:
            decision = request.url.path.rsplit("/", 1)[1]
            if decision == "approve":
                approve(files, Store(folder), account.full_name, account.title, note)
                message = "Đã duyệt chương trình."
            else:
                if not note:
                    raise RadioError("Cần ghi lý do trả lại.", hint="ghi rõ cần sửa gì để người soạn biết.")
                reject(files, Store(folder), account.full_name, account.title, note)
                message = "Đã trả lại kịch bản kèm lý do."
        except RadioError as exc:
            return back(request, month_url(request, month, "/review"), problem=str(exc))
        record(folder, account, month, decision, note)
        return back(request, month_url(request, month), flash=message)

    async def publish_month(request: Request) -> Response:
        from radio.publish import publish

        folder, account = account_of(request, "publish")
        month = month_of(request)
        try:
            done = publish(folder, [month])
        except RadioError as exc:
            return back(request, month_url(request, month), problem=str(exc))
        from radio.studio.forms import month_vi

        if month in done.months:
            message = (f"Đã đăng chương trình {month_vi(month)} vào thư mục trang web {done.site}; "
                       "chép cả thư mục lên máy chủ web của xã.")
        else:
            message = f"Đã gỡ chương trình {month_vi(month)} khỏi trang web (không còn được phép phát)."
        record(folder, account, month, "publish", "đăng" if month in done.months else "gỡ")
        return back(request, month_url(request, month), flash=message)

    # -- the station's settings (officer, admin) ---------------------------------------------
    async def settings_page(request: Request) -> Response:
        from radio.studio import forms

        folder, account = account_of(request, "settings")
        here = f"/s/{request.path_params['station']}/settings"
        if request.method == "POST":
            form = await form_of(request)
            try:
                changed = forms.save_settings(folder, form)
            except RadioError as exc:  # nothing written: the typed values stay on the page
                return page(request, "settings.html.j2", account=account, error=str(exc),
                            **forms.settings_context(folder, form))
            if not changed:
                return back(request, here, flash="Không có gì thay đổi.")
            record(folder, account, None, "settings", ", ".join(changed))
            return back(request, here, flash=f"Đã lưu cài đặt của đài ({len(changed)} mục) vào station.yaml.")
        return page(request, "settings.html.j2", account=account, **forms.settings_context(folder, None))

    # -- operator: schedule, player, log, reports -----------------------------------------
    async def schedule_page(request: Request) -> Response:
        from radio.studio import forms

        folder, account = account_of(request)
        month = month_of(request)
        return page(request, "schedule.html.j2", account=account, month=month,
                    weeks=forms.calendar(folder, month), may_schedule=may(account, "schedule"))

    async def schedule_change(request: Request) -> Response:
        from radio import schedule as planner

        folder, account = account_of(request, "schedule")
        month = month_of(request)
        form = await form_of(request)
        what = request.path_params["change"]
        try:
            if what == "auto":
                placed = planner.schedule_month(folder, month)
                detail = f"{len(placed.airings)} lượt"
            elif what == "add":
                at = datetime.strptime(form.get("at", "").replace("T", " ")[:16], "%Y-%m-%d %H:%M")
                planner.add_airing(folder, month, at, force=form.get("force") == "1")
                detail = f"{at:%d/%m/%Y %H:%M}"
            elif what == "remove":
                removed = planner.remove_airing(folder, int(form.get("airing", "0")))
                detail = f"lượt số {removed.id}"
            else:
                raise HTTPException(404)
        except ValueError:
            return back(request, month_url(request, month, "/schedule"),
                        problem="Không hiểu ngày giờ; chọn ngày và giờ trong ô lịch.")
        except RadioError as exc:
            return back(request, month_url(request, month, "/schedule"), problem=str(exc))
        record(folder, account, month, f"schedule-{what}", detail)
        return back(request, month_url(request, month, "/schedule"), flash="Đã cập nhật lịch phát.")

    async def player_page(request: Request) -> Response:
        from radio.studio import forms

        folder, account = account_of(request)
        return page(request, "player.html.j2", account=account, **forms.player_view(folder))

    async def log_page(request: Request) -> Response:
        from radio.player import as_run_log, csv_text

        folder, account = account_of(request)
        month = request.query_params.get("month")
        if month:
            try:
                check_month(month)
            except RadioError as exc:
                raise HTTPException(400, exc.message) from None
        entries = as_run_log(Store(folder, readonly=True), programme=month)
        if request.query_params.get("csv"):
            return Response(csv_text(entries), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="nhat-ky-phat-song.csv"'})
        from radio.player import RESULT_NAMES

        return page(request, "log.html.j2", account=account, entries=entries, month=month,
                    results=RESULT_NAMES)

    async def reports_page(request: Request) -> Response:
        from radio.reports.figures import build_report
        from radio.reports.formats import existing_reports, write_report
        from radio.reports.period import period_of

        folder, account = account_of(request)
        made = None
        if request.method == "POST":
            form = await form_of(request)
            try:
                made = write_report(build_report(folder, period_of(form.get("period", ""))), folder,
                                    detail=True)
            except RadioError as exc:
                return back(request, f"/s/{request.path_params['station']}/reports", problem=str(exc))
            record(folder, account, None, "report", form.get("period"))
        return page(request, "reports.html.j2", account=account, files=existing_reports(folder),
                    made=[p.name for p in made] if made else None)

    async def report_file(request: Request) -> Response:
        from radio.reports.formats import find_report

        folder, _ = account_of(request)
        # Only a file the table of formats names for a period is served: no path from the URL.
        found = find_report(folder, request.path_params["name"])
        if found is None:
            raise HTTPException(404)
        return FileResponse(found.path, filename=found.name, media_type=found.format.media_type)

    def error_page(request: Request, message: str, status: int) -> Response:
        return templates.TemplateResponse(request, "error.html.j2", {
            "message": message, "status": status, "account": None, "csrf": "", "slug": None,
            "flash": None, "problem": None, "nonce": request.scope.get(NONCE, "")}, status_code=status)

    async def on_http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401:
            return RedirectResponse("/login", status_code=303)
        ours = isinstance(exc.detail, str) and not exc.detail.isascii()  # Starlette's own are English
        return error_page(request, exc.detail if ours else GENERIC_ERRORS.get(exc.status_code, "Yêu cầu không hợp lệ."),
                          exc.status_code)

    async def on_radio_error(request: Request, exc: RadioError) -> Response:
        return error_page(request, str(exc), 400)

    def csrf_checked(endpoint):
        """Every route is built through this, so no handler can forget the token."""
        @functools.wraps(endpoint)
        async def checked(request: Request) -> Response:
            if request.method not in SAFE_METHODS:
                sent = str((await request.form()).get("csrf", ""))
                token = request.session.get("csrf")
                if not token or not secrets.compare_digest(sent.encode(), token.encode()):
                    raise HTTPException(403, CSRF_REFUSED)
            return await endpoint(request)
        return checked

    m = "/s/{station}/m/{month}"
    get, post, both = ["GET"], ["POST"], ["GET", "POST"]
    table = [
        ("/", home, get), ("/login", login, both), ("/logout", logout, post),
        ("/s/{station}/", overview, get),
        ("/s/{station}/open", open_month, get),
        (m, month_page, get),
        (m + "/brief", brief, both),
        (m + "/compose", compose, post),
        (m + "/script", script_page, both),
        ("/s/{station}/reading", reading, get),
        (m + "/produce", produce, post),
        (m + "/job", job_page, get),
        (m + "/record", record_page, get),
        (m + "/record/{segment}", record_upload, post),
        (m + "/record/{segment}/remove", record_remove, post),
        (m + "/record/{segment}/audio", record_audio, get),
        (m + "/review", review, get),
        (m + "/audio", audio, get),
        (m + "/approve", decide, post),
        (m + "/reject", decide, post),
        (m + "/publish", publish_month, post),
        (m + "/schedule", schedule_page, get),
        (m + "/schedule/{change}", schedule_change, post),
        ("/s/{station}/player", player_page, get),
        ("/s/{station}/log", log_page, get),
        ("/s/{station}/reports", reports_page, both),
        ("/s/{station}/settings", settings_page, both),
        ("/s/{station}/reports/{name}", report_file, get),
    ]
    routes = [Route(path, csrf_checked(endpoint), methods=methods) for path, endpoint, methods in table]
    middleware = [Middleware(SecurityHeaders),
                  Middleware(SessionMiddleware, secret_key=secret, session_cookie="radio_studio",
                             same_site="strict", https_only=https_cookies,
                             max_age=int(SESSION_LENGTH.total_seconds()))]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: on_http_error, RadioError: on_radio_error})
    app.state.jobs = jobs
    return app


def _studio_filters(env) -> None:
    """How every page writes a month ('tháng 01/2027') and a moment (in the station's zone,
    which ``page`` passes as ``zone``)."""
    from jinja2 import pass_context

    from radio.studio.forms import month_vi, studio_words, when

    @pass_context
    def moment(context, value, seconds: bool = False) -> str:
        return when(value, context.get("zone") or _zone_of(None), seconds=seconds)

    env.filters.update(month_vi=month_vi, when=moment, studio_words=studio_words,
                       capfirst=lambda text: text[:1].upper() + text[1:] if text else "")
    env.globals["may_do"] = may  # (month pages pass their own one-argument ``may``)


def _zone_of(folder: Path | None):
    """The station's time zone for the pages (Vietnam's when the station cannot be read)."""
    from zoneinfo import ZoneInfo

    if folder is not None:
        try:
            from radio.schedule import station_zone

            return station_zone(load_station(folder))
        except RadioError:
            pass
    return ZoneInfo("Asia/Ho_Chi_Minh")


def _stale_recordings(folder: Path, month: str) -> list[str]:
    """Titles of segments whose recording was made before their text changed."""
    from radio.record import month_recordings

    try:
        rows, _ = month_recordings(folder, month)
    except RadioError:
        return []
    return [segment.title for segment, held in rows if held is not None and held.stale]


def _station_names(stations: dict[str, Path]) -> dict[str, str]:
    names = {}
    for slug, folder in stations.items():
        try:
            names[slug] = load_station(folder).name
        except RadioError:
            names[slug] = slug
    return names


def secret_for(folder: Path) -> str:
    """The key that signs session cookies, made once and kept beside the stations (0600)."""
    import os

    path = Path(folder) / ".studio-secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


__all__ = ["create_app", "secret_for", "stations_in"]
