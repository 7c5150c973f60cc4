"""My work: every dated obligation of the worker using the app, soonest due first.

Enter opens the thing itself; `d` marks a plan action done here. Who "me" is comes
from ``[settings] me``; when it is unset the screen says how to set it and offers the
choice (`MePicker`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Static

from intapp import clock
from intapp.screens.base import DataScreen, Result, WorkFailed, offered_to
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlmodel import Session
    from textual.app import App

    from intapp.services.care_plans import PlanView
    from intapp.services.work_tray import Me, TrayItem
    from intapp.store.paging import Cursor, Page
    from intapp.store.plain_sql import PlainSQL
    from intapp.widgets.paged_list import PageQuery

PAGE_SIZE = 40
COLUMNS = (("Due", 14), ("Kind", 10), ("Person", 20), ("What", 40))


def what_width(screen_width: int) -> int:
    """The "What" column takes the room the others leave (each cell has one space of
    padding either side; the scrollbar takes two), at least 20."""
    others = sum(width + 2 for label, width in COLUMNS if label != "What")
    return max(20, screen_width - others - 2 - 2)


def due_text(item: TrayItem) -> str:
    """When an item is due, saying OVERDUE in words so it does not rest on colour:
    ``OVERDUE 21 Nov``, ``today``, ``today 14:00``, ``Thu 26 Nov``."""
    from intapp.formatting import uk_date, uk_time

    today, due = clock.today(), item.due_on
    if due == today:
        day = f"today {uk_time(item.due_at)}" if item.due_at else "today"
    elif due.year == today.year:
        day = f"{due.day} {due:%b}" if item.overdue else f"{due:%a} {due.day} {due:%b}"
    else:
        day = uk_date(due)
    return f"OVERDUE {day}" if item.overdue else day


def tray_cells(item: TrayItem) -> tuple[str, ...]:
    """One item's cells, in the order of `COLUMNS`; an overdue one in bold red, and
    saying so."""
    due = due_text(item)
    return (
        f"[b red]{due}[/]" if item.overdue else due,
        item.kind.label,
        escape(item.person_name),
        escape(item.what),
    )


class MeRead(Result["tuple[Me | None, int]"]):
    """Who "me" is, and how many of their items are overdue."""


class ActionDone(Result["PlanView"]):
    """A plan action was marked done from the tray."""


class WorkTrayScreen(DataScreen):
    """The signed-in worker's tray: Enter opens an item, `d` marks an action done."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="tray.back"),
        Binding("enter", "open", "Open", id="tray.open", priority=True),
        Binding("d", "done", "Action done", id="tray.done"),
        Binding("i", "choose_me", "Who I am", id="tray.me"),
        Binding("f5", "refresh", "Refresh", id="tray.refresh"),
        *PAGE_KEYS,
    ]
    AUTO_FOCUS = "#tray-list"

    def __init__(self) -> None:
        super().__init__()
        self.me: Me | None = None
        self.what_width = 0
        self.marking: TrayItem | None = None
        """The action being marked done."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("My work", id="tray-title")
        yield Static("", id="tray-unset")
        yield Static("", id="tray-hint")
        yield PagedList["TrayItem"](
            columns=self.columns(),
            cells=tray_cells,
            key=lambda item: item.key,
            cursor=_cursor,
            wording=Wording("item", "items", "Nothing is due: your tray is empty."),
            page_size=PAGE_SIZE,
            id="tray-list",
        )
        yield Footer()

    @property
    def paged(self) -> PagedList[TrayItem]:
        return self.query_one("#tray-list", PagedList)

    @property
    def rows(self) -> list[TrayItem]:
        """The items on the page shown."""
        return self.rows_of("#tray-list")

    def columns(self) -> list[tuple[str, int | None]]:
        self.what_width = what_width(self.app.size.width)
        return [(label, self.what_width if label == "What" else w) for label, w in COLUMNS]

    def on_resize(self) -> None:
        if what_width(self.app.size.width) != self.what_width:
            self.paged.columns = self.columns()
            self.paged.add_columns()

    def on_mount(self) -> None:
        self.query_one("#tray-unset", Static).display = False

    def on_screen_resume(self) -> None:
        # First shown: who "me" is, then the first page. Back from an item: the same
        # page, the highlight on the same item or, once it has gone, on its neighbour.
        self.action_refresh()

    def action_refresh(self) -> None:
        def read(db: PlainSQL) -> tuple[Me | None, int]:
            from intapp.services.work_tray import overdue_count, who_is_me

            me = who_is_me(db)
            return me, 0 if me is None else overdue_count(db, me=me)

        self.read_plain(MeRead, read)

    @on(MeRead)
    def show_me(self, message: MeRead) -> None:
        me, overdue = message.value
        unset = self.query_one("#tray-unset", Static)
        unset.display = me is None
        self.paged.display = me is not None
        self.query_one("#tray-hint", Static).display = me is not None
        who = self.intapp.who
        if me is None and who is not None and who.team_mode and who.is_staff:
            # A staff login is its linked worker; only an administrator can link it.
            self.query_one("#tray-title", Static).update("My work")
            unset.update(
                f"Your login {escape(who.login)} is not linked to a worker, so intapp "
                "cannot tell which work is yours.\n\nAsk your administrator to link it "
                "(`intapp staff link LOGIN --staff-id YOUR-STAFF-ID`)."
            )
            self.me = None
            return
        if me is None:
            from intapp import paths
            from intapp.config import load_settings

            named = load_settings().me
            why = (
                f"No active worker has the staff id {escape(named)} set as you."
                if named
                else "Nobody is set as you on this computer."
            )
            self.query_one("#tray-title", Static).update("My work")
            setting = escape('[settings]\nme = "YOUR-STAFF-ID"').replace("\n", "\n    ")
            unset.update(
                f"{why}\n\nPress [b]i[/] to choose yourself among the workers, or write\n"
                f"    {setting}\n"
                f"in {escape(str(paths.config_file()))}."
            )
            self.me = None
            return
        late = f" · [b red]{overdue:,} OVERDUE[/]" if overdue else " · nothing overdue"
        self.query_one("#tray-title", Static).update(
            f"My work: [b]{escape(me.name)}[/] ({escape(me.staff_id)}){late}"
        )
        if self.me != me or self.paged.total is None:
            self.me = me
            self.paged.show(self._query(me))
        else:
            self.paged.reload()
        self.paged.focus()

    def _query(self, me: Me) -> PageQuery[TrayItem]:
        app = self.intapp

        def page(after: Cursor | None, limit: int, count: bool) -> Page[TrayItem]:
            from intapp.services.work_tray import tray_page

            return app.run_plain(lambda db: tray_page(db, me=me, after=after, limit=limit))

        return page

    @on(PagedList.Shown, "#tray-list")
    def page_shown(self, event: PagedList.Shown) -> None:
        if self.me is not None:
            people = [item.person_id for item in event.control.rows]
            worker = self.me.worker_id
            self.record_page(event.control, "work_tray", worker, people, worker=worker)

    def action_open(self) -> None:
        self.paged.open_highlighted()

    @on(PagedList.Highlighted, "#tray-list")
    def show_hint(self, event: PagedList.Highlighted) -> None:
        """What Enter (and d) would do with the highlighted item."""
        from intapp.services.work_tray import TrayKind

        item: TrayItem | None = event.row
        hint = "" if item is None else f"Enter opens {item.opens}"
        if item is not None and item.kind == TrayKind.ACTION:
            hint += "; d marks the action done"
        self.query_one("#tray-hint", Static).update(hint)

    @on(PagedList.Opened, "#tray-list")
    def open_item(self, event: PagedList.Opened) -> None:
        from intapp.services.work_tray import TrayKind

        item: TrayItem = event.row
        if item.kind in (TrayKind.ACTION, TrayKind.REVIEW):
            from intapp.screens.care_plan import CarePlanScreen

            self.app.push_screen(
                CarePlanScreen(person_id=item.person_id, action_position=item.position)
            )
        elif item.kind == TrayKind.DRAFT:
            from intapp.screens.assessment import AssessmentScreen

            self.app.push_screen(AssessmentScreen(assessment_id=item.row_id))
        elif item.kind == TrayKind.TRIAGE:
            from intapp.screens.triage import TriageScreen

            self.app.push_screen(TriageScreen(referral_id=item.row_id))
        elif item.kind == TrayKind.TRANSFER:
            from intapp.screens.queue import decide_transfer

            decide_transfer(self, item.row_id, item.person_name, self.action_refresh)
        else:  # a reablement episode or its follow-up: the person's record holds both
            from intapp.screens.person import PersonScreen

            self.app.push_screen(PersonScreen(person_id=item.person_id))

    @offered_to("plan")
    def action_done(self) -> None:
        from intapp.services.work_tray import TrayKind

        item = self.paged.highlighted
        if item is None:
            return
        if item.kind != TrayKind.ACTION or item.position is None or item.plan_version is None:
            self.notify(
                f"Only a plan action can be marked done here; Enter opens {item.opens}.",
                title=item.kind.label,
            )
            return
        self.marking = item
        user, person_id = self.intapp.user, item.person_id
        position, version = item.position, item.plan_version

        def mark(session: Session) -> PlanView:
            from intapp.services.care_plans import mark_action_done

            return mark_action_done(
                session=session,
                user=user,
                person_id=person_id,
                action_index=position,
                expected_version=version,
            )

        self.write(ActionDone, mark)

    @on(ActionDone)
    def action_marked(self, message: ActionDone) -> None:
        item = self.marking
        if item is not None:
            self.notify(
                f"{escape(item.what)} ({escape(item.person_name)})", title="Action marked done"
            )
        self.action_refresh()

    @on(WorkFailed)
    def done_refused(self, message: WorkFailed) -> None:
        if message.result is ActionDone:
            self.action_refresh()  # and report it as usual: someone changed the plan

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A staff login is its linked worker: it is not asked who it is."""
        who = self.intapp.who
        if action == "choose_me" and who is not None and who.team_mode and who.is_staff:
            return False
        return super().check_action(action, parameters)

    def action_choose_me(self) -> None:
        choose_me(self.app, self.action_refresh)


def _cursor(item: TrayItem) -> Cursor:
    from intapp.services.work_tray import tray_cursor

    return tray_cursor(item)


def choose_me(app: App[Any], chosen: Callable[[], object] | None = None) -> None:
    """Ask who is using the app and write the answer to the config file; `chosen` runs
    once it is written."""
    from intapp.screens.me_picker import MePicker

    def answered(staff_id: str | None) -> None:
        if staff_id is None:
            return
        from intapp.config import SettingNotSaved, write_setting

        try:
            path = write_setting("me", staff_id)
        except SettingNotSaved as error:
            app.notify(
                f"You are {escape(staff_id)} for now. {escape(str(error))}",
                title="Me",
                severity="warning",
                timeout=30,
            )
        else:
            app.notify(f"You are {escape(staff_id)}: saved in {escape(str(path))}.", title="Me")
        if chosen is not None:
            chosen()

    app.push_screen(MePicker(), answered)
