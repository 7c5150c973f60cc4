"""The CLD file: release 1's columns in order, one row per event, and the checks a row
must pass before it is sent (mandatory fields, code lists, NHS numbers, dates).

Rows are checked as they will be written, so what the report says is what the file holds.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from intapp.codes import (
    AccommodationStatus,
    ClientType,
    Ethnicity,
    NationalCode,
    PrimarySupportReason,
)
from intapp.services import nhs_number
from intapp.services.national import cld
from intapp.services.national.events import CldEvent
from intapp.services.national.period import Period
from intapp.services.weekly_summary.cells import spreadsheet_safe

# CLD release 1's columns, in the specification's order. The specification itself (NHS
# England / Arden & GEM's "CLD data specification" workbook) is not among the stored
# references; this order is the one two published sources agree on:
# - the release 1 raw view in saj42saj-beep/ASC-CLD-ASCOF ("1 Prepare Local CLD/
#   2 CLD_R1_Raw.sql"), which maps every release 1 column, names included;
# - DHSC's data-quality field list (DataS-DHSC/ASC-CLD-LA-Dashboard,
#   "Stored_procedures/create_GetDQValues_procedure.sql"), which names the same fields in
#   the same order, leaving out the identifying ones it never receives (names, GP
#   practice name, provider name), and spells the caring and units columns as here.
# The two disagree only on whether the reporting period's start or end comes first;
# the release 1 view (start, then end) is followed.
COLUMNS: tuple[str, ...] = (
    "LA_Code",
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "NHS_Number",
    "LA_Person_Unique_Identifier",
    "First_Name",
    "Last_Name",
    "GP_Practice_Name",
    "GP_Practice_Code",
    "Gender",
    "Ethnicity",
    "Date_of_Birth",
    "Date_of_Death",
    "Client_Type",
    "Primary_Support_Reason",
    "Postcode",
    "Accommodation_Status",
    "Employment_Status",
    "Has_Unpaid_Carer",
    "Autism_Spectrum_Disorder_ASD",
    "Visual_Impairment",
    "Hearing_Impairment",
    "Dementia",
    "Client_Funding_Status",
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
    "Event_End_Date",
    "Event_Description",
    "Event_Outcome",
    "Request_Route_of_Access",
    "Assessment_Type",
    "Eligible_Needs_Identified",
    "Method_of_Assessment",
    "Total_Hrs_Caring_per_week",
    "No_of_adults_being_cared_for",
    "Adult_1_Linked_Person_ID",
    "Adult_2_Linked_Person_ID",
    "Adult_3_Linked_Person_ID",
    "Service_Type",
    "Service_Component",
    "Delivery_Mechanism",
    "Provider_CQC_Location_Name",
    "Provider_CQC_Location_ID",
    "Review_Reason",
    "Review_Outcomes_Achieved",
    "Method_of_Review",
    "Unit_Cost",
    "Cost_Frequency_Unit_Type",
    "Planned_units_per_week",
)
# The columns intapp fills; the others are written blank. Names are left out on purpose:
# the person fields above identify the person, and the fewer copies of a name, the better.
FILLED = frozenset(
    {
        "LA_Code",
        "Reporting_Period_Start_Date",
        "Reporting_Period_End_Date",
        "NHS_Number",
        "LA_Person_Unique_Identifier",
        "GP_Practice_Code",
        "Gender",
        "Ethnicity",
        "Date_of_Birth",
        "Date_of_Death",
        "Client_Type",
        "Primary_Support_Reason",
        "Postcode",
        "Accommodation_Status",
        "Has_Unpaid_Carer",
        "Event_Type",
        "Event_Reference",
        "Event_Start_Date",
        "Event_End_Date",
        "Event_Outcome",
        "Request_Route_of_Access",
        "Assessment_Type",
        "Eligible_Needs_Identified",
        "Service_Type",
        "Service_Component",
        "Review_Reason",
        "Unit_Cost",
    }
)

# A file row: the cells in `COLUMNS` order, as they are written.
Row = list[str]
COLUMN_INDEX = {column: n for n, column in enumerate(COLUMNS)}
# The row is three blocks: the submission, the person (the same on all their rows, so
# worked out once per person) and the event.
SUBMISSION_COLUMNS = COLUMNS[:3]
PERSON_COLUMNS = COLUMNS[3 : COLUMN_INDEX["Event_Type"]]
EVENT_COLUMNS = COLUMNS[COLUMN_INDEX["Event_Type"] :]


def iso(day: date | None) -> str:
    """A date as the file writes it: YYYY-MM-DD, blank when there is none."""
    return day.isoformat() if day else ""


def as_dict(row: Row) -> dict[str, str]:
    """A row by column name."""
    return dict(zip(COLUMNS, row, strict=True))


def cld_rows(events: Iterable[CldEvent], period: Period, la_code: str) -> list[Row]:
    """The file's rows, one per event, blank where intapp has nothing. Text a
    spreadsheet could run as a formula is neutralised here, so the checks see the cells
    as they are written."""
    submission = [spreadsheet_safe(la_code), iso(period.first_day), iso(period.last_day)]
    people: dict[int, list[str]] = {}
    rows = []
    for event in events:
        person = people.get(event.person_id)
        if person is None:
            person = people[event.person_id] = _person_cells(event)
        rows.append([*submission, *person, *_event_cells(event)])
    return rows


def _person_cells(e: CldEvent) -> list[str]:
    """The person block, in `PERSON_COLUMNS` order (a test holds the two together). What
    an import may have brought in is neutralised; the rest is national wording."""
    safe = spreadsheet_safe
    return [
        safe(e.nhs_number or ""),
        safe(e.la_person_id),
        "",  # First_Name
        "",  # Last_Name
        "",  # GP_Practice_Name
        safe(e.gp_practice_code or ""),
        e.gender or "",
        safe(e.ethnicity),
        e.date_of_birth.isoformat(),
        e.date_of_death.isoformat() if e.date_of_death else "",
        e.client_type,
        safe(e.primary_support_reason),
        safe(e.postcode or ""),
        safe(e.accommodation_status),
        "",  # Employment_Status
        e.has_unpaid_carer,
        "",  # Autism_Spectrum_Disorder_ASD
        "",  # Visual_Impairment
        "",  # Hearing_Impairment
        "",  # Dementia
        "",  # Client_Funding_Status
    ]


def _event_cells(e: CldEvent) -> list[str]:
    """The event block, in `EVENT_COLUMNS` order (a test holds the two together). Only
    the reference is free text; the rest are dates, a number or national wording."""
    return [
        e.event_type,
        spreadsheet_safe(e.event_reference),
        e.event_start_date.isoformat(),
        e.event_end_date.isoformat() if e.event_end_date else "",
        "",  # Event_Description
        e.event_outcome or "",
        e.request_route_of_access or "",
        e.assessment_type or "",
        e.eligible_needs_identified or "",
        "",  # Method_of_Assessment
        "",  # Total_Hrs_Caring_per_week
        "",  # No_of_adults_being_cared_for
        "",  # Adult_1_Linked_Person_ID
        "",  # Adult_2_Linked_Person_ID
        "",  # Adult_3_Linked_Person_ID
        e.service_type or "",
        e.service_component or "",
        "",  # Delivery_Mechanism
        "",  # Provider_CQC_Location_Name
        "",  # Provider_CQC_Location_ID
        e.review_reason or "",
        "",  # Review_Outcomes_Achieved
        "",  # Method_of_Review
        f"{e.unit_cost:.2f}" if e.unit_cost is not None else "",  # a number: no formula
        "",  # Cost_Frequency_Unit_Type
        "",  # Planned_units_per_week
    ]


def render_csv(rows: Iterable[Row]) -> bytes:
    """The file: a header of the column names, then a row per event. UTF-8 without a
    byte-order mark (a national upload reads the first column's name as it is).

    Exactly what `csv.writer` writes (minimal quoting, CRLF), faster: a row with no comma,
    quote or line break in any cell (nearly all: the cells are codes, dates and national
    wording) is its cells joined by commas; any other row goes through the writer."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    write = out.write
    for row in rows:
        line = ",".join(row)
        if line.count(",") == _SEPARATORS and not _NEEDS_QUOTES.search(line):
            write(line)
            write("\r\n")
        else:
            writer.writerow(row)
    return out.getvalue().encode("utf-8")


_SEPARATORS = len(COLUMNS) - 1
_NEEDS_QUOTES = re.compile('["\r\n]')


# --- The checks --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file: its row (as a spreadsheet numbers it, the header
    being row 1), the column, and what is wrong, in words that name no value that could
    identify the person."""

    row: int
    column: str
    problem: str


# Mandatory for every event (release 1's "Mandatory"); NHS number only where known.
MANDATORY = (
    "LA_Code",
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "LA_Person_Unique_Identifier",
    "Gender",
    "Ethnicity",
    "Date_of_Birth",
    "Client_Type",
    "Primary_Support_Reason",
    "Postcode",
    "Accommodation_Status",
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
    "Event_Outcome",
)
# Mandatory for one event type only.
MANDATORY_FOR = {
    "Request": ("Event_End_Date", "Request_Route_of_Access"),
    "Assessment": ("Event_End_Date", "Assessment_Type", "Eligible_Needs_Identified"),
    "Review": ("Event_End_Date", "Review_Reason"),
    "Service": ("Service_Type", "Service_Component"),
}


def _wordings(codes: Iterable[NationalCode]) -> frozenset[str]:
    return frozenset(code.wording for code in codes)


# Each coded column's list.
CODE_LISTS: dict[str, frozenset[str]] = {
    "Gender": cld.GENDER_VALUES,
    "Ethnicity": frozenset(e.value for e in Ethnicity if e is not Ethnicity.UNKNOWN) | {"99"},
    "Client_Type": _wordings(c for c in ClientType if c is not ClientType.UNKNOWN),
    "Primary_Support_Reason": _wordings(PrimarySupportReason),
    "Accommodation_Status": _wordings(AccommodationStatus),
    "Has_Unpaid_Carer": frozenset({cld.YES, cld.NO, cld.UNKNOWN}),
    "Event_Type": frozenset(cld.EVENT_TYPES),
    "Event_Outcome": cld.EVENT_OUTCOMES,
    "Request_Route_of_Access": frozenset(cld.ROUTES_OF_ACCESS.values()),
    "Assessment_Type": frozenset(cld.ASSESSMENT_TYPES.values()),
    "Eligible_Needs_Identified": frozenset({cld.YES, cld.NO}),
    "Service_Type": cld.SERVICE_TYPES,
    "Service_Component": cld.SERVICE_COMPONENTS,
    "Review_Reason": cld.REVIEW_REASONS,
}
COMPLETED_EVENTS = frozenset({"Request", "Assessment", "Review"})
_EVENT_START = COLUMN_INDEX["Event_Type"]


def _split(columns: Iterable[str]) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(index, name) of the columns in the submission and person blocks, then the event's."""
    indexed = [(COLUMN_INDEX[c], c) for c in columns]
    return [i for i in indexed if i[0] < _EVENT_START], [i for i in indexed if i[0] >= _EVENT_START]


