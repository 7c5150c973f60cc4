"""The outcome figures for a financial year: SALT STS001, STS002a and STS002b, and ASCOF
2B (still at home 91 days after discharge into reablement) and 2D (short-term support
with no further request for ongoing support; 2A in the 2023-24 ASCOF).

Every figure is counted from people's histories of CLD events (`PersonHistory`), built
either from the events the CLD extract writes (`returns_from_events`) or straight from
intapp's tables (`returns_direct`): a test holds the two together. The rules for what
followed an event are in `returns_sequels`; each figure's definition is in `DEFINITIONS`
and is printed beside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from intapp.services.national.cld import collector_paused
from intapp.services.national.events import CldEvent
from intapp.services.national.period import Period
from intapp.services.national.returns_sequels import (
    LONG_TERM_KEYS,
    NURSING,
    REQUEST,
    REQUEST_JOIN_DAYS,
    RESIDENTIAL,
    SERVICE,
    ST_MAX_JOIN_DAYS,
    Joined,
    Step,
    Sts001Sequel,
    Sts002Sequel,
    joined,
    long_term_at,
    outcome_key,
    reablement_sequel,
    request_sequel,
)

# Routes of access in CLD's order (release 1); a request with none reads "Not recorded".
ROUTES = (
    "Discharge from Hospital",
    "Diversion from Hospital Services",
    "Community / Other route",
    "Planned Entry (Transition)",
    "Prison",
    "Self-Funder",
    "Discharge from Reablement",
    "Transfer from Other LA",
)
NOT_RECORDED = "Not recorded"
AGE_BANDS = ("18-64", "65 and over", "Under 18")

# ASCOF 2B: discharges in the year's third quarter, followed up 91 days later.
FOLLOW_UP_DAYS = 91
ASCOF_2B_AGE = 65
_DISCHARGE_ROUTE = outcome_key("Discharge from Hospital")
_ADMITTED = outcome_key("Admitted to hospital")
_IN_CARE = frozenset({outcome_key(RESIDENTIAL), outcome_key(NURSING)})

# ASCOF 2D (2A in 2023-24): which STS002a sequels count, as NHS England publishes them.
ASCOF_2D_DENOMINATOR = (
    Sts002Sequel.LONG_TERM,
    Sts002Sequel.LOW_LEVEL,
    Sts002Sequel.OTHER_SHORT_TERM,
    Sts002Sequel.UNIVERSAL,
    Sts002Sequel.OTHER,
)
ASCOF_2D_NUMERATOR = ASCOF_2D_DENOMINATOR[1:]


@dataclass(frozen=True)
class PersonHistory:
    """One person's CLD events and the person fields the returns read."""

    date_of_birth: date
    date_of_death: date | None
    service_user: bool
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Rate:
    """A proportion: how many of how many."""

    numerator: int = 0
    denominator: int = 0

    @property
    def percent(self) -> float | None:
        """The rate as a percentage to one decimal place; None with nothing to divide."""
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None


