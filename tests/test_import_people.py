"""Importing people: every rule, on SQLite and (where storage matters) PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from factories import count, fake_nhs_number, small_organisation
from import_support import (
    PEOPLE_HEADER,
    USER,
    csv_bytes,
    many_people,
    person,
    run_import,
    xlsx_bytes,
)
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from intapp.models import AuditEvent, ImportBatch, Person
from intapp.services.importing import bulk, imports_of
from intapp.services.importing import plan as plan_module
from intapp.store.engine import unit_of_work


@pytest.fixture
def org(session: Session):
    organisation = small_organisation(session)
    session.commit()
    return organisation


@pytest.fixture
def lite(sqlite_engine: Engine):
    """A SQLite session with the small organisation, for rules that are not about storage."""
    with Session(sqlite_engine, expire_on_commit=False) as s:
        small_organisation(s)
        s.commit()
        yield s


def people_file(*rows: dict[str, str], **options: bool) -> bytes:
    return csv_bytes(PEOPLE_HEADER, list(rows), **options)


def stored(session: Session, n: int) -> Person:
    found = session.exec(select(Person).where(Person.nhs_number == fake_nhs_number(n))).first()
    assert found is not None
    return found


# --- creating, matching, updating -----------------------------------------------------------


def test_people_are_created_from_every_column(session: Session, org) -> None:
    nhs = fake_nhs_number(1)
    data = people_file(
        person(1, nhs_number=f" {nhs[:3]}-{nhs[3:6]}-{nhs[6:]} "),
        person(2, date_of_birth="1950-06-30", date_of_death="01/11/2026", risk_tier="Rising"),
    )
    outcome = run_import(session, "people", data)
    session.commit()
    assert [(f.created, f.updated, f.unchanged, f.rejected) for f in outcome.files] == [
        (2, 0, 0, 0)
    ]
    first, second = stored(session, 1), stored(session, 2)
    assert (first.given_name, first.family_name, first.local_id) == ("Given1", "Family1", "L00001")
    assert first.date_of_birth == date(1941, 2, 2)
    assert first.postcode == "M11 1AB"
    assert first.team_id == org.team.id
    assert (first.risk_tier, first.has_unpaid_carer, first.gender) == ("low", False, "female")
    assert (second.date_of_birth, second.date_of_death) == (date(1950, 6, 30), date(2026, 11, 1))
    assert second.risk_tier == "rising"


def test_reimporting_the_same_file_changes_nothing(session: Session, org) -> None:
    data = people_file(*(person(n) for n in range(5)))
    run_import(session, "people", data)
    session.commit()
    events = count(session, AuditEvent)
    outcome = run_import(session, "people", data)
    session.commit()
    file = outcome.files[0]
    assert (file.created, file.updated, file.unchanged) == (0, 0, 5)
    assert count(session, Person) == 5
    # Only the second import's own record was added to the audit trail.
    assert count(session, AuditEvent) == events + 1
    assert count(session, ImportBatch) == 2


def test_a_changed_row_updates_only_its_changed_fields_with_old_and_new_audited(
    session: Session, org
) -> None:
    run_import(session, "people", people_file(person(1), person(2)))
    session.commit()
    changed = people_file(person(1, postcode="M20 2BB", risk_tier="highest"), person(2))
    outcome = run_import(session, "people", changed, name="second.csv")
    session.commit()
    assert (outcome.files[0].updated, outcome.files[0].unchanged) == (1, 1)
    row = stored(session, 1)
    assert (row.postcode, row.risk_tier) == ("M20 2BB", "highest")
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.entity == "person",
            AuditEvent.entity_id == str(row.id),
            AuditEvent.action == "update",
        )
    ).one()
    assert event.changes == {"postcode": ["M11 1AB", "M20 2BB"], "risk_tier": ["low", "highest"]}
    assert event.import_batch_id == outcome.files[0].batch_id


def test_a_blank_cell_never_erases_a_stored_value(lite: Session) -> None:
    run_import(lite, "people", people_file(person(1)))
    blanked = person(1, postcode="", phone="", gender="", risk_tier="", local_id="")
    outcome = run_import(lite, "people", people_file(blanked))
    assert outcome.files[0].unchanged == 1
    row = stored(lite, 1)
    assert (row.postcode, row.phone, row.gender, row.local_id) == (
        "M11 1AB",
        "0161 496 0000",
        "female",
        "L00001",
    )


def test_a_person_known_by_local_id_gains_their_nhs_number(lite: Session) -> None:
    run_import(lite, "people", people_file(person(1, nhs_number="")))
    outcome = run_import(lite, "people", people_file(person(1)))
    assert (outcome.files[0].created, outcome.files[0].updated) == (0, 1)
    assert count(lite, Person) == 1
    assert stored(lite, 1).local_id == "L00001"


def test_a_local_id_on_record_with_another_nhs_number_is_refused(lite: Session) -> None:
    run_import(lite, "people", people_file(person(1)))
    outcome = run_import(lite, "people", people_file(person(2, local_id="L00001")))
    [problem] = outcome.problems
    assert (problem.line, problem.column) == (2, "nhs_number")
    assert "Local id L00001 belongs to a person with NHS number" in problem.reason
    assert not outcome.written


def test_changing_a_local_id_to_one_already_in_use_is_refused(lite: Session) -> None:
    run_import(lite, "people", people_file(person(1), person(2)))
    outcome = run_import(lite, "people", people_file(person(1, local_id="L00002")))
    [problem] = outcome.problems
    assert problem.column == "local_id"
    assert "Local id L00002 already belongs to another person" in problem.reason


# --- checking every row ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"nhs_number": "943 476 5910"}, "nhs_number", "fails the check digit"),
        ({"nhs_number": "٩٤٣٤٧٦٥٩١٩"}, "nhs_number", "only the digits 0-9"),
        ({"nhs_number": "１２３４５６７８９０"}, "nhs_number", "only the digits 0-9"),
        ({"nhs_number": "94347659"}, "nhs_number", "must be 10 digits"),
        ({"team_code": "ZZ9"}, "team_code", "There is no team with code 'ZZ9'"),
        ({"date_of_birth": "24/11/2026"}, "date_of_birth", "cannot be in the future"),
        ({"date_of_birth": "31/02/1950"}, "date_of_birth", "is not a date"),
        ({"date_of_birth": "1950/02/01"}, "date_of_birth", "is not a date"),
        ({"date_of_death": "01/01/1900"}, "date_of_death", "between the date of birth and today"),
        ({"given_name": "  "}, "given_name", "a value is required"),
        ({"given_name": "Ann\x00e"}, "given_name", "contains a NUL byte (U+0000)"),
        ({"family_name": "Smith\x1b[31m"}, "family_name", "a control character (U+001B)"),
        ({"family_name": "Evil\u202eeman"}, "family_name", "a control character (U+202E)"),
        ({"given_name": "Two\nlines"}, "given_name", "must be on one line"),
        ({"risk_tier": "severe"}, "risk_tier", "Risk tier must be one of"),
        ({"has_unpaid_carer": "maybe"}, "has_unpaid_carer", "is not yes or no"),
        ({"nhs_number": "", "local_id": ""}, "nhs_number", "Give an NHS number or a local"),
        ({"local_id": "L" * 41}, "local_id", "longer than 40 characters"),
    ],
)
def test_each_bad_value_is_reported_with_line_column_and_reason(
    lite: Session, overrides: dict[str, str], column: str, reason: str
) -> None:
    outcome = run_import(lite, "people", people_file(person(1), person(2, **overrides)))
    [problem] = outcome.problems
    assert (problem.file, problem.line, problem.column) == ("file.csv", 3, column)
    assert reason in problem.reason
    assert not outcome.written
    assert count(lite, Person) == 0


def test_every_problem_in_a_row_is_reported_not_just_the_first(lite: Session) -> None:
    bad = person(1, nhs_number="123", team_code="XX", date_of_birth="soon")
    outcome = run_import(lite, "people", people_file(bad))
    assert [(p.line, p.column) for p in outcome.problems] == [
        (2, "nhs_number"),
        (2, "date_of_birth"),
        (2, "team_code"),
    ]
    assert outcome.files[0].rejected == 1


def test_a_multiline_field_is_reported_where_its_record_starts_and_lines_stay_right(
    lite: Session,
) -> None:
    data = (
        ",".join(PEOPLE_HEADER) + "\r\n"
        f'{fake_nhs_number(1)},L1,"Mary\r\nAnne\r\nJo",Smith,01/01/1950,,,,CEN1,,,,\r\n'
        f"{fake_nhs_number(2)},L2,Tom,Jones,01/13/1950,,,,CEN1,,,,\r\n"
    ).encode()
    outcome = run_import(lite, "people", data)
    assert [(p.line, p.column) for p in outcome.problems] == [
        (2, "given_name"),
        (5, "date_of_birth"),
    ]


def test_a_bom_and_crlf_file_imports(lite: Session) -> None:
    outcome = run_import(lite, "people", people_file(person(1), bom=True, crlf=True))
    assert outcome.files[0].created == 1
    assert stored(lite, 1).nhs_number == fake_nhs_number(1)


def test_headers_match_in_any_case_and_columns_may_be_left_out(lite: Session) -> None:
    data = (
        "\ufeffNHS_Number , Given_Name,FAMILY_NAME,Date_Of_Birth,Team_Code\r\n"
        f"{fake_nhs_number(1)},Ada,Okafor,01/02/1940,CEN2\r\n"
    ).encode()
    outcome = run_import(lite, "people", data)
    assert outcome.files[0].created == 1
    assert stored(lite, 1).risk_tier == "low"


def test_unknown_and_missing_columns_are_named_and_nothing_is_read(lite: Session) -> None:
    data = b"nhs_number,given_name,surname,date_of_birth,team_code,colour\r\nx,y,z,w,v,u\r\n"
    outcome = run_import(lite, "people", data, skip_invalid=True)
    problems = {(p.line, p.column): p.reason for p in outcome.problems}
    assert "unknown column" in problems[(1, "surname")]
    assert "unknown column" in problems[(1, "colour")]
    assert problems[(1, "family_name")] == "required column is missing"
    assert outcome.files[0].unreadable
    assert outcome.files[0].rows_read == 0
    assert not outcome.written


def test_a_file_without_an_identifier_column_is_refused(lite: Session) -> None:
    outcome = run_import(lite, "people", b"given_name,family_name,date_of_birth,team_code\r\n")
    assert [(p.column, p.reason) for p in outcome.problems] == [
        ("nhs_number", "the file needs a nhs_number or a local_id column")
    ]


def test_an_empty_file_is_refused(lite: Session) -> None:
    outcome = run_import(lite, "people", b"")
    assert "the file is empty" in outcome.problems[0].reason


def test_duplicate_rows_in_one_file_are_refused_at_the_later_line(lite: Session) -> None:
    data = people_file(person(1), person(2), person(1), person(3, local_id="L00002"))
    outcome = run_import(lite, "people", data)
    assert [(p.line, p.column, p.reason) for p in outcome.problems] == [
        (4, "nhs_number", "the same NHS number is already on line 2"),
        (5, "local_id", "the same local id is already on line 3"),
    ]


def test_two_rows_for_one_stored_person_are_refused(lite: Session) -> None:
    run_import(lite, "people", people_file(person(1)))
    by_nhs_number, by_local_id = person(1, local_id=""), person(1, nhs_number="")
    outcome = run_import(lite, "people", people_file(by_nhs_number, by_local_id))
    [problem] = outcome.problems
    assert (problem.line, problem.column) == (3, "local_id")
    assert "same person as line 2" in problem.reason


# --- all or nothing, skip-invalid, dry run ------------------------------------------------


def test_one_bad_row_means_nothing_is_written(session: Session, org) -> None:
    events = count(session, AuditEvent)
    outcome = run_import(session, "people", people_file(person(1), person(2, team_code="NOPE")))
    session.commit()
    assert not outcome.written
    assert outcome.files[0].batch_id is None
    assert count(session, Person) == 0
    assert count(session, ImportBatch) == 0
    assert count(session, AuditEvent) == events


def test_skip_invalid_writes_the_valid_rows_and_counts_the_rejected(lite: Session) -> None:
    data = people_file(person(1), person(2, date_of_birth="tomorrow"), person(3))
    outcome = run_import(lite, "people", data, skip_invalid=True)
    file = outcome.files[0]
    assert outcome.written
    assert (file.rows_read, file.created, file.rejected) == (3, 2, 1)
    assert file.rejected_lines == {3}
    assert count(lite, Person) == 2


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(lite: Session) -> None:
    run_import(lite, "people", people_file(person(1)))
    outcome = run_import(
        lite, "people", people_file(person(1, postcode="M1 1AA"), person(2)), dry_run=True
    )
    file = outcome.files[0]
    assert (file.created, file.updated, outcome.written, outcome.dry_run) == (1, 1, False, True)
    assert count(lite, Person) == 1
    assert stored(lite, 1).postcode == "M11 1AB"


# --- the import record and traceability -----------------------------------------------------


def test_every_created_or_updated_row_traces_to_its_import(session: Session, org) -> None:
    first = run_import(session, "people", people_file(person(1), person(2)), name="a.csv")
    session.commit()
    second = run_import(session, "people", people_file(person(2, phone="0")), name="b.csv")
    session.commit()
    one, two = stored(session, 1), stored(session, 2)
    [only] = imports_of(session=session, entity="person", entity_id=one.id)
    assert (only.id, only.file_name, only.user, only.kind) == (
        first.files[0].batch_id,
        "a.csv",
        USER,
        "people",
    )
    assert only.sha256 == first.files[0].sha256
    assert (only.rows_read, only.created, only.updated) == (2, 2, 0)
    batches = imports_of(session=session, entity="person", entity_id=two.id)
    assert [b.file_name for b in batches] == ["a.csv", "b.csv"]
    assert batches[1].id == second.files[0].batch_id
    created = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "person", AuditEvent.entity_id == str(one.id))
    ).one()
    assert created.action == "create"
    assert created.user == USER
    assert created.changes["nhs_number"] == [None, fake_nhs_number(1)]
    assert created.changes["date_of_birth"] == [None, "1941-02-02"]


def test_the_import_record_is_append_only(session: Session, org) -> None:
    run_import(session, "people", people_file(person(1)))
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE import_batch SET created = 0"))
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM import_batch"))
    session.rollback()


def test_a_write_that_fails_half_way_leaves_nothing_behind(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(engine) as s:
        small_organisation(s)
    # Small chunks, and the first audit of imported rows fails: people are already written
    # (in chunks on SQLite, in one COPY on PostgreSQL).
    monkeypatch.setattr(bulk, "ROWS_PER_EXECUTE", 2)
    monkeypatch.setattr(plan_module, "ROWS_PER_EXECUTE", 2)
    calls = {"n": 0}

    def failing(real_run):
        def failing_run(self: bulk.Prepared | bulk.Copied, rows) -> None:
            calls["n"] += 1
            if "audit_event" in self.sql and calls["n"] > 2:
                raise OSError("disk unplugged")
            real_run(self, rows)

        return failing_run

    # INSERTs on SQLite, COPY on PostgreSQL.
    monkeypatch.setattr(bulk.Prepared, "run", failing(bulk.Prepared.run))
    monkeypatch.setattr(bulk.Copied, "run", failing(bulk.Copied.run))
    with pytest.raises(OSError, match="disk unplugged"), unit_of_work(engine) as s:
        run_import(s, "people", people_file(*(person(n) for n in range(6))))
    with Session(engine) as s:
        assert count(s, Person) == 0
        assert count(s, ImportBatch) == 0
        assert count(s, AuditEvent, AuditEvent.entity == "person") == 0


def test_a_big_file_is_written_in_chunks_with_progress(lite: Session) -> None:
    rows = many_people(6_000)
    seen: dict[str, tuple[int, int]] = {}
    outcome = run_import(
        lite,
        "people",
        people_file(*rows),
        progress=lambda stage, done, total: seen.__setitem__(stage, (done, total)),
    )
    assert outcome.files[0].created == 6_000
    assert count(lite, Person) == 6_000
    assert count(lite, AuditEvent, AuditEvent.action == "create") >= 6_000
    assert seen == {"Checking file.csv": (6_000, 6_000), "Writing people": (6_000, 6_000)}


# --- spreadsheet formulas ---------------------------------------------------------------------


def test_a_formula_in_an_xlsx_cell_is_refused_with_its_line_and_column(lite: Session) -> None:
    # openpyxl writes "=..." as a formula with no cached result: read for its value, the
    # cell is blank, and the person used to be imported without their NHS number.
    rows = [PEOPLE_HEADER, [person(1)[h] for h in PEOPLE_HEADER]]
    rows.append(
        [f'="{fake_nhs_number(2)}"' if h == "nhs_number" else person(2)[h] for h in PEOPLE_HEADER]
    )
    outcome = run_import(lite, "people", xlsx_bytes(rows), name="people.xlsx")
    [problem] = outcome.problems
    assert (problem.file, problem.line, problem.column) == ("people.xlsx", 3, "nhs_number")
    assert "a formula, not a value" in problem.reason
    assert not outcome.written
    assert count(lite, Person) == 0


def test_skip_invalid_imports_the_rows_without_formulas(lite: Session) -> None:
    rows = [PEOPLE_HEADER, [person(1)[h] for h in PEOPLE_HEADER]]
    rows.append(['=UPPER("m1 1aa")' if h == "postcode" else person(2)[h] for h in PEOPLE_HEADER])
    outcome = run_import(lite, "people", xlsx_bytes(rows), name="p.xlsx", skip_invalid=True)
    assert [(p.line, p.column) for p in outcome.problems] == [(3, "postcode")]
    assert count(lite, Person) == 1
    assert lite.exec(select(Person).where(Person.nhs_number == fake_nhs_number(2))).first() is None


def test_each_imported_persons_events_name_the_person(session: Session, org) -> None:
    run_import(session, "people", people_file(person(1)))
    session.commit()
    run_import(session, "people", people_file(person(1, family_name="Changed")))
    session.commit()
    made = stored(session, 1)
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "person")).all()
    assert [e.action for e in events] == ["create", "update"]
    assert {e.person_id for e in events} == {made.id}
    batch_events = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert {e.person_id for e in batch_events} == {None}
