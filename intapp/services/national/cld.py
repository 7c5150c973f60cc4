"""The Client Level Data (CLD) events of a period, derived from intapp's records.

One set-based query per event source (referrals, assessments, reablement episodes,
care plan versions), each joined to the person it is about, so a quarter for the whole
city costs five queries whatever its size.

Which events a period holds (NHS England's CLD guidance, release 1):
- **Request**: a referral completed at triage in the period (its UK triage date),
  signposted and no-further-action referrals too. Starts when received.
- **Assessment**: a signed-off integrated or carer's assessment, signed off in the period
  (a later superseded one still counts: it was completed). Starts when drafted.
- **Review**: a signed-off review assessment (a care plan review), signed off in the
  period. Review reason "Planned": intapp reviews plans on their review date.
- **Service**: a reablement episode running at any time in the period (begun, not
  cancelled); a micro-commissioned plan item held at any time in the period.
Cancelled and not-completed events are left out; only a service runs on without an end.

Services are reported **as at the period's last day**: one that ended after it has no
end date and the outcome "Provision of service", so an extract for a quarter reads the
same whenever it is made.

Scope: an event belongs to the team of the referral it came from (a request, and an
assessment or episode linked to a referral), else to the person's team (a plan item; an
assessment or episode not linked to a referral). A merged record's events are reported
as the surviving person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlmodel import Session, SQLModel, col

from intapp.clock import LOCAL_TZ
from intapp.codes import (
    AssessmentStatus,
    AssessmentType,
    CaseOutcome,
    EpisodeState,
    Pathway,
    ReablementOutcome,
    RouteOfAccess,
    client_type_of,
)
from intapp.models import Assessment, CarePlan, CarePlanVersion, Person, ReablementEpisode, Referral
from intapp.services.national.events import CldEvent
from intapp.services.national.period import Period

# --- The national wording (CLD release 1) ------------------------------------------------
#
# Event outcomes as NHS England's published SALT-from-CLD code lists the release 1
# defined list (NHSDigital/ASC-Client-Level-Data-SALT-ASCOF-transformations,
# "SALT STS001/STS001 replication code.txt", #REF_SEQUEL_MAPPING), spelt as it is there.
PROGRESS_TO_REABLEMENT = "Progress to Reablement/ST-Max"
PROGRESS_TO_ASSESSMENT = "Progress to Assessment"
ADMITTED_TO_HOSPITAL = "Admitted to hospital"
PROGRESS_TO_SUPPORT_PLANNING = "Progress to Support Planning / Services"
NO_CHANGE_IN_PACKAGE = "No change in package"
SERVICE_ENDED_AS_PLANNED = "Service ended as planned"
PROVISION_OF_SERVICE = "Provision of service"
NFA_MOVED = "NFA - Moved to another LA"
NFA_NHS_FUNDED = "NFA - 100% NHS funded care"
NFA_SUPPORT_DECLINED = "NFA - Support declined"
NFA_SIGNPOSTING = "NFA - Information & Advice / Signposting only"
NFA_DECEASED = "NFA - Deceased"
NFA_NO_SERVICES = "NFA - No services offered: Other reason"
NFA_SUPPORT_ENDED = "NFA - Support ended: Other reason"
NFA_OTHER = "NFA- Other"
EVENT_OUTCOMES = frozenset(
    {
        PROGRESS_TO_REABLEMENT,
        PROGRESS_TO_ASSESSMENT,
        ADMITTED_TO_HOSPITAL,
        "Progress to Re-assessment / Unplanned Review",
        PROGRESS_TO_SUPPORT_PLANNING,
        "Progress to End of Life Care",
        NO_CHANGE_IN_PACKAGE,
        SERVICE_ENDED_AS_PLANNED,
        NFA_MOVED,
        NFA_NHS_FUNDED,
        "NFA - Self-funded client (Inc. 12wk disregard)",
        NFA_SUPPORT_DECLINED,
        NFA_SIGNPOSTING,
        NFA_DECEASED,
        NFA_NO_SERVICES,
        NFA_SUPPORT_ENDED,
        "Progress to financial assessment",
        PROVISION_OF_SERVICE,
        NFA_OTHER,
    }
)

EVENT_TYPES = ("Request", "Assessment", "Service", "Review")

# Service types from the same code (#REF_Service_Type).
ST_MAX = "Short Term Support: ST-Max"
ONGOING_LOW_LEVEL = "Short Term Support: Ongoing Low Level"
SERVICE_TYPES = frozenset(
    {
        ST_MAX,
        "Long Term Support: Nursing Care",
        "Long Term Support: Residential Care",
        "Long Term Support: Community",
        "Long Term Support: Prison",
        ONGOING_LOW_LEVEL,
        "Short Term Support: Other Short Term",
    }
)
# Service components intapp reports. "Reablement" and "Equipment" are as DHSC's CLD
# dashboard code reads them (DataS-DHSC/ASC-CLD-LA-Dashboard); the adaptation and small
# package components are not in any stored reference, so these are the closest wording.
REABLEMENT = "Reablement"
ITEM_SERVICES: dict[str, tuple[str, str]] = {
    "equipment": (ONGOING_LOW_LEVEL, "Equipment"),
    "adaptation": (ONGOING_LOW_LEVEL, "Adaptations"),
    "small_package": (ONGOING_LOW_LEVEL, "Home Support"),
}
SERVICE_COMPONENTS = frozenset({REABLEMENT, *(c for _, c in ITEM_SERVICES.values())})

# Routes of access (release 1), as the CLD guidance names them (see DOMAIN.md).
ROUTES_OF_ACCESS: dict[str, str] = {
    RouteOfAccess.PLANNED_ENTRY: "Planned Entry (Transition)",
    RouteOfAccess.DISCHARGE_FROM_HOSPITAL: "Discharge from Hospital",
    RouteOfAccess.DIVERSION_FROM_HOSPITAL: "Diversion from Hospital Services",
    RouteOfAccess.COMMUNITY_OTHER: "Community / Other route",
    RouteOfAccess.PRISON: "Prison",
    RouteOfAccess.SELF_FUNDER: "Self-Funder",
    RouteOfAccess.DISCHARGE_FROM_REABLEMENT: "Discharge from Reablement",
    RouteOfAccess.TRANSFER_FROM_OTHER_LA: "Transfer from Other LA",
}
# A route not recorded (a carer's, typically) is Community / Other.
DEFAULT_ROUTE = ROUTES_OF_ACCESS[RouteOfAccess.COMMUNITY_OTHER]

# What triage decided, as the request's outcome. Case management goes on to an
# assessment (intapp records it as its own event); intermediate care and crisis response
# are services arranged at once; High Impact Primary Care is a GP-led NHS service the
# person is signposted to.
PATHWAY_OUTCOMES: dict[str, str] = {
    Pathway.REABLEMENT_STANDARD: PROGRESS_TO_REABLEMENT,
    Pathway.REABLEMENT_COMPLEX: PROGRESS_TO_REABLEMENT,
    Pathway.CASE_MANAGEMENT: PROGRESS_TO_ASSESSMENT,
    Pathway.INTERMEDIATE_CARE: PROGRESS_TO_SUPPORT_PLANNING,
    Pathway.CRISIS_RESPONSE: PROGRESS_TO_SUPPORT_PLANNING,
    Pathway.HIGH_IMPACT_PRIMARY_CARE: NFA_SIGNPOSTING,
    Pathway.EARLY_HELP: NFA_SIGNPOSTING,
    Pathway.COMMUNITY_LINKS: NFA_SIGNPOSTING,
    Pathway.INFORMATION_ADVICE: NFA_SIGNPOSTING,
}
# A referral taken no further: the outcome triage (or closure) recorded, else no services.
NFA_OUTCOMES: dict[str, str] = {
    CaseOutcome.NFA_SUPPORT_DECLINED: NFA_SUPPORT_DECLINED,
    CaseOutcome.NFA_MOVED_TO_ANOTHER_LA: NFA_MOVED,
    CaseOutcome.NFA_NHS_FUNDED_CARE: NFA_NHS_FUNDED,
    CaseOutcome.NFA_DECEASED: NFA_DECEASED,
    CaseOutcome.NFA_SIGNPOSTING: NFA_SIGNPOSTING,
    CaseOutcome.NFA_NO_SERVICES: NFA_NO_SERVICES,
    CaseOutcome.OTHER: NFA_OTHER,
}

# A reablement episode's ending (SALT STS002a) as its event outcome. Whether the sequel
# is low-level or long-term support is told by the person's next service, not here.
EPISODE_OUTCOMES: dict[str, str] = {
    ReablementOutcome.NO_ONGOING_SUPPORT: SERVICE_ENDED_AS_PLANNED,
    ReablementOutcome.ONGOING_LOW_LEVEL_SUPPORT: PROGRESS_TO_SUPPORT_PLANNING,
    ReablementOutcome.LONG_TERM_SUPPORT_COMMUNITY: PROGRESS_TO_SUPPORT_PLANNING,
    ReablementOutcome.LONG_TERM_SUPPORT_RESIDENTIAL: PROGRESS_TO_SUPPORT_PLANNING,
    ReablementOutcome.EARLY_CESSATION_HOSPITAL: ADMITTED_TO_HOSPITAL,
    ReablementOutcome.EARLY_CESSATION_NHS_FUNDED: NFA_NHS_FUNDED,
    ReablementOutcome.EARLY_CESSATION_DECEASED: NFA_DECEASED,
    ReablementOutcome.EARLY_CESSATION_DECLINED: NFA_SUPPORT_DECLINED,
}

# Assessment types. The release 1 list is not among the stored references; DHSC's code
# reads "Short term assessment" / "Long term assessment" (release 2) and matches
# '%Long Term%'. intapp's integrated assessment decides Care Act eligibility for ongoing
# support, so it is the long-term assessment; a carer's assessment is its own type.
ASSESSMENT_TYPES: dict[str, str] = {
    AssessmentType.INTEGRATED: "Long Term Support Assessment",
    AssessmentType.CARER: "Carer Assessment",
}
# What a signed-off assessment leads to: eligible needs go on to support planning; a
# person without eligible needs gets information and advice (Care Act s.2 and s.4).
ASSESSMENT_OUTCOMES = {True: PROGRESS_TO_SUPPORT_PLANNING, False: NFA_SIGNPOSTING}
# A review that still finds eligible needs keeps the support; one that does not ends it.
REVIEW_OUTCOMES = {True: NO_CHANGE_IN_PACKAGE, False: NFA_SUPPORT_ENDED}
PLANNED_REVIEW = "Planned"
REVIEW_REASONS = frozenset({PLANNED_REVIEW, "Unplanned"})

YES, NO, UNKNOWN = "Yes", "No", "Unknown"
# Gender as the person record holds it (free text, "female" / "male" from forms and
# imports), in the CLD wording; anything else recorded is Other.
GENDERS = {"male": "Male", "m": "Male", "female": "Female", "f": "Female", "unknown": UNKNOWN}
GENDER_VALUES = frozenset({"Male", "Female", "Other", UNKNOWN})


def gender_wording(text: str | None) -> str:
    """A recorded gender in the CLD wording: Unknown when not recorded."""
    if not text or not text.strip():
        return UNKNOWN
    return GENDERS.get(text.strip().lower(), "Other")


def uk_day(moment: datetime) -> date:
    """The UK date of an instant."""
    return moment.astimezone(LOCAL_TZ).date()


# --- The queries ---------------------------------------------------------------------------

_PERSON = SQLModel.metadata.tables[Person.__tablename__]  # type: ignore[index]
_given = _PERSON.alias("given")  # the record an event names
_person = _PERSON.alias("person")  # the surviving record it is reported as

_PERSON_COLUMNS: tuple[ColumnElement[Any], ...] = tuple(
    _person.c[name]
    for name in (
        "id",
        "nhs_number",
        "local_id",
        "gp_practice_code",
        "gender",
        "ethnicity",
        "date_of_birth",
        "date_of_death",
        "client_type",
        "is_carer",
        "primary_support_reason",
        "postcode",
        "accommodation_status",
        "has_unpaid_carer",
        "team_id",
    )
)
_PERSON_WIDTH = len(_PERSON_COLUMNS)


def _with_person(query: Select[Any], person_id: Any) -> Select[Any]:
    """`query` joined to the person `person_id` names, reported as the survivor."""
    return query.join(_given, _given.c.id == person_id).join(
        _person, _person.c.id == func.coalesce(_given.c.merged_into_id, _given.c.id)
    )


def _in_scope(query: Select[Any], team: Any, team_ids: list[int] | None) -> Select[Any]:
    return query if team_ids is None else query.where(team.in_(team_ids))


@dataclass(frozen=True)
class _PersonFields:
    """The person columns of one result row, as CldEvent's person fields."""

    values: dict[str, Any]

    @classmethod
    def of(cls, row: Sequence[Any]) -> _PersonFields:
        (
            person_id,
            nhs_number,
            local_id,
            gp_practice_code,
            gender,
            ethnicity,
            date_of_birth,
            date_of_death,
            client_type,
            is_carer,
            primary_support_reason,
            postcode,
            accommodation_status,
            has_unpaid_carer,
            _team_id,
        ) = row[:_PERSON_WIDTH]
        kind = client_type_of(client_type, is_carer=bool(is_carer))
        return cls(
            {
                "person_id": person_id,
                "nhs_number": nhs_number,
                "la_person_id": local_id or str(person_id),
                "gp_practice_code": gp_practice_code,
                "gender": gender_wording(gender),
                "ethnicity": _ethnicity(ethnicity),
                "date_of_birth": date_of_birth,
                "date_of_death": date_of_death,
                "client_type": kind.wording,
                "primary_support_reason": _wording(
                    "primary_support_reason", primary_support_reason
                ),
                "postcode": postcode,
                "accommodation_status": _wording("accommodation_status", accommodation_status),
                "has_unpaid_carer": YES if has_unpaid_carer else NO,
            }
        )


