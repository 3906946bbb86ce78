"""Atomic file writing: a reader never sees half a file, and a failure keeps the old one."""
from __future__ import annotations

import contextlib
import functools
import errno
import hashlib
import json
import os
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from radio.errors import OutputError, RadioError


def _explain_os_error(path: Path, exc: OSError) -> OutputError:
    if exc.errno == errno.ENOSPC:
        return OutputError(
            f"Không ghi được {path}: ổ đĩa đã đầy.",
            hint="giải phóng dung lượng ổ đĩa rồi chạy lại; các tệp đã làm trước đó vẫn còn nguyên.",
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(
            f"Không ghi được {path}: không có quyền ghi vào thư mục này.",
            hint="chọn thư mục khác bằng tuỳ chọn --out hoặc cấp quyền ghi cho thư mục.",
        )
    return OutputError(f"Không ghi được {path}: {exc.strerror or exc}.",
                       hint="kiểm tra ổ đĩa và đường dẫn rồi chạy lại.")


@contextlib.contextmanager
def atomic_path(path: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    The temporary file lives in the same directory so the final rename is atomic on
    POSIX and Windows alike; it keeps the target's suffix so tools that guess the format
    from the name (ffmpeg) still work.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix or path.suffix,
                                        dir=path.parent)
        os.close(fd)
        os.chmod(tmp_name, file_mode())
    except OSError as exc:
        raise _explain_os_error(path, exc) from exc
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise _explain_os_error(path, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def file_mode() -> int:
    """What the umask gives a new file (0644 under the usual 022), as for any program that
    writes files; mkstemp's own 0600 kept a player running as another user from reading
    the programme."""
    return 0o666 & ~_umask()


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    try:  # Linux tells it without changing it (changing it would race other threads)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def on_disk(path: Path | str) -> Path:
    """``path`` as it exists on disk: a name typed in composed Unicode (NFC) finds a file
    saved with a decomposed name (NFD, as macOS and some keyboards write it), and back."""
    path = Path(path)
    if path.exists() or not path.parent.is_dir():
        return path
    wanted = unicodedata.normalize("NFC", path.name)
    for sibling in path.parent.iterdir():
        if unicodedata.normalize("NFC", sibling.name) == wanted:
            return sibling
    return path


def write_bytes(path: Path | str, data: bytes) -> None:
    with atomic_path(path) as tmp:
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise _explain_os_error(Path(path), exc) from exc


def write_text(path: Path | str, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path | str, data: Any) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def sha256_file(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


STAGED_PREFIX = ".staged-"


def recover_staged(folder: Path) -> int:
    """Undo what a killed ``Staged`` left in ``folder`` (call under the folder's lock): a
    file renamed aside whose replacement never arrived is put back, the other leftovers
    (temporaries, old files kept for an undo) removed. Returns how many were handled."""
    handled = 0
    for path in sorted(Path(folder).glob(f"{STAGED_PREFIX}*")):
        with contextlib.suppress(OSError):
            if path.name.endswith(".previous"):
                target = path.with_name(path.name[len(STAGED_PREFIX):-len(".previous")])
                if not target.exists():
                    os.replace(path, target)
                    handled += 1
                    continue
            path.unlink()
            handled += 1
    return handled


class Staged:
    """Several files written to temporaries first, then renamed into place together.

    Writing is where a full disk or a permission problem shows up; it happens in
    ``stage``, before anything is changed. ``apply`` renames (keeping the old files aside)
    and ``undo`` puts the old files back, so a caller can pair the renames with a database
    commit and leave either everything or nothing behind."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []  # (temporary, target)
        self._done: list[tuple[Path, Path | None]] = []  # (target, backup of what it replaced)

    def stage(self, target: Path | str, data: bytes) -> None:
        target = Path(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"{STAGED_PREFIX}{target.stem}.", suffix=target.suffix,
                                        dir=target.parent)
            os.chmod(name, file_mode())
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            self.discard()
            raise _explain_os_error(target, exc) from exc
        self._pending.append((Path(name), target))

    def staged_path(self, target: Path | str) -> Path:
        """The temporary standing in for ``target`` (to be edited in place before apply)."""
        return next(tmp for tmp, t in self._pending if t == Path(target))

    def apply(self) -> None:
        target = None
        try:
            for tmp, target in self._pending:
                backup = None
                if target.exists():
                    backup = target.with_name(f"{STAGED_PREFIX}{target.name}.previous")
                    os.replace(target, backup)
                self._done.append((target, backup))
                os.replace(tmp, target)
        except OSError as exc:
            self.undo()
            raise _explain_os_error(target or Path("."), exc) from exc
        self._pending = []

    def undo(self) -> None:
        for target, backup in reversed(self._done):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink()
        self._done = []
        self.discard()

    def commit(self) -> None:
        """Forget the old files for good."""
        for _, backup in self._done:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()
        self._done = []

    def discard(self) -> None:
        for tmp, _ in self._pending:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._pending = []


@contextlib.contextmanager
def folder_lock(folder: Path, *, wait: bool = True, busy: RadioError | None = None,
                unopenable: Callable[[OSError], RadioError] | None = None):
    """An exclusive lock held on the folder itself (no lock file left behind): one writer
    of what the folder guards at a time; a second waits, or gets ``busy`` with ``wait=False``.
    A folder that cannot be made or opened is said by ``unopenable`` (or the generic message)."""
    import fcntl

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise (unopenable(exc) if unopenable else _explain_os_error(folder, exc)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise busy or OutputError(f"Thư mục {folder} đang được chương trình khác dùng.",
                                      hint="chờ việc kia xong rồi chạy lại.") from None
        yield
    finally:
        os.close(fd)
