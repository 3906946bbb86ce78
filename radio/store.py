"""The station's one SQLite database (``radio.db`` in the station folder), and every query.

It holds what must outlive files that an officer can edit or replace: the review trail
(approvals, rejections, productions of an approved script), the airing queue and the
as-run log. The trail is append-only — triggers refuse UPDATE and DELETE — so the audit
history cannot be rewritten by the tool or by a careless script. Schema changes are
numbered migrations (``PRAGMA user_version``).

No other module writes SQL: schedule, player, approval and reports call the methods here
and get typed rows back. Commands that only look (status, log, reports) open the database
read-only and never create or change it.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from radio.clock import parsed, shown
from radio.errors import OutputError
from radio.programme import ProgrammeKey, key_text

DATABASE = "radio.db"
ANCHORS = "anchors"  # daily files with each chain's head, kept outside the database

MIGRATIONS = [
    """
    CREATE TABLE review_events (
        id INTEGER PRIMARY KEY,
        month TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'produce')),
        at TEXT NOT NULL,
        by_name TEXT,
        role TEXT,
        note TEXT,
        script_sha256 TEXT NOT NULL,
        audio_sha256 TEXT
    );
    CREATE INDEX review_events_month ON review_events (month, id);
    CREATE TRIGGER review_events_no_update BEFORE UPDATE ON review_events
    BEGIN SELECT RAISE(ABORT, 'review_events is append-only'); END;
    CREATE TRIGGER review_events_no_delete BEFORE DELETE ON review_events
    BEGIN SELECT RAISE(ABORT, 'review_events is append-only'); END;
    """,
    """
    CREATE TABLE airings (
        id INTEGER PRIMARY KEY,
        month TEXT NOT NULL,
        slot_id TEXT NOT NULL,
        planned_at TEXT NOT NULL,
        duration_s REAL NOT NULL,
        mp3 TEXT NOT NULL,
        audio_sha256 TEXT NOT NULL,
        title TEXT NOT NULL,
        manual INTEGER NOT NULL DEFAULT 0,
        removed INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE INDEX airings_planned ON airings (planned_at);
    CREATE TABLE as_run (
        id INTEGER PRIMARY KEY,
        airing_id INTEGER NOT NULL REFERENCES airings (id),
        planned_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        file TEXT,
        audio_sha256 TEXT,
        output TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('playing', 'aired', 'failed', 'missed', 'interrupted')),
        error TEXT
    );
    -- One entry per airing, ever: a slot is never played twice, even by two players.
    CREATE UNIQUE INDEX as_run_once ON as_run (airing_id);
    """,
    """
    -- Which player process claimed an entry (pid@host): only a dead player's 'playing'
    -- entries are closed when a player starts. A forced manual airing says why.
    ALTER TABLE as_run ADD COLUMN player TEXT;
    ALTER TABLE airings ADD COLUMN note TEXT;
    """,
    """
    -- Tamper evidence: each review event carries a hash chained to the one before, and the
    -- as-run log is mirrored by an append-only, chained ledger of claims and finishes that
    -- the as_run rows must agree with. Rows from before this migration are not chained.
    ALTER TABLE review_events ADD COLUMN chain TEXT;
    CREATE TABLE as_run_ledger (
        id INTEGER PRIMARY KEY,
        as_run_id INTEGER NOT NULL,
        airing_id INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('claim', 'finish')),
        planned_at TEXT,
        file TEXT,
        audio_sha256 TEXT,
        at TEXT,
        result TEXT NOT NULL,
        error TEXT,
        chain TEXT NOT NULL
    );
    CREATE TRIGGER as_run_ledger_no_update BEFORE UPDATE ON as_run_ledger
    BEGIN SELECT RAISE(ABORT, 'as_run_ledger is append-only'); END;
    CREATE TRIGGER as_run_ledger_no_delete BEFORE DELETE ON as_run_ledger
    BEGIN SELECT RAISE(ABORT, 'as_run_ledger is append-only'); END;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta (key, value) SELECT 'as_run_chained_from', COALESCE(MAX(id), 0) + 1 FROM as_run;
    """,
    """
    -- The studio (web): accounts of this station with their role, failed logins for the
    -- throttle, and every action taken through the web, append-only and chained.
    CREATE TABLE accounts (
        username TEXT PRIMARY KEY,
        full_name TEXT NOT NULL,
        title TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('officer', 'leader', 'operator', 'admin')),
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE login_failures (username TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE web_actions (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        username TEXT NOT NULL,
        role TEXT NOT NULL,
        month TEXT,
        action TEXT NOT NULL,
        detail TEXT,
        chain TEXT NOT NULL
    );
    CREATE TRIGGER web_actions_no_update BEFORE UPDATE ON web_actions
    BEGIN SELECT RAISE(ABORT, 'web_actions is append-only'); END;
    CREATE TRIGGER web_actions_no_delete BEFORE DELETE ON web_actions
    BEGIN SELECT RAISE(ABORT, 'web_actions is append-only'); END;
    """,
    """
    -- Studio sessions kept on the server, so logging out or changing a password ends every
    -- copy of a cookie; failed logins remember the client, so a stranger's guesses slow
    -- the stranger down rather than locking the account's owner out.
    CREATE TABLE studio_sessions (
        token_sha256 TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE INDEX studio_sessions_user ON studio_sessions (username);
    ALTER TABLE login_failures ADD COLUMN client TEXT;
    """,
    """
    -- One live airing per time. Concurrent scheduling before this migration could queue the
    -- same time twice; the copy that went on air (else the oldest) stays, the others leave.
    UPDATE airings SET removed = 1 WHERE removed = 0 AND id NOT IN (
        SELECT COALESCE(MIN(CASE WHEN r.id IS NOT NULL THEN a.id END), MIN(a.id))
        FROM airings a LEFT JOIN as_run r ON r.airing_id = a.id WHERE a.removed = 0
        GROUP BY a.planned_at);
    CREATE UNIQUE INDEX airings_live_once ON airings (planned_at) WHERE removed = 0;
    -- The queue gets a chained ledger of its own (an airing added, an airing taken out), so
    -- an airing deleted or marked removed outside the tool is named. From here on every
    -- chained row's link also covers its own id, so a deleted row leaves a gap the check
    -- names, and a row re-inserted under a freed id no longer matches an anchored head.
    CREATE TABLE airings_ledger (
        id INTEGER PRIMARY KEY,
        airing_id INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('add', 'remove')),
        planned_at TEXT,
        audio_sha256 TEXT,
        chain TEXT NOT NULL
    );
    CREATE TRIGGER airings_ledger_no_update BEFORE UPDATE ON airings_ledger
    BEGIN SELECT RAISE(ABORT, 'airings_ledger is append-only'); END;
    CREATE TRIGGER airings_ledger_no_delete BEFORE DELETE ON airings_ledger
    BEGIN SELECT RAISE(ABORT, 'airings_ledger is append-only'); END;
    INSERT INTO meta (key, value) SELECT 'airings_chained_from', COALESCE(MAX(id), 0) + 1 FROM airings;
    INSERT INTO meta (key, value) SELECT 'review_events_ids_from', COALESCE(MAX(id), 0) + 1 FROM review_events;
    INSERT INTO meta (key, value) SELECT 'web_actions_ids_from', COALESCE(MAX(id), 0) + 1 FROM web_actions;
    INSERT INTO meta (key, value) SELECT 'as_run_ledger_ids_from', COALESCE(MAX(id), 0) + 1 FROM as_run_ledger;
    INSERT INTO meta (key, value) SELECT 'airings_ledger_ids_from', 1;
    """,
    """
    -- A stranger guessing for hours must not make each login slower: failures are counted
    -- by index, and only the last day's are kept.
    CREATE INDEX login_failures_client ON login_failures (client, at);
    CREATE INDEX login_failures_user ON login_failures (username, at);
    """,
    """
    -- Where a leader is told that a programme waits for them (optional).
    ALTER TABLE accounts ADD COLUMN email TEXT;
    """,
    """
    -- Keyed by programme, not by month: a month's key is the month itself, so every row
    -- keeps its text and every chain its links (radio/programme.py). RENAME COLUMN keeps
    -- the tables' triggers. The as-run log learns 'preempted' (an airing that gave the air
    -- to another programme); SQLite changes a CHECK only by copying the table, ids kept.
    ALTER TABLE review_events RENAME COLUMN month TO programme;
    DROP INDEX review_events_month;
    CREATE INDEX review_events_programme ON review_events (programme, id);
    ALTER TABLE airings RENAME COLUMN month TO programme;
    ALTER TABLE web_actions RENAME COLUMN month TO programme;
    CREATE TABLE as_run_keyed (
        id INTEGER PRIMARY KEY,
        airing_id INTEGER NOT NULL REFERENCES airings (id),
        planned_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        file TEXT,
        audio_sha256 TEXT,
        output TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('playing', 'aired', 'failed', 'missed', 'interrupted',
                                               'preempted')),
        error TEXT,
        player TEXT
    );
    INSERT INTO as_run_keyed (id, airing_id, planned_at, started_at, ended_at, file, audio_sha256, output,
                              result, error, player)
        SELECT id, airing_id, planned_at, started_at, ended_at, file, audio_sha256, output, result, error, player
        FROM as_run;
    DROP TABLE as_run;
    ALTER TABLE as_run_keyed RENAME TO as_run;
    CREATE UNIQUE INDEX as_run_once ON as_run (airing_id);
    """,
    """
    -- An airing an emergency cut may be played on from where it stopped (issue 32): the
    -- second of the approved file it starts at. Old rows start at the beginning.
    ALTER TABLE airings ADD COLUMN resume_from_s REAL NOT NULL DEFAULT 0;
    """,
    """
    -- Loudspeaker zones (issue 32): the zones an airing targets (ids joined by commas; NULL:
    -- every zone) and, per as-run entry, where it went (JSON: zone -> outputs played, outputs
    -- failed with why). The ledger's finish carries the latter, so it is tamper-evident too;
    -- an empty value leaves a link as it was (see _LATER_FIELDS).
    ALTER TABLE airings ADD COLUMN zones TEXT;
    ALTER TABLE as_run ADD COLUMN zones TEXT;
    ALTER TABLE as_run_ledger ADD COLUMN zones TEXT;
    """,
]
def _link(previous: str | None, *fields: object) -> str:
    """The chain value of a row: its fields and the chain of the row before it."""
    digest = hashlib.sha256((previous or "").encode())
    for field in fields:
        digest.update(b"\x1f" + ("" if field is None else str(field)).encode())
    return digest.hexdigest()


def _linked(table: str, fields: list) -> list:
    """The fields a row's link covers: a field added to a chain later joins it only when set,
    so every link written before it existed still holds."""
    later = len(_LATER_FIELDS.get(table, ()))
    while later and fields and fields[-1] is None:
        fields, later = fields[:-1], later - 1
    return fields


_EVENT_FIELDS = ("programme", "action", "at", "by_name", "role", "note", "script_sha256", "audio_sha256")
# How long a writer waits for another program's lock before the call fails as busy.
BUSY_TIMEOUT_S = 10


@dataclass(frozen=True)
class ReviewEvent:
    programme: ProgrammeKey
    action: str
    at: str
    by_name: str | None
    role: str | None
    note: str | None
    script_sha256: str
    audio_sha256: str | None
    id: int | None = None


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    title: str  # the position, as written under an approval (e.g. Phó Chủ tịch UBND xã)
    role: str  # officer | leader | operator | admin
    password_hash: str
    disabled: bool
    email: str | None = None  # where the studio tells this person that something waits


@dataclass(frozen=True)
class WebAction:
    at: str
    username: str
    role: str
    programme: ProgrammeKey | None
    action: str
    detail: str | None


@dataclass(frozen=True)
class Airing:
    id: int
    programme: ProgrammeKey
    slot_id: str
    planned_at: datetime
    duration_s: float
    mp3: str  # relative to the station folder
    audio_sha256: str
    title: str
    manual: bool
    note: str | None = None
    #: Where in the file it starts (a programme played on after an emergency); its
    #: ``duration_s`` is then what is left.
    resume_from_s: float = 0.0
    #: The zones it targets (station.yaml ``zones``); empty: every zone.
    zones: tuple[str, ...] = ()

    @property
    def ends_at(self) -> datetime:
        return self.planned_at + timedelta(seconds=self.duration_s)

    @property
    def month(self) -> str | None:
        """The month of a month's programme (``None`` for a bulletin or a relay)."""
        return self.programme.month_id