def _ethnicity(code: str | None) -> str:
    """The NHS ethnic category code (A-Z), or "99" (not known) when not recorded."""
    return code if code and code != "unknown" else "99"


def _wording(column: str, code: str | None) -> str:
    from intapp.codes import PERSON_CODE_LISTS

    codes = PERSON_CODE_LISTS[column]
    return codes.of(code or "unknown").wording


def cld_events(session: Session, period: Period, team_ids: list[int] | None) -> list[CldEvent]:
    """Every CLD event of `period` for the teams `team_ids` (None: the whole city),
    ordered by person, then start date, type and reference."""
    events = [
        *_requests(session, period, team_ids),
        *_assessments(session, period, team_ids),
        *_reablement(session, period, team_ids),
        *_plan_items(session, period, team_ids),
    ]
    events.sort(key=lambda e: (e.person_id, e.event_start_date, e.event_type, e.event_reference))
    return events


def _requests(session: Session, period: Period, team_ids: list[int] | None) -> Iterable[CldEvent]:
    r = Referral
    query = _with_person(
        select(
            *_PERSON_COLUMNS,
            col(r.reference),
            col(r.received_at),
            col(r.triaged_at),
            col(r.pathway),
            col(r.route_of_access),
            col(r.close_outcome),
        ),
        col(r.person_id),
    ).where(col(r.triaged_at) >= period.starts_at, col(r.triaged_at) < period.ends_at)
    for row in session.execute(_in_scope(query, col(r.team_id), team_ids)):
        person = _PersonFields.of(row)
        reference, received_at, triaged_at, pathway, route, close_outcome = row[_PERSON_WIDTH:]
        yield CldEvent(
            **person.values,
            event_type="Request",
            event_reference=reference,
            event_start_date=uk_day(_aware(received_at)),
            event_end_date=uk_day(_aware(triaged_at)),
            event_outcome=request_outcome(pathway, close_outcome),
            request_route_of_access=ROUTES_OF_ACCESS.get(route or "", DEFAULT_ROUTE),
        )


