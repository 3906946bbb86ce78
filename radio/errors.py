"""The one exception family of the project.

A ``RadioError``'s text is shown to the user verbatim by the CLI, so it is written in
Vietnamese for a culture officer: what went wrong, where (file and line when there is
one), the probable cause and what to do next.
"""
from __future__ import annotations

from pathlib import Path


class RadioError(Exception):
    """Base class: ``str(error)`` is the complete message for the user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        if self.hint:
            return f"{self.message}\n→ Cách xử lý: {self.hint}"
        return self.message


def where(path: Path | str, line: int | None = None, column: int | None = None) -> str:
    """Location prefix used in every message about a user file."""
    if not line:
        return f"Tệp {path}"
    return f"Tệp {path}, dòng {line}, cột {column}" if column else f"Tệp {path}, dòng {line}"


class ConfigError(RadioError):
    """A station file, month brief or script cannot be read or is invalid."""

    def __init__(self, path: Path | str, problem: str, *, line: int | None = None,
                 column: int | None = None, hint: str | None = None) -> None:
        self.path = Path(path)
        self.line = line
        super().__init__(f"{where(path, line, column)}: {problem}", hint=hint)


class TemplateError(RadioError):
    """A segment template is missing or cannot be rendered."""


class SpeechError(RadioError):
    """A speech engine is unavailable or failed to synthesize."""


class AudioError(RadioError):
    """An audio file cannot be decoded, mixed, mastered or written."""


class OutputError(RadioError):
    """A file could not be written (disk full, no permission, ...)."""
