"""Importing referrals: the person must be stored or in the same file set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import (
    USER,
    count,
    fake_nhs_number,
    person_in,
    receive,
    seen_version,
    small_organisation,
)
from import_support import (
    PEOPLE_HEADER,
    REFERRALS_HEADER,
    csv_bytes,
    person,
    referral,
    run_import,
)
from sqlalchemy import Engine
from sqlmodel import Session, select

from intapp import clock
from intapp.models import AuditEvent, ImportBatch, Person, Referral
from intapp.services import case_closure
from intapp.services import referrals as referral_service
from intapp.services.importing import SourceFile, import_records, imports_of
from intapp.store.engine import unit_of_work


@pytest.fixture
def lite(sqlite_engine: Engine):
    """Two stored people (0 and 1) in team CEN1."""
    with Session(sqlite_engine, expire_on_commit=False) as s:
        org = small_organisation(s)
        for n in (0, 1):
            referral_service.match_or_create_person(
                session=s, user=USER, person_in=person_in(org.team.id, n, local_id=f"L{n:05d}")
            )
        s.commit()
        yield s


def referrals_file(*rows: dict[str, str]) -> bytes:
    return csv_bytes(REFERRALS_HEADER, list(rows))


def stored(session: Session, reference: str) -> Referral:
    return session.exec(select(Referral).where(Referral.reference == reference)).one()


def test_referrals_are_created_with_deadlines_from_their_priority(lite: Session) -> None:
    data = referrals_file(
        referral(1, 0, source="GP"),
        referral(2, 1, received_at="2026-11-21T08:30:00+00:00", priority="Urgent"),
        referral(3, 0, received_at="01/07/2026 14:05", source="hospital discharge"),
        referral(4, 0, nhs_number="", local_id="L00001", reason="Carer\r\nbreakdown"),
    )
    outcome = run_import(lite, "referrals", data)
    assert outcome.files[0].created == 4, outcome.problems
    first = stored(lite, "EXT-0001")
    assert first.received_at == datetime(2026, 11, 20, 14, 5, tzinfo=UTC)  # GMT
    assert (first.priority, first.status, first.route_of_access) == (
        "routine",
        "received",
        "community_other",
    )
    assert first.due_by == first.received_at + timedelta(days=28)
    assert first.team_id == lite.exec(select(Person.team_id)).first()
    urgent = stored(lite, "EXT-0002")
    assert urgent.due_by == datetime(2026, 11, 21, 10, 30, tzinfo=UTC)
    summer = stored(lite, "EXT-0003")
    assert summer.received_at == datetime(2026, 7, 1, 13, 5, tzinfo=UTC)  # BST
    assert summer.priority == "discharge_or_falls"
    by_local_id = stored(lite, "EXT-0004")
    assert by_local_id.reason == "Carer\r\nbreakdown"
    assert by_local_id.person_id == stored(lite, "EXT-0002").person_id


def test_people_and_referrals_in_one_file_set_go_in_together(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        small_organisation(s)
    people = csv_bytes(PEOPLE_HEADER, [person(5), person(6, nhs_number="")])
    referrals = referrals_file(
        referral(1, 5), referral(2, 6, nhs_number="", local_id="L00006"), referral(3, 5)
    )
    with unit_of_work(engine) as s:
        outcome = import_records(
            session=s,
            user=USER,
            kind="referrals",
            source=SourceFile("referrals.csv", referrals),
            people=SourceFile("people.csv", people),
        )
    assert [(f.kind, f.created) for f in outcome.files] == [("people", 2), ("referrals", 3)]
    with Session(engine) as s:
        assert count(s, Person) == 2
        assert count(s, Referral) == 3
        assert count(s, ImportBatch) == 2
        by_local = stored(s, "EXT-0002")
        person_row = s.get(Person, by_local.person_id)
        assert person_row is not None and person_row.local_id == "L00006"
        traced = imports_of(session=s, entity="referral", entity_id=by_local.id)
        assert [b.file_name for b in traced] == ["referrals.csv"]
        # Each referral's "create" event names its person, as the app's does.
        created = s.exec(
            select(AuditEvent).where(
                AuditEvent.entity == "referral", AuditEvent.entity_id == str(by_local.id)
            )
        ).one()
        assert created.person_id == by_local.person_id


def test_reimporting_a_file_set_with_a_change_updates_in_place(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        small_organisation(s)

    def import_set(people_rows: list[dict[str, str]], referral_rows: list[dict[str, str]]):
        with unit_of_work(engine) as s:
            return import_records(
                session=s,
                user=USER,
                kind="referrals",
                source=SourceFile("r.csv", referrals_file(*referral_rows)),
                people=SourceFile("p.csv", csv_bytes(PEOPLE_HEADER, people_rows)),
            )

    import_set([person(5)], [referral(1, 5)])
    again = import_set([person(5, phone="0161 000 0000")], [referral(1, 5, priority="urgent")])
    assert [(f.created, f.updated, f.unchanged) for f in again.files] == [(0, 1, 0), (0, 1, 0)]
    with Session(engine) as s:
        row = stored(s, "EXT-0001")
        assert (row.priority, row.version) == ("urgent", 2)
        assert row.due_by == row.received_at + timedelta(hours=2)
        assert count(s, Referral) == 1 and count(s, Person) == 1


def test_a_clash_with_another_writer_is_reported_and_nothing_kept(
    lite: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    from intapp.services.errors import Conflict
    from intapp.services.importing import run

    def clash(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(run, "write_referrals", clash)
    with pytest.raises(Conflict, match=r"nothing was imported\. Run the import again"):
        run_import(lite, "referrals", referrals_file(referral(1, 0)))


def test_a_referral_for_someone_unknown_is_refused(lite: Session) -> None:
    outcome = run_import(lite, "referrals", referrals_file(referral(1, 0), referral(2, 9)))
    [problem] = outcome.problems
    assert (problem.line, problem.column) == (3, "nhs_number")
    assert "no person with" in problem.reason and "--people" in problem.reason
    assert count(lite, Referral) == 0


def test_a_person_rejected_from_the_people_file_takes_no_referrals(lite: Session) -> None:
    people = SourceFile("p.csv", csv_bytes(PEOPLE_HEADER, [person(7, date_of_birth="x")]))
    outcome = import_records(
        session=lite,
        user=USER,
        kind="referrals",
        source=SourceFile("r.csv", referrals_file(referral(1, 7), referral(2, 0))),
        people=people,
        skip_invalid=True,
    )
    assert [(f.created, f.rejected) for f in outcome.files] == [(0, 1), (1, 1)]
    assert [(p.file, p.line) for p in outcome.problems] == [("p.csv", 2), ("r.csv", 2)]


def test_nhs_number_and_local_id_of_different_people_are_refused(lite: Session) -> None:
    outcome = run_import(lite, "referrals", referrals_file(referral(1, 0, local_id="L00001")))
    [problem] = outcome.problems
    assert problem.column == "local_id"
    assert "belong to different people" in problem.reason


def test_reimport_is_unchanged_and_a_changed_row_updates_the_referral(lite: Session) -> None:
    run_import(lite, "referrals", referrals_file(referral(1, 0), referral(2, 1)))
    again = run_import(lite, "referrals", referrals_file(referral(1, 0), referral(2, 1)))
    assert (again.files[0].created, again.files[0].updated, again.files[0].unchanged) == (0, 0, 2)
    changed = referrals_file(referral(1, 0, priority="soon"), referral(2, 1))
    outcome = run_import(lite, "referrals", changed)
    assert (outcome.files[0].updated, outcome.files[0].unchanged) == (1, 1)
    row = stored(lite, "EXT-0001")
    assert row.priority == "soon"
    assert row.due_by == row.received_at + timedelta(days=7)
    assert row.version == 2  # the app's copies of it are now stale


def test_a_referral_already_triaged_is_not_changed_by_import(lite: Session) -> None:
    run_import(lite, "referrals", referrals_file(referral(1, 0)))
    referral_service.triage_referral(
        session=lite,
        user=USER,
        referral_id=stored(lite, "EXT-0001").id,
        priority="soon",
        pathway="case_management",
        expected_version=seen_version(lite, Referral, stored(lite, "EXT-0001").id),
    )
    outcome = run_import(lite, "referrals", referrals_file(referral(1, 0, reason="Changed")))
    [problem] = outcome.problems
    assert "already triaged" in problem.reason and "change it in the app" in problem.reason
    # The same row unchanged is fine: importing the same file again still works.
    again = run_import(lite, "referrals", referrals_file(referral(1, 0)))
    assert (again.files[0].unchanged, again.problems) == (1, [])


def test_a_referral_cannot_move_to_another_person(lite: Session) -> None:
    run_import(lite, "referrals", referrals_file(referral(1, 0)))
    outcome = run_import(lite, "referrals", referrals_file(referral(1, 1)))
    assert "stored for a different person" in outcome.problems[0].reason


def test_a_recent_closure_flags_the_imported_referral_as_a_rereferral(
    lite: Session, frozen_now: datetime
) -> None:
    clock.freeze(datetime(2026, 11, 10, 12, 0, tzinfo=UTC))
    first = receive(lite, lite.exec(select(Person.id)).first())
    case_closure.close_case(
        session=lite,
        user=USER,
        referral_id=first.id,
        outcome="goals_met",
        reason="done",
        expected_version=seen_version(lite, Referral, first.id),
    )
    clock.freeze(frozen_now)
    nhs = lite.get(Person, first.person_id).nhs_number  # type: ignore[union-attr]
    later = referral(1, 0, nhs_number=nhs, received_at="2026-11-23 08:00")
    before = referral(2, 0, nhs_number=nhs, received_at="2026-11-01 08:00")
    run_import(lite, "referrals", referrals_file(later, before))
    assert stored(lite, "EXT-0001").is_rereferral
    assert not stored(lite, "EXT-0002").is_rereferral


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"received_at": "23/11/2026 10:00"}, "received_at", "cannot be received in the future"),
        ({"received_at": "2026-11-20"}, "received_at", "not a date and time"),
        ({"received_at": "32/11/2026 10:00"}, "received_at", "not a date and time"),
        ({"source": "carrier pigeon"}, "source", "Source must be one of"),
        ({"route_of_access": "x"}, "route_of_access", "Route of access must be one of"),
        ({"priority": "whenever"}, "priority", "Priority must be one of"),
        ({"reason": " "}, "reason", "a value is required"),
        ({"reason": "bad\x07bell"}, "reason", "control character (U+0007)"),
        ({"referral_ref": "R" * 41}, "referral_ref", "longer than 40"),
        ({"nhs_number": "", "local_id": ""}, "nhs_number", "Give an NHS number or a local"),
    ],
)
def test_bad_referral_values_are_refused(
    lite: Session, overrides: dict[str, str], column: str, reason: str
) -> None:
    outcome = run_import(lite, "referrals", referrals_file(referral(1, 0, **overrides)))
    [problem] = outcome.problems
    assert (problem.line, problem.column) == (2, column)
    assert reason in problem.reason


def test_a_reference_twice_in_one_file_is_refused(lite: Session) -> None:
    outcome = run_import(lite, "referrals", referrals_file(referral(1, 0), referral(1, 1)))
    assert outcome.problems[0].line == 3
    assert "already on line 2" in outcome.problems[0].reason


def test_received_times_allow_a_little_clock_drift(lite: Session) -> None:
    soon = (clock.now() + timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    outcome = run_import(lite, "referrals", referrals_file(referral(1, 0, received_at=soon)))
    assert outcome.files[0].created == 1


def test_people_file_only_goes_with_referrals(lite: Session) -> None:
    with pytest.raises(Exception, match="only go alongside a referrals file"):
        import_records(
            session=lite,
            user=USER,
            kind="people",
            source=SourceFile("a.csv", b""),
            people=SourceFile("b.csv", b""),
        )
    assert fake_nhs_number(0)


def test_a_new_referral_for_someone_who_has_died_is_refused(lite: Session) -> None:
    from intapp.services import deaths

    person_id = lite.exec(select(Person.id).where(Person.local_id == "L00000")).one()
    deaths.record_death(
        session=lite,
        user=USER,
        person_id=person_id,
        died_on=clock.today() - timedelta(days=2),
        source="gp",
        expected_version=seen_version(lite, Person, person_id),
    )
    lite.commit()
    outcome = run_import(lite, "referrals", referrals_file(referral(1, 0), referral(2, 1)))
    [problem] = outcome.problems
    assert (problem.line, problem.column) == (2, "nhs_number")
    assert "they cannot be referred" in problem.reason
    # As for any refused row, the file is not imported until it is put right.
    assert count(lite, Referral, Referral.reference.startswith("EXT")) == 0
