"""Merging two records of the same person: everything moves to the survivor.

The merged record stays as a pointer (`merged_into_id`) so anything that still names it
(an old letter, an import file, a search by its local id) leads to the survivor. Every
moved row is audited with the action "merge".

Rules, decided here and shown on the confirming dialog:
- refused when the two records hold different NHS numbers (both are valid: no other
  kind is stored), or when either was already merged;
- refused when one record has a date of death and the other has none or another date:
  the death must be recorded (or withdrawn) so that both agree first, because a merge
  must not quietly carry a death, or its consequences, from one record to the other;
- refused when both have a reablement episode planned or running: end or cancel one;
- one plan per person: when both have a plan, the survivor's plan stays and the other
  stays with the merged record, closed (if open) with a final version saying why, its
  open actions cancelled as when a case closes; its versions are listed after the
  survivor's own (`care_plans.merged_records_plans`), since a merged record opens as its
  survivor. Choose the survivor with the plan that should continue;
- carer links move; a link between the two records themselves ends, and a link the
  survivor already has ends on the merged side before it moves;
- alerts move; when both records hold an open alert of the same kind, the warning is
  kept: the merged record's note is added to the survivor's alert (audited as a change to
  it), and the merged record's alert is then removed, saying so, before it moves. Refused
  when the two notes together would be too long: shorten one first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, SQLModel, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import EpisodeState
from intapp.models import (
    Allocation,
    Assessment,
    BreakGlass,
    CarePlan,
    CarePlanVersion,
    CarerLink,
    CaseNote,
    Person,
    PersonAlert,
    ReablementEpisode,
    Referral,
)
from intapp.services import alerts, audit, plan_actions
from intapp.services.errors import InvalidInput, check_version, flush
from intapp.services.nhs_number import format_nhs_number
from intapp.services.people import COHORT_FLAGS, PersonSummary, load_person, summarise

# Every row that names a person, as (model, column). `tests/test_merge.py` checks this
# against the schema, so a new table that names a person cannot be forgotten here.
MOVED: tuple[tuple[type[SQLModel], str], ...] = (
    (Referral, "person_id"),
    (Allocation, "person_id"),
    (Assessment, "person_id"),
    (ReablementEpisode, "person_id"),
    (CarePlan, "person_id"),
    (CaseNote, "person_id"),
    (CarerLink, "carer_id"),
    (CarerLink, "cared_for_id"),
    (PersonAlert, "person_id"),
    (Person, "merged_into_id"),
)
# Columns naming a person that a merge leaves alone: a break-glass grant records who
# opened which record, and why, as it happened; moving it would rewrite that history.
LEFT_IN_PLACE: tuple[tuple[type[SQLModel], str], ...] = ((BreakGlass, "person_id"),)
# Details the survivor takes from the merged record when it has none of its own.
FILLED = (
    "gender",
    "postcode",
    "gp_practice_code",
    "phone",
    "ethnicity",
    "accommodation_status",
    "primary_support_reason",
    "client_type",
)
MERGE_REASON = "the two records were merged"


@dataclass(frozen=True)
class MergeSide:
    """One of the two records, with what it holds."""

    person: PersonSummary
    referrals: int
    open_referrals: int
    assessments: int
    episodes: int
    running_episode: bool
    has_plan: bool
    plan_open: bool
    carer_links: int
    notes: int
    open_alerts: int


@dataclass(frozen=True)
class MergePreview:
    """What a merge would do, for the confirming dialog; `refusal` says why it cannot."""

    survivor: MergeSide
    merged: MergeSide
    refusal: str | None
    plan_note: str | None


@dataclass(frozen=True)
class MergeResult:
    """What moved: rows per kind, and the survivor as it now stands."""

    survivor: PersonSummary
    merged_id: int
    moved: dict[str, int]

    @property
    def moved_text(self) -> str:
        """What moved, in words: "1 referral, 2 carer links"; "nothing else" if none."""
        said = [
            f"{n} {kind if n != 1 else SINGULAR.get(kind, kind)}"
            for kind, n in self.moved.items()
            if n
        ]
        return ", ".join(said) or "nothing else"


SINGULAR = {
    "referrals": "referral",
    "allocations": "allocation",
    "assessments": "assessment",
    "reablement episodes": "reablement episode",
    "care plans": "care plan",
    "carer links": "carer link",
    "case notes": "case note",
    "alerts": "alert",
    "alerts combined": "alert combined",
}
COMBINED_REASON = "the two records were merged: its note was added to the kept alert"


def _count(session: Session, model: type[SQLModel], *where: Any) -> int:
    from sqlalchemy import func

    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _side(session: Session, person: Person) -> MergeSide:
    pid = person.id
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == pid)).first()
    return MergeSide(
        person=summarise(person),
        referrals=_count(session, Referral, Referral.person_id == pid),
        open_referrals=_count(
            session, Referral, Referral.person_id == pid, col(Referral.closed_at).is_(None)
        ),
        assessments=_count(session, Assessment, Assessment.person_id == pid),
        episodes=_count(session, ReablementEpisode, ReablementEpisode.person_id == pid),
        running_episode=_running_episode(session, pid) is not None,
        has_plan=plan is not None,
        plan_open=plan is not None and plan.closed_at is None,
        carer_links=_count(
            session,
            CarerLink,
            or_(col(CarerLink.carer_id) == pid, col(CarerLink.cared_for_id) == pid),
        ),
        notes=_count(session, CaseNote, CaseNote.person_id == pid),
        open_alerts=_count(
            session,
            PersonAlert,
            PersonAlert.person_id == pid,
            col(PersonAlert.removed_at).is_(None),
        ),
    )


def _running_episode(session: Session, person_id: int | None) -> ReablementEpisode | None:
    return session.exec(
        select(ReablementEpisode).where(
            ReablementEpisode.person_id == person_id,
            col(ReablementEpisode.state).in_([EpisodeState.PLANNED, EpisodeState.ACTIVE]),
        )
    ).first()


def _refusal(session: Session, survivor: Person, merged: Person) -> str | None:
    """Why these two records cannot be merged, or None."""
    if survivor.id == merged.id:
        return "Choose two different records to merge"
    for p in (survivor, merged):
        if p.merged_into_id is not None:
            return (
                f"{p.display_name} (person {p.id}) was already merged into "
                f"person {p.merged_into_id}"
            )
    if survivor.nhs_number and merged.nhs_number and survivor.nhs_number != merged.nhs_number:
        return (
            f"The records hold different NHS numbers ({format_nhs_number(survivor.nhs_number)} "
            f"and {format_nhs_number(merged.nhs_number)}), so they are two people; "
            "correct the wrong one first if they are not"
        )
    if survivor.date_of_death != merged.date_of_death:
        return (
            "One record has a date of death and the other has none, or another date; "
            "record or withdraw the death so both agree before merging"
        )
    if _running_episode(session, survivor.id) and _running_episode(session, merged.id):
        return "Both records have a reablement episode planned or running; end or cancel one first"
    for kept, other in _alerts_to_combine(session, survivor.id, merged.id):
        if len(_combined_note(kept, other)) > alerts.NOTE_LENGTH:
            return (
                f"Both records hold an open alert '{kept.label}', and their notes together "
                f"are longer than {alerts.NOTE_LENGTH} characters; shorten one first"
            )
    return None


def _alerts_to_combine(
    session: Session, survivor_id: int | None, merged_id: int | None
) -> list[tuple[PersonAlert, PersonAlert]]:
    """(the survivor's alert, the merged record's) for each kind both hold open."""
    opened = session.exec(
        select(PersonAlert).where(
            col(PersonAlert.person_id).in_([survivor_id, merged_id]),
            col(PersonAlert.removed_at).is_(None),
        )
    ).all()
    kept = {a.kind: a for a in opened if a.person_id == survivor_id}
    return [(kept[a.kind], a) for a in opened if a.person_id == merged_id and a.kind in kept]


def _combined_note(kept: PersonAlert, other: PersonAlert) -> str:
    return f"{kept.note} · from the merged record: {other.note}"


def _plan_note(session: Session, survivor: Person, merged: Person) -> str | None:
    plans = {
        p.person_id: p
        for p in session.exec(
            select(CarePlan).where(col(CarePlan.person_id).in_([survivor.id, merged.id]))
        ).all()
    }
    if survivor.id in plans and merged.id in plans:
        return (
            "Both have a care plan: the surviving record's plan continues; the other is "
            "closed with a note, its open actions cancelled, and its versions are "
            "listed after the surviving plan's (care plan, ctrl+r)"
        )
    if merged.id in plans:
        return "The care plan moves to the surviving record"
    return None


def merge_preview(*, session: Session, survivor_id: int, merged_id: int) -> MergePreview:
    """Both records side by side, and whether (and how) they can be merged."""
    require_for(session, "merge")  # before any other refusal: the role comes first
    survivor = load_person(session=session, person_id=survivor_id)
    merged = load_person(session=session, person_id=merged_id)
    return MergePreview(
        survivor=_side(session, survivor),
        merged=_side(session, merged),
        refusal=_refusal(session, survivor, merged),
        plan_note=_plan_note(session, survivor, merged),
    )


def _move(session: Session, user: str, row: SQLModel, column: str, to: int) -> None:
    before = audit.snapshot(row)
    setattr(row, column, to)
    audit.save_update(session=session, user=user, row=row, before=before, action="merge")


def _close_merged_plan(session: Session, user: str, plan: CarePlan, survivor_id: int) -> None:
    """Close the merged record's plan with a final version that says where care continues."""
    if plan.closed_at is not None:
        return
    last = session.exec(
        select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plan.id, CarePlanVersion.number == plan.current_number
        )
    ).one()
    before = audit.snapshot(plan)
    plan.current_number += 1
    plan.closed_at = clock.now()
    audit.save_update(session=session, user=user, row=plan, before=before, action="close")
    final = CarePlanVersion(
        plan_id=plan.id,  # type: ignore[arg-type]
        number=plan.current_number,
        lead_worker_id=last.lead_worker_id,
        review_date=last.review_date,
        goals=list(last.goals),
        # As when a case closes: what was not done will not be done under this plan.
        actions=plan_actions.open_ones_cancelled(last.actions),
        items=[dict(i) for i in last.items],
        change_note=f"Closed: record merged into person {survivor_id}, whose plan continues",
        created_by=user,
        created_at=clock.now(),
    )
    plan_actions.save_version(session=session, user=user, version=final)


