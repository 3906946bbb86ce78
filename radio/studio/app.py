"""The studio's web handlers: thin, like ``cli.py`` — they check who is asking, call the
same stage functions the command line calls, and render what those return.

Every page needs a login to one station; an account sees only its own station. Every
state-changing request is a POST carrying the session's CSRF token, checked for every route
where the routes are built; every such action is written to the station's database with
the account that did it. The signed cookie carries a random session token whose digest the
station's database keeps, so logging out or a new password ends every copy of the cookie.
Every answer carries a Content-Security-Policy with a fresh nonce for the pages' own
script and style, and refuses framing and content sniffing.

Handlers are plain module-level functions; what they share (stations, templates, the
productions under way) is one ``Studio`` on ``app.state``. A stage that refuses raises
``RadioError`` and one handler tells it, above the page the route table names for that route.
"""
from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
import secrets
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
from radio.station import BLANK, MonthFiles, check_month, load_station
from radio.store import Account, Store, WebAction, now_iso
from radio.studio.accounts import ROLE_NAMES, WEB_ACTION_NAMES, log_in, may
from radio.studio.job import Jobs

SEGMENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
BULLETIN_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MONTH_WORD = re.compile(r"\d{4}-\d{2}")
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
REFUSAL = "radio.refusal"  # how the route tells a stage's refusal, for ``on_radio_error``
POSTED = "radio.posted"  # the posted form as the CSRF check read it, for a form shown again


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
                own = {name.lower() for name, _ in message.get("headers", [])}
                # A document with a policy of its own (an HTML report) keeps it.
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in own)]
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


def stations_in(folder: Path) -> dict[str, Path]:
    """Every station folder directly under ``folder`` (a province hosting many communes)."""
    return {p.name: p for p in sorted(Path(folder).iterdir())
            if p.is_dir() and (p / "station.yaml").is_file() and re.fullmatch(r"[\w.-]+", p.name)}


@dataclass(frozen=True)
class Studio:
    """What every handler shares, kept on ``app.state.studio``: the stations served (name in
    the address → folder), the pages' templates and the productions started from the pages."""
    stations: dict[str, Path]
    templates: Jinja2Templates
    jobs: Jobs


def studio_of(request: Request) -> Studio:
    return request.app.state.studio


def _templates() -> Jinja2Templates:
    # Everything escaped, whatever the template's name (select_autoescape would skip .html.j2).
    from jinja2 import Environment, FileSystemLoader

    templates = Jinja2Templates(env=Environment(
        loader=FileSystemLoader(Path(__file__).parent.parent / "templates" / "studio"), autoescape=True))
    templates.env.globals.update(ROLE_NAMES=ROLE_NAMES, WEB_ACTION_NAMES=WEB_ACTION_NAMES)
    _studio_filters(templates.env)
    return templates


# -- who is asking ----------------------------------------------------------------------

def station_dir(request: Request, slug: str | None = None) -> Path:
    stations = studio_of(request).stations
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
    stations = studio_of(request).stations
    slug, token = request.session.get("station"), request.session.get("sid")
    if slug in stations and token:
        Store(stations[slug]).revoke_sessions(token_sha256=_digest(token))
    request.session.clear()


async def form_of(request: Request) -> dict:
    """The posted form (its token was checked before the handler ran: ``guarded``)."""
    return {k: str(v) for k, v in (await request.form()).items()}


def checked_month(value: str) -> str:
    """A month written in an address: a wrong one is a bad request, not a refusal."""
    try:
        return check_month(value)
    except RadioError as exc:
        raise HTTPException(400, exc.message) from None


def month_of(request: Request) -> str:
    return checked_month(request.path_params["month"])


def segment_of(request: Request) -> str:
    segment_id = request.path_params["segment"]
    if not SEGMENT_ID.fullmatch(segment_id):
        raise HTTPException(400, "Mã đoạn không hợp lệ.")
    return segment_id


def record(folder: Path, account: Account, month: str | None, action: str, detail: str | None = None):
    Store(folder).add_web_action(WebAction(now_iso(), account.username, account.role, month, action, detail))


def page(request: Request, name: str, status_code: int = 200, **context) -> Response:
    stations = studio_of(request).stations
    slug = request.path_params.get("station")
    context.setdefault("account", None)
    return studio_of(request).templates.TemplateResponse(request, name, {
        "csrf": request.session.get("csrf", ""), "slug": slug, "nonce": request.scope.get(NONCE, ""),
        "zone": _zone_of(stations.get(slug)), "flash": request.session.pop("flash", None),
        "problem": request.session.pop("problem", None), **context}, status_code=status_code)


def back(request: Request, url: str, flash: str | None = None, problem: str | None = None) -> Response:
    if flash:
        request.session["flash"] = flash
    if problem:
        request.session["problem"] = problem
    return RedirectResponse(url, status_code=303)


def month_url(request: Request, month: str, part: str = "") -> str:
    return f"/s/{request.path_params['station']}/m/{month}{part}"


# -- how a refusal is told ------------------------------------------------------------------
# A stage that refuses raises RadioError and no handler catches it: ``on_radio_error`` hands
# it to the refusal the route table names for the route, or shows an error page when the
# route names none. A refusal is told above another page (the month's actions: above the
# month's page), or a refused form comes back with what was typed (nothing was written).

def to_station(request: Request) -> str:
    return f"/s/{request.path_params['station']}/"


def to_month(part: str = ""):
    def url(request: Request) -> str:
        month = request.path_params.get("month", "")
        return month_url(request, month, part) if MONTH_WORD.fullmatch(month) else to_station(request)
    return url