@dataclass(frozen=True)
class YearReturns:
    """The figures for one financial year, as at `as_of` (the year's end once it is over)."""

    year: Period
    as_of: date
    # (age band, route of access, sequel) -> requests
    sts001: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # (age band, sequel) -> periods of reablement
    sts002a: dict[tuple[str, str], int] = field(default_factory=dict)
    sts002b: dict[tuple[str, str], int] = field(default_factory=dict)
    ascof_2b: Rate = Rate()
    ascof_2b_not_yet_due: int = 0
    ascof_2d: Rate = Rate()
    # Whether any long-term service was among the events read: without one, "new client",
    # long-term sequels and moves into care cannot be seen (`returns_definitions.CAVEAT`).
    long_term_seen: bool = False

    @property
    def to_date(self) -> bool:
        """Whether the year is still running, so its figures are to date."""
        return self.as_of < self.year.last_day


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day` (a 29 February birthday turns on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(born: date, day: date) -> str:
    """The SALT age band on `day`."""
    age = age_on(born, day)
    return AGE_BANDS[2] if age < 18 else AGE_BANDS[0] if age < 65 else AGE_BANDS[1]


def discharge_quarter(year: Period) -> Period:
    """ASCOF 2B's discharge window: 1 October to 31 December of the financial year."""
    first = year.first_day.year
    return Period(f"Q3 {year.label}", date(first, 10, 1), date(first, 12, 31))


def history_period(year: Period) -> Period:
    """The events the returns read: from 1 October before the year (the history that
    says what came before: a request six months back, the reablement it led to) to the
    last ASCOF 2B follow-up day after it. Reablement running longer than that would lose
    the request it came from (none in intapp's records runs past three months)."""
    last = max(year.last_day, discharge_quarter(year).last_day + timedelta(FOLLOW_UP_DAYS))
    first = date(year.first_day.year - 1, 10, 1)
    return Period(f"history for {year.label}", first, last)


def compute_returns(
    histories: Iterable[PersonHistory], *, year: Period, as_of: date
) -> YearReturns:
    """Every figure for `year` from people's histories; follow-ups after `as_of` are not
    yet due."""
    sts001: Counter[tuple[str, str, str]] = Counter()
    sts002a: Counter[tuple[str, str]] = Counter()
    sts002b: Counter[tuple[str, str]] = Counter()
    at_home = Rate()
    not_due = 0
    short_term = Rate()
    long_term_seen = False
    for person in histories:
        # Service users alive at the year's start (NHS England's cohort filters).
        if not person.service_user:
            continue
        if person.date_of_death is not None and person.date_of_death < year.first_day:
            continue
        band = age_band(person.date_of_birth, year.last_day)
        last_day = year.last_day
        steps = [s for s in person.steps if s.start <= last_day]
        services = [s for s in person.steps if s.kind == SERVICE]
        long_term = [s for s in services if outcome_key(s.service_type) in LONG_TERM_KEYS]
        long_term_seen = long_term_seen or bool(long_term)
        st_max = [s for s in services if s.start <= last_day and s.is_st_max]
        cohort = _count_requests(steps, year, band, sts001, long_term, reablement=bool(st_max))
        if not st_max:
            continue  # no reablement: nothing for STS002 or ASCOF 2B
        for period in _ended_in(
            joined([s for s in st_max if s.start in cohort], ST_MAX_JOIN_DAYS), year
        ):
            sequel = reablement_sequel(period, steps)
            sts002a[(band, sequel.value)] += 1
            short_term = Rate(
                short_term.numerator + (sequel in ASCOF_2D_NUMERATOR),
                short_term.denominator + (sequel in ASCOF_2D_DENOMINATOR),
            )
        for period in _ended_in(joined(st_max, ST_MAX_JOIN_DAYS), year):
            if long_term_at(steps, period.start):
                sts002b[(band, reablement_sequel(period, steps).value)] += 1
        home, due, waiting = _at_home_91_days(person, year, as_of)
        at_home = Rate(at_home.numerator + home, at_home.denominator + due)
        not_due += waiting
    return YearReturns(
        year=year,
        as_of=as_of,
        sts001=dict(sts001),
        sts002a=dict(sts002a),
        sts002b=dict(sts002b),
        ascof_2b=at_home,
        ascof_2b_not_yet_due=not_due,
        ascof_2d=short_term,
        long_term_seen=long_term_seen,
    )


def _ended_in(periods: list[Joined], year: Period) -> list[Joined]:
    """Joined records that ended within the year (one still running has not ended)."""
    return [p for p in periods if p.end is not None and year.holds(p.end)]


def _count_requests(
    steps: list[Step],
    year: Period,
    band: str,
    sts001: Counter[tuple[str, str, str]],
    long_term: list[Step],
    *,
    reablement: bool,
) -> set[date]:
    """Count a person's requests from a new client completed in the year into STS001;
    returns the start days of the reablement any new client's request led to, this year
    or before (the STS002a cohort: reablement ending this year may follow a request made
    last year). Without `reablement` in the history, earlier requests are not looked at."""
    requests = [s for s in steps if s.kind == REQUEST and s.end is not None]
    cohort: set[date] = set()
    for request in joined(requests, REQUEST_JOIN_DAYS):
        in_year = request.end is not None and year.holds(request.end)
        if not (in_year or reablement) or long_term_at(long_term, request.start):
            continue  # not counted, or an existing client
        sequel = request_sequel(request, steps)
        if in_year:
            sts001[(band, request.last.route or NOT_RECORDED, sequel.sts001.value)] += 1
        if sequel.st_max_start is not None:
            cohort.add(sequel.st_max_start)
    return cohort


def _at_home_91_days(person: PersonHistory, year: Period, as_of: date) -> tuple[int, int, int]:
    """ASCOF 2B for one person: (at home, counted, follow-up not yet due)."""
    window = discharge_quarter(year)
    steps = person.steps
    st_max = [s for s in steps if s.is_st_max]
    home = counted = waiting = 0
    for period in joined(st_max, ST_MAX_JOIN_DAYS):
        if not window.holds(period.start):
            continue
        if age_on(person.date_of_birth, period.start) < ASCOF_2B_AGE:
            continue
        if not _from_hospital(steps, period.start):
            continue
        follow_up = period.start + timedelta(FOLLOW_UP_DAYS)
        if follow_up > as_of:
            waiting += 1
            continue
        counted += 1
        home += _at_home_on(person, follow_up, since=period.start)
    return home, counted, waiting


def _from_hospital(steps: Iterable[Step], start: date) -> bool:
    """Whether a request that came "Discharge from Hospital" was completed in the 28
    days up to the day reablement started (the STS001 sequel window)."""
    return any(
        s.kind == REQUEST
        and s.end is not None
        and start - timedelta(28) <= s.end <= start
        and outcome_key(s.route) == _DISCHARGE_ROUTE
        for s in steps
    )


def _at_home_on(person: PersonHistory, day: date, *, since: date) -> bool:
    """Still at home on `day`, as far as the events say: not dead by then; not in a
    residential or nursing service that day; and not admitted to hospital (an event
    ending "Admitted to hospital" since reablement began) with nothing after it to show
    them back by that day."""
    if person.date_of_death is not None and person.date_of_death <= day:
        return False
    steps = person.steps
    for s in steps:
        if (
            outcome_key(s.service_type) in _IN_CARE
            and s.start <= day
            and (s.end is None or day <= s.end)
        ):
            return False
    admissions = [
        s.end
        for s in steps
        if s.end is not None and since <= s.end <= day and outcome_key(s.outcome) == _ADMITTED
    ]
    if admissions:
        admitted = max(admissions)
        if not any(admitted < s.start <= day for s in steps):
            return False
    return True


def sequel_order(table: str) -> list[str]:
    """The sequels of a table, in the order SALT lists them."""
    sequels = Sts001Sequel if table == "STS001" else Sts002Sequel
    return [s.value for s in sequels]


def route_order(routes: Iterable[str]) -> list[str]:
    """Routes of access in CLD's order, any other wording after them."""
    known = {outcome_key(r): i for i, r in enumerate(ROUTES)}
    return sorted(set(routes), key=lambda r: (known.get(outcome_key(r), len(ROUTES)), r))


def histories_by_person(
    people: Mapping[int, tuple[date, date | None, bool]], steps: Mapping[int, list[Step]]
) -> list[PersonHistory]:
    """Histories from each person's fields (birth, death, service user) and events."""
    return [
        PersonHistory(born, died, service_user, tuple(steps.get(person_id, ())))
        for person_id, (born, died, service_user) in people.items()
    ]


def histories_of(events: Iterable[CldEvent]) -> list[PersonHistory]:
    """People's histories from the CLD events the extract writes, one per person."""
    people: dict[int, tuple[date, date | None, bool]] = {}
    steps: dict[int, list[Step]] = {}
    for e in events:
        people[e.person_id] = (e.date_of_birth, e.date_of_death, _is_service_user(e))
        steps.setdefault(e.person_id, []).append(
            Step(
                kind=e.event_type,
                start=e.event_start_date,
                end=e.event_end_date,
                outcome=e.event_outcome,
                service_type=e.service_type,
                route=e.request_route_of_access,
                reference=e.event_reference,
            )
        )
    return histories_by_person(people, steps)


def _is_service_user(event: CldEvent) -> bool:
    return outcome_key(event.client_type) == outcome_key("Service User")


def returns_from_events(events: Iterable[CldEvent], *, year: Period, as_of: date) -> YearReturns:
    """The figures for `year` from the CLD events of `history_period(year)`."""
    with collector_paused():
        return compute_returns(histories_of(events), year=year, as_of=as_of)
