"""manifest.json: what a produced programme is, declared, read and written in one place.

The pipeline builds a ``Manifest``; approval writes the approval into it; review, schedule,
player, publish, reports and the command line read it through ``read``, which validates it
once and returns ``None`` for a file that is missing, cut short or hand-edited beyond use,
so no stage meets a KeyError at airing time. Every field the tool writes is declared here,
so a reader uses attributes, never string keys. Unknown keys are kept (older and newer
versions of the tool add fields), and every field a former version may have left out has
a default, so a programme approved under it still airs.
"""
from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from radio.fileio import write_bytes


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class FileRecord(_Record):
    path: str
    sha256: str | None = None


class AudioRecord(FileRecord):
    duration_s: float
    # The audio frames without tags: what an approval is bound to.
    audio_sha256: str | None = None
    # Measured on the encoded file (ffmpeg's ebur128), not on the buffer before it.
    integrated_lufs: float | None = None
    loudness_range_lu: float | None = None
    true_peak_dbtp: float | None = None
    sample_peak_dbfs: float | None = None
    sample_rate: int | None = None
    channels: int = 1
    bitrate_kbps: int | None = None
    preset: str | None = None
    target_lufs: float | None = None
    true_peak_limit_dbtp: float | None = None
    highpass_hz: float | None = None
    wav: FileRecord | None = None
    measured_by: str | None = None

    def files(self) -> list[FileRecord]:
        """The files the programme consists of (the MP3, and the WAV when one is made)."""
        return [self, *([self.wav] if self.wav else [])]


class ReadBy(_Record):
    """A person's recording in place of the engine's voice (radio/record.py)."""
    name: str
    recorded_at: str
    sha256: str
    #: Recorded from an earlier text of the segment; used by the officer's choice.
    stale: bool = False


class Fallback(_Record):
    """An engine of the station's chain that did not speak a segment, and why."""
    engine: str
    reason: str


class SegmentSpeech(_Record):
    engine: str
    voice: str
    fallback_from: list[Fallback] = []


class SegmentRecord(_Record):
    id: str
    kind: str
    title: str
    start_s: float
    duration_s: float
    bed: bool = False
    # Short parts (a 2 s intro) are below BS.1770's gating and have no loudness.
    integrated_lufs: float | None = None
    #: None for music (intro, outro).
    speech: SegmentSpeech | None = None
    read_by: ReadBy | None = None


class EngineRecord(_Record):
    """The first engine and voice heard, and every "engine:voice" used, in order."""
    name: str
    voice: str
    used: list[str] = []


class ClipCounts(_Record):
    synthesized: int = 0
    reused: int = 0

    @property
    def total(self) -> int:
        return self.synthesized + self.reused


class ApprovalRecord(_Record):
    """The approval the programme airs under, as written into its tags."""
    by: str
    role: str | None = None
    at: str | None = None
    note: str | None = None
    script_sha256: str | None = None
    audio_sha256: str | None = None


class Manifest(_Record):
    title: str
    script_sha256: str
    audio: AudioRecord
    month: str | None = None
    station: str | None = None
    station_name: str | None = None
    produced_at: str | None = None
    radio_version: str | None = None
    engine: EngineRecord | None = None
    segments: list[SegmentRecord] = []
    clips: ClipCounts = Field(default_factory=ClipCounts)
    approval: ApprovalRecord | None = None
    #: Everything the audio depends on (script, clips, settings): same key, same file.
    production_key: str | None = None
    #: What the officer controls, known before any sentence is read: same key, nothing to do.
    #: None when a fallback engine spoke, so the intended voice is tried again next time.
    input_key: str | None = None
    #: The cache files of the synthesized clips, kept young while the programme is reused.
    clip_files: list[str] = []
    #: This production kept the programme file made before.
    output_reused: bool = False

    @property
    def read_by_people(self) -> list[SegmentRecord]:
        """The segments a person read, in programme order."""
        return [s for s in self.segments if s.read_by is not None]

    def reused(self, clips: ClipCounts) -> Manifest:
        """This programme kept by a new production whose clips came as ``clips``."""
        return self.model_copy(update={"clips": clips, "output_reused": True})

    def approved(self, approval: ApprovalRecord, file_sha256: str) -> Manifest:
        """The manifest of the working file once ``approval`` is written into its tags
        (which changes the file's sha256, not the hash of its audio frames)."""
        return self.model_copy(update={"approval": approval, "audio": self.audio.model_copy(
            update={"sha256": file_sha256})})

    def pinned(self, path: str, sha256: str) -> Manifest:
        """The manifest of the approved version pinned as ``path`` (the MP3 alone)."""
        return self.model_copy(update={"audio": self.audio.model_copy(
            update={"path": path, "sha256": sha256, "wav": None})})


def read(path: Path) -> Manifest | None:
    try:
        return Manifest.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None


def encoded(manifest: Manifest) -> bytes:
    """The bytes of manifest.json (for a writer that stages files, like approval)."""
    data = manifest.model_dump(mode="json")
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write(path: Path, manifest: Manifest) -> None:
    write_bytes(path, encoded(manifest))
