"""A person's record as one read: who they are, their history and who leads their care."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache

from sqlmodel import Session, col, select

from intapp.codes import PERSON_CODE_LISTS, ReferralStatus, code_label
from intapp.formatting import uk_date
from intapp.models import Allocation, CarePlan, Referral, Team, Transfer, Worker
from intapp.services import audit
from intapp.services.alerts import AlertView, person_alerts
from intapp.services.assessments import AssessmentSummary, person_assessments
from intapp.services.care_plans import PlanView, current_plan, plan_history
from intapp.services.carers import CarerLinkView, is_carer, person_links
from intapp.services.case_closure import reopen_deadline
from intapp.services.case_notes import NoteLine, contact_words, note_count, note_lines
from intapp.services.people import PersonSummary, get_person, load_person, survivor_of
from intapp.services.plan_copy import COPY_ACTION, copy_made
from intapp.services.reablement import EpisodeSummary, person_episodes
from intapp.services.referrals import ReferralSummary, person_referrals
from intapp.services.views import VIEW
from intapp.store.paging import Cursor, Page, page_of


@dataclass(frozen=True)
class OpenCase:
    """An open allocation with its worker's name."""

    referral_id: int
    worker_id: int
    worker_name: str
    weight: int
    started_at: datetime | None = None
    """When the open allocation began: the earliest the case can be closed."""


@dataclass(frozen=True)
class PersonOverview:
    """Header and history for the triage and person screens."""

    person: PersonSummary
    team_label: str
    referrals: list[ReferralSummary]
    open_cases: list[OpenCase]
    lead_worker: str | None
    reopen_until: dict[int, datetime] = field(default_factory=dict)
    """For each closed case, the last moment it may be reopened."""
    alerts: list[AlertView] = field(default_factory=list)
    """The person's open alerts, most pressing first."""

    @property
    def recently_rereferred(self) -> bool:
        return any(r.is_rereferral for r in self.referrals[:1])


def person_overview(*, session: Session, person_id: int) -> PersonOverview:
    """Everything the header and history panes show about a person."""
    person = get_person(session=session, person_id=person_id)
    team = session.get(Team, person.team_id)
    open_cases = [
        OpenCase(a.referral_id, w.id, w.display_name, a.weight, a.started_at)  # type: ignore[arg-type]
        for a, w in session.exec(
            select(Allocation, Worker)
            .join(Worker, col(Worker.id) == Allocation.worker_id)
            .where(Allocation.person_id == person_id, col(Allocation.ended_at).is_(None))
        ).all()
    ]
    lead = session.exec(
        select(Worker)
        .join(CarePlan, col(CarePlan.lead_worker_id) == Worker.id)
        .where(CarePlan.person_id == person_id, col(CarePlan.closed_at).is_(None))
    ).first()
    lead_name = lead.display_name if lead else (open_cases[0].worker_name if open_cases else None)
    referrals = person_referrals(session=session, person_id=person_id)
    return PersonOverview(
        person=person,
        team_label=f"{team.code} {team.name}" if team else "",
        referrals=referrals,
        open_cases=open_cases,
        lead_worker=lead_name,
        reopen_until={
            r.id: reopen_deadline(session=session, referral=r)
            for r in referrals
            if r.status == ReferralStatus.CLOSED and r.closed_at is not None
        },
        alerts=person_alerts(session=session, person_id=person_id),
    )


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event in a person's history."""

    at: datetime
    kind: str
    text: str
    # What opening the entry shows: "assessment" or "note" (with its id), "care plan" or
    # "reablement"; None when the entry's full text (`full_text`) is all there is.
    opens: str | None = None
    opens_id: int | None = None
    detail: str = ""
    """More than the line shows: a triage note, why an allocation went over the limit."""
    significant: bool = False
    """A case note marked significant."""

    @property
    def full_text(self) -> str:
        """Everything the entry says, for reading in full."""
        return f"{self.text}\n\n{self.detail}" if self.detail else self.text


# The timeline's filters, in the order a key cycles them: what each keeps, in words.
TIMELINE_FILTERS = {
    "all": "everything",
    "notes": "case notes only",
    "significant": "significant notes only",
    "casework": "everything but case notes",
}


