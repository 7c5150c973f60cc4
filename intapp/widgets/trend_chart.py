"""A chart of monthly trends (plotext, through textual-plotext), with the month chosen
marked, and the readout of that month's exact values under it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual_plotext import PlotextPlot

from intapp.config import configured
from intapp.services.trends import Month, Trends

OTHER_SOURCES = "Smaller sources"
SHOWN_SOURCES = 5
"""The referral sources drawn apart in the chart, the largest; the rest are summed."""


@dataclass(frozen=True)
class Chart:
    """One chart: the series it draws (keys of `Trends`) and how."""

    title: str
    part: str
    """The part of the trends (`services.trends.PARTS`) its series come from."""
    keys: tuple[str, ...]
    kind: str
    """"lines", "bars" or "sources" (stacked bars of the referrals by source)."""
    y_label: str
    of: str | None = None
    """For a percentage or a median: the series it is a share or the median of."""


CHARTS: tuple[Chart, ...] = (
    Chart(
        "Referrals received, by source",
        "referrals",
        ("referrals_received",),
        "sources",
        "referrals",
    ),
    Chart(
        "Referrals triaged within target",
        "triage",
        ("triaged_within_target_pct",),
        "lines",
        "% triaged by their deadline",
        of="referrals_triaged",
    ),
    Chart(
        "Median hours from referral to triage",
        "triage",
        ("median_hours_to_triage",),
        "lines",
        "hours",
        of="referrals_triaged",
    ),
    Chart(
        "Median days from referral to first allocation",
        "allocation",
        ("median_days_to_allocation",),
        "lines",
        "days",
        of="first_allocations",
    ),
    Chart(
        "Reablement episodes started and ended",
        "reablement",
        ("reablement_started", "reablement_ended"),
        "lines",
        "episodes",
    ),
    Chart(
        "Reablement endings with no ongoing support",
        "reablement",
        ("ended_no_ongoing_support_pct",),
        "lines",
        "% of endings",
        of="reablement_ended",
    ),
    Chart(
        "At home {followup} days after reablement",
        "reablement",
        ("at_home_pct",),
        "lines",
        "% of follow-ups recorded",
        of="followups_recorded",
    ),
    Chart(
        "Admissions to residential or nursing care from reablement",
        "reablement",
        ("residential_admissions",),
        "bars",
        "admissions",
    ),
    Chart(
        "Open weighted caseload against summed caseload limits",
        "caseload",
        ("open_weighted_caseload", "caseload_limits"),
        "lines",
        "weighted points",
    ),
)

COLOURS = ("cyan", "orange", "green", "magenta", "blue", "gray")


def month_tick(month: Month) -> str:
    """``Mar 26``; the current month ends with ``*`` (so far)."""
    return f"{month.first_day:%b %y}{'*' if month.partial else ''}"


def shown(value: float | None, unit: str) -> str:
    """A value as the readout shows it: ``75.0%``, ``17.0 hours``, ``1,204``."""
    if value is None:
        return "none"
    if unit == "%":
        return f"{value:.1f}%"
    if unit in ("hours", "days"):
        return f"{value:,.1f} {unit}"
    return f"{value:,}"


def axis_ticks(top: float, percent: bool) -> list[float]:
    """Round values for the y axis from 0 to at least `top`."""
    if percent:
        return [0, 25, 50, 75, 100]
    step, factors = 1.0, itertools.cycle((2, 2.5, 2))  # 1, 2, 5, 10, 20, 50, ...
    while top / step > 5:
        step *= next(factors)
    count = int(-(-top // step)) if top > 0 else 1
    return [n * step for n in range(count + 1)]


def tick_label(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


class TrendChart(PlotextPlot):
    """A chart of one `Chart` of some trends, a vertical line at the month chosen."""

    DEFAULT_CSS = """
    TrendChart {
        height: 1fr;
        min-height: 8;
    }
    """

    _drawn = 0
    """How many times a chart has been drawn: what the cached rendering shows."""
    _rendered: tuple[object, Any] | None = None
    waiting: str | None = "Counting…"
    """Shown instead of a chart while its figures are read (None: the chart drawn)."""

    def render(self) -> Any:
        if self.waiting is not None:
            # Plain text: an empty plotext canvas costs as much to build as a chart.
            return Text(self.waiting, justify="center")
        # Plotext builds the whole canvas in Python, and Rich then parses its colours:
        # tens of milliseconds for a chart, which Textual asks for at every repaint
        # (a dialog closing over it, a readout changing). Built once per drawing and size.
        key = (self._drawn, self.size, self.app.theme)
        if self._rendered is None or self._rendered[0] != key:
            self._rendered = (key, super().render())
        return self._rendered[1]

    def clear(self, title: str) -> None:
        """No chart: `title` instead, while the figures are read."""
        self.waiting = title
        self.refresh()

    def draw(self, chart: Chart, trends: Trends, month: int) -> None:
        """Draw `chart` from `trends`, marking month `month` (0 is the oldest)."""
        self.waiting = None
        self._drawn += 1
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        months = trends.months
        xs = list(range(1, len(months) + 1))
        if chart.kind == "sources":
            labels, stacks = source_stacks(trends)
            # plotext takes a label and a colour per stack; textual-plotext's stub says one.
            stacked: Any = plt.stacked_bar
            stacked(xs, stacks, labels=labels, color=list(COLOURS[: len(stacks)]))
        else:
            for key, colour in zip(chart.keys, COLOURS, strict=False):
                series = trends[key]
                points = [(x, v) for x, v in zip(xs, series.values, strict=True) if v is not None]
                if not points:
                    continue
                px, py = zip(*points, strict=True)
                label = series.label if len(chart.keys) > 1 else None
                if chart.kind == "bars":
                    plt.bar(list(px), list(py), label=label, color=colour, width=0.6)
                else:
                    plt.plot(list(px), list(py), label=label, color=colour, marker="braille")
                    plt.scatter(list(px), list(py), color=colour, marker="dot")
        plt.vline(month + 1, "red")
        plt.title(configured(chart.title))
        plt.ylabel(chart.y_label)
        plt.xlabel("month (* the current month, so far)")
        step = 3 if self.size.width >= 100 else 4
        ticks = [x for x in xs if (len(xs) - x) % step == 0]
        plt.xticks([float(x) for x in ticks], [month_tick(months[x - 1]) for x in ticks])
        plt.xlim(0.5, len(xs) + 0.5)
        keys = ("referrals_received",) if chart.kind == "sources" else chart.keys
        values = [float(v) for key in keys for v in trends[key].values if v is not None]
        top = max(values, default=0.0)
        if chart.kind == "sources" or len(chart.keys) > 1:
            top *= 1.3  # headroom for the legend, which plotext puts at the top left
        ticks_y = axis_ticks(float(top), chart.y_label.startswith("%"))
        plt.yticks(ticks_y, [tick_label(t) for t in ticks_y])
        plt.ylim(0, ticks_y[-1])
        self.refresh()


def source_stacks(trends: Trends) -> tuple[list[str], list[list[float]]]:
    """The largest sources' monthly counts, then the rest summed, for stacked bars."""
    sources = [s for s in trends.series if s.key.startswith("referrals_") and s.unit == "referrals"]
    sources = [s for s in sources if s.key not in ("referrals_received", "referrals_triaged")]
    sources.sort(key=lambda s: -sum(v or 0 for v in s.values))
    top, rest = sources[:SHOWN_SOURCES], sources[SHOWN_SOURCES:]
    labels = [s.label.removeprefix("Referrals: ") for s in top] + [OTHER_SOURCES]
    stacks = [[float(v or 0) for v in s.values] for s in top]
    stacks.append([float(sum(s.values[m] or 0 for s in rest)) for m in range(len(trends.months))])
    return labels, stacks


