"""Alerts on a person: raise, one open alert per kind, remove with a reason, both audited;
the badges a page of a list reads in one query; a kind dropped from the settings; merges
and deaths."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import (
    USER,
    allocated_case,
    fake_nhs_number,
    person_in,
    receive,
    seen_version,
    small_organisation,
    triaged_referral,
)
from sqlalchemy import event
from sqlmodel import Session, select

from intapp.models import AuditEvent, Person, PersonAlert
from intapp.services import alerts, deaths, merge
from intapp.services.caseloads import allocation_page, caseload_page
from intapp.services.errors import Conflict, InvalidInput
from intapp.services.people import search_page
from intapp.services.queue import queue_page
from intapp.store.plain_sql import through_session

TODAY = date(2026, 11, 23)


def _raise(session: Session, person_id: int, kind: str = "risk_to_staff", **kw: object):
    values: dict[str, object] = {"note": "Large dog; visit in pairs"}
    values.update(kw)
    return alerts.raise_alert(
        session=session,
        user=USER,
        person_id=person_id,
        kind=kind,
        **values,  # type: ignore[arg-type]
    )


def _actions(session: Session) -> list[str]:
    return list(
        session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.entity == "person_alert")
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
    )


def test_an_alert_is_raised_with_its_label_and_audited(session: Session) -> None:
    org = small_organisation(session, people=1)
    person_id = org.people[0]
    raised = _raise(session, person_id, review_on=TODAY + timedelta(days=30))
    assert (raised.kind, raised.label, raised.badge) == (
        "risk_to_staff",
        "Risk to staff / do not visit alone",
        "⚠ risk",
    )
    assert (raised.raised_by, raised.review_on, raised.is_open) == (
        USER,
        TODAY + timedelta(days=30),
        True,
    )
    assert _actions(session) == ["create"]
    (shown,) = alerts.person_alerts(session=session, person_id=person_id)
    assert shown.note == "Large dog; visit in pairs"


def test_a_second_open_alert_of_a_kind_is_refused_and_others_are_not(session: Session) -> None:
    org = small_organisation(session, people=1)
    person_id = org.people[0]
    _raise(session, person_id)
    with pytest.raises(InvalidInput, match="already has an open alert: Risk to staff"):
        _raise(session, person_id, note="Again")
    _raise(session, person_id, "key_safe", note="Ask the office for the code")
    session.flush()
    shown = alerts.person_alerts(session=session, person_id=person_id)
    assert [a.kind for a in shown] == ["risk_to_staff", "key_safe"]


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("no_such_kind", {}, "kind"),
        ("key_safe", {"note": "  "}, "note"),
        ("key_safe", {"review_on": TODAY - timedelta(days=1)}, "review_on"),
    ],
)
def test_what_cannot_be_raised_is_refused_plainly(
    session: Session, kind: str, values: dict[str, object], field: str
) -> None:
    org = small_organisation(session, people=1)
    with pytest.raises(InvalidInput) as caught:
        _raise(session, org.people[0], kind, **values)
    assert caught.value.field == field
    assert session.exec(select(PersonAlert)).all() == []


def test_removing_needs_a_reason_and_is_audited(session: Session) -> None:
    org = small_organisation(session, people=1)
    person_id = org.people[0]
    raised = _raise(session, person_id)
    with pytest.raises(InvalidInput, match="Say why") as caught:
        alerts.remove_alert(session=session, user="other.user", alert_id=raised.id, reason=" ")
    assert caught.value.field == "reason"
    with pytest.raises(Conflict):
        alerts.remove_alert(
            session=session, user="other.user", alert_id=raised.id, reason="x", expected_version=9
        )
    removed = alerts.remove_alert(
        session=session,
        user="other.user",
        alert_id=raised.id,
        reason="Dog rehomed",
        expected_version=raised.version,
    )
    assert (removed.is_open, removed.removed_by, removed.removed_reason) == (
        False,
        "other.user",
        "Dog rehomed",
    )
    assert _actions(session) == ["create", "remove"]
    event_row = session.exec(
        select(AuditEvent).where(AuditEvent.action == "remove", AuditEvent.entity == "person_alert")
    ).one()
    assert event_row.user == "other.user"
    assert event_row.changes["removed_reason"] == [None, "Dog rehomed"]
    with pytest.raises(InvalidInput, match="already removed"):
        alerts.remove_alert(session=session, user=USER, alert_id=raised.id, reason="again")
    # Open ones only by default; the removed one is kept, and a new one may be raised.
    assert alerts.person_alerts(session=session, person_id=person_id) == []
    assert [
        a.id
        for a in alerts.person_alerts(session=session, person_id=person_id, include_removed=True)
    ] == [raised.id]
    assert _raise(session, person_id, note="A new dog").is_open


def test_the_cli_path_removes_by_kind(session: Session) -> None:
    org = small_organisation(session, people=1)
    person_id = org.people[0]
    with pytest.raises(InvalidInput, match="no open alert of kind 'key_safe'"):
        alerts.remove_alert_of_kind(
            session=session, user=USER, person_id=person_id, kind="key_safe", reason="x"
        )
    _raise(session, person_id, "key_safe", note="Code 1234 from the office")
    removed = alerts.remove_alert_of_kind(
        session=session, user=USER, person_id=person_id, kind="key_safe", reason="Taken out"
    )
    assert removed.removed_reason == "Taken out"


def test_badges_for_a_page_are_read_in_one_query(engine, session: Session) -> None:
    org = small_organisation(session, people=4)
    a, b, c, _ = org.people
    _raise(session, a, "lives_alone", note="Alone since May")
    _raise(session, a, "risk_to_staff")
    _raise(session, b, "key_safe", note="Code from the office")
    removed = _raise(session, c, "key_safe", note="Old")
    alerts.remove_alert(session=session, user=USER, alert_id=removed.id, reason="Gone")
    session.flush()
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        badges = alerts.alert_badges(session=session, person_ids=org.people)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # Most pressing first (the settings' order); no entry for people with none open.
    assert badges == {a: ("⚠ risk", "alone"), b: ("key",)}
    assert len([s for s in statements if "person_alert" in s]) == 1


def test_every_list_row_carries_its_persons_badges(session: Session) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    waiting = receive(session, person_in(org.team.id, 1))
    _raise(session, case.person_id)
    _raise(session, waiting.person_id, "communication", note="Speaks Polish; book an interpreter")
    session.flush()
    db = through_session(session)
    (queued,) = queue_page(db, team_ids=[org.team.id]).rows
    assert queued.alerts == ("comms",)
    (row,) = caseload_page(session=session, worker_id=org.social_worker).rows
    assert row.alerts == ("⚠ risk",)
    (found,) = search_page(session=session, text=fake_nhs_number(0)).rows
    assert (found.id, found.alerts) == (case.person_id, ("⚠ risk",))
    triaged = triaged_referral(session, org.team.id, 2)
    assert search_page(session=session, text=fake_nhs_number(2)).rows[0].alerts == ()
    _raise(session, triaged.person_id, "sensory_loss", note="Deaf; text, do not ring")
    _raise(session, triaged.person_id, "safeguarding", note="Section 42 enquiry open")
    (awaiting,) = allocation_page(db, team_ids=[org.team.id]).rows
    assert (awaiting.person_id, awaiting.alerts) == (triaged.person_id, ("⚑ sg", "sens"))


def test_a_kind_dropped_from_the_settings_still_shows_by_its_label(
    session: Session, write_config
) -> None:
    org = small_organisation(session, people=1)
    person_id = org.people[0]
    write_config('[alert_kinds.dog]\nlabel = "Dog on the premises"\nbadge = "dog"\n')
    _raise(session, person_id, "dog", note="Keep the gate shut")
    write_config('[alert_kinds.key_safe]\nlabel = "Key safe"\nbadge = "key"\n')
    (shown,) = alerts.person_alerts(session=session, person_id=person_id)
    assert (shown.label, shown.badge) == ("Dog on the premises", "⚑ dog")
    assert alerts.alert_badges(session=session, person_ids=[person_id]) == {person_id: ("⚑ dog",)}
    with pytest.raises(InvalidInput, match="the kinds are: key_safe"):
        _raise(session, person_id, "dog", note="Another")
    # It can still be removed by its code.
    alerts.remove_alert_of_kind(
        session=session, user=USER, person_id=person_id, kind="dog", reason="Dog gone"
    )


def test_no_new_alert_after_a_death_but_one_can_still_be_removed(session: Session) -> None:
    org = small_organisation(session, people=1)
    person_id = org.people[0]
    raised = _raise(session, person_id)
    deaths.record_death(
        session=session,
        user=USER,
        person_id=person_id,
        died_on=TODAY - timedelta(days=1),
        source="family_or_carer",
        expected_version=seen_version(session, Person, person_id),
    )
    with pytest.raises(InvalidInput, match="cannot be given a new alert"):
        _raise(session, person_id, "key_safe", note="Code from the office")
    alerts.remove_alert(session=session, user=USER, alert_id=raised.id, reason="Has died")


def test_merge_moves_alerts_and_keeps_both_notes_of_a_kind_both_hold(session: Session) -> None:
    org = small_organisation(session, people=1)
    survivor = org.people[0]
    merged = receive(
        session, person_in(org.team.id, 1, nhs_number=None, local_id="OLD-1")
    ).person_id
    kept = _raise(session, survivor, note="Survivor's note")
    duplicate = _raise(session, merged, note="Son can be violent")
    moved = _raise(session, merged, "key_safe", note="Code from the office")
    session.flush()
    preview = merge.merge_preview(session=session, survivor_id=survivor, merged_id=merged)
    assert (preview.merged.open_alerts, preview.survivor.open_alerts) == (2, 1)
    result = merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    assert (result.moved["alerts"], result.moved["alerts combined"]) == (1, 1)
    assert "1 alert, 1 alert combined" in result.moved_text
    session.flush()
    shown = alerts.person_alerts(session=session, person_id=survivor, include_removed=True)
    by_id = {a.id: a for a in shown}
    assert set(by_id) == {kept.id, duplicate.id, moved.id}
    assert by_id[kept.id].is_open and by_id[moved.id].is_open
    # The warning about the son is still in the header, on the kept alert.
    assert by_id[kept.id].note == "Survivor's note · from the merged record: Son can be violent"
    assert by_id[duplicate.id].removed_reason == merge.COMBINED_REASON
    assert [a.id for a in shown if a.is_open] == [kept.id, moved.id]
    changed = session.exec(
        select(AuditEvent).where(
            AuditEvent.entity == "person_alert",
            AuditEvent.entity_id == str(kept.id),
            AuditEvent.action == "update",
        )
    ).one()
    assert "note" in changed.changes


def test_merge_is_refused_when_two_alert_notes_together_are_too_long(session: Session) -> None:
    org = small_organisation(session, people=1)
    survivor = org.people[0]
    merged = receive(
        session, person_in(org.team.id, 1, nhs_number=None, local_id="OLD-1")
    ).person_id
    _raise(session, survivor, note="x" * 1500)
    _raise(session, merged, note="y" * 600)
    session.flush()
    preview = merge.merge_preview(session=session, survivor_id=survivor, merged_id=merged)
    assert preview.refusal is not None and "Risk to staff" in preview.refusal
    with pytest.raises(InvalidInput, match="open alert 'Risk to staff"):
        merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)


def test_already_open_gives_the_uk_date_it_was_raised(session: Session) -> None:
    from datetime import UTC, datetime

    from intapp import clock

    org = small_organisation(session, people=1)
    person_id = org.people[0]
    # 23:30 UTC on 30 June is 00:30 on 1 July in the UK (summer time).
    clock.freeze(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    _raise(session, person_id)
    with pytest.raises(InvalidInput, match=r"\(raised 1 Jul 2026 by "):
        _raise(session, person_id, note="Again")
