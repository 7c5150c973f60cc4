"""Dialogs for moving work on: send a referral or case to another team, accept or return
one sent to yours, and allocate a referral straight after triage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from intapp.codes import code_label
from intapp.formatting import away_text, load_bar, uk_datetime
from intapp.screens.base import DataModal, DataWork, Result, WorkFailed, offered_to
from intapp.screens.episode_dialogs import FormDialog
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.allocations import AllocationSummary  # noqa: F401 (in a string)
    from intapp.services.caseloads import AllocationChoice, Candidate  # noqa: F401 (in a string)
    from intapp.services.organisation import TeamSummary  # noqa: F401 (in a string)
    from intapp.services.transfers import (
        TransferIn,
        TransferSummary,  # noqa: F401 (in a string)
    )


class TeamsRead(Result["list[TeamSummary]"]):
    """The teams a referral can be sent to."""


class TransferSent(Result["TransferSummary"]):
    """The transfer was sent."""


class TransferOpened(Result["TransferIn"]):
    """A transfer waiting for this team's decision."""


class TransferDecided(Result["TransferSummary"]):
    """The transfer was accepted or returned."""


class CandidatesRead(Result["AllocationChoice"]):
    """The workers for the referral, best fit first, and the weight to allocate at."""


class AllocatedNow(Result["AllocationSummary"]):
    """The referral was allocated from the dialog."""


class TransferDialog(DataWork, FormDialog):
    """Choose the receiving team and say why; saving sends it (ctrl+s)."""

    TITLE_TEXT = "Transfer to another team"

    def __init__(
        self, *, referral_id: int, team_id: int, expected_version: int, subject: str
    ) -> None:
        super().__init__(subject=subject)
        self.referral_id = referral_id
        self.team_id = team_id
        self.expected_version = expected_version

    def fields(self) -> ComposeResult:
        yield Static(
            "It stays with its worker here until the other team accepts it.",
            classes="dialog-hint",
        )
        yield Label("Team")
        yield Select[int]([], id="team", prompt="Choose a team")
        yield Label("Why it is moving (recorded; the other team sees it)")
        yield Input(id="reason")

    def on_mount(self) -> None:
        super().on_mount()

        def teams(session: Session) -> Any:
            from intapp.services.organisation import list_teams

            return list_teams(session=session)

        self.read(TeamsRead, teams)

    @on(TeamsRead)
    def show_teams(self, message: TeamsRead) -> None:
        select = self.query_one("#team", Select)
        select.set_options(
            (escape(f"{t.code} {t.name} ({t.locality})"), t.id)
            for t in message.value
            if t.id != self.team_id
        )
        self.mark_clean()

    def values(self) -> dict[str, Any] | None:
        team = self.query_one("#team", Select).value
        if team is Select.NULL:
            self.refuse("Choose the team to send it to.", "#team")
            return None
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.refuse("Say why it is moving.", "#reason")
            return None
        return {"to_team_id": team, "reason": reason}

    def action_submit(self) -> None:
        values = self.values()
        if values is None:
            return
        user, referral_id, version = self.intapp.user, self.referral_id, self.expected_version

        def send(session: Session) -> Any:
            from intapp.services.transfers import send_transfer

            return send_transfer(
                session=session,
                user=user,
                referral_id=referral_id,
                expected_version=version,
                **values,
            )

        self.write(TransferSent, send)

    @on(TransferSent)
    def sent(self, message: TransferSent) -> None:
        self.dismiss(message.value)  # type: ignore[arg-type]  # a form that saves itself

    @on(WorkFailed)
    def refused(self, message: WorkFailed) -> None:
        from intapp.services.errors import Conflict, DomainError

        error = message.error
        if isinstance(error, DomainError) and not isinstance(error, Conflict):
            message.prevent_default()
            self.refuse(error.message, "#reason" if error.field == "reason" else "#team")


class TransferDecisionDialog(DataModal):
    """A transfer in: accept it (a) or return it with a reason (r)."""

    BINDINGS = [
        Binding("a", "accept", "Accept", id="transfer.accept"),
        Binding("r", "return", "Return", id="transfer.return"),
        Binding("escape", "dismiss(None)", "Later", id="transfer.later"),
    ]

    def __init__(self, *, referral_id: int) -> None:
        super().__init__()
        self.referral_id = referral_id
        self.data: TransferIn | None = None
        self.decision = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog transfer-dialog"):
            yield Label("Transfer in", classes="dialog-title")
            yield Static("Loading…", id="transfer-detail")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Accept (a)", id="accept", variant="primary")
                yield Button("Return (r)", id="return")
                yield Button("Later (esc)", id="later")

    def on_mount(self) -> None:
        referral_id = self.referral_id

        def load(session: Session) -> Any:
            from intapp.services.transfers import open_transfer

            return open_transfer(session=session, referral_id=referral_id)

        self.read(TransferOpened, load)

    @on(TransferOpened)
    def show(self, message: TransferOpened) -> None:
        self.data = data = message.value
        deciding = self.intapp.allows("transfer")
        t = data.transfer
        held = (
            f"Held by {escape(data.worker_name)} in {escape(t.from_team)} until you accept."
            if data.worker_name
            else f"{code_label(t.from_status)} in {escape(t.from_team)}."
        )
        # What people typed is shown as typed, never read as markup.
        self.query_one("#transfer-detail", Static).update(
            f"[b]{escape(data.person_name)}[/] · {escape(t.reference)} · "
            f"{code_label(data.pathway) or 'not triaged'}\n"
            f"{escape(data.referral_reason)}\n\n"
            f"From [b]{escape(t.from_team)}[/], sent {uk_datetime(t.sent_at)} by "
            f"{escape(t.sent_by)}:\n“{escape(t.reason)}”\n{held}" + self._who_decides(deciding)
        )
        for button in ("#accept", "#return"):
            self.query_one(button, Button).display = deciding
        self.query_one("#accept" if deciding else "#later", Button).focus()

    def _who_decides(self, deciding: bool) -> str:
        """Why a key worker sees no Accept or Return: who decides transfers."""
        from intapp.access import refusal

        who = self.intapp.who
        return "" if deciding or who is None else "\n\n" + escape(refusal(who, "transfer"))

    @offered_to("transfer")
    def action_accept(self) -> None:
        if self.data is None:
            return
        user, referral_id, version = self.intapp.user, self.referral_id, self.data.version
        self.decision = "accepted"

        def accept(session: Session) -> Any:
            from intapp.services.transfers import accept_transfer

            return accept_transfer(
                session=session, user=user, referral_id=referral_id, expected_version=version
            )

        self.write(TransferDecided, accept)

    @offered_to("transfer")
    def action_return(self) -> None:
        if self.data is None:
            return
        from intapp.widgets.dialogs import ReasonScreen

        user, referral_id, version = self.intapp.user, self.referral_id, self.data.version
        sender = self.data.transfer.from_team

        def answered(reason: str | None) -> None:
            if not reason:
                return
            self.decision = "returned"

            def give_back(session: Session) -> Any:
                from intapp.services.transfers import return_transfer

                return return_transfer(
                    session=session,
                    user=user,
                    referral_id=referral_id,
                    reason=reason,
                    expected_version=version,
                )

            self.write(TransferDecided, give_back)

        self.app.push_screen(
            ReasonScreen(f"Why is it going back to {sender}? ({sender} sees this)"), answered
        )

    @on(TransferDecided)
    def decided(self, message: TransferDecided) -> None:
        self.dismiss(message.value)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "accept":
            self.action_accept()
        elif event.button.id == "return":
            self.action_return()
        else:
            self.dismiss(None)