@dataclass(frozen=True)
class ZoneReach:
    """Where one airing went in one zone: the outputs that played it, and those that failed
    with why (a zone is reached when at least one of its outputs played)."""
    zone: str
    played: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()

    @property
    def reached(self) -> bool:
        return bool(self.played)


def _reach_text(reach: tuple[ZoneReach, ...] | None) -> str | None:
    if reach is None:
        return None
    return json.dumps({r.zone: {"played": list(r.played), "failed": dict(r.failed)} for r in reach},
                      ensure_ascii=False)  # in the airing's order of zones


def _reach_of(text: str | None) -> tuple[ZoneReach, ...] | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        return tuple(ZoneReach(zone, tuple(v.get("played", ())), tuple(dict(v.get("failed", {})).items()))
                     for zone, v in data.items())
    except (ValueError, AttributeError, TypeError):
        return None  # an edited row: the ledger check names it


@dataclass(frozen=True)
class AsRun:
    airing_id: int
    planned_at: str
    started_at: str | None
    ended_at: str | None
    file: str | None
    output: str
    result: str
    error: str | None
    programme: ProgrammeKey | None = None  # from the queue
    id: int | None = None
    audio_sha256: str | None = None  # the audio hash of the bytes sent, as the claim recorded it
    #: Where it went, zone by zone; ``None`` for a station without zones (every output).
    zones: tuple[ZoneReach, ...] | None = None

    @property
    def month(self) -> str | None:
        """The month of a month's programme (``None`` for a bulletin or a relay)."""
        return self.programme.month_id if self.programme else None


