"""Helpers for the import tests: files built in memory, and one call to run an import."""

from __future__ import annotations

import csv
import io
from typing import Any

from factories import _check_digit, fake_nhs_number
from sqlmodel import Session

from intapp.services.importing import ImportOutcome, SourceFile, import_records

PEOPLE_HEADER = [
    "nhs_number",
    "local_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "postcode",
    "gp_practice_code",
    "team_code",
    "risk_tier",
    "phone",
    "has_unpaid_carer",
    "date_of_death",
]
WORKERS_HEADER = [
    "staff_id",
    "given_name",
    "family_name",
    "profession",
    "team_code",
    "fte",
    "caseload_limit_points",
    "email",
]
REFERRALS_HEADER = [
    "referral_ref",
    "nhs_number",
    "local_id",
    "received_at",
    "source",
    "route_of_access",
    "reason",
    "priority",
    "team_code",
]
USER = "data.officer"


def person(n: int, **overrides: str) -> dict[str, str]:
    """A valid people row for team CEN1 (NHS numbers from the 999 test range)."""
    row = {
        "nhs_number": fake_nhs_number(n),
        "local_id": f"L{n:05d}",
        "given_name": f"Given{n}",
        "family_name": f"Family{n}",
        "date_of_birth": f"{1 + n % 28:02d}/0{1 + n % 9}/19{40 + n % 50}",
        "gender": "female" if n % 2 else "male",
        "postcode": f"m{10 + n % 9} {n % 9}ab",
        "gp_practice_code": "P84001",
        "team_code": "cen1",
        "risk_tier": "high" if n % 3 == 0 else "low",
        "phone": "0161 496 0000",
        "has_unpaid_carer": "no",
        "date_of_death": "",
    }
    row.update(overrides)
    return row


def many_people(count: int) -> list[dict[str, str]]:
    """`count` valid people rows, NHS numbers found in one pass (fake_nhs_number is O(n))."""
    rows, body = [], 999_100_000
    while len(rows) < count:
        digit = _check_digit(str(body))
        if digit is not None:
            n = len(rows)
            rows.append(person(n % 50, nhs_number=f"{body}{digit}", local_id=f"B{n:06d}"))
        body += 1
    return rows


def worker(n: int, **overrides: str) -> dict[str, str]:
    """A valid workers row for team CEN1."""
    row = {
        "staff_id": f"IMP{n:03d}",
        "given_name": f"Worker{n}",
        "family_name": f"Surname{n}",
        "profession": "social_worker",
        "team_code": "CEN1",
        "fte": "1",
        "caseload_limit_points": "",
        "email": f"worker{n}@example.org",
    }
    row.update(overrides)
    return row


def referral(n: int, person_n: int, **overrides: str) -> dict[str, str]:
    """A valid referrals row for person `person_n` (by NHS number)."""
    row = {
        "referral_ref": f"EXT-{n:04d}",
        "nhs_number": fake_nhs_number(person_n),
        "local_id": "",
        "received_at": "20/11/2026 14:05",
        "source": "gp",
        "route_of_access": "",
        "reason": f"Falls at home ({n})",
        "priority": "",
        "team_code": "CEN1",
    }
    row.update(overrides)
    return row


def csv_bytes(
    header: list[str], rows: list[dict[str, str]], *, bom: bool = False, crlf: bool = True
) -> bytes:
    """A CSV file with `header` and one line per row (missing keys are blank)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[Any]], *, extra_sheet: bool = False) -> bytes:
    """A workbook whose first sheet holds `rows` (typed values as given)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("Other").append(["not", "imported"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_import(
    session: Session, kind: str, data: bytes, name: str = "file.csv", **options: Any
) -> ImportOutcome:
    """Import `data` as one file of `kind`, in `session`'s transaction."""
    return import_records(
        session=session, user=USER, kind=kind, source=SourceFile(name, data), **options
    )
