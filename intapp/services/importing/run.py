"""Running an import: check every row of every file, then write all of it or none of it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from intapp import clock
from intapp.access import require_for
from intapp.services.errors import Conflict, InvalidInput
from intapp.services.importing.batch import AuditWriter, record_batch
from intapp.services.importing.bulk import StaleRows
from intapp.services.importing.columns import Problem
from intapp.services.importing.people import (
    EarlyPeople,
    PeoplePlan,
    plan_people,
    write_people,
)
from intapp.services.importing.plan import FilePlan, Progress
from intapp.services.importing.reading import SourceFile
from intapp.services.importing.referrals import plan_referrals, write_referrals
from intapp.services.importing.workers import plan_workers, write_workers
from intapp.services.organisation import list_teams
from intapp.store.engine import big_sqlite_cache

KINDS = ("people", "workers", "referrals")
# The audit trail names each kind by its table.
ENTITY = {"people": "person", "workers": "worker", "referrals": "referral"}


@dataclass(frozen=True)
class FileOutcome:
    """What happened (or, on a dry run or a refusal, would have happened) to one file."""

    kind: str
    file_name: str
    sha256: str
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    problems: list[Problem]
    rejected_lines: frozenset[int]
    # The file could not be imported at all: unreadable, or a wrong header.
    unreadable: bool
    # The import record, when the file was written.
    batch_id: int | None


@dataclass(frozen=True)
class ImportOutcome:
    """The result of `import_records`: one outcome per file, people first."""

    files: list[FileOutcome]
    written: bool
    dry_run: bool

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]


def import_records(
    *,
    session: Session,
    user: str,
    kind: str,
    source: SourceFile,
    people: SourceFile | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Import people, workers or referrals from a CSV or XLSX file, in one transaction.

    Every row of every file is checked before anything is written. With problems and
    without `skip_invalid` nothing is written; with it, the valid rows are. `people` is
    a people file imported first, in the same transaction, whose people the referrals
    may refer to (the "same file set"). Each file written gets an import record, and
    every row it creates or changes gets an audit event pointing at that record.
    """
    require_for(session, "import")
    if kind not in KINDS:
        raise InvalidInput(f"Import what? Choose one of: {', '.join(KINDS)}", field="kind")
    if people is not None and kind != "referrals":
        raise InvalidInput("A people file can only go alongside a referrals file", field="people")
    with _collector_paused():
        return _import(
            session=session,
            user=user,
            kind=kind,
            source=source,
            people=people,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            progress=progress,
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import holds many new objects.

    With hundreds of thousands of rows alive at once, repeated collection passes
    over them cost more than the parsing itself; nothing here builds reference cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(
    *,
    session: Session,
    user: str,
    kind: str,
    source: SourceFile,
    people: SourceFile | None,
    skip_invalid: bool,
    dry_run: bool,
    progress: Progress | None,
) -> ImportOutcome:
    connection = session.connection()
    now = clock.now()
    teams = {team.code: team.id for team in list_teams(session=session)}
    people_plan: PeoplePlan | None = None
    plans: list[FilePlan] = []
    early: EarlyPeople | None = None
    if people is not None:
        people_plan = plan_people(
            PeoplePlan("people", people), connection=connection, teams=teams, progress=progress
        )
        plans.append(people_plan)
    if kind == "people":
        if not dry_run:
            early = EarlyPeople.start(connection, source=source, now=now)
        people_plan = PeoplePlan(kind, source)
        with _conflicts_reported():
            plan_people(
                people_plan, connection=connection, teams=teams, progress=progress, early=early
            )
        plans.append(people_plan)
    elif kind == "workers":
        plans.append(
            plan_workers(
                FilePlan(kind, source), connection=connection, teams=teams, progress=progress
            )
        )
    else:
        plans.append(
            plan_referrals(
                FilePlan(kind, source),
                connection=connection,
                teams=teams,
                people=people_plan,
                progress=progress,
            )
        )
    unreadable = any(plan.fatal for plan in plans)
    refused = any(plan.problems for plan in plans) and not skip_invalid
    batch_ids: dict[int, int] = {}
    writing = not (dry_run or unreadable or refused)
    if early is not None and people_plan is not None:
        early.settle(people_plan, writing=writing)
    if writing:
        batch_ids = _write(connection, plans, user=user, progress=progress, now=now)
    return ImportOutcome(
        files=[_outcome(plan, batch_ids.get(id(plan))) for plan in plans],
        written=bool(batch_ids),
        dry_run=dry_run,
    )


def _write(
    connection: Connection,
    plans: list[FilePlan],
    *,
    user: str,
    progress: Progress | None,
    now: datetime,
) -> dict[int, int]:
    batch_ids: dict[int, int] = {}
    with _conflicts_reported(), big_sqlite_cache(connection):
        _write_files(connection, plans, batch_ids, now=now, user=user, progress=progress)
    return batch_ids


@contextmanager
def _conflicts_reported() -> Iterator[None]:
    try:
        yield
    except (IntegrityError, StaleRows) as error:
        # Someone else stored the same NHS number, staff id or reference meanwhile, or
        # changed a record this import read and was about to update.
        raise Conflict(
            "Another change to the same records was saved while this import ran, so "
            "nothing was imported. Run the import again."
        ) from error


def _write_files(
    connection: Connection,
    plans: list[FilePlan],
    batch_ids: dict[int, int],
    *,
    now: datetime,
    user: str,
    progress: Progress | None,
) -> None:
    for plan in plans:
        batch_id = record_batch(
            connection,
            at=now,
            user=user,
            kind=plan.kind,
            file_name=plan.source.name,
            sha256=plan.source.sha256,
            counts=plan.counts,
        )
        batch_ids[id(plan)] = batch_id
        audit = AuditWriter(
            connection, at=now, user=user, entity=ENTITY[plan.kind], batch_id=batch_id
        )
        if isinstance(plan, PeoplePlan):
            write_people(connection, plan, audit=audit, now=now, progress=progress)
        elif plan.kind == "workers":
            write_workers(connection, plan, audit=audit, progress=progress)
        else:
            write_referrals(connection, plan, audit=audit, progress=progress)


def _outcome(plan: FilePlan, batch_id: int | None) -> FileOutcome:
    counts = plan.counts
    return FileOutcome(
        kind=plan.kind,
        file_name=plan.source.name,
        sha256=plan.source.sha256,
        rows_read=counts.rows_read,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=counts.rejected,
        problems=sorted(plan.problems, key=lambda p: p.line),
        rejected_lines=frozenset(plan.rejected_lines),
        unreadable=plan.fatal,
        batch_id=batch_id,
    )