class AlreadyClaimed(Exception):
    """The airing already has its as-run entry: someone else played (or is playing) it."""


class AlreadyQueued(Exception):
    """Another airing is already live at that very time (two schedulers raced)."""


class DatabaseBusy(OutputError):
    """Another program holds the database; the call may succeed if tried again later."""


class StoreLost(OutputError):
    """radio.db is missing or empty although the station has approved programmes."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    def __init__(self, station_dir: Path, *, readonly: bool = False, start_empty: bool = False) -> None:
        self.path = Path(station_dir) / DATABASE
        self.readonly = readonly
        # Only ``radio restore --start-empty`` may begin a new log beside approved versions.
        self.start_empty = start_empty

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection | None]:
        """One transaction; ``None`` for a read-only store whose database does not exist yet."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            self._refuse_if_history_lost()
            if self.readonly:
                yield None
                return
        try:
            if self.readonly:
                connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                             timeout=BUSY_TIMEOUT_S)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
            connection.row_factory = sqlite3.Row
        except (sqlite3.Error, OSError) as exc:
            raise self._explain(exc) from exc
        try:
            if not self.readonly:
                self._migrate(connection)
            elif (version := connection.execute("PRAGMA user_version").fetchone()[0]) < len(MIGRATIONS):
                if version == 0:
                    self._refuse_if_history_lost()
                    connection.close()
                    yield None
                    return
                # Written by an older release and never opened for writing since: looked at
                # as the migrations would make it, in memory; the file stays as it is.
                connection = self._migrated_in_memory(connection)
            with connection:  # one transaction: committed on success, rolled back on error
                yield connection
        except sqlite3.DatabaseError as exc:
            raise self._explain(exc) from exc
        finally:
            connection.close()

    def _migrated_in_memory(self, connection: sqlite3.Connection) -> sqlite3.Connection:
        copy = sqlite3.connect(":memory:")
        try:
            connection.backup(copy)
        finally:
            connection.close()
        copy.row_factory = sqlite3.Row
        self._migrate(copy)
        return copy

    def _migrate(self, connection: sqlite3.Connection) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            self._refuse_if_history_lost()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            connection.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")

    def _refuse_if_history_lost(self) -> None:
        """A missing or emptied radio.db beside approved versions is a lost history, never a
        new station: starting afresh would show every month "chờ duyệt" and forget the log."""
        if self.start_empty:
            return
        station_dir = self.path.parent
        pinned = list(station_dir.glob("audio_out/*/*/versions/*.mp3"))
        if not pinned:
            return
        from radio.backup import newest_backup

        backup = newest_backup(station_dir)
        restore = (f"khôi phục bản sao lưu mới nhất: radio restore {backup.relative_to(station_dir)} "
                   f"-s {station_dir}" if backup else
                   "tìm một bản sao của tệp radio.db (ổ đĩa dự phòng, máy khác) rồi chạy 'radio restore "
                   "ĐƯỜNG_DẪN'; nếu thật sự muốn bắt đầu nhật ký mới, chạy 'radio restore --start-empty'")
        raise StoreLost(
            f"Cơ sở dữ liệu {self.path} không có hoặc trống, nhưng đài vẫn giữ {len(pinned)} bản "
            "chương trình đã duyệt: nhật ký duyệt, lịch phát và nhật ký phát đã bị mất. "
            "Phần mềm không tự tạo cơ sở dữ liệu mới để khỏi coi đài như mới lập.",
            hint=restore + ".")

    def _explain(self, exc: Exception) -> OutputError:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
            return DatabaseBusy(
                f"Cơ sở dữ liệu của đài {self.path} đang bị chương trình khác giữ quá "
                f"{BUSY_TIMEOUT_S} giây.",
                hint="đóng chương trình đang mở tệp radio.db (ví dụ trình xem cơ sở dữ liệu) rồi thử lại.")
        return OutputError(
            f"Không đọc/ghi được cơ sở dữ liệu của đài {self.path} ({exc}).",
            hint="kiểm tra quyền ghi và dung lượng ổ đĩa; nếu tệp bị hỏng, khôi phục từ bản sao "
                 "lưu (không xoá tệp: nó giữ lịch sử duyệt chương trình).")

    def add_review_event(self, event: ReviewEvent,
                         before_commit: Callable[[ReviewEvent], None] | None = None) -> ReviewEvent:
        """Append ``event``; ``before_commit`` runs inside the transaction (files renamed into
        place with it), so if it fails the event is not recorded either."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # the chain's last link cannot move under us
            event = ReviewEvent(**{**event.__dict__, "programme": ProgrammeKey.of(event.programme)})
            row_id = _append(db, "review_events", {f: getattr(event, f) for f in _EVENT_FIELDS})
            recorded = ReviewEvent(**{**event.__dict__, "id": row_id})
            if before_commit is not None:
                before_commit(recorded)
            return recorded

    # -- review trail -------------------------------------------------------------------
    def review_events(self, programme: ProgrammeKey | str | None = None) -> list[ReviewEvent]:
        query = ("SELECT programme, action, at, by_name, role, note, script_sha256, audio_sha256, id "
                 "FROM review_events")
        args: tuple = ()
        if programme is not None:
            query, args = query + " WHERE programme = ?", (key_text(programme),)
        with self._connect() as db:
            if db is None:
                return []
            return [ReviewEvent(ProgrammeKey.parse(row[0]), *row[1:])
                    for row in db.execute(query + " ORDER BY id", args)]

    # -- studio accounts ----------------------------------------------------------------
    def add_account(self, account: Account) -> None:
        with self._connect() as db:
            try:
                db.execute("INSERT INTO accounts (username, full_name, title, role, password_hash, disabled, "
                           "created_at, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (account.username, account.full_name, account.title, account.role,
                            account.password_hash, int(account.disabled), now_iso(), account.email))
            except sqlite3.IntegrityError:
                raise OutputError(f"Đã có tài khoản '{account.username}'.",
                                  hint="chọn tên khác, hoặc đổi mật khẩu bằng 'radio users passwd'.") from None

    def account(self, username: str) -> Account | None:
        with self._connect() as db:
            row = None if db is None else db.execute(
                "SELECT username, full_name, title, role, password_hash, disabled, email FROM accounts "
                "WHERE username = ?", (username,)).fetchone()
        return Account(*row[:5], bool(row[5]), row[6]) if row else None

    def accounts(self) -> list[Account]:
        with self._connect() as db:
            rows = [] if db is None else db.execute(
                "SELECT username, full_name, title, role, password_hash, disabled, email FROM accounts "
                "ORDER BY username").fetchall()
        return [Account(*row[:5], bool(row[5]), row[6]) for row in rows]

    def update_account(self, username: str, *, password_hash: str | None = None,
                       disabled: bool | None = None) -> bool:
        with self._connect() as db:
            if password_hash is not None:
                changed = db.execute("UPDATE accounts SET password_hash = ? WHERE username = ?",
                                     (password_hash, username)).rowcount
            if disabled is not None:
                changed = db.execute("UPDATE accounts SET disabled = ? WHERE username = ?",
                                     (int(disabled), username)).rowcount
        return bool(changed)

    def login_failures(self, username: str | None, since: datetime, client: str | None = None) -> int:
        """Wrong passwords since ``since`` for this name (and, when given, from this client);
        ``username=None`` counts a client's failures under any name."""
        # ``at`` is always written by now_iso (UTC, to the second), so text order is time order.
        where, args = ["at >= ?"], [since.astimezone(timezone.utc).isoformat(timespec="seconds")]
        if username is not None:
            where.append("username = ?"), args.append(username)
        if client is not None:
            where.append("client = ?"), args.append(client)
        with self._connect() as db:
            row = None if db is None else db.execute(
                "SELECT COUNT(*) FROM login_failures WHERE " + " AND ".join(where), args).fetchone()
        return row[0] if row else 0

    def record_login(self, username: str, success: bool, client: str | None = None) -> None:
        """A success forgets this client's failures for the name (another client's stay)."""
        with self._connect() as db:
            if success:
                db.execute("DELETE FROM login_failures WHERE username = ? AND (client IS ? OR client IS NULL)",
                           (username, client))
            else:
                db.execute("INSERT INTO login_failures (username, at, client) VALUES (?, ?, ?)",
                           (username, now_iso(), client))
                # Older than any throttle looks back: forgotten, so the table stays small.
                stale = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat(timespec="seconds")
                db.execute("DELETE FROM login_failures WHERE at < ?", (stale,))

    # -- studio sessions ----------------------------------------------------------------
    def add_session(self, token_sha256: str, username: str, expires_at: datetime) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO studio_sessions (token_sha256, username, created_at, expires_at) "
                       "VALUES (?, ?, ?, ?)", (token_sha256, username, now_iso(), expires_at.isoformat()))
            # Sessions long over are of no use to anyone; a session is not part of the record.
            week_ago = datetime.now(timezone.utc) - timedelta(days=7)
            for row in db.execute("SELECT token_sha256, expires_at FROM studio_sessions").fetchall():
                if parsed(row["expires_at"]) < week_ago:
                    db.execute("DELETE FROM studio_sessions WHERE token_sha256 = ?", (row["token_sha256"],))

    def session_user(self, token_sha256: str, now: datetime) -> str | None:
        """The account a live session belongs to; ``None`` if unknown, expired or revoked."""
        with self._connect() as db:
            row = None if db is None else db.execute(
                "SELECT username, expires_at FROM studio_sessions WHERE token_sha256 = ? "
                "AND revoked_at IS NULL", (token_sha256,)).fetchone()
        return row["username"] if row and parsed(row["expires_at"]) > now else None

    def revoke_sessions(self, *, token_sha256: str | None = None, username: str | None = None) -> int:
        """End one session, or every session of an account (logout, password change)."""
        column, value = ("token_sha256", token_sha256) if token_sha256 else ("username", username)
        with self._connect() as db:
            return db.execute(f"UPDATE studio_sessions SET revoked_at = ? WHERE {column} = ? "
                              "AND revoked_at IS NULL", (now_iso(), value)).rowcount

    def add_web_action(self, action: WebAction) -> None:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            _append(db, "web_actions", {**action.__dict__, "programme": key_text(action.programme)})

    def web_actions(self, programme: ProgrammeKey | str | None = None) -> list[WebAction]:
        wanted = key_text(programme)
        with self._connect() as db:
            rows = [] if db is None else db.execute(
                "SELECT at, username, role, programme, action, detail FROM web_actions ORDER BY id").fetchall()
        return [WebAction(row[0], row[1], row[2], ProgrammeKey.parse(row[3]) if row[3] else None, *row[4:])
                for row in rows if wanted is None or row["programme"] == wanted]

    # -- the queue ----------------------------------------------------------------------
    def queued(self, start: datetime | None = None, end: datetime | None = None,
               programme: ProgrammeKey | str | None = None, slot: str | None = None) -> list[Airing]:
        """Airings still in the queue (not removed), in time order; ``slot`` picks one slot
        id in the query itself (the player asks for emergencies twice a second)."""
        wanted = ProgrammeKey.of(programme) if programme is not None else None
        with self._connect() as db:
            rows = [] if db is None else db.execute(
                "SELECT * FROM airings WHERE removed = 0 AND (? IS NULL OR slot_id = ?) ORDER BY planned_at, id",
                (slot, slot)).fetchall()
        airings = [_airing(r) for r in rows]
        return [a for a in airings
                if (start is None or a.planned_at >= start) and (end is None or a.planned_at < end)
                and (wanted is None or a.programme == wanted)]

    def removed_airings(self, programme: ProgrammeKey | str) -> list[Airing]:
        """A programme's airings taken out of the queue (the relay keeper leaves a relay the
        operator removed by hand out, rather than putting it back)."""
        with self._connect() as db:
            rows = [] if db is None else db.execute(
                "SELECT * FROM airings WHERE removed = 1 AND programme = ? ORDER BY planned_at, id",
                (key_text(programme),)).fetchall()
        return [_airing(r) for r in rows]

    def queued_airing(self, airing_id: int) -> Airing | None:
        with self._connect() as db:
            row = None if db is None else db.execute(
                "SELECT * FROM airings WHERE id = ? AND removed = 0", (airing_id,)).fetchone()
        return _airing(row) if row else None

    def add_airings(self, programme: ProgrammeKey | str, rows: list[tuple[str, datetime]], duration_s: float, mp3: str,
                    audio_sha256: str, title: str, *, manual: bool, note: str | None = None,
                    remove: list[int] = (), resume_from_s: float = 0.0,
                    zones: tuple[str, ...] | list[str] = ()) -> list[int]:
        """Queue ``(slot id, time)`` airings of one file, removing ``remove`` in the same
        transaction, so the queue is never seen half-rearranged."""
        try:
            with self._connect() as db:
                db.execute("BEGIN IMMEDIATE")
                for airing_id in remove:
                    _remove_airing(db, airing_id)
                added = []
                for slot_id, at in rows:
                    airing_id = db.execute(
                        "INSERT INTO airings (programme, slot_id, planned_at, duration_s, mp3, audio_sha256, "
                        "title, manual, note, created_at, resume_from_s, zones) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (key_text(programme), slot_id, at.isoformat(), duration_s, mp3, audio_sha256, title, int(manual),
                         note, now_iso(), resume_from_s, ",".join(zones) or None)).lastrowid
                    _append(db, "airings_ledger", {"airing_id": airing_id, "kind": "add",
                                                   "planned_at": at.isoformat(), "audio_sha256": audio_sha256})
                    added.append(airing_id)
                return added
        except OutputError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                raise AlreadyQueued(exc.__cause__) from None
            raise

    def remove_airing(self, airing_id: int) -> None:
        """Take a not-yet-logged airing out of the queue; raise AlreadyClaimed if it is logged."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("SELECT 1 FROM as_run WHERE airing_id = ?", (airing_id,)).fetchone():
                raise AlreadyClaimed(airing_id)
            _remove_airing(db, airing_id)

    def airing_counts(self, programme: ProgrammeKey | str) -> tuple[int, int]:
        """(airings in the queue, airings that went on air, whole or in part) for a programme."""
        with self._connect() as db:
            if db is None:
                return 0, 0
            row = db.execute(
                "SELECT COUNT(*), SUM(CASE WHEN r.result IN ('aired', 'interrupted', 'preempted') THEN 1 ELSE 0 END) "
                "FROM airings a LEFT JOIN as_run r ON r.airing_id = a.id "
                "WHERE a.programme = ? AND a.removed = 0", (key_text(programme),)).fetchone()
        return row[0], row[1] or 0

    # -- the as-run log -----------------------------------------------------------------
    def logged_airing_ids(self) -> set[int]:
        with self._connect() as db:
            return set() if db is None else {row[0] for row in db.execute("SELECT airing_id FROM as_run")}

    def claim(self, airing: Airing, started_at: datetime | None, output: str, player: str,
              audio_sha256: str | None = None) -> int:
        """Open the airing's one as-run entry ('playing'); AlreadyClaimed if it has one.
        ``audio_sha256`` is the hash of what is about to be sent (the queued one if none)."""
        sent = audio_sha256 or airing.audio_sha256
        try:
            with self._connect() as db:
                row_id = db.execute(
                    "INSERT INTO as_run (airing_id, planned_at, started_at, file, audio_sha256, output, "
                    "result, player) VALUES (?, ?, ?, ?, ?, ?, 'playing', ?)",
                    (airing.id, airing.planned_at.isoformat(),
                     started_at.isoformat() if started_at else None, airing.mp3, sent,
                     output, player)).lastrowid
                _ledger(db, row_id, airing.id, "claim", started_at.isoformat() if started_at else None,
                        "playing", None, (airing.planned_at.isoformat(), airing.mp3, sent))
                return row_id
        except OutputError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                raise AlreadyClaimed(airing.id) from None
            raise

    def finish(self, row_id: int, ended_at: datetime, result: str, error: str | None = None,
               zones: tuple[ZoneReach, ...] | None = None) -> AsRun:
        """Close an entry; ``zones``: where it went, zone by zone (a station with zones)."""
        reach = _reach_text(zones)
        with self._connect() as db:
            db.execute("UPDATE as_run SET ended_at = ?, result = ?, error = ?, zones = ? WHERE id = ?",
                       (ended_at.isoformat(), result, error, reach, row_id))
            row = db.execute(_AS_RUN_SELECT + " WHERE r.id = ?", (row_id,)).fetchone()
            _ledger(db, row_id, row["airing_id"], "finish", ended_at.isoformat(), result, error, zones=reach)
        return _as_run(row)

    def now_playing(self) -> AsRun | None:
        with self._connect() as db:
            row = None if db is None else db.execute(
                _AS_RUN_SELECT + " WHERE r.result = 'playing' ORDER BY r.id DESC").fetchone()
        return _as_run(row) if row else None

    def as_run(self, *, programme: ProgrammeKey | str | None = None, last: int | None = None) -> list[AsRun]:
        """The log in planned order, of every programme or of one."""
        wanted = key_text(programme)
        with self._connect() as db:
            rows = [] if db is None else db.execute(_AS_RUN_SELECT + " ORDER BY r.planned_at, r.id").fetchall()
        entries = [_as_run(r) for r in rows if wanted is None or r["programme"] == wanted]
        return entries[-last:] if last else entries

    def close_abandoned(self, alive: Callable[[str | None], bool], error: str) -> int:
        """Entries left 'playing' by a player that is gone: they did start, so they are not
        played again, but the log must say they did not finish."""
        with self._connect() as db:
            rows = db.execute("SELECT id, airing_id, player FROM as_run "
                              "WHERE result = 'playing' AND ended_at IS NULL").fetchall()
            stale = [(row["id"], row["airing_id"]) for row in rows if not alive(row["player"])]
            for row_id, airing_id in stale:
                db.execute("UPDATE as_run SET result = 'interrupted', error = ? WHERE id = ?", (error, row_id))
                _ledger(db, row_id, airing_id, "finish", None, "interrupted", error)
        return len(stale)


    # -- tamper evidence ----------------------------------------------------------------
    def broken_record(self) -> str | None:
        """The first record changed outside the tool (a trigger dropped and a row forged,
        an as-run row edited), named for the operator; ``None`` when all agree."""
        with self._connect() as db:
            if db is None:
                return None
            found = next((why for table in _CHAINED if (why := _broken_chain(db, table))), None)
            found = found or _broken_as_run(db) or _broken_queue(db)
            return found or self._unanchored(db)

    # -- copies ----------------------------------------------------------------------------
    def copy_to(self, target: Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API: writers may
        go on meanwhile), checked before it is called good."""
        with self._connect() as db:
            if db is None:
                raise OutputError(f"Chưa có cơ sở dữ liệu {self.path} để sao lưu.")
            copy = sqlite3.connect(target)
            try:
                db.backup(copy)
                problem = copy.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                copy.close()
        if problem != "ok":
            raise OutputError(f"Bản sao {target} không nguyên vẹn ({problem}).",
                              hint="kiểm tra ổ đĩa rồi sao lưu lại.")

    @staticmethod
    def describe_copy(path: Path) -> dict:
        """What a copy of radio.db holds (to restore only a real, readable, newer-or-same
        version); raises OutputError for anything else."""
        try:
            db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
            try:
                problem = db.execute("PRAGMA integrity_check").fetchone()[0]
                version = db.execute("PRAGMA user_version").fetchone()[0]
                counts = {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                          for table in ("review_events", "airings", "as_run")} if version >= 2 else {}
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise OutputError(f"Tệp {path} không phải cơ sở dữ liệu của radio đọc được ({exc}).",
                              hint="chọn một tệp trong thư mục backups/ của đài.") from None
        if problem != "ok" or version == 0 or version > len(MIGRATIONS):
            why = (problem if problem != "ok" else "trống" if version == 0 else "của phiên bản radio mới hơn")
            raise OutputError(f"Tệp {path} không dùng để khôi phục được ({why}).",
                              hint="chọn một bản sao khác trong thư mục backups/ của đài.")
        return counts

    # -- anchors outside the database ---------------------------------------------------
    @property
    def anchors_dir(self) -> Path:
        return self.path.parent / ANCHORS

    def anchor_files(self) -> list[Path]:
        """The daily anchors, oldest first (a file being written, hidden, is not one yet)."""
        return sorted(p for p in self.anchors_dir.glob("*.json") if not p.name.startswith("."))

    def heads(self) -> dict[str, dict]:
        with self._connect() as db:
            return {} if db is None else chain_heads(db)

    def write_anchor(self, now: datetime | None = None) -> Path | None:
        """Today's anchor file (``anchors/YYYY-MM-DD.json``): the chains' heads as they are now.
        Reports and the website carry the same heads, so a recomputed chain is caught by any."""
        from radio.fileio import write_json

        heads = self.heads()
        if not heads:
            return None
        now = now or datetime.now(timezone.utc)
        path = self.anchors_dir / f"{now:%Y-%m-%d}.json"
        write_json(path, {"at": now.isoformat(timespec="seconds"), "heads": heads})
        return path

    def check_anchor(self, anchor: dict, where: str) -> str | None:
        """Whether the database still matches an anchor kept elsewhere (a report, the website)."""
        with self._connect() as db:
            return None if db is None else _unanchored(db, anchor, where)

    def _unanchored(self, db: sqlite3.Connection) -> str | None:
        import json

        for path in self.anchor_files():
            try:
                anchor = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(anchor, dict) and (why := _unanchored(db, anchor, f"ngày {path.stem} ({ANCHORS}/{path.name})")):
                return why
        return None


