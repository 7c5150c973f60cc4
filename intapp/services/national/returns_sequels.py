"""What followed a request or a period of reablement: NHS England's published way of
reproducing SALT from Client Level Data ("Central Transformation Principles: Reproducing
SALT metrics from CLD", 2023-24), re-expressed over one person's history.

A person's history is a list of `Step`: one CLD event each, in the national wording. The
rules, in the order the principles give them:

1. Events are joined into one where the record is itemised: requests when one starts
   within 4 days of the previous one ending, reablement (ST-Max) within 1 day.
2. What followed is looked for among the events starting on or after the day the
   request (reablement) ended: the first must start within 28 days of a request's end
   (3 days of reablement's), and each next one within 3 days of the one before it
   ended. The chain stops at another request (for reablement: another ST-Max).
3. A service in the chain gives the sequel, the highest in the SALT hierarchy.
4. Otherwise an assessment's, review's or request's "NFA" outcome (and for a request,
   "Progress to End of Life Care") gives it; two different ones read as "NFA - Other".
5. Otherwise, and when nothing followed, the event's own outcome gives it.

Where an event's outcome maps to no SALT sequel ("Progress to Assessment", "Provision of
service"), the sequel is "not classifiable", the category NHS England's code adds for
visibility ("Unable to classify" / "No Service Found").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import NamedTuple

REQUEST, ASSESSMENT, REVIEW, SERVICE = "Request", "Assessment", "Review", "Service"

ST_MAX = "Short Term Support: ST-Max"
NURSING = "Long Term Support: Nursing Care"
RESIDENTIAL = "Long Term Support: Residential Care"
COMMUNITY = "Long Term Support: Community"
PRISON = "Long Term Support: Prison"
LOW_LEVEL = "Short Term Support: Ongoing Low Level"
OTHER_SHORT_TERM = "Short Term Support: Other Short Term"
LONG_TERM = (NURSING, RESIDENTIAL, COMMUNITY, PRISON)

# Joining itemised records, and how far a sequel may be from what it follows (days).
REQUEST_JOIN_DAYS = 4
ST_MAX_JOIN_DAYS = 1
REQUEST_SEQUEL_DAYS = 28
ST_MAX_SEQUEL_DAYS = 3
CHAIN_GAP_DAYS = 3

_SEPARATORS = re.compile(r"[\s\-\u2013\u2014:]+")


@cache
def outcome_key(text: str | None) -> str:
    """An event outcome or service type as the rules compare it: the national lists
    write "NFA - Other" and "NFA- Other", "100% NHS funded" and "100% NHS-funded", and
    an en dash for a hyphen, so case, dashes, colons and spacing do not count."""
    return " ".join(_SEPARATORS.split((text or "").casefold())).strip()


class Step(NamedTuple):
    """One event in a person's history, as the returns read it (national wording)."""

    kind: str  # Request, Assessment, Review or Service
    start: date
    end: date | None  # only a service may still be running
    outcome: str | None
    service_type: str | None = None
    route: str | None = None
    reference: str = ""

    @property
    def is_st_max(self) -> bool:
        return self.kind == SERVICE and outcome_key(self.service_type) == _ST_MAX_KEY


_ST_MAX_KEY = outcome_key(ST_MAX)


class Sts001Sequel(StrEnum):
    """The STS001 sequels to a request for support, as NHS England's mapping names them."""

    ST_MAX = "Short Term Support to Maximise Independence"
    NURSING = "Long Term Support: Nursing Care"
    RESIDENTIAL = "Long Term Support: Residential Care"
    COMMUNITY = "Long Term Support: Community"
    PRISON = "Long Term Support: Prison"
    LOW_LEVEL = "Ongoing Low Level Support"
    OTHER_SHORT_TERM = "Short Term Support (other)"
    NHS_FUNDED = "100% NHS Funded Care"
    END_OF_LIFE = "End of Life"
    UNIVERSAL = "Universal Services / Signposted to other services"
    DECEASED = "No Services Provided – Deceased"
    OTHER_REASON = "No Services Provided – other reason"
    NOT_CLASSIFIABLE = "Not classifiable from the events"


