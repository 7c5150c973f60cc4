"""A copy of a person's care and support plan for the person themselves (Care Act 2014,
s25(9)): their plan as it stands and their latest signed-off assessment, in plain words,
saved privately as HTML or Markdown and recorded in the audit trail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from anyascii import anyascii
from sqlmodel import Session, col, select

from intapp import clock, paths
from intapp.access import require_for
from intapp.codes import AssessmentStatus, AssessmentType, OutcomeAchievement, code_label
from intapp.formatting import local_date, parse_date
from intapp.models import Assessment, Team, Worker
from intapp.services import audit, plan_actions
from intapp.services.assessments import outcome_codes
from intapp.services.audit import AuditEntry
from intapp.services.care_plans import PlanContent, PlanView, current_plan, plan_history
from intapp.services.errors import InvalidInput, NotFound
from intapp.services.nhs_number import format_nhs_number
from intapp.services.people import load_person, survivor_of

FORMATS = ("html", "md")
# How an audit event says a copy was made: the person's timeline shows it (`person_record`).
COPY_ACTION = "export_plan"


@dataclass(frozen=True)
class ActionLine:
    """One plan action as the copy shows it."""

    what: str
    who: str
    by_when: date | None
    status: str
    """"open", "done" or "cancelled"."""


def read_action(action: Mapping[str, Any]) -> ActionLine:
    """One stored plan action, whichever way it was saved (`plan_actions.normalised`
    reads the older shape too). The copy reads every action through here alone."""
    shaped = plan_actions.normalised(action)
    status = shaped["status"]
    by_when = shaped["by_when"]
    due = by_when if isinstance(by_when, date) else parse_date(str(by_when or ""))
    return ActionLine(
        what=shaped["what"],
        who=shaped["who"],
        by_when=due,
        status=status,
    )


@dataclass(frozen=True)
class Need:
    """A Care Act outcome the person cannot achieve on their own."""

    outcome: str
    with_help: bool
    """True: they can with help; False: they cannot at the moment."""
    reason: str


@dataclass(frozen=True)
class AssessmentPart:
    """What the latest signed-off assessment says, as far as the person would want it."""

    carers: bool
    """A carer's assessment, rather than one of the person's own needs."""
    assessed_on: date
    what_matters: str
    strengths: str
    family_community_assets: str
    needs: list[Need]
    eligible: bool


@dataclass(frozen=True)
class PlanCopy:
    """Everything the person's copy says, in the words it says it."""

    person_id: int
    name: str
    date_of_birth: date
    nhs_number: str
    goals: list[str]
    actions: list[ActionLine]
    """Open and done actions, in the plan's order; cancelled ones, and the open ones of an
    ended plan, are left out."""
    items: list[tuple[str, str, float]]
    """Micro-commissioned items: (what it is, its kind in words, cost in pounds)."""
    review_date: date
    lead_worker: str | None
    """The lead worker's name, or None when they no longer work here."""
    lead_worker_role: str
    lead_worker_email: str | None
    team: str
    plan_number: int
    agreed_on: date
    made_on: date
    ended_on: date | None = None
    assessment: AssessmentPart | None = None

    @property
    def open_actions(self) -> list[ActionLine]:
        return [a for a in self.actions if a.status == "open"]

    @property
    def done_actions(self) -> list[ActionLine]:
        return [a for a in self.actions if a.status == "done"]


# Micro-commissioned kinds, as a person would say them.
ITEM_WORDS = {
    "equipment": "equipment",
    "adaptation": "a change to your home",
    "small_package": "a short package of care",
}


def plan_copy(*, session: Session, person_id: int) -> PlanCopy:
    """The person's current plan and latest signed-off assessment, ready to render; a
    record merged into another gives its survivor's. `NotFound` when there is no plan."""
    person = survivor_of(session=session, person=load_person(session=session, person_id=person_id))
    assert person.id is not None
    plan = current_plan(session=session, person_id=person.id)
    if plan is None:
        raise NotFound(
            f"{person.display_name} has no care plan yet, so there is nothing to copy; "
            "write the plan with them first"
        )
    content = plan.content
    lead = session.get(Worker, content.lead_worker_id)
    active_lead = lead if lead is not None and lead.active else None
    team = session.get(Team, person.team_id)
    actions = [read_action(a) for a in content.actions]
    return PlanCopy(
        person_id=person.id,
        name=person.display_name,
        date_of_birth=person.date_of_birth,
        nhs_number=format_nhs_number(person.nhs_number),
        goals=list(content.goals),
        # An ended plan's open actions will not happen now (closing it cancels them).
        actions=[a for a in actions if a.what and _shown(a.status, ended=plan.closed_at)],
        items=[
            (
                str(i.get("description", "")),
                ITEM_WORDS.get(str(i.get("kind")), code_label(i.get("kind"), capitalised=False)),
                float(i.get("cost_pounds") or 0),
            )
            for i in content.items
        ],
        review_date=content.review_date,
        lead_worker=active_lead.display_name if active_lead else None,
        lead_worker_role=code_label(active_lead.profession, capitalised=False)
        if active_lead
        else "",
        lead_worker_email=active_lead.email if active_lead else None,
        team=team.name if team else "",
        plan_number=plan.number,
        agreed_on=_agreed_on(plan, plan_history(session=session, person_id=person.id)),
        made_on=clock.today(),
        ended_on=local_date(plan.closed_at) if plan.closed_at else None,
        assessment=_latest_assessment(session=session, person_id=person.id),
    )