def _ledger(db: sqlite3.Connection, as_run_id: int, airing_id: int, kind: str, at: str | None,
            result: str, error: str | None, what: tuple[str, str, str] | None = None,
            zones: str | None = None) -> None:
    """One claim or finish in the chained ledger; a claim also fixes what was to play, a
    finish where it went (zones)."""
    planned_at, file, audio_sha = what or (None, None, None)
    _append(db, "as_run_ledger", {"as_run_id": as_run_id, "airing_id": airing_id, "kind": kind,
                                  "planned_at": planned_at, "file": file, "audio_sha256": audio_sha,
                                  "at": at, "result": result, "error": error, "zones": zones})


def _remove_airing(db: sqlite3.Connection, airing_id: int) -> None:
    row = db.execute("SELECT planned_at, audio_sha256 FROM airings WHERE id = ? AND removed = 0",
                     (airing_id,)).fetchone()
    if row is None:
        return
    db.execute("UPDATE airings SET removed = 1 WHERE id = ?", (airing_id,))
    _append(db, "airings_ledger", {"airing_id": airing_id, "kind": "remove",
                                   "planned_at": row["planned_at"], "audio_sha256": row["audio_sha256"]})


# The fields each chained table's link covers, in order (after the row's own id).
_CHAINED = {
    "review_events": _EVENT_FIELDS,
    "web_actions": ("at", "username", "role", "programme", "action", "detail"),
    "as_run_ledger": ("as_run_id", "airing_id", "kind", "planned_at", "file", "audio_sha256", "at",
                      "result", "error", "zones"),
    "airings_ledger": ("airing_id", "kind", "planned_at", "audio_sha256"),
}
# Fields added to a chained table after rows were linked without them (last in its tuple).
_LATER_FIELDS = {"as_run_ledger": ("zones",)}
_CHAIN_NAMES = {"review_events": "Nhật ký duyệt", "web_actions": "Nhật ký thao tác trên trang web",
                "as_run_ledger": "Sổ nhật ký phát", "airings_ledger": "Sổ lịch phát"}


