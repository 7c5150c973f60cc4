"""The team dashboard: the counts a coordinator checks first, each opening its list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.reactive import reactive
from textual.widgets import Button, Header, Static

from intapp.access import Role, SignedIn
from intapp.config import configured
from intapp.screens.base import DataScreen, Result, WorkFailed, offered_to
from intapp.services.dashboard import DashboardCounts, count_figures
from intapp.services.forecast import MARK, BreachForecast, forecast
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from intapp.store.plain_sql import PlainSQL


@dataclass(frozen=True)
class Scope:
    """Which teams the coordinator is looking at: one team, a locality or the city."""

    label: str
    team_ids: tuple[int, ...] | None  # None: the whole city
    team_code: str | None = None
    locality: str | None = None

    @property
    def team_id_list(self) -> list[int] | None:
        return None if self.team_ids is None else list(self.team_ids)


CITY = Scope("Whole city", None)


def home_scope(who: SignedIn) -> Scope:
    """Where the dashboard opens: a member of staff's own teams (a supervisor's
    locality), whose people are all they see; the whole city for an admin and the
    single user or owner."""
    if not (who.team_mode and who.is_staff and who.team_ids) or who.role is Role.ADMIN:
        return CITY
    if who.role is Role.SUPERVISOR:
        label = "Your locality"
    else:
        label = "Your team" if len(who.team_ids) == 1 else "Your teams"
    return Scope(label, tuple(sorted(who.team_ids)))


# (tile id, label, the DashboardCounts field it shows, whether a non-zero count is bad)
TILES: tuple[tuple[str, str, str, bool], ...] = (
    ("awaiting", "Awaiting triage", "awaiting_triage", False),
    ("overdue", "Triage overdue", "triage_overdue", True),
    ("due-soon", "Due in the next 24 h", "due_next_24h", False),
    ("unallocated", "Triaged, not allocated", "triaged_not_allocated", False),
    ("over-limit", "Workers over their limit", "workers_over_limit", True),
    ("day-35", "Reablement at day {warning}+", "episodes_day_35_plus", False),
    ("day-42", "Reablement past day {standard}", "episodes_past_42", True),
    ("followups", "{followup}-day follow-ups due", "followups_due", False),
    ("reviews", "Plan reviews due ({review_soon} days)", "reviews_due", False),
    ("reviews-overdue", "Plan reviews overdue", "reviews_overdue", True),
)


class Counted(Result[DashboardCounts]):
    """The dashboard's figures for the scope shown."""


class Forecasted(Result[BreachForecast]):
    """The breach forecast for the scope shown."""


class MyWorkCounted(Result["int | None"]):
    """How many items of the tray of the worker using the app are overdue (None: who
    that is is not set)."""


MY_WORK = "My work overdue"


def _allocating(_screen: object, tile_id: str) -> str | None:
    """The awaiting-allocation list is for allocating; the other tiles are for anyone."""
    return "allocate" if tile_id == "unallocated" else None


# Below this many rows the tiles show label and figure on one line, so that all of them
# (two columns of six) fit on the screen.
COMPACT_BELOW = 28


