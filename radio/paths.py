"""Where things live: per-user data outside any station folder, and a month's programme."""
from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir() -> Path:
    explicit = os.environ.get("RADIO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "radio"


def programme_dir(out_dir: Path, station_id: str, month: str) -> Path:
    """A month's produced programme: MP3, manifest and the script it was made from."""
    return Path(out_dir) / station_id / month


def station_output(station_dir: Path) -> Path:
    """Where a station's programmes are produced by default; approval, schedule and player
    look for them here."""
    return Path(station_dir) / "audio_out"
