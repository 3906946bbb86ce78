"""A station's working folder: where its profile, month briefs, scripts and programmes live.

Every stage that needs a station folder's paths asks here, so none of them has to import
another stage for it (compose, workspace and pipeline used to import each other in a loop).
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from radio.config import load_model
from radio.models import Station
from radio.paths import programme_dir, station_output

SAMPLE_STATION = "an-lac"
SAMPLE_MONTH = "2026-12"


def sample_station_dir() -> Path:
    return Path(str(resources.files("radio").joinpath("samples", SAMPLE_STATION)))


def load_station(station_dir: Path) -> Station:
    return load_model(station_dir / "station.yaml", Station)


@dataclass(frozen=True)
class MonthFiles:
    """The files of one month of one station."""
    station_dir: Path
    station_id: str
    month: str

    @property
    def brief(self) -> Path:
        return self.station_dir / "months" / f"{self.month}.yaml"

    @property
    def script(self) -> Path:
        return self.station_dir / "scripts" / f"{self.month}.yaml"

    @property
    def programme(self) -> Path:
        return programme_dir(station_output(self.station_dir), self.station_id, self.month)

    @property
    def manifest(self) -> Path:
        return self.programme / "manifest.json"
