"""Receive a referral at the single point of entry, linked to the person if already known."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Header, Input, Label, Select, Static

from intapp import clock
from intapp.codes import ReferralSource, RouteOfAccess
from intapp.config import configured, load_settings
from intapp.formatting import parse_date, parse_uk_datetime, uk_date
from intapp.screens.base import DataScreen, Result, WorkFailed, field_values, offered_to
from intapp.screens.national_fields import FORM_LABELS, chosen, national_selects, selector
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape
from intapp.widgets.note import Note

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.matching import Difference, PossibleMatch
    from intapp.services.organisation import TeamSummary
    from intapp.services.people import PersonIn, PersonSummary
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


class MatchesRead(Result["tuple[tuple[str, str, str], list[PossibleMatch]]"]):
    """The names and birth date looked up, and who may already be that person."""


# The fields whose change may bring up other possible matches, or a mismatch.
IDENTITY = ("given", "family", "dob", "postcode")


class NewReferralScreen(DataScreen):
    """Type the NHS number first: a known person is found and shown, never duplicated."""

    BINDINGS = [
        Binding("ctrl+s", "save_referral", "Save referral", id="referral.save"),
        Binding("escape", "leave", "Cancel", id="referral.cancel"),
        Binding("ctrl+o", "choose_match", "Possible matches", id="referral.matches"),
        Binding("ctrl+r", "correct_record", "Correct the record", id="referral.correct"),
    ]
    LEAVE_QUESTION = "Discard this referral without saving it?"
    AUTO_FOCUS = "#nhs"

    def __init__(self, *, team_id: int | None = None) -> None:
        super().__init__()
        self.match: PersonSummary | None = None
        """The known person the referral is for (by NHS number, or chosen from matches)."""
        self.nhs_unknown = False
        """The NHS number typed was looked up, and nobody has it."""
        self.candidates: list[PossibleMatch] = []
        """People who may already be the person typed (same birth, name alike)."""
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
                yield Label("Received")
                days = load_settings().received_backdate_days
                yield Input(
                    id="received",
                    placeholder=f"now; or DD/MM/YYYY HH:MM, up to {days} days back",
                )
                # For the national return; a known person's record fills them in.
                yield from national_selects("referral")
        # Under the form, always in view however far it is scrolled: what is known of
        # the person typed, and what is wrong.
        with Vertical(id="referral-status"):
            yield Note("", id="nhs-check")
            yield Note("", id="match")
            yield Note("", id="referral-error", classes="error")
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
        who = self.intapp.who
        teams = [t for t in message.value if who is None or who.works_for(t.id)]
        select = self.query_one("#team", Select)
        select.set_options([(f"{t.code} {t.name}", t.id) for t in teams])
        if who is not None and who.is_staff and len(teams) == 1 and self.team_id is None:
            self.team_id = teams[0].id  # a member of staff's one team
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
        self.nhs_unknown = False
        self.show_person()
        # A lookup still running is for an earlier number: it must never be shown.
        self.cancel(NhsMatch)
        if not event.value.strip():
            check.update("")
            self.look_for_matches()
            return
        try:
            digits = normalise(event.value)
        except InvalidInput as error:
            check.update(f"[red]{escape(error.message)}[/]")
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
        if person is None:
            self.nhs_unknown = True
            self.look_for_matches()
            return
        self.candidates = []
        # Only blank fields are filled from the record: what was typed stays, so that a
        # difference from the record shows (`show_person`) rather than being lost.
        for field_id, value in (
            ("given", person.given_name),
            ("family", person.family_name),
            ("dob", person.date_of_birth.strftime("%d/%m/%Y")),
            ("postcode", person.postcode or ""),
        ):
            field = self.query_one(f"#{field_id}", Input)
            if not field.value.strip():
                field.value = value
        self.query_one("#team", Select).value = person.team_id
        for name in FORM_LABELS:
            select = self.query_one(selector("referral", name), Select)
            recorded = getattr(person, name)
            if select.value is Select.NULL and recorded is not None:
                select.value = recorded
        self.show_person()

    def differences(self) -> list[Difference]:
        """Where the typed name or birth differs from the known person's record."""
        from intapp.services.matching import differences

        if self.match is None:
            return []
        return differences(
            self.match,
            given_name=self.query_one("#given", Input).value,
            family_name=self.query_one("#family", Input).value,
            date_of_birth=parse_date(self.query_one("#dob", Input).value),
        )

    def show_person(self) -> None:
        """Say who the referral is for: the known person (and where what was typed
        differs from their record), possible matches, or a new record."""
        from intapp.screens.referral_dialogs import differences_text

        panel = self.query_one("#match", Static)
        person = self.match
        self.refresh_bindings()
        if person is not None:
            known = (
                f"[b]Known person:[/] {escape(person.name)}, born {uk_date(person.date_of_birth)}"
                f"{', ' + escape(person.postcode) if person.postcode else ''}. "
                "The referral joins their record."
            )
            found = self.differences()
            if found:
                known += (
                    "\n[b yellow]What you typed differs from the record:[/]\n"
                    f"{differences_text(person, found)}\n"
                    "ctrl+r corrects the record; saving goes on with the record as it is."
                )
            panel.update(known)
        elif self.candidates:
            count = len(self.candidates)
            panel.update(
                f"[b yellow]Already known? {count} possible match{'es' if count > 1 else ''}:[/] "
                + "; ".join(
                    f"{escape(m.person.name)}, "
                    f"{m.person.nhs_number_display or escape(m.person.local_id or '')}"
                    for m in self.candidates[:2]
                )
                + ("; …" if count > 2 else "")
                + f"\n({escape(self.candidates[0].why)}). ctrl+o to look and choose one, "
                "or carry on for a new record."
            )
        elif self.nhs_unknown:
            panel.update("No one has this NHS number yet: a new record will be made.")
        else:
            panel.update("")

    @on(Input.Changed, "#given, #family, #dob, #postcode")
    def identity_typed(self) -> None:
        if self.match is not None:
            self.show_person()
        else:
            self.look_for_matches()

    def look_for_matches(self) -> None:
        """Ask who may already be the person typed: born that day, with a name alike."""
        self.cancel(MatchesRead)
        given, family = (self.query_one(f"#{f}", Input).value.strip() for f in ("given", "family"))
        dob_text = self.query_one("#dob", Input).value.strip()
        born = parse_date(dob_text)
        if self.match is not None or born is None or not (given or family):
            if self.candidates:
                self.candidates = []
            self.show_person()
            return
        postcode = self.query_one("#postcode", Input).value
        typed = (given, family, dob_text)

        def find(session: Session) -> tuple[tuple[str, str, str], list[PossibleMatch]]:
            from intapp.services.matching import possible_duplicates

            return typed, possible_duplicates(
                session=session,
                given_name=given,
                family_name=family,
                date_of_birth=born,
                postcode=postcode,
            )

        self.read(MatchesRead, find)

    @on(MatchesRead)
    def show_matches(self, message: MatchesRead) -> None:
        typed, found = message.value
        now = tuple(self.query_one(f"#{f}", Input).value.strip() for f in IDENTITY[:3])
        if typed != now or self.match is not None:
            return  # typed over since: a newer answer is on its way
        self.candidates = found
        self.show_person()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not super().check_action(action, parameters):  # the role may not
            return False
        if action == "choose_match":
            return bool(self.candidates) and self.match is None
        if action == "correct_record":
            return self.match is not None
        return True

    def action_choose_match(self) -> None:
        from intapp.screens.referral_dialogs import MatchPickerDialog

        def chosen(match: PossibleMatch | None) -> None:
            if match is None:
                return
            person = match.person
            if person.nhs_number:  # looked up as if typed: the known-person flow follows
                self.query_one("#nhs", Input).value = person.nhs_number_display
            else:
                self.query_one("#local-id", Input).value = person.local_id or ""
                self.match = person
                self.candidates = []
                self.query_one("#team", Select).value = person.team_id
                self.show_person()

        self.app.push_screen(MatchPickerDialog(self.candidates), chosen)

    def action_correct_record(self) -> None:
        """Open the known person's details with the typed values proposed in place of the
        record's; once saved, the record is looked up again."""
        from intapp.screens.person_edit import PersonEditScreen

        person = self.match
        if person is None:
            return
        proposed: dict[str, Any] = {}
        for d in self.differences():
            if d.label == "date of birth":
                proposed["date_of_birth"] = parse_date(self.query_one("#dob", Input).value)
            else:
                proposed[d.label.replace(" ", "_")] = d.typed

        def corrected(details: object) -> None:
            if details is not None and person.nhs_number:
                # The same number, read again: the record now says what was typed.
                field = self.query_one("#nhs", Input)
                field.value = ""
                field.value = person.nhs_number_display
            elif details is not None:
                self.match = None
                self.query_one("#match", Static).update("Record corrected: save the referral.")

        self.app.push_screen(PersonEditScreen(person_id=person.id, proposed=proposed), corrected)

    @offered_to("receive_referral")
    def action_save_referral(self) -> None:
        """Save; when the known record says otherwise than what was typed, ask first."""
        from intapp.screens.referral_dialogs import MismatchDialog

        request = self.checked_request()
        if request is None:
            return
        found = self.differences()
        if self.match is None or not found:
            self.send(*request)
            return

        def answered(choice: str | None) -> None:
            if choice == "use":
                self.send(*request)
            elif choice == "correct":
                self.action_correct_record()

        self.app.push_screen(MismatchDialog(self.match, found), answered)

    def checked_request(self) -> tuple[PersonIn, str, datetime | None] | None:
        """The person, the source and the received time, or None after saying what is
        missing or wrong."""
        from intapp.services.people import PersonIn

        value = {f: self.query_one(f"#{f}", Input).value.strip() for f, _, _ in FIELDS}
        dob = parse_date(value["dob"])
        team, source = (
            self.query_one("#team", Select).value,
            self.query_one("#source", Select).value,
        )
        received_text = self.query_one("#received", Input).value.strip()
        received_at = parse_uk_datetime(received_text, today=clock.today())
        if dob is None:
            self.refuse("Type a valid date of birth as DD/MM/YYYY.", "#dob")
            return None
        if team is Select.NULL:
            self.refuse("Choose the team.", "#team")
            return None
        if source is Select.NULL:
            self.refuse("Choose who referred.", "#source")
            return None
        if received_text and received_at is None:
            self.refuse(
                "Type when it was received as DD/MM/YYYY HH:MM (or HH:MM for today), "
                "or leave it blank for now. A time in the hour the clocks go forward "
                "(01:00-01:59 on the last Sunday of March) does not exist.",
                "#received",
            )
            return None
        national = {
            name: chosen(self.query_one(selector("referral", name), Select)) for name in FORM_LABELS
        }
        person = PersonIn(
            given_name=value["given"],
            family_name=value["family"],
            date_of_birth=dob,
            team_id=int(str(team)),
            nhs_number=value["nhs"] or None,
            local_id=value["local-id"] or None,
            postcode=value["postcode"] or None,
            ethnicity=national["ethnicity"],
            accommodation_status=national["accommodation_status"],
            primary_support_reason=national["primary_support_reason"],
            client_type=national["client_type"],
        )
        return person, str(source), received_at

    def send(self, person: PersonIn, source: str, received_at: datetime | None) -> None:
        """Receive the referral, for the known person or a new record."""
        user = self.intapp.user
        route = str(self.query_one("#route", Select).value)
        reason = self.query_one("#reason", Input).value

        def receive(session: Session) -> ReferralSummary:
            from intapp.services.referrals import receive_referral

            return receive_referral(
                session=session,
                user=user,
                person=person,
                source=source,
                route_of_access=route,
                reason=reason,
                received_at=received_at,
                typed=True,
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
            "received_at": "#received",
            **{name: selector("referral", name) for name in FORM_LABELS},
        }
        error = message.error
        if message.result is Received and isinstance(error, InvalidInput):
            message.prevent_default()
            self.refuse(error.message, selectors.get(error.field or "", "#nhs"))

    def refuse(self, message: str, selector: str) -> None:
        """Say what is wrong under the form, and go to the field."""
        self.query_one("#referral-error", Static).update(message)
        self.query_one(selector).focus()
