"""Carers and the people they care for: link, unlink, and what each record shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.models import CarerLink, Person
from intapp.services import audit
from intapp.services.errors import InvalidInput, NotFound, check_version
from intapp.services.people import PersonSummary, live_person, summarise


@dataclass(frozen=True)
class CarerLinkView:
    """One link as a person's record shows it: who is at the other end, and which way."""

    id: int
    carer: PersonSummary
    cared_for: PersonSummary
    since: date
    ended_on: date | None
    end_reason: str | None
    created_by: str
    version: int

    def other(self, person_id: int) -> PersonSummary:
        """The person at the other end of the link from `person_id`."""
        return self.cared_for if self.carer.id == person_id else self.carer

    def role_of_other(self, person_id: int) -> str:
        """What the other person is to `person_id`: "carer" or "cared for"."""
        return "carer" if self.cared_for.id == person_id else "cared for"


def _view(session: Session, link: CarerLink) -> CarerLinkView:
    assert link.id is not None
    carer, cared_for = session.get(Person, link.carer_id), session.get(Person, link.cared_for_id)
    assert carer is not None and cared_for is not None
    return CarerLinkView(
        id=link.id,
        carer=summarise(carer),
        cared_for=summarise(cared_for),
        since=link.since,
        ended_on=link.ended_on,
        end_reason=link.end_reason,
        created_by=link.created_by,
        version=link.version,
    )


def person_links(
    *, session: Session, person_id: int, include_ended: bool = False
) -> list[CarerLinkView]:
    """The links where `person_id` is the carer or the person cared for, open ones first."""
    query = select(CarerLink).where(
        or_(col(CarerLink.carer_id) == person_id, col(CarerLink.cared_for_id) == person_id)
    )
    if not include_ended:
        query = query.where(col(CarerLink.ended_on).is_(None))
    rows = session.exec(
        query.order_by(
            col(CarerLink.ended_on).is_not(None), col(CarerLink.since), col(CarerLink.id)
        )
    ).all()
    return [_view(session, link) for link in rows]


def is_carer(*, session: Session, person: Person) -> bool:
    """Recorded as a carer, or caring for someone known to the team."""
    if person.is_carer:
        return True
    return (
        session.exec(
            select(CarerLink.id).where(
                CarerLink.carer_id == person.id, col(CarerLink.ended_on).is_(None)
            )
        ).first()
        is not None
    )


def open_link(*, session: Session, carer_id: int, cared_for_id: int) -> CarerLink | None:
    """The open link from this carer to this person, if there is one."""
    return session.exec(
        select(CarerLink).where(
            CarerLink.carer_id == carer_id,
            CarerLink.cared_for_id == cared_for_id,
            col(CarerLink.ended_on).is_(None),
        )
    ).first()


# What a new link marks on the carer's and on the cared-for person's record (the app's
# link and the people import both set them).
LINK_MARKS = ("is_carer", "has_unpaid_carer")


def death_refusal(carer_who_died: str | None, cared_for_who_died: str | None) -> str | None:
    """Why no new link can be made when one of the two has died (each argument names the
    person if they died, else None), or None. The app's link and the import both ask."""
    died = carer_who_died or cared_for_who_died
    if died is None:
        return None
    return f"{died} has died; a new carer link cannot be made"


def link_carer(
    *,
    session: Session,
    user: str,
    carer_id: int,
    cared_for_id: int,
    since: date | None = None,
) -> CarerLinkView:
    """Record that `carer_id` cares for `cared_for_id` (from `since`, default today).

    The carer is marked as a carer, and the person cared for as having an unpaid carer,
    each audited; a second open link between the same two is refused.
    """
    require_for(session, "carer_link")
    if carer_id == cared_for_id:
        raise InvalidInput("A person cannot be their own carer", field="cared_for")
    carer = live_person(session=session, person_id=carer_id, field="carer")
    cared_for = live_person(session=session, person_id=cared_for_id, field="cared_for")
    since = since or clock.today()
    if since > clock.today():
        raise InvalidInput("A carer link cannot start in the future", field="since")
    if since < carer.date_of_birth:
        raise InvalidInput("A carer link cannot start before the carer was born", field="since")
    already = InvalidInput(
        f"{carer.display_name} is already linked as carer for {cared_for.display_name}",
        field="cared_for",
    )
    if open_link(session=session, carer_id=carer_id, cared_for_id=cared_for_id) is not None:
        raise already
    refusal = death_refusal(
        carer.display_name if carer.date_of_death is not None else None,
        cared_for.display_name if cared_for.date_of_death is not None else None,
    )
    if refusal is not None:
        raise InvalidInput(refusal, field="person")
    link = CarerLink(
        carer_id=carer_id,
        cared_for_id=cared_for_id,
        since=since,
        created_by=user,
        created_at=clock.now(),
    )
    try:
        audit.save_create(session=session, user=user, row=link)
    except IntegrityError as error:
        # The same link saved by someone else a moment ago: the open-link index refused it.
        said = str(error.orig)  # PostgreSQL names the index; SQLite names its columns
        if "uq_carer_link_open" in said or "carer_link.carer_id, carer_link.cared_for_id" in said:
            raise already from error
        raise
    for person, flag in zip((carer, cared_for), LINK_MARKS, strict=True):
        if not getattr(person, flag):
            before = audit.snapshot(person)
            setattr(person, flag, True)
            audit.save_update(session=session, user=user, row=person, before=before, action="link")
    return _view(session, link)


def load_link(*, session: Session, link_id: int) -> CarerLink:
    """The link row, or `NotFound`."""
    link = session.get(CarerLink, link_id)
    if link is None:
        raise NotFound(f"There is no carer link with id {link_id}")
    return link


def unlink_carer(
    *,
    session: Session,
    user: str,
    link_id: int,
    reason: str,
    expected_version: int,
    ended_on: date | None = None,
) -> CarerLinkView:
    """End a link with a reason (kept, with the date and who ended it)."""
    require_for(session, "carer_link")
    link = load_link(session=session, link_id=link_id)
    check_version("carer link", link.version, expected_version)
    if link.ended_on is not None:
        raise InvalidInput("This carer link has already ended", field="link")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the carer link ends", field="reason")
    ended_on = ended_on or clock.today()
    if not link.since <= ended_on <= clock.today():
        raise InvalidInput(
            f"The end must be between the link's start ({link.since:%d/%m/%Y}) and today",
            field="ended_on",
        )
    before = audit.snapshot(link)
    link.ended_on, link.end_reason, link.ended_by = ended_on, reason, user
    audit.save_update(session=session, user=user, row=link, before=before, action="unlink")
    return _view(session, link)


def unlink_pair(
    *, session: Session, user: str, carer_id: int, cared_for_id: int, reason: str
) -> CarerLinkView:
    """End the open link between this carer and this person (the CLI names people, not links)."""
    require_for(session, "carer_link")
    link = open_link(session=session, carer_id=carer_id, cared_for_id=cared_for_id)
    if link is None:
        raise InvalidInput(
            f"Person {carer_id} is not linked as carer for person {cared_for_id}",
            field="cared_for",
        )
    assert link.id is not None
    return unlink_carer(
        session=session, user=user, link_id=link.id, reason=reason, expected_version=link.version
    )
