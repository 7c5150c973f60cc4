"""A person's record: who they are, and tabs for timeline, assessments, plan and reablement."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static, Tab, Tabs

from intapp import clock
from intapp.codes import code_label
from intapp.formatting import action_box, local_date, uk_date, uk_datetime
from intapp.screens.base import DataScreen, Result
from intapp.store.paging import page_of
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.assessments import AssessmentSummary
    from intapp.services.care_plans import PlanView
    from intapp.services.case_closure import ClosedCase, ReopenedCase
    from intapp.services.deaths import RecordedDeath
    from intapp.services.people import PersonSummary
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


class RecordRead(Result["PersonRecord"]):
    """The person's record, with the timeline's first page."""


class EpisodeStarted(Result["EpisodeSummary"]):
    """A reablement episode was started (or planned) for the person."""


class EpisodeChanged(Result["EpisodeSummary"]):
    """A planned episode was begun or cancelled."""


class CaseClosed(Result["ClosedCase"]):
    """One of the person's cases closed."""


class CaseReopened(Result["ReopenedCase"]):
    """A closed case reopened."""


class DeathRecorded(Result["RecordedDeath"]):
    """The person's death was recorded, closing everything open."""


class DeathWithdrawn(Result["PersonSummary"]):
    """A death recorded in error was withdrawn."""


class RecordViewed(Result[None]):
    """Opening the record was audited; there is nothing to show for it."""


def timeline_cells(row: tuple[int, TimelineEntry]) -> tuple[str, ...]:
    _, entry = row
    return (uk_datetime(entry.at), entry.kind, entry.text)


