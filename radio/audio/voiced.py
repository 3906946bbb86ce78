"""What the mixer takes of the spoken programme: its segments' clips in order, and where a
paragraph ends (a longer pause follows). The synthesis stage's ``SpokenScript`` has this
shape; the mixer names only the shape, so audio/ never imports speech/ (speech/ imports
audio/ffmpeg, and an arrow back would make the two one tangle)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydub import AudioSegment


class VoicedSentence(Protocol):
    @property
    def audio(self) -> AudioSegment | None: ...

    @property
    def paragraph_end(self) -> bool: ...


class VoicedSegment(Protocol):
    @property
    def sentences(self) -> Sequence[VoicedSentence]: ...

    def drop_audio(self) -> None:
        """Let the clips' audio go (the mixer calls it once the segment is placed)."""


class VoicedScript(Protocol):
    """One entry per script segment, in the script's order."""

    @property
    def segments(self) -> Sequence[VoicedSegment]: ...
