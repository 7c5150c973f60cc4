"""Reading is recorded: a view event in the audit trail whenever identifiable data is shown.

A view is an `audit_event` row with action ``view``: who looked, when, at what (the
person record, a referral's triage, an assessment, a plan, a note, a page of a list, a
search) and, when one person is concerned, whose record (`person_id`). A search keeps
what was asked and how many matched, never the results; a page of a list keeps the ids
of the people shown on it, one event per page rather than one per person.

The command line writes its views as it reads (`record_view`). The app queues them
(`ViewRecorder`) and a background thread writes them, a batch per transaction, within
a second of the screen showing, and once more as the app closes: a screen never waits
for the audit trail. A view that cannot be written (a read-only or damaged store) never
stops the reading; the failure goes to the error log, which holds no personal data.

This module imports no database code until a view is written, so the app can queue the
views of the lists it shows before the data layer has loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from intapp import clock

if TYPE_CHECKING:
    from pathlib import Path

    from sqlmodel import Session

VIEW = "view"
"""The audit action of a view event."""

MAX_PENDING = 10_000
"""Views kept for another try while the store refuses them; older ones beyond this are
dropped (and counted in the error log), so a read-only store cannot fill the memory."""


@dataclass(frozen=True)
class View:
    """One showing of identifiable data, as the audit trail keeps it."""

    user: str
    entity: str
    entity_id: object
    person_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    """What was shown, in ids and counts: a page's number and people, a search's words."""
    action: str = VIEW
    at: datetime = field(default_factory=clock.now)
    """When it was shown (not when the event was written)."""


def record_view(
    *,
    session: Session,
    user: str,
    entity: str,
    entity_id: object,
    person_id: int | None = None,
    details: dict[str, Any] | None = None,
    action: str = VIEW,
    at: datetime | None = None,
) -> None:
    """Append one view event to the session's transaction: the one way a view is written."""
    from intapp.models import AuditEvent  # here, so the app can queue views before it loads

    session.add(
        AuditEvent(
            at=at or clock.now(),
            user=user,
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            changes=details or {},
            person_id=person_id,
        )
    )


def record_export(
    *,
    session: Session,
    user: str,
    entity: str,
    entity_id: object,
    details: dict[str, Any],
    person_id: int | None = None,
    action: str = "export",
) -> None:
    """Record an export before its file is written, as every export does: flushed at
    once, so that a trail that cannot hold the event refuses the export before there is
    a file (then `written`). Unlike a view on screen, an export that cannot be recorded
    is not made."""
    record_view(
        session=session,
        user=user,
        entity=entity,
        entity_id=entity_id,
        person_id=person_id,
        details=details,
        action=action,
    )
    session.flush()


def save_export(*, session: Session, path: Path, data: bytes, what: str) -> None:
    """Save an export named by whoever runs it (so replaced when it exists), private and
    never through a symbolic link, tied to the transaction that records it (`written`).
    A path that cannot be written is the user's to fix, said in one line (`what` names
    the file: "the weekly summary")."""
    from intapp import paths
    from intapp.services.errors import InvalidInput

    try:
        paths.write_private_file(path, data, replace=True)
    except OSError as error:
        raise InvalidInput(
            f"Cannot save {what} as {path}: {error.strerror or error}", field="output"
        ) from None
    written(session=session, path=path)


def written(*, session: Session, path: Path) -> None:
    """The export recorded in this transaction is now in `path`: if the transaction
    does not commit, the file goes too, so no copy is left that the trail does not know
    of."""
    from sqlalchemy import event

    def remove(_session: Session) -> None:
        path.unlink(missing_ok=True)

    event.listen(session, "after_rollback", remove, once=True)


def write_views(*, session: Session, views: Iterable[View]) -> None:
    """Append queued views to the session's transaction, each with the time it was shown."""
    for view in views:
        record_view(
            session=session,
            user=view.user,
            entity=view.entity,
            entity_id=view.entity_id,
            person_id=view.person_id,
            details=view.details,
            action=view.action,
            at=view.at,
        )


