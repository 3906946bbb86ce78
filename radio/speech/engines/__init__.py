"""Speech engines behind one small Protocol, registered through ``radio.plugins``.

The engines shipped here are the built-in ``speech`` plugin, whose settings are the
station's ``speech:`` section; another package adds an engine with a plugin of its own (see
``radio.plugins``). An engine is built as ``Engine(settings, station_dir)``: its plugin's
settings and the station folder (for files such as voice models named relative to it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from radio.errors import SpeechError
from radio.models import SpeechSettings, Station
from radio.plugins import Plugin, PluginError, Registry, find_part, part_names
from radio.station import plugin_settings

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


class SpeechPlugin(Plugin):
    name = "speech"
    settings = SpeechSettings
    about = "các bộ đọc có sẵn: offline (eSpeak NG), gtts (Google), piper (giọng mạng nơ-ron), dummy (thử)"

    def setup(self, registry: Registry) -> None:
        for engine, target, about in (
                ("offline", "offline:OfflineEngine", "eSpeak NG, đọc ngay trên máy, không cần mạng"),
                ("gtts", "gtts:GttsEngine", "Google, cần mạng Internet"),
                ("piper", "piper:PiperEngine", "Piper, giọng mạng nơ-ron, cần cài giọng trước"),
                ("dummy", "dummy:DummyEngine", "giọng thử, chỉ để kiểm tra phần mềm")):
            registry.add("engine", engine, f"radio.speech.engines.{target}", about=about)


plugin = SpeechPlugin()
_instances: dict[tuple[str, str, str], Engine] = {}


def engine_names() -> list[str]:
    return sorted(part_names("engine"))


def get_engine(name: str, settings: SpeechSettings | None = None,
               base_dir: Path | None = None, station: Station | None = None) -> Engine:
    """The engine called ``name``, configured for one station; built once per configuration.
    ``settings`` are the station's ``speech:`` section; an engine from another plugin gets
    that plugin's section of ``station`` instead."""
    try:
        part = find_part("engine", name)
    except PluginError as exc:
        raise SpeechError(f"Không có bộ đọc (engine) tên '{name}'.", hint=exc.hint) from None
    own = settings if part.plugin is plugin and settings else plugin_settings(station, part.plugin)
    cache_key = (name, own.model_dump_json() if own is not None else "", str(base_dir))
    if cache_key not in _instances:
        _instances[cache_key] = part.build(own, base_dir)
    return _instances[cache_key]


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


def engine_statuses(settings: SpeechSettings | None = None, base_dir: Path | None = None,
                    station: Station | None = None) -> list[EngineStatus]:
    """Every registered engine as configured for a station, with whether it can speak now."""
    statuses = []
    for name in engine_names():
        try:
            engine = get_engine(name, settings, base_dir, station)
        except Exception as exc:  # a broken vendor plugin must not hide the others
            statuses.append(EngineStatus(name, "", [], f"không nạp được bộ đọc: {exc}"))
            continue
        reason = engine.unavailable_reason()
        statuses.append(EngineStatus(name, engine.about, engine.voices(), reason))
    return statuses
