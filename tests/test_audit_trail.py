"""Who has looked at or changed a person's record, and what a user did: on both stores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import FROZEN_NOW
from factories import fake_nhs_number, small_organisation
from sqlmodel import Session, select

from intapp import access, clock
from intapp.access import Role, SignedIn
from intapp.models import AuditEvent
from intapp.services import audit, audit_trail
from intapp.services.audit_trail import OutsideScope
from intapp.services.errors import InvalidInput, NotAllowed

AUDITOR = "sup.one"


def _story(session: Session) -> tuple[int, int]:
    """A person with a referral (by the factories' user), seen on a queue page by
    kw.one, opened by kw.two, and opened outside their teams by kw.three."""
    org = small_organisation(session, people=2)
    person, other = org.people
    audit.record(
        session=session,
        user="kw.one",
        entity="queue",
        entity_id="CEN1",
        action="view",
        changes={"page": 1, "team": "CEN1", "people": [other, person]},
    )
    audit.record(
        session=session,
        user="kw.one",
        entity="queue",
        entity_id="CEN1",
        action="view",
        changes={"page": 2, "people": [other]},
    )
    audit.record(
        session=session,
        user="kw.two",
        entity="person",
        entity_id=person,
        action="view",
        person_id=person,
    )
    # As the team server's intapp_break_glass() records an opening.
    audit.record(
        session=session,
        user="kw.three",
        entity="person",
        entity_id=person,
        action="break_glass",
        changes={
            "reason": "Out of hours call from A&E",
            "expires_at": (clock.now() + timedelta(hours=8)).isoformat(),
        },
        person_id=person,
    )
    session.commit()
    return person, other


def test_a_persons_trail_shows_changes_views_pages_and_break_glass(session):
    person, _ = _story(session)
    trail = audit_trail.person_trail(session=session, user=AUDITOR, identifier=fake_nhs_number(0))
    session.commit()
    assert trail.person_id == person
    users = [e.user for e in trail.entries]
    assert "coordinator.one" in users  # who received the referral and created the record
    whats = [e.what for e in trail.entries]
    assert "saw a list: queue, page 1" in whats
    assert "saw a list: queue, page 2" not in whats  # that page did not show them
    assert "opened the record" in whats
    assert any("Out of hours call" in w for w in whats)
    assert [e.at for e in trail.entries] == sorted(e.at for e in trail.entries)
    # Asking is recorded too, against the person.
    asked = session.exec(select(AuditEvent).where(AuditEvent.user == AUDITOR)).one()
    assert (asked.action, asked.person_id, asked.changes["shown"]) == (
        "view",
        person,
        "audit trail",
    )
    assert asked.changes["events"] == len(trail.entries)
    # And the next trail shows that someone looked.
    again = audit_trail.person_trail(session=session, user=AUDITOR, identifier=fake_nhs_number(0))
    assert f"looked at the audit trail of person {person}" in [e.what for e in again.entries]


def test_since_leaves_out_older_events(session):
    _story(session)
    later = FROZEN_NOW.date() + timedelta(days=1)
    trail = audit_trail.person_trail(
        session=session, user=AUDITOR, identifier=fake_nhs_number(0), since=later
    )
    assert trail.entries == []


def test_a_users_trail(session):
    _story(session)
    trail = audit_trail.user_trail(session=session, user=AUDITOR, login="kw.one")
    assert [e.what for e in trail.entries] == [
        "saw a list: queue, page 1",
        "saw a list: queue, page 2",
    ]
    trail = audit_trail.user_trail(session=session, user=AUDITOR, login="kw.three")
    assert len(trail.entries) == 1 and trail.entries[0].action == "break_glass"
    assert trail.entries[0].what == (
        "opened the record outside their teams (break-glass) until 23 Nov 2026 17:00: "
        "Out of hours call from A&E"
    )
    assert trail.entries[0].person and fake_nhs_number(0) in trail.entries[0].person
    session.flush()
    asked = session.exec(
        select(AuditEvent).where(AuditEvent.user == AUDITOR, AuditEvent.entity == "staff_login")
    ).all()
    assert [a.entity_id for a in asked] == ["kw.one", "kw.three"]


def test_a_supervisor_is_kept_to_their_locality(session, monkeypatch):
    _story(session)
    elsewhere = SignedIn("sup.north", Role.SUPERVISOR, team_ids=frozenset({999}), team_mode=True)
    monkeypatch.setattr(access, "signed_in", lambda bind: elsewhere)
    with pytest.raises(OutsideScope, match="outside your locality"):
        audit_trail.person_trail(session=session, user=AUDITOR, identifier=fake_nhs_number(0))
    with pytest.raises(OutsideScope, match="does not work in your locality"):
        audit_trail.user_trail(session=session, user=AUDITOR, login="kw.one")


def test_a_key_worker_may_not_read_the_trail(session, monkeypatch):
    _story(session)
    kw = SignedIn("kw.one", Role.KEY_WORKER, team_mode=True)
    monkeypatch.setattr(access, "signed_in", lambda bind: kw)
    with pytest.raises(NotAllowed, match="Only supervisors and administrators may query"):
        audit_trail.user_trail(session=session, user=AUDITOR, login="kw.one")


def test_unknown_person(session):
    with pytest.raises(InvalidInput, match="No person has"):
        audit_trail.person_trail(session=session, user=AUDITOR, identifier="9990000000")


def test_describe_names_fields_not_values():
    what = audit_trail.describe(
        "person", "7", "update", {"postcode": ["M1 1AA", "M2 2BB"], "version": [1, 2]}
    )
    assert what == "update person 7: postcode"
    assert "M1" not in what
    assert audit_trail.describe("search", "people", "view", {"query": "smi", "matched": 3}) == (
        "searched (3 matched)"
    )
