"""Importing referrals: matched on referral_ref; the person must already be stored or be
in the people file imported alongside (the same file set)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, literal_column

from intapp.codes import (
    CaseOutcome,
    Priority,
    ReferralSource,
    ReferralStatus,
    RouteOfAccess,
    code_label,
)
from intapp.models import Person, Referral
from intapp.services import people as people_rules
from intapp.services import referrals as rules
from intapp.services.errors import InvalidInput
from intapp.services.importing import columns as c
from intapp.services.importing.batch import AuditWriter
from intapp.services.importing.bulk import reserve_ids, rows_where_in
from intapp.services.importing.people import PeoplePlan, PersonRow
from intapp.services.importing.plan import (
    FilePlan,
    Progress,
    Update,
    parsed_rows,
    write_new_rows,
    write_updates,
)
from intapp.services.nhs_number import normalise

REFERRAL: Table = Referral.__table__  # type: ignore[attr-defined]
PERSON: Table = Person.__table__  # type: ignore[attr-defined]
IDENTIFIERS = ("nhs_number", "local_id")


def _received_at(value: str) -> datetime:
    return rules.checked_received_at(c.date_time(value))


def _code_list(allowed: Any, field: str) -> c.Parser:
    return c.code_list(allowed, lambda value: rules.choice(value, allowed, field))


def columns(*, teams: dict[str, int]) -> tuple[c.Column, ...]:
    """The referrals columns, in template order."""
    length = REFERRAL.c.reference.type.length  # type: ignore[attr-defined]
    return (
        c.Column("referral_ref", max_length=length, required=True),
        c.Column("nhs_number", normalise),
        c.Column("local_id", max_length=PERSON.c.local_id.type.length),  # type: ignore[attr-defined]
        c.Column("received_at", _received_at, required=True),
        c.Column("source", _code_list(ReferralSource, "source"), required=True),
        c.Column("route_of_access", _code_list(RouteOfAccess, "route_of_access")),
        c.Column("reason", rules.checked_reason, required=True, multiline=True),
        c.Column("priority", _code_list(Priority, "priority")),
        c.Column("team_code", c.lookup(teams, normalise=str.upper, what="team"), required=True),
    )


@dataclass(slots=True)
class ReferralRow:
    """A valid referrals row, and the person it is for once resolved."""

    line: int
    reference: str
    nhs_number: str | None
    local_id: str | None
    received_at: datetime
    source: str
    route_of_access: str | None
    reason: str
    priority: str | None
    team_id: int
    person: int | PersonRow | None = None
    due_by: datetime | None = None
    is_rereferral: bool = False
    referral_id: int | None = None

    @property
    def person_id(self) -> int | None:
        return self.person if isinstance(self.person, int) else self.person.person_id  # type: ignore[union-attr]


COMPARED = ("received_at", "source", "route_of_access", "reason", "priority", "team_id")
FETCHED = (
    "id",
    "version",
    "reference",
    "person_id",
    "status",
    "due_by",
    "is_rereferral",
    *COMPARED,
)
INSERTED = (
    "id",
    "reference",
    "person_id",
    "team_id",
    "received_at",
    "source",
    "route_of_access",
    "reason",
    "priority",
    "due_by",
    "is_rereferral",
)
# Every imported referral arrives new: received, at version 1.
CONSTANTS: dict[str, Any] = {
    "status": literal_column(f"'{ReferralStatus.RECEIVED.value}'"),
    "version": literal_column("1"),
}
AUDITED = frozenset({"reference", "person_id", "due_by", "is_rereferral", *COMPARED})


def plan_referrals(
    plan: FilePlan,
    *,
    connection: Connection,
    teams: dict[str, int],
    people: PeoplePlan | None,
    progress: Progress | None,
) -> FilePlan:
    """Check every row, find each one's person, and sort into creates, updates, unchanged."""
    seen: dict[str, int] = {}

    def make(line: int, values: list[Any]) -> ReferralRow | None:
        row = ReferralRow(line, *values)
        try:
            people_rules.require_identifier(row.nhs_number, row.local_id)
        except InvalidInput as error:
            plan.reject(line, error.field or "", error.message)
            return None
        if row.reference in seen:
            plan.reject(
                line,
                "referral_ref",
                f"the same referral_ref is already on line {seen[row.reference]}",
            )
            return None
        seen[row.reference] = line
        return row

    rows = list(
        parsed_rows(plan, columns(teams=teams), make, one_of=IDENTIFIERS, progress=progress)
    )
    if plan.fatal:
        return plan
    stored_people = _stored_people(connection, rows)
    resolved = [row for row in rows if _resolve_person(plan, row, stored_people, people)]
    last_closed = _closed_cases(connection, {r.person_id for r in resolved if r.person_id})
    stored = {
        r.reference: r
        for r in rows_where_in(
            connection, [REFERRAL.c[n] for n in FETCHED], REFERRAL.c.reference, seen
        )
    }
    deceased = _deceased(connection, {r.person_id for r in resolved if r.person_id})
    for row in resolved:
        match = stored.get(row.reference)
        if match is None:
            if _refused_as_deceased(plan, row, deceased):
                continue
            _settle(row, row.priority or rules.provisional_priority(row.source), last_closed)
            plan.creates.append(row)
        else:
            _compare(plan, row, match, last_closed)
    return plan


