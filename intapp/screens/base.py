"""What every screen shares: database work in thread workers, results by message."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from textual import events
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.app import IntApp
    from intapp.store.plain_sql import PlainSQL
    from intapp.widgets.paged_list import PagedList


T = TypeVar("T")
Action = TypeVar("Action", bound=Callable[..., Any])

RoleRule = str | Callable[..., str | None]
"""The `intapp.access` action an action method does: its name, or a function of the
screen and the action's parameters that names it (None: anyone may)."""


def offered_to(rule: RoleRule) -> Callable[[Action], Action]:
    """Mark an action method as role-restricted (`intapp.access.ACTIONS`).

    Its key is offered (in the footer, the palette, and to the keyboard) only to roles
    the rule allows (`offered`). Run any other way, a tile pressed say, it does nothing
    but say who may.
    """

    def mark(method: Action) -> Action:
        if inspect.iscoroutinefunction(method):

            @functools.wraps(method)
            async def guarded_async(self: Any, *args: Any) -> Any:
                if self.intapp.allows(_needed(self, rule, args), say=True):
                    return await method(self, *args)
                return None

            guarded: Any = guarded_async
        else:

            @functools.wraps(method)
            def guarded(self: Any, *args: Any) -> Any:
                if self.intapp.allows(_needed(self, rule, args), say=True):
                    return method(self, *args)
                return None

        return cast(Action, _RoleRestricted(guarded, rule))

    return mark


class _RoleRestricted:
    """An action method on its way into its class: it records the method's rule in the
    class's own `ROLE_RULES` (action name → rule), then puts the method in its place."""

    def __init__(self, method: Callable[..., Any], rule: RoleRule) -> None:
        self.method = method
        self.rule = rule

    def __set_name__(self, owner: type, name: str) -> None:
        if "ROLE_RULES" not in owner.__dict__:
            owner.ROLE_RULES = {}  # type: ignore[attr-defined]
        owner.ROLE_RULES[name.removeprefix("action_")] = self.rule  # type: ignore[attr-defined]
        setattr(owner, name, self.method)


def _needed(node: object, rule: RoleRule, parameters: tuple[object, ...]) -> str | None:
    return rule if isinstance(rule, str) else rule(node, *parameters)


def offered(node: DataWork, action: str, parameters: tuple[object, ...]) -> bool:
    """Whether the role signed in may run `action` on `node` (`offered_to`): each class
    holds the rules of its own methods, so mixins' rules count too."""
    for klass in type(node).__mro__:
        rule = klass.__dict__.get("ROLE_RULES", {}).get(action)
        if rule is not None:
            return node.intapp.allows(_needed(node, rule, parameters))
    return True


SETTLE_SECONDS = 0.8
"""How long a changing view (a search as it is typed) must stay to be recorded."""


class Result(Message, Generic[T]):
    """A worker's plain result. Each kind of work declares its own subclass, handled
    with ``@on(ThatResult)``: a misspelt one is an error, not a result that goes nowhere."""

    def __init__(self, value: T) -> None:
        super().__init__()
        self.value = value


class WorkFailed(Message):
    """Work for `result` was refused (`DomainError`) or failed unexpectedly.

    Reported to the user unless a screen's ``@on(WorkFailed)`` handler deals with it
    and calls `prevent_default`.
    """

    def __init__(self, result: type[Result[Any]], error: Exception) -> None:
        super().__init__()
        self.result = result
        self.error = error


