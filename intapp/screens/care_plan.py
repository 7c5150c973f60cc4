"""The care plan editor: goals in the person's words, actions, items, review date, versions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Header, Input, Label, Select, Static, TextArea

from intapp import clock
from intapp.codes import ActionStatus, code_label
from intapp.formatting import action_box, parse_date, uk_date
from intapp.screens.base import DataScreen, Result, WorkFailed, offered_to
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.care_plans import PlanView
    from intapp.services.plan_editing import PlanEditor


class PlanOpened(Result["PlanEditor"]):
    """The plan as stored (if any), with the workers who can lead it."""


class PlanSaved(Result["PlanView"]):
    """A new version of the plan was saved."""


class CarePlanScreen(DataScreen):
    """Write or change the one shared plan; every save is a new version."""

    LEAVE_QUESTION = "Leave without saving this version?"

    BINDINGS = [
        # priority: the text fields would otherwise take ctrl+e (end of line). ctrl+h
        # cannot be used: terminals send it as backspace.
        Binding("ctrl+s", "save_plan", "Save version", id="plan.save", priority=True),
        Binding("ctrl+n", "add_action", "Add action", id="plan.add_action", priority=True),
        Binding("ctrl+t", "toggle_done", "Action done", id="plan.toggle", priority=True),
        Binding("ctrl+x", "toggle_cancelled", "Cancel action", id="plan.cancel", priority=True),
        Binding("ctrl+e", "add_item", "Add item", id="plan.add_item", priority=True),
        Binding("ctrl+r", "history", "Versions", id="plan.history", priority=True),
        Binding("escape", "leave", "Back", id="plan.back"),
    ]

    AUTO_FOCUS = "#goals"

    def __init__(self, *, person_id: int, action_position: int | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.action_position = action_position
        """The action to show highlighted when the plan opens (from the work tray)."""
        self.data: PlanEditor | None = None
        self.actions: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("Loading…", id="plan-status", classes="panel")
            with Horizontal(classes="field"):
                yield Label("Lead worker", classes="field-label")
                yield Select([], id="lead", prompt="Choose the lead worker")
                yield Label("Review", classes="field-label")
                yield Input(id="review", placeholder="DD/MM/YYYY")
            yield Label("Goals, in the person's own words (one per line)", classes="section")
            yield TextArea(id="goals", classes="prose")
            yield Label(
                "Actions: who, what, by when (ctrl+n add, ctrl+t done, ctrl+x cancelled)",
                classes="section",
            )
            yield DataTable(id="actions", cursor_type="row")
            yield Label("Micro-commissioned items (ctrl+e add)", classes="section")
            yield DataTable(id="items", cursor_type="row")
            yield Label("What changed (saved with the version)", classes="section")
            yield Input(id="note", placeholder="e.g. added grab rail after OT visit")
            yield Static("", id="plan-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#actions", DataTable).add_columns("Who", "What", "By", "Status")
        self.query_one("#items", DataTable).add_columns("Kind", "Description", "Cost")
        self.reload()

    def reload(self) -> None:
        person_id = self.person_id

        def load(session: Session) -> PlanEditor:
            from intapp.services.plan_editing import open_plan_editor

            return open_plan_editor(session=session, person_id=person_id)

        self.read(PlanOpened, load)

    @on(PlanOpened)
    def show_plan(self, message: PlanOpened) -> None:
        self.data = data = message.value
        lead = self.query_one("#lead", Select)
        lead.set_options(
            [(f"{w.name} ({code_label(w.profession)})", w.worker_id) for w in data.workers]
        )
        plan = data.plan
        if plan is None:
            from intapp.services.care_plans import first_review_date

            self.query_one("#review", Input).value = first_review_date().strftime("%d/%m/%Y")
            if any(w.worker_id == data.allocated_worker_id for w in data.workers):
                lead.value = data.allocated_worker_id
            status = f"[b]{data.person_name}[/] has no care plan yet: write version 1."
            self.actions, self.items = [], []
        else:
            c = plan.content
            lead.value = c.lead_worker_id
            self.query_one("#review", Input).value = c.review_date.strftime("%d/%m/%Y")
            self.query_one("#goals", TextArea).text = "\n".join(c.goals)
            self.actions, self.items = [dict(a) for a in c.actions], [dict(i) for i in c.items]
            status = (
                f"[b]{data.person_name}[/] · version {plan.number} saved by {plan.created_by}"
                f" on {uk_date(plan.created_at)} · {len(data.history)} version(s): ctrl+r"
            )
        self.query_one("#plan-status", Static).update(status)
        self.show_lists()
        self.mark_clean()
        if self.action_position is not None and self.action_position < len(self.actions):
            table = self.query_one("#actions", DataTable)
            table.move_cursor(row=self.action_position)
            table.focus()
            self.action_position = None

    def show_lists(self) -> None:
        actions = self.query_one("#actions", DataTable)
        actions.clear()
        today = clock.today()
        for a in self.actions:
            by = a["by_when"]
            actions.add_row(
                Text(a["who"]),  # typed by people: shown as typed, never read as markup
                Text(a["what"]),
                uk_date(parse_date(by) if isinstance(by, str) else by),
                action_box(a, today),
            )
        items = self.query_one("#items", DataTable)
        items.clear()
        for i in self.items:
            items.add_row(code_label(i["kind"]), Text(i["description"]), f"£{i['cost_pounds']:.2f}")

    def form_values(self) -> Any:
        if self.data is None:
            return None
        return (
            self.query_one("#lead", Select).value,
            self.query_one("#review", Input).value,
            self.query_one("#goals", TextArea).text,
            self.query_one("#note", Input).value,
            [dict(a) for a in self.actions],
            [dict(i) for i in self.items],
        )

    @offered_to("plan")
    def action_add_action(self) -> None:
        from intapp.screens.plan_dialogs import ActionDialog

        def added(action: dict[str, Any] | None) -> None:
            if action:
                self.actions.append(action)
                self.show_lists()

        workers = [(w.name, w.worker_id) for w in self.data.workers] if self.data else []
        self.app.push_screen(ActionDialog(workers), added)

    @offered_to("plan")
    def action_add_item(self) -> None:
        from intapp.screens.plan_dialogs import ItemDialog

        def added(item: dict[str, Any] | None) -> None:
            if item:
                self.items.append(item)
                self.show_lists()

        self.app.push_screen(ItemDialog(), added)

    @offered_to("plan")
    def action_toggle_done(self) -> None:
        self.toggle_status(ActionStatus.DONE)

    @offered_to("plan")
    def action_toggle_cancelled(self) -> None:
        self.toggle_status(ActionStatus.CANCELLED)

    def toggle_status(self, status: ActionStatus) -> None:
        """Mark the highlighted action `status`, or open again if it already is."""
        table = self.query_one("#actions", DataTable)
        if self.actions:
            action = self.actions[table.cursor_row]
            action["status"] = ActionStatus.OPEN if action["status"] == status else status
            self.show_lists()
            table.move_cursor(row=self.actions.index(action))

    @offered_to("plan")
    def action_save_plan(self) -> None:
        if self.data is None:
            return
        if self.data.plan is not None and not self.dirty:
            self.notify(f"Nothing has changed since version {self.data.plan.number}.")
            return
        lead = self.query_one("#lead", Select).value
        if lead is Select.NULL:
            self.refuse("Choose the lead worker.", "#lead")
            return
        review = parse_date(self.query_one("#review", Input).value)
        if review is None:
            self.refuse("Type a valid review date as DD/MM/YYYY.", "#review")
            return
        from intapp.services.care_plans import PlanContent

        content = PlanContent(
            lead_worker_id=int(str(lead)),
            review_date=review,
            goals=self.query_one("#goals", TextArea).text.splitlines(),
            actions=[dict(a) for a in self.actions],
            items=[dict(i) for i in self.items],
        )
        note = self.query_one("#note", Input).value
        person_id, user, plan = self.person_id, self.intapp.user, self.data.plan

        def save(session: Session) -> PlanView:
            from intapp.services.plan_editing import save_plan_version

            return save_plan_version(
                session=session,
                user=user,
                person_id=person_id,
                content=content,
                note=note,
                expected_version=plan.version if plan else None,
            )

        self.write(PlanSaved, save)

    @on(PlanSaved)
    def plan_saved(self, message: PlanSaved) -> None:
        plan = message.value
        self.notify(f"Version {plan.number} saved.", title="Care plan saved")
        self.query_one("#note", Input).value = ""
        self.query_one("#plan-error", Static).update("")
        self.reload()

    @on(WorkFailed)
    def plan_refused(self, message: WorkFailed) -> None:
        """Bad input is shown under the form; anything else is reported as usual."""
        from intapp.services.errors import InvalidInput

        if message.result is PlanSaved and isinstance(message.error, InvalidInput):
            message.prevent_default()
            self.query_one("#plan-error", Static).update(message.error.message)

    def refuse(self, message: str, selector: str) -> None:
        self.query_one("#plan-error", Static).update(message)
        self.query_one(selector).focus()

    def action_history(self) -> None:
        if self.data and self.data.history:
            from intapp.screens.plan_dialogs import VersionsDialog

            self.app.push_screen(VersionsDialog(self.data.history, person_id=self.person_id))
