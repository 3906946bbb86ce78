"""Telling the leader: when a programme has been produced and waits for approval, every
leader account with an e-mail address gets a short letter with the link to its review.

Mail is a courtesy, never a gate: a mail server that is down or refuses is said to the
officer in one sentence, and the production stands.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from radio.approval import status
from radio.clock import shown_day
from radio.display import minutes
from radio.errors import RadioError
from radio.station import MonthFiles, load_station
from radio.store import Store

TIMEOUT_S = 10


def tell_leaders(station_dir: Path, month: str) -> str | None:
    """Mail the leaders that ``month`` waits for them, once it does; what to tell the officer."""
    station = load_station(station_dir)
    if station.smtp is None:
        return None
    files = MonthFiles(station_dir, station.id, month)
    store = Store(station_dir)
    state = status(files, store)
    if state.state != "in_review" or state.audio is None:
        return None
    leaders = [a for a in store.accounts() if a.role in ("leader", "admin") and a.email and not a.disabled]
    if not leaders:
        return None
    try:
        _send(station, station_dir, [_letter(station, month, state.audio[0], a) for a in leaders])
    except (OSError, smtplib.SMTPException, RadioError) as exc:
        reason = exc.message if isinstance(exc, RadioError) else (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
        return (f"Chưa gửi được thư báo lãnh đạo ({reason}); chương trình vẫn đã sản xuất xong. "
                "Hãy báo lãnh đạo vào duyệt, và kiểm tra mục smtp: trong station.yaml.")
    return f"Đã gửi thư báo chương trình chờ duyệt tới {', '.join(a.full_name for a in leaders)}."


def _letter(station, month: str, manifest, leader) -> EmailMessage:
    shown_month = shown_day(month)
    letter = EmailMessage()
    letter["From"] = station.smtp.sender
    letter["To"] = leader.email
    letter["Subject"] = f"Chương trình tháng {shown_month} chờ duyệt — {station.name}"
    link = (f"{station.smtp.studio_url.rstrip('/')}/s/{station.id}/m/{month}/review"
            if station.smtp.studio_url else None)
    lines = [f"Kính gửi {leader.title} {leader.full_name},", "",
             f"{manifest.title} ({minutes(manifest.audio.duration_s)}) đã sản xuất xong và chờ đồng chí "
             "đọc, nghe và duyệt trước khi phát.",
             *([f"Mở bản duyệt: {link}"] if link else ["Mở phòng thu của đài, mục tháng này, để duyệt."]),
             "", f"{station.name}"]
    letter.set_content("\n".join(lines))
    return letter


def _send(station, station_dir: Path, letters: list[EmailMessage]) -> None:
    settings = station.smtp
    with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_S) as server:
        if settings.starttls:
            server.starttls()
        if settings.username:
            server.login(settings.username, _password(station_dir, settings.password_file))
        for letter in letters:
            server.send_message(letter)


def _password(station_dir: Path, name: str | None) -> str:
    if not name:
        raise RadioError("Mục smtp: có username nhưng thiếu password_file.",
                         hint="ghi mật khẩu vào một tệp riêng và đặt password_file: tên tệp đó.")
    try:
        return (Path(station_dir) / name).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise RadioError(f"Không đọc được tệp mật khẩu thư {name} ({exc.strerror}).",
                         hint="kiểm tra tên tệp ở password_file: trong mục smtp: của station.yaml.") from None
