"""Monthly trends over the last 24 months for the dashboard's scope, one chart at a time."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Static
from textual.worker import get_current_worker

from intapp import clock
from intapp.config import configured
from intapp.screens.base import DataScreen, Result, WorkFailed
from intapp.widgets.footer import Footer
from intapp.widgets.trend_chart import CHARTS, TrendChart, readout

if TYPE_CHECKING:
    from intapp.screens.dashboard import Scope
    from intapp.services.trends import Month, TeamCounts, Values


class PartRead(Result["tuple[tuple[int, ...] | None, str, Any]"]):
    """One part of the trends (`services.trends.PARTS`): (the scope's team ids, the
    part, its series); for a part that adds up (`ADDITIVE`), (None, the part, its
    counts by team, for every team)."""


class TrendsScreen(DataScreen):
    """A chart per figure; the months along the bottom, the month chosen read out exactly."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="trends.back"),
        Binding("t", "choose_scope", "Team", id="trends.scope"),
        Binding("tab,down", "chart(1)", "Next chart", id="trends.next_chart"),
        Binding("shift+tab,up", "chart(-1)", "Previous chart", id="trends.previous_chart"),
        Binding("left", "month(-1)", "Earlier month", id="trends.earlier"),
        Binding("right", "month(1)", "Later month", id="trends.later"),
        Binding("home", "month_at(0)", "First month", id="trends.first", show=False),
        Binding("end", "month_at(-1)", "Latest month", id="trends.latest", show=False),
    ]

    def __init__(self, *, scope: Scope) -> None:
        super().__init__()
        self.scope = scope
        self.chart_index = 0
        self.month: int | None = None
        """The month chosen (0 is the oldest); None until the months are known."""
        self.months: tuple[Month, ...] = ()
        # What was read this visit. The parts that add up are read by team for every
        # team at once, so another scope shows them without reading; the others (the
        # medians) by scope, so going back to a scope shows them at once.
        self.team_counts: dict[str, TeamCounts] = {}
        self.values: dict[tuple[int, ...] | None, Values] = {}
        self.medians_read: dict[tuple[int, ...] | None, set[str]] = {}
        self.painted = threading.Event()
        """Set once the first part of the latest reading is painted."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="trends-title", classes="list-title")
        yield Static("", id="trends-tabs")
        yield TrendChart(id="trends-chart")
        yield Static("Counting…", id="trends-readout")
        yield Footer()

    def on_mount(self) -> None:
        from intapp.services.trends import last_months

        self.months = last_months()
        self.month = len(self.months) - 1
        self.load()

    # Reading: the chart on show first, then the rest, each painted as it comes.

    def parts_ready(self, key: tuple[int, ...] | None) -> set[str]:
        """The parts read for the scope of these team ids."""
        return set(self.team_counts) | self.medians_read.get(key, set())

    def load(self) -> None:
        from intapp.services.trends import ADDITIVE, PARTS, part_values, team_counts

        key = self.scope.team_ids
        first = CHARTS[self.chart_index].part
        ready = self.parts_ready(key)
        wanted = list(dict.fromkeys(p for p in (first, *PARTS) if p not in ready))
        self.show()
        if not wanted:
            return
        app, months, team_ids = self.intapp, self.months, self.scope.team_id_list
        now = clock.now()

        # The chart in view is read first; the rest wait until it is painted, so that
        # their reading does not compete with its painting.
        painted = self.painted = threading.Event()

        def in_thread() -> None:
            worker = get_current_worker()
            for number, part in enumerate(wanted):
                if number == 1:
                    painted.wait(timeout=2)
                if worker.is_cancelled:
                    return

                def read(session: Any, part: str = part) -> Any:
                    if part in ADDITIVE:
                        return team_counts(session=session, part=part, months=months, now=now)
                    return part_values(
                        session=session, part=part, months=months, team_ids=team_ids, now=now
                    )

                try:
                    values = app.run_in_session(read, write=False)
                except Exception as error:  # reported by on_work_failed
                    if not worker.is_cancelled:
                        self.post_message(WorkFailed(PartRead, error))
                    return
                if not worker.is_cancelled:
                    self.post_message(PartRead((None if part in ADDITIVE else key, part, values)))

        self.run_worker(
            in_thread, thread=True, group="trends.parts", exclusive=True, exit_on_error=False
        )

    @on(PartRead)
    def part_read(self, message: PartRead) -> None:
        from intapp.services.trends import ADDITIVE

        key, part, values = message.value
        if part in ADDITIVE:
            self.team_counts[part] = values
        else:
            self.values.setdefault(key, {}).update(values)
            self.medians_read.setdefault(key, set()).add(part)
        # Another chart's series: nothing on show changes until it is chosen.
        if part == CHARTS[self.chart_index].part and part in self.parts_ready(self.scope.team_ids):
            self.show()
        self.call_after_refresh(self.painted.set)

    def scope_values(self) -> Values:
        """Every series read so far for the scope on show."""
        from intapp.services.trends import scope_values

        team_ids = self.scope.team_ids
        values = dict(self.values.get(team_ids, {}))
        for part, counts in self.team_counts.items():
            values |= scope_values(part, counts, team_ids, len(self.months))
        return values

    def show(self) -> None:
        """Draw the chart on show, if its part is read, and its readout."""
        from rich.markup import escape

        from intapp.services.trends import trends_of

        chart = CHARTS[self.chart_index]
        months = self.months
        title = f"Monthly trends · {self.scope.label}"
        if months:
            title += f" · {months[0].label} to {months[-1].label}"
        self.query_one("#trends-title", Static).update(escape(title))
        tabs = " ".join(
            f"[reverse]{n + 1}[/reverse]" if n == self.chart_index else str(n + 1)
            for n in range(len(CHARTS))
        )
        self.query_one("#trends-tabs", Static).update(
            f"Charts {tabs} [dim](tab, shift+tab)[/dim] · Months [dim](←, →)[/dim]"
        )
        values = self.scope_values()
        plot = self.query_one(TrendChart)
        text = self.query_one("#trends-readout", Static)
        if not all(key in values for key in chart.keys) or self.month is None:
            plot.clear(f"{configured(chart.title)}: counting…")
            text.update("Counting…")
            return
        trends = trends_of(self.scope.label, months, values)
        plot.draw(chart, trends, self.month)
        text.update(readout(chart, trends, self.month))

    def on_resize(self) -> None:
        self.show()

    def on_work_failed(self, message: WorkFailed) -> None:
        self.query_one("#trends-readout", Static).update("The trends could not be counted.")
        super().on_work_failed(message)

    # Moving about.

    def action_chart(self, step: int) -> None:
        self.chart_index = (self.chart_index + step) % len(CHARTS)
        self.show()

    def action_month(self, step: int) -> None:
        if self.month is not None:
            self.month = min(len(self.months) - 1, max(0, self.month + step))
            self.show()

    def action_month_at(self, index: int) -> None:
        if self.months:
            self.month = index % len(self.months)
            self.show()

    def action_choose_scope(self) -> None:
        from intapp.screens.scope import ScopeScreen

        def chosen(scope: Scope | None) -> None:
            if scope is not None and scope != self.scope:
                self.scope = scope
                self.load()

        self.app.push_screen(ScopeScreen(), chosen)