_PERSON_MANDATORY, _EVENT_MANDATORY = _split(MANDATORY)
_PERSON_CODED, _EVENT_CODED = (
    [(index, column, CODE_LISTS[column]) for index, column in block] for block in _split(CODE_LISTS)
)
_PERSON_DATES, _ = _split(
    ("Reporting_Period_Start_Date", "Reporting_Period_End_Date", "Date_of_Birth", "Date_of_Death")
)
_I = COLUMN_INDEX
Found = list[tuple[str, str]]  # (column, problem) in one row


def check(rows: Sequence[Row], period: Period) -> list[Problem]:
    """Every problem in `rows`, row by row, in column order. A person's fields are
    checked once, however many rows they have."""
    problems: list[Problem] = []
    by_person: dict[tuple[str, ...], Found] = {}
    day = _Days().__getitem__
    for number, row in enumerate(rows, start=2):
        head = tuple(row[:_EVENT_START])
        person = by_person.get(head)
        if person is None:
            person = by_person[head] = _person_problems(row, day)
        for column, text in (*person, *_event_problems(row, period, day)):
            problems.append(Problem(number, column, text))
    return problems


def check_row(number: int, row: Row, period: Period) -> list[Problem]:
    """The problems of one row (`number` as the file numbers it)."""
    day = _Days().__getitem__
    found = (*_person_problems(row, day), *_event_problems(row, period, day))
    return [Problem(number, column, text) for column, text in found]


