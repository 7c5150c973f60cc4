"""The Client Level Data (CLD) events of a period, derived from intapp's records.

One set-based query per event source (referrals, assessments, reablement episodes,
care plan versions), each joined to the person it is about, so a quarter for the whole
city costs four queries whatever its size.

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
end date and the outcome "Provision of service", so a quarter's events read the same
whenever it is made. The person fields are as the record holds them today (a date of
death recorded since the quarter, say, is in the file): CLD's person fields describe the
person at submission.

Scope: an event belongs to the team of the referral it came from (a request, and an
assessment or episode linked to a referral), else to the person's team (a plan item; an
assessment or episode not linked to a referral). A merged record's events are reported
as the surviving person.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Text, cast, func, or_, select
from sqlmodel import Session, SQLModel, col

from intapp.clock import LOCAL_TZ
from intapp.codes import (
    AccommodationStatus,
    AssessmentStatus,
    AssessmentType,
    CaseOutcome,
    EpisodeState,
    Pathway,
    PrimarySupportReason,
    ReablementOutcome,
    RouteOfAccess,
    client_type_of,
)
from intapp.models import Assessment, CarePlan, CarePlanVersion, Person, ReablementEpisode, Referral
from intapp.services.national import sequel_services
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
    "equipment": (ONGOING_LOW_LEVEL, sequel_services.EQUIPMENT),
    "adaptation": (ONGOING_LOW_LEVEL, "Adaptations"),
    "small_package": (ONGOING_LOW_LEVEL, sequel_services.HOME_SUPPORT),
}
# With the components of the support that followed reablement (a care home's, too).
SERVICE_COMPONENTS = frozenset(
    {REABLEMENT, *(c for _, c in ITEM_SERVICES.values()), *sequel_services.COMPONENTS}
)

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


def _new_event(values: dict[str, Any]) -> CldEvent:
    """A CldEvent from all its fields by name, without the frozen dataclass's __init__,
    which sets each of its 26 fields through object.__setattr__: an eighth of the cost for a
    city's 100,000 events. Fields left out take their defaults from the class, as
    __init__ would give them (CldEvent has no __post_init__; a test holds the two equal)."""
    event = _NEW(CldEvent)
    event.__dict__.update(values)
    return event


_NEW = object.__new__


def uk_day(moment: datetime) -> date:
    """The UK date of an instant."""
    return moment.astimezone(LOCAL_TZ).date()


class UkDays(dict[str | None, date | None]):
    """UK dates of stored instants, looked up by their UTC hour (``2026-06-30 23``): the
    UK is a whole number of hours from UTC, so every instant in one UTC hour falls on the
    same UK day, and the time zone is consulted once per hour rather than once per row.
    No instant (None) has no day."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, hour: str | None) -> date | None:
        assert hour is not None
        year, month, day, at = int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13])
        found = self[hour] = uk_day(datetime(year, month, day, at, tzinfo=UTC))
        return found


def utc_hour(column: Any, dialect: str) -> ColumnElement[str]:
    """A stored instant's UTC hour as text, ``YYYY-MM-DD HH`` (for `UkDays`). SQLite
    stores instants as UTC text; PostgreSQL as timestamptz."""
    if dialect == "sqlite":
        return func.substr(column, 1, 13)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")


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


PersonValues = dict[str, Any]


