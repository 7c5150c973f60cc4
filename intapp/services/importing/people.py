"""Importing people: matched on NHS number, else local id; never duplicated."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, false, literal_column, select

from intapp import clock
from intapp.codes import RiskTier
from intapp.models import CarerLink, Person
from intapp.models.person import folded, name_key, name_keys
from intapp.services import carers
from intapp.services import people as rules
from intapp.services.errors import InvalidInput
from intapp.services.importing import columns as c
from intapp.services.importing.batch import AuditWriter
from intapp.services.importing.bulk import Copied, copy_allowed, reserve_ids, rows_where_in
from intapp.services.importing.plan import (
    FilePlan,
    Progress,
    Update,
    parsed_rows,
    write_new_rows,
    write_updates,
)
from intapp.services.importing.reading import SourceFile
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
        # The person this row's person cares for, in the file or already stored.
        c.Column("cares_for_nhs_number", normalise),
        c.Column("cares_for_local_id", max_length=_length("local_id")),
        # The national fields: a code or its national wording, in any case.
        *(c.Column(name, _national(name)) for name in rules.NATIONAL_FIELDS),
    )


def _national(name: str) -> c.Parser:
    def parse(value: str) -> str | None:
        return rules.checked_national(name, value)

    return parse


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
    cares_for_nhs_number: str | None
    cares_for_local_id: str | None
    ethnicity: str | None
    accommodation_status: str | None
    primary_support_reason: str | None
    client_type: str | None
    person_id: int | None = None
    # True when the row links this person as a carer (`_link_carers`); None leaves it be.
    is_carer: bool | None = None
    # The values sent to the database while the file was still being checked
    # (`EarlyPeople`), kept for the row's audit event; None until then.
    sent_early: tuple[Any, ...] | None = None


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
    "is_carer",
    *rules.NATIONAL_FIELDS,
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
    "is_carer",
    *rules.NATIONAL_FIELDS,
    "created_at",
    "given_name_key",
    "family_name_key",
    "given_name_folded",
    "family_name_folded",
)
# The same for every imported person, so written into the statement once.
CONSTANTS: dict[str, Any] = {
    **{flag: false() for flag in rules.COHORT_FLAGS},
    "version": literal_column("1"),
}

# What a "create" audit event records: every field an import file can set.
# (A carer's flag is not: the carer link's own "create" event records the link.)
AUDITED = frozenset({"nhs_number", *COMPARED}) - {"is_carer"}


@dataclass
class PeoplePlan(FilePlan):
    """People to create and update, and every valid row by identifier (for referrals)."""

    by_nhs: dict[str, PersonRow] = field(default_factory=dict)
    by_local: dict[str, PersonRow] = field(default_factory=dict)
    # Carer rows and whom they care for: a row of the same file, or a stored person's id.
    links: list[tuple[PersonRow, PersonRow | int]] = field(default_factory=list)


def plan_people(
    plan: PeoplePlan,
    *,
    connection: Connection,
    teams: dict[str, int],
    progress: Progress | None,
    early: EarlyPeople | None = None,
) -> PeoplePlan:
    """Check every row, then sort the valid ones into creates, updates and unchanged.

    With `early`, new people are sent to the database as they are checked (see
    `EarlyPeople`); the caller settles them once the plan is known.
    """
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
        if not _first_time_in_file(plan, row):
            return None
        if early is not None:
            early.offer(row)
        return row

    columns_ = columns(teams=teams, today=today)
    with early.sending() if early is not None else nullcontext():
        rows.extend(parsed_rows(plan, columns_, make, one_of=IDENTIFIERS, progress=progress))
    if plan.fatal:
        return plan
    rows = _link_carers(plan, rows, connection=connection)
    # The table was empty when the early writes began: what is in it now is this file.
    _sort_against_database(
        plan, rows, connection=connection, today=today, stored_known_empty=early is not None
    )
    _drop_links_to_rejected(plan, connection=connection)
    return plan


def _link_carers(
    plan: PeoplePlan, rows: list[PersonRow], *, connection: Connection
) -> list[PersonRow]:
    """Find whom each carer row cares for (by NHS number, else local id): a row of this
    file, else a stored person. A row naming nobody known is rejected, naming the column."""
    linking = [r for r in rows if r.cares_for_nhs_number or r.cares_for_local_id]
    if not linking:
        return rows
    stored_nhs, stored_local = _stored_targets(connection, plan, linking)
    rejected: set[int] = set()
    for row in linking:
        column = "cares_for_nhs_number" if row.cares_for_nhs_number else "cares_for_local_id"
        key = row.cares_for_nhs_number or row.cares_for_local_id
        in_file = (plan.by_nhs if column == "cares_for_nhs_number" else plan.by_local).get(key)  # type: ignore[arg-type]
        stored = (stored_nhs if column == "cares_for_nhs_number" else stored_local).get(key)  # type: ignore[arg-type]
        target: PersonRow | int | None = in_file if in_file is not None else stored
        what = "NHS number" if column == "cares_for_nhs_number" else "local id"
        if target is None:
            problem = f"no person with {what} {key} is in this file or already recorded"
        elif target is row:
            problem = "a person cannot be their own carer"
        else:
            problem = None
        if problem is not None:
            plan.reject(row.line, column, problem)
            _unindex(plan, row)
            rejected.add(row.line)
            continue
        assert target is not None
        row.is_carer = True
        plan.links.append((row, target))
    return [r for r in rows if r.line not in rejected]


def _stored_targets(
    connection: Connection, plan: PeoplePlan, linking: list[PersonRow]
) -> tuple[dict[str, int], dict[str, int]]:
    """Stored people (live, not merged) named as cared for and not in the file itself."""
    nhs = {r.cares_for_nhs_number for r in linking if r.cares_for_nhs_number} - set(plan.by_nhs)
    local = {
        r.cares_for_local_id for r in linking if r.cares_for_local_id and not r.cares_for_nhs_number
    } - set(plan.by_local)
    wanted = [PERSON.c.id, PERSON.c.nhs_number, PERSON.c.local_id, PERSON.c.merged_into_id]
    found = rows_where_in(connection, wanted, PERSON.c.nhs_number, nhs)
    found += rows_where_in(connection, wanted, PERSON.c.local_id, local)
    by_nhs = {r.nhs_number: r.merged_into_id or r.id for r in found if r.nhs_number in nhs}
    by_local = {r.local_id: r.merged_into_id or r.id for r in found if r.local_id in local}
    return by_nhs, by_local


def _drop_links_to_rejected(plan: PeoplePlan, *, connection: Connection) -> None:
    """A carer whose cared-for row was itself rejected cannot be linked, nor one matched
    to the very person it names, nor one where either has died (as in the app): reject it."""
    rejected = plan.rejected_lines
    died = _stored_deaths(connection, plan)
    for row, target in list(plan.links):
        if row.line in rejected:
            continue
        column = "cares_for_nhs_number" if row.cares_for_nhs_number else "cares_for_local_id"
        death = carers.death_refusal(
            "The carer" if _has_died(row, died) else None,
            "The person cared for" if _has_died(target, died) else None,
        )
        if isinstance(target, PersonRow) and target.line in rejected:
            problem = f"the person cared for, on line {target.line}, was not imported"
        elif target == row.person_id:
            problem = "a person cannot be their own carer"
        elif death is not None:
            problem = death
        else:
            continue
        plan.reject(row.line, column, problem)
        _unindex(plan, row)
        if row.person_id is None:
            plan.creates = [r for r in plan.creates if r is not row]
        else:
            plan.updates = [u for u in plan.updates if u.id != row.person_id]
    plan.links = [(r, t) for r, t in plan.links if r.line not in rejected]


def _stored_deaths(connection: Connection, plan: PeoplePlan) -> set[int]:
    """The stored people named by the planned links who have died."""
    ids = {row.person_id for row, _ in plan.links if row.person_id is not None}
    ids |= {t if isinstance(t, int) else t.person_id for _, t in plan.links} - {None}  # type: ignore[arg-type]
    found = rows_where_in(connection, [PERSON.c.id, PERSON.c.date_of_death], PERSON.c.id, ids)
    return {r.id for r in found if r.date_of_death is not None}


def _has_died(who: PersonRow | int, died: set[int]) -> bool:
    """A file row that gives a death or matches a stored person who died; a stored person."""
    if isinstance(who, int):
        return who in died
    return who.date_of_death is not None or who.person_id in died


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
    wanted = [PERSON.c[name] for name in (*FETCHED, "merged_into_id")]
    if len(plan.by_nhs) + len(plan.by_local) > WHOLE_TABLE_AT:
        found = [
            r
            for r in connection.execute(select(*wanted))
            if r.nhs_number in plan.by_nhs or r.local_id in plan.by_local
        ]
    else:
        found = rows_where_in(connection, wanted, PERSON.c.nhs_number, plan.by_nhs)
        found += rows_where_in(connection, wanted, PERSON.c.local_id, plan.by_local)
    # A merged record's identifier leads to the record it was merged into, as in the
    # referral import: a file never updates the pointer, nor links a carer to it.
    into = {r.merged_into_id for r in found if r.merged_into_id is not None}
    survivors = {r.id: r for r in rows_where_in(connection, wanted, PERSON.c.id, into)}
    live = [survivors.get(r.merged_into_id, r) for r in found]
    by_nhs = {r.nhs_number: s for r, s in zip(found, live, strict=True) if r.nhs_number}
    by_local = {r.local_id: s for r, s in zip(found, live, strict=True) if r.local_id}
    return by_nhs, by_local


def _sort_against_database(
    plan: PeoplePlan,
    rows: list[PersonRow],
    *,
    connection: Connection,
    today: date,
    stored_known_empty: bool = False,
) -> None:
    stored_by_nhs, stored_by_local = ({}, {}) if stored_known_empty else _existing(connection, plan)
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
        holder = stored_by_local.get(row.local_id) if row.local_id else None
        if holder is not None and holder.id == stored.id and stored.local_id != row.local_id:
            del changes["local_id"]  # matched through a merged record, which keeps that id
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
    """Insert the new people and apply the updates, each with its audit event.

    People already sent early (`EarlyPeople`) have their ids and rows; they get their
    audit events here like the rest.
    """
    waiting = [row for row in plan.creates if row.sent_early is None]
    ids = reserve_ids(connection, PERSON, len(waiting))
    for row, new_id in zip(waiting, ids, strict=True):
        row.person_id = new_id
    write_new_rows(
        connection,
        table=PERSON,
        columns=INSERTED,
        constants=CONSTANTS,
        audited=AUDITED,
        rows=plan.creates,
        values=lambda row: row.sent_early or _insert_values(row, now),
        audit=audit,
        progress=progress,
        stage="Writing people",
        already_written=lambda row: row.sent_early is not None,
    )
    write_updates(connection, PERSON, [_with_name_keys(u) for u in plan.updates])
    # The trail records what the file changed; the keys follow from the names.
    audit.updated((u.id, u.changes) for u in plan.updates)
    write_carer_links(connection, plan, audit=audit, now=now)


CARER_LINK: Table = CarerLink.__table__  # type: ignore[attr-defined]
LINK_INSERTED = ("carer_id", "cared_for_id", "since", "created_by", "created_at", "version")


def write_carer_links(
    connection: Connection, plan: PeoplePlan, *, audit: AuditWriter, now: datetime
) -> None:
    """Insert the links the file asks for, each audited; a link already open is left be."""
    pairs = []
    for row, target in plan.links:
        cared_for = target.person_id if isinstance(target, PersonRow) else target
        if row.person_id is not None and cared_for is not None and row.person_id != cared_for:
            pairs.append((row.person_id, cared_for))
    if not pairs:
        return
    carers_ = {carer for carer, _ in pairs}
    already = {
        (r.carer_id, r.cared_for_id)
        for r in rows_where_in(
            connection,
            [CARER_LINK.c.carer_id, CARER_LINK.c.cared_for_id, CARER_LINK.c.ended_on],
            CARER_LINK.c.carer_id,
            carers_,
        )
        if r.ended_on is None
    }
    new = sorted(set(pairs) - already)
    _at, user, _entity = audit.prefix
    links = AuditWriter(connection, at=now, user=user, entity="carer_link", batch_id=audit.batch_id)
    for carer, cared_for in new:
        link_id = connection.execute(
            CARER_LINK.insert().values(
                carer_id=carer,
                cared_for_id=cared_for,
                since=now.date(),
                created_by=user,
                created_at=now,
                version=1,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        links.created(
            [
                (
                    link_id,
                    json.dumps(
                        {
                            "carer_id": [None, carer],
                            "cared_for_id": [None, cared_for],
                            "since": [None, now.date().isoformat()],
                        }
                    ),
                    # A link is about two people; like the app's, its event names neither.
                    None,
                )
            ]
        )
    _mark_linked(connection, new, audit=audit)


def _mark_linked(
    connection: Connection, pairs: list[tuple[int, int]], *, audit: AuditWriter
) -> None:
    """Mark each new link's two people as the app's link does (`carers.LINK_MARKS`)."""
    wanted = {(carer, carers.LINK_MARKS[0]) for carer, _ in pairs}
    wanted |= {(cared_for, carers.LINK_MARKS[1]) for _, cared_for in pairs}
    columns = [PERSON.c.id, PERSON.c.version, *(PERSON.c[f] for f in carers.LINK_MARKS)]
    stored = {
        r.id: r for r in rows_where_in(connection, columns, PERSON.c.id, {i for i, _ in wanted})
    }
    changes: dict[int, dict[str, tuple[Any, Any]]] = {}
    for person_id, flag in sorted(wanted):
        if not getattr(stored[person_id], flag):
            changes.setdefault(person_id, {})[flag] = (False, True)
    updates = [Update(i, stored[i].version, c) for i, c in changes.items()]
    write_updates(connection, PERSON, updates)
    audit.updated((u.id, u.changes) for u in updates)


def _with_name_keys(update: Update) -> Update:
    """The update, plus the phonetic key of any name it changes (see `name_keys`)."""
    keys = {
        f"{name}_{kind}": (None, work_out(update.changes[name][1]))
        for name in ("given_name", "family_name")
        if name in update.changes
        for kind, work_out in (("key", name_key), ("folded", folded))
    }
    return Update(update.id, update.version, {**update.changes, **keys}) if keys else update


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
        bool(row.is_carer),
        row.ethnicity,
        row.accommodation_status,
        row.primary_support_reason,
        row.client_type,
        now,
        *name_keys(row.given_name, row.family_name).values(),
    )


class EarlyPeople:
    """New people sent to PostgreSQL while the rest of the file is still being checked.

    Checking a big file is this process's work and storing it is the server's: sending
    each new person as soon as nothing later in the file can change it lets the two run
    side by side, instead of the server waiting for the whole check. That holds for a
    row when the person table was empty as the import began (so no row can match a
    stored person), the row is the first with its identifiers (a later duplicate is the
    one refused) and it names nobody it cares for (whose row may yet be refused).

    Everything goes in behind a savepoint. `settle` keeps it when the file is written
    and every early row is one of the plan's creates; otherwise (problems that are not
    to be skipped, a dry run, anything unexpected) it takes it all back, and the write
    goes on as if nothing had been sent.
    """

    SAVEPOINT = "intapp_import_early"

    def __init__(self, connection: Connection, *, now: datetime, expected: int) -> None:
        self.connection = connection
        self.now = now
        connection.exec_driver_sql(f"SAVEPOINT {self.SAVEPOINT}")
        # At least one per row: the file's line count. Ids left over are never used.
        self.ids = iter(reserve_ids(connection, PERSON, expected))
        self.copy = Copied(connection, PERSON, list(INSERTED), CONSTANTS, frozenset())
        self.send: Callable[[Sequence[Any]], None] | None = None
        self.sent: list[PersonRow] = []

    @classmethod
    def start(
        cls, connection: Connection, *, source: SourceFile, now: datetime
    ) -> EarlyPeople | None:
        """Ready to send, when people can go in early here; else None."""
        expected = source.estimated_rows()  # 0 for a spreadsheet: not worth it there
        if expected == 0 or not copy_allowed(connection, PERSON):
            return None
        if connection.execute(select(PERSON.c.id).limit(1)).first() is not None:
            return None
        return cls(connection, now=now, expected=expected)

    @contextmanager
    def sending(self) -> Iterator[None]:
        """The COPY stays open for the block: nothing else may use the connection."""
        with self.copy.stream() as send:
            self.send = send
            try:
                yield
            finally:
                self.send = None

    def offer(self, row: PersonRow) -> None:
        """Send `row` now if nothing still to come can change it."""
        if self.send is None or row.cares_for_nhs_number or row.cares_for_local_id:
            return
        new_id = next(self.ids, None)
        if new_id is None:
            return
        row.person_id = new_id
        row.sent_early = _insert_values(row, self.now)
        self.send(row.sent_early)
        self.sent.append(row)

    def settle(self, plan: PeoplePlan, *, writing: bool) -> None:
        """Keep the early rows if the plan is `writing` and creates each of them; else
        take them back."""
        planned = {id(row) for row in plan.creates}
        if not (writing and all(id(row) in planned for row in self.sent)):
            self.connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {self.SAVEPOINT}")
            for row in self.sent:
                row.person_id = None
                row.sent_early = None
            self.sent = []
        self.connection.exec_driver_sql(f"RELEASE SAVEPOINT {self.SAVEPOINT}")