class Sts002Sequel(StrEnum):
    """The STS002a/b sequels to a period of reablement (ST-Max). The early cessations
    "not leading to long-term support: other" and "leading to long-term support" cannot
    be derived from CLD (NHS England's guidance), so they are not listed."""

    EARLY_CESSATION = (
        "Early cessation of service (not leading to long term support) – "
        "100% NHS funded care / End of Life / deceased"
    )
    LONG_TERM = "Long Term Support (any setting)"
    SELF_FUNDING = "No services provided – needs identified but self-funding"
    LOW_LEVEL = "Ongoing Low Level Support"
    OTHER_SHORT_TERM = "Short Term Support (other)"
    DECLINED = "No services provided – needs identified but support declined"
    UNIVERSAL = "No Services Provided – Universal Services / signposted to other services"
    OTHER = "No services provided – other"
    NOT_CLASSIFIABLE = "Not classifiable from the events"


# The outcomes' precedence when one record has two at once (NHS England's hierarchy).
_OUTCOME_ORDER = [
    "Progress to Reablement/ST-Max",
    "Progress to Assessment",
    "Admitted to hospital",
    "Progress to Re-assessment / Unplanned Review",
    "Progress to Support Planning / Services",
    "Progress to End of Life Care",
    "No change in package",
    "Service ended as planned",
    "Progress to financial assessment",
    "Provision of service",
    "NFA - Deceased",
    "NFA - Moved to another LA",
    "NFA - 100% NHS funded care",
    "NFA - Information & Advice / Signposting only",
    "NFA - Self-funded client (Inc. 12wk disregard)",
    "NFA - Support declined",
    "NFA - Support ended: Other reason",
    "NFA - No services offered: Other reason",
    "NFA - Other",
]
OUTCOME_RANK = {outcome_key(text): rank for rank, text in enumerate(_OUTCOME_ORDER, start=1)}

_NFA_OTHER = outcome_key("NFA - Other")

# What an outcome says followed a request (NHS England's STS001 mapping); the others
# ("Progress to ...", "Provision of service") say nothing about it.
STS001_OUTCOMES = {
    outcome_key(text): sequel
    for text, sequel in (
        ("Progress to End of Life Care", Sts001Sequel.END_OF_LIFE),
        ("NFA - Moved to another LA", Sts001Sequel.OTHER_REASON),
        ("NFA - 100% NHS funded care", Sts001Sequel.NHS_FUNDED),
        ("NFA - Self-funded client (Inc. 12wk disregard)", Sts001Sequel.OTHER_REASON),
        ("NFA - Support declined", Sts001Sequel.OTHER_REASON),
        ("NFA - Information & Advice / Signposting only", Sts001Sequel.UNIVERSAL),
        ("NFA - Deceased", Sts001Sequel.DECEASED),
        ("NFA - No services offered: Other reason", Sts001Sequel.OTHER_REASON),
        ("NFA - Support ended: Other reason", Sts001Sequel.OTHER_REASON),
        ("NFA - Other", Sts001Sequel.OTHER_REASON),
    )
}
STS001_SERVICES = {
    outcome_key(ST_MAX): Sts001Sequel.ST_MAX,
    outcome_key(NURSING): Sts001Sequel.NURSING,
    outcome_key(RESIDENTIAL): Sts001Sequel.RESIDENTIAL,
    outcome_key(COMMUNITY): Sts001Sequel.COMMUNITY,
    outcome_key(PRISON): Sts001Sequel.PRISON,
    outcome_key(LOW_LEVEL): Sts001Sequel.LOW_LEVEL,
    outcome_key(OTHER_SHORT_TERM): Sts001Sequel.OTHER_SHORT_TERM,
}
# The SALT hierarchy: the first service found in this order is the sequel.
STS001_HIERARCHY = list(STS001_SERVICES)

