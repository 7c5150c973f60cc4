"""A person's carer links: who cares for them and whom they care for; add and end links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from intapp.formatting import uk_date
from intapp.screens.base import DataModal, Result, offered_to
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.carers import CarerLinkView
    from intapp.services.people import PersonSummary


class LinksRead(Result["list[CarerLinkView]"]):
    """The person's open carer links."""


class LinkChanged(Result["CarerLinkView"]):
    """A link was made or ended."""


def link_line(link: CarerLinkView, person_id: int) -> str:
    """A link as seen from `person_id`'s record."""
    other, role = link.other(person_id), link.role_of_other(person_id)
    name = escape(other.name)  # a name is text, never markup
    said = f"Carer: {name}" if role == "carer" else f"Cares for: {name}"
    return f"{said:36} since {uk_date(link.since)}"


class CarerLinksDialog(DataModal):
    """The links on one record. `a` adds one (search for the other person), `x` ends the
    highlighted one with a reason. Dismisses with whether anything changed."""

    BINDINGS = [
        Binding("a", "add('cares_for')", "Add: cares for…", id="carer_links.add"),
        Binding("c", "add('carer')", "Add: a carer", id="carer_links.add_carer"),
        Binding("x", "end", "End link", id="carer_links.end"),
        Binding("escape", "close", "Close", id="carer_links.close"),
    ]

    def __init__(self, *, person_id: int, name: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.person_name = name
        self.links: list[CarerLinkView] = []
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(f"Carer links: {escape(self.person_name)}", classes="dialog-title")
            yield OptionList(id="carer-links")
            yield Static(
                "a: they care for someone · c: someone cares for them · "
                "x: end the highlighted link · esc: close",
                id="carer-links-help",
            )

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        person_id = self.person_id

        def links(session: Session) -> list[CarerLinkView]:
            from intapp.services.carers import person_links

            return person_links(session=session, person_id=person_id)

        self.read(LinksRead, links)

    @on(LinksRead)
    def show_links(self, message: LinksRead) -> None:
        self.links = message.value
        # The linked people are named here too: one view, of the record and of them.
        self.record_view(
            "carer_links",
            self.person_id,
            person_id=self.person_id,
            details={"people": sorted({link.other(self.person_id).id for link in self.links})},
        )
        listed = self.query_one("#carer-links", OptionList)
        listed.clear_options()
        if self.links:
            listed.add_options([Option(link_line(v, self.person_id)) for v in self.links])
            listed.highlighted = 0
        else:
            listed.add_option(Option("No carer links.", disabled=True))
        listed.focus()

    @offered_to("carer_link")
    def action_add(self, direction: str) -> None:
        from intapp.screens.person_picker import PersonPicker

        title = (
            f"Whom does {self.person_name} care for?"
            if direction == "cares_for"
            else f"Who cares for {self.person_name}?"
        )
        person_id, user = self.person_id, self.intapp.user

        def chosen(other: PersonSummary | None) -> None:
            if other is None:
                return
            carer, cared_for = (
                (person_id, other.id) if direction == "cares_for" else (other.id, person_id)
            )

            def link(session: Session) -> CarerLinkView:
                from intapp.services.carers import link_carer

                return link_carer(
                    session=session, user=user, carer_id=carer, cared_for_id=cared_for
                )

            self.write(LinkChanged, link)

        self.app.push_screen(PersonPicker(title=title, exclude=person_id), chosen)

    @offered_to("carer_link")
    def action_end(self) -> None:
        from intapp.widgets.dialogs import ReasonScreen

        listed = self.query_one("#carer-links", OptionList)
        if not self.links or listed.highlighted is None:
            self.notify("There is no link to end.")
            return
        link, user = self.links[listed.highlighted], self.intapp.user
        other = escape(link.other(self.person_id).name)

        def answered(reason: str | None) -> None:
            if reason is None:
                return

            def end(session: Session) -> CarerLinkView:
                from intapp.services.carers import unlink_carer

                return unlink_carer(
                    session=session,
                    user=user,
                    link_id=link.id,
                    reason=reason,
                    expected_version=link.version,
                )

            self.write(LinkChanged, end)

        self.app.push_screen(ReasonScreen(f"End the link with {other}? Why (recorded):"), answered)

    @on(LinkChanged)
    def link_changed(self, message: LinkChanged) -> None:
        link = message.value
        done = "ended" if link.ended_on else "made"
        self.notify(
            f"Link {done}: {escape(link.carer.name)} cares for {escape(link.cared_for.name)}.",
            title="Saved",
        )
        self.changed = True
        self.load()

    def action_close(self) -> None:
        self.dismiss(self.changed)
