"""manifest.json: what a produced programme is, read and written in one place.

The pipeline writes it; approval, review, schedule, player and reports read it through
``read``, which validates it once and returns ``None`` for a file that is missing, cut
short or hand-edited beyond use, so no stage meets a KeyError at airing time. Unknown
keys are kept (older and newer versions of the tool add fields).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from radio.fileio import write_json


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class AudioRecord(_Record):
    path: str
    duration_s: float
    sha256: str | None = None
    # The audio frames without tags: what an approval is bound to.
    audio_sha256: str | None = None


class ReadBy(_Record):
    """A person's recording in place of the engine's voice (radio/record.py)."""
    name: str
    recorded_at: str
    sha256: str
    #: Recorded from an earlier text of the segment; used by the officer's choice.
    stale: bool = False


class SegmentRecord(_Record):
    id: str
    kind: str
    title: str
    start_s: float
    duration_s: float
    read_by: ReadBy | None = None


class Manifest(_Record):
    title: str
    script_sha256: str
    audio: AudioRecord
    month: str | None = None
    station: str | None = None
    segments: list[SegmentRecord] = []
    approval: dict[str, Any] | None = None
    production_key: str | None = None

    @property
    def read_by_people(self) -> list[SegmentRecord]:
        """The segments a person read, in programme order."""
        return [s for s in self.segments if s.read_by is not None]

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)


def read(path: Path) -> Manifest | None:
    try:
        return Manifest.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None


def write(path: Path, manifest: Manifest | dict) -> None:
    write_json(path, manifest.as_dict() if isinstance(manifest, Manifest) else manifest)