def _resolve_person(
    plan: FilePlan,
    row: ReferralRow,
    stored_people: tuple[dict[str, int], dict[str, int]],
    people: PeoplePlan | None,
) -> bool:
    """Point the row at its person: stored, or in the people file of the same set."""
    stored_by_nhs, stored_by_local = stored_people
    by_nhs = _lookup(row.nhs_number, stored_by_nhs, people.by_nhs if people else {})
    by_local = _lookup(row.local_id, stored_by_local, people.by_local if people else {})
    if by_nhs is not None and by_local is not None and not _same(by_nhs, by_local):
        plan.reject(
            row.line, "local_id", "the NHS number and the local id belong to different people"
        )
        return False
    person = by_nhs if by_nhs is not None else by_local
    if person is None:
        given = " / ".join(x for x in (row.nhs_number, row.local_id) if x)
        plan.reject(
            row.line,
            "nhs_number" if row.nhs_number else "local_id",
            f"no person with {given} is stored or in the people file: "
            "import them first, or give their file with --people",
        )
        return False
    row.person = person.person_id if isinstance(person, PersonRow) and person.person_id else person
    return True


def _lookup(
    key: str | None, stored: dict[str, int], in_file: dict[str, PersonRow]
) -> int | PersonRow | None:
    if key is None:
        return None
    return stored.get(key) or in_file.get(key)


def _same(a: int | PersonRow, b: int | PersonRow) -> bool:
    a_id = a.person_id if isinstance(a, PersonRow) else a
    b_id = b.person_id if isinstance(b, PersonRow) else b
    return a is b if a_id is None or b_id is None else a_id == b_id


def _deceased(connection: Connection, person_ids: set[int]) -> dict[int, Any]:
    """The stored people among `person_ids` who have died: id -> (name, date of death)."""
    wanted = [PERSON.c.id, PERSON.c.given_name, PERSON.c.family_name, PERSON.c.date_of_death]
    return {
        r.id: (f"{r.given_name} {r.family_name}", r.date_of_death)
        for r in rows_where_in(connection, wanted, PERSON.c.id, person_ids)
        if r.date_of_death is not None
    }


def _refused_as_deceased(plan: FilePlan, row: ReferralRow, deceased: dict[int, Any]) -> bool:
    """Reject a new referral for someone who has died (stored, or so in the people file)."""
    person = row.person
    if isinstance(person, PersonRow):
        name, died = f"{person.given_name} {person.family_name}", person.date_of_death
    else:
        name, died = deceased.get(row.person_id or 0, ("", None))
    refusal = people_rules.deceased_refusal(name, died, "referred")
    if refusal is None:
        return False
    plan.reject(row.line, "nhs_number" if row.nhs_number else "local_id", refusal.message)
    return True


