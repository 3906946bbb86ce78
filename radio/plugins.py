"""The one seam through which engines, outputs and exporters join radio.

A plugin, like a Mopidy extension, is an object with a ``name``, an optional ``settings``
model and a ``setup(registry)`` that calls ``registry.add(kind, name, factory)``. Its
settings are the station.yaml section named like the plugin, validated with the same
file-and-line messages as the rest of the file. radio's own engines, outputs and exporters
are plugins too (``DEFAULT_PLUGINS``, as Datasette loads its own features); another package
adds one by an entry point alone::

    [project.entry-points."radio.plugins"]
    vendor = "radio_vendor:plugin"

Factories are called as ``factory(settings, station_dir)``: the owning plugin's section (or
``None`` when it declares none) and the station folder. The kinds:

- ``engine``: returns a speech engine (``radio.speech.engines.Engine``);
- ``output``: returns a player output (``radio.player.outputs.Output``);
- ``exporter``: returns a callable ``(station, station_dir, month, airings) -> list[Path]``
  run whenever a month's schedule changes (calendar, playlists, a vendor's upload file);
- ``importer``: returns a source of inbound bulletins (``radio.importer``: an object whose
  ``deliveries()`` yields ``Delivery`` items of the documented shape), built once per source
  in station.yaml's ``importers: sources:`` with that source's settings as its ``options``.

An output may also be used several times over, once per loudspeaker zone (station.yaml
``zones``: an Icecast mount per cluster, a folder per vendor): ``options``, a pydantic model
given to ``add``, is what one use may set, and the factory then gets that model built from
the plugin's own section overlaid with the zone's settings (``{type: icecast, mount: /dong}``).
A part without ``options`` takes no settings of a zone's.

A factory may be given as ``"module:attribute"`` so a plugin's heavy imports wait until the
part is used; ``about`` (one Vietnamese phrase: "loa của máy tính") is what listings say of the
part, such as the help of ``radio player run --output``. Entry points are read only when a station names something the built-in
plugins do not have: everyday commands pay nothing for them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from pydantic import BaseModel

from radio.errors import RadioError

KINDS = ("engine", "output", "exporter", "importer")
ENTRY_POINT_GROUP = "radio.plugins"
# radio's own parts, registered exactly as an outside plugin would be.
DEFAULT_PLUGINS = (
    "radio.speech.engines:plugin",
    "radio.player.outputs:plugin",
    "radio.player.icecast:plugin",
    "radio.schedule:plugin",
    "radio.publish:plugin",
    "radio.importer:plugin",
)
KIND_NAMES = {"engine": "bộ đọc", "output": "đầu ra", "exporter": "bộ xuất lịch", "importer": "loại nguồn bản tin"}


class PluginError(RadioError):
    """A plugin could not be loaded, or names something no plugin provides."""


class Plugin:
    """Subclass (or instantiate) with a name, optional settings and ``setup``."""

    name: str = ""
    #: The pydantic model of this plugin's station.yaml section, if it has one.
    settings: type[BaseModel] | None = None
    #: One line for listings: what the plugin adds (Vietnamese).
    about: str = ""

    def setup(self, registry: Registry) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Part:
    kind: str
    name: str
    factory: str | Callable[..., Any]
    plugin: Plugin
    about: str = ""
    #: What one use of the part may set (a zone's output); ``None``: nothing.
    options: type[BaseModel] | None = None

    def build(self, settings: Any, station_dir: Any) -> Any:
        factory = self.factory
        if isinstance(factory, str):
            module_name, _, attribute = factory.partition(":")
            factory = getattr(import_module(module_name), attribute)
        return factory(settings, station_dir)


class Registry:
    def __init__(self) -> None:
        self.plugins: dict[str, Plugin] = {}
        self._parts: dict[str, dict[str, Part]] = {kind: {} for kind in KINDS}
        self._current: Plugin | None = None

    def add(self, kind: str, name: str, factory: str | Callable[..., Any], about: str = "",
            options: type[BaseModel] | None = None) -> None:
        """Called from a plugin's ``setup``; the first plugin to claim a name keeps it."""
        if kind not in KINDS:
            raise PluginError(f"Phần mở rộng '{self._current.name if self._current else '?'}' đăng ký "
                              f"loại '{kind}' không có.", hint=f"các loại: {', '.join(KINDS)}.")
        self._parts[kind].setdefault(name, Part(kind, name, factory, self._current, about, options))

    def load(self, plugin: Plugin) -> None:
        if not plugin.name or plugin.name in self.plugins:
            return
        self.plugins[plugin.name] = plugin
        self._current = plugin
        try:
            plugin.setup(self)
        finally:
            self._current = None

    def part(self, kind: str, name: str) -> Part | None:
        return self._parts[kind].get(name)

    def names(self, kind: str) -> list[str]:
        return list(self._parts[kind])


_builtin: Registry | None = None
_everything: Registry | None = None


def _resolve(target: str) -> Plugin:
    module_name, _, attribute = target.partition(":")
    found = getattr(import_module(module_name), attribute)
    return found() if isinstance(found, type) else found


def registry(*, installed: bool = False) -> Registry:
    """radio's own plugins; with ``installed``, also those of other packages."""
    global _builtin, _everything
    if _builtin is None:
        _builtin = Registry()
        for target in DEFAULT_PLUGINS:
            _builtin.load(_resolve(target))
    if not installed:
        return _builtin
    if _everything is None:
        from importlib.metadata import entry_points

        everything = Registry()
        for plugin in _builtin.plugins.values():
            everything.load(plugin)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = ep.load()
            except Exception as exc:  # a broken package must not take the station down
                raise PluginError(f"Không nạp được phần mở rộng '{ep.name}' ({ep.value}): "
                                  f"{type(exc).__name__}: {exc}",
                                  hint="cài lại hoặc gỡ gói chứa phần mở rộng đó.") from None
            everything.load(loaded() if isinstance(loaded, type) else loaded)
        _everything = everything
    return _everything


def find_part(kind: str, name: str) -> Part:
    """The part called ``name``: built-in first, then installed packages."""
    part = registry().part(kind, name)
    if part is None:
        part = registry(installed=True).part(kind, name)
    if part is None:
        known = ", ".join(part_names(kind))
        raise PluginError(f"Không có {KIND_NAMES[kind]} tên '{name}'.", hint=f"dùng một trong: {known}.")
    return part


@dataclass(frozen=True)
class PluginInfo:
    name: str
    about: str
    #: The station.yaml section it reads, if it has settings.
    section: str | None
    parts: dict[str, list[str]]
    builtin: bool


def installed_plugins() -> list[PluginInfo]:
    """Every plugin radio can use here, its own first: what ``radio plugins`` lists."""
    own = registry().plugins
    return [PluginInfo(plugin.name, plugin.about, plugin.name if plugin.settings else None,
                       {kind: [part.name for part in parts(kind) if part.plugin is plugin] for kind in KINDS},
                       plugin.name in own)
            for plugin in registry(installed=True).plugins.values()]


def part_names(kind: str) -> list[str]:
    return registry(installed=True).names(kind)


def parts(kind: str) -> list[Part]:
    """Every part of one kind, radio's own first."""
    everything = registry(installed=True)
    return [everything.part(kind, name) for name in everything.names(kind)]


def plugin_for_section(section: str) -> Plugin | None:
    """The plugin whose settings a top-level station.yaml key holds, if any."""
    plugin = registry().plugins.get(section)
    if plugin is None:
        plugin = registry(installed=True).plugins.get(section)
    return plugin if plugin is not None and plugin.settings is not None else None
