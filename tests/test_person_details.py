"""A person's details: editing, phonetic keys on every write path, possible duplicates,
search by sound and postcode, and a referral's received time, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import FROZEN_NOW
from factories import USER, add_team, fake_nhs_number, person_in, receive
from import_support import PEOPLE_HEADER, csv_bytes, run_import
from import_support import person as import_row
from sqlalchemy import Engine
from sqlmodel import Session, select

from intapp.models import AuditEvent, GpPractice, Person
from intapp.models.person import name_key, name_keys
from intapp.services import matching, people, person_details
from intapp.services.errors import Conflict, InvalidInput, NotFound


@pytest.fixture
def team_id(session: Session) -> int:
    team = add_team(session)
    session.add(GpPractice(code="P84001", name="Ardwick Medical Practice"))
    session.add(GpPractice(code="P84002", name="Brunswick Health Centre"))
    session.commit()
    return team.id


def _person(session: Session, team_id: int, n: int = 0, **overrides: object) -> int:
    created = people.create_person(
        session=session, user=USER, person_in=person_in(team_id, n, **overrides)
    )
    session.commit()
    return created.id


def _edit(session: Session, person_id: int, **changes: object) -> person_details.PersonDetails:
    version = session.get(Person, person_id).version  # type: ignore[union-attr]
    return person_details.edit_person(
        session=session,
        user=USER,
        person_id=person_id,
        changes=changes,
        expected_version=version,
    )


def _keys_agree_with_names(session: Session) -> None:
    """Every stored key is the one `name_keys` gives for the stored names."""
    for p in session.exec(select(Person)).all():
        stored = {column: getattr(p, column) for column in name_keys("", "")}
        assert stored == name_keys(p.given_name, p.family_name), p.id


# --- editing -----------------------------------------------------------------------------


def test_an_edit_is_audited_field_by_field_and_bumps_the_version(
    session: Session, team_id: int
) -> None:
    pid = _person(session, team_id, 0, family_name="Jakson", phone="0161 496 0000")
    saved = _edit(
        session,
        pid,
        family_name="Jackson",
        date_of_birth=date(1941, 3, 4),
        phone="",
        postcode="m130pp",
        gp_practice_code="p84002",
        risk_tier="high",
        frail_older=True,
        given_name="Ada",  # unchanged: not in the audit event
    )
    session.commit()
    assert (saved.family_name, saved.postcode, saved.gp_practice_code) == (
        "Jackson",
        "M13 0PP",
        "P84002",
    )
    assert saved.phone is None and saved.version == 2
    event = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "person", AuditEvent.action == "edit")
    ).one()
    assert event.user == USER
    assert event.changes == {
        "family_name": ["Jakson", "Jackson"],
        "date_of_birth": ["1930-01-01", "1941-03-04"],
        "phone": ["0161 496 0000", None],
        "postcode": ["M10 0AB", "M13 0PP"],
        "gp_practice_code": [None, "P84002"],
        "risk_tier": ["low", "high"],
        "frail_older": [False, True],
    }
    # The phonetic keys follow the name, but are bookkeeping, not part of the trail.
    stored = session.get(Person, pid)
    assert stored is not None and stored.family_name_key == name_key("Jackson") == "JKSN"


def test_an_edit_from_a_stale_copy_is_refused_and_nothing_is_overwritten(
    session: Session, team_id: int
) -> None:
    pid = _person(session, team_id)
    _edit(session, pid, phone="0161 000 0001")
    session.commit()
    with pytest.raises(Conflict, match="changed by someone else"):
        person_details.edit_person(
            session=session,
            user="someone.else",
            person_id=pid,
            changes={"phone": "0161 000 0002"},
            expected_version=1,
        )
    session.rollback()
    assert session.get(Person, pid).phone == "0161 000 0001"  # type: ignore[union-attr]


def test_an_nhs_number_someone_else_holds_is_refused_naming_their_record(
    session: Session, team_id: int
) -> None:
    first = _person(session, team_id, 0)
    second = _person(session, team_id, 1)
    with pytest.raises(InvalidInput) as refused:
        _edit(session, second, nhs_number=fake_nhs_number(0))
    assert refused.value.field == "nhs_number"
    assert f"(person {first})" in refused.value.message
    assert "Ada Okafor, born 1 Jan 1930" in refused.value.message
    with pytest.raises(InvalidInput, match="check digit") as bad:
        _edit(session, second, nhs_number="943 476 5910")
    assert bad.value.field == "nhs_number"
    # Their own number, typed with spaces, is no change at all.
    own = fake_nhs_number(1)
    assert _edit(session, second, nhs_number=f"{own[:3]} {own[3:6]} {own[6:]}").version == 1


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"given_name": "  "}, "given_name", "required"),
        ({"family_name": "x" * 81}, "family_name", "longer than 80"),
        ({"date_of_birth": date(2027, 1, 1)}, "date_of_birth", "future"),
        ({"date_of_birth": date(1899, 12, 31)}, "date_of_birth", "before 01/01/1900"),
        ({"gp_practice_code": "ZZZ99"}, "gp_practice_code", "no GP practice"),
        ({"risk_tier": "extreme"}, "risk_tier", "Risk tier must be one of"),
        ({"phone": "0" * 31}, "phone", "Phone is longer than 30"),
        ({"frail_older": "perhaps"}, "frail_older", "yes or no"),
        ({"team_id": 3}, "team_id", "cannot be edited"),
        ({"nhs_number": ""}, "nhs_number", "NHS number or a local person id"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    session: Session, team_id: int, changes: dict[str, object], field: str, words: str
) -> None:
    pid = _person(session, team_id)
    with pytest.raises(InvalidInput) as refused:
        _edit(session, pid, **changes)
    assert refused.value.field == field
    assert words in refused.value.message


def test_a_practice_code_already_held_stays_even_if_not_on_the_list(
    session: Session, team_id: int
) -> None:
    pid = _person(session, team_id, gp_practice_code="OLD01")
    assert _edit(session, pid, gp_practice_code="OLD01", phone="1").gp_practice_code == "OLD01"


def test_the_edit_form_reads_the_details_and_the_practices(session: Session, team_id: int) -> None:
    pid = _person(session, team_id, gender="female")
    view = person_details.open_person_edit(session=session, person_id=pid)
    assert view.details.gender == "female" and view.details.version == 1
    assert [p.code for p in view.practices] == ["P84001", "P84002"]
    with pytest.raises(NotFound):
        person_details.open_person_edit(session=session, person_id=999)


# --- phonetic keys on every write path ---------------------------------------------------


def test_keys_are_kept_on_create_update_import_and_demo(
    engine: Engine, session: Session, team_id: int
) -> None:
    pid = _person(session, team_id, 0, given_name="Siân", family_name="O'Brien")
    stored = session.get(Person, pid)
    assert stored is not None
    assert (stored.given_name_key, stored.family_name_key) == (name_key("Sian"), "OBRN")
    _edit(session, pid, family_name="Smyth")
    session.commit()
    people.match_or_create_person(
        session=session, user=USER, person_in=person_in(team_id, 5, nhs_number=None, local_id="Z")
    )
    session.commit()
    # The import creates one person and renames another.
    renamed = import_row(0, nhs_number=fake_nhs_number(0), local_id="", family_name="Jakson")
    outcome = run_import(session, "people", csv_bytes(PEOPLE_HEADER, [renamed, import_row(7)]))
    session.commit()
    session.expire_all()  # the import wrote past the session
    assert (outcome.files[0].created, outcome.files[0].updated) == (1, 1)
    assert session.get(Person, pid).family_name_key == "JKSN"  # type: ignore[union-attr]
    _keys_agree_with_names(session)
    # What the import recorded is what the file changed: never the derived keys.
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "person")).all()
    assert all("family_name_key" not in e.changes for e in events)


def test_demo_people_carry_their_keys(tmp_path) -> None:
    from intapp.demo import load_demo
    from intapp.store.engine import create_db_engine
    from intapp.store.migrate import upgrade

    engine = create_db_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    upgrade(engine)
    load_demo(engine=engine, people=150)
    with Session(engine) as session:
        _keys_agree_with_names(session)
    engine.dispose()


def test_name_key_is_jellyfish_metaphone_of_the_letters() -> None:
    assert name_key("Jakson") == name_key("Jackson") == "JKSN"
    assert name_key("Smyth") == name_key("Smith")
    assert name_key("O'Brien") == name_key("OBrien")
    assert name_key("Siân") == name_key("Sian")
    # Letters that do not decompose into a base letter and an accent are spelt, not lost.
    assert name_key("Łukasz") == name_key("Lukasz") == "LKSS"
    assert name_key("Øyvind") == name_key("Oyvind")
    assert name_key("Straße") == name_key("Strasse")
    assert name_key("") is None and name_key("--") is None


# --- possible duplicates and mismatches --------------------------------------------------


def test_people_born_the_same_day_with_a_name_alike_are_offered(
    session: Session, team_id: int
) -> None:
    born = date(1944, 5, 6)
    jackson = _person(session, team_id, 0, given_name="Mary", family_name="Jackson",
                      date_of_birth=born, postcode="M13 0PP")  # fmt: skip
    married = _person(session, team_id, 1, given_name="Mary", family_name="Brown",
                      date_of_birth=born)  # fmt: skip
    swapped = _person(session, team_id, 2, given_name="Jackson", family_name="Mary",
                      date_of_birth=born)  # fmt: skip
    _person(session, team_id, 3, given_name="Peter", family_name="Hughes", date_of_birth=born)
    _person(session, team_id, 4, given_name="Mary", family_name="Jackson",
            date_of_birth=date(1944, 5, 7))  # fmt: skip

    found = matching.possible_duplicates(
        session=session,
        given_name="Mary",
        family_name="Jakson",
        date_of_birth=born,
        postcode="m130pp",
    )
    assert [m.person.id for m in found] == [jackson, swapped, married]
    assert found[0].why == ("born the same day; family name and given name alike; same postcode")
    assert found[1].why == "born the same day; names swapped"
    assert found[2].why == "born the same day; given name alike"
    # While typing: the start of a name is enough; the record being edited is left out.
    typing = matching.possible_duplicates(
        session=session, given_name="", family_name="Jac", date_of_birth=born
    )
    assert [m.person.id for m in typing] == [jackson]
    assert (
        matching.possible_duplicates(
            session=session, given_name="", family_name="Jac", date_of_birth=born,
            exclude_id=jackson,
        )
        == []
    )  # fmt: skip
    assert (
        matching.possible_duplicates(
            session=session, given_name=" ", family_name="", date_of_birth=born
        )
        == []
    )


def test_differences_from_the_record_name_each_field(session: Session, team_id: int) -> None:
    pid = _person(session, team_id, 0)
    record = people.get_person(session=session, person_id=pid)
    found = matching.differences(
        record, given_name="ada", family_name="Okafor-Smith", date_of_birth=date(1930, 1, 2)
    )
    assert [(d.label, d.on_record, d.typed) for d in found] == [
        ("family name", "Okafor", "Okafor-Smith"),
        ("date of birth", "1 Jan 1930", "2 Jan 1930"),
    ]
    assert matching.differences(record, given_name="", family_name="", date_of_birth=None) == []


# --- search ------------------------------------------------------------------------------


def test_search_finds_names_by_sound_and_postcodes_with_or_without_the_space(
    session: Session, team_id: int
) -> None:
    a = _person(session, team_id, 0, given_name="Mary", family_name="Jackson", postcode="m130pp")
    b = _person(session, team_id, 1, given_name="Jon", family_name="Reid", postcode="OL1 2BB")

    def ids(typed: str) -> list[int]:
        return [p.id for p in people.search_people(session=session, text=typed)]

    assert ids("Jakson") == [a]
    assert ids("mary jakson") == [a]
    assert ids("Reed") == [b]
    assert ids("jac") == [a]  # short words match from the start only
    assert ids("Jac") == [a]
    for typed in ("M13 0PP", "m130pp", "M130", "M13 0", "m13"):
        assert ids(typed) == [a], typed
    assert ids("OL12BB") == [b]
    assert people.search_page(session=session, text="Jakson").total == 1


def test_search_by_a_name_alike_and_a_date_of_birth_offers_possible_duplicates(
    session: Session, team_id: int
) -> None:
    born = date(1944, 5, 6)
    same_day = _person(session, team_id, 0, given_name="Mary", family_name="Jackson",
                       date_of_birth=born)  # fmt: skip
    _person(session, team_id, 1, given_name="Mary", family_name="Jackson",
            date_of_birth=date(1950, 5, 6))  # fmt: skip
    _person(session, team_id, 2, given_name="Peter", family_name="Hughes", date_of_birth=born)
    found = people.search_people(session=session, text="Jakson 6/5/1944")
    assert [p.id for p in found] == [same_day]
    assert len(people.search_people(session=session, text="Jakson")) == 2
    assert people.search_people(session=session, text="Jakson 31/02/1944") == []
    assert people.search_problem("Jakson 31/02/1944") == (
        "31/02/1944 is not a date. Type a date of birth as DD/MM/YYYY."
    )


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("943 476 5910", "943 476 5910 is not a valid NHS number"),
        ("9434765", "An NHS number has 10 digits; 9434765 has 7"),
        ("31/02/1950", "31/02/1950 is not a date"),
        ("1950-13-01", "is not a date"),
        ("01/01/2030", "cannot be in the future"),
        ("Jackson", None),
        ("943 476 5919", None),
        ("01/02/1940", None),
    ],
)
def test_a_mistyped_nhs_number_or_date_says_what_is_wrong(typed: str, says: str | None) -> None:
    problem = people.search_problem(typed)
    assert (problem is None) if says is None else (says in (problem or "")), problem


@pytest.mark.parametrize("typed", ["jakson", "mary jakson", "M13 0PP", "jakson 6/5/1944"])
def test_search_is_served_by_indexes_on_sqlite(sqlite_engine: Engine, typed: str) -> None:
    """Every query a search runs narrows by an index: none reads the whole table, nor
    reads every live person through the merged_into_id index (all NULL)."""
    from sqlalchemy import event

    statements: list[tuple[str, object]] = []

    def seen(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(sqlite_engine, "before_cursor_execute", seen)
    with Session(sqlite_engine) as session:
        people.search_page(session=session, text=typed)
    event.remove(sqlite_engine, "before_cursor_execute", seen)
    assert statements
    with sqlite_engine.connect() as connection:
        for statement, parameters in statements:
            plan = " ".join(
                str(row)
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            assert "SCAN person" not in plan, plan
            assert "ix_person_merged_into_id" not in plan, plan


# --- the received time of a new referral -------------------------------------------------


def test_a_typed_received_time_may_be_earlier_within_the_limit(
    session: Session, team_id: int, write_config
) -> None:
    earlier = FROZEN_NOW - timedelta(days=3, hours=2)
    referral = receive(session, person_in(team_id, 0), received_at=earlier, typed=True)
    assert referral.received_at == earlier
    assert referral.due_by == earlier + timedelta(hours=28 * 24)  # counted from receipt
    with pytest.raises(InvalidInput, match="in the future") as future:
        receive(session, person_in(team_id, 1), received_at=FROZEN_NOW + timedelta(hours=1),
                typed=True)  # fmt: skip
    assert future.value.field == "received_at"
    with pytest.raises(InvalidInput, match="at most 30 days back"):
        receive(session, person_in(team_id, 1), received_at=FROZEN_NOW - timedelta(days=31),
                typed=True)  # fmt: skip
    write_config("[settings]\nreceived_backdate_days = 60\n")
    assert receive(session, person_in(team_id, 1),
                   received_at=FROZEN_NOW - timedelta(days=31), typed=True)  # fmt: skip


@pytest.mark.parametrize("field", ["given_name", "family_name", "gender", "phone", "postcode"])
@pytest.mark.parametrize(
    ("bad", "words"),
    [("\x00", "contains a NUL byte (U+0000)"), ("\u202e", "contains a control character")],
)
def test_the_characters_an_import_refuses_are_refused_by_the_form_and_cli_too(
    session: Session, team_id: int, field: str, bad: str, words: str
) -> None:
    # A NUL once reached PostgreSQL (DataError); a bidi override makes a name read
    # differently from what it holds. Edit and create are refused alike, naming the field.
    pid = _person(session, team_id)
    with pytest.raises(InvalidInput) as refused:
        _edit(session, pid, **{field: f"Ab{bad}c"})
    assert (refused.value.field, words in refused.value.message) == (field, True)
    session.rollback()
    with pytest.raises(InvalidInput) as refused:
        people.create_person(
            session=session, user=USER, person_in=person_in(team_id, 7, **{field: f"Ab{bad}c"})
        )
    assert (refused.value.field, words in refused.value.message) == (field, True)


def test_a_line_break_in_a_name_is_refused() -> None:
    with pytest.raises(InvalidInput, match="must be on one line"):
        people.required_name("Mary\nAnne", field="given_name")


def test_search_from_the_start_of_a_name_folds_every_letter_not_only_a_to_z(
    session: Session, team_id: int
) -> None:
    # SQLite's lower() folds only A-Z while a typed word is folded by Python, so names
    # starting with an accented capital were missed there.
    oy = _person(session, team_id, 0, given_name="Øyvind", family_name="Ølberg")
    el = _person(session, team_id, 1, given_name="Élise", family_name="Strauß")

    def ids(typed: str) -> list[int]:
        return [p.id for p in people.search_people(session=session, text=typed)]

    for typed in ("Øy", "øy", "ØL", "ølb"):
        assert ids(typed) == [oy], typed
    for typed in ("Él", "él", "ÉLISE", "strau", "STRAUSS"):
        assert ids(typed) == [el], typed


def test_a_referral_without_an_nhs_number_finds_an_accented_name_in_any_case(
    session: Session, team_id: int
) -> None:
    # The exact match on name and birth keeps a second record from being made.
    born = date(1950, 1, 2)
    elise = _person(session, team_id, 0, given_name="Élise", family_name="Ørsted",
                    date_of_birth=born, nhs_number=None, local_id="E-1")  # fmt: skip
    found = people.find_person(
        session=session, given_name="ÉLISE", family_name="ørsted", date_of_birth=born
    )
    assert found is not None and found.id == elise