def _append(db: sqlite3.Connection, table: str, values: dict) -> int:
    """Append one chained row: its link covers its id, its fields and the link before it.
    Call inside a write transaction (the last row cannot move under us)."""
    last = db.execute(f"SELECT id, chain FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
    row_id = (last["id"] if last else 0) + 1
    # A key goes in as its text form: what the row keeps and what its link covers.
    fields = [key_text(value) if isinstance(value, ProgrammeKey) else value
              for value in (values[name] for name in _CHAINED[table])]
    columns = ("id", *_CHAINED[table], "chain")
    db.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
               (row_id, *fields, _link(last["chain"] if last else None, row_id, *_linked(table, fields))))
    return row_id


def _meta(db: sqlite3.Connection, key: str, default: int) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return int(row["value"]) if row else default


def _broken_chain(db: sqlite3.Connection, table: str) -> str | None:
    """The first row of a chained table that does not follow from the one before: edited,
    forged, or rows deleted before it (a gap in the ids)."""
    ids_from = _meta(db, f"{table}_ids_from", 1)
    previous, chained, last_id = None, False, ids_from - 1
    for row in db.execute(f"SELECT * FROM {table} ORDER BY id"):
        fields = _linked(table, [row[name] for name in _CHAINED[table]])
        if row["id"] < ids_from:  # written before links covered ids
            if row["chain"] is None and not chained:
                continue  # written before the table was chained at all
            expected = _link(previous, *fields)
        else:
            if row["id"] != last_id + 1:
                return _said_broken(table, row, f"thiếu {row['id'] - last_id - 1} bản ghi trước số {row['id']}")
            expected = _link(previous, row["id"], *fields)
            last_id = row["id"]
        chained = True
        if row["chain"] != expected:
            return _said_broken(table, row)
        previous = row["chain"]
    return None


