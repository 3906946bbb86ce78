"""Speech engines behind one small Protocol, found through a registry.

Engines shipped here register themselves below; another package can add one through the
``radio.engines`` entry-point group (like beets plugins or Mopidy backends), e.g.::

    [project.entry-points."radio.engines"]
    vendor = "radio_vendor:VendorEngine"
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from pydub import AudioSegment

from radio.errors import SpeechError


@dataclass(frozen=True)
class Voice:
    id: str
    description: str


@runtime_checkable
class Engine(Protocol):
    name: str
    #: How many requests may run at once; 1 for engines with global state.
    parallel: int
    #: Longest text accepted in one call, in characters.
    max_chars: int

    def version(self) -> str:
        """Part of every cache key: a new engine version re-synthesizes."""

    def voices(self) -> list[Voice]: ...

    def unavailable_reason(self) -> str | None:
        """``None`` when the engine can synthesize on this machine, else why not (Vietnamese)."""

    def synthesize(self, text: str, voice: str, speed: float) -> AudioSegment:
        """Speak ``text`` (already normalized) and return mono audio."""


_BUILTIN = {
    "offline": "radio.speech.engines.offline:OfflineEngine",
    "dummy": "radio.speech.engines.dummy:DummyEngine",
}
_instances: dict[str, Engine] = {}


def _factories() -> dict[str, str | Callable[[], Engine]]:
    found: dict[str, str | Callable[[], Engine]] = dict(_BUILTIN)
    for ep in entry_points(group="radio.engines"):
        found.setdefault(ep.name, ep.value)
    return found


def engine_names() -> list[str]:
    return sorted(_factories())


def get_engine(name: str) -> Engine:
    if name in _instances:
        return _instances[name]
    factories = _factories()
    if name not in factories:
        raise SpeechError(
            f"Không có bộ đọc (engine) tên '{name}'.",
            hint=f"dùng một trong các tên: {', '.join(sorted(factories))}.",
        )
    target = factories[name]
    if isinstance(target, str):
        module_name, _, attr = target.partition(":")
        target = getattr(import_module(module_name), attr)
    engine = target()
    _instances[name] = engine
    return engine
