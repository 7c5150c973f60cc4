"""The person record's record-changing actions: edit the details, carer links, and
merging two records of one person."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intapp.screens.base import DataScreen, offered_to

if TYPE_CHECKING:
    from intapp.services.person_record import PersonRecord


class RecordActions(DataScreen):
    """The keys that change the person's record itself; `PersonScreen` inherits them.
    Each dialog saves on its own, and the record is read again afterwards."""

    # Set by PersonScreen.
    person_id: int
    record: PersonRecord | None

    def load_record(self) -> None:
        """Read the record again (`PersonScreen.load_record`)."""
        raise NotImplementedError

    @offered_to("edit_person")
    def action_edit_details(self) -> None:
        """Correct the person's details; the record is read again on coming back."""
        from intapp.screens.person_edit import PersonEditScreen

        self.app.push_screen(PersonEditScreen(person_id=self.person_id))

    def action_carer_links(self) -> None:
        from intapp.screens.carer_links import CarerLinksDialog

        if self.record is None:
            return

        def closed(changed: bool | None) -> None:
            if changed:
                self.load_record()

        name = self.record.overview.person.name
        self.app.push_screen(CarerLinksDialog(person_id=self.person_id, name=name), closed)

    def show_person(self, person_id: int | None) -> None:
        """Show another person's record here (the survivor of a merge); None keeps this."""
        if person_id is not None:
            self.person_id = person_id
            self.load_record()

    @offered_to("merge")
    def action_merge(self) -> None:
        """Choose the other record of this person, then confirm with both shown."""
        from intapp.screens.merge_dialog import MergeDialog
        from intapp.screens.person_picker import PersonPicker

        if self.record is None:
            return
        person_id, name = self.person_id, self.record.overview.person.name

        merged = self.show_person

        def chosen(other: Any) -> None:
            if other is not None:
                self.app.push_screen(MergeDialog(survivor_id=person_id, merged_id=other.id), merged)

        self.app.push_screen(
            PersonPicker(title=f"Merge with which other record of {name}?", exclude=person_id),
            chosen,
        )