def _said_broken(table: str, row, why: str | None = None) -> str:
    what = f"{_CHAIN_NAMES[table]} bị sửa ngoài phần mềm từ bản ghi số {row['id']}"
    if table == "review_events":
        what += f" ({_named(row['programme'])}, {row['action']}, {row['by_name'] or ''})"
    return f"{what}{f': {why}' if why else ''}."


def _named(text: str | None) -> str:
    """A stored key as messages name it; a forged row's text as it stands."""
    try:
        return ProgrammeKey.parse(text).label()
    except Exception:
        return repr(text)


def _broken_as_run(db: sqlite3.Connection) -> str | None:
    expected: dict[int, dict] = {}
    for entry in db.execute("SELECT * FROM as_run_ledger ORDER BY id"):
        state = expected.setdefault(entry["as_run_id"], {"airing_id": entry["airing_id"]})
        if entry["kind"] == "claim":
            state.update(started_at=entry["at"], result="playing", planned_at=entry["planned_at"],
                         file=entry["file"], audio_sha256=entry["audio_sha256"])
        else:
            state.update(result=entry["result"], error=entry["error"], zones=entry["zones"],
                         **({"ended_at": entry["at"]} if entry["at"] is not None else {}))
    return _rows_against(db, "as_run", _meta(db, "as_run_chained_from", 1), expected,
                         lambda row: f"Nhật ký phát bị sửa ngoài phần mềm ở lượt phát số {row['airing_id']}",
                         lambda gone, state: f"Nhật ký phát bị xoá ngoài phần mềm: mất {gone} mục, đầu tiên "
                                             f"là lượt phát số {state['airing_id']}")


