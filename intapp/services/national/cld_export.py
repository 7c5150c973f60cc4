"""`intapp export cld`: a quarter's CLD file, checked, private and audited.

The file holds NHS numbers, so it is written readable by its owner alone (0600), never
over an existing file unless asked, and recorded in the audit trail before it exists (if
the record cannot be kept, neither is the file). Its validation report is saved beside it
as ``PATH.problems.csv`` (row, column, problem), on the same terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from intapp import paths
from intapp.access import require_for
from intapp.config import load_settings
from intapp.services.errors import InvalidInput
from intapp.services.national.cld import cld_events
from intapp.services.national.cld_file import Problem, cld_file, render_problems
from intapp.services.national.period import Period, parse_quarter
from intapp.services.report_scope import report_scope
from intapp.services.views import record_export, written

AUDIT_ENTITY = "cld_extract"
MAX_LA_CODE = 10


class CldProblems(InvalidInput):
    """The file has problems and `strict` was asked: nothing was written."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message, field="strict")
        self.problems = problems


class CldFileExists(InvalidInput):
    """The file (or its report) exists already, and replacing it was not asked."""


@dataclass(frozen=True)
class CldExport:
    """What was written: the quarter, the scope, how many rows and problems, where."""

    period: Period
    scope: str
    rows: int
    problems: list[Problem]
    path: Path
    problems_path: Path


def problems_path_for(path: Path) -> Path:
    """Where the validation report of the file at `path` is saved."""
    return path.with_name(path.name + ".problems.csv")


def export_cld(
    *,
    session: Session,
    user: str,
    quarter: str,
    path: Path,
    team_code: str | None = None,
    locality: str | None = None,
    la_code: str | None = None,
    strict: bool = False,
    replace: bool = False,
) -> CldExport:
    """Check and save the CLD events of `quarter` (e.g. ``2026-Q3``) for a team, a
    locality or the whole city (a member of staff's own teams only) to `path`.

    With `strict`, a file with problems is refused (`CldProblems`, nothing written);
    otherwise it is written and the problems are reported beside it. The export is
    audited in the caller's transaction. `la_code` defaults to the `la_code` setting."""
    require_for(session, "export_returns")
    if team_code and locality:
        raise InvalidInput("Choose a team or a locality, not both", field="team")
    # The council's code: as given, else the `la_code` setting.
    la_code = (la_code if la_code is not None else load_settings().la_code or "").strip()
    if len(la_code) > MAX_LA_CODE:
        raise InvalidInput(
            f"The council's code is at most {MAX_LA_CODE} characters", field="la_code"
        )
    period = parse_quarter(quarter)
    in_scope = report_scope(
        session, team_code=team_code, locality=locality, action="export_returns"
    )
    team_ids, scope = in_scope.team_ids, in_scope.label
    built = cld_file(cld_events(session, period, team_ids), period, la_code)
    problems = built.problems
    if strict and problems:
        raise CldProblems(
            f"The CLD file for {period.label} ({scope}) has {len(problems)} problems, "
            "so it was not written (--strict)",
            problems,
        )
    report_path = problems_path_for(path)
    data, report = built.data, render_problems(problems)
    record_export(
        session=session,
        user=user,
        entity=AUDIT_ENTITY,
        entity_id=period.label,
        details={
            "quarter": period.label,
            "scope": scope,
            "rows": built.rows,
            "problems": len(problems),
            "saved_as": path.name,
        },
    )
    for target, content in ((path, data), (report_path, report)):
        _save(target, content, replace=replace)
        written(session=session, path=target)
    return CldExport(period, scope, built.rows, problems, path, report_path)


def _save(path: Path, data: bytes, *, replace: bool) -> None:
    try:
        paths.write_private_file(path, data, replace=replace)
    except FileExistsError:
        raise CldFileExists(
            f"{path} already exists: choose another name, or replace it"
            " (intapp export cld --force)",
            field="output",
        ) from None
    except OSError as error:
        raise InvalidInput(
            f"Cannot save the CLD file as {path}: {error.strerror or error}", field="output"
        ) from None