class _People:
    """Each person's CLD fields, worked out once per extract however many events they
    have (the rows carry the person's columns; the wording is looked up once)."""

    def __init__(self) -> None:
        self._known: dict[int, PersonValues] = {}
        self._kinds: dict[tuple[str | None, bool], str] = {}
        self._genders: dict[str | None, str] = {}

    def of(self, row: Sequence[Any]) -> PersonValues:
        """The person fields of a result row that starts with `_PERSON_COLUMNS`."""
        known = self._known.get(row[0])
        if known is None:
            known = self._known[row[0]] = self._work_out(row)
        return known

    def _gender(self, recorded: str | None) -> str:
        wording = self._genders[recorded] = gender_wording(recorded)
        return wording

    def _work_out(self, row: Sequence[Any]) -> PersonValues:
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
        kind_key = (client_type, bool(is_carer))
        if kind_key not in self._kinds:
            self._kinds[kind_key] = client_type_of(client_type, is_carer=bool(is_carer)).wording
        return {
            "person_id": person_id,
            "nhs_number": nhs_number,
            "la_person_id": local_id or str(person_id),
            "gp_practice_code": gp_practice_code,
            "gender": self._genders.get(gender) or self._gender(gender),
            "ethnicity": ethnicity if ethnicity and ethnicity != "unknown" else NOT_KNOWN_ETHNICITY,
            "date_of_birth": day(date_of_birth),
            "date_of_death": day(date_of_death),
            "client_type": self._kinds[kind_key],
            "primary_support_reason": _SUPPORT_REASONS.get(
                primary_support_reason or "unknown", primary_support_reason
            ),
            "postcode": postcode,
            "accommodation_status": _ACCOMMODATION.get(
                accommodation_status or "unknown", accommodation_status
            ),
            "has_unpaid_carer": YES if has_unpaid_carer else NO,
        }


# The NHS Data Dictionary's "99 Not known", for an ethnic category not recorded.
NOT_KNOWN_ETHNICITY = "99"
# Stored code -> national wording; a code not in the list is written as stored, for the
# checks to report.
_SUPPORT_REASONS = {code.value: code.wording for code in PrimarySupportReason}
_ACCOMMODATION = {code.value: code.wording for code in AccommodationStatus}


def cld_events(session: Session, period: Period, team_ids: list[int] | None) -> list[CldEvent]:
    """Every CLD event of `period` for the teams `team_ids` (None: the whole city),
    ordered by person, then start date, type and reference."""
    extract = _Extract(session.connection(), period, team_ids)
    with collector_paused():
        events = [
            *_requests(extract),
            *_assessments(extract),
            *_reablement(extract),
            *_plan_items(extract),
            *sequel_services.services_after_reablement(extract),
        ]
        events.sort(key=_ORDER)
    return events


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a city's events are made: they hold no
    cycles, but each of the 100,000 new objects counts towards its next pass over every
    object alive, which cost a fifth of the extract."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


_ORDER = attrgetter("person_id", "event_start_date", "event_type", "event_reference")


class _Extract:
    """One extract's queries: its period and teams, and what its rows share (each
    person's fields, the UK day of each hour)."""

    def __init__(self, connection: Connection, period: Period, team_ids: list[int] | None):
        self.connection, self.period, self.team_ids = connection, period, team_ids
        self.people, self.uk_day = _People(), UkDays()
        self.dialect = connection.dialect.name

    def hour(self, column: Any) -> ColumnElement[str]:
        return utc_hour(column, self.dialect)

    def rows(self, query: Select[Any], team: Any) -> Sequence[Any]:
        """The rows of `query` for the extract's teams (`team`: the event's team), as the
        driver's own tuples, fetched at once: a city has many rows, nothing here is an
        entity, and the columns need no conversion but the dates (`day`). The
        statement and its parameters still go through SQLAlchemy."""
        if self.team_ids is not None:
            query = query.where(team.in_(self.team_ids))
        result = self.connection.execute(query)
        try:
            return result.cursor.fetchall()
        finally:
            result.close()


def day(value: date | str | None) -> date | None:
    """A date column as the driver gives it: a date (PostgreSQL) or ISO text (SQLite)."""
    return value if value is None or isinstance(value, date) else date.fromisoformat(value)


def _requests(x: _Extract) -> Iterable[CldEvent]:
    r = Referral
    query = _with_person(
        select(
            *_PERSON_COLUMNS,
            col(r.reference),
            x.hour(col(r.received_at)),
            x.hour(col(r.triaged_at)),
            col(r.pathway),
            col(r.route_of_access),
            col(r.close_outcome),
        ),
        col(r.person_id),
    ).where(col(r.triaged_at) >= x.period.starts_at, col(r.triaged_at) < x.period.ends_at)
    for row in x.rows(query, col(r.team_id)):
        reference, received, triaged, pathway, route, close_outcome = row[_PERSON_WIDTH:]
        yield _new_event(
            {
                **x.people.of(row),
                "event_type": "Request",
                "event_reference": reference,
                "event_start_date": x.uk_day[received],
                "event_end_date": x.uk_day[triaged],
                "event_outcome": request_outcome(pathway, close_outcome),
                "request_route_of_access": ROUTES_OF_ACCESS.get(route or "", DEFAULT_ROUTE),
            }
        )