def _broken_queue(db: sqlite3.Connection) -> str | None:
    """Airings deleted, added or taken out of the queue outside the tool (a failed airing
    hidden by marking it removed, or its row deleted)."""
    expected: dict[int, dict] = {}
    for entry in db.execute("SELECT * FROM airings_ledger ORDER BY id"):
        state = expected.setdefault(entry["airing_id"], {"id": entry["airing_id"]})
        if entry["kind"] == "add":
            state.update(planned_at=entry["planned_at"], audio_sha256=entry["audio_sha256"], removed=0)
        else:
            state["removed"] = 1
    return _rows_against(db, "airings", _meta(db, "airings_chained_from", 1), expected,
                         lambda row: f"Lịch phát bị sửa ngoài phần mềm ở lượt phát số {row['id']}",
                         lambda gone, state: f"Lịch phát bị xoá ngoài phần mềm: mất {gone} lượt, đầu tiên "
                                             f"là lượt số {state['id']}")


def _rows_against(db: sqlite3.Connection, table: str, start: int, expected: dict[int, dict],
                  edited: Callable, deleted: Callable) -> str | None:
    """A table's rows (from ``start``) held against what its ledger says they must be: a row
    the ledger does not know or that differs from it is edited; a row it knows that is
    missing was deleted. Each finding names the airing and its planned time."""
    seen = set()
    for row in db.execute(f"SELECT * FROM {table} WHERE id >= ? ORDER BY id", (start,)):
        seen.add(row["id"])
        state = expected.get(row["id"])
        if state is None or any(row[key] != value for key, value in state.items()):
            return f"{edited(row)} (giờ định phát {shown(row['planned_at'])})."
    gone = sorted(set(expected) - seen)
    if not gone:
        return None
    state = expected[gone[0]]
    when = shown(state["planned_at"]) if state.get("planned_at") else "không rõ"
    return f"{deleted(len(gone), state)} (giờ định phát {when})."