def candidate_label(c: Candidate) -> str:
    """A worker as the allocate dialog lists them: load, fit, and whether away."""
    load = c.load
    fit = ", ".join(
        label
        for label, yes in (("knows person", c.knows_person), ("profession", c.profession_fits))
        if yes
    )
    bar = load_bar(load.load, load.limit)
    away = away_text(load.away)
    return (
        f"{escape(f'{load.name:22}')} {code_label(load.profession):22} "
        f"{'[red]' + bar + '[/]' if load.over_limit else bar:12} "
        f"{'[yellow]' + away + '[/]' if away else fit}"
    )


class AllocateNowDialog(DataModal):
    """The workers for one referral, best fit highlighted: Enter allocates at the usual
    weight, Escape leaves it awaiting allocation."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Later", id="allocate_now.later"),
        Binding("enter", "allocate", "Allocate", id="allocate_now.allocate", priority=True),
    ]

    def __init__(self, *, referral_id: int, expected_version: int, subject: str) -> None:
        super().__init__()
        self.referral_id = referral_id
        self.expected_version = expected_version
        self.subject = subject
        self.candidates: list[Candidate] = []
        self.weight: int | None = None
        """The weight to allocate at, read with the workers."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(f"Allocate {escape(self.subject)} to…", classes="dialog-title")
            yield Static("Best fit first.", id="allocate-now-hint", classes="dialog-hint")
            yield OptionList(id="picker")

    def on_mount(self) -> None:
        referral_id = self.referral_id

        def load(session: Session) -> Any:
            from intapp.services.caseloads import allocation_choice

            return allocation_choice(session=session, referral_id=referral_id)

        self.read(CandidatesRead, load)

    @on(CandidatesRead)
    def show(self, message: CandidatesRead) -> None:
        choice = message.value
        self.candidates = choice.candidates
        self.weight = choice.weight
        self.query_one("#allocate-now-hint", Static).update(
            f"Best fit first; this case weighs {choice.weight} points. Enter allocates, "
            "esc leaves it awaiting allocation."
        )
        picker = self.query_one("#picker", OptionList)
        picker.add_options([Option(candidate_label(c)) for c in self.candidates])
        if self.candidates:
            picker.highlighted = 0
        picker.focus()

    @property
    def highlighted(self) -> Candidate | None:
        index = self.query_one("#picker", OptionList).highlighted
        return None if index is None or not self.candidates else self.candidates[index]

    @offered_to("allocate")
    def action_allocate(self, over_limit_reason: str | None = None) -> None:
        chosen = self.highlighted
        if chosen is None:
            return
        user, referral_id, version = self.intapp.user, self.referral_id, self.expected_version
        worker_id, weight = chosen.load.worker_id, self.weight

        def allocate(session: Session) -> Any:
            from intapp.services.allocations import allocate

            return allocate(
                session=session,
                user=user,
                referral_id=referral_id,
                worker_id=worker_id,
                weight=weight,
                over_limit_reason=over_limit_reason,
                expected_version=version,
            )

        self.write(AllocatedNow, allocate)

    @on(OptionList.OptionSelected, "#picker")
    def clicked(self) -> None:
        self.action_allocate()

    @on(AllocatedNow)
    def allocated(self, message: AllocatedNow) -> None:
        self.dismiss((message.value, self.highlighted))

    @on(WorkFailed)
    def refused(self, message: WorkFailed) -> None:
        from intapp.services.errors import OverCaseloadLimit

        error = message.error
        if not isinstance(error, OverCaseloadLimit):
            return
        message.prevent_default()
        from intapp.widgets.dialogs import ReasonScreen

        def answered(reason: str | None) -> None:
            if reason:
                self.action_allocate(reason)

        self.app.push_screen(
            ReasonScreen(
                f"{error.message}\n\nWhy should they take it anyway?",
                placeholder="Over-limit reason (recorded)",
            ),
            answered,
        )
