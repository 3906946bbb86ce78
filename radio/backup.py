"""Copies of the station's database: made while it runs, kept a number of days, restored.

radio.db holds what no file can give back: the review trail, the queue, the as-run log.
A copy is taken with SQLite's online backup API (the player may keep writing), checked,
and renamed into ``backups/`` atomically; each copy also writes the day's anchor (the
chains' heads), so a log rewritten later no longer matches what was kept outside it.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from radio.errors import OutputError, RadioError
from radio.fileio import file_mode, folder_lock
from radio.store import DATABASE, Store

BACKUPS = "backups"
PREFIX = "radio-"
# A running station is copied at most this often, whatever asks.
EVERY = timedelta(hours=24)


class BackupError(RadioError):
    """A copy could not be made or restored."""


@dataclass(frozen=True)
class Restored:
    source: Path
    previous: Path | None  # where the replaced database was kept
    counts: dict[str, int]
    # Anchors taken after the copy (their rows are lost with the restore), set aside.
    anchors_set_aside: int
    tampered: str | None


def backups(station_dir: Path) -> list[Path]:
    """The station's copies, oldest first (their names sort by time)."""
    return sorted((Path(station_dir) / BACKUPS).glob(f"{PREFIX}*.db"))


def newest_backup(station_dir: Path) -> Path | None:
    found = backups(station_dir)
    return found[-1] if found else None


def back_up(station_dir: Path, keep_days: int = 30, now: datetime | None = None) -> Path:
    """Copy radio.db now into ``backups/radio-YYYYMMDD-HHMMSS.db``; drop copies older than
    ``keep_days`` (the newest always stays)."""
    station_dir = Path(station_dir)
    now = now or datetime.now(timezone.utc)
    folder = station_dir / BACKUPS
    target = folder / f"{PREFIX}{now:%Y%m%d-%H%M%S}.db"
    store = Store(station_dir)
    with folder_lock(folder):
        fd, name = tempfile.mkstemp(prefix=".radio-", suffix=".db", dir=folder)
        os.close(fd)
        try:
            store.copy_to(Path(name))
            os.chmod(name, file_mode())
            os.replace(name, target)
        except OSError as exc:
            Path(name).unlink(missing_ok=True)
            raise BackupError(f"Không sao lưu được cơ sở dữ liệu vào {folder} ({exc.strerror or exc}).",
                              hint="giải phóng dung lượng ổ đĩa hoặc kiểm tra quyền ghi.") from None
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        _prune(folder, keep_days, now)
    store.write_anchor(now)
    return target


def back_up_if_due(station_dir: Path, keep_days: int = 30, now: datetime | None = None) -> Path | None:
    """A copy when the newest is a day old (or there is none): what the player and each
    approval call, so a station that only runs keeps its copies without a cron job."""
    station_dir = Path(station_dir)
    if not (station_dir / DATABASE).exists():
        return None
    now = now or datetime.now(timezone.utc)
    newest = newest_backup(station_dir)
    if newest is not None and now.timestamp() - newest.stat().st_mtime < EVERY.total_seconds():
        return None
    return back_up(station_dir, keep_days, now)


def _prune(folder: Path, keep_days: int, now: datetime) -> None:
    found = sorted(folder.glob(f"{PREFIX}*.db"))
    oldest_kept = now.timestamp() - keep_days * 86400
    for path in found[:-1]:
        try:
            if path.stat().st_mtime < oldest_kept:
                path.unlink()
        except OSError:
            continue  # a copy we cannot remove is only disk space


def restore(station_dir: Path, source: Path | None, *, start_empty: bool = False,
            now: datetime | None = None) -> Restored:
    """Put a copy back as radio.db (the database it replaces is kept beside the copies), or
    with ``start_empty`` begin a new, empty log on purpose. Refused while a player runs."""
    from radio.player import heartbeats

    station_dir = Path(station_dir)
    running = [beat.player for beat in heartbeats(station_dir) if beat.alive]
    if running:
        raise BackupError(f"Máy phát {', '.join(running)} đang chạy; không khôi phục khi máy phát đang dùng cơ sở dữ liệu.",
                          hint="dừng máy phát (Ctrl+C hoặc systemctl stop) rồi chạy lại lệnh khôi phục.")
    now = now or datetime.now(timezone.utc)
    database = station_dir / DATABASE
    if start_empty:
        counts: dict[str, int] = {}
    else:
        if source is None:
            raise BackupError("Chưa chọn bản sao để khôi phục.",
                              hint="ví dụ: radio restore backups/radio-20261203-000000.db")
        source = Path(source) if Path(source).is_absolute() else station_dir / source
        if not source.exists():
            raise BackupError(f"Không thấy tệp {source}.", hint="xem các bản sao trong thư mục backups/ của đài.")
        counts = Store.describe_copy(source)
    previous = None
    with folder_lock(station_dir / BACKUPS):
        if database.exists() and database.stat().st_size > 0:
            previous = station_dir / BACKUPS / f"truoc-khoi-phuc-{now:%Y%m%d-%H%M%S}.db"
            os.replace(database, previous)
        if start_empty:
            Store(station_dir, start_empty=True).heads()  # creates and migrates it
        else:
            _copy_into_place(source, database)
    store = Store(station_dir)
    aside = _set_aside_later_anchors(store, now)
    return Restored(source, previous, counts, aside, store.broken_record())


def _set_aside_later_anchors(store: Store, now: datetime) -> int:
    """Anchors the restored log cannot match (taken after the copy) move to a dated folder:
    kept as evidence of what was lost, no longer a warning on every command."""
    import json

    moved = 0
    for path in store.anchor_files():
        try:
            anchor = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(anchor, dict) and store.check_anchor(anchor, path.name):
            aside = store.anchors_dir / f"truoc-khoi-phuc-{now:%Y%m%d-%H%M%S}"
            aside.mkdir(parents=True, exist_ok=True)
            os.replace(path, aside / path.name)
            moved += 1
    return moved


def _copy_into_place(source: Path, database: Path) -> None:
    """The copy is written beside radio.db and renamed over it: never half a database."""
    import sqlite3

    fd, name = tempfile.mkstemp(prefix=".radio-restore-", suffix=".db", dir=database.parent)
    os.close(fd)
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(name)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        os.chmod(name, file_mode())
        os.replace(name, database)
    except (OSError, sqlite3.Error) as exc:
        Path(name).unlink(missing_ok=True)
        raise OutputError(f"Không chép được bản sao {source} vào {database} ({exc}).",
                          hint="kiểm tra dung lượng ổ đĩa và quyền ghi rồi chạy lại.") from None