def _stored_people(
    connection: Connection, rows: list[ReferralRow]
) -> tuple[dict[str, int], dict[str, int]]:
    # A merged record's identifiers lead to the record it was merged into.
    live = func.coalesce(PERSON.c.merged_into_id, PERSON.c.id).label("id")
    wanted = [live, PERSON.c.nhs_number, PERSON.c.local_id]
    nhs = {r.nhs_number for r in rows if r.nhs_number}
    local = {r.local_id for r in rows if r.local_id}
    found = rows_where_in(connection, wanted, PERSON.c.nhs_number, nhs)
    found += rows_where_in(connection, wanted, PERSON.c.local_id, local)
    return (
        {r.nhs_number: r.id for r in found if r.nhs_number},
        {r.local_id: r.id for r in found if r.local_id},
    )


def _closed_cases(connection: Connection, person_ids: set[int]) -> dict[int, list[datetime]]:
    """Each stored person's case closing times, sorted, for the re-referral flag (a case
    closed by a death does not count, as in `is_rereferral`)."""
    closed: dict[int, list[datetime]] = {}
    rows = rows_where_in(
        connection,
        [REFERRAL.c.person_id, REFERRAL.c.closed_at, REFERRAL.c.close_outcome],
        REFERRAL.c.person_id,
        person_ids,
    )
    for person_id, closed_at, outcome in rows:
        if closed_at is not None and outcome != CaseOutcome.NFA_DECEASED:
            closed.setdefault(person_id, []).append(closed_at)
    for times in closed.values():
        times.sort()
    return closed


def _settle(row: ReferralRow, priority: str, last_closed: dict[int, list[datetime]]) -> None:
    """Fill in what a new or changed referral derives: priority, deadline, re-referral."""
    row.priority = priority
    row.route_of_access = row.route_of_access or RouteOfAccess.COMMUNITY_OTHER.value
    row.due_by = rules.response_due_by(priority=priority, received_at=row.received_at)
    times = last_closed.get(row.person_id or 0, [])
    earlier = bisect_right(times, row.received_at)
    row.is_rereferral = rules.closed_recently(
        times[earlier - 1] if earlier else None, row.received_at
    )


def _compare(
    plan: FilePlan, row: ReferralRow, match: Any, last_closed: dict[int, list[datetime]]
) -> None:
    if row.person_id != match.person_id:
        plan.reject(
            row.line,
            "nhs_number" if row.nhs_number else "local_id",
            f"referral {row.reference} is stored for a different person (person {match.person_id})",
        )
        return
    changes: dict[str, tuple[Any, Any]] = {
        name: (getattr(match, name), getattr(row, name))
        for name in COMPARED
        if getattr(row, name) is not None and getattr(row, name) != getattr(match, name)
    }
    if not changes:
        plan.unchanged += 1
        return
    if match.status != ReferralStatus.RECEIVED:
        plan.reject(
            row.line,
            next(iter(changes)),
            f"referral {row.reference} is already {code_label(match.status, capitalised=False)}: "
            "change it in the app, not by import",
        )
        return
    _settle(row, row.priority or match.priority, last_closed)
    for name, stored_value in (("due_by", match.due_by), ("is_rereferral", match.is_rereferral)):
        if getattr(row, name) != stored_value:
            changes[name] = (stored_value, getattr(row, name))
    plan.updates.append(Update(match.id, match.version, changes))


def write_referrals(
    connection: Connection, plan: FilePlan, *, audit: AuditWriter, progress: Progress | None = None
) -> None:
    """Insert the new referrals and apply the updates; people must be written first."""
    ids = reserve_ids(connection, REFERRAL, len(plan.creates))
    for row, new_id in zip(plan.creates, ids, strict=True):
        row.referral_id = new_id
    write_new_rows(
        connection,
        table=REFERRAL,
        columns=INSERTED,
        constants=CONSTANTS,
        audited=AUDITED,
        rows=plan.creates,
        values=_insert_values,
        audit=audit,
        progress=progress,
        stage="Writing referrals",
    )
    write_updates(connection, REFERRAL, plan.updates)
    audit.updated((u.id, u.changes) for u in plan.updates)


def _insert_values(r: ReferralRow) -> tuple[Any, ...]:
    return (
        r.referral_id,
        r.reference,
        r.person_id,
        r.team_id,
        r.received_at,
        r.source,
        r.route_of_access,
        r.reason,
        r.priority,
        r.due_by,
        r.is_rereferral,
    )