def request_outcome(pathway: str | None, close_outcome: str | None) -> str:
    """A triaged referral's outcome: from its pathway; taken no further, from the outcome
    recorded (no services offered when none was)."""
    if pathway in PATHWAY_OUTCOMES:
        return PATHWAY_OUTCOMES[pathway]
    if pathway == Pathway.NO_FURTHER_ACTION:
        return NFA_OUTCOMES.get(close_outcome or "", NFA_NO_SERVICES)
    return NFA_OTHER


def _assessments(
    session: Session, period: Period, team_ids: list[int] | None
) -> Iterable[CldEvent]:
    a = Assessment
    query = _with_person(
        select(
            *_PERSON_COLUMNS,
            col(a.id),
            col(a.assessment_type),
            col(a.created_at),
            col(a.signed_off_at),
            col(a.eligible),
            col(Referral.team_id),
        ),
        col(a.person_id),
    ).outerjoin(Referral, col(Referral.id) == a.referral_id)
    query = query.where(
        col(a.status).in_([AssessmentStatus.SIGNED_OFF, AssessmentStatus.SUPERSEDED]),
        col(a.signed_off_at) >= period.starts_at,
        col(a.signed_off_at) < period.ends_at,
    )
    team = func.coalesce(col(Referral.team_id), _person.c.team_id)
    for row in session.execute(_in_scope(query, team, team_ids)):
        person = _PersonFields.of(row)
        assessment_id, kind, created_at, signed_off_at, eligible, _team = row[_PERSON_WIDTH:]
        start, end = uk_day(_aware(created_at)), uk_day(_aware(signed_off_at))
        if kind == AssessmentType.REVIEW:
            yield CldEvent(
                **person.values,
                event_type="Review",
                event_reference=f"REV{assessment_id}",
                event_start_date=min(start, end),
                event_end_date=end,
                event_outcome=REVIEW_OUTCOMES[bool(eligible)],
                review_reason=PLANNED_REVIEW,
            )
            continue
        yield CldEvent(
            **person.values,
            event_type="Assessment",
            event_reference=f"ASM{assessment_id}",
            event_start_date=min(start, end),
            event_end_date=end,
            event_outcome=ASSESSMENT_OUTCOMES[bool(eligible)],
            assessment_type=ASSESSMENT_TYPES.get(kind, ASSESSMENT_TYPES[AssessmentType.INTEGRATED]),
            eligible_needs_identified=YES if eligible else NO,
        )


