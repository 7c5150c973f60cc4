"""The person record's alerts key: `!` opens the alerts dialog (raise, remove, history)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intapp.screens.base import DataScreen

if TYPE_CHECKING:
    from intapp.services.person_record import PersonRecord


class AlertActions(DataScreen):
    """The alerts action; `PersonScreen` binds `!` to it among its everyday keys. The
    dialog saves on its own, and the record (its header shows the open alerts) is read
    again when anything changed."""

    # Set by PersonScreen.
    person_id: int
    record: PersonRecord | None

    def load_record(self) -> None:
        """Read the record again (`PersonScreen.load_record`)."""
        raise NotImplementedError

    def action_alerts(self) -> None:
        from intapp.screens.alert_dialogs import AlertsDialog

        if self.record is None:
            return
        person = self.record.overview.person

        def closed(changed: bool | None) -> None:
            if changed:
                self.load_record()

        self.app.push_screen(
            AlertsDialog(person_id=self.person_id, name=person.name, deceased=person.is_deceased),
            closed,
        )
