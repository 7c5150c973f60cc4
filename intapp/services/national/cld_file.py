"""The CLD file: release 1's columns in order, one row per event, and the checks a row
must pass before it is sent (mandatory fields, code lists, NHS numbers, dates).

Rows are checked as they will be written, so what the report says is what the file holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
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

Row = dict[str, str]


def iso(day: date | None) -> str:
    """A date as the file writes it: YYYY-MM-DD, blank when there is none."""
    return day.isoformat() if day else ""


def row_of(event: CldEvent, period: Period, la_code: str) -> Row:
    """One event as a file row: every column, blank where intapp has nothing."""
    values = {
        "LA_Code": la_code,
        "Reporting_Period_Start_Date": iso(period.first_day),
        "Reporting_Period_End_Date": iso(period.last_day),
        "NHS_Number": event.nhs_number or "",
        "LA_Person_Unique_Identifier": event.la_person_id,
        "GP_Practice_Code": event.gp_practice_code or "",
        "Gender": event.gender or "",
        "Ethnicity": event.ethnicity,
        "Date_of_Birth": iso(event.date_of_birth),
        "Date_of_Death": iso(event.date_of_death),
        "Client_Type": event.client_type,
        "Primary_Support_Reason": event.primary_support_reason,
        "Postcode": event.postcode or "",
        "Accommodation_Status": event.accommodation_status,
        "Has_Unpaid_Carer": event.has_unpaid_carer,
        "Event_Type": event.event_type,
        "Event_Reference": event.event_reference,
        "Event_Start_Date": iso(event.event_start_date),
        "Event_End_Date": iso(event.event_end_date),
        "Event_Outcome": event.event_outcome or "",
        "Request_Route_of_Access": event.request_route_of_access or "",
        "Assessment_Type": event.assessment_type or "",
        "Eligible_Needs_Identified": event.eligible_needs_identified or "",
        "Service_Type": event.service_type or "",
        "Service_Component": event.service_component or "",
        "Review_Reason": event.review_reason or "",
        "Unit_Cost": f"{event.unit_cost:.2f}" if event.unit_cost is not None else "",
    }
    return {column: values.get(column, "") for column in COLUMNS}


def render_csv(rows: Iterable[Row]) -> bytes:
    """The file: a header of the column names, then a row per event. UTF-8 without a
    byte-order mark (a national upload reads the first column's name as it is); text
    cells a spreadsheet could run as a formula are neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(column, row[column]) for column in COLUMNS])
    return out.getvalue().encode("utf-8")


def _cell(column: str, value: str) -> str:
    # A cost is a number: a minus sign there is arithmetic, not a formula.
    return value if column == "Unit_Cost" else spreadsheet_safe(value)


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
DATE_COLUMNS = (
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "Date_of_Birth",
    "Date_of_Death",
    "Event_Start_Date",
    "Event_End_Date",
)
COMPLETED_EVENTS = frozenset({"Request", "Assessment", "Review"})


def check(rows: Sequence[Row], period: Period) -> list[Problem]:
    """Every problem in `rows`, row by row, in column order."""
    problems: list[Problem] = []
    for number, row in enumerate(rows, start=2):
        problems.extend(check_row(number, row, period))
    return problems


def check_row(number: int, row: Row, period: Period) -> list[Problem]:
    """The problems of one row (`number` as the file numbers it)."""
    found: list[Problem] = []

    def problem(column: str, text: str) -> None:
        found.append(Problem(number, column, text))

    kind = row["Event_Type"]
    for column in MANDATORY:
        if not row[column].strip():
            problem(column, "missing: it is mandatory")
    # A completed event's end date is mandatory: only a service may be open-ended.
    for column in MANDATORY_FOR.get(kind, ()):
        if not row[column].strip():
            problem(column, f"missing: it is mandatory for a {kind}")
    for column, allowed in CODE_LISTS.items():
        value = row[column]
        if value and value not in allowed:
            problem(column, f"{value!r} is not in the code list")
    if row["NHS_Number"] and not nhs_number.is_valid(row["NHS_Number"]):
        problem("NHS_Number", "not a valid NHS number (10 digits with a modulus 11 check digit)")
    days: dict[str, date | None] = {}
    for column in DATE_COLUMNS:
        days[column] = _day(row[column])
        if row[column] and days[column] is None:
            problem(column, "not a date: write it as YYYY-MM-DD")
    start, end = days["Event_Start_Date"], days["Event_End_Date"]
    if start and end and end < start:
        problem("Event_End_Date", "before the event's start")
    if kind in COMPLETED_EVENTS and end and not period.holds(end):
        problem("Event_End_Date", f"a completed event must end in {period.label}")
    if kind == "Service":
        if start and start > period.last_day:
            problem("Event_Start_Date", f"a service must start by the end of {period.label}")
        if end and end < period.first_day:
            problem("Event_End_Date", f"a service must run into {period.label}")
    if kind == "Service" and not end and row["Event_Outcome"] != cld.PROVISION_OF_SERVICE:
        problem("Event_Outcome", "a service with no end is still provided")
    born, died = days["Date_of_Birth"], days["Date_of_Death"]
    if born and start and start < born:
        problem("Event_Start_Date", "before the person's date of birth")
    if born and died and died < born:
        problem("Date_of_Death", "before the date of birth")
    return found


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


PROBLEM_HEADER = ("row", "column", "problem")


def render_problems(problems: Iterable[Problem]) -> bytes:
    """The validation report as CSV: row, column, problem."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PROBLEM_HEADER)
    for p in problems:
        writer.writerow([p.row, p.column, spreadsheet_safe(p.problem)])
    return out.getvalue().encode("utf-8")