class DashboardScreen(DataScreen):
    """Home: what needs doing today, for a team, a locality or the city."""

    BINDINGS = [
        Binding("q", "open('awaiting')", "Queue", id="dashboard.queue"),
        Binding("a", "open('unallocated')", "Allocate", id="dashboard.allocate"),
        Binding("b", "board", "Caseloads", id="dashboard.board"),
        # Offered only to supervisors and admins on a team server (`check_action`); early,
        # so a supervisor's full footer still shows it.
        Binding("A", "access_review", "Access review", id="dashboard.access_review"),
        Binding("r", "reablement", "Reablement", id="dashboard.reablement"),
        Binding("v", "open('reviews')", "Reviews", id="dashboard.reviews"),
        Binding("n", "new_referral", "New referral", id="dashboard.new_referral"),
        Binding("t", "choose_scope", "Team", id="dashboard.scope"),
        Binding("w", "weekly_summary", "Weekly", id="dashboard.weekly"),
        Binding("g", "trends", "Trends", id="dashboard.trends"),
        Binding("m", "app.my_work", "My work", id="dashboard.my_work"),
        Binding("f5", "refresh", "Refresh", id="dashboard.refresh"),
    ]

    # Focus changes the footer's keys, which costs more than painting the frame and
    # competes with the counts' thread: the first tile takes focus once they are shown.
    AUTO_FOCUS = ""

    scope: reactive[Scope] = reactive(CITY)
    """The teams the counts cover."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.scope.label, id="scope-title")
        with Grid(id="tiles"):
            for tile_id, label, _, _ in TILES:
                yield Button(self.tile_label(configured(label), "…"), id=tile_id, classes="tile")
            yield Button(self.tile_label(MY_WORK, "…"), id="my-work", classes="tile")
        yield Static("Likely to breach: …", id="forecast")
        yield Footer()

    @property
    def compact(self) -> bool:
        return self.app.size.height < COMPACT_BELOW

    def tile_label(self, label: str, figure: str) -> str:
        return f"{label}: {figure}" if self.compact else f"{label}\n{figure}"

    def on_resize(self) -> None:
        self.set_class(self.compact, "-compact")
        if self.counts is not None:
            self.show_figures(self.counts)
        self.show_my_work()
        self.show_forecast()

    def on_screen_resume(self) -> None:
        # Paint the frame first: on PostgreSQL the counts wait for the data layer, whose
        # loading competes for the interpreter.
        self.call_after_refresh(self.action_refresh)

    def watch_scope(self, scope: Scope) -> None:
        if self.is_mounted:
            self.query_one("#scope-title", Static).update(scope.label)
            self.action_refresh()

    counts: DashboardCounts | None = None
    my_overdue: int | bool | None = False
    """The "My work overdue" figure: False until read, None when no one is set as me."""

    def action_refresh(self) -> None:
        team_ids = self.scope.team_id_list

        self.read_plain(Counted, lambda db: count_figures(db, team_ids=team_ids))

    @on(Counted)
    def show_counts(self, message: Counted) -> None:
        self.counts = message.value
        self.show_figures(message.value)
        self.focus_tiles()
        self.intapp.warm_up()
        self.read_plain(MyWorkCounted, my_work_overdue)
        team_ids = self.scope.team_id_list
        self.read_plain(Forecasted, lambda db: forecast(db, team_ids=team_ids))
        self.intapp.ask_who_i_am()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "access_review":
            return reviews_access(self.intapp.who)
        return super().check_action(action, parameters)

    def action_access_review(self) -> None:
        from intapp.screens.access_review import AccessReviewScreen

        self.app.push_screen(AccessReviewScreen())

    def show_figures(self, counts: DashboardCounts) -> None:
        for tile_id, label, field, bad in TILES:
            value = getattr(counts, field)
            tile = self.query_one(f"#{tile_id}", Button)
            tile.label = self.tile_label(configured(label), f"{value:,}")
            tile.set_class(bad and value > 0, "alert")

    @on(MyWorkCounted)
    def my_work_counted(self, message: MyWorkCounted) -> None:
        self.my_overdue = message.value
        self.show_my_work()

    def show_my_work(self) -> None:
        value = self.my_overdue
        who = self.intapp.who
        unknown = "not linked (m)" if who and who.team_mode and who.is_staff else "who are you? (m)"
        figure = "…" if value is False else unknown if value is None else f"{value:,}"
        tile = self.query_one("#my-work", Button)
        tile.label = self.tile_label(MY_WORK, figure)
        tile.set_class(isinstance(value, int) and value > 0, "alert")

    breach_forecast: BreachForecast | None = None

    @on(Forecasted)
    def forecasted(self, message: Forecasted) -> None:
        self.breach_forecast = message.value
        self.show_forecast()

    def show_forecast(self) -> None:
        """The forecast's figures and, where there is room, the assumption behind them."""
        found = self.breach_forecast
        line = self.query_one("#forecast", Static)
        if found is None:
            return
        figures = f"{found.next_24h:,} in 24 h · {found.next_7_days:,} in 7 days"
        if self.compact:
            line.update(f"Likely to breach triage deadline: {figures} ({MARK} in the queue)")
        else:
            line.update(
                f"[b]Likely to breach their triage deadline:[/] {figures}\n"
                f"[dim]Forecast, if {found.assumption}. Overdue ones have breached"
                f" already. The queue (q) marks them {MARK}.[/]"
            )

    @on(WorkFailed)
    def counts_failed(self, message: WorkFailed) -> None:
        if message.result is Counted:
            self.focus_tiles()  # and report the error as usual
            self.intapp.warm_up()  # which checks the store for damage, the likely cause

    def focus_tiles(self) -> None:
        if self.focused is None:
            self.query_one(".tile", Button).focus()

    @offered_to(_allocating)
    def action_open(self, tile_id: str) -> None:
        self.open_tile(tile_id)

    @on(Button.Pressed, ".tile")
    def tile_pressed(self, event: Button.Pressed) -> None:
        assert event.button.id is not None
        self.open_tile(event.button.id)

    @offered_to(_allocating)
    def open_tile(self, tile_id: str) -> None:
        if tile_id == "my-work":
            self.intapp.action_my_work()
            return
        from intapp.screens.allocation import AllocationScreen
        from intapp.screens.board import BoardScreen
        from intapp.screens.queue import QueueScreen
        from intapp.screens.reablement import ReablementScreen
        from intapp.screens.reviews import ReviewsScreen

        team_ids, label = self.scope.team_id_list, self.scope.label
        # Each tile opens the list of exactly the rows it counts (`worklists.tiles`).
        figure = next(field for tid, _, field, _ in TILES if tid == tile_id)
        if tile_id in ("awaiting", "overdue", "due-soon"):
            self.app.push_screen(QueueScreen(team_ids=team_ids, scope_label=label, tile=figure))
        elif tile_id == "unallocated":
            self.app.push_screen(AllocationScreen(team_ids=team_ids, scope_label=label))
        elif tile_id == "over-limit":
            self.app.push_screen(
                BoardScreen(team_ids=team_ids, scope_label=label, over_limit_only=True)
            )
        elif tile_id in ("day-35", "day-42", "followups"):
            initial = "followups" if tile_id == "followups" else "active"
            active = figure if tile_id != "followups" else "active"
            self.app.push_screen(
                ReablementScreen(
                    team_ids=team_ids, scope_label=label, initial=initial, active=active
                )
            )
        else:
            self.app.push_screen(
                ReviewsScreen(
                    team_ids=team_ids,
                    scope_label=label,
                    overdue_only=tile_id == "reviews-overdue",
                )
            )

    def action_reablement(self) -> None:
        """Every running episode, not one figure's part of them."""
        from intapp.screens.reablement import ReablementScreen

        self.app.push_screen(
            ReablementScreen(team_ids=self.scope.team_id_list, scope_label=self.scope.label)
        )

    def action_board(self) -> None:
        """Every worker's load, not only those over their limit."""
        from intapp.screens.board import BoardScreen

        self.app.push_screen(
            BoardScreen(team_ids=self.scope.team_id_list, scope_label=self.scope.label)
        )

    def action_choose_scope(self) -> None:
        from intapp.screens.scope import ScopeScreen

        def chosen(scope: Scope | None) -> None:
            if scope is not None:
                self.scope = scope

        self.app.push_screen(ScopeScreen(), chosen)

    @offered_to("receive_referral")
    def action_new_referral(self) -> None:
        from intapp.screens.new_referral import NewReferralScreen

        team_ids = self.scope.team_ids
        self.app.push_screen(
            NewReferralScreen(team_id=team_ids[0] if team_ids and len(team_ids) == 1 else None)
        )

    def action_weekly_summary(self) -> None:
        from intapp.screens.weekly import WeeklySummaryScreen

        self.app.push_screen(WeeklySummaryScreen(scope=self.scope))

    def action_trends(self) -> None:
        from intapp.screens.trends import TrendsScreen

        self.app.push_screen(TrendsScreen(scope=self.scope))


def reviews_access(who: SignedIn | None) -> bool:
    """Whether the signed-in login reviews access: supervisors and admins on a team
    server (a SQLite store is single-user, with no logins to review)."""
    from intapp.access import may

    if who is None or not who.team_mode:
        return False
    return may(who, "access_review") or may(who, "staff_manage")


def my_work_overdue(db: PlainSQL) -> int | None:
    """The "My work overdue" figure, or None when no one is set as me."""
    from intapp.services.work_tray import overdue_count, who_is_me

    me = who_is_me(db)
    return None if me is None else overdue_count(db, me=me)
