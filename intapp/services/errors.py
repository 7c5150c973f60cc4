"""Domain errors: each message tells a coordinator what was wrong and what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session


class DomainError(Exception):
    """A request the rules refuse. `str(error)` is fit to show to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """A value that cannot be accepted; `field` names where it was typed."""


class NotFound(DomainError):
    """The record asked for does not exist."""


class Conflict(DomainError):
    """Someone else saved this record after it was opened; reload before changing it."""


class NotAllowed(DomainError):
    """The signed-in role may not do this; the message says who may (`intapp.access`)."""

    def __init__(self, message: str, *, action: str) -> None:
        super().__init__(message)
        self.action = action


class NotStaff(DomainError):
    """The database login is not set up as intapp staff on this server."""


class OverCaseloadLimit(DomainError):
    """Allocating would take the worker past their weighted caseload limit."""

    def __init__(self, message: str, *, load: int, limit: int, weight: int) -> None:
        super().__init__(message, field="over_limit_reason")
        self.load = load
        self.limit = limit
        self.weight = weight


def check_version(kind: str, current: int, expected: int) -> None:
    """Refuse an edit based on a stale copy of the record.

    Every edit a person makes names the version they saw: without it, the second of
    two editors would silently overwrite the first.
    """
    if expected != current:
        raise Conflict(
            f"This {kind} was changed by someone else after you opened it "
            f"(your copy is version {expected}, the saved one is version {current}). "
            "Reload it to see their changes, then make yours again."
        )


@contextmanager
def conflicts_reported(kind: str) -> Iterator[None]:
    """Turn SQLAlchemy's optimistic-lock failure into a `Conflict` a person can act on."""
    from sqlalchemy.orm.exc import StaleDataError  # here: the errors are read before it loads

    try:
        yield
    except StaleDataError as error:
        raise Conflict(
            f"This {kind} was changed by someone else while you were saving. "
            "Reload it to see their changes, then make yours again."
        ) from error


def flush(session: Session, kind: str) -> None:
    """Flush pending changes, reporting a lost-update race as a `Conflict`."""
    with conflicts_reported(kind):
        session.flush()
