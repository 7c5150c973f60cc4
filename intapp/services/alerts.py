"""Alerts on a person: raise one, remove one with a reason, and what a record shows.

The kinds come from the settings (`config.Settings.alert_kinds`). An alert keeps its
kind's label as it read when raised, so one of a kind later dropped from the settings
still reads as it did. Nothing new starts for a person who has died, a new alert
included; an alert already raised can still be removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.config import AlertKind, load_settings
from intapp.formatting import uk_date
from intapp.models import Person, PersonAlert
from intapp.services import audit
from intapp.services.alert_badges import badge_of, kind_order, open_alert_badges
from intapp.services.bounds import checked_length, not_in_past
from intapp.services.errors import InvalidInput, NotFound, check_version
from intapp.services.people import person_who_can_start
from intapp.store.plain_sql import through_session

NOTE_LENGTH = 2000
REASON_LENGTH = 1000


@dataclass(frozen=True)
class AlertView:
    """One alert as the record, its dialog and the CLI show it."""

    id: int
    person_id: int
    kind: str
    label: str
    badge: str
    note: str
    raised_by: str
    raised_at: datetime
    review_on: date | None
    removed_at: datetime | None
    removed_by: str | None
    removed_reason: str | None
    version: int

    @property
    def is_open(self) -> bool:
        return self.removed_at is None

    def review_overdue(self, today: date) -> bool:
        """Open, and its review date has passed."""
        return self.is_open and self.review_on is not None and self.review_on < today


def _view(alert: PersonAlert, kinds: tuple[AlertKind, ...]) -> AlertView:
    assert alert.id is not None
    return AlertView(
        id=alert.id,
        person_id=alert.person_id,
        kind=alert.kind,
        label=alert.label,
        badge=badge_of(alert.kind, alert.label, kinds),
        note=alert.note,
        raised_by=alert.raised_by,
        raised_at=alert.raised_at,
        review_on=alert.review_on,
        removed_at=alert.removed_at,
        removed_by=alert.removed_by,
        removed_reason=alert.removed_reason,
        version=alert.version,
    )


def alert_kinds() -> tuple[AlertKind, ...]:
    """The kinds that can be raised now, most pressing first (the settings' order)."""
    return load_settings().alert_kinds


def configured_kind(code: str) -> AlertKind:
    """The configured kind with this code, or `InvalidInput` naming the codes there are."""
    kind = load_settings().alert_kind(code.strip())
    if kind is None:
        codes = ", ".join(k.code for k in alert_kinds())
        raise InvalidInput(f"There is no alert kind {code!r}; the kinds are: {codes}", field="kind")
    return kind


def person_alerts(
    *, session: Session, person_id: int, include_removed: bool = False
) -> list[AlertView]:
    """The person's open alerts, most pressing first; with `include_removed`, the removed
    ones follow, latest removed first."""
    query = select(PersonAlert).where(PersonAlert.person_id == person_id)
    if not include_removed:
        query = query.where(col(PersonAlert.removed_at).is_(None))
    kinds = alert_kinds()
    rows = session.exec(query).all()
    opened = sorted(
        (a for a in rows if a.removed_at is None), key=lambda a: kind_order(a.kind, a.label, kinds)
    )
    removed = sorted(
        (a for a in rows if a.removed_at is not None),
        key=lambda a: (a.removed_at, a.id),
        reverse=True,
    )
    return [_view(a, kinds) for a in (*opened, *removed)]


def alert_badges(*, session: Session, person_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """`alert_badges.open_alert_badges` through the session (one query for the page)."""
    return open_alert_badges(through_session(session), person_ids)


def open_alert_of_kind(*, session: Session, person_id: int, kind: str) -> PersonAlert | None:
    """The person's open alert of this kind, if there is one."""
    return session.exec(
        select(PersonAlert).where(
            PersonAlert.person_id == person_id,
            PersonAlert.kind == kind,
            col(PersonAlert.removed_at).is_(None),
        )
    ).first()


def _already(person: Person, alert: PersonAlert | None, label: str) -> InvalidInput:
    when = f" (raised {uk_date(alert.raised_at)} by {alert.raised_by})" if alert else ""
    return InvalidInput(
        f"{person.display_name} already has an open alert: {label}{when}. "
        "Remove it first to raise it again.",
        field="kind",
    )


def raise_alert(
    *,
    session: Session,
    user: str,
    person_id: int,
    kind: str,
    note: str,
    review_on: date | None = None,
) -> AlertView:
    """Raise an alert of a configured kind on a living person, audited. A second open
    alert of the same kind is refused; a review date may not be in the past."""
    require_for(session, "alert")
    person = person_who_can_start(session=session, person_id=person_id, doing="given a new alert")
    chosen = configured_kind(kind)
    note = checked_length(note.strip(), NOTE_LENGTH, field="note", label="The note", multiline=True)
    if not note:
        raise InvalidInput("Say what a visitor needs to know (the note)", field="note")
    if review_on is not None:
        not_in_past(review_on, today=clock.today(), label="The review date", field="review_on")
    existing = open_alert_of_kind(session=session, person_id=person_id, kind=chosen.code)
    if existing is not None:
        raise _already(person, existing, existing.label)
    alert = PersonAlert(
        person_id=person_id,
        kind=chosen.code,
        label=chosen.label,
        note=note,
        raised_by=user,
        raised_at=clock.now(),
        review_on=review_on,
    )
    try:
        audit.save_create(session=session, user=user, row=alert)
    except IntegrityError as error:
        # The same alert raised by someone else a moment ago: the open-alert index refused it.
        said = str(error.orig)  # PostgreSQL names the index; SQLite names its columns
        if "uq_person_alert_open" in said or "person_alert.person_id, person_alert.kind" in said:
            raise _already(person, None, chosen.label) from error
        raise
    return _view(alert, alert_kinds())


def load_alert(*, session: Session, alert_id: int) -> PersonAlert:
    """The alert row, or `NotFound`."""
    alert = session.get(PersonAlert, alert_id)
    if alert is None:
        raise NotFound(f"There is no alert with id {alert_id}")
    return alert


def remove_alert(
    *,
    session: Session,
    user: str,
    alert_id: int,
    reason: str,
    expected_version: int | None = None,
) -> AlertView:
    """Remove an open alert, with a reason (kept, with who removed it and when), audited.
    `expected_version` is the version the remover saw; the CLI, which shows none, passes
    none."""
    require_for(session, "alert")
    alert = load_alert(session=session, alert_id=alert_id)
    if expected_version is not None:
        check_version("alert", alert.version, expected_version)
    if alert.removed_at is not None:
        raise InvalidInput(
            f"This alert ({alert.label}) was already removed by {alert.removed_by}", field="alert"
        )
    reason = checked_length(
        reason.strip(), REASON_LENGTH, field="reason", label="The reason", multiline=True
    )
    if not reason:
        raise InvalidInput("Say why the alert is removed (the reason is kept)", field="reason")
    before = audit.snapshot(alert)
    alert.removed_at, alert.removed_by, alert.removed_reason = clock.now(), user, reason
    audit.save_update(session=session, user=user, row=alert, before=before, action="remove")
    return _view(alert, alert_kinds())


def remove_alert_of_kind(
    *, session: Session, user: str, person_id: int, kind: str, reason: str
) -> AlertView:
    """Remove the person's open alert of this kind (the CLI names kinds, not alerts). A
    kind no longer configured can still be removed by its code."""
    require_for(session, "alert")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"There is no person with id {person_id}")
    alert = open_alert_of_kind(session=session, person_id=person_id, kind=kind.strip())
    if alert is None:
        raise InvalidInput(
            f"{person.display_name} has no open alert of kind {kind!r}", field="kind"
        )
    assert alert.id is not None
    return remove_alert(session=session, user=user, alert_id=alert.id, reason=reason)
