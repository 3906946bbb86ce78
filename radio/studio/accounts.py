"""Studio accounts of a station: who may do what, passwords hashed with Argon2id, and a
throttle on wrong passwords. The rows live in the station's own database (``store``).

The throttle is per client first: a machine that keeps guessing waits longer after each
wrong password, whatever names it tries, while the account's owner on another machine logs
in as usual. A guess from many machines at once (each guessing a little) trips a far higher
account-wide limit, which then refuses only the machines that already failed on that name;
a machine with no failures is never refused, so no stranger can lock the owner out.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from radio.errors import RadioError
from radio.store import Account, Store

ROLES = {
    "officer": "công chức văn hóa – xã hội (soạn và sản xuất)",
    "leader": "lãnh đạo xã (duyệt)",
    "operator": "người vận hành máy phát (xếp lịch, bật, tắt và theo dõi máy phát)",
    "admin": "quản trị (mọi việc)",
}
# The role as a heading or a table cell shows it.
ROLE_NAMES = {"officer": "Công chức văn hóa – xã hội", "leader": "Lãnh đạo", "operator": "Vận hành",
              "admin": "Quản trị"}
# What the studio's actions are called wherever a person reads the record of them.
WEB_ACTION_NAMES = {"login": "đăng nhập", "logout": "đăng xuất", "brief": "lưu bản tin", "compose": "soạn kịch bản",
                    "edit-segment": "sửa đoạn", "edit-script": "sửa kịch bản", "produce": "sản xuất", "approve": "duyệt",
                    "reject": "trả lại", "schedule-auto": "xếp lịch tự động", "schedule-add": "thêm lượt phát",
                    "schedule-remove": "gỡ lượt phát", "report": "lập báo cáo",
                    "publish": "đăng lên trang web", "settings": "sửa cài đặt đài",
                    "record": "thu giọng đọc", "record-remove": "bỏ bản thu",
                    "kit": "đổi nhạc của đài", "plan": "lập kế hoạch năm", "account-add": "thêm tài khoản",
                    "account-password": "đặt lại mật khẩu", "account-disable": "khóa tài khoản",
                    "account-enable": "mở khóa tài khoản",
                    "bulletin-new": "tạo bản tin", "bulletin-approve": "duyệt bản tin",
                    "bulletin-reject": "trả lại bản tin",
                    # the operator's player and the officer's upkeep (issue 30)
                    "player-start": "bật máy phát", "player-stop": "tắt máy phát",
                    "cache-prune": "dọn bộ nhớ đệm giọng đọc", "publish-all": "đăng lại cả trang web",
                    "voices-compare": "so sánh hai giọng", "voices-listen": "cho máy nghe thử các giọng"}
# What each role may do; admin may do everything.
PERMISSIONS = {
    "officer": {"view", "edit", "produce", "publish", "settings"},
    "leader": {"view", "approve"},
    "operator": {"view", "schedule", "player"},
}
FREE_TRIES = 5  # wrong passwords a client may make before it has to wait
FIRST_WAIT = timedelta(seconds=30)  # then doubled after each further wrong password ...
LOCK_FOR = timedelta(minutes=15)  # ... up to this
CLIENT_WINDOW = timedelta(hours=24)  # how long a client's failures count (a success forgets them)
ACCOUNT_ALARM = 100  # failures on one name from all clients within ACCOUNT_WINDOW: under attack
ACCOUNT_WINDOW = timedelta(hours=1)
GUARDED_TRIES = 3  # failures on that name a client may have while it is under attack
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


@functools.cache
def _stand_in_hash() -> str:
    """Verified for a name that has no account, so an unknown name costs what a real one
    does and the answer's delay does not tell which names exist. Made with the same
    parameters as real hashes (once per process)."""
    import secrets

    return _hasher().hash(secrets.token_urlsafe(16))


def may(account: Account, permission: str) -> bool:
    return account.role == "admin" or permission in PERMISSIONS.get(account.role, set())


def add_account(station_dir: Path, username: str, full_name: str, title: str, role: str,
                password: str, email: str | None = None) -> Account:
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,31}", username or ""):
        raise AccountError(f"Tên đăng nhập '{username}' không hợp lệ.",
                           hint="dùng 2–32 chữ thường không dấu, số, dấu chấm hoặc gạch ngang, ví dụ lan.vhxh.")
    if role not in ROLES:
        raise AccountError(f"Không có vai trò '{role}'.",
                           hint="chọn một trong: " + "; ".join(f"{k} – {v}" for k, v in ROLES.items()) + ".")
    if not full_name.strip() or not title.strip():
        raise AccountError("Cần ghi họ tên và chức vụ của người dùng.",
                           hint="họ tên và chức vụ được ghi vào nhật ký duyệt, ví dụ họ tên "
                                "«Trần Văn Bình», chức vụ «Phó Chủ tịch UBND xã».")
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise AccountError(f"Địa chỉ thư '{email}' không hợp lệ.", hint="ví dụ: binh.pct@anlac.thanhhoa.gov.vn.")
    _check_password(password)
    account = Account(username, full_name.strip(), title.strip(), role, _hasher().hash(password), False, email)
    Store(station_dir).add_account(account)
    return account


def set_password(station_dir: Path, username: str, password: str) -> None:
    """A new password ends every session of the account: a cookie copied by someone who
    knew the old password stops working."""
    _check_password(password)
    store = Store(station_dir)
    if not store.update_account(username, password_hash=_hasher().hash(password)):
        raise AccountError(f"Không có tài khoản '{username}'.", hint="xem danh sách bằng 'radio users list'.")
    store.revoke_sessions(username=username)


def set_disabled(station_dir: Path, username: str, disabled: bool) -> None:
    store = Store(station_dir)
    if not store.update_account(username, disabled=disabled):
        raise AccountError(f"Không có tài khoản '{username}'.", hint="xem danh sách bằng 'radio users list'.")
    if disabled:
        store.revoke_sessions(username=username)


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.",
                           hint="dùng một câu dễ nhớ với người dùng nhưng khó đoán với người khác.")


def backoff(failures: int) -> timedelta:
    """How long a client waits after its latest wrong password, given how many it made."""
    if failures < FREE_TRIES:
        return timedelta(0)
    return min(LOCK_FOR, FIRST_WAIT * 2 ** (failures - FREE_TRIES))


def _refusal(store: Store, username: str, client: str, now: datetime) -> str | None:
    """Why this client may not try now, or ``None``. Attempts refused here are not counted,
    so waiting as told is enough."""
    failures = store.login_failures(None, now - CLIENT_WINDOW, client=client)
    wait = backoff(failures)
    if wait and store.login_failures(None, now - wait, client=client):
        return (f"Đăng nhập sai nhiều lần từ máy này ({failures} lần): hãy chờ {_duration(wait)} "
                "kể từ lần sai gần nhất rồi thử lại.")
    if (store.login_failures(username, now - ACCOUNT_WINDOW) >= ACCOUNT_ALARM
            and store.login_failures(username, now - CLIENT_WINDOW, client=client) >= GUARDED_TRIES):
        return ("Tài khoản này đang bị dò mật khẩu từ nhiều nơi nên máy này tạm không được thử tiếp. "
                "Hãy đăng nhập từ máy khác hoặc báo người quản trị.")
    return None


def _duration(wait: timedelta) -> str:
    seconds = int(wait.total_seconds())
    return f"{seconds} giây" if seconds < 60 else f"{math.ceil(seconds / 60)} phút"


def log_in(station_dir: Path, username: str, password: str, *, client: str,
           now: datetime | None = None) -> Login:
    """The account if the password is right. ``client`` names the machine asking (its
    address); the throttle described above decides whether it may try at all."""
    from argon2.exceptions import InvalidHashError, VerificationError

    now = now or datetime.now(timezone.utc)
    store = Store(station_dir)
    refusal = _refusal(store, username, client, now)
    if refusal:
        return Login(None, refusal)
    account = store.account(username)
    try:
        good = _hasher().verify(account.password_hash if account else _stand_in_hash(), password)
        good = good and account is not None
    except (VerificationError, InvalidHashError):
        good = False
    if not good:
        store.record_login(username, success=False, client=client)
        return Login(None, "Sai tên đăng nhập hoặc mật khẩu.")
    if account.disabled:
        return Login(None, "Tài khoản này đã bị khóa; hãy liên hệ người quản trị.")
    store.record_login(username, success=True, client=client)
    return Login(account, None)