def to_segment_recording(request: Request) -> str:
    segment = request.path_params.get("segment", "")
    return to_month(f"/record?segment={segment}" if SEGMENT_ID.fullmatch(segment) else "/record")(request)


def to_reports(request: Request) -> str:
    return f"/s/{request.path_params['station']}/reports"


def told_on(url):
    """The refusal said above the page at ``url(request)``."""
    def tell(request: Request, exc: RadioError) -> Response:
        target = url(request)
        if request.method in SAFE_METHODS and target == request.url.path:
            return error_page(request, str(exc), 400)  # never send a page back to itself
        return back(request, target, problem=str(exc))
    return tell


def form_again(render):
    """A refused form: ``render(request, form, problem)`` shows its page again with what was
    typed; a page that could not even be shown is an error page."""
    def tell(request: Request, exc: RadioError) -> Response:
        if request.method != "POST":
            return error_page(request, str(exc), 400)
        return render(request, request.scope.get(POSTED, {}), str(exc))
    return tell


def brief_again(request: Request, form: dict, problem: str) -> Response:
    from radio.studio import forms

    folder, account = account_of(request, "edit")
    month = month_of(request)
    return page(request, "brief.html.j2", account=account, month=month, error=problem,
                **forms.brief_context(folder, month, form))


def script_again(request: Request, form: dict, problem: str) -> Response:
    from radio.studio import forms

    folder, account = account_of(request, "edit")
    month = month_of(request)
    return page(request, "script.html.j2", account=account, month=month, error=problem,
                segments=forms.script_view(folder, month, _segment_texts(form)), may_edit=True,
                may_produce=may(account, "produce"))


def settings_again(request: Request, form: dict, problem: str) -> Response:
    from radio.studio import forms

    folder, account = account_of(request, "settings")
    return page(request, "settings.html.j2", account=account, error=problem, **forms.settings_context(folder, form))


def compose_refused(request: Request, exc: RadioError) -> Response:
    """A script kept (hand-edited or approved) or a length out of bounds is a choice for the
    officer, on a page of its own; anything else is said above the month's page."""
    from radio.compose import LengthError
    from radio.drafts import DraftKept

    if not isinstance(exc, (DraftKept, LengthError)):
        return told_on(to_month())(request, exc)
    _, account = account_of(request, "edit")
    fit, new_draft, allow_length = _compose_choices(request.scope.get(POSTED, {}))
    if isinstance(exc, DraftKept):  # keep the script, or a new draft beside it
        return page(request, "compose.html.j2", 409, account=account, month=month_of(request),
                    refusal=exc.message, fit=fit, allow_length=allow_length)
    return page(request, "compose_length.html.j2", 409, account=account, month=month_of(request),  # fit it,
                refusal=exc.message, fit=fit, new_draft=new_draft)  # keep the length, or edit the brief


# -- login --------------------------------------------------------------------------

async def login(request: Request) -> Response:
    stations = studio_of(request).stations
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
    return RedirectResponse(f"/s/{slug}/" if slug in studio_of(request).stations else "/login", status_code=303)


# -- the station and its months -----------------------------------------------------

async def station_page(request: Request) -> Response:
    from radio import overview
    from radio.studio.forms import station_blanks

    folder, account = account_of(request)
    seen = overview.months(folder)
    station = load_station(folder)
    named = not station.name.startswith(BLANK)  # a new station's name is still its [ĐIỀN …] blank
    return page(request, "overview.html.j2", account=account, station=station,
                station_name=station.name if named else "Đài mới (chưa đặt tên)",
                columns=overview.MONTH_COLUMNS, rows=seen.rows, tampered=seen.tampered,
                waiting=[row.month for row in seen.rows if row.waiting] if may(account, "approve") else None,
                blanks=station_blanks(folder) if may(account, "settings") else [])


async def open_month(request: Request) -> Response:
    from radio.studio.forms import typed_month

    account_of(request)
    month = typed_month(request.query_params.get("month", ""))
    return RedirectResponse(month_url(request, month), status_code=303)


async def month_page(request: Request) -> Response:
    from radio import overview
    from radio.approval import history
    from radio.publish import has_address

    folder, account = account_of(request)
    month = month_of(request)
    station = load_station(folder)
    store = Store(folder, readonly=True)
    job = studio_of(request).jobs.get(request.path_params["station"], month)
    return page(request, "month.html.j2", account=account, station=station, month=month,
                row=overview.month(folder, month), columns=overview.MONTH_COLUMNS, event_names=overview.EVENT_NAMES,
                events=history(MonthFiles(folder, station.id, month), store), actions=store.web_actions(month),
                job=job.state() if job else None, site_known=has_address(station),
                may=lambda p: may(account, p), stale_recordings=_stale_recordings(folder, month))


# -- officer: brief, compose, script, produce ----------------------------------------

async def brief(request: Request) -> Response:
    from radio.studio import forms

    folder, account = account_of(request, "edit")
    month = month_of(request)
    if request.method == "POST":
        path = forms.save_brief(folder, month, await form_of(request))
        record(folder, account, month, "brief", path.name)
        return back(request, month_url(request, month), flash="Đã lưu nội dung tháng.")
    return page(request, "brief.html.j2", account=account, month=month,
                **forms.brief_context(folder, month, None))