def _coded(row: Row, columns: list[tuple[int, str, frozenset[str]]], found: Found) -> None:
    for index, column, allowed in columns:
        value = row[index]
        if value and value not in allowed:
            found.append((column, f"not in the code list: {value!r}"))


def _person_problems(row: Row, _day: Callable[[str], date | None]) -> Found:
    """The submission and person fields' problems."""
    found: Found = []
    for index, column in _PERSON_MANDATORY:
        if not row[index].strip():
            found.append((column, "missing: it is mandatory"))
    _coded(row, _PERSON_CODED, found)
    number = row[_I["NHS_Number"]]
    if number and not nhs_number.is_valid(number):
        found.append(
            ("NHS_Number", "not a valid NHS number (10 digits with a modulus 11 check digit)")
        )
    for index, column in _PERSON_DATES:
        if row[index] and _day(row[index]) is None:
            found.append((column, "not a date: write it as YYYY-MM-DD"))
    born, died = _day(row[_I["Date_of_Birth"]]), _day(row[_I["Date_of_Death"]])
    if born and died and died < born:
        found.append(("Date_of_Death", "before the date of birth"))
    return found


def _event_problems(row: Row, period: Period, _day: Callable[[str], date | None]) -> Found:
    """The event fields' problems, and its dates against the quarter's."""
    found: Found = []
    kind = row[_I["Event_Type"]]
    for index, column in _EVENT_MANDATORY:
        if not row[index].strip():
            found.append((column, "missing: it is mandatory"))
    # A completed event's end date is mandatory: only a service may be open-ended.
    for column in MANDATORY_FOR.get(kind, ()):
        if not row[_I[column]].strip():
            found.append((column, f"missing: it is mandatory for a {kind}"))
    _coded(row, _EVENT_CODED, found)
    start_text, end_text = row[_I["Event_Start_Date"]], row[_I["Event_End_Date"]]
    start, end = _day(start_text), _day(end_text)
    for column, text, day in (
        ("Event_Start_Date", start_text, start),
        ("Event_End_Date", end_text, end),
    ):
        if text and day is None:
            found.append((column, "not a date: write it as YYYY-MM-DD"))
    if start and end and end < start:
        found.append(("Event_End_Date", "before the event's start"))
    if kind in COMPLETED_EVENTS and end and not period.holds(end):
        found.append(("Event_End_Date", f"a completed event must end in {period.label}"))
    if kind == "Service":
        if start and start > period.last_day:
            found.append(("Event_Start_Date", f"a service must start by the end of {period.label}"))
        if end and end < period.first_day:
            found.append(("Event_End_Date", f"a service must run into {period.label}"))
        if not end and row[_I["Event_Outcome"]] != cld.PROVISION_OF_SERVICE:
            found.append(("Event_Outcome", "a service with no end is still provided"))
    born = _day(row[_I["Date_of_Birth"]])
    if born and start and start < born:
        found.append(("Event_Start_Date", "before the person's date of birth"))
    return found


class _Days(dict[str, date | None]):
    """Cells read as dates, each text once (a quarter's rows share few dates): None for a
    blank cell or one that is not a YYYY-MM-DD date."""

    def __missing__(self, text: str) -> date | None:
        try:
            found = date.fromisoformat(text) if text else None
        except ValueError:
            found = None
        self[text] = found
        return found


PROBLEM_HEADER = ("row", "column", "problem")


@dataclass(frozen=True)
class CldFile:
    """A quarter's file, checked: its bytes, how many rows, and its problems."""

    data: bytes
    rows: int
    problems: list[Problem]


def cld_file(events: Sequence[CldEvent], period: Period, la_code: str) -> CldFile:
    """The file of `events`, and the problems the checks find in it."""
    with cld.collector_paused():
        rows = cld_rows(events, period, la_code)
        problems = check(rows, period)
        return CldFile(render_csv(rows), len(rows), problems)


def render_problems(problems: Iterable[Problem]) -> bytes:
    """The validation report as CSV: row, column, problem."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PROBLEM_HEADER)
    for p in problems:
        writer.writerow([p.row, p.column, spreadsheet_safe(p.problem)])
    return out.getvalue().encode("utf-8")
