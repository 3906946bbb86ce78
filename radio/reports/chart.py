"""The .png format: the chart of minutes by month and airings by result, drawn once from
the figures; the Word and web formats embed the same picture."""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

from radio.display import number

if TYPE_CHECKING:
    from radio.reports.document import Outline
    from radio.reports.figures import Report


def render(plan: Outline) -> bytes | None:
    """The chart itself; none for a period with no figures (there is nothing to draw)."""
    return plan.chart


def draw(report: Report) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure, (minutes, results) = pyplot.subplots(1, 2, figsize=(9, 3.2), dpi=120)
    months = list(report.minutes_by_month)
    # "T7" rather than "7/2026": twelve labels must fit under a year's bars.
    minutes.bar([f"T{int(m[5:])}" for m in months], list(report.minutes_by_month.values()), color="#2f6690")
    minutes.set_title(f"Số phút phát sóng theo tháng ({months[0][:4]})")
    minutes.set_ylabel("phút")
    minutes.set_ylim(0, max(1.0, *report.minutes_by_month.values()) * 1.15)
    minutes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value, 0 if value == int(value) else 1)))
    names = ["đã phát", "bị ngắt", "bỏ lỡ", "lỗi", "chưa đến giờ"]
    values = [report.count("aired"), report.count("interrupted"), report.count("missed"),
              report.count("failed"), report.pending]
    results.barh(names, values, color=["#3a7d44", "#e0a100", "#b23a48", "#7a1f2b", "#999999"])
    results.set_title("Lượt phát theo kết quả")
    results.xaxis.set_major_locator(MaxNLocator(integer=True))
    results.invert_yaxis()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()