async def compose(request: Request) -> Response:
    from radio.pipeline import compose_month

    folder, account = account_of(request, "edit")
    month = month_of(request)
    fit, new_draft, allow_length = _compose_choices(await form_of(request))
    composition, _ = compose_month(folder, month, fit=fit, new_draft=new_draft, allow_length=allow_length)
    minutes, seconds = divmod(round(composition.estimated_s), 60)
    # What the record keeps besides the length: a script kept beside the new one, and a
    # length outside the plan's range written on purpose (the officer's «Vẫn ghi kịch bản này»).
    kept = " ".join(w for w in composition.warnings if w.startswith("Kịch bản cũ được giữ lại")
                    or (allow_length and w.startswith("Kịch bản ước tính dài")))
    record(folder, account, month, "compose", f"{minutes} phút {seconds:02d} giây. {kept}".strip())
    fitted = (f"Để vừa thời lượng, phần mềm đã {', '.join(composition.changes)}."
              if composition.changes else "")
    notes = " ".join(filter(None, [fitted, *composition.warnings]))
    return back(request, month_url(request, month, "/script"),
                flash=f"Đã soạn kịch bản: {len(composition.script.segments)} đoạn, ước tính "
                      f"{minutes} phút {seconds:02d} giây. {notes}".strip())


def _compose_choices(form: dict) -> tuple[bool, bool, bool]:
    """Fit to length, a new draft beside a kept script, keep the length: the officer's choices."""
    return form.get("fit") == "1", form.get("new_draft") == "1", form.get("allow_length") == "1"


def _segment_texts(form: dict) -> dict[str, str]:
    """The script form's texts by segment id (``text-<id>`` fields)."""
    return {k[len("text-"):]: v for k, v in form.items() if k.startswith("text-")}


async def script_page(request: Request) -> Response:
    """The whole script in one form: one save keeps every segment's edits together."""
    from radio.display import minutes as said_minutes
    from radio.studio import forms

    folder, account = account_of(request, "edit" if request.method == "POST" else "view")
    month = month_of(request)
    if request.method == "POST":
        texts = _segment_texts(await form_of(request))
        if not texts or not all(SEGMENT_ID.fullmatch(i) for i in texts):
            raise HTTPException(400, "Mã đoạn không hợp lệ.")
        changed, total = forms.save_script_texts(folder, month, texts)
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
    use_stale = (await form_of(request)).get("use_stale") == "1"
    if studio_of(request).jobs.start(request.path_params["station"], folder, month, account.username,
                                     use_stale=use_stale):
        record(folder, account, month, "produce")
    return back(request, month_url(request, month, "/job"))


async def job_page(request: Request) -> Response:
    _, account = account_of(request)
    month = month_of(request)
    job = studio_of(request).jobs.get(request.path_params["station"], month)
    return page(request, "job.html.j2", account=account, month=month, job=job.state() if job else None)


# -- a person's reading: the prompter, the recorder, uploads ---------------------------

async def record_page(request: Request) -> Response:
    from radio.studio import forms

    folder, account = account_of(request, "edit")
    month = month_of(request)
    takes = forms.recording_view(folder, month, request.query_params.get("segment"))
    return page(request, "record.html.j2", account=account, month=month, **takes)


async def record_upload(request: Request) -> Response:
    import shutil
    import tempfile

    from starlette.concurrency import run_in_threadpool

    from radio.record import import_recording, reading_view
    from radio.speech.listen import listener_available

    folder, account = account_of(request, "edit")
    month, segment_id = month_of(request), segment_of(request)
    here = to_segment_recording(request)
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
        imported = await run_in_threadpool(import_recording, folder, month, segment_id, received,
                                           by=by, source_name=upload.filename)
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
    gone = remove_recording(folder, month, segment_id)
    record(folder, account, month, "record-remove", segment_id)
    return back(request, to_segment_recording(request),
                flash=f"Đã bỏ bản thu của {gone.by}; đoạn này sẽ do máy đọc khi sản xuất lại.")


async def record_audio(request: Request) -> Response:
    from radio.record import recording_file

    folder, _ = account_of(request, "edit")
    path = recording_file(folder, month_of(request), segment_of(request))
    if path is None:
        raise HTTPException(404, "Đoạn này chưa có bản thu.")
    return FileResponse(path, media_type="audio/flac")


# -- leader: review and decide --------------------------------------------------------

