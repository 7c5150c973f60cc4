"""Load a whole demo city into an empty database, fast, in one transaction.

Rows are plain dicts written with SQLAlchemy Core bulk inserts and ids assigned here,
so there is no ORM bookkeeping and no RETURNING round trip.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, text
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from intapp import clock
from intapp.config import load_settings
from intapp.demo.alerts import AlertMaker
from intapp.demo.cases import CaseMaker
from intapp.demo.notes import NoteMaker
from intapp.demo.organisation import build_organisation
from intapp.demo.people import MAX_PEOPLE, NationalFieldMaker, PeopleMaker
from intapp.demo.records import Batch
from intapp.demo.transfers import send_some_on
from intapp.models import (
    Allocation,
    Assessment,
    AuditEvent,
    CarePlan,
    CarePlanVersion,
    CarerLink,
    CaseNote,
    CaseNoteAddendum,
    GpPractice,
    Locality,
    Person,
    PersonAlert,
    ReablementEpisode,
    Referral,
    Team,
    Transfer,
    Worker,
)
from intapp.services.errors import DomainError, InvalidInput
from intapp.services.importing.bulk import Copied, Prepared, prepared_insert
from intapp.services.plan_actions import back_fill
from intapp.store.engine import big_sqlite_cache, refresh_statistics

Progress = Callable[[str, int], None]

PEOPLE_PER_CHUNK = 5_000
SQLITE_CACHE_KIB = 256 * 1024
NOT_EMPTY = (
    "This database already holds people; demo data goes into an empty database. "
    "Use a new file with --database-url."
)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


# Insert order within a chunk of people: every foreign key points at a row already written.
CASE_STAGES: tuple[tuple[str, Table, str], ...] = (
    ("referrals", _table(Referral), "referrals"),
    ("allocations", _table(Allocation), "allocations"),
    ("assessments", _table(Assessment), "assessments"),
    ("care plans", _table(CarePlan), "care_plans"),
    ("care plan versions", _table(CarePlanVersion), "plan_versions"),
    ("reablement episodes", _table(ReablementEpisode), "episodes"),
)
# Tables whose integer ids are assigned here rather than by the database.
ID_TABLES = [_table(m) for m in (Locality, Team, Worker, Person, Referral, Allocation)]
ID_TABLES += [_table(m) for m in (Assessment, CarePlan, CarePlanVersion, ReablementEpisode)]
ID_TABLES += [_table(m) for m in (CaseNote, CaseNoteAddendum)]


@dataclass(frozen=True)
class DemoCounts:
    """How many rows of each kind the demo load wrote."""

    localities: int
    teams: int
    practices: int
    workers: int
    people: int
    referrals: int
    allocations: int
    open_allocations: int
    assessments: int
    care_plans: int
    episodes: int
    alerts: int
    notes: int
    addenda: int


class _Writer:
    """Bulk inserts that count rows per stage and report progress.

    Each table's INSERT is compiled once, for the columns its rows hold, and run as the
    importer runs its own (`prepared_insert`): without SQLAlchemy's per-row parameter
    handling, most of the cost of a big load, and with COPY on PostgreSQL.
    """

    def __init__(self, connection: Connection, progress: Progress | None) -> None:
        self.connection = connection
        self.progress = progress
        self.done: dict[str, int] = {}
        self.prepared: dict[tuple[str, tuple[str, ...]], Prepared | Copied] = {}

    def write(self, stage: str, table: Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            names = tuple(rows[0])
            # Columns the rows leave to their defaults (a new row's version) take them here.
            defaults = tuple(
                (column.name, column.default.arg)
                for column in table.c
                if column.name not in names
                and isinstance(column.default, ScalarElementColumnDefault)
            )
            key = (table.name, names)
            if key not in self.prepared:
                columns = [*names, *(name for name, _ in defaults)]
                self.prepared[key] = prepared_insert(self.connection, table, columns)
            fixed = [value for _, value in defaults]
            self.prepared[key].run([*[row[name] for name in names], *fixed] for row in rows)
        self.done[stage] = self.done.get(stage, 0) + len(rows)
        if self.progress is not None:
            self.progress(stage, self.done[stage])


def load_demo(
    *, engine: Engine, people: int = 2000, seed: int = 7, progress: Progress | None = None
) -> DemoCounts:
    """Fill an empty, migrated database with a realistic, seeded demo city.

    The same seed and the same `clock.now()` give the same rows. `progress(stage, rows)`
    is called after each chunk with the rows written so far for that stage; the
    "people" stage ends at `people`.
    """
    if not 1 <= people <= MAX_PEOPLE:
        raise InvalidInput(f"Demo people must be between 1 and {MAX_PEOPLE:,}", field="people")
    rng = random.Random(seed)
    with engine.begin() as connection:
        if connection.execute(select(_table(Person).c.id).limit(1)).first() is not None:
            raise DomainError(NOT_EMPTY)
        with big_sqlite_cache(connection, SQLITE_CACHE_KIB):
            alerts = AlertMaker(seed, now=clock.now(), today=clock.today())
            counts = _load(
                connection, rng, people=people, progress=progress, alerts=alerts, seed=seed
            )
        connection.execute(
            _table(AuditEvent).insert(),
            {
                "at": clock.now(),
                "user": "demo",
                "entity": "database",
                "entity_id": "demo",
                "action": "demo_load",
                "changes": {**asdict(counts), "seed": seed},
            },
        )
    refresh_statistics(engine)
    return counts


def _load(
    connection: Connection,
    rng: random.Random,
    *,
    people: int,
    progress: Progress | None,
    alerts: AlertMaker,
    seed: int,
) -> DemoCounts:
    """Write every table, a chunk of people and their cases at a time."""
    writer = _Writer(connection, progress)
    today = clock.today()
    org = build_organisation(rng, worker_count=max(60, people // 333))
    writer.write("localities", _table(Locality), org.localities)
    writer.write("teams", _table(Team), org.teams)
    writer.write("practices", _table(GpPractice), org.practices)
    writer.write("workers", _table(Worker), org.workers)

    maker = PeopleMaker(rng, org, today=today, count=people)
    national = NationalFieldMaker(seed, today=today)
    notes = NoteMaker(seed, now=clock.now(), usernames=org.usernames)
    cases = CaseMaker(
        rng, org, now=clock.now(), today=today, settings=load_settings(), people=people
    )
    for first_id in range(1, people + 1, PEOPLE_PER_CHUNK):
        batch = Batch()
        chunk = maker.chunk(first_id, min(PEOPLE_PER_CHUNK, people + 1 - first_id))
        national.fill(chunk)
        for person in chunk:
            cases.person_history(person, batch)
        links = [carer_link(person) for person in chunk if person["cares_for_id"] is not None]
        for person in chunk:
            del person["cares_for_id"]  # the link is its own row
        writer.write("people", _table(Person), chunk)
        writer.write("carer links", _table(CarerLink), links)
        for stage, table, batch_field in CASE_STAGES:
            writer.write(stage, table, getattr(batch, batch_field))
        writer.write("alerts", _table(PersonAlert), alerts.alerts_for(chunk))
        notes.remember(chunk, batch.episodes)
        _write_notes(writer, notes, batch.allocations)
    # Open cases are weighed last, once every worker's caseload is known.
    open_allocations = cases.weigh_open_allocations()
    writer.write("allocations", _table(Allocation), open_allocations)
    _write_notes(writer, notes, open_allocations)
    send_some_on(
        connection, rng, referral=_table(Referral), transfer=_table(Transfer), teams=org.teams
    )
    # Each plan's current actions as rows, as saving a version makes them.
    back_fill(connection)

    if connection.dialect.name == "postgresql":
        _advance_sequences(connection)
    return DemoCounts(
        localities=len(org.localities),
        teams=len(org.teams),
        practices=len(org.practices),
        workers=len(org.workers),
        people=people,
        referrals=writer.done["referrals"],
        allocations=writer.done["allocations"],
        open_allocations=len(open_allocations),
        assessments=writer.done["assessments"],
        care_plans=writer.done["care plans"],
        episodes=writer.done["reablement episodes"],
        alerts=writer.done["alerts"],
        notes=writer.done.get("case notes", 0),
        addenda=writer.done.get("note addenda", 0),
    )


def _write_notes(writer: _Writer, notes: NoteMaker, allocations: list[dict[str, Any]]) -> None:
    """The case notes on these allocations, and their addenda after them."""
    rows, addenda = notes.notes_for(allocations)
    writer.write("case notes", _table(CaseNote), rows)
    writer.write("note addenda", _table(CaseNoteAddendum), addenda)


def carer_link(carer: dict[str, Any]) -> dict[str, Any]:
    """The link from a demo carer to the person they care for, since the carer was known."""
    return {
        "carer_id": carer["id"],
        "cared_for_id": carer["cares_for_id"],
        "since": carer["created_at"].date(),
        "created_by": "demo",
        "created_at": carer["created_at"],
        "version": 1,
    }


def _advance_sequences(connection: Connection) -> None:
    """Move PostgreSQL's id sequences past the ids written here, so later inserts work."""
    for table in ID_TABLES:
        name = table.name
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )
