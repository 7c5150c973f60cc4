"""Edit a person's details: names, birth, contact, GP practice, risk, NHS number and the
national fields (ethnicity, accommodation, primary support reason, client type)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Checkbox, Header, Input, Label, Select, Static

from intapp.codes import PERSON_CODE_LISTS, RiskTier, code_label
from intapp.formatting import parse_date, uk_date
from intapp.screens.base import DataScreen, Result, WorkFailed, field_values, offered_to
from intapp.screens.national_fields import FORM_LABELS, chosen, national_selects, selector
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape
from intapp.widgets.note import Note

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.person_details import PersonDetails, PersonEditView

# (field, input id, label, placeholder): the text fields, in the order shown.
TEXT_FIELDS = (
    ("given_name", "edit-given", "Given name", ""),
    ("family_name", "edit-family", "Family name", ""),
    ("date_of_birth", "edit-dob", "Date of birth", "DD/MM/YYYY"),
    ("gender", "edit-gender", "Gender", ""),
    ("phone", "edit-phone", "Phone", ""),
    ("postcode", "edit-postcode", "Postcode", "e.g. M13 0PP"),
    ("nhs_number", "edit-nhs", "NHS number", "10 digits, spaces allowed"),
)
COHORTS = ("frail_older", "ltc_end_of_life", "complex_lives", "mh_ld_dementia", "cyp_with_ltc")
SELECTORS = {
    **{name: f"#{widget}" for name, widget, _, _ in TEXT_FIELDS},
    "gp_practice_code": "#edit-gp",
    "risk_tier": "#edit-risk",
    **{name: selector("edit", name) for name in FORM_LABELS},
    **{flag: f"#edit-{flag}" for flag in COHORTS},
}


class EditOpened(Result["PersonEditView"]):
    """The person's details and the GP practices to choose from."""


class PersonEdited(Result["PersonDetails"]):
    """The changes were saved."""


