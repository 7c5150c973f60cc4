"""A first import of people into PostgreSQL sends them while the file is still being
checked: the outcome must be exactly what the check-then-write import gives, on both
databases (SQLite never sends early)."""

from __future__ import annotations

from typing import Any

import pytest
from factories import count, fake_nhs_number, small_organisation
from import_support import PEOPLE_HEADER, csv_bytes, person, run_import
from sqlmodel import Session, col, select

from intapp.models import AuditEvent, CarerLink, ImportBatch, Person
from intapp.services.importing.people import EarlyPeople

CARERS_HEADER = [*PEOPLE_HEADER, "cares_for_nhs_number", "cares_for_local_id"]


@pytest.fixture
def org(session: Session):
    organisation = small_organisation(session)
    session.commit()
    return organisation


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every row sent early, as it is sent."""
    rows: list[Any] = []
    real = EarlyPeople.offer

    def offer(self: EarlyPeople, row: Any) -> None:
        real(self, row)
        if row.sent_early is not None:
            rows.append(row)

    monkeypatch.setattr(EarlyPeople, "offer", offer)
    return rows


def _sent_early_on_postgres(session: Session, sent: list[Any]) -> None:
    on_postgres = session.get_bind().dialect.name == "postgresql"
    assert bool(sent) == on_postgres


def test_skipping_bad_rows_keeps_the_people_sent_early_each_audited_once(
    session: Session, org, sent: list[Any]
) -> None:
    rows = [
        person(1),
        person(2, date_of_birth="tomorrow"),
        person(3),
        person(4, nhs_number=fake_nhs_number(1), local_id="L-DUP"),  # line 2's NHS number
        person(5),
    ]
    outcome = run_import(session, "people", csv_bytes(PEOPLE_HEADER, rows), skip_invalid=True)
    session.commit()
    _sent_early_on_postgres(session, sent)
    file = outcome.files[0]
    assert (file.created, file.rejected, file.rejected_lines) == (3, 2, {3, 5})
    people = session.exec(select(Person).order_by(col(Person.id))).all()
    assert [p.local_id for p in people] == ["L00001", "L00003", "L00005"]
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "person")).all()
    assert sorted((e.entity_id, e.action) for e in events) == sorted(
        (str(p.id), "create") for p in people
    )
    assert {e.person_id for e in events} == {p.id for p in people}
    assert {e.at for e in events} == {p.created_at for p in people}
    assert all(e.import_batch_id == file.batch_id for e in events)


def test_a_refused_file_takes_back_the_people_sent_early(
    session: Session, org, sent: list[Any]
) -> None:
    rows = [person(n) for n in range(1, 6)] + [person(6, team_code="NOPE")]
    outcome = run_import(session, "people", csv_bytes(PEOPLE_HEADER, rows))
    session.commit()
    _sent_early_on_postgres(session, sent)
    assert not outcome.written and outcome.files[0].created == 5
    assert count(session, Person) == 0
    assert count(session, ImportBatch) == 0
    # The same people, corrected, go in afterwards as usual.
    rows[-1] = person(6)
    again = run_import(session, "people", csv_bytes(PEOPLE_HEADER, rows))
    session.commit()
    assert again.written and count(session, Person) == 6


def test_a_dry_run_sends_nothing(session: Session, org, sent: list[Any]) -> None:
    outcome = run_import(session, "people", csv_bytes(PEOPLE_HEADER, [person(1)]), dry_run=True)
    session.commit()
    assert sent == []
    assert outcome.files[0].created == 1 and count(session, Person) == 0


def test_carers_in_a_first_import_link_to_rows_before_and_after_them(
    session: Session, org, sent: list[Any]
) -> None:
    rows = [
        person(1, cares_for_local_id="L00003"),  # cares for a later row
        person(2),
        person(3),
        person(4, cares_for_nhs_number=fake_nhs_number(2)),  # cares for an earlier row
        person(5, cares_for_local_id="NOBODY"),  # names nobody: refused, the rest kept
    ]
    outcome = run_import(session, "people", csv_bytes(CARERS_HEADER, rows), skip_invalid=True)
    session.commit()
    _sent_early_on_postgres(session, sent)
    assert outcome.files[0].rejected_lines == {6}
    ids = {p.local_id: p.id for p in session.exec(select(Person)).all()}
    links = {(link.carer_id, link.cared_for_id) for link in session.exec(select(CarerLink))}
    assert links == {(ids["L00001"], ids["L00003"]), (ids["L00004"], ids["L00002"])}
    carers = {p.local_id for p in session.exec(select(Person).where(col(Person.is_carer)))}
    assert carers == {"L00001", "L00004"}
    # Carer rows wait for the write: the rows they name may yet be refused.
    assert {row.local_id for row in sent} <= {"L00002", "L00003"}


def test_a_person_stored_meanwhile_is_the_imports_plain_conflict(
    session: Session, org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A duplicate key met by the write (COPY on PostgreSQL) is a `Conflict`, not a
    database error: as if someone stored the person between the check and the write."""
    from intapp.services.errors import Conflict
    from intapp.services.importing import people

    run_import(session, "people", csv_bytes(PEOPLE_HEADER, [person(1)]))
    session.commit()
    monkeypatch.setattr(people, "_existing", lambda *_: ({}, {}))
    with pytest.raises(Conflict, match="while this import ran"):
        run_import(session, "people", csv_bytes(PEOPLE_HEADER, [person(2), person(1)]))
    session.rollback()
    assert count(session, Person) == 1
