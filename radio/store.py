"""The station's one SQLite database (``radio.db`` in the station folder).

It holds what must outlive files that an officer can edit or replace: the review trail
(approvals, rejections, productions of an approved script). The trail is append-only —
triggers refuse UPDATE and DELETE — so the audit history cannot be rewritten by the tool
or by a careless script. Schema changes are numbered migrations (``PRAGMA user_version``).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from radio.errors import OutputError

DATABASE = "radio.db"

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
]


@dataclass(frozen=True)
class ReviewEvent:
    month: str
    action: str
    at: str
    by_name: str | None
    role: str | None
    note: str | None
    script_sha256: str
    audio_sha256: str | None
    id: int | None = None


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    def __init__(self, station_dir: Path) -> None:
        self.path = Path(station_dir) / DATABASE

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10)
        except (sqlite3.Error, OSError) as exc:
            raise self._explain(exc) from exc
        try:
            self._migrate(connection)
            with connection:  # one transaction: committed on success, rolled back on error
                yield connection
        except sqlite3.DatabaseError as exc:
            raise self._explain(exc) from exc
        finally:
            connection.close()

    def _migrate(self, connection: sqlite3.Connection) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            connection.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")

    def _explain(self, exc: Exception) -> OutputError:
        return OutputError(
            f"Không đọc/ghi được cơ sở dữ liệu của đài {self.path} ({exc}).",
            hint="kiểm tra quyền ghi và dung lượng ổ đĩa; nếu tệp bị hỏng, khôi phục từ bản sao "
                 "lưu (không xoá tệp: nó giữ lịch sử duyệt chương trình).")

    def add_review_event(self, event: ReviewEvent) -> ReviewEvent:
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO review_events (month, action, at, by_name, role, note, "
                "script_sha256, audio_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (event.month, event.action, event.at, event.by_name, event.role, event.note,
                 event.script_sha256, event.audio_sha256))
            return ReviewEvent(**{**event.__dict__, "id": cursor.lastrowid})

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection for the schedule and player modules, which own their own queries."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            yield db

    def review_events(self, month: str | None = None) -> list[ReviewEvent]:
        query = ("SELECT month, action, at, by_name, role, note, script_sha256, audio_sha256, id "
                 "FROM review_events")
        args: tuple = ()
        if month is not None:
            query, args = query + " WHERE month = ?", (month,)
        with self._connect() as db:
            return [ReviewEvent(*row) for row in db.execute(query + " ORDER BY id", args)]
