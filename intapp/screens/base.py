"""What every screen shares: database work in thread workers, results by message."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from textual import events
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.app import IntApp
    from intapp.store.plain_sql import PlainSQL


class Loaded(Message):
    """A worker finished: `key` says which query, `value` is its plain result."""

    def __init__(self, key: str, value: Any) -> None:
        super().__init__()
        self.key = key
        self.value = value


class Failed(Message):
    """A worker's query or save was refused (`DomainError`) or failed unexpectedly."""

    def __init__(self, key: str, error: Exception) -> None:
        super().__init__()
        self.key = key
        self.error = error


class DataWork:
    """Database work off the event loop, for screens and dialogs.

    `fetch` runs a read in a thread and `save` runs a write in its own transaction;
    either posts `Loaded(key, value)` or `Failed(key, error)` back to the screen, and
    widgets change only in the handlers of those messages.
    """

    app: Any
    post_message: Callable[[Message], bool]
    run_worker: Callable[..., Any]

    @property
    def intapp(self) -> IntApp:
        return cast("IntApp", self.app)

    def fetch(self, key: str, query: Callable[[Session], Any]) -> None:
        """Run `query(session)` in a read-only session in a thread worker."""
        app = self.intapp
        self._run(key, lambda: app.run_in_session(query, write=False))

    def fetch_plain(self, key: str, query: Callable[[PlainSQL], Any]) -> None:
        """Run a plain-SQL read in a thread worker; on an up-to-date SQLite store it does
        not wait for the data layer to load (`IntApp.run_plain`)."""
        app = self.intapp
        self._run(key, lambda: app.run_plain(query))

    def save(self, key: str, change: Callable[[Session], Any]) -> None:
        """Run `change(session)` in one write transaction in a thread worker."""
        app = self.intapp
        self._run(key, lambda: app.run_in_session(change, write=True))

    def _run(self, key: str, work: Callable[[], Any]) -> None:
        def in_thread() -> None:
            try:
                value = work()
            except Exception as error:  # shown by on_failed, never raised on the loop
                self.post_message(Failed(key, error))
            else:
                self.post_message(Loaded(key, value))

        self.run_worker(in_thread, thread=True, group=key, exclusive=True, exit_on_error=False)

    async def on_loaded(self, message: Loaded) -> None:
        handler = getattr(self, f"loaded_{message.key}", None)
        if handler is not None and inspect.isawaitable(result := handler(message.value)):
            await result

    def on_failed(self, message: Failed) -> None:
        from intapp.services.errors import Conflict

        handler = getattr(self, f"failed_{message.key}", None)
        if handler is not None and handler(message.error):
            return
        if isinstance(message.error, Conflict) and hasattr(self, "reload"):
            self.offer_reload(message.error.message)
            return
        self.intapp.report_error(message.error)

    def offer_reload(self, explanation: str) -> None:
        """Someone else saved first: explain, and reload (losing this edit) only if asked."""
        from intapp.widgets.dialogs import ConfirmScreen

        def answered(reload: bool | None) -> None:
            if reload:
                self.reload()  # type: ignore[attr-defined]

        self.app.push_screen(
            ConfirmScreen(
                f"{explanation}\n\nReload now? Your unsaved changes on this screen will be "
                "replaced by what is saved.",
                yes="Reload",
                no="Keep my screen",
            ),
            answered,
        )


class GuardsChanges:
    """Asks before unsaved changes are thrown away, for screens and dialogs.

    A form returns what it shows from `form_values` and calls `mark_clean` once it has
    loaded or saved; `leave` asks first if the two differ. Comparing values, rather
    than counting change events, keeps the events that filling a form sends itself
    from counting as edits.
    """

    LEAVE_QUESTION = "Leave without saving your changes?"
    LEAVE_ANSWERS = ("Leave", "Stay")
    app: Any
    _clean_values: Any = None

    def form_values(self) -> Any:
        """What the form shows now (None: not a form)."""
        return None

    def mark_clean(self) -> None:
        """What the form shows now is what is stored."""
        self._clean_values = self.form_values()

    @property
    def dirty(self) -> bool:
        """Whether the form shows changes that are not saved."""
        return self._clean_values is not None and self.form_values() != self._clean_values

    def leave(self, go: Callable[[], object]) -> None:
        """Run `go` now if nothing is unsaved, else once the user has said so."""
        if not self.dirty:
            go()
            return
        from intapp.widgets.dialogs import ConfirmScreen

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                go()

        yes, no = self.LEAVE_ANSWERS
        self.app.push_screen(ConfirmScreen(self.LEAVE_QUESTION, yes=yes, no=no), answered)


def has_unsaved_changes(screen: object) -> bool:
    """Whether `screen` is a form showing changes that are not saved."""
    return isinstance(screen, GuardsChanges) and screen.dirty


def leave_guarded(screens: Iterable[object], go: Callable[[], object]) -> None:
    """Run `go`, which closes `screens`, once the user agrees to lose what is unsaved on
    them: the top-most form with changes asks its question (`GuardsChanges.leave`).

    Every way off a form goes through here or through `GuardsChanges.leave`: escape,
    and the app's own keys (quit, dashboard, search).
    """
    unsaved = [screen for screen in screens if has_unsaved_changes(screen)]
    if unsaved:
        cast(GuardsChanges, unsaved[-1]).leave(go)
    else:
        go()


def field_values(node: DOMNode) -> list[object]:
    """The value of every Input and then every Select below `node`."""
    from textual.widgets import Input, Select

    return [i.value for i in node.query(Input)] + [s.value for s in node.query(Select)]


class StyledOnce:
    """Skips the restyle Textual gives a screen the first time it is shown.

    Textual restyles every widget of a screen when it is pushed, in case the theme or
    classes changed while it was hidden. A screen shown for the first time has only just
    styled its widgets as they mounted, so that pass doubled the cost of opening it (a
    third of opening triage). Later resumes are left to Textual.
    """

    _resumed_before = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual calls each class's handler in turn, down the MRO: Screen's comes next.
        if not self._resumed_before:
            self._resumed_before = True
            event.refresh_styles = False


class DataScreen(StyledOnce, GuardsChanges, DataWork, Screen[Any]):
    """A full screen that loads and saves through thread workers; escape bound to
    `action_leave` asks before unsaved changes are lost (`GuardsChanges`)."""

    def action_leave(self) -> None:
        self.leave(self.app.pop_screen)


class DataModal(StyledOnce, DataWork, ModalScreen[Any]):
    """A dialog that loads and saves through thread workers."""
