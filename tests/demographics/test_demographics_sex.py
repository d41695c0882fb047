"""Sex classification against NHS PERSON STATED GENDER CODE / PERSON GENDER CODE CURRENT."""

from __future__ import annotations

import numpy as np
import pytest

from equalqi.demographics import SEX_CODES, SEX_LABEL_ORDER, classify_sex

# NHS Data Dictionary: PERSON STATED GENDER CODE 1 Male, 2 Female, 9 Indeterminate, X Not
# known; PERSON GENDER CODE CURRENT 0 Not known, 9 Not specified; local M/F/U and words.
CASES = [
    ("1", "1", "Male"),
    ("2", "2", "Female"),
    ("9", "9", "Indeterminate"),
    ("X", "X", "Not known"),
    ("x", "X", "Not known"),
    ("0", "X", "Not known"),
    ("M", "1", "Male"),
    ("m", "1", "Male"),
    ("F", "2", "Female"),
    (" f ", "2", "Female"),
    ("U", "X", "Not known"),
    ("Male", "1", "Male"),
    ("MALE", "1", "Male"),
    ("female", "2", "Female"),
    ("Indeterminate", "9", "Indeterminate"),
    ("Not specified", "9", "Indeterminate"),
    ("unknown", "X", "Not known"),
    ("Not known", "X", "Not known"),
    ("", "X", "Not known"),
]


@pytest.mark.parametrize(("raw", "code", "label"), CASES)
def test_codes_and_words(raw: str, code: str, label: str) -> None:
    table = classify_sex([raw])
    assert table.loc[0, "raw"] == raw
    assert table.loc[0, "code"] == code
    assert table.loc[0, "label"] == label
    assert table.loc[0, "recognised"]


def test_labels_are_the_four_of_the_code_list() -> None:
    assert set(SEX_CODES.values()) == set(SEX_LABEL_ORDER)
    assert SEX_LABEL_ORDER[-1] == "Not known"


def test_numeric_codes_from_a_spreadsheet() -> None:
    table = classify_sex([1, 2.0, np.int64(9)])
    assert list(table["raw"]) == ["1", "2.0", "9"]
    assert list(table["code"]) == ["1", "2", "9"]


def test_missing_is_one_not_known_row() -> None:
    table = classify_sex([None, np.nan, "M"])
    assert len(table) == 2
    assert table.loc[0, "raw"] is None
    assert table.loc[0, "label"] == "Not known"


@pytest.mark.parametrize("raw", ["Non-binary", "other", "3", "MF", "boy"])
def test_unrecognised(raw: str) -> None:
    table = classify_sex([raw])
    assert not table.loc[0, "recognised"]
    assert table.loc[0, "code"] is None and table.loc[0, "label"] is None


def test_one_row_per_distinct_value() -> None:
    table = classify_sex(["M", "F", "M", "m", "F"])
    assert list(table["raw"]) == ["M", "F", "m"]
    assert list(table.columns) == ["raw", "code", "label", "recognised"]
