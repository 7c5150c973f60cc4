"""Receive a referral at the single point of entry, linked to the person if already known."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Header, Input, Label, Select, Static

from intapp.codes import ReferralSource, RouteOfAccess
from intapp.config import configured
from intapp.formatting import parse_date, uk_date
from intapp.screens.base import DataScreen, Result, WorkFailed, field_values
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.organisation import TeamSummary
    from intapp.services.people import PersonSummary
    from intapp.services.referrals import ReferralSummary

FIELDS = (
    ("nhs", "NHS number", "10 digits, spaces allowed"),
    ("local-id", "Local id", "if there is no NHS number"),
    ("given", "Given name", ""),
    ("family", "Family name", ""),
    ("dob", "Date of birth", "DD/MM/YYYY"),
    ("postcode", "Postcode", ""),
)


class TeamsRead(Result["list[TeamSummary]"]):
    """The teams a referral can go to."""


class NhsMatch(Result["tuple[str, PersonSummary | None]"]):
    """The NHS number looked up (10 digits) and who has it, if anyone."""


class Received(Result["ReferralSummary"]):
    """The referral was saved."""


class NewReferralScreen(DataScreen):
    """Type the NHS number first: a known person is found and shown, never duplicated."""

    BINDINGS = [
        Binding("ctrl+s", "save_referral", "Save referral", id="referral.save"),
        Binding("escape", "leave", "Cancel", id="referral.cancel"),
    ]
    LEAVE_QUESTION = "Discard this referral without saving it?"
    AUTO_FOCUS = "#nhs"

    def __init__(self, *, team_id: int | None = None) -> None:
        super().__init__()
        self.match: PersonSummary | None = None
        self.team_id = team_id
        """The team chosen on the dashboard, if one: the referral's team unless changed."""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Label("New referral", classes="section")
            with Grid(id="referral-grid"):
                for field_id, label, placeholder in FIELDS:
                    yield Label(label)
                    yield Input(id=field_id, placeholder=placeholder)
                yield Label("Team")
                yield Select([], id="team", prompt="Choose the team")
                yield Label("Source")
                yield Select(
                    [(s.label, s.value) for s in ReferralSource], id="source", prompt="Who referred"
                )
                yield Label("Route of access")
                yield Select(
                    [(r.label, r.value) for r in RouteOfAccess],
                    id="route",
                    value=RouteOfAccess.COMMUNITY_OTHER.value,
                    allow_blank=False,
                )
                yield Label("Reason")
                yield Input(id="reason", placeholder="Why, in a sentence")
            yield Static("", id="nhs-check")
            yield Static("", id="match", classes="panel")
            yield Static("", id="referral-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.mark_clean()

        def teams(session: Session) -> list[TeamSummary]:
            from intapp.services.organisation import list_teams

            return list_teams(session=session)

        self.read(TeamsRead, teams)

    def form_values(self) -> Any:
        return field_values(self)

    @on(TeamsRead)
    def show_teams(self, message: TeamsRead) -> None:
        teams = message.value
        select = self.query_one("#team", Select)
        select.set_options([(f"{t.code} {t.name}", t.id) for t in teams])
        if any(t.id == self.team_id for t in teams):
            untouched = not self.dirty
            select.value = self.team_id
            if untouched:  # a default is not an edit to ask about on leaving
                self.mark_clean()

    @on(Input.Changed, "#nhs")
    def nhs_typed(self, event: Input.Changed) -> None:
        from intapp.services.errors import InvalidInput
        from intapp.services.nhs_number import format_nhs_number, normalise

        check = self.query_one("#nhs-check", Static)
        self.match = None
        self.query_one("#match", Static).update("")
        # A lookup still running is for an earlier number: it must never be shown.
        self.cancel(NhsMatch)
        if not event.value.strip():
            check.update("")
            return
        try:
            digits = normalise(event.value)
        except InvalidInput as error:
            check.update(f"[red]{error.message}[/]")
            return
        check.update(f"[green]NHS number {format_nhs_number(digits)} is valid[/]")

        def find(session: Session) -> tuple[str, PersonSummary | None]:
            from intapp.services.people import find_person, summarise

            person = find_person(session=session, nhs_number=digits)
            return digits, summarise(person) if person else None

        self.read(NhsMatch, find)

    @on(NhsMatch)
    def show_match(self, message: NhsMatch) -> None:
        from intapp.services.errors import InvalidInput
        from intapp.services.nhs_number import normalise

        digits, person = message.value
        try:  # the answer may have been on its way when the number changed
            current = normalise(self.query_one("#nhs", Input).value)
        except InvalidInput:
            return
        if digits != current:
            return
        self.match = person
        panel = self.query_one("#match", Static)
        if person is None:
            panel.update("No one has this NHS number yet: a new record will be made.")
            return
        panel.update(
            f"[b]Known person:[/] {person.name}, born {uk_date(person.date_of_birth)}"
            f"{', ' + person.postcode if person.postcode else ''}. The referral joins their record."
        )
        for field_id, value in (
            ("given", person.given_name),
            ("family", person.family_name),
            ("dob", person.date_of_birth.strftime("%d/%m/%Y")),
            ("postcode", person.postcode or ""),
        ):
            self.query_one(f"#{field_id}", Input).value = value
        self.query_one("#team", Select).value = person.team_id

    def action_save_referral(self) -> None:
        from intapp.services.people import PersonIn

        value = {f: self.query_one(f"#{f}", Input).value.strip() for f, _, _ in FIELDS}
        dob = parse_date(value["dob"])
        team, source = (
            self.query_one("#team", Select).value,
            self.query_one("#source", Select).value,
        )
        if dob is None:
            return self.refuse("Type a valid date of birth as DD/MM/YYYY.", "#dob")
        if team is Select.NULL:
            return self.refuse("Choose the team.", "#team")
        if source is Select.NULL:
            return self.refuse("Choose who referred.", "#source")
        person = PersonIn(
            given_name=value["given"],
            family_name=value["family"],
            date_of_birth=dob,
            team_id=int(str(team)),
            nhs_number=value["nhs"] or None,
            local_id=value["local-id"] or None,
            postcode=value["postcode"] or None,
        )
        user = self.intapp.user
        route = str(self.query_one("#route", Select).value)
        reason = self.query_one("#reason", Input).value

        def receive(session: Session) -> ReferralSummary:
            from intapp.services.referrals import receive_referral

            return receive_referral(
                session=session,
                user=user,
                person=person,
                source=str(source),
                route_of_access=route,
                reason=reason,
            )

        self.write(Received, receive)

    @on(Received)
    def received(self, message: Received) -> None:
        referral = message.value
        self.notify(
            f"{referral.reference} is in the queue"
            + (configured(" (re-referral within {rereferral})") if referral.is_rereferral else ""),
            title="Referral received",
        )
        self.app.pop_screen()

    @on(WorkFailed)
    def referral_refused(self, message: WorkFailed) -> None:
        """Bad input is shown under the form at its field; the rest is reported as usual."""
        from intapp.services.errors import InvalidInput

        selectors = {
            "nhs_number": "#nhs",
            "local_id": "#local-id",
            "given_name": "#given",
            "family_name": "#family",
            "date_of_birth": "#dob",
            "reason": "#reason",
            "source": "#source",
        }
        error = message.error
        if message.result is Received and isinstance(error, InvalidInput):
            message.prevent_default()
            self.refuse(error.message, selectors.get(error.field or "", "#nhs"))

    def refuse(self, message: str, selector: str) -> None:
        self.query_one("#referral-error", Static).update(message)
        self.query_one(selector).focus()
