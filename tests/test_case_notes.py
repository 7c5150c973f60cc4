"""Case notes: written once, never edited; addenda beneath; the database holds to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from factories import USER, count, person_in, receive, seen_version, small_organisation
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from intapp import clock
from intapp.models import AuditEvent, CaseNote, CaseNoteAddendum, Person, Referral
from intapp.services import case_notes, deaths, merge, reablement
from intapp.services.errors import InvalidInput


def _note(session: Session, person_id: int, **overrides: object) -> case_notes.NoteView:
    values: dict[str, object] = {
        "kind": "home_visit",
        "contact_with": "person",
        "contact_at": clock.now() - timedelta(hours=2),
        "text": "Visited at home.\nKitchen is safe; rails fitted.",
    }
    values.update(overrides)
    return case_notes.write_note(
        session=session,
        user=USER,
        person_id=person_id,
        **values,  # type: ignore[arg-type]
    )


def _person(session: Session) -> tuple[int, int]:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 1))
    return referral.person_id, referral.id


def test_a_note_is_written_with_its_author_and_times_and_audited(session: Session) -> None:
    person_id, referral_id = _person(session)
    note = _note(session, person_id, referral_id=referral_id, significant=True)
    session.commit()
    assert (note.author, note.written_at, note.significant) == (USER, clock.now(), True)
    assert note.contact_at == clock.now() - timedelta(hours=2)
    assert note.heading == "Home visit with the person"
    assert note.referral_reference is not None
    event = session.exec(select(AuditEvent).where(AuditEvent.entity == "case_note")).one()
    assert (event.action, event.user, event.entity_id) == ("create", USER, str(note.id))
    # The note itself is kept once: the trail says what was written, not a second copy.
    assert "text" not in event.changes and event.changes["kind"] == [None, "home_visit"]


def test_no_function_changes_or_removes_a_note() -> None:
    public = {name for name in vars(case_notes) if not name.startswith("_")}
    changing = {
        name
        for name in public
        if any(word in name for word in ("update", "edit", "change", "delete", "remove"))
    }
    assert changing == set()


TAMPERING = (
    "UPDATE case_note SET text = 'rewritten'",
    "UPDATE case_note SET significant = NOT significant",
    "UPDATE case_note SET author = 'someone.else'",
    "DELETE FROM case_note",
    "UPDATE case_note_addendum SET text = 'rewritten'",
    "DELETE FROM case_note_addendum",
)


@pytest.mark.parametrize("statement", TAMPERING)
def test_the_database_refuses_to_change_or_remove_notes(session: Session, statement: str) -> None:
    person_id, _ = _person(session)
    note = _note(session, person_id)
    case_notes.add_addendum(session=session, user=USER, note_id=note.id, text="Also: GP told.")
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    session.rollback()
    session.expire_all()
    kept = case_notes.get_note(session=session, note_id=note.id)
    assert kept.text == note.text and [a.text for a in kept.addenda] == ["Also: GP told."]


def test_a_note_may_move_only_to_the_record_it_was_merged_into(session: Session) -> None:
    person_id, _ = _person(session)
    team_id = session.get(Person, person_id).team_id  # type: ignore[union-attr]
    other = receive(session, person_in(team_id, 2, nhs_number=None, local_id="L2")).person_id
    note = _note(session, person_id)
    session.commit()
    # Not merged: moving the note to another person's record is refused.
    move = text("UPDATE case_note SET person_id = :to WHERE id = :id")
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(move, {"to": other, "id": note.id})
    session.rollback()
    # Merged: the merge moves it (and nothing else of it changes).
    merge.merge_people(
        session=session,
        user=USER,
        survivor_id=other,
        merged_id=person_id,
        survivor_version=seen_version(session, Person, other),
        merged_version=seen_version(session, Person, person_id),
    )
    session.commit()
    moved = case_notes.get_note(session=session, note_id=note.id)
    assert moved.person_id == other and moved.text == note.text


def test_addenda_link_to_their_note_in_the_order_written(session: Session) -> None:
    person_id, _ = _person(session)
    first = _note(session, person_id)
    second = _note(session, person_id, kind="phone_call", text="Rang the daughter.")
    clock.freeze(clock.now() + timedelta(minutes=5))
    case_notes.add_addendum(session=session, user="asha.khan", note_id=first.id, text="Correction")
    clock.freeze(clock.now() + timedelta(minutes=5))
    shown = case_notes.add_addendum(session=session, user=USER, note_id=first.id, text="More")
    session.commit()
    assert [(a.text, a.author) for a in shown.addenda] == [
        ("Correction", "asha.khan"),
        ("More", USER),
    ]
    assert all(a.note_id == first.id for a in shown.addenda)
    assert case_notes.get_note(session=session, note_id=second.id).addenda == ()
    assert count(session, CaseNoteAddendum) == 2
    listed = case_notes.person_notes(session=session, person_id=person_id)
    assert {n.id: len(n.addenda) for n in listed} == {first.id: 2, second.id: 0}
    lines = {line.id: line for line in case_notes.note_lines(session=session, person_id=person_id)}
    assert lines[first.id].first_line == "Visited at home." and lines[first.id].addenda == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"text": "   \n  "}, "text"),
        ({"text": "x" * (case_notes.NOTE_MAX_CHARACTERS + 1)}, "text"),
        ({"text": "Bad \x00 byte"}, "text"),
        ({"contact_at": clock.now() + timedelta(minutes=1)}, "contact_at"),
        ({"kind": "telepathy"}, "kind"),
        ({"contact_with": "nobody"}, "contact_with"),
    ],
)
def test_what_a_note_cannot_hold_is_refused_by_field(
    session: Session, overrides: dict[str, object], field: str
) -> None:
    person_id, _ = _person(session)
    with pytest.raises(InvalidInput) as refused:
        _note(session, person_id, **overrides)
    assert refused.value.field == field
    assert count(session, CaseNote) == 0


def test_a_contact_at_this_very_moment_is_allowed(session: Session) -> None:
    person_id, _ = _person(session)
    assert _note(session, person_id, contact_at=clock.now()).contact_at == clock.now()


def test_an_empty_addendum_is_refused(session: Session) -> None:
    person_id, _ = _person(session)
    note = _note(session, person_id)
    with pytest.raises(InvalidInput, match="addendum has no text") as refused:
        case_notes.add_addendum(session=session, user=USER, note_id=note.id, text=" ")
    assert refused.value.field == "text"


def test_a_merged_record_is_refused_and_a_deceased_person_is_not(session: Session) -> None:
    person_id, _ = _person(session)
    team_id = session.get(Person, person_id).team_id  # type: ignore[union-attr]
    other = receive(session, person_in(team_id, 2, nhs_number=None, local_id="L2")).person_id
    merge.merge_people(session=session, user=USER, survivor_id=other, merged_id=person_id)
    with pytest.raises(InvalidInput, match="merged into") as refused:
        _note(session, person_id)
    assert refused.value.field == "person"
    deaths.record_death(
        session=session,
        user=USER,
        person_id=other,
        died_on=clock.today() - timedelta(days=1),
        source="gp",
        expected_version=seen_version(session, Person, other),
    )
    # Recording after a death (the call to the family, the letter) is normal practice.
    assert _note(session, other, kind="letter", contact_with="carer").person_id == other


def test_links_must_be_the_persons_and_an_episode_brings_its_case(session: Session) -> None:
    person_id, referral_id = _person(session)
    team_id = session.get(Person, person_id).team_id  # type: ignore[union-attr]
    other_referral = receive(session, person_in(team_id, 2)).id
    with pytest.raises(InvalidInput) as refused:
        _note(session, person_id, referral_id=other_referral)
    assert refused.value.field == "referral"
    episode = reablement.start_episode(
        session=session,
        user=USER,
        person_id=person_id,
        referral_id=referral_id,
        start_date=date(2026, 11, 20),
        goals=["Walk"],
    )
    note = _note(session, person_id, episode_id=episode.id)
    assert (note.episode_id, note.referral_id) == (episode.id, referral_id)
    # Another case of the person's, with the episode of the first: refused.
    second = receive(session, person_in(team_id, 1)).id
    assert session.get(Referral, second).person_id == person_id  # type: ignore[union-attr]
    with pytest.raises(InvalidInput, match="belongs to another case") as refused:
        _note(session, person_id, episode_id=episode.id, referral_id=second)
    assert refused.value.field == "episode"


def test_a_contact_before_the_person_was_born_is_refused(session: Session) -> None:
    person_id, _ = _person(session)
    born = session.get(Person, person_id).date_of_birth  # type: ignore[union-attr]
    for when in (
        datetime(1, 1, 1, 12, tzinfo=UTC),
        datetime.combine(born - timedelta(days=1), time(12), tzinfo=UTC),
    ):
        with pytest.raises(InvalidInput, match=r"contact time is before .* was born") as refused:
            _note(session, person_id, contact_at=when)
        assert refused.value.field == "contact_at"
    on_the_day = datetime.combine(born, time(12), tzinfo=UTC)
    assert _note(session, person_id, contact_at=on_the_day).contact_at == on_the_day


def test_notes_for_a_period_oldest_first(session: Session) -> None:
    person_id, _ = _person(session)
    now = clock.now()
    for days in (10, 5, 1):
        _note(session, person_id, contact_at=now - timedelta(days=days), text=f"{days} days ago")
    period = case_notes.person_notes(
        session=session,
        person_id=person_id,
        start=now - timedelta(days=6),
        end=now,
        newest_first=False,
    )
    assert [n.text for n in period] == ["5 days ago", "1 days ago"]


def test_timeline_pages_read_only_the_notes_they_need_and_agree_with_the_whole(
    session: Session,
) -> None:
    from intapp.services.person_record import person_timeline, timeline_page

    person_id, _ = _person(session)
    now = clock.now()
    for n in range(9):
        # Some notes tie with each other and with the referral's own entries.
        _note(session, person_id, contact_at=now - timedelta(days=n // 2), text=f"Note {n}")
    whole = person_timeline(session=session, person_id=person_id)
    assert sum(e.opens == "note" for e in whole) == 9 and len(whole) > 9
    seen, after = [], None
    while True:
        page = timeline_page(session=session, person_id=person_id, after=after, limit=4)
        assert page.total == len(whole)
        if not page.rows:
            break
        seen += [e for _, e in page.rows]
        after = (page.rows[-1][0],)
    assert seen == whole
