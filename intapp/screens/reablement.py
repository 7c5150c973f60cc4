"""Reablement: running episodes against the standard length, and the follow-ups due."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Static, TabbedContent, TabPane

from intapp import clock
from intapp.codes import code_label
from intapp.config import load_settings
from intapp.formatting import uk_date
from intapp.screens.base import DataScreen, Result, offered_to
from intapp.widgets.footer import Footer
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from intapp.services.reablement import EpisodeRow, EpisodeSummary  # noqa: F401 (in a string)
    from intapp.store.paging import Cursor, Page
    from intapp.store.plain_sql import PlainSQL


def day_bar(days: int, standard: int, width: int = 14) -> str:
    """``█████░░░░ day 20 of 42``, red past the standard length."""
    filled = min(width, round(width * days / standard)) if standard else width
    bar = f"{'█' * filled}{'░' * (width - filled)} day {days} of {standard}"
    return f"[red]{bar}[/]" if days > standard else bar


LISTS = {"active": "#active-list", "followups": "#followup-list"}
# What the active tab lists when opened from each dashboard figure, and its title.
ACTIVE_TITLES = {
    "active": "Active episodes",
    "episodes_day_35_plus": "Episodes at day 35+",
    "episodes_past_42": "Episodes past the standard",
}
PAGE_SIZE = 40


class EpisodeChanged(Result["EpisodeSummary"]):
    """An episode was extended or ended, or its follow-up recorded."""


class PastStandard(Result[int]):
    """How many of the listed teams' running episodes are past the standard length."""


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
        *PAGE_KEYS,
    ]

    AUTO_FOCUS = ""  # `tab_shown` focuses the shown list

    def __init__(
        self,
        *,
        team_ids: list[int] | None,
        scope_label: str,
        initial: str = "active",
        active: str = "active",
    ) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        self.initial = initial
        self.active_list = active

    def compose(self) -> ComposeResult:
        from intapp.services.reablement import episode_cursor

        settings = load_settings()
        yield Header()
        with TabbedContent(initial=self.initial):
            title = ACTIVE_TITLES[self.active_list]
            with TabPane(f"1 {title}: {self.scope_label}", id="active"):
                yield PagedList(
                    columns=[
                        (label, None)
                        for label in (
                            "Person",
                            "Type",
                            "Started",
                            "Progress",
                            "Planned end",
                            "Extension reason",
                        )
                    ],
                    cells=active_cells,
                    key=lambda row: row.episode.id,
                    cursor=episode_cursor(self.active_list),
                    wording=Wording(
                        "active episode",
                        "active episodes",
                        "No active reablement episodes."
                        if self.active_list == "active"
                        else f"No {title.lower()}.",
                    ),
                    page_size=PAGE_SIZE,
                    id="active-list",
                )
                yield Static("", id="active-status", classes="list-status")
            with TabPane(f"2 Follow-ups due ({settings.followup_days} days)", id="followups"):
                yield PagedList(
                    columns=[
                        (label, None) for label in ("Person", "Ended", "Outcome", "Follow-up due")
                    ],
                    cells=followup_cells,
                    key=lambda row: row.episode.id,
                    cursor=episode_cursor("followups_due"),
                    wording=Wording(
                        "follow-up due",
                        "follow-ups due",
                        f"No {settings.followup_days}-day follow-ups are due.",
                    ),
                    page_size=PAGE_SIZE,
                    id="followup-list",
                )
                yield Static("f records the result", id="followup-status", classes="list-status")
        yield Footer()

    def list_of(self, tab: str) -> PagedList[EpisodeRow]:
        return self.query_one(LISTS[tab], PagedList)

    @property
    def active(self) -> list[EpisodeRow]:
        """The running episodes on the page shown."""
        return self.rows_of("#active-list")

    @property
    def followups(self) -> list[EpisodeRow]:
        """The follow-ups due on the page shown."""
        return self.rows_of("#followup-list")

    def on_screen_resume(self) -> None:
        if self.list_of("active").total is None:
            self.show(self.list_of("active"), self.active_list)
            self.show(self.list_of("followups"), "followups_due")
        else:
            self.reload()

    def show(self, paged: PagedList[EpisodeRow], which: str) -> None:
        team_ids, app = self.team_ids, self.intapp

        def page(after: Cursor | None, limit: int, count: bool) -> Page[EpisodeRow]:
            from intapp.services.reablement import episodes_page

            return app.run_in_session(
                lambda session: episodes_page(
                    session=session,
                    which=which,
                    team_ids=team_ids,
                    after=after,
                    limit=limit,
                    count=count,
                ),
                write=False,
            )

        paged.show(page)

    def reload(self) -> None:
        """Read both lists again, each keeping its highlight on the same episode."""
        self.list_of("active").reload()
        self.list_of("followups").reload()

    @on(PagedList.Shown, "#active-list")
    def count_past_standard(self) -> None:
        team_ids = self.team_ids

        def past(db: PlainSQL) -> int:
            from intapp.services.worklists import tiles

            return tiles(team_ids)["episodes_past_42"].rows.count(db)

        self.read_plain(PastStandard, past)

    @on(PastStandard)
    def show_past_standard(self, message: PastStandard) -> None:
        standard = load_settings().reablement_standard_days
        self.query_one("#active-status", Static).update(
            f"{message.value:,} of them past day {standard}"
        )

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @on(TabbedContent.TabActivated)
    def tab_shown(self, event: TabbedContent.TabActivated) -> None:
        """The shown tab's list takes focus (the first tab too, as the screen opens), so
        the arrows move through its episodes rather than along the tab bar."""
        if event.pane.id in LISTS:
            self.list_of(event.pane.id).focus()

    def _selected(self, tab: str) -> EpisodeRow | None:
        if self.query_one(TabbedContent).active != tab:
            self.notify(
                "Choose an episode on the "
                + ("Active" if tab == "active" else "Follow-ups")
                + " tab first."
            )
            return None
        return self.list_of(tab).highlighted

    def _change_episode(self, tab: str, dialog: Any, change: Callable[..., Any]) -> None:
        """Ask with `dialog(episode, person name)`, then save `change(session=, user=,
        episode_id=, ...)` with the dialog's values and the version the user was looking at."""
        row = self._selected(tab)
        if row is None:
            return
        episode, user = row.episode, self.intapp.user

        def answered(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.write(
                    EpisodeChanged,
                    lambda session: change(
                        session=session,
                        user=user,
                        episode_id=episode.id,
                        expected_version=episode.version,
                        **values,
                    ),
                )

        self.app.push_screen(dialog(episode, row.person_name), answered)

    @offered_to("reablement")
    def action_extend(self) -> None:
        from intapp.screens.episode_dialogs import ExtendEpisodeDialog
        from intapp.services.reablement import extend_episode

        self._change_episode(
            "active",
            lambda e, name: ExtendEpisodeDialog(e.planned_end_date, subject=name),
            extend_episode,
        )

    @offered_to("reablement")
    def action_end(self) -> None:
        from intapp.screens.episode_dialogs import EndEpisodeDialog
        from intapp.services.reablement import end_episode

        self._change_episode("active", lambda e, name: EndEpisodeDialog(subject=name), end_episode)

    @offered_to("reablement")
    def action_followup(self) -> None:
        from intapp.screens.episode_dialogs import FollowupDialog
        from intapp.services.reablement import record_followup

        self._change_episode(
            "followups", lambda e, name: FollowupDialog(subject=name), record_followup
        )

    @on(EpisodeChanged)
    def episode_changed(self, message: EpisodeChanged) -> None:
        # This screen extends active episodes, ends them, and records follow-ups.
        episode = message.value
        if episode.followup_result:
            done = "Follow-up recorded."
        else:
            done = "Episode extended." if episode.state == "active" else "Episode ended."
        self.notify(done, title="Saved")
        self.reload()

    def action_open_person(self) -> None:
        tab = self.query_one(TabbedContent).active
        if tab in LISTS:
            self.list_of(tab).open_highlighted()

    @on(PagedList.Opened)
    def open_person(self, event: PagedList.Opened) -> None:
        from intapp.screens.person import PersonScreen

        self.app.push_screen(PersonScreen(person_id=event.row.episode.person_id))


def active_cells(row: EpisodeRow) -> tuple[str, ...]:
    """A running episode's cells: its progress against the standard length."""
    e, today = row.episode, clock.today()
    return (
        row.person_name,
        e.episode_type,
        uk_date(e.start_date),
        day_bar(e.days_running(today), load_settings().reablement_standard_days),
        uk_date(e.planned_end_date),
        e.extension_reason or "",
    )


def followup_cells(row: EpisodeRow) -> tuple[str, ...]:
    """An ended episode's cells, with how late its follow-up is."""
    e = row.episode
    assert e.followup_due is not None  # the list holds due follow-ups only
    late = (clock.today() - e.followup_due).days
    return (
        row.person_name,
        uk_date(e.ended_on),
        code_label(e.outcome),
        f"{uk_date(e.followup_due):11}" + (f"  [b red]{late} days overdue[/]" if late > 0 else ""),
    )
