"""Confirm a merge of two records of one person, both shown side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Static

from intapp.formatting import uk_date
from intapp.screens.base import DataModal, Result, offered_to
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.merge import MergePreview, MergeResult, MergeSide


class PreviewRead(Result["MergePreview"]):
    """Both records and what merging them would do."""


class Merged(Result["MergeResult"]):
    """The merge was saved."""


def side_text(title: str, side: MergeSide) -> str:
    """One record, as the confirming dialog shows it."""
    p = side.person
    died = f"\nDied {uk_date(p.date_of_death)}" if p.date_of_death else ""
    plan = "open" if side.plan_open else "closed" if side.has_plan else "none"
    return (
        f"[b]{title}[/]\n{escape(p.name)} (person {p.id})\nBorn {uk_date(p.date_of_birth)}{died}\n"
        f"NHS {p.nhs_number_display or '—'} · local id {p.local_id or '—'}\n"
        f"Referrals {side.referrals} ({side.open_referrals} open)\n"
        f"Assessments {side.assessments} · episodes {side.episodes}"
        f"{' (one running)' if side.running_episode else ''}\n"
        f"Care plan {plan} · carer links {side.carer_links}\n"
        f"Case notes {side.notes} · open alerts {side.open_alerts}"
    )


class MergeDialog(DataModal):
    """Shows the record kept and the record merged into it; `s` swaps them, `y` merges.
    Dismisses with the surviving person's id, or None."""

    BINDINGS = [
        Binding("y", "merge", "Merge", id="merge.confirm"),
        Binding("s", "swap", "Swap which is kept", id="merge.swap"),
        Binding("escape,n", "dismiss(None)", "Cancel", id="merge.cancel"),
    ]

    def __init__(self, *, survivor_id: int, merged_id: int) -> None:
        super().__init__()
        self.survivor_id = survivor_id
        self.merged_id = merged_id
        self.preview: MergePreview | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog merge-dialog"):
            yield Label("Merge two records of the same person", classes="dialog-title")
            # Above the records, so a small terminal still shows whether it can be done.
            yield Static("Loading…", id="merge-note")
            with Horizontal(id="merge-sides"):
                yield Static("", id="merge-survivor", classes="merge-side")
                yield Static("", id="merge-merged", classes="merge-side")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Merge (y)", id="merge-yes", variant="primary", disabled=True)
                yield Button("Swap (s)", id="merge-swap")
                yield Button("Cancel (esc)", id="merge-no")

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        survivor_id, merged_id = self.survivor_id, self.merged_id

        def preview(session: Session) -> MergePreview:
            from intapp.services.merge import merge_preview

            return merge_preview(session=session, survivor_id=survivor_id, merged_id=merged_id)

        self.read(PreviewRead, preview)

    @on(PreviewRead)
    def show_preview(self, message: PreviewRead) -> None:
        self.preview = preview = message.value
        self.query_one("#merge-survivor", Static).update(side_text("Kept", preview.survivor))
        self.query_one("#merge-merged", Static).update(side_text("Merged into it", preview.merged))
        if preview.refusal:
            note = f"[b red]Cannot merge:[/] {escape(preview.refusal)}"
        else:
            note = (
                "Everything on the right moves to the left (referrals, allocations, "
                "assessments, episodes and their follow-ups, carer links, case notes, "
                "alerts: an open alert of a kind both hold keeps both notes); the right "
                "then only points to the left. s swaps which is kept. " + (preview.plan_note or "")
            )
        self.query_one("#merge-note", Static).update(note)
        self.query_one("#merge-yes", Button).disabled = preview.refusal is not None

    def action_swap(self) -> None:
        self.survivor_id, self.merged_id = self.merged_id, self.survivor_id
        self.query_one("#merge-yes", Button).disabled = True
        self.load()

    @offered_to("merge")
    def action_merge(self) -> None:
        preview, user = self.preview, self.intapp.user
        if preview is None or preview.refusal is not None:
            if preview is not None:
                self.notify(escape(preview.refusal or ""), title="Not merged", severity="warning")
            return
        survivor, merged = preview.survivor.person, preview.merged.person

        def merge(session: Session) -> MergeResult:
            from intapp.services.merge import merge_people

            return merge_people(
                session=session,
                user=user,
                survivor_id=survivor.id,
                merged_id=merged.id,
                survivor_version=survivor.version,
                merged_version=merged.version,
            )

        self.write(Merged, merge)

    @on(Merged)
    def merged(self, message: Merged) -> None:
        result = message.value
        self.notify(
            f"Person {result.merged_id} merged into this record: moved {result.moved_text}.",
            title="Merged",
        )
        self.dismiss(result.survivor.id)

    @on(Button.Pressed, "#merge-yes")
    def yes_pressed(self) -> None:
        self.action_merge()

    @on(Button.Pressed, "#merge-swap")
    def swap_pressed(self) -> None:
        self.action_swap()

    @on(Button.Pressed, "#merge-no")
    def no_pressed(self) -> None:
        self.dismiss(None)
