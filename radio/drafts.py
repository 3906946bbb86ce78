"""Drafts: composing again never destroys work.

A month's script is the source of truth once a person has edited or approved it, so
``compose`` writes over it only when nothing would be lost: the script is exactly what
compose last wrote (its hash is kept in ``.cache/composed/<month>.json``) and is not the
approved one. Otherwise compose refuses (``DraftKept``) and says how to make a new draft;
a new draft keeps the old script as a dated copy beside it and warns that the month's
scheduled airings stop until the new script is approved.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from radio.approval import standing_approval
from radio.clock import VIETNAM, shown
from radio.config import load_model
from radio.errors import ConfigError, RadioError
from radio.fileio import write_bytes, write_json
from radio.models import Script
from radio.station import MonthFiles
from radio.store import ReviewEvent, Store

RECORDS = Path(".cache") / "composed"


@dataclass(frozen=True)
class AtStake:
    """What writing a new script over the month's current one would lose or stop."""
    month: str
    script: Path
    approval: ReviewEvent | None  # the standing approval of exactly the current script
    edited: bool  # the script differs from what compose last wrote
    unknown: bool  # no record of what compose wrote (made by hand, or by an older version)
    airings: int  # queued airings of the month that have not aired yet

    @property
    def anything(self) -> bool:
        return self.approval is not None or self.edited

    def reasons(self) -> str:
        said = []
        if self.approval is not None:
            said.append(f"đã được {self.approval.by_name} ({self.approval.role}) duyệt lúc {shown(self.approval.at)}")
        if self.unknown:
            said.append("không rõ đã được sửa tay hay chưa (không có ghi chép của lần soạn trước)")
        elif self.edited:
            said.append("đã được sửa tay sau lần soạn trước")
        return " và ".join(said)

    def airings_stop(self) -> str | None:
        if self.approval is None or not self.airings:
            return None
        return (f"Tháng {self.month} có {self.airings} lượt phát đã xếp lịch mà chưa phát: một kịch bản mới "
                "làm các lượt phát này dừng cho đến khi lãnh đạo duyệt lại.")


class DraftKept(RadioError):
    """Composing would overwrite an approved or hand-edited script; nothing was written."""

    def __init__(self, stake: AtStake) -> None:
        self.stake = stake
        stop = stake.airings_stop()
        super().__init__(
            f"Không soạn lại tháng {stake.month}: kịch bản {stake.script} {stake.reasons()}; soạn lại sẽ "
            f"ghi đè lên nó nên phần mềm giữ nguyên." + (f" {stop}" if stop else ""),
            hint=f"để soạn bản nháp mới, chạy 'radio compose {stake.month} --new-draft': kịch bản hiện tại "
                 f"được giữ lại thành bản sao ghi ngày giờ bên cạnh nó (ví dụ "
                 f"{stake.script.parent.name}/{stake.month}.ban-cu-NGÀY-GIỜ.yaml) và bản mới chờ duyệt.")


def write_script(station_dir: Path, station_id: str, month: str, text: str, *,
                 new_draft: bool = False) -> list[str]:
    """Write a freshly composed script over the month's current one, if nothing is lost;
    with ``new_draft``, after keeping the current one as a dated copy. Returns what the
    user should be told (the copy, airings that stop)."""
    files = MonthFiles(station_dir, station_id, month)
    data = text.encode("utf-8")
    old = files.script.read_bytes() if files.script.exists() else None
    notes: list[str] = []
    if old is not None and old != data:
        stake = at_stake(files, old)
        if stake.anything:
            if not new_draft:
                raise DraftKept(stake)
            copy = keep_copy(files.script, old)
            notes.append(f"Kịch bản cũ được giữ lại ở {copy}; kịch bản mới là bản nháp chờ duyệt.")
            if stop := stake.airings_stop():
                notes.append(stop)
    if old != data:
        write_bytes(files.script, data)
    _remember(station_dir, month, data)
    return notes


def at_stake(files: MonthFiles, current: bytes) -> AtStake:
    """What the month's current script (``current``, its bytes) stands for. The database is
    read: if it cannot be, that is an error, never "not approved"."""
    recorded = _recorded(files.station_dir, files.month)
    store = Store(files.station_dir, readonly=True)
    approval = standing_approval(store, files.month)
    if approval is not None and approval.script_sha256 != _content_hash(files.script):
        approval = None  # edited since: the approval no longer covers this script
    airings = 0
    if approval is not None:
        logged = store.logged_airing_ids()
        airings = sum(1 for a in store.queued(programme=files.key) if a.id not in logged)
    return AtStake(month=files.month, script=files.script, approval=approval,
                   edited=recorded != _sha256(current), unknown=recorded is None, airings=airings)


def keep_copy(script: Path, data: bytes) -> Path:
    """A dated copy beside the script (never overwriting an earlier copy)."""
    stamp = datetime.now(VIETNAM).strftime("%Y%m%d-%H%M%S")
    copy = script.with_name(f"{script.stem}.ban-cu-{stamp}.yaml")
    number = 2
    while copy.exists():
        copy = script.with_name(f"{script.stem}.ban-cu-{stamp}-{number}.yaml")
        number += 1
    write_bytes(copy, data)
    return copy


def _content_hash(script: Path) -> str | None:
    try:
        return load_model(script, Script).content_hash()
    except ConfigError:  # a broken hand edit: it cannot be what was approved
        return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record(station_dir: Path, month: str) -> Path:
    return Path(station_dir) / RECORDS / f"{month}.json"


def _recorded(station_dir: Path, month: str) -> str | None:
    try:
        return json.loads(_record(station_dir, month).read_text(encoding="utf-8"))["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(station_dir: Path, month: str, data: bytes) -> None:
    write_json(_record(station_dir, month), {"sha256": _sha256(data),
                                             "at": datetime.now(VIETNAM).isoformat(timespec="seconds")})
