"""Reablement: running episodes against the standard length, and the follow-ups due."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from intapp import clock
from intapp.codes import code_label
from intapp.config import load_settings
from intapp.formatting import uk_date
from intapp.screens.base import DataScreen
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.reablement import EpisodeRow, EpisodeSummary


def day_bar(days: int, standard: int, width: int = 14) -> str:
    """``█████░░░░ day 20 of 42``, red past the standard length."""
    filled = min(width, round(width * days / standard)) if standard else width
    bar = f"{'█' * filled}{'░' * (width - filled)} day {days} of {standard}"
    return f"[red]{bar}[/]" if days > standard else bar


TABLES = {"active": "#active-table", "followups": "#followup-table"}


class ReablementScreen(DataScreen):
    """Active episodes and follow-ups due, for the dashboard's teams."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="reablement.back"),
        Binding("e", "extend", "Extend", id="reablement.extend"),
        Binding("x", "end", "End episode", id="reablement.end"),
        Binding("f", "followup", "Record follow-up", id="reablement.followup"),
        Binding("enter", "open_person", "Person", id="reablement.person", priority=True),
        # The tabs carry their numbers, as on the person record.
        Binding("1", "tab('active')", "Active", id="reablement.active", show=False),
        Binding("2", "tab('followups')", "Follow-ups", id="reablement.followups", show=False),
    ]

    AUTO_FOCUS = ""  # `tab_shown` focuses the shown list

    def __init__(
        self, *, team_ids: list[int] | None, scope_label: str, initial: str = "active"
    ) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        self.initial = initial
        self.active: list[EpisodeRow] = []
        self.followups: list[EpisodeRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial=self.initial):
            with TabPane(f"1 Active episodes: {self.scope_label}", id="active"):
                yield DataTable(id="active-table", cursor_type="row", zebra_stripes=True)
                yield Static("Loading…", id="active-status", classes="list-status")
            followup_days = load_settings().followup_days
            with TabPane(f"2 Follow-ups due ({followup_days} days)", id="followups"):
                yield DataTable(id="followup-table", cursor_type="row", zebra_stripes=True)
                yield Static("Loading…", id="followup-status", classes="list-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#active-table", DataTable).add_columns(
            "Person", "Type", "Started", "Progress", "Planned end", "Extension reason"
        )
        self.query_one("#followup-table", DataTable).add_columns(
            "Person", "Ended", "Outcome", "Follow-up due"
        )

    def reload(self) -> None:
        """Read both lists again (after someone else's change)."""
        self.on_screen_resume()

    def on_screen_resume(self) -> None:
        team_ids = self.team_ids

        def lists(session: Session) -> Any:
            from intapp.services.reablement import active_episodes, followups_due

            return (
                active_episodes(session=session, team_ids=team_ids),
                followups_due(session=session, team_ids=team_ids),
            )

        self.fetch("lists", lists)

    def loaded_lists(self, lists: tuple[list[EpisodeRow], list[EpisodeRow]]) -> None:
        self.active, self.followups = lists
        today, standard = clock.today(), load_settings().reablement_standard_days
        active = self.query_one("#active-table", DataTable)
        active.clear()
        for row in self.active:
            e = row.episode
            active.add_row(
                row.person_name,
                e.episode_type,
                uk_date(e.start_date),
                day_bar(e.days_running(today), standard),
                uk_date(e.planned_end_date),
                e.extension_reason or "",
            )
        past_42 = sum(1 for row in self.active if row.episode.days_running(today) > standard)
        self.query_one("#active-status", Static).update(
            f"{len(self.active)} active · {past_42} past day {standard}"
            if self.active
            else "No active reablement episodes."
        )
        followups = self.query_one("#followup-table", DataTable)
        followups.clear()
        overdue = 0
        for row in self.followups:
            e = row.episode
            assert e.followup_due is not None  # the list holds due follow-ups only
            late = (today - e.followup_due).days
            overdue += late > 0
            followups.add_row(
                row.person_name,
                uk_date(e.ended_on),
                code_label(e.outcome),
                f"{uk_date(e.followup_due):11}"
                + (f"  [b red]{late} days overdue[/]" if late > 0 else ""),
            )
        self.query_one("#followup-status", Static).update(
            f"{len(self.followups)} due · {overdue} overdue · f records the result"
            if self.followups
            else f"No {load_settings().followup_days}-day follow-ups are due."
        )

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @on(TabbedContent.TabActivated)
    def tab_shown(self, event: TabbedContent.TabActivated) -> None:
        """The shown tab's list takes focus (the first tab too, as the screen opens), so
        the arrows move through its episodes rather than along the tab bar."""
        if event.pane.id in TABLES:
            self.query_one(TABLES[event.pane.id], DataTable).focus()

    def _selected(self, tab: str) -> EpisodeRow | None:
        if self.query_one(TabbedContent).active != tab:
            self.notify(
                "Choose an episode on the "
                + ("Active" if tab == "active" else "Follow-ups")
                + " tab first."
            )
            return None
        rows = self.active if tab == "active" else self.followups
        table = self.query_one("#active-table" if tab == "active" else "#followup-table", DataTable)
        return rows[table.cursor_row] if rows else None

    def _change_episode(self, tab: str, dialog: Any, change: Callable[..., Any]) -> None:
        """Ask with `dialog(episode, person name)`, then save `change(session=, user=,
        episode_id=, ...)` with the dialog's values and the version the user was looking at."""
        row = self._selected(tab)
        if row is None:
            return
        episode, user = row.episode, self.intapp.user

        def answered(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.save(
                    "changed",
                    lambda session: change(
                        session=session,
                        user=user,
                        episode_id=episode.id,
                        expected_version=episode.version,
                        **values,
                    ),
                )

        self.app.push_screen(dialog(episode, row.person_name), answered)

    def action_extend(self) -> None:
        from intapp.screens.episode_dialogs import ExtendEpisodeDialog
        from intapp.services.reablement import extend_episode

        self._change_episode(
            "active",
            lambda e, name: ExtendEpisodeDialog(e.planned_end_date, subject=name),
            extend_episode,
        )

    def action_end(self) -> None:
        from intapp.screens.episode_dialogs import EndEpisodeDialog
        from intapp.services.reablement import end_episode

        self._change_episode("active", lambda e, name: EndEpisodeDialog(subject=name), end_episode)

    def action_followup(self) -> None:
        from intapp.screens.episode_dialogs import FollowupDialog
        from intapp.services.reablement import record_followup

        self._change_episode(
            "followups", lambda e, name: FollowupDialog(subject=name), record_followup
        )

    def loaded_changed(self, episode: EpisodeSummary) -> None:
        # This screen extends active episodes, ends them, and records follow-ups.
        if episode.followup_result:
            done = "Follow-up recorded."
        else:
            done = "Episode extended." if episode.state == "active" else "Episode ended."
        self.notify(done, title="Saved")
        self.on_screen_resume()

    def action_open_person(self) -> None:
        row = self._selected(self.query_one(TabbedContent).active)
        if row is not None:
            from intapp.screens.person import PersonScreen

            self.app.push_screen(PersonScreen(person_id=row.episode.person_id))
