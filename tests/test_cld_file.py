"""The CLD file's rows and the checks made before it is written, on SQLite and
PostgreSQL, from the hand-built history of `cld_fixture`."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from cld_fixture import CldCity, build
from sqlmodel import Session

from intapp.models import Person
from intapp.services.national.cld import cld_events
from intapp.services.national.cld_file import (
    COLUMNS,
    EVENT_COLUMNS,
    FILLED,
    PERSON_COLUMNS,
    SUBMISSION_COLUMNS,
    Problem,
    Row,
    as_dict,
    check,
    check_row,
    cld_rows,
    render_csv,
)
from intapp.services.national.period import quarter

Q3 = quarter(2026, 3)


@pytest.fixture
def city(session: Session) -> CldCity:
    return build(session)


def _rows(session: Session, la_code: str = "352") -> list[Row]:
    return cld_rows(cld_events(session, Q3, None), Q3, la_code)


def _read(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_the_header_is_release_1s_columns_in_order() -> None:
    data = render_csv([])
    assert data.decode("utf-8") == ",".join(COLUMNS) + "\r\n"
    assert len(COLUMNS) == len(set(COLUMNS)) == 50
    assert COLUMNS[:5] == (
        "LA_Code",
        "Reporting_Period_Start_Date",
        "Reporting_Period_End_Date",
        "NHS_Number",
        "LA_Person_Unique_Identifier",
    )
    assert COLUMNS.index("Event_Type") < COLUMNS.index("Request_Route_of_Access")
    assert COLUMNS[-3:] == ("Unit_Cost", "Cost_Frequency_Unit_Type", "Planned_units_per_week")
    assert FILLED.issubset(COLUMNS)


def test_each_event_is_written_in_the_columns_it_names(session: Session, city: CldCity) -> None:
    """The person and event blocks are written by position: they must line up with the
    names. Every filled column is filled for someone, and nothing else is."""
    assert COLUMNS == SUBMISSION_COLUMNS + PERSON_COLUMNS + EVENT_COLUMNS
    rows = [as_dict(row) for row in _rows(session)]
    filled = {column for row in rows for column, value in row.items() if value}
    assert filled == FILLED
    bilal = next(r for r in rows if r["NHS_Number"] == "4010232137")
    assert (bilal["Date_of_Birth"], bilal["Date_of_Death"], bilal["Gender"]) == (
        "1935-03-02",
        "2026-08-15",
        "Male",
    )
    review = next(r for r in rows if r["Event_Type"] == "Review")
    assert (review["Review_Reason"], review["Event_Outcome"]) == ("Planned", "No change in package")
    rail = next(r for r in rows if r["Unit_Cost"] == "120.50")
    assert (rail["Service_Type"], rail["Service_Component"]) == (
        "Short Term Support: Ongoing Low Level",
        "Adaptations",
    )


def test_a_request_row_written_out(session: Session, city: CldCity) -> None:
    written = {row["Event_Reference"]: row for row in _read(render_csv(_rows(session)))}
    filled = {column: value for column, value in written["R-ADA-1"].items() if value}
    assert filled == {
        "LA_Code": "352",
        "Reporting_Period_Start_Date": "2026-07-01",
        "Reporting_Period_End_Date": "2026-09-30",
        "NHS_Number": "9434765919",
        "LA_Person_Unique_Identifier": "L0001",
        "GP_Practice_Code": "P84001",
        "Gender": "Female",
        "Ethnicity": "A",
        "Date_of_Birth": "1940-05-01",
        "Client_Type": "Service User",
        "Primary_Support_Reason": "Physical Support: Personal care support",
        "Postcode": "M13 9WL",
        "Accommodation_Status": "Owner occupier or shared ownership scheme",
        "Has_Unpaid_Carer": "Yes",
        "Event_Type": "Request",
        "Event_Reference": "R-ADA-1",
        "Event_Start_Date": "2026-06-30",
        "Event_End_Date": "2026-07-01",
        "Event_Outcome": "Progress to Reablement/ST-Max",
        "Request_Route_of_Access": "Discharge from Hospital",
    }


def test_a_death_and_a_plan_item_written_out(session: Session, city: CldCity) -> None:
    written = {row["Event_Reference"]: row for row in _read(render_csv(_rows(session)))}
    bilal = written[f"RBL{city.ids['bilal_episode']}"]
    assert (
        bilal["Date_of_Death"],
        bilal["Event_Start_Date"],
        bilal["Event_End_Date"],
        bilal["Event_Outcome"],
        bilal["Service_Type"],
        bilal["Service_Component"],
        bilal["LA_Person_Unique_Identifier"],
    ) == (
        "2026-08-15",
        "2026-06-10",
        "2026-08-15",
        "NFA - Deceased",
        "Short Term Support: ST-Max",
        "Reablement",
        str(city.bilal),
    )
    rail = written[f"PLN{city.ids['dorothy_plan']}-2-2"]
    assert (rail["Unit_Cost"], rail["Event_End_Date"], rail["Event_Outcome"]) == (
        "120.50",
        "",
        "Provision of service",
    )


def test_columns_intapp_cannot_fill_are_blank(session: Session, city: CldCity) -> None:
    for row in _read(render_csv(_rows(session))):
        assert list(row) == list(COLUMNS)
        assert {column for column, value in row.items() if value} <= FILLED


def test_text_that_a_spreadsheet_would_run_is_neutralised(session: Session, city: CldCity) -> None:
    session.get_one(Person, city.ada).postcode = "=1+1"
    session.flush()
    rows = _rows(session)
    written = _read(render_csv(rows))
    assert {
        row["Postcode"] for row in written if row["LA_Person_Unique_Identifier"] == "L0001"
    } == {"'=1+1"}


def test_the_history_has_only_the_missing_postcodes_wrong(session: Session, city: CldCity) -> None:
    rows = _rows(session)
    lines = {as_dict(row)["Event_Reference"]: n for n, row in enumerate(rows, start=2)}
    no_postcode = [
        "R-CHE-1",
        f"ASM{city.ids['chen_assessment']}",
        f"PLN{city.ids['dorothy_plan']}-1-1",
        f"ASM{city.ids['dorothy_assessment']}",
        f"PLN{city.ids['dorothy_plan']}-2-2",
        f"REV{city.ids['dorothy_review']}",
        "R-FAT-1",
    ]
    assert check(rows, Q3) == sorted(
        (Problem(lines[ref], "Postcode", "missing: it is mandatory") for ref in no_postcode),
        key=lambda p: p.row,
    )


def test_an_invalid_nhs_number_and_a_missing_field_are_reported(
    session: Session, city: CldCity
) -> None:
    for person_id in (city.chen, city.dorothy, city.fatima):
        session.get_one(Person, person_id).postcode = "M1 1AA"
    # Stored before numbers were checked (an old import): the last digit is wrong.
    session.get_one(Person, city.fatima).nhs_number = "9434765910"
    session.get_one(Person, city.bilal).ethnicity = "X"
    session.flush()
    rows = _rows(session, la_code="")
    lines = {as_dict(row)["Event_Reference"]: n for n, row in enumerate(rows, start=2)}
    problems = check(rows, Q3)
    assert {(p.row, p.column, p.problem) for p in problems if p.column != "LA_Code"} == {
        (
            lines["R-FAT-1"],
            "NHS_Number",
            "not a valid NHS number (10 digits with a modulus 11 check digit)",
        ),
        (lines[f"RBL{city.ids['bilal_episode']}"], "Ethnicity", "not in the code list: 'X'"),
    }
    # No council code given: every row misses it.
    assert [p.row for p in problems if p.column == "LA_Code"] == list(range(2, len(rows) + 2))


def _row(**values: str) -> Row:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        LA_Code="352",
        Reporting_Period_Start_Date="2026-07-01",
        Reporting_Period_End_Date="2026-09-30",
        LA_Person_Unique_Identifier="L1",
        Gender="Male",
        Ethnicity="A",
        Date_of_Birth="1940-01-01",
        Client_Type="Service User",
        Primary_Support_Reason="Unknown",
        Postcode="M1 1AA",
        Accommodation_Status="Unknown",
        Has_Unpaid_Carer="No",
        Event_Reference="X1",
        Event_Start_Date="2026-07-01",
    )
    row.update(values)
    return [row[column] for column in COLUMNS]


REQUEST = {
    "Event_Type": "Request",
    "Event_End_Date": "2026-07-02",
    "Event_Outcome": "Progress to Assessment",
    "Request_Route_of_Access": "Community / Other route",
}
SERVICE = {
    "Event_Type": "Service",
    "Event_Outcome": "Provision of service",
    "Service_Type": "Short Term Support: ST-Max",
    "Service_Component": "Reablement",
}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (REQUEST, []),
        (SERVICE, []),
        ({**REQUEST, "Event_End_Date": "2026-10-01"}, [("Event_End_Date", "in 2026-Q3")]),
        ({**REQUEST, "Event_End_Date": "2026-06-30", "Event_Start_Date": "2026-06-01"},
         [("Event_End_Date", "in 2026-Q3")]),
        ({**REQUEST, "Event_End_Date": ""}, [("Event_End_Date", "mandatory for a Request")]),
        ({**REQUEST, "Event_Start_Date": "2026-07-05"}, [("Event_End_Date", "before the")]),
        ({**REQUEST, "Request_Route_of_Access": "Walk-in"},
         [("Request_Route_of_Access", "not in the code list")]),
        ({**SERVICE, "Event_Start_Date": "2026-10-01"}, [("Event_Start_Date", "by the end")]),
        ({**SERVICE, "Event_Start_Date": "2026-01-01", "Event_End_Date": "2026-06-30",
          "Event_Outcome": "Service ended as planned"}, [("Event_End_Date", "run into")]),
        ({**SERVICE, "Event_Outcome": "Service ended as planned"},
         [("Event_Outcome", "still provided")]),
        ({**SERVICE, "Service_Component": ""}, [("Service_Component", "mandatory")]),
        ({**SERVICE, "Date_of_Birth": "01/01/1940"}, [("Date_of_Birth", "YYYY-MM-DD")]),
        ({**SERVICE, "Date_of_Birth": "2026-08-01"}, [("Event_Start_Date", "date of birth")]),
        ({**SERVICE, "Gender": ""}, [("Gender", "mandatory")]),
    ],
)  # fmt: skip
def test_each_rule(values: dict[str, str], expected: list[tuple[str, str]]) -> None:
    problems = check_row(7, _row(**values), Q3)
    assert [p.row for p in problems] == [7] * len(expected)
    assert [p.column for p in problems] == [column for column, _ in expected]
    for problem, (_, words) in zip(problems, expected, strict=True):
        assert words in problem.problem


def test_a_quarter_covers_its_uk_days() -> None:
    assert (Q3.first_day, Q3.last_day) == (date(2026, 7, 1), date(2026, 9, 30))


def test_the_file_is_what_the_csv_writer_writes(session: Session, city: CldCity) -> None:
    rows = _rows(session)
    awkward = list(rows[0])
    awkward[COLUMNS.index("Event_Reference")] = 'R-1, "the first"\nof two'
    awkward[COLUMNS.index("Postcode")] = "M1 1AA\r"
    rows.append(awkward)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    assert render_csv(rows) == expected.getvalue().encode("utf-8")
    assert _read(render_csv(rows))[-1]["Event_Reference"] == 'R-1, "the first"\nof two'