def readout(chart: Chart, trends: Trends, month: int) -> str:
    """The exact values of month `month` in `chart`, and what each means (Rich markup)."""
    when = trends.months[month]
    lines = [f"[b]{when.label}{' (so far)' if when.partial else ''}[/b]"]
    if chart.kind == "sources":
        total = trends["referrals_received"]
        parts = [
            f"{escape(s.label.removeprefix('Referrals: '))} {s.values[month]:,}"
            for s in sorted(
                (
                    s
                    for s in trends.series
                    if s.key.startswith("referrals_")
                    and s.key not in ("referrals_received", "referrals_triaged")
                ),
                key=lambda s: -(s.values[month] or 0),
            )
            if s.values[month]
        ]
        lines[0] += f" · {total.label}: [b]{shown(total.values[month], 'referrals')}[/b]"
        if parts:
            lines.append("; ".join(parts))
        lines.append(f"[dim]{escape(total.definition)}[/dim]")
        return "\n".join(lines)
    for key in chart.keys:
        series = trends[key]
        value = shown(series.values[month], series.unit)
        text = f"{escape(series.label)}: [b]{value}[/b]"
        if chart.of is not None:
            base = trends[chart.of]
            text += f" (out of {shown(base.values[month], base.unit)} {escape(base.label.lower())})"
        lines[0] += f" · {text}"
    lines.extend(f"[dim]{escape(trends[key].definition)}[/dim]" for key in chart.keys)
    return "\n".join(lines)