class DataWork:
    """Database work off the event loop, for screens and dialogs.

    `read` runs a read in a thread and `write` runs a write in its own transaction;
    either posts the `Result` subclass it was given, or `WorkFailed`, back to the
    screen, and widgets change only in the handlers of those messages. There is no
    routing by name: a result nobody handles is a missing ``@on``, found by type.
    """

    app: Any
    post_message: Callable[[Message], bool]
    run_worker: Callable[..., Any]

    @property
    def intapp(self) -> IntApp:
        return cast("IntApp", self.app)

    def read(self, result: type[Result[T]], query: Callable[[Session], T]) -> None:
        """Run `query(session)` read-only in a thread; post `result(value)` unless a newer
        read for the same `result` has started meanwhile."""
        app = self.intapp
        self._work(result, lambda: app.run_in_session(query, write=False))

    def read_plain(self, result: type[Result[T]], query: Callable[[PlainSQL], T]) -> None:
        """`read` for a plain-SQL query; on an up-to-date SQLite store it does not wait
        for the data layer to load (`IntApp.run_plain`)."""
        app = self.intapp
        self._work(result, lambda: app.run_plain(query))

    def write(self, result: type[Result[T]], change: Callable[[Session], T]) -> None:
        """Run `change(session)` in one write transaction in a thread; post `result(value)`."""
        app = self.intapp
        self._work(result, lambda: app.run_in_session(change, write=True))

    def _work(self, result: type[Result[T]], work: Callable[[], T]) -> None:
        def in_thread() -> None:
            try:
                value = work()
            except Exception as error:  # shown by on_work_failed, never raised on the loop
                if not get_current_worker().is_cancelled:
                    self.post_message(WorkFailed(result, error))
                return
            # Superseded by newer work of the same kind: never paint a stale answer.
            if not get_current_worker().is_cancelled:
                self.post_message(result(value))

        self.run_worker(
            in_thread, thread=True, group=_group(result), exclusive=True, exit_on_error=False
        )

    def record_view(
        self,
        entity: str,
        entity_id: object,
        *,
        person_id: int | None = None,
        details: dict[str, Any] | None = None,
        settle: object = None,
    ) -> None:
        """Record in the audit trail that identifiable data is on show (written in the
        background, never waited for: `services.views`).

        With a `settle` key, the view is recorded once what is shown under that key has
        stayed for `SETTLE_SECONDS`, or the screen is left: a search typed letter by
        letter is recorded as the search it settled on, not as one per letter.
        """
        from intapp.services.views import View

        app = self.intapp
        view = View(
            user=app.user,
            entity=entity,
            entity_id=entity_id,
            person_id=person_id,
            details=details or {},
        )
        if settle is None:
            app.views.add(view)
            return
        settling = self._settling
        if settle in settling:
            settling.pop(settle)[1].stop()
        timer = cast("Any", self).set_timer(SETTLE_SECONDS, lambda: self._settled(settle))
        settling[settle] = (view, timer)

    @property
    def _settling(self) -> dict[object, tuple[Any, Any]]:
        """Views waiting for what they show to settle, by key, with their timers."""
        return cast(dict[object, tuple[Any, Any]], self.__dict__.setdefault("_settling", {}))

    def _settled(self, key: object) -> None:
        if key in self._settling:
            view, timer = self._settling.pop(key)
            timer.stop()
            self.intapp.views.add(view)

    def on_screen_suspend(self) -> None:
        # Left for another screen (a search result opened): what it showed was seen.
        for key in list(self._settling):
            self._settled(key)

    def on_unmount(self) -> None:
        for key in list(self._settling):
            self._settled(key)

    def record_view_once(
        self, entity: str, entity_id: object, *, person_id: int | None = None
    ) -> None:
        """`record_view`, but once per screen for the same record: reading it again after
        a save, or to refresh it, is the same viewing."""
        seen: set[tuple[str, str]] = self.__dict__.setdefault("_views_recorded", set())
        if (entity, str(entity_id)) in seen:
            return
        seen.add((entity, str(entity_id)))
        self.record_view(entity, entity_id, person_id=person_id)

    def record_page(
        self, paged: PagedList[Any], entity: str, entity_id: object, people: list[int], **scope: Any
    ) -> None:
        """Record a page of a list of people as one view: its number, its scope and who
        is on it. The same page read again with the same people (a timed refresh) is not
        a new view; a filter typed letter by letter is recorded as it settles."""
        from intapp.services.views import page_details

        details = page_details(paged.page_number, people, **scope)
        if not people or paged.last_recorded == details:
            return
        paged.last_recorded = details
        self.record_view(entity, entity_id, details=details, settle=(id(paged), paged.page_number))

    def cancel(self, result: type[Result[Any]]) -> None:
        """Withdraw work for `result` still running: its answer is no longer wanted, and
        is never posted."""
        self.app.workers.cancel_group(self, _group(result))

    def on_work_failed(self, message: WorkFailed) -> None:
        self._report(message.error)

    def on_paged_list_load_failed(self, message: PagedList.LoadFailed) -> None:
        # Named rather than decorated, so that screens without a list need not import it.
        self._report(message.error)

    def _report(self, error: Exception) -> None:
        from intapp.services.errors import Conflict

        if isinstance(error, Conflict) and hasattr(self, "reload"):
            self.offer_reload(error.message)
            return
        self.intapp.report_error(error)

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


def _group(result: type[Result[Any]]) -> str:
    """The worker group of work for `result`: newer work in it supersedes older."""
    return f"{result.__module__}.{result.__qualname__}"


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
    third of opening triage). Later resumes are left to Textual. It sets only the public
    `ScreenResume.refresh_styles`; tests/test_textual_contract.py fails if Textual stops
    running this handler before Screen's or stops honouring the flag.
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys of actions the role signed in may not do (`offered_to`)."""
        if not offered(self, action, parameters):
            return False
        return super().check_action(action, parameters)

    def action_leave(self) -> None:
        self.leave(self.app.pop_screen)

    def rows_of(self, selector: str) -> list[Any]:
        """The rows on the page a list shows (none before the list is composed)."""
        from intapp.widgets.paged_list import PagedList

        found = self.query(selector)
        return found.first(PagedList).rows if found else []

    def action_page(self, step: int) -> None:
        """Page the list that has the focus, else the first one shown (`PAGE_KEYS`)."""
        from intapp.widgets.paged_list import PagedList

        shown = [p for p in self.query(PagedList) if p.display]
        focused = self.focused
        within = [p for p in shown if focused is not None and p in focused.ancestors_with_self]
        if within or shown:
            (within or shown)[0].action_page(step)
        elif focused is not None:  # no list on show (a tab of text): scroll what has focus
            scroll = getattr(focused, "action_page_down" if step > 0 else "action_page_up", None)
            if scroll is not None:
                scroll()


class DataModal(StyledOnce, DataWork, ModalScreen[Any]):
    """A dialog that loads and saves through thread workers."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys of actions the role signed in may not do (`offered_to`)."""
        if not offered(self, action, parameters):
            return False
        return super().check_action(action, parameters)
