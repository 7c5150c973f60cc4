"""Reading the record in full: one case note with its addenda (and adding one), and the
whole text of any other timeline entry.

Imported only once the data layer is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Header, Label, Static, TextArea

from intapp.formatting import uk_datetime
from intapp.screens.base import DataScreen, Result, field_values, offered_to
from intapp.screens.episode_dialogs import FormDialog
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.case_notes import NoteView
    from intapp.services.person_record import TimelineEntry


class NoteRead(Result["NoteView"]):
    """The note with its addenda."""


class AddendumAdded(Result["NoteView"]):
    """An addendum was saved; the note comes back with it beneath."""


def note_text(note: NoteView) -> str:
    """The note and its addenda as markup, the note's own words escaped."""
    linked = f" · case {escape(note.referral_reference)}" if note.referral_reference else ""
    significant = " · [b reverse] significant [/]" if note.significant else ""
    parts = [
        f"[b]{escape(note.heading)}[/] on {uk_datetime(note.contact_at)}{significant}{linked}\n"
        f"Written by {escape(note.author)} on {uk_datetime(note.written_at)}\n",
        escape(note.text),
    ]
    if note.addenda:
        parts.append(f"\n[b]Addenda ({len(note.addenda)})[/]")
    for a in note.addenda:
        parts.append(f"\n[b]— {escape(a.author)}, {uk_datetime(a.written_at)}[/]\n{escape(a.text)}")
    return "\n".join(parts)


class NoteScreen(DataScreen):
    """One case note, read in full, with its addenda beneath; `a` adds an addendum."""

    BINDINGS = [
        Binding("escape", "leave", "Back", id="note_view.back"),
        Binding("a", "add_addendum", "Add addendum", id="note_view.addendum"),
    ]

    AUTO_FOCUS = "#note-view"

    def __init__(self, *, note_id: int, subject: str = "") -> None:
        super().__init__()
        self.note_id = note_id
        self.subject = subject
        """Whose record the note is on, shown above it."""
        self.note: NoteView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="note-view"):
            yield Static("Loading…", id="note-body")
        yield Footer()

    def on_mount(self) -> None:
        note_id = self.note_id

        def load(session: Session) -> NoteView:
            from intapp.services.case_notes import get_note

            return get_note(session=session, note_id=note_id)

        self.read(NoteRead, load)

    @on(NoteRead)
    @on(AddendumAdded)
    def show_note(self, message: NoteRead | AddendumAdded) -> None:
        self.note = message.value
        whose = f"Case note for {escape(self.subject)}\n\n" if self.subject else ""
        self.query_one("#note-body", Static).update(whose + note_text(self.note))
        if isinstance(message, AddendumAdded):
            self.notify("Addendum added beneath the note.", title="Saved")
            self.query_one("#note-view", VerticalScroll).scroll_end(animate=False)

    @offered_to("note")
    def action_add_addendum(self) -> None:
        if self.note is None:
            return
        note_id, user = self.note_id, self.intapp.user

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return

            def save(session: Session) -> NoteView:
                from intapp.services.case_notes import add_addendum

                return add_addendum(session=session, user=user, note_id=note_id, **values)

            self.write(AddendumAdded, save)

        self.app.push_screen(AddendumDialog(subject=self.note.heading), answered)


class AddendumDialog(FormDialog):
    """The text of an addendum: a correction or addition beneath a saved note."""

    TITLE_TEXT = "Addendum"
    LEAVE_QUESTION = "Discard this addendum?"

    def fields(self) -> ComposeResult:
        yield Label("What to add or correct (the note itself stays as it was)")
        yield TextArea(id="addendum-text", soft_wrap=True, classes="addendum-text")

    def form_values(self) -> Any:
        return [*field_values(self), self.query_one("#addendum-text", TextArea).text]

    def values(self) -> dict[str, Any] | None:
        text = self.query_one("#addendum-text", TextArea).text
        if not text.strip():
            self.refuse("Write the addendum first.", "#addendum-text")
            return None
        return {"text": text}


class EntryTextScreen(ModalScreen[None]):
    """A timeline entry's whole text, for entries that open nothing else."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="entry_text.back")]

    def __init__(self, entry: TimelineEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        e = self.entry
        with VerticalScroll(classes="dialog entry-text"):
            yield Label(f"{escape(e.kind)} · {uk_datetime(e.at)}", classes="dialog-title")
            yield Static(escape(e.full_text))
            yield Static("\n[dim]esc to go back[/]")