def request_outcome(pathway: str | None, close_outcome: str | None) -> str:
    """A triaged referral's outcome: from its pathway; taken no further, from the outcome
    recorded (no services offered when none was)."""
    if pathway in PATHWAY_OUTCOMES:
        return PATHWAY_OUTCOMES[pathway]
    if pathway == Pathway.NO_FURTHER_ACTION:
        return NFA_OUTCOMES.get(close_outcome or "", NFA_NO_SERVICES)
    return NFA_OTHER


def _assessments(x: _Extract) -> Iterable[CldEvent]:
    """Signed-off assessments: a review is a Review event, any other an Assessment."""
    a = Assessment
    query = _with_person(
        select(
            *_PERSON_COLUMNS,
            col(a.id),
            col(a.assessment_type),
            x.hour(col(a.created_at)),
            x.hour(col(a.signed_off_at)),
            col(a.eligible),
        ),
        col(a.person_id),
    ).outerjoin(Referral, col(Referral.id) == a.referral_id)
    query = query.where(
        col(a.status).in_([AssessmentStatus.SIGNED_OFF, AssessmentStatus.SUPERSEDED]),
        col(a.signed_off_at) >= x.period.starts_at,
        col(a.signed_off_at) < x.period.ends_at,
    )
    for row in x.rows(query, func.coalesce(col(Referral.team_id), _person.c.team_id)):
        assessment_id, kind, created, signed_off, eligible = row[_PERSON_WIDTH:]
        end: date = x.uk_day[signed_off]  # type: ignore[assignment]
        start = min(x.uk_day[created] or end, end)
        if kind == AssessmentType.REVIEW:
            yield _new_event(
                {
                    **x.people.of(row),
                    "event_type": "Review",
                    "event_reference": f"REV{assessment_id}",
                    "event_start_date": start,
                    "event_end_date": end,
                    "event_outcome": REVIEW_OUTCOMES[bool(eligible)],
                    "review_reason": PLANNED_REVIEW,
                }
            )
            continue
        yield _new_event(
            {
                **x.people.of(row),
                "event_type": "Assessment",
                "event_reference": f"ASM{assessment_id}",
                "event_start_date": start,
                "event_end_date": end,
                "event_outcome": ASSESSMENT_OUTCOMES[bool(eligible)],
                "assessment_type": ASSESSMENT_TYPES.get(
                    kind, ASSESSMENT_TYPES[AssessmentType.INTEGRATED]
                ),
                "eligible_needs_identified": YES if eligible else NO,
            }
        )


def _reablement(x: _Extract) -> Iterable[CldEvent]:
    e, period = ReablementEpisode, x.period
    query = _with_person(
        select(*_PERSON_COLUMNS, col(e.id), col(e.start_date), col(e.ended_on), col(e.outcome)),
        col(e.person_id),
    ).outerjoin(Referral, col(Referral.id) == e.referral_id)
    query = query.where(
        col(e.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED]),
        col(e.start_date) <= period.last_day,
        or_(col(e.ended_on).is_(None), col(e.ended_on) >= period.first_day),
    )
    for row in x.rows(query, func.coalesce(col(Referral.team_id), _person.c.team_id)):
        episode_id, start, ended_on, outcome = row[_PERSON_WIDTH:]
        start, ended_on = day(start), day(ended_on)
        ended = ended_on is not None and ended_on <= period.last_day
        yield _new_event(
            {
                **x.people.of(row),
                "event_type": "Service",
                "event_reference": f"RBL{episode_id}",
                "event_start_date": start,
                "event_end_date": ended_on if ended else None,
                "event_outcome": EPISODE_OUTCOMES.get(outcome or "", NFA_OTHER)
                if ended
                else PROVISION_OF_SERVICE,
                "service_type": ST_MAX,
                "service_component": REABLEMENT,
            }
        )


