"""Break-glass through the service: a reason a reviewer can judge, only on a team server."""

from __future__ import annotations

import pytest
from factories import fake_nhs_number, small_organisation
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from intapp.models.access import BreakGlass
from intapp.services import staff
from intapp.services.break_glass import break_glass, looks_like_identifier
from intapp.services.errors import InvalidInput, NotFound
from intapp.services.person_record import person_timeline
from intapp.services.staff import SingleUserStore, StaffIn
from intapp.store.engine import create_db_engine, unit_of_work

pytest_plugins = ["staff_support"]  # the pg_engine and unique_login fixtures


@pytest.mark.parametrize(
    ("typed", "exact"),
    [
        ("999 000 0026", True),
        ("9990000026", True),
        ("L0001234", True),
        ("smith", False),
        ("mary smith", False),
        ("M13 0PP", False),
    ],
)
def test_which_searches_may_offer_break_glass(typed, exact):
    assert looks_like_identifier(typed) is exact


def test_a_sqlite_store_has_no_break_glass(sqlite_engine):
    with pytest.raises(SingleUserStore), unit_of_work(sqlite_engine) as session:
        break_glass(session=session, identifier="9990000026", reason="A long enough reason")


@pytest.mark.postgres
def test_break_glass_on_the_team_server(pg_engine, unique_login):
    with unit_of_work(pg_engine) as session:
        org = small_organisation(session, people=1)
    kw = unique_login("kw")
    with unit_of_work(pg_engine) as session:
        staff.add_staff(
            session=session,
            user="setup",
            staff_in=StaffIn(kw, "key_worker", ("CEN2",)),
            verifier=None,
        )
    engine = create_db_engine(
        make_url(pg_engine.url).set(username=kw).render_as_string(hide_password=False)
    )
    try:
        with pytest.raises(InvalidInput, match="at least 10"), unit_of_work(engine) as s:
            break_glass(session=s, identifier=fake_nhs_number(0), reason="   because ")
        endless = "Called by A&E " * 80
        with (
            pytest.raises(InvalidInput, match="Keep the reason to 1,000"),
            unit_of_work(engine) as s,
        ):
            break_glass(session=s, identifier=fake_nhs_number(0), reason=endless)
        with pytest.raises(NotFound, match="Nobody on this server"), unit_of_work(engine) as s:
            break_glass(session=s, identifier="9990000000", reason="Looking for a referral")
        spaced = f"{fake_nhs_number(0)[:3]} {fake_nhs_number(0)[3:6]} {fake_nhs_number(0)[6:]}"
        with unit_of_work(engine) as session:
            grant = break_glass(
                session=session, identifier=spaced, reason="Out of hours:   covering CEN1"
            )
        assert grant.person_id == org.people[0]
        with Session(engine) as session:
            timeline = person_timeline(session=session, person_id=grant.person_id)
        said = [e.text for e in timeline if e.kind == "access"]
        assert said == [
            f"opened outside their teams by {kw} (break-glass): Out of hours: covering CEN1"
        ]
    finally:
        engine.dispose()
    with Session(pg_engine) as session:
        row = session.exec(select(BreakGlass)).one()
    assert (row.login, row.reason) == (kw, "Out of hours: covering CEN1")
