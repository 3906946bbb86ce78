"""Atomic file writing: a reader never sees half a file, and a failure keeps the old one."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from radio.errors import OutputError


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