@dataclass
class _HeldItem:
    """A micro-commissioned item while a plan holds it."""

    reference: str
    kind: str
    cost: float | None
    start: date
    end: date | None = None


ItemKey = tuple[str, str, Any]


_VERSIONS = SQLModel.metadata.tables[CarePlanVersion.__tablename__]


def _plan_items(x: _Extract) -> Iterable[CldEvent]:
    """Micro-commissioned items: one service per item from the plan version it first
    appeared in to the version that took it out (or the plan's closing), as an ongoing
    low-level service at its recorded cost. An item is the same item while its kind,
    description and cost stay the same; one taken out and put back is a new service."""
    plan, version, period = CarePlan, CarePlanVersion, x.period
    with_items = _VERSIONS.alias("with_items")
    ever_had_items = (
        select(with_items.c.id)
        .where(
            with_items.c.plan_id == plan.id,
            with_items.c.created_at < period.ends_at,
            cast(with_items.c["items"], Text) != "[]",
        )
        .exists()
    )
    query = _with_person(
        select(
            *_PERSON_COLUMNS,
            col(plan.id),
            x.hour(col(plan.closed_at)),
            col(version.number),
            x.hour(col(version.created_at)),
            # As text, decoded here only when the version has items: many have none.
            cast(col(version.items), Text),
        ),
        col(plan.person_id),
    ).join(version, col(version.plan_id) == plan.id)
    query = query.where(
        col(version.created_at) < period.ends_at,
        or_(col(plan.closed_at).is_(None), col(plan.closed_at) >= period.starts_at),
        ever_had_items,
    ).order_by(col(plan.id), col(version.number))
    held: dict[ItemKey, _HeldItem] = {}  # the current plan's items, as of its last version
    ended: list[_HeldItem] = []  # those taken out of it in or after the period
    current: Sequence[Any] = ()  # the current plan's last row

    def plan_events() -> Iterable[CldEvent]:
        closed_on = x.uk_day[current[_PERSON_WIDTH + 1]]
        person = x.people.of(current)
        for item in (*ended, *held.values()):
            event = _item_event(person, item, item.end or closed_on, period)
            if event is not None:
                yield event

    for row in x.rows(query, _person.c.team_id):
        plan_id, _closed, number, created, items = row[_PERSON_WIDTH:]
        if not current or plan_id != current[_PERSON_WIDTH]:
            if current:
                yield from plan_events()
            held, ended = {}, []
        current = row
        day: date = x.uk_day[created]  # type: ignore[assignment]
        seen: set[ItemKey] = set()
        for position, item in enumerate(json.loads(items) if len(items) > 2 else ()):
            kind = str(item.get("kind", ""))
            if kind not in ITEM_SERVICES:
                continue
            key = (kind, str(item.get("description", "")), item.get("cost_pounds"))
            seen.add(key)
            if key not in held:
                reference = f"PLN{plan_id}-{number}-{position + 1}"
                held[key] = _HeldItem(reference, kind, _cost(key[2]), day)
        if len(seen) < len(held):
            for key in [key for key in held if key not in seen]:
                taken_out = held.pop(key)
                taken_out.end = day
                if day >= period.first_day:  # one taken out before the period is no event
                    ended.append(taken_out)
    if current:
        yield from plan_events()


def _item_event(
    person: PersonValues, item: _HeldItem, end: date | None, period: Period
) -> CldEvent | None:
    """The service an item was, if it was held in the period."""
    if item.start > period.last_day or (end is not None and end < period.first_day):
        return None
    ended = end is not None and end <= period.last_day
    service_type, component = ITEM_SERVICES[item.kind]
    return _new_event(
        {
            **person,
            "event_type": "Service",
            "event_reference": item.reference,
            "event_start_date": item.start,
            "event_end_date": end if ended else None,
            "event_outcome": SERVICE_ENDED_AS_PLANNED if ended else PROVISION_OF_SERVICE,
            "service_type": service_type,
            "service_component": component,
            "unit_cost": item.cost,
        }
    )


def _cost(value: Any) -> float | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value)) if value not in (None, "") else None
    except ValueError:
        return None