async def review(request: Request) -> Response:
    from radio.review import build_review

    folder, account = account_of(request)
    month = month_of(request)
    return page(request, "review.html.j2", account=account, month=month, copy=build_review(folder, month),
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
    """Approve or reject: what a decision needs (a reason to reject) is the stage's rule."""
    from radio.approval import approve, reject

    folder, account = account_of(request, "approve")
    month = month_of(request)
    note = (await form_of(request)).get("note", "").strip() or None
    files = MonthFiles(folder, load_station(folder).id, month)
    decision = request.url.path.rsplit("/", 1)[1]
    if decision == "approve":
        approve(files, Store(folder), account.full_name, account.title, note)
        message = "Đã duyệt chương trình."
    else:
        reject(files, Store(folder), account.full_name, account.title, note or "")
        message = "Đã trả lại kịch bản kèm lý do."
    record(folder, account, month, decision, note)
    return back(request, month_url(request, month), flash=message)


async def publish_month(request: Request) -> Response:
    from radio.publish import publish
    from radio.studio.forms import month_vi

    folder, account = account_of(request, "publish")
    month = month_of(request)
    done = publish(folder, [month])
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
        changed = forms.save_settings(folder, await form_of(request))
        if not changed:
            return back(request, here, flash="Không có gì thay đổi.")
        record(folder, account, None, "settings", ", ".join(changed))
        return back(request, here, flash=f"Đã lưu cài đặt của đài ({len(changed)} mục) vào station.yaml.")
    return page(request, "settings.html.j2", account=account, **forms.settings_context(folder, None))


# -- operator: schedule, player, log, reports -----------------------------------------

async def schedule_page(request: Request) -> Response:
    from radio import schedule as planner
    from radio.studio import forms

    folder, account = account_of(request)
    month = month_of(request)
    return page(request, "schedule.html.j2", account=account, month=month,
                weeks=forms.calendar(folder, month), may_schedule=may(account, "schedule"),
                downloads=planner.schedule_files(folder, month))


async def schedule_download(request: Request) -> Response:
    from radio import schedule as planner

    folder, _ = account_of(request)
    found = planner.schedule_file(folder, month_of(request), request.path_params["name"])
    if found is None:
        raise HTTPException(404)
    return FileResponse(found.path, filename=Path(found.name).name, media_type=found.media_type)


async def schedule_change(request: Request) -> Response:
    from radio import schedule as planner

    folder, account = account_of(request, "schedule")
    month = month_of(request)
    form = await form_of(request)
    what = request.path_params["change"]
    if what == "auto":
        placed = planner.schedule_month(folder, month)
        detail = f"{len(placed.airings)} lượt"
    elif what == "add":
        try:
            at = datetime.strptime(form.get("at", "").replace("T", " ")[:16], "%Y-%m-%d %H:%M")
        except ValueError:
            raise planner.ScheduleError("Không hiểu ngày giờ; chọn ngày và giờ trong ô lịch.") from None
        planner.add_airing(folder, month, at, force=form.get("force") == "1")
        detail = f"{at:%d/%m/%Y %H:%M}"
    elif what == "remove":
        try:
            airing_id = int(form.get("airing", "0"))
        except ValueError:
            raise planner.ScheduleError("Không hiểu lượt phát cần gỡ; bấm nút Gỡ của lượt đó.") from None
        removed = planner.remove_airing(folder, airing_id)
        detail = f"lượt số {removed.id}"
    else:
        raise HTTPException(404)
    record(folder, account, month, f"schedule-{what}", detail)
    return back(request, month_url(request, month, "/schedule"), flash="Đã cập nhật lịch phát.")


async def player_page(request: Request) -> Response:
    from radio.overview import COUNT_COLUMNS, NO_PLAYER, count_cells, outputs, players
    from radio.player import RESULT_NAMES

    folder, account = account_of(request)
    seen = players(folder)
    return page(request, "player.html.j2", account=account, players=seen.players, no_player=NO_PLAYER,
                count_columns=COUNT_COLUMNS, counts=[count_cells(row) for row in seen.today],
                playing=seen.playing, upcoming=seen.upcoming, recent=list(reversed(seen.recent)),
                results=RESULT_NAMES, tampered=seen.tampered, may_control=may(account, "player"),
                running=any(p.look != "dead" for p in seen.players), outputs=outputs())


async def log_page(request: Request) -> Response:
    """The as-run log of one programme (``month``) or of the airing days of one month
    (``aired_in``), as a table or as a spreadsheet (``csv``)."""
    from radio import overview
    from radio.player import RESULT_NAMES, spreadsheet_text

    folder, account = account_of(request)
    month, aired_in = (request.query_params.get(name) or None for name in ("month", "aired_in"))
    for value in (month, aired_in):
        if value:
            checked_month(value)
    seen = overview.log(folder, programme=month, aired_in=aired_in)
    if request.query_params.get("csv"):
        name = "-".join(["nhat-ky-phat-song", *([f"chuong-trinh-{month}"] if month else []),
                         *([f"phat-trong-{aired_in}"] if aired_in else [])])
        return Response(spreadsheet_text(seen.entries, _zone_of(folder)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return page(request, "log.html.j2", account=account, log=seen, entries=seen.entries, month=month,
                aired_in=aired_in, results=RESULT_NAMES)


async def reports_page(request: Request) -> Response:
    from radio.reports.figures import build_report
    from radio.reports.formats import existing_reports, write_report
    from radio.reports.period import period_of

    from radio.clock import VIETNAM
    from radio.reports.period import recent_periods

    folder, account = account_of(request)
    made = None
    if request.method == "POST":
        form = await form_of(request)
        made = write_report(build_report(folder, period_of(form.get("period", ""))), folder, detail=True)
        record(folder, account, None, "report", form.get("period"))
    return page(request, "reports.html.j2", account=account, files=existing_reports(folder),
                periods=recent_periods(f"{datetime.now(VIETNAM):%Y-%m}"),
                made=[p.name for p in made] if made else None)


async def report_file(request: Request) -> Response:
    from radio.reports.formats import find_report

    folder, _ = account_of(request)
    # Only a file the table of formats names for a period is served: no path from the URL.
    found = find_report(folder, request.path_params["name"])
    if found is None:
        raise HTTPException(404)
    if found.format.media_type.startswith("text/html"):  # opened here, to be read and printed
        return FileResponse(found.path, media_type=found.format.media_type,
                            headers={"content-security-policy": report_policy(found.path.read_bytes())})
    return FileResponse(found.path, filename=found.name, media_type=found.format.media_type)


def report_policy(page: bytes) -> str:
    """The HTML report is a document of its own: its one style sheet (by its hash) and its chart
    (a data: image) are allowed, nothing else — it carries no script and loads nothing."""
    import base64

    styles = re.findall(rb"<style>(.*?)</style>", page, re.DOTALL)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in styles)
    return (f"default-src 'none'; style-src {hashes or chr(39) + 'none' + chr(39)}; img-src data:; "
            "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")


# -- the station's music kit, the year plan and the accounts (issue 30) ---------------------------

MAX_KIT_BYTES = 100 * 1024 * 1024  # a ten-minute bed in WAV is about 100 MB


def to_kit(request: Request) -> str:
    return f"/s/{request.path_params['station']}/kit"


def to_plan(request: Request) -> str:
    year = request.path_params.get("year", "")
    return f"/s/{request.path_params['station']}/plan" + (f"?year={year}" if str(year).isdigit() else "")


def to_accounts(request: Request) -> str:
    return f"/s/{request.path_params['station']}/accounts"


def kit_part_of(request: Request) -> str:
    from radio.audio.kit import KIT_PARTS

    part = request.path_params["part"]
    if part not in KIT_PARTS:
        raise HTTPException(404, "Không có phần nhạc này.")
    return part


async def kit_page(request: Request) -> Response:
    from radio.studio import forms

    folder, account = account_of(request, "settings")
    return page(request, "kit.html.j2", account=account, parts=forms.kit_view(folder))


async def kit_upload(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from radio.studio import forms

    folder, account = account_of(request, "settings")
    part = kit_part_of(request)
    upload = (await request.form()).get("file")
    if not hasattr(upload, "filename") or not upload.filename:
        return back(request, to_kit(request), problem="Chưa chọn tệp nhạc: bấm «Chọn tệp» rồi «Tải lên».")
    if (upload.size or 0) > MAX_KIT_BYTES:
        return back(request, to_kit(request), problem=f"Tệp {upload.filename} quá lớn (trên 100 MB) cho nhạc của đài.")
    said = await run_in_threadpool(forms.upload_kit, folder, part, upload.filename, await upload.read())
    record(folder, account, None, "kit", f"{part}: {upload.filename}")
    return back(request, to_kit(request), flash=" ".join(said))


async def kit_remove(request: Request) -> Response:
    from radio.audio.kit import kit_part_name
    from radio.studio import forms

    folder, account = account_of(request, "settings")
    part = kit_part_of(request)
    if forms.set_kit_part(folder, part, None):
        record(folder, account, None, "kit", f"{part}: mặc định")
    return back(request, to_kit(request), flash=f"Đã dùng lại {kit_part_name(part)} mặc định của phần mềm.")


async def kit_audio(request: Request) -> Response:
    from radio.audio.kit import kit_preview_wav

    folder, _ = account_of(request, "settings")
    part = kit_part_of(request)
    name = getattr(load_station(folder).audio.kit, part)
    if name is None:
        return Response(kit_preview_wav(part), media_type="audio/wav")
    path = (folder / name).resolve()
    if not path.is_file() or not path.is_relative_to(folder.resolve()):
        raise HTTPException(404, "Không tìm thấy tệp nhạc này trong thư mục của đài.")
    return FileResponse(path)


def year_of(request: Request) -> int:
    from zoneinfo import ZoneInfo

    text = request.path_params.get("year") or request.query_params.get("year")
    if text is None:
        return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    if not str(text).isdigit() or not 2000 <= int(text) <= 2100:
        raise HTTPException(400, "Năm không hợp lệ.")
    return int(text)


def plan_month_of(request: Request) -> tuple[int, str]:
    year, month = year_of(request), month_of(request)
    if month[:4] != str(year):
        raise HTTPException(400, "Tháng không thuộc năm này.")
    return year, month


async def plan_page(request: Request) -> Response:
    from radio.studio import forms

    folder, account = account_of(request)
    return page(request, "plan.html.j2", account=account, may_edit=may(account, "edit"),
                **forms.plan_view(folder, year_of(request)))


async def plan_make(request: Request) -> Response:
    from radio.plan import make_plan

    folder, account = account_of(request, "edit")
    year = year_of(request)
    make_plan(folder, year)
    record(folder, account, None, "plan", str(year))
    return back(request, to_plan(request), flash=f"Đã lập kế hoạch chủ đề năm {year} cho cả 12 tháng.")


async def plan_swap(request: Request) -> Response:
    from radio.plan import choose_alternative
    from radio.studio.forms import month_vi

    folder, account = account_of(request, "edit")
    year, month = plan_month_of(request)
    topic = (await form_of(request)).get("topic", "")
    choose_alternative(folder, year, month, topic)
    record(folder, account, month, "plan", topic)
    return back(request, to_plan(request), flash=f"Đã đổi chủ đề {month_vi(month)}; cả năm vẫn đủ mọi nội dung của kế hoạch.")


async def plan_brief(request: Request) -> Response:
    from radio.studio import forms

    folder, account = account_of(request, "edit")
    _, month = plan_month_of(request)
    path = forms.brief_from_plan(folder, month)
    record(folder, account, month, "brief", path.name)
    return back(request, month_url(request, month, "/brief"),
                flash="Đã tạo nội dung tháng theo kế hoạch năm; viết thêm tin tức, hỏi – đáp rồi bấm «Lưu nội dung tháng».")


def accounts_context(folder: Path, account: Account, form: dict | None = None) -> dict:
    from radio.studio.accounts import ROLES

    typed = {k: v for k, v in (form or {}).items() if "password" not in k and k != "csrf"}
    return {"account": account, "accounts": Store(folder, readonly=True).accounts(), "roles": ROLES,
            "values": typed}


def accounts_again(request: Request, form: dict, problem: str) -> Response:
    folder, account = account_of(request, "accounts")
    return page(request, "accounts.html.j2", error=problem, **accounts_context(folder, account, form))


async def accounts_page(request: Request) -> Response:
    from radio.studio.accounts import add_account

    folder, account = account_of(request, "accounts")
    if request.method == "POST":
        form = await form_of(request)
        email = form.get("email", "").strip() or None
        added = add_account(folder, form.get("username", "").strip(), form.get("full_name", ""),
                            form.get("title", ""), form.get("role", ""), form.get("password", ""), email)
        record(folder, account, None, "account-add", f"{added.username} ({added.role})")
        return back(request, to_accounts(request), flash=f"Đã thêm tài khoản {added.username} cho {added.full_name}.")
    return page(request, "accounts.html.j2", **accounts_context(folder, account))


async def account_change(request: Request) -> Response:
    from radio.studio.accounts import AccountError, set_disabled, set_password

    folder, account = account_of(request, "accounts")
    username, change = request.path_params["username"], request.path_params["change"]
    if change == "password":
        set_password(folder, username, (await form_of(request)).get("password", ""))
        message = f"Đã đặt mật khẩu mới cho {username}; mọi phiên đăng nhập cũ của tài khoản này đã kết thúc."
        if username == account.username:  # this session ended with the others: log in again
            record(folder, account, None, "account-password", username)
            end_session(request)
            return back(request, "/login", flash="Đã đặt mật khẩu mới; hãy đăng nhập lại bằng mật khẩu mới.")
    elif change in ("disable", "enable"):
        if change == "disable" and username == account.username:
            raise AccountError("Không thể tự khóa tài khoản mình đang dùng.",
                               hint="nhờ một người quản trị khác khóa, nếu thật cần.")
        set_disabled(folder, username, change == "disable")
        message = f"Đã {'khóa' if change == 'disable' else 'mở khóa'} tài khoản {username}."
    else:
        raise HTTPException(404)
    record(folder, account, None, f"account-{change}", username)
    return back(request, to_accounts(request), flash=message)


# -- bulletins (issue 32): typed or recorded, approved by a leader, queued by level ------------

def bulletin_of(request: Request) -> str:
    ident = request.path_params["bulletin"]
    if not BULLETIN_ID.fullmatch(ident):
        raise HTTPException(400, "Mã bản tin không hợp lệ.")
    return ident


def to_bulletins(request: Request) -> str:
    return f"/s/{request.path_params['station']}/bulletins"


def to_bulletin(request: Request) -> str:
    ident = request.path_params.get("bulletin", "")
    return f"{to_bulletins(request)}/{ident}" if BULLETIN_ID.fullmatch(ident) else to_bulletins(request)


def bulletins_again(request: Request, form: dict, problem: str) -> Response:
    from radio.studio import forms

    folder, account = account_of(request)
    return page(request, "bulletins.html.j2", account=account, error=problem,
                **forms.bulletins_context(folder, account, form))


async def bulletins_page(request: Request) -> Response:
    """The station's bulletins, and the form that makes one: an officer's (waiting for a
    leader), or a leader's emergency issued and approved in one step where the station allows."""
    import shutil
    import tempfile

    from starlette.concurrency import run_in_threadpool

    from radio.studio import forms

    folder, account = account_of(request)
    if request.method == "GET":
        return page(request, "bulletins.html.j2", account=account, **forms.bulletins_context(folder, account, None))
    form = await request.form()
    typed = request.scope.get(POSTED, {})
    one_step = typed.get("approve_now") == "1"
    if not may(account, "edit") and not (one_step and may(account, "approve")):
        raise HTTPException(403, "Vai trò của bạn không được làm việc này.")
    upload = form.get("audio")
    has_audio = hasattr(upload, "filename") and bool(upload.filename)
    if has_audio and (upload.size or 0) > MAX_UPLOAD_BYTES:
        return bulletins_again(request, typed, f"Tệp {upload.filename} quá lớn (trên 200 MB) cho một bản tin.")
    with tempfile.TemporaryDirectory(prefix="radio-upload-") as scratch:
        recording = None
        if has_audio:
            recording = Path(scratch) / ("ban-ghi" + Path(upload.filename).suffix[:10])
            with recording.open("wb") as out:
                shutil.copyfileobj(upload.file, out)
        made = await run_in_threadpool(forms.make_bulletin, folder, account, typed, recording, one_step)
    record(folder, account, None, "bulletin-new", f"{made.files.id}{' (duyệt ngay)' if made.approval else ''}")
    said = (f"Đã tạo và duyệt {made.bulletin.level_name.lower()}; đã xếp phát." if made.approval
            else f"Đã tạo {made.bulletin.level_name.lower()}; nghe lại rồi chờ lãnh đạo duyệt.")
    return back(request, f"{to_bulletins(request)}/{made.files.id}", flash=said)


async def bulletin_page(request: Request) -> Response:
    from radio.studio import forms

    folder, account = account_of(request)
    return page(request, "bulletin.html.j2", account=account, may_decide=may(account, "approve"),
                **forms.bulletin_context(folder, bulletin_of(request)))


async def bulletin_audio(request: Request) -> Response:
    from radio.bulletin import AUDIO_NAME, bulletin_files

    folder, _ = account_of(request)
    files = bulletin_files(folder, bulletin_of(request))
    if not (files.programme / AUDIO_NAME).is_file():
        raise HTTPException(404, "Bản tin chưa có tệp âm thanh.")
    return FileResponse(files.programme / AUDIO_NAME, media_type="audio/mpeg")


async def bulletin_decide(request: Request) -> Response:
    """Approve (the airings queued by level) or reject with a reason (the stage refuses none)."""
    from starlette.concurrency import run_in_threadpool

    from radio.bulletin import approve_bulletin, reject_bulletin

    folder, account = account_of(request, "approve")
    ident = bulletin_of(request)
    note = (await form_of(request)).get("note", "").strip()
    decision = request.url.path.rsplit("/", 1)[1]
    if decision == "approve":
        await run_in_threadpool(approve_bulletin, folder, ident, account.full_name, account.title, note or None)
        message = "Đã duyệt bản tin; các lượt phát đã được xếp."
    else:
        removed = await run_in_threadpool(reject_bulletin, folder, ident, account.full_name, account.title, note)
        message = "Đã trả lại bản tin kèm lý do" + (f"; đã gỡ {len(removed)} lượt chưa phát." if removed else ".")
    record(folder, account, None, f"bulletin-{decision}", f"{ident}: {note}" if note else ident)
    return back(request, to_bulletin(request), flash=message)


# -- the operator's player, the station's upkeep and its voices (issue 30) -------------------

def to_player(request: Request) -> str:
    return f"/s/{request.path_params['station']}/player"


def to_upkeep(request: Request) -> str:
    return f"/s/{request.path_params['station']}/upkeep"


def to_voices(request: Request) -> str:
    return f"/s/{request.path_params['station']}/voices"


async def player_control(request: Request) -> Response:
    """Start the player daemon (``radio player run`` with the output chosen) or stop it."""
    from starlette.concurrency import run_in_threadpool

    from radio.overview import output_words
    from radio.player import control

    folder, account = account_of(request, "player")
    what = request.path_params["change"]
    if what == "start":
        output = (await form_of(request)).get("output", "")
        started = await run_in_threadpool(control.start, folder, output)
        record(folder, account, None, "player-start", f"đầu ra {output}, tiến trình {started.pid}")
        said = f"Đã bật máy phát (đầu ra: {output_words(output)})."
    elif what == "stop":
        stopped = await run_in_threadpool(control.stop, folder)
        record(folder, account, None, "player-stop", ", ".join(stopped))
        said = "Đã tắt máy phát; lượt đang phát dở (nếu có) được ghi vào nhật ký là bị ngắt."
    else:
        raise HTTPException(404)
    return back(request, to_player(request), flash=said)


async def upkeep_page(request: Request) -> Response:
    from radio.studio import upkeep

    folder, account = account_of(request, "produce")
    return page(request, "upkeep.html.j2", account=account, cache=upkeep.cache_stats(folder),
                may_publish=may(account, "publish"))


async def upkeep_action(request: Request) -> Response:
    """Prune the clip cache (``radio cache prune``) or publish every month again
    (``radio publish --all``)."""
    from radio.studio import upkeep

    what = request.path_params["action"]
    if what == "prune":
        folder, account = account_of(request, "produce")
        pruned = upkeep.prune_cache(folder, await form_of(request))
        record(folder, account, None, "cache-prune", pruned)
        return back(request, to_upkeep(request), flash=pruned)
    if what == "publish":
        from radio.publish import publish

        folder, account = account_of(request, "publish")
        done = publish(folder, None)
        said = upkeep.published_words(done)
        record(folder, account, None, "publish-all", said)
        return back(request, to_upkeep(request), flash=said)
    raise HTTPException(404)


async def voices_page(request: Request) -> Response:
    from radio.studio import upkeep

    folder, account = account_of(request)
    job = studio_of(request).jobs.listening(request.path_params["station"], folder)
    return page(request, "voices.html.j2", account=account, may_try=may(account, "edit"),
                heard=job.state(), **upkeep.voices_context(folder, request.query_params))


async def voices_action(request: Request) -> Response:
    """Two voices say one sentence (synchronously: a sentence takes a second), or the
    recognizer hears them (a process of its own, like a production)."""
    from urllib.parse import urlencode

    from starlette.concurrency import run_in_threadpool

    from radio.speech.sample import voice_sample
    from radio.studio.job import start_listening

    folder, account = account_of(request, "edit")
    form = await form_of(request)
    voices = [v for v in (form.get("a", ""), form.get("b", "")) if v]
    sentence = form.get("sentence", "")
    what = request.path_params["action"]
    if what == "compare":
        samples = [await run_in_threadpool(voice_sample, folder, voice, sentence) for voice in voices]
        record(folder, account, None, "voices-compare", " / ".join(voices))
        query = urlencode({"a": voices[0] if voices else "", "b": voices[1] if len(voices) > 1 else "",
                           "sentence": sentence, **{f"clip{i}": s.clip for i, s in enumerate(samples)}})
        return back(request, f"{to_voices(request)}?{query}")
    if what == "listen":
        every = form.get("every") == "1"
        if not every:
            for voice in voices:
                await run_in_threadpool(voice_sample, folder, voice, sentence)  # refuses what cannot be said
        started = start_listening(studio_of(request).jobs, request.path_params["station"], folder,
                                  [] if every else voices, None if every else " ".join(sentence.split()))
        if started:
            record(folder, account, None, "voices-listen", "mọi giọng" if every else " / ".join(voices))
        return back(request, to_voices(request) + "#nghe-thu",
                    flash="Máy đang nghe thử; trang tự tải lại khi có kết quả." if started
                    else "Máy đang nghe thử lần trước; đợi có kết quả rồi hãy chạy lại.")
    raise HTTPException(404)


async def voice_sample_file(request: Request) -> Response:
    from radio.speech.sample import sample_file

    folder, _ = account_of(request)
    found = sample_file(folder, request.path_params["clip"])
    if found is None:
        raise HTTPException(404)
    return FileResponse(found, media_type="audio/wav")


# -- errors ------------------------------------------------------------------------------

def error_page(request: Request, message: str, status: int) -> Response:
    return studio_of(request).templates.TemplateResponse(request, "error.html.j2", {
        "message": message, "status": status, "account": None, "csrf": "", "slug": None,
        "flash": None, "problem": None, "nonce": request.scope.get(NONCE, "")}, status_code=status)


async def on_http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 401:
        return RedirectResponse("/login", status_code=303)
    ours = isinstance(exc.detail, str) and not exc.detail.isascii()  # Starlette's own are English
    return error_page(request, exc.detail if ours else GENERIC_ERRORS.get(exc.status_code, "Yêu cầu không hợp lệ."),
                      exc.status_code)


async def on_radio_error(request: Request, exc: RadioError) -> Response:
    """The one way a stage's refusal reaches a person: as the route's refusal tells it
    (above another page, or its form again), or on an error page."""
    refusal = request.scope.get(REFUSAL)
    return refusal(request, exc) if refusal else error_page(request, str(exc), 400)


def guarded(endpoint, refusal=None):
    """Every route is built through this, so no handler can forget the CSRF token; it also
    keeps how a refusal of that route is told (``on_radio_error``)."""
    @functools.wraps(endpoint)
    async def checked(request: Request) -> Response:
        request.scope[REFUSAL] = refusal
        if request.method not in SAFE_METHODS:
            form = await request.form()
            request.scope[POSTED] = {k: str(v) for k, v in form.items()}
            token = request.session.get("csrf")
            if not token or not secrets.compare_digest(str(form.get("csrf", "")).encode(), token.encode()):
                raise HTTPException(403, CSRF_REFUSED)
        return await endpoint(request)
    return checked


M = "/s/{station}/m/{month}"
GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]
# path, handler, methods, how a stage's refusal is told (None: on an error page)
ROUTES = [
    ("/", home, GET, None), ("/login", login, BOTH, None), ("/logout", logout, POST, None),
    ("/s/{station}/", station_page, GET, None),
    ("/s/{station}/open", open_month, GET, told_on(to_station)),
    (M, month_page, GET, None),
    (M + "/brief", brief, BOTH, form_again(brief_again)),
    (M + "/compose", compose, POST, compose_refused),
    (M + "/script", script_page, BOTH, form_again(script_again)),
    ("/s/{station}/reading", reading, GET, None),
    (M + "/produce", produce, POST, told_on(to_month())),
    (M + "/job", job_page, GET, None),
    (M + "/record", record_page, GET, told_on(to_month())),
    (M + "/record/{segment}", record_upload, POST, told_on(to_segment_recording)),
    (M + "/record/{segment}/remove", record_remove, POST, told_on(to_segment_recording)),
    (M + "/record/{segment}/audio", record_audio, GET, None),
    (M + "/review", review, GET, told_on(to_month())),
    (M + "/audio", audio, GET, None),
    (M + "/approve", decide, POST, told_on(to_month("/review"))),
    (M + "/reject", decide, POST, told_on(to_month("/review"))),
    (M + "/publish", publish_month, POST, told_on(to_month())),
    (M + "/schedule", schedule_page, GET, None),
    (M + "/schedule/{change}", schedule_change, POST, told_on(to_month("/schedule"))),
    (M + "/schedule/files/{name:path}", schedule_download, GET, None),
    ("/s/{station}/player", player_page, GET, None),
    ("/s/{station}/log", log_page, GET, None),
    ("/s/{station}/reports", reports_page, BOTH, told_on(to_reports)),
    ("/s/{station}/settings", settings_page, BOTH, form_again(settings_again)),
    ("/s/{station}/reports/{name}", report_file, GET, None),
    # The music kit, the year plan, accounts (issue 30)
    ("/s/{station}/kit", kit_page, GET, None),
    ("/s/{station}/kit/{part}", kit_upload, POST, told_on(to_kit)),
    ("/s/{station}/kit/{part}/remove", kit_remove, POST, told_on(to_kit)),
    ("/s/{station}/kit/{part}/audio", kit_audio, GET, None),
    ("/s/{station}/plan", plan_page, GET, None),
    ("/s/{station}/plan/{year}/make", plan_make, POST, told_on(to_plan)),
    ("/s/{station}/plan/{year}/{month}/topic", plan_swap, POST, told_on(to_plan)),
    ("/s/{station}/plan/{year}/{month}/brief", plan_brief, POST, told_on(to_plan)),
    ("/s/{station}/accounts", accounts_page, BOTH, form_again(accounts_again)),
    ("/s/{station}/accounts/{username}/{change}", account_change, POST, told_on(to_accounts)),
    # bulletins (issue 32)
    ("/s/{station}/bulletins", bulletins_page, BOTH, form_again(bulletins_again)),
    ("/s/{station}/bulletins/{bulletin}", bulletin_page, GET, None),
    ("/s/{station}/bulletins/{bulletin}/audio", bulletin_audio, GET, None),
    ("/s/{station}/bulletins/{bulletin}/approve", bulletin_decide, POST, told_on(to_bulletin)),
    ("/s/{station}/bulletins/{bulletin}/reject", bulletin_decide, POST, told_on(to_bulletin)),
    # the operator's player, the station's upkeep and voices (issue 30)
    ("/s/{station}/player/{change}", player_control, POST, told_on(to_player)),
    ("/s/{station}/upkeep", upkeep_page, GET, None),
    ("/s/{station}/upkeep/{action}", upkeep_action, POST, told_on(to_upkeep)),
    ("/s/{station}/voices", voices_page, GET, None),
    ("/s/{station}/voices/sample/{clip:path}", voice_sample_file, GET, None),
    ("/s/{station}/voices/{action}", voices_action, POST, told_on(to_voices)),
]


def create_app(stations: dict[str, Path], secret: str, *, https_cookies: bool = False) -> Starlette:
    """``https_cookies``: the studio is reached through HTTPS (a server in front of it), so
    the session cookie is marked Secure and never sent over plain HTTP."""
    routes = [Route(path, guarded(endpoint, refusal), methods=methods)
              for path, endpoint, methods, refusal in ROUTES]
    middleware = [Middleware(SecurityHeaders),
                  Middleware(SessionMiddleware, secret_key=secret, session_cookie="radio_studio",
                             same_site="strict", https_only=https_cookies,
                             max_age=int(SESSION_LENGTH.total_seconds()))]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: on_http_error, RadioError: on_radio_error})
    app.state.studio = Studio(dict(stations), _templates(), Jobs())
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
            name = load_station(folder).name
        except RadioError:
            name = slug
        names[slug] = slug if name.startswith(BLANK) else name  # a new station's name is still its blank
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
