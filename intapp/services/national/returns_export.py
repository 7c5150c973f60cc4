"""The outcome figures for a year and a scope, and their export: rendered, saved
privately and recorded in the audit trail."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from intapp import clock
from intapp.access import require_for
from intapp.services.national.period import Period, parse_financial_year
from intapp.services.national.returns_direct import returns_direct
from intapp.services.national.returns_render import ScopedReturns, figure_rows, render
from intapp.services.report_scope import report_scope
from intapp.services.views import record_export, save_export


def year_returns(
    *,
    session: Session,
    year: Period | str,
    team_code: str | None = None,
    locality: str | None = None,
) -> ScopedReturns:
    """The figures for a financial year ("2026-27") and a scope; a year still running is
    counted to today.

    They are counted straight from the records (`returns_direct`), by the rules and the
    national wording the CLD extract's events use: the same figures as counting the
    events of `cld_events` (`returns_from_events`), which the tests hold equal and the
    benchmark checks on the city, in a fraction of the time, since no event row with
    its person fields is built. Counting the events instead is
    ``returns_from_events(cld_events(session, history_period(period), team_ids), ...)``.
    """
    require_for(session, "export_returns")
    period = parse_financial_year(year) if isinstance(year, str) else year
    in_scope = report_scope(
        session, team_code=team_code, locality=locality, action="export_returns"
    )
    team_ids, scope = in_scope.team_ids, in_scope.label
    figures = returns_direct(session=session, year=period, team_ids=team_ids, as_of=clock.today())
    return ScopedReturns(figures, scope)


def export_returns(
    *, session: Session, user: str, figures: ScopedReturns, fmt: str, path: Path | None = None
) -> bytes:
    """Render the figures, save them to `path` (if given, readable only by its owner)
    and record the export in the audit trail; returns the bytes."""
    require_for(session, "export_returns")
    data = render(figures, fmt)
    record_export(
        session=session,
        user=user,
        entity="returns",
        entity_id=figures.returns.year.label,
        details={
            "scope": figures.scope,
            "format": fmt,
            "to_date": figures.returns.to_date,
            "figures": len(figure_rows(figures.returns)),
            "saved_as": path.name if path is not None else "(shown, not saved)",
        },
    )
    if path is not None:
        save_export(session=session, path=path, data=data, what="the returns")
    return data
