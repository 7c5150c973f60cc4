"""Localities, teams and workers: setting up the organisation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from intapp.access import require_for
from intapp.codes import Profession
from intapp.config import load_settings
from intapp.models import Locality, Team, Worker
from intapp.services import audit, bounds
from intapp.services.errors import InvalidInput, NotFound, check_version


@dataclass(frozen=True)
class TeamSummary:
    """A team and its locality."""

    id: int
    code: str
    name: str
    locality: str
    population: int


def add_locality(*, session: Session, user: str, name: str) -> int:
    """Add a locality (or return the existing one's id)."""
    require_for(session, "manage_workers")
    name = name.strip()
    if not name:
        raise InvalidInput("Locality name is required", field="locality")
    existing = session.exec(select(Locality).where(Locality.name == name)).first()
    if existing is not None:
        return existing.id  # type: ignore[return-value]
    locality = Locality(name=name)
    audit.save_create(session=session, user=user, row=locality)
    return locality.id  # type: ignore[return-value]


def add_team(
    *, session: Session, user: str, code: str, name: str, locality: str, population: int = 0
) -> TeamSummary:
    """Add a neighbourhood team to a locality."""
    require_for(session, "manage_workers")
    code = code.strip().upper()
    if not code:
        raise InvalidInput("Team code is required", field="team_code")
    if session.exec(select(Team).where(Team.code == code)).first() is not None:
        raise InvalidInput(f"Team {code} already exists", field="team_code")
    if population < 0:
        raise InvalidInput("Population cannot be negative", field="population")
    locality_id = add_locality(session=session, user=user, name=locality)
    team = Team(code=code, name=name.strip(), locality_id=locality_id, population=population)
    audit.save_create(session=session, user=user, row=team)
    return TeamSummary(team.id, team.code, team.name, locality.strip(), team.population)  # type: ignore[arg-type]


def list_teams(*, session: Session) -> list[TeamSummary]:
    """Every team, by locality then code."""
    rows = session.exec(
        select(Team, Locality)
        .join(Locality, col(Locality.id) == Team.locality_id)
        .order_by(col(Locality.name), col(Team.code))
    ).all()
    return [
        TeamSummary(t.id, t.code, t.name, loc.name, t.population)  # type: ignore[arg-type]
        for t, loc in rows
    ]


def team_by_code(*, session: Session, code: str) -> TeamSummary:
    """The team with a code, or `NotFound`."""
    for team in list_teams(session=session):
        if team.code == code.strip().upper():
            return team
    raise NotFound(f"There is no team with code {code!r}")


def checked_profession(value: str) -> str:
    """One of the professions a worker can have."""
    if value not in set(Profession):
        raise InvalidInput(
            f"Profession must be one of: {', '.join(Profession)}", field="profession"
        )
    return value


def checked_fte(fte: float) -> float:
    """A full-time equivalent: more than 0 and at most 1.5."""
    if not 0 < fte <= 1.5:
        raise InvalidInput("FTE must be more than 0 and at most 1.5", field="fte")
    return fte


def caseload_limit_for(fte: float, caseload_limit: int | None = None) -> int:
    """The limit given, else 100 points per full-time post; never negative."""
    limit = (
        round(load_settings().limit_points_per_fte * fte)
        if caseload_limit is None
        else caseload_limit
    )
    if limit < 0:
        raise InvalidInput("Caseload limit cannot be negative", field="caseload_limit")
    return limit


_WORKER = Worker.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class WorkerSummary:
    """A worker as an editor sees them, with the version an edit must name."""

    id: int
    staff_id: str
    given_name: str
    family_name: str
    profession: str
    team_id: int
    fte: float
    caseload_limit: int
    email: str | None
    active: bool
    version: int


def _summarise_worker(worker: Worker) -> WorkerSummary:
    assert worker.id is not None
    return WorkerSummary(
        id=worker.id,
        staff_id=worker.staff_id,
        given_name=worker.given_name,
        family_name=worker.family_name,
        profession=worker.profession,
        team_id=worker.team_id,
        fte=worker.fte,
        caseload_limit=worker.caseload_limit,
        email=worker.email,
        active=worker.active,
        version=worker.version,
    )


def _checked_worker(
    *,
    session: Session,
    given_name: str,
    family_name: str,
    profession: str,
    team_id: int,
    fte: float,
    email: str | None,
) -> tuple[str, str]:
    """The trimmed names, once the names, email, profession, FTE and team pass the rules."""
    if not given_name.strip() or not family_name.strip():
        raise InvalidInput("Worker's given and family names are required", field="name")
    for value, name, label in (
        (given_name, "given_name", "Given name"),
        (family_name, "family_name", "Family name"),
        (email or "", "email", "Email"),
    ):
        bounds.checked_length(
            value.strip(), bounds.column_length(_WORKER, name), field=name, label=label
        )
    checked_profession(profession)
    checked_fte(fte)
    if session.get(Team, team_id) is None:
        raise InvalidInput(f"There is no team with id {team_id}", field="team")
    return given_name.strip(), family_name.strip()


def add_worker(
    *,
    session: Session,
    user: str,
    staff_id: str,
    given_name: str,
    family_name: str,
    profession: str,
    team_id: int,
    fte: float = 1.0,
    caseload_limit: int | None = None,
    email: str | None = None,
) -> int:
    """Add a worker; their limit defaults to 100 points per full-time post."""
    require_for(session, "manage_workers")
    if not staff_id.strip():
        raise InvalidInput("Staff id is required", field="staff_id")
    given_name, family_name = _checked_worker(
        session=session,
        given_name=given_name,
        family_name=family_name,
        profession=profession,
        team_id=team_id,
        fte=fte,
        email=email,
    )
    bounds.checked_length(
        staff_id.strip(),
        bounds.column_length(_WORKER, "staff_id"),
        field="staff_id",
        label="Staff id",
    )
    limit = caseload_limit_for(fte, caseload_limit)
    if session.exec(select(Worker).where(Worker.staff_id == staff_id.strip())).first():
        raise InvalidInput(f"Staff id {staff_id} is already in use", field="staff_id")
    worker = Worker(
        staff_id=staff_id.strip(),
        given_name=given_name,
        family_name=family_name,
        profession=profession,
        team_id=team_id,
        fte=fte,
        caseload_limit=limit,
        email=email,
    )
    audit.save_create(session=session, user=user, row=worker)
    return worker.id  # type: ignore[return-value]


def get_worker(*, session: Session, worker_id: int) -> WorkerSummary:
    """One worker, or `NotFound`."""
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(f"There is no worker with id {worker_id}")
    return _summarise_worker(worker)


def update_worker(
    *,
    session: Session,
    user: str,
    worker_id: int,
    expected_version: int,
    given_name: str,
    family_name: str,
    profession: str,
    team_id: int,
    fte: float,
    caseload_limit: int,
    email: str | None = None,
    active: bool = True,
) -> WorkerSummary:
    """Change a worker's details (a move of team, new hours, leaving), audited.

    `expected_version` is the version the editor saw; a later one is a `Conflict`.
    """
    require_for(session, "manage_workers")
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(f"There is no worker with id {worker_id}")
    check_version("worker", worker.version, expected_version)
    given_name, family_name = _checked_worker(
        session=session,
        given_name=given_name,
        family_name=family_name,
        profession=profession,
        team_id=team_id,
        fte=fte,
        email=email,
    )
    if worker.active and not active:
        # Leaving through the editor hands over like `absences.worker_leaves`.
        from intapp.services.plan_handover import hand_over

        hand_over(session=session, user=user, worker=worker)
    before = audit.snapshot(worker)
    worker.given_name, worker.family_name = given_name, family_name
    worker.profession, worker.team_id, worker.fte = profession, team_id, fte
    worker.caseload_limit = caseload_limit_for(fte, caseload_limit)
    worker.email, worker.active = email, active
    audit.save_update(session=session, user=user, row=worker, before=before)
    return _summarise_worker(worker)
