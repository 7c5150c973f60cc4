"""Reading import files: encodings, line endings, quoted line breaks, workbooks."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from import_support import xlsx_bytes

from intapp.services.importing.reading import SourceFile, UnreadableFile, read_records


def records(data: bytes, name: str = "f.csv") -> list[tuple[int, list[str]]]:
    return [(r.line, r.cells) for r in read_records(SourceFile(name, data))]


def test_bom_and_crlf_are_read_like_plain_utf8() -> None:
    plain = records(b"a,b\nx,y\n")
    assert records(b"\xef\xbb\xbfa,b\r\nx,y\r\n") == plain == [(1, ["a", "b"]), (2, ["x", "y"])]


def test_a_record_is_numbered_by_the_line_it_starts_on() -> None:
    data = b'h1,h2\r\n"one\r\ntwo\r\nthree",2\r\nafter,3\r\n\r\nlast,4\r\n'
    assert records(data) == [
        (1, ["h1", "h2"]),
        (2, ["one\r\ntwo\r\nthree", "2"]),
        (5, ["after", "3"]),
        (7, ["last", "4"]),
    ]


def test_blank_lines_and_rows_of_empty_cells_are_skipped() -> None:
    assert records(b"a,b\n\n , \n,\nx,y\n") == [(1, ["a", "b"]), (5, ["x", "y"])]


def test_a_nul_byte_is_kept_for_the_checks_to_refuse() -> None:
    assert records(b"a,b\nx\x00y,z\n") == [(1, ["a", "b"]), (2, ["x\x00y", "z"])]


def test_text_that_is_not_utf8_names_the_line() -> None:
    with pytest.raises(UnreadableFile, match="Line 3 is not UTF-8") as caught:
        records(b"a,b\nx,y\nJos\xe9,z\n")
    assert caught.value.line == 3


def test_unpaired_quotes_name_the_record_they_start_in() -> None:
    with pytest.raises(UnreadableFile, match="starting on line 2") as caught:
        records(b'a,b\n"open,x\nmore,y\n')
    assert caught.value.line == 2


def test_an_old_excel_file_is_refused_with_advice() -> None:
    with pytest.raises(UnreadableFile, match=r"\.xls"):
        records(b"\xd0\xcf\x11\xe0rest of an old workbook", "f.xls")


def test_xlsx_first_sheet_with_typed_cells_reads_as_csv_text() -> None:
    data = xlsx_bytes(
        [
            ["nhs_number", "date_of_birth", "fte", "received_at", "flag"],
            [9434765919, datetime(1941, 3, 14), 0.8, datetime(2026, 11, 20, 14, 5), True],
            [None, None, None, None, None],
            ["401 023 2137", date(1950, 1, 2), 1.0, "20/11/2026 09:00", False],
        ],
        extra_sheet=True,
    )
    assert records(data, "f.xlsx") == [
        (1, ["nhs_number", "date_of_birth", "fte", "received_at", "flag"]),
        (2, ["9434765919", "1941-03-14", "0.8", "2026-11-20 14:05", "true"]),
        (4, ["401 023 2137", "1950-01-02", "1", "20/11/2026 09:00", "false"]),
    ]


def test_a_broken_workbook_is_unreadable() -> None:
    with pytest.raises(UnreadableFile, match="cannot be opened"):
        records(b"PK\x03\x04 not really a zip", "f.xlsx")


def test_sha256_is_of_the_exact_bytes() -> None:
    assert SourceFile("a.csv", b"abc").sha256 == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_xlsx_formulas_are_read_as_formulas_not_as_their_missing_results() -> None:
    data = xlsx_bytes([["a", "b", "c"], ["=1+1", "plain", "=A2&B2"]])
    header, row = list(read_records(SourceFile("f.xlsx", data)))
    assert header.formulas == frozenset()
    assert (row.cells, row.formulas) == (["=1+1", "plain", "=A2&B2"], frozenset({0, 2}))
