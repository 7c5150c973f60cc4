"""Whatever a file holds, the importer reports problems; it never crashes."""

from __future__ import annotations

import csv
import io

from factories import fake_nhs_number, small_organisation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_support import PEOPLE_HEADER, REFERRALS_HEADER, WORKERS_HEADER, run_import
from sqlalchemy import Engine
from sqlmodel import Session

from intapp.services.importing import ImportOutcome

HEADERS = {"people": PEOPLE_HEADER, "workers": WORKERS_HEADER, "referrals": REFERRALS_HEADER}
kinds = st.sampled_from(sorted(HEADERS))
# Cells that are nearly right are the interesting ones: real values, mangled a little.
plausible = st.sampled_from(
    [
        fake_nhs_number(1),
        "943 476 5919",
        "CEN1",
        "01/02/1940",
        "2026-11-20 14:05",
        "gp",
        "social_worker",
        "0.5",
        "yes",
        "=cmd|' /C calc'!A0",
        '"',
        "",
    ]
)
cells = st.one_of(plausible, st.text(max_size=12), st.text(alphabet="0123456789 -/:,\"'\r\n\x00٣"))


def assert_reported(outcome: ImportOutcome) -> None:
    for problem in outcome.problems:
        assert problem.line >= 1
        assert problem.reason
    for file in outcome.files:
        assert file.rejected <= file.rows_read or file.unreadable


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=kinds, data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_arbitrary_bytes_never_crash_the_importer(
    sqlite_engine: Engine, kind: str, data: bytes
) -> None:
    with Session(sqlite_engine) as session:
        assert_reported(run_import(session, kind, data, dry_run=True))


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=kinds,
    header_case=st.sampled_from([str.lower, str.upper, str.title]),
    rows=st.lists(st.lists(cells, min_size=0, max_size=14), max_size=6),
)
def test_arbitrary_rows_under_a_real_header_are_checked_and_written_safely(
    sqlite_engine: Engine, kind: str, header_case, rows: list[list[str]]
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header_case(h) for h in HEADERS[kind]])
    writer.writerows(rows)
    with Session(sqlite_engine) as session:
        small_organisation(session)
        outcome = run_import(session, kind, out.getvalue().encode(), skip_invalid=True)
        assert_reported(outcome)
        session.rollback()
