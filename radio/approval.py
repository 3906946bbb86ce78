"""Approval: the reviewer's decision, bound to what will be heard, and the gate before airing.

An approval records the script's content hash and, when the programme has been produced,
the hash of its audio frames (the MP3 without its ID3 tags, so writing the approval into
the tags does not change what was approved). Anything changed after approval — one word of
the script, the MP3 swapped for another file of the same name — makes the month "changed
since approval", and ``require_airable`` refuses it with a message saying what changed.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from radio.audio.identity import audio_sha256
from radio.clock import shown
from radio.config import load_model
from radio.errors import OutputError, RadioError
from radio.fileio import Staged, folder_lock, recover_staged, sha256_file
from radio.models import Script
from radio import manifest as manifest_file
from radio.manifest import ApprovalRecord, Manifest
from radio.programme import ProgrammeKey
from radio.station import MonthFiles, ProgrammeFiles
from radio.store import ReviewEvent, Store, now_iso


class ApprovalError(RadioError):
    """The month cannot air (or be approved) as it stands."""


@dataclass
class Status:
    programme: ProgrammeKey
    composed: bool
    produced: bool  # a programme made from the current script exists
    state: str  # draft | in_review | rejected | approved | changed
    detail: str  # one Vietnamese sentence for the officer
    approval: ReviewEvent | None = None
    # What was looked at, so the airing gate need not read and hash it all again.
    audio: tuple[Manifest, str] | None = None  # manifest and audio hash of the current programme
    expected_audio_sha256: str | None = None
    # The approved version that airs: its MP3 and manifest (pinned under versions/).
    airs: tuple[Path, Manifest] | None = None


STATE_LABELS = {
    "draft": "bản nháp (chưa có kịch bản)",
    "in_review": "chờ duyệt",
    "rejected": "bị trả lại",
    "approved": "đã duyệt",
    "changed": "đã thay đổi sau khi duyệt",
}
VERSIONS = "versions"


def script_hash(files: ProgrammeFiles) -> str | None:
    """The hash of what will be heard, as the programme's own files declare it."""
    return files.content_sha256()


def read_manifest(files: ProgrammeFiles) -> Manifest | None:
    return manifest_file.read(files.manifest)


def current_audio(files: ProgrammeFiles, script_sha: str | None,
                  hash_audio: Callable[[Path], str] = audio_sha256) -> tuple[Manifest, str] | None:
    """The produced programme of the current script and its audio hash, if there is one."""
    manifest = read_manifest(files)
    if manifest is None or script_sha is None or manifest.script_sha256 != script_sha:
        return None
    mp3 = files.programme / manifest.audio.path
    if not mp3.exists():
        return None
    return manifest, hash_audio(mp3)


def version_paths(programme: Path, audio_sha: str) -> tuple[Path, Path]:
    """Where the approved version with this audio lives, never to be overwritten."""
    stem = programme / VERSIONS / audio_sha[:16]
    return stem.with_suffix(".mp3"), stem.with_suffix(".json")


def approved_version(files: ProgrammeFiles, audio_sha: str, audio: tuple[Manifest, str] | None,
                     hash_audio: Callable[[Path], str] = audio_sha256) -> tuple[Path, Manifest] | None:
    """The approved audio as it will air: the pinned version, intact; or, for an approval
    given before versions were pinned, the working programme if it still has that audio."""
    mp3, manifest_path = version_paths(files.programme, audio_sha)
    if manifest_path.exists() or mp3.exists():  # pinned: only the pinned files count
        manifest = manifest_file.read(manifest_path)
        intact = manifest is not None and mp3.exists() and hash_audio(mp3) == audio_sha
        return (mp3, manifest) if intact else None
    if audio is not None and audio[1] == audio_sha:
        return files.programme / audio[0].audio.path, audio[0]
    return None


def _decisions(events: list[ReviewEvent]) -> list[ReviewEvent]:
    return [e for e in events if e.action in ("approve", "reject")]


def standing_approval(store: Store, programme: ProgrammeKey | str) -> ReviewEvent | None:
    """The programme's approval if the last decision on it was to approve (a later rejection
    withdraws it). Reports and status both ask this; nothing else decides it."""
    decisions = _decisions(store.review_events(programme))
    return decisions[-1] if decisions and decisions[-1].action == "approve" else None


def expected_audio(events: list[ReviewEvent], approval: ReviewEvent) -> str | None:
    """The one audio the approval covers: bound at approval, or by the first production
    of the approved script after it. Later productions need an approval of their own."""
    if approval.audio_sha256:
        return approval.audio_sha256
    later = [e for e in events if e.action == "produce" and (e.id or 0) > (approval.id or 0)
             and e.script_sha256 == approval.script_sha256]
    return later[0].audio_sha256 if later else None


