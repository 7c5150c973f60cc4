"""Triage one referral: see who the person is and their history, then set priority,
deadline and pathway."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Input, Label, Select, Static

from intapp import clock
from intapp.codes import Pathway, Priority, code_label
from intapp.config import configured, load_settings
from intapp.formatting import due_text, uk_date, uk_datetime
from intapp.screens.base import DataScreen, Result, WorkFailed, offered_to
from intapp.widgets.alert_marks import alerts_line
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.referrals import ReferralSummary
    from intapp.services.triage import TriageView


class TriageOpened(Result["TriageView"]):
    """The referral to triage, with the person and their history."""


class Triaged(Result["ReferralSummary"]):
    """The triage was saved."""


PRIORITY_NAMES = {
    Priority.URGENT: "Urgent community response",
    Priority.MEDICALLY_OPTIMISED: "Medically optimised",
    Priority.DISCHARGE_OR_FALLS: "Hospital discharge or fall",
    Priority.SOON: "Soon",
    Priority.ROUTINE: "Routine",
}


def priority_options() -> list[tuple[str, str]]:
    """Each priority with its response target, e.g. ``Urgent community response (2 h)``."""
    targets = load_settings().response_targets_hours
    return [(f"{PRIORITY_NAMES[p]} ({_hours(targets[p])})", p.value) for p in Priority]


def _hours(hours: int) -> str:
    return f"{hours // 24} days" if hours >= 48 and hours % 24 == 0 else f"{hours} h"


class TriageScreen(DataScreen):
    """Set the priority (the deadline follows), choose the pathway, add a note, save."""

    LEAVE_QUESTION = "Leave without saving this triage?"
    # Straight to the first field: focusing the scrolling body first and moving on
    # restyles the whole form twice.
    AUTO_FOCUS = "#priority"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save triage", id="triage.save"),
        Binding("escape", "leave", "Back", id="triage.back"),
    ]

    def __init__(self, *, referral_id: int) -> None:
        super().__init__()
        self.referral_id = referral_id
        self.data: TriageView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="triage-body"):
            yield Static("Loading…", id="triage-person", classes="panel")
            yield Static("", id="triage-history", classes="panel")
            yield Static("", id="triage-referral", classes="panel")
            with Vertical(id="triage-form", classes="panel"):
                with Horizontal(classes="field"):
                    yield Label("Priority", classes="field-label")
                    yield Select(priority_options(), id="priority", allow_blank=False)
                    yield Static("", id="due-preview")
                with Horizontal(classes="field"):
                    yield Label("Pathway", classes="field-label")
                    yield Select(
                        [(p.label, p.value) for p in Pathway],
                        id="pathway",
                        prompt="Choose a pathway",
                    )
                with Horizontal(classes="field"):
                    yield Label("Note", classes="field-label")
                    yield Input(placeholder="Why this priority and pathway", id="note")
                yield Static("", id="triage-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the referral and the person's history again."""
        referral_id = self.referral_id

        def load(session: Session) -> TriageView:
            from intapp.services.triage import open_triage

            return open_triage(session=session, referral_id=referral_id)

        self.read(TriageOpened, load)

    @on(TriageOpened)
    def show_referral(self, message: TriageOpened) -> None:
        self.data = data = message.value
        person, overview, referral = data.overview.person, data.overview, data.referral
        flags = (
            configured(" [b yellow]↺ re-referral within {rereferral}[/]")
            if referral.is_rereferral
            else ""
        )
        self.query_one("#triage-person", Static).update(
            f"[b]{escape(person.name)}[/]{flags}"
            f"{alerts_line(overview.alerts, clock.today(), key=None)}\n"
            f"NHS {person.nhs_number_display or 'none (local id ' + str(person.local_id) + ')'}"
            f" · born {uk_date(person.date_of_birth)} (age {person.age_on(clock.today())})"
            f" · {escape(person.postcode or 'no postcode')} · risk {person.risk_tier}\n"
            f"Team {overview.team_label} · lead worker {overview.lead_worker or 'none'}"
            f" · open cases {len(overview.open_cases)}"
        )
        earlier = [r for r in overview.referrals if r.id != referral.id][:5]
        history = "\n".join(
            f"{uk_date(r.received_at):11}  {code_label(r.status):18} "
            f"{code_label(r.pathway):24} {r.reason[:40]}"
            for r in earlier
        )
        self.query_one("#triage-history", Static).update(
            "[b]Earlier referrals[/]\n" + (history or "none")
        )
        self.query_one("#triage-referral", Static).update(
            f"[b]This referral[/] {referral.reference} · received "
            f"{uk_datetime(referral.received_at)} from "
            f"{code_label(referral.source, capitalised=False)}\n"
            f"{referral.reason}"
        )
        self.query_one("#priority", Select).value = referral.priority
        if referral.pathway:
            self.query_one("#pathway", Select).value = referral.pathway
        self.mark_clean()

    @on(Select.Changed, "#priority")
    def priority_changed(self, event: Select.Changed) -> None:
        if self.data is None or event.value is Select.NULL:
            return
        from intapp.services.referrals import response_due_by

        due = response_due_by(priority=str(event.value), received_at=self.data.referral.received_at)
        self.query_one("#due-preview", Static).update(
            f"due by {uk_datetime(due)} ({due_text(due, clock.now())})"
        )

    def form_values(self) -> Any:
        if self.data is None:
            return None
        return (
            self.query_one("#priority", Select).value,
            self.query_one("#pathway", Select).value,
            self.query_one("#note", Input).value,
        )

    @offered_to("triage")
    def action_save(self) -> None:
        if self.data is None:
            return
        pathway = self.query_one("#pathway", Select).value
        if pathway is Select.NULL:
            self.show_error("Choose a pathway before saving.", "#pathway")
            return
        priority = str(self.query_one("#priority", Select).value)
        note = self.query_one("#note", Input).value
        referral_id, version, user = self.referral_id, self.data.referral.version, self.intapp.user

        def triage(session: Session) -> ReferralSummary:
            from intapp.services.referrals import triage_referral

            return triage_referral(
                session=session,
                user=user,
                referral_id=referral_id,
                priority=priority,
                pathway=str(pathway),
                note=note,
                expected_version=version,
            )

        self.write(Triaged, triage)

    @on(Triaged)
    def triage_saved(self, message: Triaged) -> None:
        """Saved: back to the queue; a pathway that needs a key worker goes straight on
        to choosing one, so the referral need not be found again."""
        from intapp.codes import ReferralStatus
        from intapp.screens.queue import allocate_now

        referral = message.value
        self.notify(
            f"{referral.reference}: {code_label(referral.status, capitalised=False)}, "
            f"due by {uk_datetime(referral.due_by)}",
            title="Triage saved",
        )
        subject = self.data.overview.person.name if self.data else referral.reference
        below = self.app.screen_stack[-2]
        self.app.pop_screen()
        if referral.status == ReferralStatus.TRIAGED and isinstance(below, DataScreen):
            allocate_now(below, referral.id, referral.version, subject)

    @on(WorkFailed)
    def triage_refused(self, message: WorkFailed) -> None:
        """A refused field is shown beside the form; anything else is reported as usual."""
        from intapp.services.errors import DomainError

        error = message.error
        if message.result is not Triaged or not isinstance(error, DomainError):
            return
        if error.field not in ("priority", "pathway", "note"):
            return
        message.prevent_default()
        self.show_error(error.message, f"#{error.field}")

    def show_error(self, message: str, selector: str) -> None:
        self.query_one("#triage-error", Static).update(message)
        self.query_one(selector).focus()
