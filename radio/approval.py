"""Approval: the reviewer's decision, bound to what will be heard, and the gate before airing.

An approval records the script's content hash and, when the programme has been produced,
the hash of its audio frames (the MP3 without its ID3 tags, so writing the approval into
the tags does not change what was approved). Anything changed after approval — one word of
the script, the MP3 swapped for another file of the same name — makes the month "changed
since approval", and ``require_airable`` refuses it with a message saying what changed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from radio.audio.export import audio_sha256, write_approval_tag
from radio.clock import shown
from radio.config import load_model
from radio.errors import RadioError
from radio.fileio import sha256_file, write_json
from radio.models import Script
from radio.paths import programme_dir, station_output
from radio.store import ReviewEvent, Store, now_iso


class ApprovalError(RadioError):
    """The month cannot air (or be approved) as it stands."""


@dataclass(frozen=True)
class MonthFiles:
    station_dir: Path
    station_id: str
    month: str

    @property
    def brief(self) -> Path:
        return self.station_dir / "months" / f"{self.month}.yaml"

    @property
    def script(self) -> Path:
        return self.station_dir / "scripts" / f"{self.month}.yaml"

    @property
    def programme(self) -> Path:
        return programme_dir(station_output(self.station_dir), self.station_id, self.month)

    @property
    def manifest(self) -> Path:
        return self.programme / "manifest.json"


@dataclass
class Status:
    month: str
    composed: bool
    produced: bool  # a programme made from the current script exists
    state: str  # draft | in_review | rejected | approved | changed
    detail: str  # one Vietnamese sentence for the officer
    approval: ReviewEvent | None = None
    # What was looked at, so the airing gate need not read and hash it all again.
    audio: tuple[dict, str] | None = None  # manifest and audio hash of the current programme
    expected_audio_sha256: str | None = None


STATE_LABELS = {
    "draft": "bản nháp (chưa có kịch bản)",
    "in_review": "chờ duyệt",
    "rejected": "bị trả lại",
    "approved": "đã duyệt",
    "changed": "đã thay đổi sau khi duyệt",
}


def script_hash(files: MonthFiles) -> str | None:
    if not files.script.exists():
        return None
    return load_model(files.script, Script).content_hash()


def read_manifest(files: MonthFiles) -> dict | None:
    try:
        return json.loads(files.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def current_audio(files: MonthFiles, script_sha: str | None) -> tuple[dict, str] | None:
    """The produced programme of the current script and its audio hash, if there is one."""
    manifest = read_manifest(files)
    if manifest is None or script_sha is None or manifest.get("script_sha256") != script_sha:
        return None
    mp3 = files.programme / manifest["audio"]["path"]
    if not mp3.exists():
        return None
    return manifest, audio_sha256(mp3)


def _decisions(events: list[ReviewEvent]) -> list[ReviewEvent]:
    return [e for e in events if e.action in ("approve", "reject")]


def standing_approval(store: Store, month: str) -> ReviewEvent | None:
    """The month's approval if the last decision on it was to approve (a later rejection
    withdraws it). Reports and status both ask this; nothing else decides it."""
    decisions = _decisions(store.review_events(month))
    return decisions[-1] if decisions and decisions[-1].action == "approve" else None


def expected_audio(events: list[ReviewEvent], approval: ReviewEvent) -> str | None:
    """The audio the approval covers: bound at approval, or made later from the approved
    script (a 'produce' event after it)."""
    if approval.audio_sha256:
        return approval.audio_sha256
    later = [e for e in events if e.action == "produce" and (e.id or 0) > (approval.id or 0)
             and e.script_sha256 == approval.script_sha256]
    return later[-1].audio_sha256 if later else None


def status(files: MonthFiles, store: Store) -> Status:
    script_sha = script_hash(files)
    audio = current_audio(files, script_sha)
    events = store.review_events(files.month)
    decisions = _decisions(events)
    base = dict(month=files.month, composed=script_sha is not None, produced=audio is not None,
                audio=audio)
    if script_sha is None:
        return Status(**base, state="draft", detail="Chưa soạn kịch bản (radio compose).")
    if not decisions:
        return Status(**base, state="in_review", detail="Kịch bản chưa được duyệt.")
    last = decisions[-1]
    if last.action == "reject":
        return Status(**base, state="rejected", approval=last,
                      detail=f"{last.by_name} trả lại lúc {shown(last.at)}: {last.note}")
    if last.script_sha256 != script_sha:
        return Status(**base, state="changed", approval=last,
                      detail=f"Kịch bản đã được sửa sau khi {last.by_name} duyệt lúc {shown(last.at)}.")
    wanted = expected_audio(events, last)
    if audio is not None and wanted is not None and audio[1] != wanted:
        return Status(**base, state="changed", approval=last, expected_audio_sha256=wanted,
                      detail="Tệp âm thanh khác với tệp đã được duyệt (đã bị thay hoặc sửa).")
    return Status(**base, state="approved", approval=last, expected_audio_sha256=wanted,
                  detail=f"{last.by_name} ({last.role}) duyệt lúc {shown(last.at)}.")


def approve(files: MonthFiles, store: Store, by: str, role: str, note: str | None) -> ReviewEvent:
    script_sha = script_hash(files)
    if script_sha is None:
        raise ApprovalError(f"Tháng {files.month} chưa có kịch bản để duyệt.",
                            hint=f"chạy 'radio compose {files.month}' trước.")
    audio = current_audio(files, script_sha)
    event = store.add_review_event(ReviewEvent(
        month=files.month, action="approve", at=now_iso(), by_name=by, role=role, note=note,
        script_sha256=script_sha, audio_sha256=audio[1] if audio else None))
    if audio is not None:
        embed_approval(files, audio[0], event)
    return event


def reject(files: MonthFiles, store: Store, by: str, role: str | None, reason: str) -> ReviewEvent:
    script_sha = script_hash(files)
    if script_sha is None:
        raise ApprovalError(f"Tháng {files.month} chưa có kịch bản.",
                            hint=f"chạy 'radio compose {files.month}' trước.")
    audio = current_audio(files, script_sha)
    return store.add_review_event(ReviewEvent(
        month=files.month, action="reject", at=now_iso(), by_name=by, role=role, note=reason,
        script_sha256=script_sha, audio_sha256=audio[1] if audio else None))


def approval_record(event: ReviewEvent) -> dict:
    return {"by": event.by_name, "role": event.role, "at": event.at, "note": event.note,
            "script_sha256": event.script_sha256, "audio_sha256": event.audio_sha256}


def embed_approval(files: MonthFiles, manifest: dict, event: ReviewEvent) -> None:
    """Write the approval into the MP3's tags and the manifest; the audio frames, and so
    the approved audio hash, stay the same."""
    mp3 = files.programme / manifest["audio"]["path"]
    write_approval_tag(mp3, approval_text(event))
    manifest["approval"] = approval_record(event)
    manifest["audio"]["sha256"] = sha256_file(mp3)
    write_json(files.manifest, manifest)


def approval_text(event: ReviewEvent) -> str:
    return f"Đã duyệt: {event.by_name} ({event.role}), {shown(event.at)}"


def approval_for_production(store: Store, month: str, script_sha: str) -> ReviewEvent | None:
    """The standing approval of exactly this script, if any (producing embeds it)."""
    decisions = _decisions(store.review_events(month))
    if decisions and decisions[-1].action == "approve" and decisions[-1].script_sha256 == script_sha:
        return decisions[-1]
    return None


def record_production(store: Store, month: str, script_sha: str, audio_sha: str) -> None:
    store.add_review_event(ReviewEvent(month=month, action="produce", at=now_iso(), by_name=None,
                                       role=None, note=None, script_sha256=script_sha,
                                       audio_sha256=audio_sha))


@dataclass(frozen=True)
class Airable:
    mp3: Path
    manifest: dict
    approval: ReviewEvent
    audio_sha256: str


def require_airable(files: MonthFiles, store: Store) -> Airable:
    """The approved programme of the month, exactly as approved — or a clear refusal."""
    current = status(files, store)
    approve_hint = (f"mở bản duyệt ('radio review {files.month}'), người duyệt đọc/nghe lại "
                    f"rồi chạy 'radio approve {files.month} --by \"HỌ TÊN\" --role \"CHỨC VỤ\"'.")
    if current.state == "draft":
        raise ApprovalError(f"Tháng {files.month} chưa có kịch bản nên chưa thể xếp lịch phát.",
                            hint=f"chạy 'radio compose {files.month}'.")
    if current.state in ("in_review", "rejected", "changed"):
        raise ApprovalError(f"Chương trình tháng {files.month} chưa được phép phát: "
                            f"{STATE_LABELS[current.state]}. {current.detail}", hint=approve_hint)
    audio = current.audio
    if audio is None:
        raise ApprovalError(f"Chương trình tháng {files.month} đã duyệt nhưng chưa có tệp âm "
                            "thanh làm từ đúng kịch bản đã duyệt.",
                            hint=f"chạy 'radio produce {files.month}'.")
    wanted = current.expected_audio_sha256
    if wanted is None or audio[1] != wanted:
        raise ApprovalError(f"Tệp âm thanh tháng {files.month} không phải tệp đã được duyệt.",
                            hint=approve_hint)
    manifest = audio[0]
    return Airable(files.programme / manifest["audio"]["path"], manifest, current.approval,
                   audio[1])


def history(files: MonthFiles, store: Store) -> list[ReviewEvent]:
    return store.review_events(files.month)


def known_months(station_dir: Path) -> list[str]:
    """Every month with a brief or a script, in order."""
    names = {p.stem for folder in ("months", "scripts") for p in (station_dir / folder).glob("*.yaml")}
    return sorted(n for n in names if re.fullmatch(r"\d{4}-\d{2}", n))
