"""Writing a case note: what kind of contact, with whom, when, and what happened.

A note is saved once (ctrl+s) and never edited afterwards; leaving with text written
asks first. Imported only once the data layer is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Checkbox, Header, Input, Label, Select, Static, TextArea

from intapp import clock
from intapp.codes import NoteContact, NoteKind, code_label
from intapp.formatting import parse_uk_datetime, uk_date, uk_datetime
from intapp.screens.base import DataScreen, Result, WorkFailed, field_values, offered_to
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from datetime import date

    from sqlmodel import Session

    from intapp.services.case_notes import NoteView

NOT_LINKED = -1


@dataclass(frozen=True)
class NoteContext:
    """Whom the note is about and what it may be linked to, from the record it was
    opened on."""

    person_id: int
    person_name: str
    cases: tuple[tuple[int, str], ...] = ()
    """The person's cases (referral id, how it reads), to link the note to one."""
    referral_id: int | None = None
    """The case linked to start with."""
    episode_id: int | None = None
    episode_started: date | None = None
    """The reablement episode the note is linked to, when opened on one."""


class NoteSaved(Result["NoteView"]):
    """The note was saved."""


class NoteEditorScreen(DataScreen):
    """Write one case note; it dismisses with the saved note (None if left unsaved)."""

    LEAVE_QUESTION = "Leave without saving this note? What you have written will be lost."
    LEAVE_ANSWERS = ("Leave", "Keep writing")

    BINDINGS = [
        # priority: the text area would otherwise take ctrl+s.
        Binding("ctrl+s", "save_note", "Save note", id="note.save", priority=True),
        Binding("escape", "leave", "Back", id="note.back"),
    ]

    AUTO_FOCUS = "#note-text"

    def __init__(self, context: NoteContext) -> None:
        super().__init__()
        self.context = context
        self.episode_id = context.episode_id
        """The episode the note will be linked to: dropped when its case is changed."""

    def heading(self) -> str:
        c = self.context
        if self.episode_id is not None:
            linked = f" · reablement episode from {uk_date(c.episode_started)}"
        elif c.episode_id is not None:
            linked = " · not linked to the reablement episode: its case was changed"
        else:
            linked = ""
        return (
            f"[b]Case note[/] for {escape(c.person_name)}{linked}\n"
            "Once saved a note cannot be changed: corrections are added beneath it."
        )

    def compose(self) -> ComposeResult:
        c = self.context
        yield Header()
        yield Static(self.heading(), id="note-heading")
        with Horizontal(classes="field"):
            yield Label("Kind", classes="field-label")
            yield Select(
                [(k.label, k.value) for k in NoteKind],
                value=NoteKind.HOME_VISIT.value,
                allow_blank=False,
                id="note-kind",
            )
            yield Label("With", classes="field-label")
            yield Select(
                [(w.label, w.value) for w in NoteContact],
                value=NoteContact.PERSON.value,
                allow_blank=False,
                id="note-with",
            )
        with Horizontal(classes="field"):
            yield Label("When", classes="field-label")
            # Left empty, the contact is now (when saved); an earlier one is typed.
            yield Input(placeholder="now, or DD/MM/YYYY HH:MM", id="note-when")
            yield Label("Case", classes="field-label")
            yield Select(
                [*((label, rid) for rid, label in c.cases), ("Not linked to a case", NOT_LINKED)],
                value=c.referral_id if c.referral_id is not None else NOT_LINKED,
                allow_blank=False,
                id="note-case",
            )
        yield Checkbox("Significant (an event that changes the picture)", id="note-significant")
        yield Static("", classes="error", id="note-error")
        yield Label("What happened (ctrl+s saves)", classes="section")
        yield TextArea(id="note-text", soft_wrap=True, show_line_numbers=False)
        yield Footer()

    def on_mount(self) -> None:
        self.mark_clean()

    @on(Select.Changed, "#note-case")
    def case_changed(self, event: Select.Changed) -> None:
        """An episode belongs to its case: another case (or none) drops the episode."""
        if self.episode_id is not None and event.value != self.context.referral_id:
            self.episode_id = None
            self.query_one("#note-heading", Static).update(self.heading())

    def on_screen_resume(self) -> None:
        # Back from "leave without saving?", the writing carries on where it was.
        if self.focused is None:
            self.query_one("#note-text", TextArea).focus()

    def form_values(self) -> Any:
        return [
            *field_values(self),
            self.query_one("#note-significant", Checkbox).value,
            self.query_one("#note-text", TextArea).text,
        ]

    def refuse(self, message: str, selector: str) -> None:
        self.query_one("#note-error", Static).update(escape(message))
        self.query_one(selector).focus()

    @offered_to("note")
    def action_save_note(self) -> None:
        c = self.context
        text = self.query_one("#note-text", TextArea).text
        if not text.strip():
            self.refuse("Write what happened before saving.", "#note-text")
            return
        typed = self.query_one("#note-when", Input).value.strip()
        when = parse_uk_datetime(typed, today=clock.today()) if typed else clock.now()
        if when is None:
            self.refuse("When: give a time as DD/MM/YYYY HH:MM, or HH:MM for today.", "#note-when")
            return
        case = self.query_one("#note-case", Select).value
        values: dict[str, Any] = {
            "person_id": c.person_id,
            "kind": self.query_one("#note-kind", Select).value,
            "contact_with": self.query_one("#note-with", Select).value,
            "contact_at": when,
            "text": text,
            "significant": self.query_one("#note-significant", Checkbox).value,
            "referral_id": None if case == NOT_LINKED else case,
            "episode_id": self.episode_id,
        }
        user = self.intapp.user

        def save(session: Session) -> NoteView:
            from intapp.services.case_notes import write_note

            return write_note(session=session, user=user, **values)

        self.write(NoteSaved, save)

    @on(NoteSaved)
    def saved(self, message: NoteSaved) -> None:
        note = message.value
        self.mark_clean()
        self.notify(
            f"{code_label(note.kind)} note saved ({uk_datetime(note.contact_at)}).", title="Saved"
        )
        self.dismiss(note)

    @on(WorkFailed)
    def refused(self, message: WorkFailed) -> None:
        from intapp.services.errors import InvalidInput

        error = message.error
        if isinstance(error, InvalidInput):
            message.prevent_default()
            where = {"contact_at": "#note-when", "kind": "#note-kind", "contact_with": "#note-with"}
            self.refuse(error.message, where.get(error.field or "", "#note-text"))