class PersonScreen(DataScreen):
    """One person's shared record."""

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

    def __init__(self, *, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id
        self.record: PersonRecord | None = None
        self.table_tab: str | None = None  # which tab the shared table was last filled for

    def compose(self) -> ComposeResult:
        # One table, refilled per tab: a table per tab in a TabbedContent took twice as
        # long to open, mostly laying out and styling the hidden ones.
        yield Header()
        yield Static("Loading…", id="person-header", classes="panel")
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
        user, person_id = self.intapp.user, self.person_id

        def viewed(session: Session) -> None:
            from intapp.services.person_record import record_view

            record_view(session=session, user=user, person_id=person_id)

        # Opening a record is audited. The audit write waits for the disk, so it runs
        # beside the read rather than before it; if it fails, the user is told.
        self.load_record()
        self.write(RecordViewed, viewed)

    def load_record(self) -> None:
        """Read the record again; its timeline's first page comes with it (`show_timeline`)."""
        person_id = self.person_id

        def load(session: Session) -> PersonRecord:
            from intapp.services.person_record import open_person_record

            return open_person_record(
                session=session, person_id=person_id, timeline_limit=TIMELINE_PAGE
            )

        self.read(RecordRead, load)

    def show_timeline(self, first: Page[tuple[int, TimelineEntry]]) -> None:
        """Show the timeline from the first page read with the record; read again (back on
        this screen), the highlight stays on its entry, or a later page is read afresh."""
        timeline = self.query_one("#timeline-list", PagedList)
        if timeline.page_number > 1:
            timeline.reload()
            return
        row = timeline.highlighted
        person_id, app = self.person_id, self.intapp

        def page(after: Cursor | None, limit: int, count: bool) -> Page[tuple[int, TimelineEntry]]:
            from intapp.services.person_record import timeline_page

            return app.run_in_session(
                lambda session: timeline_page(
                    session=session, person_id=person_id, after=after, limit=limit
                ),
                write=False,
            )

        timeline.show(page, first=first, keep=None if row is None else timeline.key(row))

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
            f"{' · local id ' + escape(p.local_id) if p.local_id else ''}\n"
            f"Born {uk_date(p.date_of_birth)} (age {age}){died} · risk {p.risk_tier}"
            f" · cohorts: {cohorts}\n"
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

        name = self.record.overview.person.name if self.record else ""
        self.app.push_screen(StartEpisodeDialog(subject=name), answered)

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

    def action_carer_links(self) -> None:
        from intapp.screens.carer_links import CarerLinksDialog

        if self.record is None:
            return

        def closed(changed: bool | None) -> None:
            if changed:
                self.load_record()

        name = self.record.overview.person.name
        self.app.push_screen(CarerLinksDialog(person_id=self.person_id, name=name), closed)

    def show_person(self, person_id: int | None) -> None:
        """Show another person's record here (the survivor of a merge); None keeps this."""
        if person_id is not None:
            self.person_id = person_id
            self.load_record()

    def action_merge(self) -> None:
        """Choose the other record of this person, then confirm with both shown."""
        from intapp.screens.merge_dialog import MergeDialog
        from intapp.screens.person_picker import PersonPicker

        if self.record is None:
            return
        person_id, name = self.person_id, self.record.overview.person.name

        merged = self.show_person

        def chosen(other: Any) -> None:
            if other is not None:
                self.app.push_screen(MergeDialog(survivor_id=person_id, merged_id=other.id), merged)

        self.app.push_screen(
            PersonPicker(title=f"Merge with which other record of {name}?", exclude=person_id),
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
        """A timeline entry opens what it is about: an assessment, the plan, reablement."""
        _, entry = event.row
        if entry.opens == "assessment" and entry.opens_id is not None:
            from intapp.screens.assessment import AssessmentScreen

            self.app.push_screen(AssessmentScreen(assessment_id=entry.opens_id))
        elif entry.opens == "care plan":
            self.action_care_plan()
        elif entry.opens == "reablement":
            self.action_tab("reablement")
        else:
            self.notify(f"The {entry.kind} entry is all there is to see.")

    def action_edit_details(self) -> None:
        """Correct the person's details; the record is read again on coming back."""
        from intapp.screens.person_edit import PersonEditScreen

        self.app.push_screen(PersonEditScreen(person_id=self.person_id))

    def action_transfer(self) -> None:
        """Send the person's newest open referral or case to another team."""
        from intapp.screens.transfer_dialogs import TransferDialog
        from intapp.services.transfers import SENDABLE

        if self.record is None:
            return
        overview = self.record.overview
        referral = next((r for r in overview.referrals if r.status in SENDABLE), None)
        if referral is None:
            pending = any(r.status == "transfer" for r in overview.referrals)
            self.notify(
                "Its transfer is waiting for the other team to accept or return it."
                if pending
                else "There is no open referral or case to transfer.",
                severity="warning",
            )
            return

        def sent(done: Any) -> None:
            if done is not None:
                self.notify(
                    f"{done.reference} sent to {done.to_team}; it stays with its worker "
                    "until accepted.",
                    title="Transfer sent",
                )
                self.load_record()

        self.app.push_screen(
            TransferDialog(
                referral_id=referral.id,
                team_id=referral.team_id,
                expected_version=referral.version,
                subject=f"{overview.person.name} · {referral.reference}",
            ),
            sent,
        )

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

        name = self.record.overview.person.name if self.record else ""
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

    def _open_cases(self) -> list[tuple[str, int, date]]:
        """(label, referral id, the earliest it may end) for each open referral."""
        if self.record is None:
            return []
        o = self.record.overview
        held = {case.referral_id: case for case in o.open_cases}
        choices = []
        for r in o.referrals:
            if r.status not in ("received", "triaged", "allocated"):
                continue
            case = held.get(r.id)
            who = case.worker_name if case else "awaiting allocation"
            started = case.started_at if case and case.started_at else r.received_at
            label = f"{r.reference} · {code_label(r.pathway) or 'not triaged'} · {who}"
            choices.append((label, r.id, local_date(started)))
        return choices

    def _case_choices(self, *, closed: bool) -> list[tuple[str, int]]:
        """(label, referral id) for the closed cases that may still be reopened."""
        if self.record is None:
            return []
        o, now = self.record.overview, clock.now()
        return [
            (f"{r.reference} · closed {uk_date(r.closed_at)} · {code_label(r.close_outcome)}", r.id)
            for r in o.referrals
            if r.status == "closed" and r.closed_at and now <= o.reopen_until.get(r.id, now)
        ]

    def _referral_version(self, referral_id: int) -> int:
        assert self.record is not None
        return next(r.version for r in self.record.overview.referrals if r.id == referral_id)

    def action_close_case(self) -> None:
        """Close one of the person's open cases (asked which, when there are several)."""
        from intapp.screens.case_dialogs import CloseCaseDialog

        cases = self._open_cases()
        if not cases:
            self.notify("This person has no open case to close.", severity="warning")
            return
        user = self.intapp.user

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            version = self._referral_version(values["referral_id"])

            def close(session: Session) -> ClosedCase:
                from intapp.services.case_closure import close_case

                return close_case(session=session, user=user, expected_version=version, **values)

            self.write(CaseClosed, close)

        self.app.push_screen(CloseCaseDialog(cases, subject=self._person_name()), answered)

    def action_reopen_case(self) -> None:
        """Reopen a case closed within the reopen window."""
        from intapp.config import load_settings
        from intapp.screens.case_dialogs import ReopenCaseDialog

        cases = self._case_choices(closed=True)
        if not cases:
            days = load_settings().reopen_window_days
            self.notify(
                f"No case closed in the last {days} days to reopen; log a new referral instead.",
                severity="warning",
            )
            return
        user = self.intapp.user

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            version = self._referral_version(values["referral_id"])

            def reopen(session: Session) -> ReopenedCase:
                from intapp.services.case_closure import reopen_case

                return reopen_case(session=session, user=user, expected_version=version, **values)

            self.write(CaseReopened, reopen)

        self.app.push_screen(ReopenCaseDialog(cases, subject=self._person_name()), answered)

    def action_death(self) -> None:
        """Record a death; for someone already recorded as dead, withdraw it."""
        if self.record is None:
            return
        from intapp.screens.case_dialogs import RecordDeathDialog, WithdrawDeathDialog
        from intapp.services.deaths import record_death, withdraw_death

        person, user = self.record.overview.person, self.intapp.user

        def record(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.write(
                    DeathRecorded,
                    lambda session: record_death(
                        session=session,
                        user=user,
                        person_id=person.id,
                        expected_version=person.version,
                        **values,
                    ),
                )

        def withdraw(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.write(
                    DeathWithdrawn,
                    lambda session: withdraw_death(
                        session=session,
                        user=user,
                        person_id=person.id,
                        expected_version=person.version,
                        **values,
                    ),
                )

        if person.is_deceased:
            self.app.push_screen(WithdrawDeathDialog(subject=person.name), withdraw)
        else:
            self.app.push_screen(RecordDeathDialog(subject=person.name), record)

    def _person_name(self) -> str:
        return self.record.overview.person.name if self.record else ""

    @on(CaseClosed)
    def case_closed(self, message: CaseClosed) -> None:
        closed = message.value
        plan = " The care plan is closed." if closed.plan_closed else ""
        self.notify(f"Case {closed.referral.reference} closed.{plan}", title="Closed")
        self.load_record()

    @on(CaseReopened)
    def case_reopened(self, message: CaseReopened) -> None:
        reopened = message.value
        self.notify(
            f"Case {reopened.referral.reference} reopened: {reopened.where}.", title="Reopened"
        )
        self.load_record()

    @on(DeathRecorded)
    def death_recorded(self, message: DeathRecorded) -> None:
        death: RecordedDeath = message.value
        self.notify(
            f"{len(death.cases_closed)} referral(s) closed, "
            f"{death.episodes_ended} episode(s) ended, "
            f"{death.followups_cancelled} follow-up(s) cancelled"
            f"{', the care plan closed' if death.plan_closed else ''}.",
            title="Death recorded",
        )
        self.load_record()

    @on(DeathWithdrawn)
    def death_withdrawn(self, message: DeathWithdrawn) -> None:
        person: PersonSummary = message.value
        self.notify(
            f"{escape(person.name)}'s date of death is cleared. "
            "Closed cases stay closed: reopen them with o.",
            title="Death withdrawn",
        )
        self.load_record()

    @on(EpisodeStarted)
    def episode_started(self, message: EpisodeStarted) -> None:
        episode = message.value
        self.notify(f"Reablement {episode.state}: planned end {uk_date(episode.planned_end_date)}.")
        self.action_tab("reablement")
        self.load_record()


def carer_line(record: PersonRecord) -> str:
    """The header's carer line: whom the person cares for and who cares for them."""
    me = record.person_id
    caring = [
        escape(v.other(me).name) for v in record.carer_links if v.role_of_other(me) == "cared for"
    ]
    carers = [
        escape(v.other(me).name) for v in record.carer_links if v.role_of_other(me) == "carer"
    ]
    parts = []
    if caring:
        parts.append("cares for " + ", ".join(caring))
    if carers:
        parts.append("carer " + ", ".join(carers))
    if not parts:
        return ""
    return "\n[b]Carer links (l):[/] " + " · ".join(parts)


def assessment_cells(row: tuple[int, AssessmentSummary]) -> tuple[str, ...]:
    """An assessment's cells, in the order of `COLUMNS["assessments"]`."""
    _, a = row
    return (
        uk_date(a.created_at),
        a.assessment_type,
        code_label(a.status),
        "yes" if a.eligible else "no",
        uk_date(a.signed_off_at),
    )


def episode_cells(row: tuple[int, EpisodeSummary]) -> tuple[str, ...]:
    """An episode's cells, in the order of `COLUMNS["reablement"]`."""
    _, e = row
    return (
        uk_date(e.start_date),
        e.episode_type,
        e.state,
        str(e.days_running(clock.today())),
        code_label(e.outcome),
        f"{e.barthel_start_total if e.barthel_start else '–'} → "
        f"{e.barthel_end_total if e.barthel_end else '–'}",
        code_label(e.followup_result)
        or (f"due {uk_date(e.followup_due)}" if e.followup_due else ""),
    )


def plan_text(plan: PlanView | None) -> str:
    """The current plan as readable text."""
    if plan is None:
        return "No care plan yet."
    c = plan.content
    goals = "\n".join(f"  • {g}" for g in c.goals) or "  none"
    actions = (
        "\n".join(
            f"  {action_box(a)} {a['who']}: {a['what']} by {uk_date(_iso(a['by_when']))}"
            for a in c.actions
        )
        or "  none"
    )
    items = (
        "\n".join(
            f"  {code_label(i['kind'])}: {i['description']} (£{i['cost_pounds']:.2f})"
            for i in c.items
        )
        or "  none"
    )
    closed = f"[b reverse] Closed {uk_date(plan.closed_at)} [/] " if plan.closed_at else ""
    return (
        f"{closed}[b]Version {plan.number}[/] of {plan.current_number} · saved "
        f"{uk_datetime(plan.created_at)} by {plan.created_by} · review {uk_date(c.review_date)}\n\n"
        f"[b]Goals, in their words[/]\n{goals}\n\n[b]Actions[/]\n{actions}\n\n"
        f"[b]Micro-commissioned items[/]\n{items}"
    )


def _iso(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