def chain_heads(db: sqlite3.Connection) -> dict[str, dict]:
    """Each chain's last row (id, count of rows, link): what an anchor keeps outside the
    database, so a chain recomputed from scratch no longer matches it."""
    heads = {}
    for table in _CHAINED:
        row = db.execute(f"SELECT id, chain FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
        count = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        heads[table] = {"id": row["id"] if row else 0, "count": count, "chain": row["chain"] if row else None}
    return heads


def _unanchored(db: sqlite3.Connection, anchor: dict, where: str) -> str | None:
    """What no longer matches an anchor taken earlier (``where`` names it for the operator)."""
    for table, head in (anchor.get("heads") or {}).items():
        if table not in _CHAINED or not isinstance(head, dict) or not head.get("id"):
            continue
        row = db.execute(f"SELECT chain FROM {table} WHERE id = ?", (head["id"],)).fetchone()
        count = db.execute(f"SELECT COUNT(*) FROM {table} WHERE id <= ?", (head["id"],)).fetchone()[0]
        anchored = str(head.get("chain") or "")
        # A printed anchor keeps the first 16 hex digits of the link (64 bits): enough that
        # no recomputed chain matches it by chance.
        if row is None or len(anchored) < 16 or not row["chain"].startswith(anchored) or count != head.get("count"):
            return (f"{_CHAIN_NAMES[table]} không còn khớp với dấu kiểm {where} (bản ghi số {head['id']}): "
                    "nhật ký đã bị xoá, sửa hoặc tính lại ngoài phần mềm sau thời điểm đó.")
    return None


_AS_RUN_SELECT = ("SELECT r.*, a.programme AS programme FROM as_run r LEFT JOIN airings a ON a.id = r.airing_id")


def _airing(row) -> Airing:
    return Airing(row["id"], ProgrammeKey.parse(row["programme"]), row["slot_id"], parsed(row["planned_at"]),
                  row["duration_s"], row["mp3"], row["audio_sha256"], row["title"], bool(row["manual"]),
                  row["note"], row["resume_from_s"] if "resume_from_s" in row.keys() else 0.0,
                  tuple(filter(None, (row["zones"] or "").split(","))) if "zones" in row.keys() else ())


def _as_run(row) -> AsRun:
    return AsRun(row["airing_id"], row["planned_at"], row["started_at"], row["ended_at"],
                 row["file"], row["output"], row["result"], row["error"],
                 ProgrammeKey.parse(row["programme"]) if row["programme"] else None, row["id"],
                 row["audio_sha256"], _reach_of(row["zones"]) if "zones" in row.keys() else None)


# -- what tests and the chaos benchmark do to the database from outside -------------------
# The tool never calls what follows. It stands for other programs on the station's machine
# (a database viewer, a script run by someone with write access to radio.db), so that tests
# and benchmarks do not write SQL of their own: only this module does.

@contextmanager
def hold_exclusive_lock(station_dir: Path, timeout_s: float = 30) -> Iterator[None]:
    """Hold radio.db's exclusive lock for the block, as a database viewer left open in a
    transaction does: every read and write of the station waits, then fails as busy."""
    holder = sqlite3.connect(Path(station_dir) / DATABASE, timeout=timeout_s, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


class Tamper:
    """What someone with write access to radio.db can do outside the tool: read any row,
    drop a table's append-only triggers, edit, delete or forge rows by id, and recompute a
    chain with the project's own hash. Used by the tests to prove that the tamper evidence
    (``broken_record``, ``radio verify``, the anchors) names each of these.

    Tables and columns are named by the caller and checked against the schema; rows are
    plain dicts of the columns the database has, so this class knows no column by name
    beyond ``id`` and ``chain``. SQLite's own errors (a trigger refusing a change) are
    raised as they are."""

    def __init__(self, station_dir: Path) -> None:
        self.path = Path(station_dir) / DATABASE

    @contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path)
        db.row_factory = sqlite3.Row
        try:
            with db:  # one transaction per operation, committed on success
                yield db
        finally:
            db.close()

    def _columns(self, db: sqlite3.Connection, table: str, names=()) -> list[str]:
        columns = [row["name"] for row in db.execute("SELECT name FROM pragma_table_info(?)", (table,))]
        if not columns or any(name not in columns for name in names):
            raise ValueError(f"no table {table!r} with columns {list(names)!r} in {self.path}")
        return columns

    def rows(self, table: str, **equal) -> list[dict]:
        """The rows whose columns equal ``equal`` (all rows without it), in id order."""
        with self._open() as db:
            self._columns(db, table, equal)
            where = " AND ".join(f"{name} IS ?" for name in equal) or "1"
            order = "ORDER BY id" if "id" in self._columns(db, table) else ""
            return [dict(row) for row in db.execute(f"SELECT * FROM {table} WHERE {where} {order}",
                                                    tuple(equal.values()))]

    def drop_guards(self, table: str) -> None:
        """Drop every trigger on ``table`` (what keeps the trails append-only)."""
        with self._open() as db:
            self._columns(db, table)
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                                      (table,)).fetchall():
                db.execute(f'DROP TRIGGER "{name}"')

    def update(self, table: str, row_id: int, **values) -> None:
        with self._open() as db:
            self._columns(db, table, values)
            _touched(db.execute(f"UPDATE {table} SET {', '.join(f'{name} = ?' for name in values)} "
                                "WHERE id = ?", (*values.values(), row_id)), table, row_id)

    def delete(self, table: str, row_id: int) -> None:
        with self._open() as db:
            self._columns(db, table)
            _touched(db.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,)), table, row_id)

    def forge(self, table: str, like: int, **changes) -> int:
        """A new row under the next id: a copy of row ``like`` with ``changes``."""
        with self._open() as db:
            self._columns(db, table, changes)
            row = dict(db.execute(f"SELECT * FROM {table} WHERE id = ?", (like,)).fetchone())
            row.update(changes, id=db.execute(f"SELECT MAX(id) + 1 FROM {table}").fetchone()[0])
            db.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                       tuple(row.values()))
            return row["id"]

    def rechain(self, table: str) -> None:
        """Recompute every link of a chained table as the tool would (after rows were edited),
        so the chain is whole again and only an anchor kept elsewhere can tell."""
        if table not in _CHAINED:
            raise ValueError(f"{table!r} is not a chained table")
        with self._open() as db:
            ids_from = _meta(db, f"{table}_ids_from", 1)
            previous = None
            for row in db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall():
                own_id = (row["id"],) if row["id"] >= ids_from else ()
                previous = _link(previous, *own_id, *_linked(table, [row[name] for name in _CHAINED[table]]))
                db.execute(f"UPDATE {table} SET chain = ? WHERE id = ?", (previous, row["id"]))


def _touched(cursor: sqlite3.Cursor, table: str, row_id: int) -> None:
    """A tampering that changed nothing would let a test prove nothing."""
    if cursor.rowcount != 1:
        raise ValueError(f"no row {row_id} in {table}")
