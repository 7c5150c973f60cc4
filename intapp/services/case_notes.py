"""Case notes: contacts written down, and addenda that correct or add to them.

A saved note is never edited or removed, so there is deliberately no function here that
changes one: a correction is an addendum, shown beneath the note with its own author and
time. The database refuses UPDATE and DELETE on both tables as well (migration 0012);
the only change it allows is the merge moving a note to the surviving record.

Notes may be written for a person who has died (recording after a death is normal
practice), but not on a record merged into another: the survivor holds the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import NoteContact, NoteKind, code_label
from intapp.formatting import local_date, uk_date
from intapp.models import CaseNote, CaseNoteAddendum, Person, ReablementEpisode, Referral
from intapp.services import audit, bounds
from intapp.services.errors import InvalidInput, NotFound, flush
from intapp.services.people import refuse_if_merged

# A long home-visit write-up runs to a few thousand characters; this leaves room for
# the longest without letting a pasted document in.
NOTE_MAX_CHARACTERS = 20_000
# The timeline shows a note's first line; this much text is read to find it.
FIRST_LINE_READ = 200


@dataclass(frozen=True)
class AddendumView:
    """An addendum as it is shown beneath its note."""

    id: int
    note_id: int
    author: str
    written_at: datetime
    text: str


@dataclass(frozen=True)
class NoteView:
    """A saved note with its addenda, oldest addendum first."""

    id: int
    person_id: int
    referral_id: int | None
    referral_reference: str | None
    episode_id: int | None
    kind: str
    contact_with: str
    contact_at: datetime
    author: str
    written_at: datetime
    text: str
    significant: bool
    addenda: tuple[AddendumView, ...] = ()

    @property
    def heading(self) -> str:
        """``Home visit with the carer``: what the contact was, in words."""
        return f"{code_label(self.kind)} with {contact_words(self.contact_with)}"


@dataclass(frozen=True)
class NoteLine:
    """A note as the timeline lists it: its kind and the start of its text."""

    id: int
    kind: str
    contact_with: str
    contact_at: datetime
    author: str
    significant: bool
    first_line: str
    addenda: int


CONTACT_WORDS = {"person": "the person", "carer": "a carer", "professional": "a professional"}


def contact_words(contact_with: str) -> str:
    """Whom the contact was with, mid-sentence: "the person", "a carer", "other"."""
    return CONTACT_WORDS.get(contact_with) or code_label(contact_with, capitalised=False)


def checked_text(text: str, *, field: str = "text", label: str = "The note") -> str:
    """A note's or an addendum's text, stripped, when it is there and can be stored."""
    text = text.strip()
    if not text:
        raise InvalidInput(f"{label} has no text: write what happened", field=field)
    return bounds.checked_length(
        text, NOTE_MAX_CHARACTERS, field=field, label=label, multiline=True
    )


def _checked_links(
    session: Session, person_id: int, referral_id: int | None, episode_id: int | None
) -> tuple[int | None, int | None]:
    """The case and episode a note is linked to, when both are the person's. An episode
    belongs to a case, so a link to it is a link to that case: none given means that one
    (the editor drops the episode when its case is changed), and another is refused."""
    if episode_id is not None:
        episode = session.get(ReablementEpisode, episode_id)
        if episode is None or episode.person_id != person_id:
            raise InvalidInput("That reablement episode is not this person's", field="episode")
        if referral_id is not None and referral_id != episode.referral_id:
            raise InvalidInput(
                "That reablement episode belongs to another case: link the note to the "
                "episode's case, or not to the episode",
                field="episode",
            )
        referral_id = episode.referral_id
    if referral_id is not None:
        referral = session.get(Referral, referral_id)
        if referral is None or referral.person_id != person_id:
            raise InvalidInput("That case is not this person's", field="referral")
    return referral_id, episode_id


def write_note(
    *,
    session: Session,
    user: str,
    person_id: int,
    kind: str,
    contact_with: str,
    contact_at: datetime,
    text: str,
    significant: bool = False,
    referral_id: int | None = None,
    episode_id: int | None = None,
) -> NoteView:
    """Save a note of a contact with the person, written now by `user`, and audit it."""
    require_for(session, "note")
    # Read FOR UPDATE (PostgreSQL), so a merge at the same time either finishes first
    # (and this is refused) or waits and moves the new note.
    person = session.get(Person, person_id, with_for_update=True, populate_existing=True)
    if person is None:
        raise NotFound(f"There is no person with id {person_id}")
    refuse_if_merged(session, person)
    if kind not in set(NoteKind):
        allowed = ", ".join(k.label.lower() for k in NoteKind)
        raise InvalidInput(f"Choose what kind of contact it was ({allowed})", field="kind")
    if contact_with not in set(NoteContact):
        raise InvalidInput("Choose whom the contact was with", field="contact_with")
    now = clock.now()
    if contact_at.tzinfo is None:
        raise InvalidInput("The contact time needs a time zone", field="contact_at")
    if contact_at > now:
        raise InvalidInput(
            "The contact cannot be in the future: give when it happened", field="contact_at"
        )
    if local_date(contact_at) < person.date_of_birth:
        raise InvalidInput(
            f"The contact time is before {person.display_name} was born "
            f"({uk_date(person.date_of_birth)}): give when it happened",
            field="contact_at",
        )
    text = checked_text(text)
    referral_id, episode_id = _checked_links(session, person_id, referral_id, episode_id)
    note = CaseNote(
        person_id=person_id,
        referral_id=referral_id,
        episode_id=episode_id,
        kind=kind,
        contact_with=contact_with,
        contact_at=contact_at,
        author=user,
        written_at=now,
        text=text,
        significant=significant,
    )
    session.add(note)
    flush(session, "case note")
    _audit_written(session, user, note)
    return _view(note, _reference(session, referral_id), ())


def add_addendum(*, session: Session, user: str, note_id: int, text: str) -> NoteView:
    """Add a correction or addition beneath a saved note; the note itself stays as it was."""
    require_for(session, "note")
    _load(session, note_id)
    addendum = CaseNoteAddendum(
        note_id=note_id,
        author=user,
        written_at=clock.now(),
        text=checked_text(text, label="The addendum"),
    )
    session.add(addendum)
    flush(session, "addendum")
    _audit_written(session, user, addendum)
    return get_note(session=session, note_id=note_id)


def _audit_written(session: Session, user: str, row: CaseNote | CaseNoteAddendum) -> None:
    """Audit a new note or addendum. The row itself is never changed, so the trail keeps
    what was written about it (who, when, which note) but not a second copy of the text."""
    after = audit.snapshot(row)
    after.pop("text")
    audit.record(
        session=session,
        user=user,
        entity=row.__tablename__,
        entity_id=row.id,
        action="create",
        changes={k: [None, v] for k, v in after.items() if v not in (None, "")},
        person_id=audit.person_of(session, row, after),
    )


def _load(session: Session, note_id: int) -> CaseNote:
    note = session.get(CaseNote, note_id)
    if note is None:
        raise NotFound(f"There is no case note with id {note_id}")
    return note


def _reference(session: Session, referral_id: int | None) -> str | None:
    if referral_id is None:
        return None
    return session.exec(select(Referral.reference).where(Referral.id == referral_id)).first()


def _view(note: CaseNote, reference: str | None, addenda: tuple[AddendumView, ...]) -> NoteView:
    assert note.id is not None
    return NoteView(
        id=note.id,
        person_id=note.person_id,
        referral_id=note.referral_id,
        referral_reference=reference,
        episode_id=note.episode_id,
        kind=note.kind,
        contact_with=note.contact_with,
        contact_at=note.contact_at,
        author=note.author,
        written_at=note.written_at,
        text=note.text,
        significant=note.significant,
        addenda=addenda,
    )


def _addenda(session: Session, note_ids: list[int]) -> dict[int, list[AddendumView]]:
    found: dict[int, list[AddendumView]] = {}
    if not note_ids:
        return found
    for a in session.exec(
        select(CaseNoteAddendum)
        .where(col(CaseNoteAddendum.note_id).in_(note_ids))
        .order_by(col(CaseNoteAddendum.written_at), col(CaseNoteAddendum.id))
    ).all():
        assert a.id is not None
        found.setdefault(a.note_id, []).append(
            AddendumView(a.id, a.note_id, a.author, a.written_at, a.text)
        )
    return found


def get_note(*, session: Session, note_id: int) -> NoteView:
    """One note with its addenda."""
    note = _load(session, note_id)
    addenda = _addenda(session, [note_id]).get(note_id, [])
    return _view(note, _reference(session, note.referral_id), tuple(addenda))


def person_notes(
    *,
    session: Session,
    person_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    newest_first: bool = True,
) -> list[NoteView]:
    """The person's notes with their addenda, by when the contact happened; with `start`
    and `end`, only contacts from `start` up to (not including) `end`."""
    query = select(CaseNote).where(CaseNote.person_id == person_id)
    if start is not None:
        query = query.where(col(CaseNote.contact_at) >= start)
    if end is not None:
        query = query.where(col(CaseNote.contact_at) < end)
    order = (col(CaseNote.contact_at), col(CaseNote.id))
    query = query.order_by(*(o.desc() for o in order) if newest_first else order)
    notes = session.exec(query).all()
    addenda = _addenda(session, [n.id for n in notes if n.id is not None])
    references = dict(
        session.exec(
            select(Referral.id, Referral.reference).where(Referral.person_id == person_id)
        ).all()
    )
    return [
        _view(n, references.get(n.referral_id), tuple(addenda.get(n.id, ())))  # type: ignore[arg-type]
        for n in notes
    ]


def note_count(*, session: Session, person_id: int) -> int:
    """How many notes the person's record holds."""
    return int(
        session.exec(
            select(func.count()).select_from(CaseNote).where(CaseNote.person_id == person_id)
        ).one()
    )


def note_lines(*, session: Session, person_id: int, newest: int | None = None) -> list[NoteLine]:
    """The person's notes as the timeline lists them, newest contact first, reading only
    the start of each; with `newest`, only that many."""
    # Counted per note through the note_id index, not grouped over every addendum.
    addenda = (
        select(func.count())
        .select_from(CaseNoteAddendum)
        .where(CaseNoteAddendum.note_id == CaseNote.id)
        .scalar_subquery()
    )
    rows = session.exec(
        select(  # type: ignore[call-overload]
            CaseNote.id,
            CaseNote.kind,
            CaseNote.contact_with,
            CaseNote.contact_at,
            CaseNote.author,
            CaseNote.significant,
            func.substr(CaseNote.text, 1, FIRST_LINE_READ),
            addenda,
        )
        .where(CaseNote.person_id == person_id)
        .order_by(col(CaseNote.contact_at).desc(), col(CaseNote.id).desc())
        .limit(newest)
    ).all()
    return [
        NoteLine(id, kind, whom, at, author, significant, start.split("\n", 1)[0].strip(), n)
        for id, kind, whom, at, author, significant, start, n in rows
    ]
