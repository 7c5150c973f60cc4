"""A person's record: who they are, and tabs for timeline, assessments, plan and reablement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static, Tab, Tabs

from intapp import clock
from intapp.codes import code_label
from intapp.formatting import uk_date, uk_time
from intapp.screens.base import Result, offered_to
from intapp.screens.person_alert_actions import AlertActions
from intapp.screens.person_case_actions import CaseActions
from intapp.screens.person_copy_actions import CopyActions
from intapp.screens.person_note_actions import NoteActions
from intapp.screens.person_record_actions import RecordActions
from intapp.screens.person_text import (
    assessment_cells,
    carer_line,
    episode_cells,
    national_line,
    plan_text,
    timeline_cells,
)
from intapp.store.paging import page_of
from intapp.widgets.alert_marks import alerts_line
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from datetime import datetime

    from sqlmodel import Session

    from intapp.services.person_record import PersonRecord, TimelineEntry
    from intapp.services.reablement import EpisodeSummary
    from intapp.store.paging import Cursor, Page

TIMELINE_PAGE = 40
TABS = (
    ("timeline", "1 Timeline"),
    ("assessments", "2 Assessments"),
    ("plan", "3 Care plan"),
    ("reablement", "4 Reablement"),
)
COLUMNS = {
    "assessments": ("Started", "Type", "Status", "Eligible", "Signed off"),
    "reablement": ("Start", "Type", "State", "Days", "Outcome", "Barthel", "Follow-up"),
}
WORDING = {
    "assessments": Wording("assessment", "assessments", "No assessments yet."),
    "reablement": Wording("episode", "episodes", "No reablement episodes yet."),
}


class BreakGlassRead(Result["datetime | None"]):
    """Until when this record is open to the login by break-glass, if it is."""


class RecordRead(Result["PersonRecord"]):
    """The person's record, with the timeline's first page."""


class EpisodeStarted(Result["EpisodeSummary"]):
    """A reablement episode was started (or planned) for the person."""


class EpisodeChanged(Result["EpisodeSummary"]):
    """A planned episode was begun or cancelled."""


class PersonScreen(CaseActions, RecordActions, CopyActions, NoteActions, AlertActions):
    """One person's shared record; its case, record-changing, case-note and alert keys, and
    the copy of the plan for the person, come from the classes it inherits."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="person.back"),
        # The tabs show their numbers, so the footer keeps its room for the rest.
        Binding("1", "tab('timeline')", "Timeline", id="person.timeline", show=False),
        Binding("2", "tab('assessments')", "Assessments", id="person.assessments", show=False),
        Binding("3", "tab('plan')", "Care plan tab", id="person.plan", show=False),
        Binding("4", "tab('reablement')", "Reablement", id="person.reablement", show=False),
        # The footer shows the everyday keys; `?` and the palette list the rest.
        Binding("s", "start_reablement", "Reablement", id="person.start_reablement"),
        Binding("a", "new_assessment", "Assess", id="person.new_assessment"),
        Binding("p", "care_plan", "Plan", id="person.care_plan"),
        Binding("n", "write_note", "Note", id="person.write_note"),
        Binding("exclamation_mark", "alerts", "Alerts", id="person.alerts"),
        Binding("f", "timeline_filter", "Filter timeline", id="person.timeline_filter", show=False),
        Binding("v", "full_text", "Full text", id="person.full_text", show=False),
        Binding("e", "edit_details", "Edit", id="person.edit"),
        Binding("c", "close_case", "Close case", id="person.close_case"),
        Binding("t", "transfer", "Transfer", id="person.transfer"),
        Binding("d", "death", "Death", id="person.death"),
        Binding("o", "reopen_case", "Reopen case", id="person.reopen_case", show=False),
        Binding("l", "carer_links", "Carer links", id="person.carer_links", show=False),
        Binding("m", "merge", "Merge records", id="person.merge", show=False),
        Binding("enter", "open_selected", "Open", id="person.open", priority=True),
        *PAGE_KEYS,
    ]

    AUTO_FOCUS = ""  # `show_tab` focuses the shown tab's list or the plan

    def __init__(self, *, person_id: int, break_glass_until: datetime | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.break_glass_until = break_glass_until
        """When access opened outside the login's teams ends (break-glass), if it was."""
        self.record: PersonRecord | None = None
        self.table_tab: str | None = None  # which tab the shared table was last filled for
        self.view_due = False
        """Whether the record's next showing is a view to record (opened, or come back to)."""

    def compose(self) -> ComposeResult:
        # One table, refilled per tab: a table per tab in a TabbedContent took twice as
        # long to open, mostly laying out and styling the hidden ones.
        yield Header()
        yield Static("Loading…", id="person-header", classes="panel")
        yield Static("", id="person-break-glass")
        yield Tabs(*(Tab(label, id=tab) for tab, label in TABS), id="person-tabs")
        yield PagedList(
            columns=[("When", None), ("What", None), ("Detail", None)],
            cells=timeline_cells,
            # Two entries can read the same at the same second (a case reopened to the
            # worker it was closed from), so the place keeps each key unique.
            key=lambda row: (row[1].at, row[1].kind, row[1].text, row[1].opens_id, row[0]),
            cursor=lambda row: (row[0],),
            wording=Wording("entry", "entries", "Nothing has happened yet."),
            page_size=TIMELINE_PAGE,
            id="timeline-list",
        )
        # The assessments and reablement tabs share one list, refilled per tab.
        yield PagedList(
            columns=[],
            cells=lambda row: (),
            key=lambda row: row[1].id,
            cursor=lambda row: (row[0],),
            wording=WORDING["assessments"],
            page_size=TIMELINE_PAGE,
            id="person-table",
        )
        with VerticalScroll(id="person-plan-view"):
            yield Static("", id="person-plan")
        yield Footer()

    def on_screen_resume(self) -> None:
        # Opening the record, or coming back to it, is a view (`services.views`),
        # recorded once the record is on show.
        self.view_due = True
        self.load_record()

    def load_record(self) -> None:
        """Read the record again; its timeline's first page comes with it (`show_timeline`)."""
        person_id, only = self.person_id, self.timeline_only

        def load(session: Session) -> PersonRecord:
            from intapp.services.person_record import open_person_record

            return open_person_record(
                session=session,
                person_id=person_id,
                timeline_limit=TIMELINE_PAGE,
                timeline_only=only,
            )

        self.read(RecordRead, load)

    def show_timeline(self, first: Page[tuple[int, TimelineEntry]]) -> None:
        """Show the timeline from the first page read with the record; read again (back on
        this screen), the highlight stays on its entry, or a later page is read afresh."""
        timeline = self.query_one("#timeline-list", PagedList)
        from_top, self.timeline_from_top = self.timeline_from_top, False
        if timeline.page_number > 1 and not from_top:
            timeline.reload()
            return
        row = None if from_top else timeline.highlighted
        person_id, app, only = self.person_id, self.intapp, self.timeline_only

        def page(after: Cursor | None, limit: int, count: bool) -> Page[tuple[int, TimelineEntry]]:
            from intapp.services.person_record import timeline_page

            return app.run_in_session(
                lambda session: timeline_page(
                    session=session, person_id=person_id, after=after, limit=limit, only=only
                ),
                write=False,
            )

        timeline.show(
            page,
            first=first,
            keep=None if row is None else timeline.key(row),
            filtered=only != "all",
        )

    @on(RecordRead)
    def show_record(self, message: RecordRead) -> None:
        self.record = record = message.value
        if record.person_id != self.person_id:
            # The record asked for was merged into this one: this is the live record.
            self.person_id = record.person_id
            self.notify(
                f"Person {record.merged_from} was merged into this record; showing it instead.",
                title="Merged record",
            )
        if self.view_due:
            self.view_due = False
            self.record_view("person", record.person_id, person_id=record.person_id)
        self.show_timeline(record.timeline)
        o, p = record.overview, record.overview.person
        # A person who has died stays the age they were.
        age = p.age_on(p.date_of_death or clock.today())
        died = (
            f" · [b reverse] died {uk_date(p.date_of_death)} [/]"
            + (
                f" (learnt from {code_label(p.death_source, capitalised=False)})"
                if p.death_source
                else ""
            )
            if p.date_of_death
            else ""
        )
        cohorts = ", ".join(code_label(c, capitalised=False) for c in p.cohorts) or "none"
        self.query_one("#person-header", Static).update(
            f"[b]{escape(p.marked_name)}[/] · NHS {p.nhs_number_display or '—'}"
            f"{' · local id ' + escape(p.local_id) if p.local_id else ''}"
            f"{alerts_line(o.alerts, clock.today())}\n"
            f"Born {uk_date(p.date_of_birth)} (age {age}){died} · risk {p.risk_tier}"
            f" · cohorts: {cohorts}{national_line(p)}\n"
            f"Team {o.team_label} · lead worker {o.lead_worker or 'none'}"
            f" · open cases {len(o.open_cases)}"
            f"{carer_line(record)}"
            + "".join(
                f"\n[b cyan]⇄ {r.reference} is being transferred; its new team has not "
                "accepted it yet[/]"
                for r in o.referrals
                if r.status == "transfer"
            )
        )
        self.query_one("#person-plan", Static).update(plan_text(record.plan))
        self.show_tab()

    def on_mount(self) -> None:
        who = self.intapp.who
        if self.break_glass_until is not None:
            self.show_break_glass()
        elif who is not None and who.team_mode and who.is_staff:
            person_id = self.person_id

            def grant(session: Session) -> datetime | None:
                from intapp.services.break_glass import open_until

                return open_until(session=session, person_id=person_id)

            self.read(BreakGlassRead, grant)

    @on(BreakGlassRead)
    def break_glass_read(self, message: BreakGlassRead) -> None:
        self.break_glass_until = message.value
        self.show_break_glass()

    def show_break_glass(self) -> None:
        """Remind the user this record is open to them outside their teams, until when."""
        until = self.break_glass_until
        line = self.query_one("#person-break-glass", Static)
        line.update(f"break-glass until {uk_time(until)}" if until else "")
        line.set_class(until is not None, "-shown")

    @on(Tabs.TabActivated, "#person-tabs")
    def show_tab(self) -> None:
        """Fill the list with the active tab's rows, or show the plan instead."""
        tab = self.query_one(Tabs).active
        table = self.query_one("#person-table", PagedList)
        timeline = self.query_one("#timeline-list", PagedList)
        plan = self.query_one("#person-plan-view", VerticalScroll)
        table.display = tab in ("assessments", "reablement")
        timeline.display, plan.display = tab == "timeline", tab == "plan"
        # Focus follows the tab, so the arrows move through its rows or scroll the plan.
        {"plan": plan, "timeline": timeline}.get(tab, table).focus()
        if self.record is None or tab in ("plan", "timeline"):
            return
        items: list[Any] = list(
            self.record.assessments if tab == "assessments" else self.record.episodes
        )
        # Read again for the same tab (back from an assessment, say): the highlight stays
        # on the record it was on.
        row = table.highlighted if self.table_tab == tab else None
        keep = None if row is None else table.key(row)
        self.table_tab = tab
        table.columns = [(label, None) for label in COLUMNS[tab]]
        table.cells = assessment_cells if tab == "assessments" else episode_cells
        table.wording = WORDING[tab]
        table.rows = []  # the other tab's rows are not painted in these columns
        table.add_columns()

        def page(after: Cursor | None, limit: int, count: bool) -> Page[tuple[int, Any]]:
            return page_of(items, after=after, limit=limit)

        table.show(page, first=page(None, table.page_size, True), keep=keep)

    def action_tab(self, tab: str) -> None:
        self.query_one(Tabs).active = tab

    def _died(self) -> bool:
        """Say so, and True, when the person has died: nothing new starts for them (the
        services refuse it too; this spares filling in a form first)."""
        person = self.record.overview.person if self.record else None
        if person is None or person.date_of_death is None:
            return False
        self.notify(
            f"{escape(person.name)} died on {uk_date(person.date_of_death)}; "
            "nothing new can start. "
            "If the death was recorded in error, withdraw it with d.",
            severity="warning",
        )
        return True

    @offered_to("reablement")
    def action_start_reablement(self) -> None:
        if self._died():
            return
        from intapp.screens.episode_dialogs import StartEpisodeDialog
        from intapp.services.reablement import start_episode

        person_id, user = self.person_id, self.intapp.user
        planned = next(
            (e for e in (self.record.episodes if self.record else []) if e.state == "planned"),
            None,
        )
        if planned is not None:
            self.begin_or_cancel(planned)
            return

        def answered(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.write(
                    EpisodeStarted,
                    lambda session: start_episode(
                        session=session, user=user, person_id=person_id, **values
                    ),
                )

        name = self._person_name()
        self.app.push_screen(StartEpisodeDialog(subject=name), answered)

    @offered_to("assess")
    def action_new_assessment(self) -> None:
        """Open a blank assessment; it is written only when first saved. A carer is
        offered a carer's assessment as well as an integrated one."""
        if self._died():
            return
        from intapp.screens.assessment import AssessmentScreen

        person_id = self.person_id
        if self.record is None or not self.record.is_carer:
            self.app.push_screen(AssessmentScreen(new_for_person=person_id))
            return
        from intapp.widgets.dialogs import ChoiceScreen

        def chosen(kind: str | None) -> None:
            if kind is not None:
                self.app.push_screen(
                    AssessmentScreen(new_for_person=person_id, assessment_type=kind)
                )

        self.app.push_screen(
            ChoiceScreen(
                f"Which assessment for {escape(self.record.overview.person.name)}?",
                [
                    ("carer", "Carer's assessment (the eight carer outcomes)"),
                    ("integrated", "Integrated assessment (the ten outcomes)"),
                ],
            ),
            chosen,
        )

    def action_open_selected(self) -> None:
        tab = self.query_one(Tabs).active
        if tab in ("timeline", "assessments", "reablement"):
            selector = "#timeline-list" if tab == "timeline" else "#person-table"
            self.query_one(selector, PagedList).open_highlighted()

    @on(PagedList.Opened, "#person-table")
    def open_row(self, event: PagedList.Opened) -> None:
        """Enter or a click: an assessment opens; an episode is all there is to see."""
        _, item = event.row
        if self.query_one(Tabs).active == "assessments":
            from intapp.screens.assessment import AssessmentScreen

            self.app.push_screen(AssessmentScreen(assessment_id=item.id))

    @on(PagedList.Opened, "#timeline-list")
    def open_entry(self, event: PagedList.Opened) -> None:
        """A timeline entry opens what it is about: an assessment, the plan, reablement;
        a note or any other entry opens in full (`open_in_full`)."""
        _, entry = event.row
        if entry.opens == "assessment" and entry.opens_id is not None:
            from intapp.screens.assessment import AssessmentScreen

            self.app.push_screen(AssessmentScreen(assessment_id=entry.opens_id))
        elif entry.opens == "care plan":
            self.action_care_plan()
        elif entry.opens == "reablement":
            self.action_tab("reablement")
        else:
            self.open_in_full(entry)

    def action_care_plan(self) -> None:
        from intapp.screens.care_plan import CarePlanScreen

        self.app.push_screen(CarePlanScreen(person_id=self.person_id))

    def begin_or_cancel(self, planned: EpisodeSummary) -> None:
        """A planned episode is begun (on its start date or later) or cancelled."""
        from intapp.screens.episode_dialogs import PlannedEpisodeDialog
        from intapp.services.reablement import begin_episode, cancel_episode

        user = self.intapp.user

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            change = begin_episode if values.pop("action") == "begin" else cancel_episode
            self.write(
                EpisodeChanged,
                lambda session: change(
                    session=session,
                    user=user,
                    episode_id=planned.id,
                    expected_version=planned.version,
                    **values,
                ),
            )

        name = self._person_name()
        self.app.push_screen(PlannedEpisodeDialog(planned.start_date, subject=name), answered)

    @on(EpisodeChanged)
    def episode_changed(self, message: EpisodeChanged) -> None:
        episode = message.value
        if episode.state == "cancelled":
            self.notify("Planned episode cancelled.", title="Saved")
        else:
            self.notify(
                f"Reablement begun {uk_date(episode.start_date)}: planned end "
                f"{uk_date(episode.planned_end_date)}.",
                title="Saved",
            )
        self.action_tab("reablement")
        self.load_record()

    @on(EpisodeStarted)
    def episode_started(self, message: EpisodeStarted) -> None:
        episode = message.value
        self.notify(f"Reablement {episode.state}: planned end {uk_date(episode.planned_end_date)}.")
        self.action_tab("reablement")
        self.load_record()