# What an outcome says followed reablement (NHS England's STS002a mapping).
STS002_OUTCOMES = {
    outcome_key(text): sequel
    for text, sequel in (
        ("NFA - 100% NHS funded care", Sts002Sequel.EARLY_CESSATION),
        ("NFA - Deceased", Sts002Sequel.EARLY_CESSATION),
        ("NFA - Self-funded client (Inc. 12wk disregard)", Sts002Sequel.SELF_FUNDING),
        ("NFA - Support declined", Sts002Sequel.DECLINED),
        ("NFA - Information & Advice / Signposting only", Sts002Sequel.UNIVERSAL),
        ("NFA - Moved to another LA", Sts002Sequel.OTHER),
        ("NFA - Other", Sts002Sequel.OTHER),
        ("NFA - No services offered: Other reason", Sts002Sequel.OTHER),
        ("NFA - Support ended: Other reason", Sts002Sequel.OTHER),
        ("Progress to End of Life Care", Sts002Sequel.OTHER),
        ("Admitted to hospital", Sts002Sequel.OTHER),
        ("Service ended as planned", Sts002Sequel.OTHER),
    )
}
STS002_SERVICES = {
    outcome_key(NURSING): Sts002Sequel.LONG_TERM,
    outcome_key(RESIDENTIAL): Sts002Sequel.LONG_TERM,
    outcome_key(COMMUNITY): Sts002Sequel.LONG_TERM,
    outcome_key(PRISON): Sts002Sequel.LONG_TERM,
    outcome_key(LOW_LEVEL): Sts002Sequel.LOW_LEVEL,
    outcome_key(OTHER_SHORT_TERM): Sts002Sequel.OTHER_SHORT_TERM,
}
STS002_HIERARCHY = list(STS002_SERVICES)

LONG_TERM_KEYS = frozenset(outcome_key(service) for service in LONG_TERM)


@dataclass(frozen=True)
class Joined:
    """Itemised records joined into one request or one period of reablement."""

    start: date
    end: date | None  # None: still running
    last: Step  # the record that ended last: its outcome (and route) stand for all


def _tie_break(step: Step) -> tuple[int, str]:
    return (OUTCOME_RANK.get(outcome_key(step.outcome), 99), step.reference)


def _join_order(step: Step) -> tuple[date, date, int, str]:
    return (step.start, step.end or date.max, *_tie_break(step))


def joined(steps: Sequence[Step], gap_days: int) -> list[Joined]:
    """`steps` (one kind, one person) joined where one starts no more than `gap_days`
    after the one before it ended; a record still running joins everything after it."""
    if len(steps) < 2:  # most people: one record, nothing to join
        return [Joined(s.start, s.end, s) for s in steps]
    ordered = sorted(steps, key=_join_order)
    groups: list[list[Step]] = []
    previous_end: date | None = None
    for step in ordered:
        if groups and (previous_end is None or (step.start - previous_end).days <= gap_days):
            groups[-1].append(step)
        else:
            groups.append([step])
        previous_end = step.end
    result = []
    for group in groups:
        if len(group) == 1:  # most: nothing joined to it
            only = group[0]
            result.append(Joined(only.start, only.end, only))
            continue
        ends = [s.end for s in group]
        end = None if None in ends else max(e for e in ends if e is not None)
        latest = [s for s in group if s.end == end]
        result.append(Joined(group[0].start, end, min(latest, key=_tie_break)))
    return result


def long_term_at(history: Sequence[Step], day: date) -> bool:
    """Whether a long-term service was in place on `day` (so the person is an existing
    client, not a new one)."""
    return any(
        s.kind == SERVICE
        and outcome_key(s.service_type) in LONG_TERM_KEYS
        and s.start <= day
        and (s.end is None or day <= s.end)
        for s in history
    )