def page_details(page: int, people: Sequence[int], **scope: Any) -> dict[str, Any]:
    """What a list page's view event keeps: its number, its scope (team, worker, filter)
    and the ids of the people on it, each once, in the order shown."""
    return {"page": page, **scope, "people": list(dict.fromkeys(people))}


def search_details(text: str, matched: int, **filters: Any) -> dict[str, Any]:
    """What a search's view event keeps: the words searched, any filters, and how many
    people matched; never who they were."""
    return {"query": text, **filters, "matched": matched}


class ViewRecorder:
    """Views waiting to be written, and the background thread that writes them.

    `add` never blocks on the database: it queues the view and wakes the writer, which
    waits `delay` seconds for more to share the transaction, then writes them all with
    `write(work)`, where `work(session)` must run in one write transaction. A failed
    write keeps the views for the next try (up to `MAX_PENDING`) and calls `failed`
    once per kind of error; `close` writes what is left and stops the thread.
    """

    def __init__(
        self,
        write: Callable[[Callable[[Session], None]], object],
        *,
        delay: float = 0.25,
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        self._write = write
        self._delay = delay
        self._failed = failed
        self._pending: list[View] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one write at a time: the thread's or close's
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._failures_seen: set[type[Exception]] = set()
        self.dropped = 0
        """How many views were given up (the store refused them too long)."""
        self.written = 0
        """How many views have been written."""

    def add(self, view: View) -> None:
        """Queue `view` to be written within a second; never waits for the database."""
        with self._lock:
            if self._stopping:
                return
            self._pending.append(view)
            overflow = len(self._pending) - MAX_PENDING
            if overflow > 0:
                del self._pending[:overflow]
                self.dropped += overflow
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="intapp-view-recorder", daemon=True
                )
                self._thread.start()
        self._wake.set()

    @property
    def pending(self) -> int:
        """How many views wait to be written."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> bool:
        """Write every queued view now, in one transaction; whether all were written
        (a failure keeps them queued, and is reported once per kind of error)."""
        with self._flushing:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return True
            try:
                self._write(lambda session: write_views(session=session, views=batch))
            except Exception as error:
                with self._lock:
                    # Back in front of any that came meanwhile, oldest first.
                    self._pending[:0] = batch
                    overflow = len(self._pending) - MAX_PENDING
                    if overflow > 0:
                        del self._pending[:overflow]
                        self.dropped += overflow
                self._report(error)
                return False
            self.written += len(batch)
            return True

    def close(self, timeout: float = 5.0) -> None:
        """Stop taking views, write those queued (one last try) and stop the thread;
        any that still cannot be written are counted in the error log."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._stopped.set()
        self._wake.set()
        if thread is not None:
            thread.join(timeout)
        if not self.flush():
            with self._lock:
                self.dropped += len(self._pending)
                self._pending = []
        if self.dropped:
            _log_lost(self.dropped)

    def _run(self) -> None:
        pause = 1.0  # after a failed write, before the next try; doubles up to a minute
        while True:
            self._wake.wait()
            with self._lock:
                stopping = self._stopping
            if not stopping:
                # Let the views of the same moment (a record and its first list) share a
                # transaction, and keep the write out of the way of the read it follows.
                self._sleep(self._delay)
            self._wake.clear()
            if self.flush():
                pause = 1.0
            elif not stopping:
                self._sleep(pause)
                pause = min(pause * 2, 60.0)
                self._wake.set()
            if stopping:
                return

    def _sleep(self, seconds: float) -> None:
        """Wait, but not past `close`."""
        with self._lock:
            if self._stopping:
                return
        self._stopped.wait(seconds)

    def _report(self, error: Exception) -> None:
        from intapp.errorlog import log_unexpected

        kind = type(error)
        if kind in self._failures_seen:
            return
        self._failures_seen.add(kind)
        log_unexpected(error)  # its type and where, never its message
        if self._failed is not None:
            self._failed(error)


def _log_lost(count: int) -> None:
    """Say in the error log how many views were never written (a count, no names)."""
    from intapp.errorlog import log_note

    log_note(f"{count} view events could not be written to the audit trail")