def _move_links(
    session: Session, user: str, survivor_id: int, merged_id: int, moved: dict[str, int]
) -> None:
    today = clock.today()
    links = session.exec(
        select(CarerLink).where(
            or_(col(CarerLink.carer_id) == merged_id, col(CarerLink.cared_for_id) == merged_id)
        )
    ).all()
    for link in links:
        between_the_two = {link.carer_id, link.cared_for_id} == {survivor_id, merged_id}
        if between_the_two:
            if link.ended_on is None:
                before = audit.snapshot(link)
                link.ended_on, link.end_reason, link.ended_by = today, MERGE_REASON, user
                audit.save_update(
                    session=session, user=user, row=link, before=before, action="unlink"
                )
            continue  # a person cannot care for themselves: the ended link stays as it was
        column = "carer_id" if link.carer_id == merged_id else "cared_for_id"
        other = link.cared_for_id if column == "carer_id" else link.carer_id
        pair = (survivor_id, other) if column == "carer_id" else (other, survivor_id)
        if link.ended_on is None:
            duplicate = session.exec(
                select(CarerLink.id).where(
                    CarerLink.carer_id == pair[0],
                    CarerLink.cared_for_id == pair[1],
                    col(CarerLink.ended_on).is_(None),
                )
            ).first()
            if duplicate is not None:
                before = audit.snapshot(link)
                link.ended_on, link.end_reason, link.ended_by = today, MERGE_REASON, user
                audit.save_update(
                    session=session, user=user, row=link, before=before, action="unlink"
                )
        _move(session, user, link, column, survivor_id)
        moved["carer links"] = moved.get("carer links", 0) + 1