def _reablement(session: Session, period: Period, team_ids: list[int] | None) -> Iterable[CldEvent]:
    e = ReablementEpisode
    query = _with_person(
        select(
            *_PERSON_COLUMNS,
            col(e.id),
            col(e.start_date),
            col(e.ended_on),
            col(e.outcome),
            col(Referral.team_id),
        ),
        col(e.person_id),
    ).outerjoin(Referral, col(Referral.id) == e.referral_id)
    query = query.where(
        col(e.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED]),
        col(e.start_date) <= period.last_day,
        or_(col(e.ended_on).is_(None), col(e.ended_on) >= period.first_day),
    )
    team = func.coalesce(col(Referral.team_id), _person.c.team_id)
    for row in session.execute(_in_scope(query, team, team_ids)):
        person = _PersonFields.of(row)
        episode_id, start, ended_on, outcome, _team = row[_PERSON_WIDTH:]
        ended = ended_on is not None and ended_on <= period.last_day
        yield CldEvent(
            **person.values,
            event_type="Service",
            event_reference=f"RBL{episode_id}",
            event_start_date=start,
            event_end_date=ended_on if ended else None,
            event_outcome=EPISODE_OUTCOMES.get(outcome or "", NFA_OTHER)
            if ended
            else PROVISION_OF_SERVICE,
            service_type=ST_MAX,
            service_component=REABLEMENT,
        )


