"""The person record's key for a copy of the care plan to give the person (Care Act)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding

from intapp import clock
from intapp.screens.base import DataScreen, Result, offered_to
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.person_record import PersonRecord
    from intapp.services.plan_copy import SavedCopy


class CopySaved(Result["SavedCopy"]):
    """The person's copy of their plan was saved."""


class CopyActions(DataScreen):
    """`h`: save the person's plan as a readable copy for them; `PersonScreen` inherits it.
    The key is listed in help and the palette, not the footer, which is full."""

    BINDINGS = [
        Binding("h", "copy_for_person", "Copy for the person", id="person.copy_plan", show=False),
    ]

    # Set by PersonScreen.
    person_id: int
    record: PersonRecord | None

    def load_record(self) -> None:
        """Read the record again (`PersonScreen.load_record`)."""
        raise NotImplementedError

    @offered_to("export_plan")
    def action_copy_for_person(self) -> None:
        """Ask HTML or Markdown and where, then save the copy."""
        from intapp.services.plan_copy import copy_file_name

        if self.record is None:
            return
        name = self.record.overview.person.name
        if self.record.plan is None:
            self.notify(
                f"{escape(name)} has no care plan yet, so there is nothing to copy. "
                "Write it with them first (p).",
                severity="warning",
            )
            return
        from intapp.screens.plan_copy_dialog import PlanCopyDialog

        person_id, user = self.person_id, self.intapp.user
        stem = Path.home() / Path(copy_file_name(name, person_id, "html", clock.today())).stem

        def save(values: dict[str, Any], replace: bool) -> None:
            def saving(session: Session) -> SavedCopy:
                from intapp.services.plan_copy import export_plan_copy

                return export_plan_copy(
                    session=session, user=user, person_id=person_id, replace=replace, **values
                )

            self.write(CopySaved, saving)

        def chosen(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            path = values["path"]
            if not (path.exists() or path.is_symlink()):
                save(values, replace=False)
                return
            from intapp.widgets.dialogs import ConfirmScreen

            def answered(replace: bool | None) -> None:
                if replace:
                    save(values, replace=True)

            self.app.push_screen(
                ConfirmScreen(f"{path} already exists: replace it?", yes="Replace", no="Keep"),
                answered,
            )

        self.app.push_screen(PlanCopyDialog(stem, subject=name), chosen)

    @on(CopySaved)
    def copy_saved(self, message: CopySaved) -> None:
        saved = message.value
        self.notify(
            f"{escape(saved.name)}'s plan (version {saved.plan_number}) saved to "
            f"{escape(str(saved.path))}. Only you can read the file: give it to them.",
            title="Copy for the person",
            timeout=12,
        )
        self.load_record()  # the timeline shows the copy
