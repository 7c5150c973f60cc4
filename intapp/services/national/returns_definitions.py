"""Each figure's definition (numerator, denominator, period) in words, printed beside it."""

from __future__ import annotations

from datetime import date, timedelta

from intapp.formatting import uk_date
from intapp.services.national.period import Period
from intapp.services.national.returns import (
    FOLLOW_UP_DAYS,
    discharge_quarter,
)

TABLES = ("STS001", "STS002a", "STS002b", "ASCOF 2B", "ASCOF 2D")
TITLES = {
    "STS001": "STS001: requests for support from new clients, by route of access and what followed",
    "STS002a": "STS002a: new clients' reablement (ST-Max), by what followed",
    "STS002b": "STS002b: existing clients' reablement (ST-Max), by what followed",
    "ASCOF 2B": "ASCOF 2B: people aged 65+ at home 91 days after discharge into reablement",
    "ASCOF 2D": "ASCOF 2D: short-term support with no further request for ongoing support",
}


def _span(first: date, last: date) -> str:
    return f"{uk_date(first)} to {uk_date(last)}"


# Said beside the figures it touches when no long-term service is among the events read:
# intapp knows long-term support only from reablement endings and follow-ups
# (`sequel_services`), so a scope where none ended in it sees none.
CAVEAT = (
    "Caveat: none of the events read is a long-term service (no reablement read ended in "
    "long-term support, and no follow-up found anyone in residential or nursing care), so "
    "every client counts as new, STS002b is empty, and ASCOF 2B cannot see a move into "
    "residential or nursing care."
)
CAVEATED = ("STS001", "STS002a", "STS002b", "ASCOF 2B", "ASCOF 2D")


def definitions(year: Period, *, long_term_seen: bool = True) -> dict[str, str]:
    """Each table's definition for `year`: what is counted, over what, in which period;
    with the caveat when no long-term service was among the events read."""
    said = _definitions(year)
    if not long_term_seen:
        for table in CAVEATED:
            said[table] = f"{said[table]} {CAVEAT}"
    return said


def _definitions(year: Period) -> dict[str, str]:
    span = _span(year.first_day, year.last_day)
    window = discharge_quarter(year)
    last_follow_up = window.last_day + timedelta(FOLLOW_UP_DAYS)
    who = (
        "Service users only (carers are not counted); people who died before "
        f"{uk_date(year.first_day)} are left out. Age on {uk_date(year.last_day)}."
    )
    return {
        "STS001": (
            f"Count of requests for support completed {span} from new clients (no long-term "
            "service in place when the request began); records of one request starting "
            "within 4 days of the last one's end count once. What followed: the highest "
            "service in the SALT hierarchy among the events starting within 28 days of the "
            "request's end (each next within 3 days of the one before, up to another "
            "request); else an NFA or end-of-life outcome among them; else the request's "
            f"own outcome. {who}"
        ),
        "STS002a": (
            f"Count of periods of reablement (ST-Max) ending {span} that a new client's request "
            "led to (as in STS001, this year or before); records within 1 day of each other "
            "are one period. What followed: the "
            "highest long- or short-term service starting within 3 days of the end (each "
            "next within 3 days of the one before, up to another ST-Max); else an NFA "
            "outcome among those events; else the reablement's own outcome. Periods still "
            f"running are not counted. {who}"
        ),
        "STS002b": (
            f"Count of periods of reablement (ST-Max) ending {span} for existing clients (a "
            "long-term service in place when the reablement began), by what followed, by the "
            f"STS002a rules. {who}"
        ),
        "ASCOF 2B": (
            "Numerator: of the denominator, those still at home 91 days after reablement "
            "began: not died by that day, not in a residential or nursing care service that "
            "day, and not admitted to hospital (an event since reablement began ending "
            '"Admitted to hospital", with no later event of theirs by that day). '
            "Denominator: people aged 65 and over on the day reablement (ST-Max) began, "
            f"from {_span(window.first_day, window.last_day)}, within 28 days of "
            'completing a request whose route of access was "Discharge from Hospital" (the '
            "start of reablement stands for the discharge day, which CLD does not hold); "
            "deaths stay in the denominator. Period: those discharges, followed up to "
            f"{uk_date(last_follow_up)}. Anyone whose 91 days have not yet passed is left out "
            "of both and shown as not yet due."
        ),
        "ASCOF 2D": (
            "Numerator: periods of reablement in STS002a followed by ongoing low-level "
            "support, other short-term support, universal services or signposting, or no "
            "services (other). Denominator: those, and those followed by long-term support "
            "(early cessations, declined, self-funding and the not classifiable are in "
            f"neither). Period: reablement ending {span}. ASCOF 2023-24 calls it 2A."
        ),
    }
