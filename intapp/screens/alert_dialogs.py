"""A person's alerts: the open ones and those removed (with who and why); raise one with
`a`, remove the highlighted one with `x` (a reason is asked for and kept)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from intapp import clock
from intapp.formatting import parse_date, uk_date
from intapp.screens.base import DataModal, Result, offered_to
from intapp.screens.episode_dialogs import FormDialog
from intapp.widgets.alert_marks import ALERT_STYLE, OVERDUE_STYLE
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.config import AlertKind
    from intapp.services.alerts import AlertView


class AlertsRead(Result["list[AlertView]"]):
    """The person's alerts, open first, then those removed."""


class AlertChanged(Result["AlertView"]):
    """An alert was raised or removed."""


def alert_text(alert: AlertView) -> str:
    """An alert as the dialog lists it, in three lines: the label; who raised it and when
    (and its review); the note. A removed one is greyed, with who removed it, when and why."""
    raised = f"raised {uk_date(alert.raised_at)} by {escape(alert.raised_by)}"
    if not alert.is_open:
        return (
            f"[dim]{escape(alert.label)} · {raised}\n"
            f"  removed {uk_date(alert.removed_at)} by {escape(alert.removed_by or '')}: "
            f"{escape(alert.removed_reason or '')}\n"
            f"  {escape(alert.note)}[/]"
        )
    review = ""
    if alert.review_on is not None:
        late = alert.review_overdue(clock.today())
        review = (
            f" · [{OVERDUE_STYLE}]review was due {uk_date(alert.review_on)}[/]"
            if late
            else f" · review {uk_date(alert.review_on)}"
        )
    return (
        f"[{ALERT_STYLE}]{escape(alert.badge)}  {escape(alert.label)}[/]\n"
        f"  {raised}{review}\n"
        f"  {escape(alert.note)}"
    )


class AlertsDialog(DataModal):
    """The alerts on one record. Dismisses with whether anything changed."""

    BINDINGS = [
        Binding("a", "raise_alert", "Raise an alert", id="alerts.raise"),
        Binding("x", "remove_alert", "Remove alert", id="alerts.remove"),
        Binding("escape", "close", "Close", id="alerts.close"),
    ]

    def __init__(self, *, person_id: int, name: str, deceased: bool = False) -> None:
        super().__init__()
        self.person_id = person_id
        self.person_name = name
        self.deceased = deceased
        self.alerts: list[AlertView] = []
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog", id="alerts-dialog"):
            yield Label(f"Alerts: {escape(self.person_name)}", classes="dialog-title")
            yield OptionList(id="alerts-list")
            yield Static(
                "a: raise an alert · x: remove the highlighted alert · esc: close",
                id="alerts-help",
            )

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        person_id = self.person_id

        def alerts(session: Session) -> list[AlertView]:
            from intapp.services.alerts import person_alerts

            return person_alerts(session=session, person_id=person_id, include_removed=True)

        self.read(AlertsRead, alerts)

    @on(AlertsRead)
    def show_alerts(self, message: AlertsRead) -> None:
        self.alerts = message.value
        listed = self.query_one("#alerts-list", OptionList)
        listed.clear_options()
        if self.alerts:
            listed.add_options(
                [Option(alert_text(a), id=str(a.id), disabled=not a.is_open) for a in self.alerts]
            )
            opened = [n for n, a in enumerate(self.alerts) if a.is_open]
            listed.highlighted = opened[0] if opened else None
        else:
            listed.add_option(Option("No alerts.", disabled=True))
        listed.focus()

    @offered_to("alert")
    def action_raise_alert(self) -> None:
        if self.deceased:
            self.notify(
                f"{escape(self.person_name)} has died; no new alert can be raised.",
                severity="warning",
            )
            return
        from intapp.services.alerts import alert_kinds

        person_id, user = self.person_id, self.intapp.user
        held = {a.kind for a in self.alerts if a.is_open}

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return

            def raise_it(session: Session) -> AlertView:
                from intapp.services.alerts import raise_alert

                return raise_alert(session=session, user=user, person_id=person_id, **values)

            self.write(AlertChanged, raise_it)

        kinds = [k for k in alert_kinds() if k.code not in held]
        if not kinds:
            self.notify("Every kind of alert is already raised.")
            return
        self.app.push_screen(RaiseAlertDialog(kinds, subject=self.person_name), answered)

    @offered_to("alert")
    def action_remove_alert(self) -> None:
        from intapp.widgets.dialogs import ReasonScreen

        listed = self.query_one("#alerts-list", OptionList)
        index = listed.highlighted
        if index is None or index >= len(self.alerts) or not self.alerts[index].is_open:
            self.notify("There is no open alert to remove.")
            return
        alert, user = self.alerts[index], self.intapp.user

        def answered(reason: str | None) -> None:
            if reason is None:
                return

            def remove(session: Session) -> AlertView:
                from intapp.services.alerts import remove_alert

                return remove_alert(
                    session=session,
                    user=user,
                    alert_id=alert.id,
                    reason=reason,
                    expected_version=alert.version,
                )

            self.write(AlertChanged, remove)

        self.app.push_screen(
            ReasonScreen(f"Remove the alert {escape(alert.label)}? Why (recorded):"), answered
        )

    @on(AlertChanged)
    def alert_changed(self, message: AlertChanged) -> None:
        alert = message.value
        done = "raised" if alert.is_open else "removed"
        self.notify(f"Alert {done}: {escape(alert.label)}.", title="Saved")
        self.changed = True
        self.load()

    def action_close(self) -> None:
        self.dismiss(self.changed)


class RaiseAlertDialog(FormDialog):
    """Raise an alert: its kind, a note for whoever visits, an optional review date."""

    TITLE_TEXT = "Raise an alert"

    def __init__(self, kinds: list[AlertKind], *, subject: str = "") -> None:
        super().__init__(subject=subject)
        self.kinds = kinds

    def fields(self) -> ComposeResult:
        yield Label("Kind")
        # No kind is chosen for the person: a risk alert raised by mistake would mislead.
        yield Select(
            [(f"{k.badge}  {k.label}", k.code) for k in self.kinds],
            id="kind",
            prompt="Choose the kind of alert",
        )
        yield Label("Note: what a visitor needs to know")
        yield TextArea(id="note")
        yield Label("Review on (DD/MM/YYYY, optional)")
        yield Input(placeholder="DD/MM/YYYY", id="review")

    def values(self) -> dict[str, Any] | None:
        kind = self.query_one("#kind", Select).value
        if kind is Select.NULL:
            self.refuse("Choose the kind of alert.", "#kind")
            return None
        note = self.query_one("#note", TextArea).text.strip()
        if not note:
            self.refuse("Write what a visitor needs to know.", "#note")
            return None
        typed = self.query_one("#review", Input).value.strip()
        review = parse_date(typed) if typed else None
        if typed and review is None:
            self.refuse("Type the review date as DD/MM/YYYY, or leave it empty.", "#review")
            return None
        if review is not None and review < clock.today():
            self.refuse("The review date cannot be in the past.", "#review")
            return None
        return {
            "kind": str(kind),
            "note": note,
            "review_on": review,
        }
