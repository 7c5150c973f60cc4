"""Dialogs for the end of a case: close, reopen, record a death, withdraw a death.

Each gathers and checks its fields, then dismisses with a plain dict of values; the
calling screen saves it through the closure or death service, which checks the rules
again (the end date against the case's start, the date of death against the birth).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from intapp import clock
from intapp.codes import CLOSING_OUTCOMES, CaseOutcome, DeathSource
from intapp.formatting import parse_date, uk_date
from intapp.screens.episode_dialogs import FormDialog


def _typed_date(dialog: FormDialog, selector: str, what: str) -> date | None:
    """The date typed in `selector`, today or earlier, or None after saying what is wrong."""
    typed = parse_date(dialog.query_one(selector, Input).value)
    if typed is None:
        dialog.refuse(f"Type the {what} as DD/MM/YYYY.", selector)
        return None
    if typed > clock.today():
        dialog.refuse(f"The {what} cannot be in the future.", selector)
        return None
    return typed


def _reason(dialog: FormDialog, what: str) -> str | None:
    reason = dialog.query_one("#reason", Input).value.strip()
    if not reason:
        dialog.refuse(f"Say why {what} (it is recorded).", "#reason")
        return None
    return reason


class CloseCaseDialog(FormDialog):
    """Close a case: which one (when there are several), the outcome, a reason, the end date."""

    TITLE_TEXT = "Close the case"

    def __init__(self, cases: list[tuple[str, int, date]], *, subject: str = "") -> None:
        """`cases` are (label, referral id, the earliest it may end) for each open case."""
        super().__init__(subject=subject)
        self.cases = cases
        self.earliest = {referral_id: earliest for _, referral_id, earliest in cases}

    def fields(self) -> ComposeResult:
        if len(self.cases) > 1:
            yield Label("Which case")
            yield Select(
                [(label, referral_id) for label, referral_id, _ in self.cases],
                id="case",
                prompt="Choose the case to close",
            )
        elif self.cases[0][0] not in self.subject:
            yield Label(self.cases[0][0])
        yield Label("Outcome")
        yield Select(
            [(CaseOutcome(code).label, code) for code in CLOSING_OUTCOMES],
            id="outcome",
            prompt="Choose",
        )
        yield Label("Reason (recorded)")
        yield Input(placeholder="Goals met; managing at home", id="reason")
        yield Label("Ended on (DD/MM/YYYY): today or earlier")
        yield Input(clock.today().strftime("%d/%m/%Y"), id="ended-on")

    def values(self) -> dict[str, Any] | None:
        referral_id = self.cases[0][1] if len(self.cases) == 1 else None
        if referral_id is None:
            chosen = self.query_one("#case", Select).value
            if chosen is Select.NULL:
                self.refuse("Choose which case to close.", "#case")
                return None
            referral_id = int(str(chosen))
        outcome = self.query_one("#outcome", Select).value
        if outcome is Select.NULL:
            self.refuse("Choose the outcome.", "#outcome")
            return None
        reason = _reason(self, "the case is closing")
        if reason is None:
            return None
        ended_on = _typed_date(self, "#ended-on", "end date")
        if ended_on is None:
            return None
        # Checked here too, so a refusal keeps what was typed.
        if ended_on < self.earliest[referral_id]:
            self.refuse(
                f"The case cannot end before it started ({uk_date(self.earliest[referral_id])}).",
                "#ended-on",
            )
            return None
        return {
            "referral_id": referral_id,
            "outcome": str(outcome),
            "reason": reason,
            "ended_on": ended_on,
        }


class ReopenCaseDialog(FormDialog):
    """Reopen a case closed within the window, with a reason."""

    TITLE_TEXT = "Reopen the case"

    def __init__(self, cases: list[tuple[str, int]], *, subject: str = "") -> None:
        """`cases` are (label, referral id) for each case that may still be reopened."""
        super().__init__(subject=subject)
        self.cases = cases

    def fields(self) -> ComposeResult:
        if len(self.cases) > 1:
            yield Label("Which case")
            yield Select(self.cases, id="case", prompt="Choose the case to reopen")
        else:
            yield Label(self.cases[0][0])
        yield Label("Why it is reopening (recorded)")
        yield Input(placeholder="Fell again the week after closing", id="reason")

    def values(self) -> dict[str, Any] | None:
        referral_id = self.cases[0][1] if len(self.cases) == 1 else None
        if referral_id is None:
            chosen = self.query_one("#case", Select).value
            if chosen is Select.NULL:
                self.refuse("Choose which case to reopen.", "#case")
                return None
            referral_id = int(str(chosen))
        reason = _reason(self, "the case is reopening")
        if reason is None:
            return None
        return {"referral_id": referral_id, "reason": reason}


class RecordDeathDialog(FormDialog):
    """Record a death: the date and how the team learnt of it."""

    TITLE_TEXT = "Record a death"

    def fields(self) -> ComposeResult:
        yield Static(
            "This closes every open referral, allocation, reablement episode, follow-up "
            "and the care plan.",
            classes="dialog-note",
        )
        yield Label("Date of death (DD/MM/YYYY): not in the future, not before birth")
        yield Input(placeholder="DD/MM/YYYY", id="died-on")
        yield Label("How we learnt of it")
        yield Select([(s.label, s.value) for s in DeathSource], id="source", prompt="Choose")

    def values(self) -> dict[str, Any] | None:
        died_on = _typed_date(self, "#died-on", "date of death")
        if died_on is None:
            return None
        source = self.query_one("#source", Select).value
        if source is Select.NULL:
            self.refuse("Choose how the death was learnt of.", "#source")
            return None
        return {"died_on": died_on, "source": str(source)}


class WithdrawDeathDialog(FormDialog):
    """Withdraw a death recorded in error, with a reason."""

    TITLE_TEXT = "Withdraw the recorded death"

    def fields(self) -> ComposeResult:
        yield Static(
            "The date of death clears. Closed cases stay closed; reopen them within the "
            "window if they should continue.",
            classes="dialog-note",
        )
        yield Label("Why it was recorded in error (recorded)")
        yield Input(placeholder="Wrong person: same name and date of birth", id="reason")

    def values(self) -> dict[str, Any] | None:
        reason = _reason(self, "the death is withdrawn")
        if reason is None:
            return None
        return {"reason": reason}