def _agreed_what(content: PlanContent) -> tuple[object, ...]:
    """What the person agreed to: goals, each action's wording, who and when, the items
    and the review date; not an action's status (a tick in the tray) nor the lead."""
    actions = [(a["what"], a["who"], a["by_when"]) for a in content.actions]
    return (content.goals, actions, content.items, content.review_date)


def _agreed_on(plan: PlanView, history: list[PlanView]) -> date:
    """The day of the latest version that changed what the person agreed to: marking an
    action done makes a new version, but not a new plan to agree."""
    newest_first = [v for v in history if v.number <= plan.number]
    agreed = plan
    for version, earlier in pairwise(newest_first):
        if _agreed_what(version.content) != _agreed_what(earlier.content):
            break
        agreed = earlier
    return local_date(agreed.created_at)


def _shown(status: str, *, ended: object) -> bool:
    return status == "done" or (status == "open" and ended is None)


def _latest_assessment(*, session: Session, person_id: int) -> AssessmentPart | None:
    found = session.exec(
        select(Assessment)
        .where(
            Assessment.person_id == person_id,
            Assessment.status == AssessmentStatus.SIGNED_OFF,
            col(Assessment.signed_off_at).is_not(None),
        )
        .order_by(col(Assessment.signed_off_at).desc(), col(Assessment.id).desc())
    ).first()
    if found is None or found.signed_off_at is None:
        return None
    labels = dict(outcome_codes(found.assessment_type))
    needs = [
        Need(
            outcome=labels.get(o.get("code", ""), code_label(o.get("code"))),
            with_help=o.get("achievement") == OutcomeAchievement.WITH_SUPPORT,
            reason=str(o.get("reason", "")).strip(),
        )
        for o in found.outcomes
        if o.get("achievement") in (OutcomeAchievement.WITH_SUPPORT, OutcomeAchievement.UNABLE)
    ]
    return AssessmentPart(
        carers=found.assessment_type == AssessmentType.CARER,
        assessed_on=local_date(found.signed_off_at),
        what_matters=found.what_matters,
        strengths=found.strengths,
        family_community_assets=found.family_community_assets,
        needs=needs,
        eligible=found.eligible,
    )


def copy_file_name(name: str, person_id: int, fmt: str, day: date) -> str:
    """The name a copy is saved under unless another is given:
    ``care-plan-mary-smith-id42-2026-12-01.html``. The person's local id keeps two
    people of the same name apart on the same day."""
    slug = re.sub(r"[^a-z0-9]+", "-", anyascii(name).lower()).strip("-") or "person"
    return f"care-plan-{slug}-id{person_id}-{day.isoformat()}.{fmt}"


class CopyExists(InvalidInput):
    """The file a copy would be saved as exists already, and replacing was not asked."""


@dataclass(frozen=True)
class SavedCopy:
    """Where a copy was saved, and for whom."""

    path: Path
    fmt: str
    name: str
    plan_number: int


def export_plan_copy(
    *,
    session: Session,
    user: str,
    person_id: int,
    fmt: str,
    path: Path | None = None,
    folder: Path | None = None,
    replace: bool = False,
) -> SavedCopy:
    """Save the person's copy as `fmt` (html or md) to `path`, or under its usual name
    (`copy_file_name`) in `folder`; readable only by its owner (0600), never through a
    symbolic link. An existing file is refused unless `replace`. The audit trail
    records that a copy was made, in which format and where, never what it says, in the
    caller's transaction: if saving fails, nothing is recorded."""
    require_for(session, "export_plan")
    from intapp.services.plan_copy_render import render

    if fmt not in FORMATS:
        raise InvalidInput(f"Format must be one of: {', '.join(FORMATS)}", field="format")
    copy = plan_copy(session=session, person_id=person_id)
    if path is None:
        if folder is None:
            raise InvalidInput("Say where to save the copy", field="path")
        path = folder / copy_file_name(copy.name, copy.person_id, fmt, copy.made_on)
    data = render(copy, fmt).encode("utf-8")
    try:
        paths.write_private_file(path, data, replace=replace)
    except FileExistsError:
        raise CopyExists(
            f"{path} already exists: choose another name, or replace it"
            " (intapp export plan --force)",
            field="path",
        ) from None
    except OSError as error:
        raise InvalidInput(
            f"Cannot save the copy as {path}: {error.strerror or error}", field="path"
        ) from None
    audit.record(
        session=session,
        user=user,
        entity="person",
        entity_id=copy.person_id,
        action=COPY_ACTION,
        changes={"format": fmt, "plan_version": copy.plan_number, "saved_as": path.name},
    )
    return SavedCopy(path=path, fmt=fmt, name=copy.name, plan_number=copy.plan_number)


def copy_made(event: AuditEntry) -> str:
    """How the person's timeline tells of a copy made for them (an audit event)."""
    fmt = {"html": "HTML", "md": "Markdown"}.get(str(event.changes.get("format")), "a file")
    version = event.changes.get("plan_version")
    return f"copy for the person (version {version}, {fmt}) by {event.user}"