def status(files: ProgrammeFiles, store: Store,
           hash_audio: Callable[[Path], str] = audio_sha256) -> Status:
    """Where the programme stands. ``hash_audio`` may remember hashes (``RememberedHashes``):
    status only shows; what airs is checked in full by ``require_airable``."""
    script_sha = script_hash(files)
    audio = current_audio(files, script_sha, hash_audio)
    events = store.review_events(files.key)
    decisions = _decisions(events)
    base = dict(programme=files.key, composed=script_sha is not None, produced=audio is not None,
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
    who = f"{last.by_name} ({last.role}) duyệt lúc {shown(last.at)}."
    wanted = expected_audio(events, last)
    if wanted is None:
        return Status(**base, state="approved", approval=last,
                      detail=f"{who} Lần sản xuất tới sẽ được gắn với lần duyệt này.")
    airs = approved_version(files, wanted, audio, hash_audio)
    if airs is None:
        return Status(**base, state="changed", approval=last, expected_audio_sha256=wanted,
                      detail="Tệp âm thanh đã duyệt không còn nguyên (đã bị thay, sửa hoặc xoá).")
    newer = (f" Bản sản xuất mới hơn ({audio[1][:12]}) chờ duyệt; lượt phát vẫn dùng bản đã duyệt."
             if audio is not None and audio[1] != wanted else "")
    return Status(**base, state="approved", approval=last, expected_audio_sha256=wanted, airs=airs,
                  detail=f"{who} Bản phát: {wanted[:12]}.{newer}")


def statuses(months: list[MonthFiles], store: Store) -> list[Status]:
    """Status of several months for display, with audio hashes remembered between runs."""
    from radio.audio.identity import RememberedHashes

    if not months:
        return []
    hashes = RememberedHashes(months[0].station_dir / ".cache" / "audio-ids.json")
    found = [status(files, store, hashes) for files in months]
    hashes.save()
    return found


def approve(files: MonthFiles, store: Store, by: str, role: str, note: str | None) -> ReviewEvent:
    script_sha = script_hash(files)
    if script_sha is None:
        raise ApprovalError(f"Tháng {files.month} chưa có kịch bản để duyệt.",
                            hint=f"chạy 'radio compose {files.month}' trước.")
    _refuse_sample_data(files)
    # Under the production's lock: an approval and a production never stage files in the
    # same folder at once, and what a killed approval left behind is put right first.
    with folder_lock(files.programme):
        for folder in (files.programme, files.programme / VERSIONS):
            recover_staged(folder)
        audio = current_audio(files, script_sha)
        event = ReviewEvent(programme=files.key, action="approve", at=now_iso(), by_name=by, role=role,
                            note=note, script_sha256=script_sha, audio_sha256=audio[1] if audio else None)
        if audio is None:
            return store.add_review_event(event)  # an intent: the next production is bound to it
        return record_with_version(store, event, files.programme, audio[0], event)


def _refuse_sample_data(files: MonthFiles) -> None:
    """Nothing of the sample station (its hotline, names, invented figures) nor a blank left
    unfilled is approved to air on a real station; the segments that hold them are named."""
    from radio.station import load_station, segment_sample_traces

    if load_station(files.station_dir).sample:
        return
    found = segment_sample_traces(load_model(files.script, Script))
    if found:
        listed = "; ".join(f"đoạn {segment_id}: «{trace}»" for segment_id, trace in found)
        raise ApprovalError(f"Kịch bản tháng {files.month} còn dữ liệu của đài mẫu hoặc chỗ trống chưa điền "
                            f"({listed}); chưa thể duyệt.",
                            hint=f"sửa station.yaml và nội dung tháng, chạy lại 'radio compose {files.month}' "
                                 "(hoặc sửa thẳng kịch bản) rồi duyệt.")


def record_with_version(store: Store, record: ReviewEvent, programme: Path, manifest: Manifest,
                        approval: ReviewEvent) -> ReviewEvent:
    """Record ``record`` (an approval, or the production it binds) together with the pinned
    approved version and the approval in the working file's tags and manifest: all of it,
    or — on a full disk, a permission problem, a failed commit — none of it."""
    staged = _stage_approved(programme, manifest, approval)
    try:
        recorded = store.add_review_event(record, before_commit=lambda _: staged.apply())
    except BaseException:
        staged.undo()
        raise
    staged.commit()
    return recorded


def _stage_approved(programme: Path, manifest: Manifest, approval: ReviewEvent) -> Staged:
    from radio.audio.export import write_approval_tag  # the tagger (mutagen) only when approving

    working = programme / manifest.audio.path
    text = approval_text(approval)
    staged = Staged()
    try:
        audio_sha = manifest.audio.audio_sha256 or audio_sha256(working)
        pinned_mp3, pinned_json = version_paths(programme, audio_sha)
        data = working.read_bytes()
        for target in (working, pinned_mp3):
            staged.stage(target, data)
            write_approval_tag(staged.staged_path(target), text)
        working_manifest = manifest.approved(approval_record(approval),
                                             sha256_file(staged.staged_path(working)))
        pinned_manifest = working_manifest.pinned(pinned_mp3.name, sha256_file(staged.staged_path(pinned_mp3)))
        for target, written in ((programme / "manifest.json", working_manifest), (pinned_json, pinned_manifest)):
            staged.stage(target, manifest_file.encoded(written))
    except OSError as exc:
        staged.discard()
        raise OutputError(f"Không ghi được bản đã duyệt vào {programme} ({exc.strerror or exc}); "
                          "chưa ghi nhận việc duyệt.",
                          hint="giải phóng dung lượng ổ đĩa hoặc kiểm tra quyền ghi rồi duyệt lại.") from None
    except Exception:
        staged.discard()
        raise
    return staged


REASON_NEEDED = "Cần ghi lý do trả lại."


def reject(files: MonthFiles, store: Store, by: str, role: str | None, reason: str) -> ReviewEvent:
    """A rejection tells the officer what to change: without a reason it is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalError(REASON_NEEDED, hint="ghi rõ cần sửa gì để người soạn biết.")
    script_sha = script_hash(files)
    if script_sha is None:
        raise ApprovalError(f"Tháng {files.month} chưa có kịch bản.",
                            hint=f"chạy 'radio compose {files.month}' trước.")
    audio = current_audio(files, script_sha)
    return store.add_review_event(ReviewEvent(
        programme=files.key, action="reject", at=now_iso(), by_name=by, role=role, note=reason,
        script_sha256=script_sha, audio_sha256=audio[1] if audio else None))


def approval_record(event: ReviewEvent) -> ApprovalRecord:
    return ApprovalRecord(by=event.by_name, role=event.role, at=event.at, note=event.note,
                          script_sha256=event.script_sha256, audio_sha256=event.audio_sha256)


def approval_text(event: ReviewEvent) -> str:
    return f"Đã duyệt: {event.by_name} ({event.role}), {shown(event.at)}"


def approval_for_production(store: Store, programme: ProgrammeKey | str, script_sha: str) -> ReviewEvent | None:
    """An approval of exactly this script given before any audio existed, and not yet
    bound: the production about to happen is the one it covers."""
    events = store.review_events(programme)
    decisions = _decisions(events)
    if not decisions or decisions[-1].action != "approve" or decisions[-1].script_sha256 != script_sha:
        return None
    approval = decisions[-1]
    return approval if expected_audio(events, approval) is None else None


def production_event(programme: ProgrammeKey | str, script_sha: str, audio_sha: str,
                     binds: ReviewEvent | None = None) -> ReviewEvent:
    note = f"Gắn với lần duyệt số {binds.id} của {binds.by_name}." if binds else None
    return ReviewEvent(programme=ProgrammeKey.of(programme), action="produce", at=now_iso(), by_name=None, role=None, note=note,
                       script_sha256=script_sha, audio_sha256=audio_sha)


@dataclass(frozen=True)
class Airable:
    mp3: Path
    manifest: Manifest
    approval: ReviewEvent
    audio_sha256: str


def require_airable(files: ProgrammeFiles, store: Store,
                    hash_audio: Callable[[Path], str] = audio_sha256) -> Airable:
    """The approved version of the programme, exactly as approved — or a clear refusal.
    ``hash_audio`` hashes in full (the player passes the hash of the bytes it already read)."""
    current = status(files, store, hash_audio)
    key, named = files.key, files.key.label()
    approve_hint = (f"mở bản duyệt ('radio review {key}'), người duyệt đọc/nghe lại "
                    f"rồi chạy 'radio approve {key} --by \"HỌ TÊN\" --role \"CHỨC VỤ\"'."
                    if key.is_month else
                    f"người duyệt nghe lại ('radio bulletin show {key.id}') rồi chạy "
                    f"'radio bulletin approve {key.id} --by \"HỌ TÊN\" --role \"CHỨC VỤ\"'.")
    if current.state == "draft" and not key.is_month:
        raise ApprovalError(f"Không có tệp của {named} ({files.script.name}).",
                            hint="xem các bản tin bằng 'radio bulletin list'; gỡ lượt phát này nếu bản tin đã bị xoá.")
    if current.state == "draft":
        raise ApprovalError(f"{named[0].upper()}{named[1:]} chưa có kịch bản nên chưa thể xếp lịch phát.",
                            hint=f"chạy 'radio compose {key}'.")
    if current.state in ("in_review", "rejected", "changed"):
        raise ApprovalError(f"Chương trình {named} chưa được phép phát: "
                            f"{STATE_LABELS[current.state]}. {current.detail}", hint=approve_hint)
    if current.airs is None:
        raise ApprovalError(f"Chương trình {named} đã duyệt nhưng chưa có tệp âm "
                            "thanh làm từ đúng kịch bản đã duyệt.",
                            hint=f"chạy 'radio produce {key}'.")
    mp3, manifest = current.airs
    return Airable(mp3, manifest, current.approval, current.expected_audio_sha256)


def history(files: ProgrammeFiles, store: Store) -> list[ReviewEvent]:
    return store.review_events(files.key)


def known_months(station_dir: Path) -> list[str]:
    """Every month with a brief or a script, in order."""
    names = {p.stem for folder in ("months", "scripts") for p in (station_dir / folder).glob("*.yaml")}
    return sorted(n for n in names if re.fullmatch(r"\d{4}-\d{2}", n))