@dataclass
class _HeldItem:
    reference: str
    kind: str
    cost: float | None
    start: date
    end: date | None = None


def _plan_items(session: Session, period: Period, team_ids: list[int] | None) -> Iterable[CldEvent]:
    """Micro-commissioned items: one service per item from the plan version it first
    appeared in to the version that took it out (or the plan's closing), as an ongoing
    low-level service at its recorded cost.

    An item is the same item while its kind, description and cost stay the same."""
    plan, version = CarePlan, CarePlanVersion
    query = _with_person(
        select(
            *_PERSON_COLUMNS,
            col(plan.id),
            col(plan.closed_at),
            col(version.number),
            col(version.created_at),
            col(version.items),
        ),
        col(plan.person_id),
    ).join(version, col(version.plan_id) == plan.id)
    query = query.where(
        col(version.created_at) < period.ends_at,
        or_(col(plan.closed_at).is_(None), col(plan.closed_at) >= period.starts_at),
    ).order_by(col(plan.id), col(version.number))
    held: dict[tuple[str, str, Any], _HeldItem] = {}
    current_plan: int | None = None
    person: _PersonFields | None = None
    closed_at: datetime | None = None

    def finish() -> Iterable[CldEvent]:
        assert person is not None
        closed_on = uk_day(_aware(closed_at)) if closed_at is not None else None
        for item in held.values():
            end = item.end if item.end is not None else closed_on
            yield from _item_event(person, item, end, period)

    rows = session.execute(_in_scope(query, _person.c.team_id, team_ids))
    for row in rows:
        plan_id, plan_closed_at, number, created_at, items = row[_PERSON_WIDTH:]
        if plan_id != current_plan:
            if current_plan is not None:
                yield from finish()
            held, current_plan = {}, plan_id
            person, closed_at = _PersonFields.of(row), plan_closed_at
        day = uk_day(_aware(created_at))
        seen: set[tuple[str, str, Any]] = set()
        for position, item in enumerate(items or []):
            kind = str(item.get("kind", ""))
            if kind not in ITEM_SERVICES:
                continue
            key = (kind, str(item.get("description", "")), item.get("cost_pounds"))
            seen.add(key)
            earlier = held.get(key)
            if earlier is None or earlier.end is not None:
                if earlier is not None:  # taken out, then put back: a new service
                    yield from _item_event(_PersonFields.of(row), earlier, earlier.end, period)
                held[key] = _HeldItem(
                    f"PLN{plan_id}-{number}-{position + 1}", kind, _cost(key[2]), day
                )
        for key, item in held.items():
            if key not in seen and item.end is None:
                item.end = day
    if current_plan is not None:
        yield from finish()


def _item_event(
    person: _PersonFields, item: _HeldItem, end: date | None, period: Period
) -> Iterable[CldEvent]:
    if item.start > period.last_day or (end is not None and end < period.first_day):
        return
    ended = end is not None and end <= period.last_day
    service_type, component = ITEM_SERVICES[item.kind]
    yield CldEvent(
        **person.values,
        event_type="Service",
        event_reference=item.reference,
        event_start_date=item.start,
        event_end_date=end if ended else None,
        event_outcome=SERVICE_ENDED_AS_PLANNED if ended else PROVISION_OF_SERVICE,
        service_type=service_type,
        service_component=component,
        unit_cost=item.cost,
    )


def _cost(value: Any) -> float | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _aware(moment: datetime) -> datetime:
    """A timestamp as aware UTC (SQLite's raw rows read back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
