"""Dialogs for the care plan: add an action, add an item, read earlier versions.

Imported once the data layer is loaded (it uses the service's item kinds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static

from intapp.codes import ActionStatus, code_label
from intapp.formatting import parse_date, uk_date
from intapp.screens.episode_dialogs import FormDialog
from intapp.services.care_plans import ITEM_KINDS

if TYPE_CHECKING:
    from intapp.services.care_plans import PlanView


SERVICE = -1
"""The assignee choice that means a named service rather than a worker of the team."""


class ActionDialog(FormDialog):
    """Who will do what, by when: a worker of the team, or a named service."""

    TITLE_TEXT = "Add an action"

    def __init__(self, workers: list[tuple[str, int]] | None = None) -> None:
        super().__init__()
        self.team_workers = workers or []
        """The team's workers as (name, id)."""

    def fields(self) -> ComposeResult:
        yield Label("Who: a service, the person or family")
        yield Input(id="who", placeholder="e.g. District nurses, Age UK, Mary's daughter")
        yield Label("Or a worker of the team (the action joins their work tray)")
        choices = [("No: the service above", SERVICE), *self.team_workers]
        yield Select(choices, id="assignee", allow_blank=False, value=SERVICE)
        yield Label("What")
        yield Input(id="what")
        yield Label("By when (DD/MM/YYYY)")
        yield Input(id="by")

    @on(Select.Changed, "#assignee")
    def assignee_changed(self, event: Select.Changed) -> None:
        self.query_one("#who", Input).disabled = event.value != SERVICE

    def values(self) -> dict[str, Any] | None:
        assignee = self.query_one("#assignee", Select).value
        who = self.query_one("#who", Input).value.strip()
        what = self.query_one("#what", Input).value.strip()
        by = parse_date(self.query_one("#by", Input).value)
        worker = next(((n, i) for n, i in self.team_workers if i == assignee), None)
        if worker is None and not who:
            self.refuse("Choose a worker, or type the service that will do it.", "#who")
        elif not what:
            self.refuse("Say what will be done.", "#what")
        elif by is None:
            self.refuse("Type a valid date as DD/MM/YYYY.", "#by")
        else:
            return {
                "who": worker[0] if worker else who,
                "worker_id": worker[1] if worker else None,
                "what": what,
                "by_when": by.isoformat(),
                "status": ActionStatus.OPEN.value,
            }
        return None


class ItemDialog(FormDialog):
    """A micro-commissioned item: equipment, an adaptation, a small package."""

    TITLE_TEXT = "Add a micro-commissioned item"

    def fields(self) -> ComposeResult:
        yield Label("Kind")
        kinds = [(code_label(kind), kind) for kind in ITEM_KINDS]
        yield Select(kinds, id="kind", allow_blank=False)
        yield Label("Description")
        yield Input(id="description")
        yield Label("Cost (£)")
        yield Input("0", id="cost")

    def values(self) -> dict[str, Any] | None:
        description = self.query_one("#description", Input).value.strip()
        try:
            cost = round(float(self.query_one("#cost", Input).value or 0), 2)
        except ValueError:
            cost = -1
        if not description:
            self.refuse("Describe the item.", "#description")
        elif cost < 0:
            self.refuse("Cost must be a number of pounds, 0 or more.", "#cost")
        else:
            kind = str(self.query_one("#kind", Select).value)
            return {"kind": kind, "description": description, "cost_pounds": cost}
        return None


class VersionsDialog(ModalScreen[None]):
    """Every saved version; Enter shows the chosen one as it was."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="versions.close")]

    def __init__(self, history: list[PlanView], *, person_id: int | None = None) -> None:
        super().__init__()
        self.history = history
        self.person_id = person_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog versions-dialog"):
            yield Label("Care plan versions", classes="dialog-title")
            yield OptionList(
                *(
                    f"{self.merged_mark(v)}Version {v.number} · {uk_date(v.created_at)}"
                    f" · {v.created_by}"
                    f"{' · ' + v.change_note if v.change_note else ''}"
                    for v in self.history
                ),
                id="versions",
            )
            with VerticalScroll(id="version-view"):
                yield Static("", id="version-text")

    def merged_mark(self, version: PlanView) -> str:
        """Says when a version belongs to the plan of a record merged into this one."""
        if self.person_id is None or version.person_id == self.person_id:
            return ""
        return f"Merged record {version.person_id}'s plan · "

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionHighlighted)
    @on(OptionList.OptionSelected)
    def show(self, event: OptionList.OptionHighlighted | OptionList.OptionSelected) -> None:
        from intapp.screens.person import plan_text

        self.query_one("#version-text", Static).update(plan_text(self.history[event.option_index]))