def _kept(entry: TimelineEntry, only: str) -> bool:
    if only == "notes":
        return entry.opens == "note"
    if only == "significant":
        return entry.significant
    if only == "casework":
        return entry.opens != "note"
    return True


def person_timeline(
    *, session: Session, person_id: int, newest_notes: int | None = None
) -> list[TimelineEntry]:
    """Case notes, referrals, allocations, assessments, plan versions, episodes and
    audited changes, newest first; with `newest_notes`, only that many of the notes."""
    entries: list[TimelineEntry] = (
        [
            note_entry(line)
            for line in note_lines(session=session, person_id=person_id, newest=newest_notes)
        ]
        if newest_notes != 0
        else []
    )
    triage_notes = dict(
        session.exec(
            select(Referral.id, Referral.triage_note).where(
                Referral.person_id == person_id, col(Referral.triage_note).is_not(None)
            )
        ).all()
    )
    for r in person_referrals(session=session, person_id=person_id):
        entries.append(
            TimelineEntry(
                r.received_at,
                "referral",
                f"{r.reference} from {code_label(r.source, capitalised=False)}: {r.reason}",
            )
        )
        if r.triaged_at:
            priority, pathway = (
                code_label(r.priority, capitalised=False),
                code_label(r.pathway, capitalised=False),
            )
            entries.append(
                TimelineEntry(
                    r.triaged_at,
                    "triaged",
                    f"{r.reference} by {r.triaged_by}: {priority}, {pathway}",
                    detail=f"Triage note: {triage_notes[r.id]}" if r.id in triage_notes else "",
                )
            )
        for event in audit.history(session=session, entity="referral", entity_id=r.id):
            if event.action == "reopen_reason":
                reason = event.changes.get("reason", [None, ""])[1]
                entries.append(
                    TimelineEntry(event.at, "reopened", f"{r.reference} by {event.user}: {reason}")
                )
        if r.closed_at:
            outcome = (
                f": {code_label(r.close_outcome, capitalised=False)}" if r.close_outcome else ""
            )
            by = f" by {r.closed_by}" if r.closed_by else ""
            why = f" ({r.close_reason})" if r.close_reason else ""
            entries.append(
                TimelineEntry(r.closed_at, "closed", f"{r.reference} closed{by}{outcome}{why}")
            )
    entries.extend(transfer_entries(session=session, person_id=person_id))
    entries.extend(alert_entries(session=session, person_id=person_id))
    for a, w in session.exec(
        select(Allocation, Worker)
        .join(Worker, col(Worker.id) == Allocation.worker_id)
        .where(Allocation.person_id == person_id)
    ).all():
        over = f"Over the caseload limit because: {a.over_limit_reason}"
        entries.append(
            TimelineEntry(
                a.started_at,
                "allocated",
                f"to {w.display_name} ({a.weight} points)",
                detail=over if a.over_limit_reason else "",
            )
        )
        if a.ended_at:
            entries.append(
                TimelineEntry(a.ended_at, "ended", f"{w.display_name}: {a.end_reason or ''}")
            )
    for s in person_assessments(session=session, person_id=person_id):
        entries.append(
            TimelineEntry(
                s.signed_off_at or s.created_at,
                "assessment",
                f"{s.assessment_type} assessment {code_label(s.status, capitalised=False)}"
                f"{', eligible' if s.eligible else ''}",
                opens="assessment",
                opens_id=s.id,
            )
        )
    for v in plan_history(session=session, person_id=person_id):
        entries.append(
            TimelineEntry(
                v.created_at,
                "care plan",
                f"version {v.number}: {v.change_note}",
                opens="care plan",
            )
        )
    for e in person_episodes(session=session, person_id=person_id):
        start = datetime.combine(e.start_date, time(9), tzinfo=UTC)
        said = {
            "planned": "planned to start",
            "cancelled": f"cancelled before it started: {e.cancel_reason or ''}",
        }.get(e.state, "started")
        entries.append(
            TimelineEntry(
                start,
                "reablement",
                f"{e.episode_type} episode {said}",
                opens="reablement",
                opens_id=e.id,
            )
        )
        if e.ended_on:
            end = datetime.combine(e.ended_on, time(17), tzinfo=UTC)
            outcome = code_label(e.outcome, capitalised=False)
            entries.append(
                TimelineEntry(
                    end,
                    "reablement",
                    f"episode ended: {outcome}",
                    opens="reablement",
                    opens_id=e.id,
                )
            )
    for link in person_links(session=session, person_id=person_id, include_ended=True):
        other, role = link.other(person_id), link.role_of_other(person_id)
        said = f"carer {other.name}" if role == "carer" else f"cares for {other.name}"
        entries.append(
            TimelineEntry(datetime.combine(link.since, time(9), tzinfo=UTC), "carer", said)
        )
        if link.ended_on:
            entries.append(
                TimelineEntry(
                    datetime.combine(link.ended_on, time(17), tzinfo=UTC),
                    "carer",
                    f"{said}: ended, {link.end_reason or ''}",
                )
            )
    person = get_person(session=session, person_id=person_id)
    if person.date_of_death is not None:
        source = code_label(person.death_source, capitalised=False)
        entries.append(
            TimelineEntry(
                datetime.combine(person.date_of_death, time(0), tzinfo=UTC),
                "died",
                f"{person.name} died on {uk_date(person.date_of_death)}"
                + (f" (learnt from {source})" if source else ""),
            )
        )
    for event in audit.history(session=session, entity="person", entity_id=person_id):
        if event.action == VIEW:  # reading the record is no event in its history
            continue
        if event.action == "record_death":
            entries.append(TimelineEntry(event.at, "change", f"death recorded by {event.user}"))
            continue
        if event.action == COPY_ACTION:  # a copy of the plan for the person
            entries.append(
                TimelineEntry(event.at, "care plan", copy_made(event), opens="care plan")
            )
            continue
        if event.action == "break_glass":  # written by the team server's grant
            entries.append(
                TimelineEntry(
                    event.at,
                    "access",
                    f"opened outside their teams by {event.user} (break-glass): "
                    f"{event.changes.get('reason', '')}",
                )
            )
            continue
        if event.action == "withdraw_death":
            reason = event.changes.get("reason", [None, ""])[1]
            entries.append(
                TimelineEntry(event.at, "change", f"death withdrawn by {event.user}: {reason}")
            )
            continue
        fields = ", ".join(sorted(event.changes)) or "record"
        if event.action == "edit":  # a correction shows what it corrected
            fields = "; ".join(
                f"{code_label(name, capitalised=False)} {_shown(old, name)} → {_shown(new, name)}"
                for name, (old, new) in event.changes.items()
            )
        entries.append(
            TimelineEntry(event.at, "change", f"{event.action} by {event.user}: {fields}")
        )
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _shown(value: object, name: str = "") -> str:
    """An audited value of field `name` as the timeline shows it (a national field's code
    by its label)."""
    if name in PERSON_CODE_LISTS and isinstance(value, str):
        return code_label(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return uk_date(date.fromisoformat(value))
    return "none" if value in (None, "") else str(value)


def transfer_entries(*, session: Session, person_id: int) -> list[TimelineEntry]:
    """Each transfer of the person's referrals between teams: sent, then accepted or
    returned, with the reasons given."""
    teams = {t.id: t.code for t in session.exec(select(Team)).all()}
    entries = []
    for t, reference in session.exec(
        select(Transfer, Referral.reference)
        .join(Referral, col(Referral.id) == Transfer.referral_id)
        .where(Referral.person_id == person_id)
    ).all():
        to_team, from_team = teams.get(t.to_team_id, "?"), teams.get(t.from_team_id, "?")
        entries.append(
            TimelineEntry(
                t.sent_at, "transfer", f"{reference} sent to {to_team} by {t.sent_by}: {t.reason}"
            )
        )
        if t.decided_at is not None and t.state == "accepted":
            entries.append(
                TimelineEntry(t.decided_at, "transfer", f"{reference} accepted by {to_team}")
            )
        elif t.decided_at is not None:
            entries.append(
                TimelineEntry(
                    t.decided_at,
                    "transfer",
                    f"{reference} returned to {from_team} by {t.decided_by}: {t.return_reason}",
                )
            )
    return entries


def alert_entries(*, session: Session, person_id: int) -> list[TimelineEntry]:
    """Each alert raised on the person, and its removal, with the note and the reason."""
    entries = []
    for a in person_alerts(session=session, person_id=person_id, include_removed=True):
        entries.append(
            TimelineEntry(a.raised_at, "alert", f"{a.label} raised by {a.raised_by}: {a.note}")
        )
        if a.removed_at is not None:
            entries.append(
                TimelineEntry(
                    a.removed_at,
                    "alert",
                    f"{a.label} removed by {a.removed_by}: {a.removed_reason}",
                )
            )
    return entries


@dataclass(frozen=True)
class PersonRecord:
    """Everything the person screen shows, read in one session."""

    overview: PersonOverview
    timeline: Page[tuple[int, TimelineEntry]]  # its first page
    assessments: list[AssessmentSummary]
    plan: PlanView | None
    episodes: list[EpisodeSummary]
    carer_links: list[CarerLinkView] = field(default_factory=list)
    is_carer: bool = False
    # The record asked for, when it had been merged into this one (then shown instead).
    merged_from: int | None = None

    @property
    def person_id(self) -> int:
        return self.overview.person.id


def open_person_record(
    *, session: Session, person_id: int, timeline_limit: int, timeline_only: str = "all"
) -> PersonRecord:
    """A person's record as the person screen shows it: the first `timeline_limit`
    timeline entries (newest first), every assessment and episode, the plan and the
    carer links. A record merged into another opens as the one it was merged into."""
    asked = load_person(session=session, person_id=person_id)
    person = survivor_of(session=session, person=asked)
    assert person.id is not None
    person_id = person.id
    return PersonRecord(
        overview=person_overview(session=session, person_id=person_id),
        timeline=timeline_page(
            session=session, person_id=person_id, limit=timeline_limit, only=timeline_only
        ),
        assessments=person_assessments(session=session, person_id=person_id),
        plan=current_plan(session=session, person_id=person_id),
        episodes=person_episodes(session=session, person_id=person_id),
        carer_links=person_links(session=session, person_id=person_id),
        is_carer=is_carer(session=session, person=person),
        merged_from=asked.id if asked.id != person_id else None,
    )


def timeline_page(
    *,
    session: Session,
    person_id: int,
    after: Cursor | None = None,
    limit: int = 50,
    only: str = "all",
) -> Page[tuple[int, TimelineEntry]]:
    """A page of the person's timeline, newest first, each entry with its place in it,
    and how many entries there are; `only` names one of `TIMELINE_FILTERS`. The timeline
    is gathered from several tables and sorted here, so the cursor is the place of the
    last entry seen."""
    if only == "all":
        # A record can hold hundreds of notes: only those that can reach this page are
        # read (any entry among the first N is one of the N newest notes, or not a note).
        reach = limit if after is None else after[0] + 1 + limit
        entries = person_timeline(session=session, person_id=person_id, newest_notes=reach)
        page = page_of(entries, after=after, limit=limit)
        read = sum(1 for e in entries if e.opens == "note")
        held = read if read < reach else note_count(session=session, person_id=person_id)
        return Page(page.rows, len(entries) - read + held)
    entries = person_timeline(
        session=session, person_id=person_id, newest_notes=0 if only == "casework" else None
    )
    return page_of([e for e in entries if _kept(e, only)], after=after, limit=limit)


@cache
def _kind_words(kind: str) -> str:
    """A note's kind as the timeline's "What" column reads (one label per kind, once)."""
    return code_label(kind, capitalised=False)


def note_entry(line: NoteLine) -> TimelineEntry:
    """A case note as the timeline lists it: its kind, whom with, and its first line."""
    marks = ("significant · " if line.significant else "") + (
        f"{line.addenda} addend{'um' if line.addenda == 1 else 'a'} · " if line.addenda else ""
    )
    return TimelineEntry(
        line.contact_at,
        _kind_words(line.kind),
        f"{marks}with {contact_words(line.contact_with)} ({line.author}): {line.first_line}",
        opens="note",
        opens_id=line.id,
        significant=line.significant,
    )
