"""The person record's case-note keys: write a note, open a timeline entry in full, and
filter the timeline by kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Tab, Tabs

from intapp.codes import code_label
from intapp.screens.base import DataScreen, offered_to
from intapp.widgets.paged_list import PagedList

if TYPE_CHECKING:
    from intapp.screens.note_editor import NoteContext
    from intapp.services.case_notes import NoteView
    from intapp.services.person_record import PersonRecord, TimelineEntry
    from intapp.services.reablement import EpisodeSummary

# The timeline filters `f` cycles through, in order (`person_record.TIMELINE_FILTERS`).
FILTER_ORDER = ("all", "notes", "significant", "casework")
FILTER_WORDS = {
    "all": "",
    "notes": "notes only",
    "significant": "significant only",
    "casework": "without notes",
}


class NoteActions(DataScreen):
    """Case notes on the person record; `PersonScreen` inherits these keys."""

    # Set by PersonScreen.
    person_id: int
    record: PersonRecord | None
    timeline_only: str = "all"
    """Which of the timeline's filters is on (`FILTER_ORDER`)."""
    timeline_from_top: bool = False
    """Show the timeline's first entry next time it is painted (a note was just saved)."""

    def load_record(self) -> None:
        """Read the record again (`PersonScreen.load_record`)."""
        raise NotImplementedError

    def note_context(self) -> NoteContext:
        """What a new note is linked to: the reablement episode highlighted on its tab (or
        on the timeline) and that episode's case; else the person's one allocated case.
        The editor lets the case be changed (or unlinked)."""
        from intapp.screens.note_editor import NoteContext

        record = self.record
        assert record is not None
        referrals = record.overview.referrals
        episode = self._highlighted_episode()
        case = episode.referral_id if episode is not None else None
        # The allocated cases come first, and the one allocated case is linked by default.
        open_cases = [c.referral_id for c in record.overview.open_cases]
        if case is None and len(open_cases) == 1:
            case = open_cases[0]
        return NoteContext(
            person_id=record.person_id,
            person_name=record.overview.person.name,
            cases=tuple(
                (r.id, f"{r.reference} ({code_label(r.status, capitalised=False)})")
                for r in sorted(referrals, key=lambda r: r.id not in open_cases)
            ),
            referral_id=case,
            episode_id=episode.id if episode is not None else None,
            episode_started=episode.start_date if episode is not None else None,
        )

    def _highlighted_episode(self) -> EpisodeSummary | None:
        if self.record is None:
            return None
        tab = self.query_one(Tabs).active
        if tab == "reablement":
            row = self.query_one("#person-table", PagedList).highlighted
            return row[1] if row is not None else None
        if tab == "timeline":
            row = self.query_one("#timeline-list", PagedList).highlighted
            entry = row[1] if row is not None else None
            if entry is not None and entry.opens == "reablement":
                return next((e for e in self.record.episodes if e.id == entry.opens_id), None)
        return None

    @offered_to("note")
    def action_write_note(self) -> None:
        """Write a case note; the timeline shows it once saved."""
        if self.record is None:
            return
        from intapp.screens.note_editor import NoteEditorScreen

        def closed(note: NoteView | None) -> None:
            if note is not None:
                # Coming back reads the record again (`on_screen_resume`): show the top.
                self.timeline_from_top = True
                self.action_tab("timeline")

        self.app.push_screen(NoteEditorScreen(self.note_context()), closed)

    def action_tab(self, tab: str) -> None:
        raise NotImplementedError

    def open_in_full(self, entry: TimelineEntry) -> None:
        """A note opens with its addenda; an entry that opens nothing else shows its text."""
        if entry.opens == "note" and entry.opens_id is not None:
            from intapp.screens.note_view import NoteScreen

            name = self.record.overview.person.name if self.record else ""
            self.app.push_screen(NoteScreen(note_id=entry.opens_id, subject=name))
            return
        from intapp.screens.note_view import EntryTextScreen

        self.app.push_screen(EntryTextScreen(entry))

    def action_full_text(self) -> None:
        """The highlighted timeline entry's whole text, whatever else it opens."""
        if self.query_one(Tabs).active != "timeline":
            return
        row = self.query_one("#timeline-list", PagedList).highlighted
        if row is not None:
            self.open_in_full(row[1])

    def action_timeline_filter(self) -> None:
        """Show the next of the timeline's filters: all, notes, significant, the rest."""
        at = FILTER_ORDER.index(self.timeline_only)
        self.timeline_only = FILTER_ORDER[(at + 1) % len(FILTER_ORDER)]
        words = FILTER_WORDS[self.timeline_only]
        self.query_one("#timeline", Tab).label = f"1 Timeline{f' · {words}' if words else ''}"
        self.timeline_from_top = True
        self.action_tab("timeline")
        self.load_record()
        self.notify(f"Timeline: {words or 'everything'} (f for the next filter).")
