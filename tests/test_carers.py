"""Carer links: several people per carer, a local id instead of an NHS number, unlinking
with a reason, and the carer's assessment they open up."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import USER, add_team, count, person_in, receive, seen_version
from sqlmodel import Session, select

from intapp.models import AuditEvent, CarerLink, Person
from intapp.services import carers, people
from intapp.services.assessment_editing import open_new_assessment
from intapp.services.errors import Conflict, InvalidInput
from intapp.services.people import person_by_identifier, search_people

TODAY = date(2026, 11, 23)


@pytest.fixture
def team_id(session: Session) -> int:
    return add_team(session).id


def _person(session: Session, team_id: int, n: int, **kwargs: object) -> int:
    return receive(session, person_in(team_id, n, **kwargs)).person_id  # type: ignore[arg-type]


def test_a_carer_with_no_nhs_number_cares_for_two_people(session: Session, team_id: int) -> None:
    mum, dad = _person(session, team_id, 0), _person(session, team_id, 1)
    carer = _person(session, team_id, 2, nhs_number=None, local_id="LOC-7")
    for cared_for in (mum, dad):
        link = carers.link_carer(session=session, user=USER, carer_id=carer, cared_for_id=cared_for)
        assert (link.carer.id, link.cared_for.id, link.since) == (carer, cared_for, TODAY)
    session.flush()
    assert count(session, CarerLink) == 2
    shown = carers.person_links(session=session, person_id=carer)
    assert [v.other(carer).id for v in shown] == [mum, dad]
    assert {v.role_of_other(carer) for v in shown} == {"cared for"}
    # Both records show the link, from their own side.
    (seen_by_mum,) = carers.person_links(session=session, person_id=mum)
    assert (seen_by_mum.other(mum).id, seen_by_mum.role_of_other(mum)) == (carer, "carer")
    row = session.get(Person, carer)
    assert row is not None and row.is_carer
    assert session.get(Person, mum).has_unpaid_carer  # type: ignore[union-attr]
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity == "carer_link")).all()
    assert actions == ["create", "create"]
    # The CLI finds a carer by local id, and so does search.
    assert person_by_identifier(session=session, identifier="LOC-7").id == carer
    assert [p.id for p in search_people(session=session, text="LOC-7")] == [carer]


def test_links_refused_to_oneself_twice_in_the_future_or_after_a_death(
    session: Session, team_id: int
) -> None:
    a, b = _person(session, team_id, 0), _person(session, team_id, 1)
    with pytest.raises(InvalidInput, match="their own carer") as caught:
        carers.link_carer(session=session, user=USER, carer_id=a, cared_for_id=a)
    assert caught.value.field == "cared_for"
    with pytest.raises(InvalidInput, match="future") as caught:
        carers.link_carer(
            session=session, user=USER, carer_id=a, cared_for_id=b, since=TODAY + timedelta(1)
        )
    assert caught.value.field == "since"
    carers.link_carer(session=session, user=USER, carer_id=a, cared_for_id=b)
    with pytest.raises(InvalidInput, match="already linked"):
        carers.link_carer(session=session, user=USER, carer_id=a, cared_for_id=b)
    # Created without a referral: nothing new, a referral included, starts after a death.
    dead = people.create_person(
        session=session,
        user=USER,
        person_in=person_in(team_id, 2, date_of_death=TODAY - timedelta(3)),
    ).id
    with pytest.raises(InvalidInput, match="has died") as caught:
        carers.link_carer(session=session, user=USER, carer_id=a, cared_for_id=dead)
    assert caught.value.field == "person"
    with pytest.raises(InvalidInput, match="No person has"):
        person_by_identifier(session=session, identifier="nobody")


def test_unlink_keeps_the_link_with_its_reason(session: Session, team_id: int) -> None:
    a, b = _person(session, team_id, 0), _person(session, team_id, 1)
    link = carers.link_carer(session=session, user=USER, carer_id=a, cared_for_id=b)
    with pytest.raises(InvalidInput, match="Say why") as caught:
        carers.unlink_carer(
            session=session, user=USER, link_id=link.id, reason=" ", expected_version=1
        )
    assert caught.value.field == "reason"
    with pytest.raises(Conflict):
        carers.unlink_carer(
            session=session, user=USER, link_id=link.id, reason="Moved away", expected_version=9
        )
    ended = carers.unlink_carer(
        session=session, user=USER, link_id=link.id, reason="Moved away", expected_version=1
    )
    assert (ended.ended_on, ended.end_reason) == (TODAY, "Moved away")
    assert carers.person_links(session=session, person_id=a) == []
    assert len(carers.person_links(session=session, person_id=a, include_ended=True)) == 1
    with pytest.raises(InvalidInput, match="not linked"):
        carers.unlink_pair(session=session, user=USER, carer_id=a, cared_for_id=b, reason="x")
    # A new link may follow an ended one.
    again = carers.link_carer(session=session, user=USER, carer_id=a, cared_for_id=b)
    carers.unlink_pair(session=session, user=USER, carer_id=a, cared_for_id=b, reason="Again")
    assert seen_version(session, CarerLink, again.id) == 2


def test_a_carers_assessment_is_offered_once_linked(session: Session, team_id: int) -> None:
    cared_for, carer = _person(session, team_id, 0), _person(session, team_id, 1)
    with pytest.raises(InvalidInput, match="not recorded as a carer"):
        open_new_assessment(session=session, person_id=carer, assessment_type="carer")
    carers.link_carer(session=session, user=USER, carer_id=carer, cared_for_id=cared_for)
    form = open_new_assessment(session=session, person_id=carer, assessment_type="carer")
    assert len(form.content.outcomes) == 8
