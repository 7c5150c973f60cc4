"""The Textual app: the coordinator's home for triage, allocation, assessment, plans
and reablement.

The data layer (SQLAlchemy and SQLModel, about half a second to import) loads in a
worker once the dashboard's figures show; on SQLite those figures and the referral queue
are read before it, with the standard library (`sqlite_reader`).
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterable
from contextlib import closing, suppress
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding

from intapp.access import Role, SignedIn, may, refusal
from intapp.store.sqlite_reader import chosen_url, connect_if_current

if TYPE_CHECKING:
    from rich.text import Text
    from sqlalchemy import Engine
    from sqlmodel import Session
    from textual.screen import Screen
    from textual.worker import Worker

    from intapp.store.plain_sql import PlainSQL


def _yield_the_processor() -> None:
    """Lower this thread's priority (Linux sets it per thread), so that background work
    such as the integrity check never slows what the user is waiting for."""
    with suppress(AttributeError, OSError):  # elsewhere the check simply runs as it is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class UnexpectedError(Exception):
    """What the terminal shows when intapp stops on an error no handler caught: one line
    that names no person, never a traceback."""

    def __rich__(self) -> Text:
        from rich.text import Text

        return Text(str(self))


class IntApp(App[None]):
    """intapp's terminal app."""

    TITLE = "intapp"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("slash,ctrl+f", "search", "Search", id="search"),
        Binding("ctrl+d", "dashboard", "Dashboard", id="dashboard"),
        # Not in every screen's footer (there is no room at 80 columns); the help screen
        # and the dashboard's own key (m) show it.
        Binding("f2", "my_work", "My work", id="my_work", show=False),
        # priority, as in Textual's own binding: quitting works from a dialog too.
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    ASK_WHO_I_AM = True
    """Whether the first start asks who is using the app when ``[settings] me`` is unset
    (tests that are not about the question turn it off)."""

    def __init__(self, *, database_url: str | None = None) -> None:
        super().__init__()
        self.database_url = database_url
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()
        self.user = self._login()
        """Who is working, for the audit trail: derived from the store, never chosen
        (`store.identity`)."""
        self.who: SignedIn | None = None
        """Who is signed in, in which role; on a team server, None until signed in."""
        if not chosen_url(database_url).startswith("postgres"):  # single-user: the owner
            self.who = SignedIn(login=self.user, role=Role.OWNER)
        self.sub_title = self.who.label if self.who else "signing in…"
        self.warming_up: Worker[None] | None = None
        """The worker `warm_up` started, once it has."""
        self.store_checked = threading.Event()
        """Set once the background integrity check (`check_store`) has finished."""
        self.store_damage: str | None = None
        """Why saving is turned off: the integrity check found the store damaged."""
        self._checking = False
        """Whether `warm_up` has started, so a check is under way or done."""
        self._asked_who_i_am = False
        from intapp.services.views import ViewRecorder

        self.views = ViewRecorder(self._write_views, failed=self._views_failed)
        """Views of identifiable data, written to the audit trail in the background."""

    def on_mount(self) -> None:
        from intapp.screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen())

    def on_unmount(self) -> None:
        # The views of the last moments are written before the app goes.
        self.views.close()

    def _write_views(self, work: Callable[[Session], None]) -> None:
        """Write queued views in one transaction (from the recorder's thread)."""
        self.run_in_session(work, write=True)

    def _views_failed(self, error: Exception) -> None:
        """Reading goes on when views cannot be written, but the user is told, once."""
        from intapp.store.errors import storage_error_from

        storage = storage_error_from(error)
        why = storage.message if storage is not None else f"an error ({type(error).__name__})"
        with suppress(RuntimeError):  # at exit, from the app's own thread: nobody to tell
            self.call_from_thread(
                self.notify,
                f"What you open is not being recorded in the audit trail: {why}",
                title="Audit trail",
                severity="warning",
                timeout=20,
                markup=False,
            )

    def ask_who_i_am(self) -> None:
        """Once, when the dashboard first shows: if ``[settings] me`` is unset and the
        store has workers, ask who is using the app (they may skip for now)."""
        if self._asked_who_i_am or not self.ASK_WHO_I_AM:
            return
        self._asked_who_i_am = True

        def check() -> None:
            from intapp.services.work_tray import should_ask_who_i_am

            if self.run_plain(should_ask_who_i_am):
                from intapp.screens.work_tray import choose_me

                self.call_from_thread(choose_me, self)

        self.run_worker(check, thread=True, exit_on_error=False)

    def _login(self) -> str:
        """The login: for SQLite, the account owning the file (no data layer needed);
        for a team server, its `session_user`, which `intapp` asked for before the app
        opened (signing in and checking the schema), so this does not wait."""
        from intapp.store.identity import login, login_at

        if (found := login_at(self.database_url)) is not None:
            return found
        from intapp.store.engine import get_engine

        return login(get_engine(self.database_url))

    # Data access, called from thread workers only.

    def engine(self) -> Engine:
        """The engine, built on first use (in a worker thread) and ready: a SQLite file
        is migrated; a team server is only checked, never migrated (`ready_for_use`)."""
        with self._engine_lock:
            if self._engine is None:
                from intapp.access import signed_in
                from intapp.store.engine import get_engine
                from intapp.store.migrate import ready_for_use

                engine = get_engine(self.database_url)
                ready_for_use(engine)
                if self.who is None:  # on a team server: sign in, once
                    self._show_signed_in(signed_in(engine))
                self._engine = engine
            return self._engine

    def _show_signed_in(self, who: SignedIn) -> None:
        try:
            self.call_from_thread(self.signed_in_as, who)
        except RuntimeError:  # on the app's own thread, or the app is not running
            self.who = who

    def signed_in_as(self, who: SignedIn) -> None:
        """Show who is signed in, and offer the keys their role may use."""
        from intapp.screens.dashboard import CITY, DashboardScreen, home_scope

        self.who = who
        self.sub_title = who.label
        for screen in self.screen_stack:
            screen.refresh_bindings()
            if isinstance(screen, DashboardScreen) and screen.scope is CITY:
                screen.scope = home_scope(who)

    def allows(self, action: str | None, *, say: bool = False) -> bool:
        """Whether the role signed in may do `action` (`intapp.access`); with `say`, if
        not, tell the user who may."""
        if action is None or (self.who is not None and may(self.who, action)):
            return True
        if say:
            self.notify(
                refusal(self.who, action) if self.who else "Still signing in; try again.",
                title="Not allowed",
                severity="warning",
                markup=False,
            )
        return False

    def run_in_session(self, work: Callable[[Session], Any], *, write: bool) -> Any:
        """Run `work` in a short session: a transaction for writes, read-only otherwise.

        Every save goes through here, so this is where a damaged store refuses them.
        """
        from intapp.store.engine import read_session, unit_of_work

        if write:
            self._refuse_saves_if_damaged()
        engine = self.engine()
        scope = unit_of_work if write else read_session
        with scope(engine) as session:
            return work(session)

    def run_plain(self, query: Callable[[PlainSQL], Any]) -> Any:
        """Answer a plain-SQL read (`services.plain_sql`): straight from an up-to-date
        SQLite store, without waiting for the data layer, else in a read-only session."""
        from intapp.store.plain_sql import through_session, through_sqlite

        if connection := connect_if_current(self.database_url):
            with closing(connection), through_sqlite(connection) as db:
                return query(db)
        return self.run_in_session(lambda session: query(through_session(session)), write=False)

    def warm_up(self) -> None:
        """Load the data layer, the services and the screens in a thread, once the
        dashboard is filled, so the first list opened does not pay for them; then check
        the store for damage (`check_store`).

        Then freeze what is loaded out of the garbage collector's sight: otherwise every
        full collection walks the hundred thousand objects of Textual, SQLAlchemy and
        SQLModel, freezing the screen for about 100 ms each time.
        """
        if self.warming_up is not None:
            return
        self._checking = True  # saves wait for the verdict (`_refuse_saves_if_damaged`)

        def load() -> None:
            try:
                self.engine()
                import intapp.screens.allocation
                import intapp.screens.assessment
                import intapp.screens.board
                import intapp.screens.care_plan
                import intapp.screens.caseload
                import intapp.screens.person
                import intapp.screens.queue
                import intapp.screens.reablement
                import intapp.screens.reviews
                import intapp.screens.search
                import intapp.screens.triage
                import intapp.services.allocations
                import intapp.services.assessments
                import intapp.services.care_plans
                import intapp.services.caseloads
                import intapp.services.person_record
                import intapp.services.reablement
                import intapp.services.referrals
                import intapp.services.weekly_summary  # noqa: F401

                gc.freeze()
            finally:
                # After the imports, so the check does not slow the first list opened.
                self.check_store()

        self.warming_up = self.run_worker(load, thread=True, exit_on_error=False)

    def check_store(self) -> None:
        """Check the store for damage (called in a thread, by `warm_up`); if it is
        damaged, say so and refuse every save from then on (`run_in_session`)."""
        from intapp.store.errors import DatabaseCorrupt
        from intapp.store.integrity import require_sound_file

        _yield_the_processor()
        try:  # the file itself, with sqlite3: opening the engine might migrate, which writes
            require_sound_file(self.database_url)
        except DatabaseCorrupt as error:
            self.store_damage = error.message
            self.call_from_thread(
                self.notify,
                f"{error.message} Saving is turned off until it is restored.",
                title="The database is damaged",
                severity="error",
                timeout=60,
            )
        finally:
            self.store_checked.set()

    def _refuse_saves_if_damaged(self) -> None:
        from intapp.store.errors import DatabaseCorrupt

        if self._checking:
            self.store_checked.wait()  # a save in the first moments waits for the verdict
        if self.store_damage is not None:
            raise DatabaseCorrupt(f"Not saved: {self.store_damage}")

    def report_error(self, error: Exception) -> None:
        """Show a refused change plainly; log anything unexpected without personal data.
        Messages name people and quote what they typed, so they are never read as markup."""
        from intapp.services.errors import Conflict, DomainError, NotAllowed, NotStaff
        from intapp.store.errors import StorageError, storage_error_from

        storage = storage_error_from(error)
        if isinstance(error, Conflict):
            self.notify(
                error.message, title="Someone else saved first", severity="error", markup=False
            )
        elif isinstance(error, NotAllowed):
            self.notify(error.message, title="Not allowed", severity="warning", markup=False)
        elif isinstance(error, NotStaff):
            self.sub_title = "not signed in"
            self.notify(
                error.message, title="Not signed in", severity="error", timeout=60, markup=False
            )
        elif isinstance(error, DomainError):
            self.notify(error.message, title="Not saved", severity="warning", markup=False)
        elif isinstance(storage, StorageError):
            self.notify(
                storage.message, title="Database", severity="error", timeout=30, markup=False
            )
        else:
            from intapp.errorlog import log_unexpected

            path = log_unexpected(error)
            self.notify(
                f"Something went wrong ({type(error).__name__}); nothing was half-saved. "
                f"Details for support: {path}",
                title="Error",
                severity="error",
                timeout=10,
            )

    def _handle_exception(self, error: Exception) -> None:
        """An error no handler caught. Textual stops the widget it happened in and exits
        with code 1, printing a traceback with local values, which can hold names and NHS
        numbers. intapp logs the error without personal data and hands Textual an
        `UnexpectedError` in its place: one that renders as one plain line (Textual shows
        an error with `__rich__` as it renders), with the original as its cause, which
        Pilot re-raises in tests. tests/test_textual_contract.py fails if Textual changes
        this hook."""
        from intapp.errorlog import log_unexpected

        path = log_unexpected(error)
        stopped = UnexpectedError(
            f"intapp stopped after an unexpected error ({type(error).__name__}). "
            f"Every save is all or nothing, so nothing was half-saved. "
            f"Details for support: {path}"
        )
        stopped.__cause__ = error
        super()._handle_exception(stopped)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own commands, then every key of the screen the palette was opened
        on, so that any action can be found by name as well as by its key.

        Textual's Screenshot is left out: it would save a picture of people's records
        in the Downloads folder, readable by anyone who can read that folder.
        """
        for command in super().get_system_commands(screen):
            if command.title.lower() != "screenshot":
                yield command
        offered = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not (binding.description and active.enabled):
                continue
            if not binding.show and active.node is not screen:
                continue  # a widget's own hidden keys (cursor moves and the like)
            if (binding.action, id(active.node)) in offered:
                continue  # one action bound to two keys
            offered.add((binding.action, id(active.node)))
            yield SystemCommand(
                binding.description,
                f"Key: {self.get_key_display(binding)}",
                partial(self.run_action, binding.action, active.node),
            )

    # Actions available everywhere.

    # Each asks first if it would close a form with unsaved changes (`leave_guarded`).

    async def action_quit(self) -> None:
        """Quit the app."""
        from intapp.screens.base import leave_guarded

        leave_guarded(self.screen_stack, self.exit)

    def action_dashboard(self) -> None:
        from intapp.screens.base import leave_guarded

        leave_guarded(self.screen_stack[2:], self._back_to_dashboard)

    def _back_to_dashboard(self) -> None:
        from intapp.screens.dashboard import DashboardScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, DashboardScreen):
            self.push_screen(DashboardScreen())

    def action_my_work(self) -> None:
        """The work tray of the worker using the app, over whatever is shown."""
        from textual.screen import ModalScreen

        from intapp.screens.work_tray import WorkTrayScreen

        # Not over a dialog: it would hide the question it asks.
        if not isinstance(self.screen, WorkTrayScreen | ModalScreen):
            self.push_screen(WorkTrayScreen())

    def action_search(self) -> None:
        """Search over the screen, or instead of a form whose changes the user gives up."""
        from intapp.screens.base import has_unsaved_changes, leave_guarded
        from intapp.screens.search import SearchScreen

        def search() -> None:
            if has_unsaved_changes(self.screen):
                self.pop_screen()
            self.push_screen(SearchScreen())

        leave_guarded([self.screen], search)

    def action_help(self) -> None:
        from intapp.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))
