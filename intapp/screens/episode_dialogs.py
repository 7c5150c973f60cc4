"""Dialogs for reablement (start, begin or cancel, extend, end with Barthel, the
follow-up) and the dated sign-off of an assessment.

Imported only once the data layer is loaded (it uses the service's Barthel items).

Each dialog gathers and checks its fields, then dismisses with a plain dict of values;
the calling screen saves it through the reablement service.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from intapp import clock
from intapp.codes import EpisodeType, FollowupResult, ReablementOutcome
from intapp.config import load_settings
from intapp.formatting import parse_date, uk_date
from intapp.screens.base import GuardsChanges, field_values
from intapp.services.reablement import BARTHEL_ITEMS
from intapp.widgets.markup import escape


class FormDialog(GuardsChanges, ModalScreen[dict[str, Any] | None]):
    """A dialog with fields, an error line, and Save (ctrl+s) / Cancel (escape).

    Cancel asks first once anything has been typed or chosen.
    """

    LEAVE_QUESTION = "Discard what you have entered?"
    LEAVE_ANSWERS = ("Discard", "Keep")

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]
    TITLE_TEXT = ""
    # The first field, not the scrolling frame around the fields.
    AUTO_FOCUS = "Input, Select, TextArea"

    def __init__(self, *, subject: str = "") -> None:
        super().__init__()
        self.subject = subject
        """Whom the change is for, shown in the title so the right row is changed."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form-dialog"):
            title = self.TITLE_TEXT
            if self.subject:
                title = f"{title}: {escape(self.subject)}"
            yield Label(title, classes="dialog-title")
            # Under the title, not below the fields, where a long form hid it.
            yield Static("", classes="error", id="dialog-error")
            yield from self.fields()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def fields(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.mark_clean()
        # Focusing a Select scrolls its drop-down into view, taking the title with it.
        frame = self.query_one(".dialog", VerticalScroll)
        self.call_after_refresh(frame.scroll_home, animate=False)

    def form_values(self) -> Any:
        return field_values(self)

    def action_cancel(self) -> None:
        self.leave(lambda: self.dismiss(None))

    def values(self) -> dict[str, Any] | None:
        """The checked values, or None after showing what is wrong."""
        return {}

    def refuse(self, message: str, selector: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(message)
        self.query_one(selector).focus()
        self.call_after_refresh(error.scroll_visible, animate=False)

    def action_submit(self) -> None:
        values = self.values()
        if values is not None:
            self.dismiss(values)

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()


def barthel_fields() -> ComposeResult:
    """The Barthel items and the line their total shows on (see `BarthelDialog`)."""
    yield from barthel_selects("barthel")
    yield Static("", id="barthel-total")


def barthel_selects(prefix: str) -> ComposeResult:
    """One Select per Barthel item, scored 0 to the item's top score."""
    with Grid(classes="barthel"):
        for n, (item, top) in enumerate(BARTHEL_ITEMS):
            yield Label(item)
            yield Select(
                [(str(score), score) for score in range(top + 1)],
                id=f"{prefix}-{n}",
                prompt="–",
            )


def read_barthel(screen: ModalScreen[Any], prefix: str) -> list[int] | None:
    """The ten scores, or None when any is unset."""
    scores = [screen.query_one(f"#{prefix}-{n}", Select).value for n in range(len(BARTHEL_ITEMS))]
    if any(score is Select.NULL for score in scores):
        return None
    return [int(str(score)) for score in scores]


class BarthelDialog(FormDialog):
    """A form dialog with the ten Barthel items (`barthel_fields`) and their live total."""

    def checked_barthel(self) -> tuple[bool, list[int] | None]:
        """``(True, the ten scores)``, ``(True, None)`` when none is scored, or
        ``(False, None)`` after refusing a part-scored Barthel."""
        scores = read_barthel(self, "barthel")
        chosen = [self.query_one(f"#barthel-{n}", Select).value for n in range(10)]
        if scores is None and any(v is not Select.NULL for v in chosen):
            self.refuse("Score all ten Barthel items, or none.", "#barthel-0")
            return False, None
        return True, scores

    @on(Select.Changed)
    def total(self) -> None:
        scores = read_barthel(self, "barthel")
        self.query_one("#barthel-total", Static).update(
            f"Barthel total: {sum(scores)}/20" if scores else ""
        )


class StartEpisodeDialog(BarthelDialog):
    """Start or plan an episode: type, start date, goals and the starting Barthel."""

    TITLE_TEXT = "Start reablement"

    def fields(self) -> ComposeResult:
        yield Label("Type")
        yield Select([(t.label, t.value) for t in EpisodeType], id="type", allow_blank=False)
        yield Label("Start date (DD/MM/YYYY)")
        yield Input(clock.today().strftime("%d/%m/%Y"), id="start")
        yield Label("Goals, in the person's words (separate with ;)")
        yield Input(placeholder="Make my own breakfast; walk to the corner shop", id="goals")
        yield Label("Barthel at start (optional: all ten or none)")
        yield from barthel_fields()

    def values(self) -> dict[str, Any] | None:
        start = parse_date(self.query_one("#start", Input).value)
        if start is None:
            self.refuse("Type a valid start date as DD/MM/YYYY.", "#start")
            return None
        goals = [g.strip() for g in self.query_one("#goals", Input).value.split(";") if g.strip()]
        if not goals:
            self.refuse("Write at least one goal.", "#goals")
            return None
        scored, scores = self.checked_barthel()
        if not scored:
            return None
        return {
            "episode_type": str(self.query_one("#type", Select).value),
            "start_date": start,
            "goals": goals,
            "barthel_start": scores,
        }


class ExtendEpisodeDialog(FormDialog):
    """Move the planned end later, with the reason recorded."""

    TITLE_TEXT = "Extend the episode"

    def __init__(self, planned_end: date, *, subject: str = "") -> None:
        super().__init__(subject=subject)
        self.planned_end = planned_end

    def fields(self) -> ComposeResult:
        yield Label(f"Planned end now {uk_date(self.planned_end)}. New end (DD/MM/YYYY)")
        yield Input((self.planned_end + timedelta(days=14)).strftime("%d/%m/%Y"), id="end")
        yield Label("Why it needs longer (recorded)")
        yield Input(id="reason")

    def values(self) -> dict[str, Any] | None:
        end = parse_date(self.query_one("#end", Input).value)
        if end is None or end <= self.planned_end:
            self.refuse("Type a valid new end, after the current one, as DD/MM/YYYY.", "#end")
            return None
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.refuse("A reason is required to extend.", "#reason")
            return None
        return {"new_planned_end": end, "reason": reason}


class EndEpisodeDialog(BarthelDialog):
    """End with a SALT outcome and the closing Barthel."""

    TITLE_TEXT = "End the episode"

    def fields(self) -> ComposeResult:
        yield Label("Outcome")
        yield Select([(o.label, o.value) for o in ReablementOutcome], id="outcome", prompt="Choose")
        yield Label("Ended on (DD/MM/YYYY; today or earlier, not before the start)")
        yield Input(clock.today().strftime("%d/%m/%Y"), id="ended-on")
        yield Label("Barthel at end (optional: all ten or none)")
        yield from barthel_fields()

    def values(self) -> dict[str, Any] | None:
        outcome = self.query_one("#outcome", Select).value
        if outcome is Select.NULL:
            self.refuse("Choose how the episode ended.", "#outcome")
            return None
        ended_on = parse_date(self.query_one("#ended-on", Input).value)
        if ended_on is None:
            self.refuse("Type the day it ended as DD/MM/YYYY.", "#ended-on")
            return None
        scored, scores = self.checked_barthel()
        if not scored:
            return None
        return {"outcome": str(outcome), "ended_on": ended_on, "barthel_end": scores}


class FollowupDialog(FormDialog):
    """Where the person is at the follow-up, the configured number of days after the end."""

    def __init__(self, *, subject: str = "") -> None:
        super().__init__(subject=subject)
        self.TITLE_TEXT = f"{load_settings().followup_days}-day follow-up"

    def fields(self) -> ComposeResult:
        yield Label("Where is the person now?")
        yield Select([(r.label, r.value) for r in FollowupResult], id="result", prompt="Choose")
        yield Label("Seen on (DD/MM/YYYY; today or earlier, not before it was due)")
        yield Input(clock.today().strftime("%d/%m/%Y"), id="recorded-on")

    def values(self) -> dict[str, Any] | None:
        result = self.query_one("#result", Select).value
        if result is Select.NULL:
            self.refuse("Choose where the person is.", "#result")
            return None
        recorded_on = parse_date(self.query_one("#recorded-on", Input).value)
        if recorded_on is None:
            self.refuse("Type the day they were seen as DD/MM/YYYY.", "#recorded-on")
            return None
        return {"result": str(result), "recorded_on": recorded_on}


class PlannedEpisodeDialog(FormDialog):
    """A planned episode: begin it (on its start date or later) or cancel it."""

    TITLE_TEXT = "Planned reablement"

    def __init__(self, start: date, *, subject: str = "") -> None:
        super().__init__(subject=subject)
        self.start = start

    def fields(self) -> ComposeResult:
        yield Label(f"Planned to start {uk_date(self.start)}. Begin it, or cancel it?")
        yield Select(
            [("Begin the episode", "begin"), ("Cancel the episode", "cancel")],
            id="choice",
            allow_blank=False,
        )
        yield Label("Began on (DD/MM/YYYY), to begin it")
        yield Input(max(self.start, clock.today()).strftime("%d/%m/%Y"), id="started-on")
        yield Label("Why it is cancelled (recorded), to cancel it")
        yield Input(id="cancel-reason")

    def values(self) -> dict[str, Any] | None:
        if self.query_one("#choice", Select).value == "cancel":
            reason = self.query_one("#cancel-reason", Input).value.strip()
            if not reason:
                self.refuse("Say why the episode is cancelled.", "#cancel-reason")
                return None
            return {"action": "cancel", "reason": reason}
        started_on = parse_date(self.query_one("#started-on", Input).value)
        if started_on is None:
            self.refuse("Type the day it began as DD/MM/YYYY.", "#started-on")
            return None
        return {"action": "begin", "started_on": started_on}


class SignOffDialog(FormDialog):
    """Sign off an assessment, dated the day it happened."""

    TITLE_TEXT = "Sign off the assessment"

    def __init__(self, *, subject: str = "", unsaved: bool = False) -> None:
        super().__init__(subject=subject)
        self.unsaved = unsaved

    def fields(self) -> ComposeResult:
        yield Static(
            "Once signed off it is shared and can never be edited again."
            + (" Your changes are saved first." if self.unsaved else ""),
            id="sign-off-note",
        )
        yield Label("Assessed on (DD/MM/YYYY; today or earlier)")
        yield Input(clock.today().strftime("%d/%m/%Y"), id="assessed-on")

    def values(self) -> dict[str, Any] | None:
        assessed_on = parse_date(self.query_one("#assessed-on", Input).value)
        if assessed_on is None:
            self.refuse("Type the day of the assessment as DD/MM/YYYY.", "#assessed-on")
            return None
        return {"assessed_on": assessed_on}