def _move_alerts(
    session: Session, user: str, survivor_id: int, merged_id: int, moved: dict[str, int]
) -> None:
    """Alerts move; one the survivor also holds open has its note added to the survivor's
    (so the warning stays in the header) and is removed, saying so (`_refusal` has checked
    the notes fit)."""
    combined = _alerts_to_combine(session, survivor_id, merged_id)
    for kept, other in combined:
        before = audit.snapshot(kept)
        kept.note = _combined_note(kept, other)
        audit.save_update(session=session, user=user, row=kept, before=before, action="update")
        before = audit.snapshot(other)
        other.removed_at, other.removed_by = clock.now(), user
        other.removed_reason = COMBINED_REASON
        audit.save_update(session=session, user=user, row=other, before=before, action="remove")
    rows = session.exec(select(PersonAlert).where(PersonAlert.person_id == merged_id)).all()
    for alert in rows:
        _move(session, user, alert, "person_id", survivor_id)
    if rows:
        moved["alerts"] = len(rows) - len(combined)
    if combined:
        moved["alerts combined"] = len(combined)


def merge_people(
    *,
    session: Session,
    user: str,
    survivor_id: int,
    merged_id: int,
    survivor_version: int | None = None,
    merged_version: int | None = None,
) -> MergeResult:
    """Merge `merged_id` into `survivor_id` in one transaction (see the module's rules).

    The versions are those the user saw on the confirming dialog; a record changed since
    is refused as a `Conflict`. The CLI, which shows no copy, passes none.
    """
    require_for(session, "merge")
    # Both rows are locked (PostgreSQL; in id order, so two merges never wait on each
    # other in a ring) and read afresh: a merge of either record committed meanwhile is
    # seen and refused, and new work for either waits for this one (`person_who_can_start`).
    for person_id in sorted({survivor_id, merged_id}):
        session.get(Person, person_id, with_for_update=True, populate_existing=True)
    survivor = load_person(session=session, person_id=survivor_id)
    merged = load_person(session=session, person_id=merged_id)
    if survivor_version is not None:
        check_version("person", survivor.version, survivor_version)
    if merged_version is not None:
        check_version("person", merged.version, merged_version)
    refusal = _refusal(session, survivor, merged)
    if refusal is not None:
        raise InvalidInput(refusal, field="merged")
    moved: dict[str, int] = {}
    for model, label in (
        (Referral, "referrals"),
        (Allocation, "allocations"),
        (Assessment, "assessments"),
        (ReablementEpisode, "reablement episodes"),
    ):
        if model is Assessment:
            moved[label] = 0  # moved below, once the pointer is written
            continue
        rows = session.exec(select(model).where(model.person_id == merged_id)).all()
        for row in rows:
            _move(session, user, row, "person_id", survivor_id)
        moved[label] = len(rows)
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == merged_id)).first()
    if plan is not None:
        kept = session.exec(select(CarePlan.id).where(CarePlan.person_id == survivor_id)).first()
        if kept is None:
            _move(session, user, plan, "person_id", survivor_id)
            moved["care plans"] = 1
        else:
            _close_merged_plan(session, user, plan, survivor_id)
            moved["care plans"] = 0
    _move_links(session, user, survivor_id, merged_id, moved)
    _move_alerts(session, user, survivor_id, merged_id, moved)

    # The survivor's identity: its own details first, gaps filled from the merged record.
    before = audit.snapshot(survivor)
    merged_before = audit.snapshot(merged)
    # Identifiers the survivor lacks move to it; the pointer keeps the rest, and a
    # record must keep one (ck_person_identifier), so it may take "MERGED-<id>".
    moving = {
        name: getattr(merged, name)
        for name in ("nhs_number", "local_id")
        if getattr(merged, name) is not None and getattr(survivor, name) is None
    }
    for name in moving:
        setattr(merged, name, None)
    if merged.nhs_number is None and merged.local_id is None:
        merged.local_id = f"MERGED-{merged.id}"
    merged.merged_into_id = survivor_id
    audit.save_update(session=session, user=user, row=merged, before=merged_before, action="merge")
    # Records merged earlier into this one now point at the survivor. Only after the line
    # above: the database lets a pointer change only to where its record now points (0016).
    pointers = session.exec(select(Person).where(Person.merged_into_id == merged_id)).all()
    for earlier in pointers:
        _move(session, user, earlier, "merged_into_id", survivor_id)
    # Notes move only now: the database lets a note move to the record its person's
    # record was merged into, and nowhere else (migration 0012).
    notes = session.exec(select(CaseNote).where(CaseNote.person_id == merged_id)).all()
    for note in notes:
        _move(session, user, note, "person_id", survivor_id)
    moved["case notes"] = len(notes)
    # So do assessments: a signed-off one may move only as a note may (migration 0018).
    kept_assessments = session.exec(
        select(Assessment).where(Assessment.person_id == merged_id)
    ).all()
    for assessment in kept_assessments:
        _move(session, user, assessment, "person_id", survivor_id)
    moved["assessments"] = len(kept_assessments)
    for name, value in moving.items():
        setattr(survivor, name, value)
    for name in FILLED:
        if getattr(survivor, name) is None and getattr(merged, name) is not None:
            setattr(survivor, name, getattr(merged, name))
    for flag in (*COHORT_FLAGS, "has_unpaid_carer", "is_carer"):
        if getattr(merged, flag) and not getattr(survivor, flag):
            setattr(survivor, flag, True)
    changes: dict[str, Any] = audit.changes_between(before, audit.snapshot(survivor))
    flush(session, "person")
    # One event on the survivor says what it took and from which record.
    audit.record(
        session=session,
        user=user,
        entity="person",
        entity_id=survivor_id,
        action="merge",
        changes={**changes, "merged_from": [None, merged_id]},
        person_id=survivor_id,
    )
    return MergeResult(survivor=summarise(survivor), merged_id=merged_id, moved=moved)