def _chain(
    anchor: Joined,
    later: list[Step],
    first_within: int,
    stops: Callable[[Step], bool],
) -> list[Step]:
    """The events that followed `anchor`: the first within `first_within` days of its
    end, each next within 3 days of the previous one's end, up to (not including) the
    first event that `stops` the search. Events starting the same day go together."""
    assert anchor.end is not None
    ordered = sorted(later, key=lambda s: (s.start, s.end or date.max, s.kind, s.reference))
    if not ordered or (ordered[0].start - anchor.end).days > first_within:
        return []
    chain: list[Step] = []
    previous_end: date | None = None
    index = 0
    while index < len(ordered):
        day = ordered[index].start
        same_day = []
        while index < len(ordered) and ordered[index].start == day:
            same_day.append(ordered[index])
            index += 1
        if chain and previous_end is not None and (day - previous_end).days > CHAIN_GAP_DAYS:
            break
        if any(stops(s) for s in same_day):
            break
        chain.extend(same_day)
        previous_end = same_day[-1].end
    return chain


def _latest_nfa(chain: list[Step], counts: Callable[[Step], bool]) -> str | None:
    """The outcome key of the last-ending event in `chain` whose outcome `counts`;
    "NFA - Other" when the last-ending ones disagree; None when there is none."""
    found = [s for s in chain if counts(s)]
    if not found:
        return None
    ends = [s.end for s in found if s.end is not None]
    last = max(ends) if ends else None
    outcomes = {outcome_key(s.outcome) for s in found if s.end == last}
    return outcomes.pop() if len(outcomes) == 1 else _NFA_OTHER


@dataclass(frozen=True)
class Sequel:
    """What followed, and, when it was reablement, the day that reablement started."""

    sts001: Sts001Sequel
    st_max_start: date | None = None


def request_sequel(request: Joined, history: Sequence[Step]) -> Sequel:
    """STS001: what followed a (joined) request for support."""
    assert request.end is not None
    later = [
        s
        for s in history
        if s.start >= request.end
        and not (s.kind == REQUEST and (s.start == request.start or s.end == request.end))
    ]
    chain = _chain(request, later, REQUEST_SEQUEL_DAYS, lambda s: s.kind == REQUEST)
    services = [s for s in chain if outcome_key(s.service_type) in STS001_SERVICES]
    if services:
        best = min(services, key=lambda s: STS001_HIERARCHY.index(outcome_key(s.service_type)))
        sequel = STS001_SERVICES[outcome_key(best.service_type)]
        if sequel is Sts001Sequel.ST_MAX:
            return Sequel(sequel, min(s.start for s in services if s.is_st_max))
        return Sequel(sequel)
    nfa = _latest_nfa(chain, lambda s: outcome_key(s.outcome) in STS001_OUTCOMES)
    if nfa is not None:
        return Sequel(STS001_OUTCOMES[nfa])
    own = STS001_OUTCOMES.get(outcome_key(request.last.outcome), Sts001Sequel.NOT_CLASSIFIABLE)
    return Sequel(own)


def reablement_sequel(period: Joined, history: Sequence[Step]) -> Sts002Sequel:
    """STS002a/b: what followed a (joined) period of reablement that has ended."""
    assert period.end is not None
    later = [
        s
        for s in history
        if s.start >= period.end
        and not (s.is_st_max and (s.start == period.start or s.end == period.end))
    ]
    chain = _chain(period, later, ST_MAX_SEQUEL_DAYS, lambda s: s.is_st_max)
    services = [s for s in chain if outcome_key(s.service_type) in STS002_SERVICES]
    if services:
        best = min(services, key=lambda s: STS002_HIERARCHY.index(outcome_key(s.service_type)))
        return STS002_SERVICES[outcome_key(best.service_type)]
    nfa = _latest_nfa(chain, lambda s: outcome_key(s.outcome).startswith("nfa"))
    if nfa is not None:
        return STS002_OUTCOMES.get(nfa, Sts002Sequel.OTHER)
    return STS002_OUTCOMES.get(outcome_key(period.last.outcome), Sts002Sequel.NOT_CLASSIFIABLE)
