"""What the studio's upkeep and voices pages show and accept: the clip cache (``radio cache
stats`` / ``prune``), a republish of every month (``radio publish --all``), the station's voices
and a sample of two of them (``radio voices``). The stages decide; this only reads a form into
their arguments and says their results as the pages do."""
from __future__ import annotations

from pathlib import Path

from radio.display import minutes, number
from radio.errors import RadioError


class UpkeepError(RadioError):
    pass


def _cache(folder: Path):
    from radio.paths import station_output
    from radio.pipeline import clip_cache
    from radio.station import load_station

    return clip_cache(station_output(folder), load_station(folder).id)


def megabytes(size: int) -> str:
    return f"{number(size / 1024 / 1024)} MB"


def cache_stats(folder: Path) -> dict:
    """The cache as the page shows it: per engine, the clips, size and length."""
    stats = _cache(folder).stats()
    rows = [(name, usage.clips, megabytes(usage.bytes), minutes(usage.seconds))
            for name, usage in sorted(stats.engines.items())]
    return {"rows": rows, "clips": stats.clips, "size": megabytes(stats.bytes), "engines": sorted(stats.engines),
            "oldest": number(stats.oldest_unused_days, 0) if stats.oldest_unused_days is not None else None}


def _amount(form: dict, name: str, what: str) -> float | None:
    text = form.get(name, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise UpkeepError(f"Không hiểu {what} '{form[name]}'.", hint="gõ một số, ví dụ 30 hoặc 1,5.") from None
    if value < 0 or value != value:
        raise UpkeepError(f"{what[:1].upper() + what[1:]} không được âm.", hint="gõ một số từ 0 trở lên.")
    return value


def prune_cache(folder: Path, form: dict) -> str:
    """``radio cache prune`` from the page's form: by age (days), by engine, by size (MB);
    the leftovers of stopped productions go too. What was done, as one sentence."""
    from radio.paths import station_output
    from radio.pipeline import clean_programme_folders
    from radio.station import load_station

    older_than = _amount(form, "older_than", "số ngày")
    max_mb = _amount(form, "max_mb", "dung lượng")
    engine = form.get("engine", "").strip() or None
    if older_than is None and engine is None and max_mb is None:
        raise UpkeepError("Chưa chọn cách dọn bộ nhớ đệm.",
                          hint="gõ số ngày không dùng, chọn một bộ đọc, hoặc gõ dung lượng tối đa.")
    result = _cache(folder).prune(older_than_days=older_than, engine=engine,
                                  max_bytes=None if max_mb is None else int(max_mb * 1024 * 1024))
    leftovers = clean_programme_folders(station_output(folder) / load_station(folder).id)
    said = f"Đã xoá {result.removed} câu ({megabytes(result.freed_bytes)}), còn {result.kept} câu."
    if leftovers:
        said += f" Đã xoá tệp tạm của các lần sản xuất bị dừng ({megabytes(leftovers)})."
    return said


def published_words(done) -> str:
    """What ``publish`` did to every month, as the page says it."""
    from radio.studio.forms import month_vi

    said = []
    if done.months:
        said.append("Đã đăng " + ", ".join(month_vi(m) for m in done.months) + ".")
    if done.removed:
        said.append("Đã gỡ " + ", ".join(month_vi(m) for m in done.removed) + " (không còn được phép phát).")
    if not said:
        said.append("Chưa có tháng nào đăng được.")
    said.append(f"Thư mục trang web: {done.site}; chép cả thư mục lên máy chủ web của xã.")
    return " ".join(said)


def voices_context(folder: Path, query) -> dict:
    """The voices page: every engine and its voices, the station's announcers and fallback
    chain, the voices one may pick, and the two samples just made (named in the address)."""
    from radio.speech.engines import engine_statuses
    from radio.speech.listen import COMPARE_SENTENCES, listener_available
    from radio.speech.sample import CLIP_NAME, voice_choices
    from radio.station import load_station

    station = load_station(folder)
    choices = voice_choices(folder)
    values = [c.value for c in choices]
    # The station's own announcers first: the voices an officer most likely weighs.
    own = [v for v in dict.fromkeys(f"{a.engine}:{a.voice}" for a in station.announcers) if v in values]
    ordered = [*own, *[v for v in values if v not in own]]
    pick_a = query.get("a") if query.get("a") in values else (ordered[0] if ordered else "")
    pick_b = query.get("b") if query.get("b") in values else (ordered[1] if len(ordered) > 1 else pick_a)
    clips = [query.get(f"clip{i}", "") for i in range(2)]
    return {"statuses": [s for s in engine_statuses(station.speech, folder, station) if s.name != "dummy"],
            "station": station, "choices": choices, "pick_a": pick_a, "pick_b": pick_b,
            "sentence": query.get("sentence") or COMPARE_SENTENCES[0],
            "samples": [(v, c) for v, c in zip((pick_a, pick_b), clips) if CLIP_NAME.fullmatch(c)],
            "listener": listener_available()}


__all__ = ["UpkeepError", "cache_stats", "prune_cache", "published_words", "voices_context"]