class PersonEditScreen(DataScreen):
    """Change a person's details; saved only at the version read, each change audited.

    `proposed` fills some fields with other values once the record is read (say, the
    name typed on a new referral), so the form opens showing the correction to save.
    Dismisses with the saved details, or None when left without saving.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save details", id="person_edit.save"),
        Binding("escape", "leave", "Back", id="person_edit.back"),
    ]
    LEAVE_QUESTION = "Leave without saving the changes to this person's details?"
    AUTO_FOCUS = "#edit-given"

    def __init__(self, *, person_id: int, proposed: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.proposed = proposed or {}
        self.details: PersonDetails | None = None
        self.practice_codes: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="edit-body"):
            yield Static("Loading…", id="edit-title", classes="section")
            yield Note("", id="edit-note")
            yield Note("", id="edit-error", classes="error")
            with Grid(id="edit-grid"):
                for _, widget, label, placeholder in TEXT_FIELDS:
                    yield Label(label)
                    yield Input(id=widget, placeholder=placeholder)
                yield Label("GP practice")
                yield Select([], id="edit-gp", prompt="None recorded")
                yield Label("Risk tier")
                yield Select(
                    [(code_label(t), t.value) for t in RiskTier], id="edit-risk", allow_blank=False
                )
                yield from national_selects("edit")
            yield Label("Cohorts", classes="section")
            with Grid(id="edit-cohorts"):
                for flag in COHORTS:
                    yield Checkbox(code_label(flag), id=f"edit-{flag}")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the person's details again (after someone else saved them, say)."""
        person_id = self.person_id

        def load(session: Session) -> PersonEditView:
            from intapp.services.person_details import open_person_edit

            return open_person_edit(session=session, person_id=person_id)

        self.read(EditOpened, load)

    @on(EditOpened)
    def show_details(self, message: EditOpened) -> None:
        view = message.value
        self.details = d = view.details
        self.record_view_once("person_edit", self.person_id, person_id=self.person_id)
        self.query_one("#edit-title", Static).update(
            f"Details of {escape(d.name)}"
            + (f" · local id {escape(d.local_id)}" if d.local_id else "")
            + (f" · died {uk_date(d.date_of_death)}" if d.date_of_death else "")
        )
        gp = self.query_one("#edit-gp", Select)
        options = [(f"{p.name} ({p.code})", p.code) for p in view.practices]
        held = d.gp_practice_code
        if held and all(code != held for _, code in options):  # imported, not on the list
            options.insert(0, (f"{held} (not on the reference list)", held))
        gp.set_options(options)
        self.practice_codes = {code for _, code in options}
        self._fill(self._stored_values(d))
        self.mark_clean()
        if self.proposed:
            self._fill(self.proposed)
            changed = ", ".join(
                f"{label.lower()} {escape(shown(self.proposed[name]))}"
                for name, _, label, _ in TEXT_FIELDS
                if name in self.proposed
            )
            self.query_one("#edit-note", Static).update(
                f"[b]Proposed from the new referral:[/] {changed}. Check, then ctrl+s to save."
            )
            self.proposed = {}

    def _stored_values(self, d: PersonDetails) -> dict[str, Any]:
        return {
            name: getattr(d, name)
            for name in (
                *(f for f, _, _, _ in TEXT_FIELDS),
                "gp_practice_code",
                "risk_tier",
                *FORM_LABELS,
            )
        } | {flag: getattr(d, flag) for flag in COHORTS}

    def _fill(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            widget = self.query_one(SELECTORS[name])
            if isinstance(widget, Checkbox):
                widget.value = bool(value)
            elif isinstance(widget, Select):
                known = (
                    name == "risk_tier"
                    or value in self.practice_codes
                    or (name in FORM_LABELS and value in {m.value for m in PERSON_CODE_LISTS[name]})
                )
                widget.value = value if known and value is not None else Select.NULL
            else:
                assert isinstance(widget, Input)
                widget.value = shown(value) if name != "nhs_number" else _nhs(value)

    def form_values(self) -> Any:
        if self.details is None:
            return None
        return field_values(self) + [c.value for c in self.query(Checkbox)]

    @offered_to("edit_person")
    def action_save(self) -> None:
        if self.details is None:
            return
        typed = {
            name: self.query_one(f"#{widget}", Input).value for name, widget, _, _ in TEXT_FIELDS
        }
        born = parse_date(typed["date_of_birth"])
        if born is None:
            self.refuse("Type the date of birth as DD/MM/YYYY.", "#edit-dob")
            return
        gp = self.query_one("#edit-gp", Select).value
        changes: dict[str, Any] = {
            **typed,
            "date_of_birth": born,
            "gp_practice_code": None if gp is Select.NULL else str(gp),
            "risk_tier": str(self.query_one("#edit-risk", Select).value),
            **{name: chosen(self.query_one(SELECTORS[name], Select)) for name in FORM_LABELS},
            **{flag: self.query_one(f"#edit-{flag}", Checkbox).value for flag in COHORTS},
        }
        person_id, version, user = self.person_id, self.details.version, self.intapp.user

        def save(session: Session) -> PersonDetails:
            from intapp.services.person_details import edit_person

            return edit_person(
                session=session,
                user=user,
                person_id=person_id,
                changes=changes,
                expected_version=version,
            )

        self.write(PersonEdited, save)

    @on(PersonEdited)
    def saved(self, message: PersonEdited) -> None:
        self.notify(f"{escape(message.value.name)}: details saved.", title="Person")
        self.dismiss(message.value)

    @on(WorkFailed)
    def refused(self, message: WorkFailed) -> None:
        """Bad input is shown at its field; a conflict and the rest are reported as usual."""
        from intapp.services.errors import InvalidInput

        error = message.error
        if message.result is PersonEdited and isinstance(error, InvalidInput):
            message.prevent_default()
            self.refuse(error.message, SELECTORS.get(error.field or "", "#edit-given"))

    def refuse(self, text: str, selector: str) -> None:
        self.query_one("#edit-error", Static).update(text)
        self.query_one(selector).focus()


def shown(value: Any) -> str:
    """A stored value as the form shows it."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def _nhs(value: Any) -> str:
    from intapp.services.nhs_number import format_nhs_number

    return format_nhs_number(value) if value else ""
