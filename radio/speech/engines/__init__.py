"""Speech engines behind one small Protocol, found through a registry.

Engines shipped here register themselves below; another package can add one through the
``radio.engines`` entry-point group (like beets plugins or Mopidy backends), e.g.::

    [project.entry-points."radio.engines"]
    vendor = "radio_vendor:VendorEngine"

An engine class is built as ``Engine(settings, base_dir)``: the station's ``speech`` settings
and its folder (for files such as voice models named relative to it).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from radio.errors import SpeechError
from radio.models import SpeechSettings

if TYPE_CHECKING:  # loaded with the first clip: estimates and unchanged productions need neither
    import numpy as np
    from pydub import AudioSegment


@dataclass(frozen=True)
class Voice:
    id: str
    description: str


@runtime_checkable
class Engine(Protocol):
    name: str
    #: One line for ``radio voices``: what the engine is and how to get its voices.
    about: str
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
        """Speak ``text`` (already normalized) at ``speed`` (tempo, not pitch); mono audio.

        Raises ``SpeechError`` when it cannot; production then falls back to the next
        engine of the station's chain."""


_BUILTIN = {
    "offline": "radio.speech.engines.offline:OfflineEngine",
    "gtts": "radio.speech.engines.gtts:GttsEngine",
    "piper": "radio.speech.engines.piper:PiperEngine",
    "dummy": "radio.speech.engines.dummy:DummyEngine",
}
_instances: dict[tuple[str, str, str], Engine] = {}


def _factories() -> dict[str, str | Callable[..., Engine]]:
    found: dict[str, str | Callable[..., Engine]] = dict(_BUILTIN)
    for ep in entry_points(group="radio.engines"):
        found.setdefault(ep.name, ep.value)
    return found


def engine_names() -> list[str]:
    return sorted(_factories())


def get_engine(name: str, settings: SpeechSettings | None = None,
               base_dir: Path | None = None) -> Engine:
    """The engine called ``name``, configured for one station; built once per configuration."""
    settings = settings or SpeechSettings()
    cache_key = (name, settings.model_dump_json(), str(base_dir))
    if cache_key in _instances:
        return _instances[cache_key]
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
    engine = target(settings, base_dir)
    _instances[cache_key] = engine
    return engine


def pcm_segment(samples: np.ndarray, sample_rate: int) -> AudioSegment:
    """Mono 16-bit audio from float samples in [-1, 1], the form every engine returns."""
    import numpy as np
    from pydub import AudioSegment

    pcm = np.clip(np.asarray(samples, dtype=np.float32) * 32767, -32768, 32767).astype(np.int16)
    return AudioSegment(pcm.tobytes(), frame_rate=sample_rate, sample_width=2, channels=1)


@dataclass(frozen=True)
class EngineStatus:
    name: str
    about: str
    voices: list[Voice]
    #: ``None`` when ready, else why not (Vietnamese).
    unavailable: str | None


def engine_statuses(settings: SpeechSettings | None = None,
                    base_dir: Path | None = None) -> list[EngineStatus]:
    """Every registered engine as configured for a station, with whether it can speak now."""
    statuses = []
    for name in engine_names():
        try:
            engine = get_engine(name, settings, base_dir)
        except Exception as exc:  # a broken vendor plugin must not hide the others
            statuses.append(EngineStatus(name, "", [], f"không nạp được bộ đọc: {exc}"))
            continue
        reason = engine.unavailable_reason()
        statuses.append(EngineStatus(name, engine.about, engine.voices(), reason))
    return statuses
