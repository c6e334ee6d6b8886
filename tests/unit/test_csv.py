"""CSV exports for committee papers: safe to open in a spreadsheet, readable by Excel."""

import csv
import io

import pytest

from chalicelib.edge.http import csv_response


def cells(rows, columns):
    response = csv_response(rows, columns, "x.csv")
    assert response.body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(response.body[1:])))


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", "\n", "\0"])
def test_text_that_a_spreadsheet_would_run_is_quoted_in_every_column(lead):
    header, row = cells([{"a": f"{lead}SUM(A1)", "b": f"x{lead}"}], ["a", "b"])
    assert row == [f"'{lead}SUM(A1)", f"x{lead}"]


def test_numbers_stay_numbers_even_when_negative():
    header, row = cells([{"a": -1.5, "b": 0, "c": True, "d": None}], ["a", "b", "c", "d"])
    assert row == ["-1.5", "0", "true", ""]


def test_lone_surrogates_cannot_break_the_export():
    header, row = cells([{"a": "Bins\udc80"}], ["a"])
    assert row == ["Bins\ufffd"]
