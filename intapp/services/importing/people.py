"""Importing people: matched on NHS number, else local id; never duplicated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, false, literal_column, select

from intapp import clock
from intapp.codes import RiskTier
from intapp.models import Person
from intapp.services import people as rules
from intapp.services.errors import InvalidInput
from intapp.services.importing import columns as c
from intapp.services.importing.batch import AuditWriter
from intapp.services.importing.bulk import reserve_ids, rows_where_in
from intapp.services.importing.plan import (
    FilePlan,
    Progress,
    Update,
    parsed_rows,
    write_new_rows,
    write_updates,
)
from intapp.services.nhs_number import normalise

PERSON: Table = Person.__table__  # type: ignore[attr-defined]
IDENTIFIERS = ("nhs_number", "local_id")
# Above this many identifiers in a file, reading the whole table once beats asking in chunks.
WHOLE_TABLE_AT = 20_000


def _length(name: str) -> int | None:
    return getattr(PERSON.c[name].type, "length", None)


def columns(*, teams: dict[str, int], today: date) -> tuple[c.Column, ...]:
    """The people columns, in template order; `teams` maps team codes to ids."""

    def birth_date(value: str) -> date:
        return rules.checked_birth_date(c.uk_or_iso_date(value), today=today)

    return (
        c.Column("nhs_number", normalise),
        c.Column("local_id", max_length=_length("local_id")),
        c.Column("given_name", max_length=_length("given_name"), required=True),
        c.Column("family_name", max_length=_length("family_name"), required=True),
        c.Column("date_of_birth", birth_date, required=True),
        c.Column("gender", max_length=_length("gender")),
        c.Column("postcode", max_length=_length("postcode")),
        c.Column("gp_practice_code", max_length=_length("gp_practice_code")),
        c.Column("team_code", c.lookup(teams, normalise=str.upper, what="team"), required=True),
        c.Column("risk_tier", c.code_list(RiskTier, rules.checked_risk_tier)),
        c.Column("phone", max_length=_length("phone")),
        c.Column("has_unpaid_carer", c.yes_no),
        c.Column("date_of_death", c.uk_or_iso_date),
    )


@dataclass(slots=True)
class PersonRow:
    """A valid people row; `person_id` is filled in once it is matched or written."""

    line: int
    nhs_number: str | None
    local_id: str | None
    given_name: str
    family_name: str
    date_of_birth: date
    gender: str | None
    postcode: str | None
    gp_practice_code: str | None
    team_id: int
    risk_tier: str | None
    phone: str | None
    has_unpaid_carer: bool | None
    date_of_death: date | None
    person_id: int | None = None


# Fields a matching row may change, as (PersonRow attribute = Person column).
COMPARED = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "postcode",
    "gp_practice_code",
    "team_id",
    "risk_tier",
    "phone",
    "has_unpaid_carer",
    "date_of_death",
    "local_id",
)
FETCHED = ("id", "version", "nhs_number", *COMPARED)
INSERTED = (
    "id",
    "nhs_number",
    "local_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "postcode",
    "gp_practice_code",
    "phone",
    "team_id",
    "risk_tier",
    "has_unpaid_carer",
    "date_of_death",
    "created_at",
)
# The same for every imported person, so written into the statement once.
CONSTANTS: dict[str, Any] = {
    **{flag: false() for flag in rules.COHORT_FLAGS},
    "is_carer": false(),
    "version": literal_column("1"),
}

# What a "create" audit event records: every field an import file can set.
AUDITED = frozenset({"nhs_number", *COMPARED})


@dataclass
class PeoplePlan(FilePlan):
    """People to create and update, and every valid row by identifier (for referrals)."""

    by_nhs: dict[str, PersonRow] = field(default_factory=dict)
    by_local: dict[str, PersonRow] = field(default_factory=dict)


def plan_people(
    plan: PeoplePlan, *, connection: Connection, teams: dict[str, int], progress: Progress | None
) -> PeoplePlan:
    """Check every row, then sort the valid ones into creates, updates and unchanged."""
    today = clock.today()
    rows: list[PersonRow] = []

    def make(line: int, values: list[Any]) -> PersonRow | None:
        row = PersonRow(line, *values)
        if row.postcode is not None:
            row.postcode = rules.tidy_postcode(row.postcode)
        # The shared rules are called only when they could refuse: this runs per row.
        try:
            if row.nhs_number is None and row.local_id is None:
                rules.require_identifier(row.nhs_number, row.local_id)
            if row.date_of_death is not None:
                rules.checked_death_date(row.date_of_death, born=row.date_of_birth, today=today)
        except InvalidInput as error:
            plan.reject(line, error.field or "", error.message)
            return None
        return row if _first_time_in_file(plan, row) else None

    columns_ = columns(teams=teams, today=today)
    rows.extend(parsed_rows(plan, columns_, make, one_of=IDENTIFIERS, progress=progress))
    if plan.fatal:
        return plan
    _sort_against_database(plan, rows, connection=connection, today=today)
    return plan


def _first_time_in_file(plan: PeoplePlan, row: PersonRow) -> bool:
    """Refuse a second row for the same NHS number or local id; index the first."""
    nhs, local = row.nhs_number, row.local_id
    by_nhs, by_local = plan.by_nhs, plan.by_local
    if nhs is not None and nhs in by_nhs:
        earlier = by_nhs[nhs].line
        plan.reject(row.line, "nhs_number", f"the same NHS number is already on line {earlier}")
        return False
    if local is not None and local in by_local:
        earlier = by_local[local].line
        plan.reject(row.line, "local_id", f"the same local id is already on line {earlier}")
        return False
    if nhs is not None:
        by_nhs[nhs] = row
    if local is not None:
        by_local[local] = row
    return True


def _existing(connection: Connection, plan: PeoplePlan) -> tuple[dict[str, Any], dict[str, Any]]:
    """People already stored who share an NHS number or local id with the file."""
    if connection.execute(select(PERSON.c.id).limit(1)).first() is None:
        return {}, {}
    wanted = [PERSON.c[name] for name in FETCHED]
    if len(plan.by_nhs) + len(plan.by_local) > WHOLE_TABLE_AT:
        found = [
            r
            for r in connection.execute(select(*wanted))
            if r.nhs_number in plan.by_nhs or r.local_id in plan.by_local
        ]
    else:
        found = rows_where_in(connection, wanted, PERSON.c.nhs_number, plan.by_nhs)
        found += rows_where_in(connection, wanted, PERSON.c.local_id, plan.by_local)
    by_nhs = {r.nhs_number: r for r in found if r.nhs_number is not None}
    by_local = {r.local_id: r for r in found if r.local_id is not None}
    return by_nhs, by_local


def _sort_against_database(
    plan: PeoplePlan, rows: list[PersonRow], *, connection: Connection, today: date
) -> None:
    stored_by_nhs, stored_by_local = _existing(connection, plan)
    claimed: dict[int, int] = {}
    for row in rows:
        stored = stored_by_nhs.get(row.nhs_number) if row.nhs_number else None
        if stored is None and row.local_id:
            stored = stored_by_local.get(row.local_id)
            if stored is not None and row.nhs_number and stored.nhs_number:
                error = rules.contradicting_nhs_number(
                    row.local_id, stored.nhs_number, row.nhs_number
                )
                _unindex(plan, row)
                plan.reject(row.line, "nhs_number", error.message)
                continue
        if stored is None:
            plan.creates.append(row)
            continue
        problem = _problem_with_match(row, stored, stored_by_local, claimed, today)
        if problem is not None:
            _unindex(plan, row)
            plan.reject(row.line, *problem)
            continue
        claimed[stored.id] = row.line
        row.person_id = stored.id
        changes = {
            name: (getattr(stored, name), getattr(row, name))
            for name in COMPARED
            if getattr(row, name) is not None and getattr(row, name) != getattr(stored, name)
        }
        if row.nhs_number and stored.nhs_number is None:
            changes["nhs_number"] = (None, row.nhs_number)
        if changes:
            plan.updates.append(Update(stored.id, stored.version, changes))
        else:
            plan.unchanged += 1


def _problem_with_match(
    row: PersonRow,
    stored: Any,
    stored_by_local: dict[str, Any],
    claimed: dict[int, int],
    today: date,
) -> tuple[str, str] | None:
    if stored.id in claimed:
        return (
            "nhs_number" if row.nhs_number else "local_id",
            f"this is the same person as line {claimed[stored.id]} (person {stored.id})",
        )
    if row.local_id and row.local_id != stored.local_id:
        holder = stored_by_local.get(row.local_id)
        if holder is not None and holder.id != stored.id:
            return "local_id", rules.identifier_taken("local_id", row.local_id, holder.id).message
    try:
        # The row may set the birth or the death alone; the pair must still make sense.
        born = row.date_of_birth or stored.date_of_birth
        rules.checked_death_date(row.date_of_death or stored.date_of_death, born=born, today=today)
    except InvalidInput as error:
        return error.field or "date_of_death", error.message
    return None


def _unindex(plan: PeoplePlan, row: PersonRow) -> None:
    """A rejected row cannot be the person a referral in the same file set points at."""
    if row.nhs_number is not None and plan.by_nhs.get(row.nhs_number) is row:
        del plan.by_nhs[row.nhs_number]
    if row.local_id is not None and plan.by_local.get(row.local_id) is row:
        del plan.by_local[row.local_id]


def write_people(
    connection: Connection,
    plan: PeoplePlan,
    *,
    audit: AuditWriter,
    now: datetime,
    progress: Progress | None = None,
) -> None:
    """Insert the new people and apply the updates, each with its audit event."""
    ids = reserve_ids(connection, PERSON, len(plan.creates))
    for row, new_id in zip(plan.creates, ids, strict=True):
        row.person_id = new_id
    write_new_rows(
        connection,
        table=PERSON,
        columns=INSERTED,
        constants=CONSTANTS,
        audited=AUDITED,
        rows=plan.creates,
        values=lambda row: _insert_values(row, now),
        audit=audit,
        progress=progress,
        stage="Writing people",
    )
    write_updates(connection, PERSON, plan.updates)
    audit.updated((u.id, u.changes) for u in plan.updates)


def _insert_values(row: PersonRow, now: datetime) -> tuple[Any, ...]:
    return (
        row.person_id,
        row.nhs_number,
        row.local_id,
        row.given_name,
        row.family_name,
        row.date_of_birth,
        row.gender,
        row.postcode,
        row.gp_practice_code,
        row.phone,
        row.team_id,
        row.risk_tier or RiskTier.LOW.value,
        bool(row.has_unpaid_carer),
        row.date_of_death,
        now,
    )
