"""Anchors: each chain's head written down outside the database, and checked against it.

An insider holding radio.db can drop the triggers, change rows and recompute every link
with the project's own hash function; the chains then agree with themselves. What they
cannot change is a head already written elsewhere: the daily file in ``anchors/``, the
line at the foot of every report, ``dau-kiem.json`` on the commune website. ``radio verify``
holds the database against any of them.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from radio.errors import RadioError
from radio.store import Store

# A head as printed: table#last id/row count:first 16 hex digits of its link.
_HEAD = re.compile(r"\b([a-z_]+)#(\d+)/(\d+):([0-9a-f]{16,64})\b")
LABEL = "Dấu kiểm nhật ký"


class AnchorError(RadioError):
    """An anchor that cannot be read."""


def anchor_text(heads: dict[str, dict]) -> str:
    """One line a person can copy from a report or a web page."""
    parts = [f"{table}#{head['id']}/{head['count']}:{head['chain'][:16]}"
             for table, head in heads.items() if head.get("id") and head.get("chain")]
    return f"{LABEL}: {' '.join(parts)}" if parts else ""


def read_anchor(source: str | Path) -> dict:
    """An anchor from a JSON file (``anchors/…``, a site's ``dau-kiem.json``), any text file
    holding the printed line (a report as .md or .html), or the line itself."""
    path = Path(str(source))
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else str(source)
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(f"Không đọc được {source} ({exc}).", hint="chỉ tệp .json, .md, .html hoặc dòng dấu kiểm.") from None
    if path.suffix == ".json" and path.is_file():
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise AnchorError(f"Tệp {source} không phải JSON đọc được ({exc}).",
                              hint="dùng tệp dau-kiem.json hoặc tệp trong thư mục anchors/.") from None
        if isinstance(data, dict) and isinstance(data.get("heads"), dict):
            return data
    heads = {table: {"id": int(last), "count": int(count), "chain": chain}
             for table, last, count, chain in _HEAD.findall(text)}
    if not heads:
        raise AnchorError(f"Không thấy dấu kiểm nào trong {source}.",
                          hint=f"dấu kiểm nằm ở cuối mỗi báo cáo và trang web, bắt đầu bằng '{LABEL}:'.")
    return {"heads": heads}


def verify(station_dir: Path, sources: list[str]) -> list[str]:
    """What does not hold: the chains themselves, the daily anchors, and each source given."""
    store = Store(station_dir, readonly=True)
    problems = [p] if (p := store.broken_record()) else []
    for source in sources:
        in_station = Path(station_dir) / source
        if not Path(source).is_file() and in_station.is_file():
            source = str(in_station)  # a path as the station folder names it (site/dau-kiem.json)
        if why := store.check_anchor(read_anchor(source), f"trong {source}"):
            problems.append(why)
    return problems
