"""How a person's record reads: the header's carer line, the rows of its lists and the
care plan as text. Plain functions of the record, so other screens and tests use them too."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from intapp import clock
from intapp.codes import client_type_of, code_label
from intapp.formatting import action_box, uk_date, uk_datetime
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from intapp.services.assessments import AssessmentSummary
    from intapp.services.care_plans import PlanView
    from intapp.services.people import PersonSummary
    from intapp.services.person_record import PersonRecord, TimelineEntry
    from intapp.services.reablement import EpisodeSummary


def timeline_cells(row: tuple[int, TimelineEntry]) -> tuple[str, ...]:
    _, entry = row
    return (uk_datetime(entry.at), escape(entry.kind), escape(entry.text))


def carer_line(record: PersonRecord) -> str:
    """The header's carer line: whom the person cares for and who cares for them."""
    me = record.person_id
    caring = [
        escape(v.other(me).name) for v in record.carer_links if v.role_of_other(me) == "cared for"
    ]
    carers = [
        escape(v.other(me).name) for v in record.carer_links if v.role_of_other(me) == "carer"
    ]
    parts = []
    if caring:
        parts.append("cares for " + ", ".join(caring))
    if carers:
        parts.append("carer " + ", ".join(carers))
    if not parts:
        return ""
    return "\n[b]Carer links (l):[/] " + " · ".join(parts)


def national_line(p: PersonSummary) -> str:
    """The header's line of national fields (e to change them), once any is recorded:
    a record with none shows as it did before they existed. Not recorded reads so (the
    returns count it as unknown); a client type not recorded is the carer flag's."""
    recorded = (p.ethnicity, p.accommodation_status, p.primary_support_reason, p.client_type)
    if not any(recorded):
        return ""

    def shown(code: str | None) -> str:
        return escape(code_label(code)) if code else "not recorded"

    client = client_type_of(p.client_type, is_carer=p.is_carer).label
    if p.client_type is None:
        client += " (from the carer links)" if p.is_carer else " (not recorded)"
    return (
        f"\nEthnicity {shown(p.ethnicity)} · accommodation {shown(p.accommodation_status)}"
        f" · support reason {shown(p.primary_support_reason)} · client type {escape(client)}"
    )


def assessment_cells(row: tuple[int, AssessmentSummary]) -> tuple[str, ...]:
    """An assessment's cells, in the order of `COLUMNS["assessments"]`."""
    _, a = row
    return (
        uk_date(a.created_at),
        a.assessment_type,
        code_label(a.status),
        "yes" if a.eligible else "no",
        uk_date(a.signed_off_at),
    )


def episode_cells(row: tuple[int, EpisodeSummary]) -> tuple[str, ...]:
    """An episode's cells, in the order of `COLUMNS["reablement"]`."""
    _, e = row
    return (
        uk_date(e.start_date),
        e.episode_type,
        e.state,
        str(e.days_running(clock.today())),
        code_label(e.outcome),
        f"{e.barthel_start_total if e.barthel_start else '–'} → "
        f"{e.barthel_end_total if e.barthel_end else '–'}",
        code_label(e.followup_result)
        or (f"due {uk_date(e.followup_due)}" if e.followup_due else ""),
    )


def plan_text(plan: PlanView | None) -> str:
    """The current plan as readable text."""
    if plan is None:
        return "No care plan yet."
    c = plan.content
    # Only the plan as it stands can be behind: an earlier version is read as it was.
    today = clock.today() if plan.is_current and plan.closed_at is None else None
    goals = "\n".join(f"  • {g}" for g in c.goals) or "  none"
    actions = (
        "\n".join(
            f"  {action_box(a, today)} {escape(a['who'])}: {escape(a['what'])}"
            f" by {uk_date(_iso(a['by_when']))}"
            for a in c.actions
        )
        or "  none"
    )
    items = (
        "\n".join(
            f"  {code_label(i['kind'])}: {i['description']} (£{i['cost_pounds']:.2f})"
            for i in c.items
        )
        or "  none"
    )
    closed = f"[b reverse] Closed {uk_date(plan.closed_at)} [/] " if plan.closed_at else ""
    return (
        f"{closed}[b]Version {plan.number}[/] of {plan.current_number} · saved "
        f"{uk_datetime(plan.created_at)} by {plan.created_by} · review {uk_date(c.review_date)}\n\n"
        f"[b]Goals, in their words[/]\n{goals}\n\n[b]Actions[/]\n{actions}\n\n"
        f"[b]Micro-commissioned items[/]\n{items}"
    )


def _iso(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
