"""Studio accounts of a station: who may do what, passwords hashed with Argon2id, and a
throttle on wrong passwords. The rows live in the station's own database (``store``)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from radio.errors import RadioError
from radio.store import Account, Store

ROLES = {
    "officer": "công chức văn hóa – xã hội (soạn và sản xuất)",
    "leader": "lãnh đạo xã (duyệt)",
    "operator": "người vận hành máy phát (xếp lịch, theo dõi)",
    "admin": "quản trị (mọi việc)",
}
# The role as a heading or a table cell shows it.
ROLE_NAMES = {"officer": "Công chức văn hóa – xã hội", "leader": "Lãnh đạo", "operator": "Vận hành",
              "admin": "Quản trị"}
# What the studio's actions are called wherever a person reads the record of them.
WEB_ACTION_NAMES = {"login": "đăng nhập", "brief": "lưu bản tin", "compose": "soạn kịch bản",
                    "edit-segment": "sửa đoạn", "produce": "sản xuất", "approve": "duyệt",
                    "reject": "trả lại", "schedule-auto": "xếp lịch tự động", "schedule-add": "thêm lượt phát",
                    "schedule-remove": "gỡ lượt phát", "report": "lập báo cáo",
                    "publish": "đăng lên trang web"}
# What each role may do; admin may do everything.
PERMISSIONS = {
    "officer": {"view", "edit", "produce", "publish"},
    "leader": {"view", "approve"},
    "operator": {"view", "schedule"},
}
LOCK_AFTER = 10  # wrong passwords in a row
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD = 8


class AccountError(RadioError):
    pass


@dataclass(frozen=True)
class Login:
    account: Account | None
    problem: str | None  # shown to the person logging in


def _hasher():
    from argon2 import PasswordHasher  # Argon2id, memory-hard, with its own salt per hash

    return PasswordHasher()


def may(account: Account, permission: str) -> bool:
    return account.role == "admin" or permission in PERMISSIONS.get(account.role, set())


def add_account(station_dir: Path, username: str, full_name: str, title: str, role: str,
                password: str) -> Account:
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,31}", username or ""):
        raise AccountError(f"Tên đăng nhập '{username}' không hợp lệ.",
                           hint="dùng 2–32 chữ thường không dấu, số, dấu chấm hoặc gạch ngang, ví dụ lan.vhxh.")
    if role not in ROLES:
        raise AccountError(f"Không có vai trò '{role}'.",
                           hint="chọn một trong: " + "; ".join(f"{k} – {v}" for k, v in ROLES.items()) + ".")
    if not full_name.strip() or not title.strip():
        raise AccountError("Cần ghi họ tên và chức vụ của người dùng.",
                           hint="họ tên và chức vụ được ghi vào nhật ký duyệt, ví dụ "
                                "--name \"Trần Văn Bình\" --title \"Phó Chủ tịch UBND xã\".")
    _check_password(password)
    account = Account(username, full_name.strip(), title.strip(), role, _hasher().hash(password), False)
    Store(station_dir).add_account(account)
    return account


def set_password(station_dir: Path, username: str, password: str) -> None:
    _check_password(password)
    if not Store(station_dir).update_account(username, password_hash=_hasher().hash(password)):
        raise AccountError(f"Không có tài khoản '{username}'.", hint="xem danh sách bằng 'radio users list'.")


def set_disabled(station_dir: Path, username: str, disabled: bool) -> None:
    if not Store(station_dir).update_account(username, disabled=disabled):
        raise AccountError(f"Không có tài khoản '{username}'.", hint="xem danh sách bằng 'radio users list'.")


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.",
                           hint="dùng một câu dễ nhớ với người dùng nhưng khó đoán với người khác.")


def log_in(station_dir: Path, username: str, password: str, now: datetime | None = None) -> Login:
    """The account if the password is right; after ``LOCK_AFTER`` wrong ones the name is
    locked for ``LOCK_FOR`` whatever is typed, so guessing is slow."""
    from argon2.exceptions import InvalidHashError, VerificationError

    now = now or datetime.now(timezone.utc)
    store = Store(station_dir)
    if store.login_failures(username, now - LOCK_FOR) >= LOCK_AFTER:
        return Login(None, f"Đăng nhập sai quá {LOCK_AFTER} lần: tài khoản tạm khóa "
                           f"{int(LOCK_FOR.total_seconds() // 60)} phút. Hãy thử lại sau.")
    account = store.account(username)
    try:
        good = account is not None and _hasher().verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        good = False
    if not good:
        store.record_login(username, success=False)
        return Login(None, "Sai tên đăng nhập hoặc mật khẩu.")
    if account.disabled:
        return Login(None, "Tài khoản này đã bị khóa; hãy liên hệ người quản trị.")
    store.record_login(username, success=True)
    return Login(account, None)
