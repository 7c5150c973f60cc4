"""Reading is recorded: view events, how they are written, and what they never change."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from factories import USER, person_in, receive, small_organisation
from sqlalchemy import Engine
from sqlmodel import Session, select

from intapp import clock
from intapp.models import AuditEvent
from intapp.services import case_notes
from intapp.services.person_record import person_timeline
from intapp.services.views import (
    MAX_PENDING,
    View,
    ViewRecorder,
    page_details,
    record_view,
)
from intapp.store.engine import unit_of_work


def views(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.action == "view").order_by(AuditEvent.id)
            ).all()
        )


def writer(engine: Engine):
    def write(work: Any) -> None:
        with unit_of_work(engine) as session:
            work(session)

    return write


# --- the service -------------------------------------------------------------------------


def test_a_view_names_the_person_and_keeps_no_change(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        person_id = receive(session, person_in(small_organisation(session).team.id)).person_id
        record_view(
            session=session, user=USER, entity="person", entity_id=person_id, person_id=person_id
        )
    [event] = views(engine)
    assert (event.user, event.entity, event.entity_id, event.person_id, event.changes) == (
        USER,
        "person",
        str(person_id),
        person_id,
        {},
    )


def test_queued_views_are_written_together_with_the_time_they_were_shown(engine: Engine) -> None:
    recorder = ViewRecorder(writer(engine), delay=0.05)
    shown_at = clock.now() - timedelta(minutes=1)
    recorder.add(View(USER, "person", 7, person_id=7, at=shown_at))
    recorder.add(View(USER, "queue", "awaiting_triage", details=page_details(1, [7, 8, 7])))
    for _ in range(200):  # within a second
        if recorder.written == 2:
            break
        time.sleep(0.01)
    assert recorder.written == 2
    recorder.close()
    first, page = views(engine)
    assert (first.entity_id, first.person_id, first.at) == ("7", 7, shown_at)
    assert (page.person_id, page.changes) == (None, {"page": 1, "people": [7, 8]})


def test_a_view_that_cannot_be_written_waits_for_the_next_try_and_is_reported_once() -> None:
    failures: list[Exception] = []
    broken = threading.Event()
    broken.set()
    kept: list[Any] = []

    class Capture:
        def add(self, row: AuditEvent) -> None:
            kept.append(row)

    def write(work: Any) -> None:
        if broken.is_set():
            raise PermissionError("read-only")
        work(Capture())

    recorder = ViewRecorder(write, delay=10, failed=failures.append)
    recorder.add(View(USER, "person", 1, person_id=1))
    assert recorder.flush() is False
    recorder.add(View(USER, "person", 2, person_id=2))
    assert recorder.flush() is False
    assert recorder.pending == 2
    assert [type(f) for f in failures] == [PermissionError]  # once, not per try
    broken.clear()
    assert recorder.flush() is True
    assert [row.person_id for row in kept] == [1, 2]
    recorder.close()


def test_views_a_store_never_takes_are_counted_not_kept_for_ever(monkeypatch) -> None:
    from intapp import errorlog

    noted: list[str] = []
    monkeypatch.setattr(errorlog, "log_note", lambda text: noted.append(text))
    monkeypatch.setattr(errorlog, "log_unexpected", lambda error: None)

    def write(work: Any) -> None:
        raise PermissionError("read-only")

    recorder = ViewRecorder(write, delay=10)
    for n in range(MAX_PENDING + 5):
        recorder._pending.append(View(USER, "person", n, person_id=n))
    recorder.add(View(USER, "person", -1))
    assert recorder.pending == MAX_PENDING
    recorder.close()
    assert noted == [f"{MAX_PENDING + 6} view events could not be written to the audit trail"]


# --- what views never change -------------------------------------------------------------


def test_the_timeline_never_shows_a_view_as_a_change(session: Session) -> None:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id))
    person_id = referral.person_id
    case_notes.write_note(
        session=session,
        user=USER,
        person_id=person_id,
        kind="phone_call",
        contact_with="person",
        contact_at=clock.now(),
        text="Rang to arrange a visit",
    )
    before = person_timeline(session=session, person_id=person_id)
    for entity, entity_id in (
        ("person", person_id),
        ("referral", referral.id),
        ("case_note", 1),
        ("care_plan", 1),
    ):
        record_view(
            session=session, user=USER, entity=entity, entity_id=entity_id, person_id=person_id
        )
    session.flush()
    after = person_timeline(session=session, person_id=person_id)
    assert after == before
    assert all("view" not in entry.text for entry in after)
