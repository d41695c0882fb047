"""Small-number suppression policy for shared outputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.stats import suppress


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": [2024, 2024, 2024, 2024],
            "group": ["a", "b", "c", "d"],
            "numerator": [0.0, 4.0, 25.0, 40.0],
            "denominator": [50.0, 60.0, 100.0, 45.0],
            "value": [0.0, 4 / 60, 0.25, 40 / 45],
            "lower": [0.0, 0.02, 0.17, 0.76],
            "upper": [0.07, 0.16, 0.34, 0.95],
        }
    )


def test_counts_one_to_nine_blanked_with_derived_values_zeros_kept() -> None:
    out = suppress(_table(), count_columns=["numerator", "denominator"])
    assert out.loc[0, "numerator"] == 0 and not out.loc[0, "suppressed"]  # true zero shown
    assert math.isnan(out.loc[1, "numerator"])  # 4 -> blank
    assert math.isnan(out.loc[1, "value"]) and math.isnan(out.loc[1, "upper"])
    assert out.loc[1, "denominator"] == 60  # the denominator alone identifies no-one
    assert out["suppressed"].tolist() == [False, True, False, False]
    assert out.loc[1, "suppression_reason"] == "count 1-9 in numerator"


def test_input_frame_is_untouched() -> None:
    table = _table()
    before = table.copy()
    suppress(table, count_columns=["numerator"])
    pd.testing.assert_frame_equal(table, before)


def test_zeros_suppressed_when_asked() -> None:
    out = suppress(_table(), count_columns=["numerator"], keep_zeros=False)
    assert math.isnan(out.loc[0, "numerator"]) and out.loc[0, "suppressed"]


def test_complement_rule_hides_the_few_without_the_outcome() -> None:
    # group d: 45 − 40 = 5 people without the outcome
    out = suppress(
        _table(), count_columns=["numerator"], complement_of={"numerator": "denominator"}
    )
    assert math.isnan(out.loc[3, "numerator"]) and math.isnan(out.loc[3, "value"])
    assert out.loc[3, "suppression_reason"] == "denominator − numerator is 1-9"


def test_secondary_suppression_protects_the_total() -> None:
    # one primary cell (b = 4) in the set: the next smallest non-zero cell (c = 25) goes too
    out = suppress(_table(), count_columns=["numerator"], secondary_within=["period"])
    hidden = out["numerator"].isna().tolist()
    assert hidden == [False, True, True, False]
    assert out.loc[2, "suppression_reason"] == "secondary suppression"
    assert math.isnan(out.loc[2, "value"])


def test_secondary_not_needed_when_two_cells_hidden() -> None:
    table = _table().assign(numerator=[3.0, 4.0, 25.0, 40.0])
    out = suppress(table, count_columns=["numerator"], secondary_within=["period"])
    assert out["numerator"].isna().tolist() == [True, True, False, False]


def test_marker_and_threshold_and_rounding() -> None:
    out = suppress(_table(), count_columns=["numerator"], marker="*", threshold=5, round_to=5)
    assert out.loc[1, "numerator"] == "*"
    assert out.loc[2, "numerator"] == 25 and out.loc[3, "numerator"] == 40
    off = suppress(_table(), count_columns=["numerator"], threshold=0)
    assert not off["suppressed"].any()
    rounded = suppress(_table().assign(numerator=[0.0, 12.0, 23.0, 40.0]),
                       count_columns=["numerator"], round_to=5)  # fmt: skip
    assert rounded["numerator"].tolist() == [0, 10, 25, 40]


def test_derived_columns_can_be_named() -> None:
    out = suppress(_table(), count_columns=["numerator"], derived_columns=["value"])
    assert math.isnan(out.loc[1, "value"]) and out.loc[1, "lower"] == pytest.approx(0.02)


def test_bad_arguments_raise() -> None:
    with pytest.raises(InputError):
        suppress(_table(), count_columns=["missing"])
    with pytest.raises(InputError, match="threshold"):
        suppress(_table(), count_columns=["numerator"], threshold=-1)
    with pytest.raises(InputError, match="numbers"):
        suppress(_table(), count_columns=["group"])


def test_nan_counts_are_left_alone() -> None:
    out = suppress(
        _table().assign(numerator=[np.nan, 20.0, 25.0, 40.0]), count_columns=["numerator"]
    )
    assert not out["suppressed"].any()
