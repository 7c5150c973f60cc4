"""What a merged record refuses, from every path that adds to a person; merges and new
work at the same time; the people import and a merged record; the 0007 downgrade."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, timedelta

import pytest
from alembic import command
from factories import USER, allocated_case, person_in, receive, small_organisation
from import_support import PEOPLE_HEADER, csv_bytes, person, run_import
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from intapp.models import Assessment, CarePlan, CarePlanVersion, CarerLink, Person, Worker
from intapp.services import assessments, care_plans, carers, merge, reablement
from intapp.services.errors import InvalidInput
from intapp.services.people import person_by_identifier
from intapp.services.plan_editing import open_plan_editor
from intapp.store import migrate

TODAY = date(2026, 11, 23)
HEADER = [*PEOPLE_HEADER, "cares_for_nhs_number", "cares_for_local_id"]


def _records(session: Session, count: int = 2) -> list[int]:
    """One person recorded `count` times: the first with an NHS number, the rest by OLD-n."""
    org = small_organisation(session)
    ids = [allocated_case(session, org.team.id, org.social_worker, 0).person_id]
    for n in range(1, count):
        again = person_in(org.team.id, n, nhs_number=None, local_id=f"OLD-{n}", phone="0161 000")
        ids.append(receive(session, again).person_id)
    session.flush()
    return ids


def test_nothing_new_starts_on_a_merged_record(session: Session) -> None:
    survivor, merged = _records(session)
    merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    name = re.escape(f"record (person {survivor}); use that record")
    with pytest.raises(InvalidInput, match=name):
        reablement.start_episode(
            session=session, user=USER, person_id=merged, start_date=TODAY, goals=["Walk"]
        )
    with pytest.raises(InvalidInput, match=name):
        assessments.start_assessment(session=session, user=USER, person_id=merged)
    content = care_plans.PlanContent(None, TODAY + timedelta(30), goals=["Home"])
    with pytest.raises(InvalidInput, match=name):
        care_plans.create_plan(session=session, user=USER, person_id=merged, content=content)
    assert session.exec(select(Assessment)).all() == []


def _own_local_id(session: Session, person_id: int) -> None:
    """The survivor has a local id of its own, so the merged record keeps OLD-1."""
    row = session.get(Person, person_id)
    assert row is not None
    row.local_id = "NEW-1"
    session.flush()


def test_an_identifier_of_a_merged_record_is_refused_when_naming_records_to_merge(
    session: Session,
) -> None:
    survivor, merged = _records(session)
    _own_local_id(session, survivor)
    merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    assert person_by_identifier(session=session, identifier="OLD-1").id == survivor
    with pytest.raises(InvalidInput, match="was merged into") as caught:
        person_by_identifier(
            session=session, identifier="OLD-1", field="merged", follow_merged=False
        )
    assert caught.value.field == "merged"


def test_the_merged_plan_closes_with_its_open_actions_cancelled(session: Session) -> None:
    survivor, merged = _records(session)
    for pid in (survivor, merged):
        care_plans.create_plan(
            session=session,
            user=USER,
            person_id=pid,
            content=care_plans.PlanContent(
                session.exec(select(Worker.id)).first(),
                TODAY + timedelta(30),
                goals=["Home"],
                actions=[{"what": "Rails", "who": "OT", "by_when": "30/12/2026"}],
            ),
        )
    merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    session.flush()
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == merged)).one()
    final = session.exec(
        select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plan.id, CarePlanVersion.number == plan.current_number
        )
    ).one()
    assert [a["status"] for a in final.actions] == ["cancelled"]
    # The merged record opens as the survivor: its closed plan is read from there.
    history = open_plan_editor(session=session, person_id=survivor).history
    assert [(v.person_id, v.number) for v in history] == [(survivor, 1), (merged, 2), (merged, 1)]


def test_two_identical_links_at_once_say_already_linked(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    carer, cared_for = _records(session)
    carers.link_carer(session=session, user=USER, carer_id=carer, cared_for_id=cared_for)
    session.commit()
    # As if the other link were saved between this one's check and its insert.
    monkeypatch.setattr(carers, "open_link", lambda **_: None)
    with pytest.raises(InvalidInput, match="already linked as carer"):
        carers.link_carer(session=session, user=USER, carer_id=carer, cared_for_id=cared_for)


def _in_thread(engine: Engine, work) -> tuple[threading.Thread, list[BaseException]]:
    failed: list[BaseException] = []

    def run() -> None:
        with Session(engine) as other:
            try:
                work(other)
                other.commit()
            except BaseException as error:
                failed.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failed


@pytest.mark.postgres
def test_a_merge_into_a_record_being_merged_away_waits_and_is_refused(
    postgres_engine: Engine,
) -> None:
    engine = postgres_engine  # these races need row locks: SQLite lets one writer in
    with Session(engine) as setup:
        b_id, a_id, c_id = _records(setup, 3)
        setup.commit()
    with Session(engine) as first:
        merge.merge_people(session=first, user=USER, survivor_id=c_id, merged_id=b_id)
        thread, failed = _in_thread(
            engine,
            lambda s: merge.merge_people(session=s, user=USER, survivor_id=b_id, merged_id=a_id),
        )
        time.sleep(1)
        assert thread.is_alive()  # waiting for B
        first.commit()
    thread.join(10)
    assert len(failed) == 1 and "already merged" in str(failed[0])
    with Session(engine) as check:
        assert check.get(Person, a_id).merged_into_id is None  # type: ignore[union-attr]


@pytest.mark.postgres
def test_work_started_during_a_merge_waits_and_is_refused(postgres_engine: Engine) -> None:
    engine = postgres_engine  # these races need row locks: SQLite lets one writer in
    with Session(engine) as setup:
        survivor, merged = _records(setup)
        setup.commit()
    with Session(engine) as first:
        merge.merge_people(session=first, user=USER, survivor_id=survivor, merged_id=merged)
        thread, failed = _in_thread(
            engine,
            lambda s: assessments.start_assessment(session=s, user=USER, person_id=merged),
        )
        time.sleep(1)
        assert thread.is_alive()
        first.commit()
    thread.join(10)
    assert len(failed) == 1 and f"(person {survivor})" in str(failed[0])
    with Session(engine) as check:
        assert check.exec(select(Assessment)).all() == []


def test_the_import_updates_and_links_the_survivor_not_the_merged_record(
    session: Session,
) -> None:
    survivor, merged = _records(session)
    _own_local_id(session, survivor)
    merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    session.commit()
    row = session.get(Person, survivor)
    assert row is not None
    # A file that still names the merged record by its old local id, and a carer for it.
    rows = [
        person(
            1,
            nhs_number="",
            local_id="OLD-1",
            given_name=row.given_name,
            family_name=row.family_name,
            date_of_birth=f"{row.date_of_birth:%d/%m/%Y}",
            phone="0161 999",
        ),
        person(5, cares_for_local_id="OLD-1"),
    ]
    outcome = run_import(session, "people", csv_bytes(HEADER, rows))
    assert outcome.problems == []
    session.commit()
    session.expire_all()  # the import wrote through its own connection
    pointer, kept = session.get(Person, merged), session.get(Person, survivor)
    assert pointer is not None and kept is not None
    assert kept.phone == "0161 999" and pointer.phone != "0161 999"
    links = session.exec(select(CarerLink)).all()
    assert [link.cared_for_id for link in links] == [survivor]
    assert kept.has_unpaid_carer  # as the app's link marks it


def test_the_import_links_no_one_who_has_died(session: Session) -> None:
    org = small_organisation(session)
    died = receive(session, person_in(org.team.id, 30, local_id="OLD-30")).person_id
    session.get(Person, died).date_of_death = TODAY - timedelta(days=3)  # type: ignore[union-attr]
    session.commit()
    outcome = run_import(
        session,
        "people",
        csv_bytes(HEADER, [person(1, cares_for_local_id="OLD-30")]),
        skip_invalid=True,
    )
    found = {(p.line, p.column, p.reason) for p in outcome.problems}
    assert found == {
        (
            2,
            "cares_for_local_id",
            "The person cared for has died; a new carer link cannot be made",
        )
    }
    session.commit()
    assert session.exec(select(CarerLink)).all() == []


def test_the_0007_downgrade_refuses_what_the_older_schema_cannot_hold(
    engine: Engine, session: Session
) -> None:
    survivor, merged = _records(session)
    org_team = session.get(Person, survivor).team_id  # type: ignore[union-attr]
    mum = receive(session, person_in(org_team, 7)).person_id
    dad = receive(session, person_in(org_team, 8)).person_id
    # The carer began caring for the later-numbered person first.
    first, second = sorted((mum, dad), reverse=True)
    carers.link_carer(
        session=session,
        user=USER,
        carer_id=survivor,
        cared_for_id=first,
        since=TODAY - timedelta(9),
    )
    carers.link_carer(
        session=session, user=USER, carer_id=survivor, cared_for_id=second, since=TODAY
    )
    merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    session.commit()
    config = migrate.alembic_config()

    def downgrade(to: str = "0006") -> None:
        # As `migrate.upgrade` does: SQLite's keys wait while tables are rebuilt.
        with (
            engine.connect() as connection,
            migrate._foreign_keys_deferred(connection),
            connection.begin(),
        ):
            config.attributes["connection"] = connection
            command.downgrade(config, to)

    with pytest.raises(RuntimeError, match="1 merged record"):
        downgrade()
    assert migrate.current_revision(engine) == migrate.head_revision()
    # A merge's pointer is written once (0016): only below it can it be cleared.
    downgrade("0015")
    with engine.begin() as connection:
        connection.execute(text("UPDATE person SET merged_into_id = NULL"))
    downgrade()
    with engine.connect() as connection:
        kept = connection.execute(
            text("SELECT cares_for_id FROM person WHERE id = :p"), {"p": survivor}
        ).scalar()
    assert kept == first


def test_a_name_with_markup_is_shown_as_written(session: Session) -> None:
    from rich.text import Text

    from intapp.screens.carer_links import link_line
    from intapp.screens.merge_dialog import side_text
    from intapp.screens.person import carer_line
    from intapp.services.person_record import open_person_record

    carer, cared_for = _records(session)
    odd = session.get(Person, carer)
    assert odd is not None
    odd.given_name = "Ann [/]"
    session.flush()
    carers.link_carer(session=session, user=USER, carer_id=carer, cared_for_id=cared_for)
    record = open_person_record(session=session, person_id=cared_for, timeline_limit=5)
    preview = merge.merge_preview(session=session, survivor_id=cared_for, merged_id=carer)
    (link,) = carers.person_links(session=session, person_id=cared_for)
    for shown in (
        carer_line(record),
        side_text("Merged into it", preview.merged),
        link_line(link, cared_for),
    ):
        assert "Ann [/]" in Text.from_markup(shown).plain
