"""Deprivation: quintiles from deciles, Core20, labels, validation."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equalqi.demographics import (
    CORE20_LABELS,
    DECILE_LABELS,
    QUINTILE_LABELS,
    core20,
    decile_labels,
    deprivation_table,
    quintile_from_decile,
    quintile_labels,
    validate_deciles,
)
from equalqi.errors import InputError

# By hand: quintile q holds deciles 2q-1 and 2q (IoD 2019 statistical release: quintiles are
# pairs of deciles, 1 = most deprived).
DECILE_TO_QUINTILE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5}


def test_quintile_of_every_decile() -> None:
    deciles = np.array(list(DECILE_TO_QUINTILE))
    assert quintile_from_decile(deciles).tolist() == list(DECILE_TO_QUINTILE.values())


def test_scalar_and_shape_are_kept() -> None:
    assert int(quintile_from_decile(7)) == 4
    grid = np.array([[1, 10], [3, 6]])
    assert quintile_from_decile(grid).tolist() == [[1, 5], [2, 3]]


def test_core20_is_deciles_1_and_2() -> None:
    # NHS England Core20PLUS5: the most deprived 20% nationally = IMD deciles 1-2.
    assert core20(np.arange(1, 11)).tolist() == [True, True] + [False] * 8


def test_labels_are_ordered_most_to_least_deprived() -> None:
    assert len(DECILE_LABELS) == 10 and len(QUINTILE_LABELS) == 5
    assert DECILE_LABELS[0].startswith("1") and "most deprived" in DECILE_LABELS[0]
    assert DECILE_LABELS[-1].startswith("10") and "least deprived" in DECILE_LABELS[-1]
    assert QUINTILE_LABELS[-1].startswith("5") and "least deprived" in QUINTILE_LABELS[-1]
    assert decile_labels([10, 1]).tolist() == [DECILE_LABELS[9], DECILE_LABELS[0]]
    assert quintile_labels([3]).tolist() == ["3"]
    assert len(set(DECILE_LABELS)) == 10 and len(set(CORE20_LABELS)) == 2


def test_mapping_table() -> None:
    table = deprivation_table()
    assert table["imd_decile"].tolist() == list(range(1, 11))
    assert table["imd_quintile"].tolist() == list(DECILE_TO_QUINTILE.values())
    assert table["core20"].sum() == 2
    assert table.loc[table["core20"], "core20_label"].eq(CORE20_LABELS[0]).all()
    assert table["quintile_label"].tolist()[::2] == list(QUINTILE_LABELS)


@pytest.mark.parametrize("bad", [0, 11, 2.5, -1, None, "x", float("nan"), float("inf")])
def test_invalid_deciles_are_refused_with_the_value(bad: object) -> None:
    with pytest.raises(InputError) as caught:
        quintile_from_decile([1, bad])
    (problem,) = caught.value.problems
    assert problem.column == "imd_decile"
    assert problem.value in {str(bad), "(blank)"}
    with pytest.raises(InputError):
        core20([bad])


def test_validate_deciles_groups_repeats_and_locates_first_row() -> None:
    problems = validate_deciles([3, 11, 11, 0], file="areas.csv", first_row=2)
    assert [(p.row, p.value) for p in problems] == [(3, "11"), (5, "0")]
    assert "2 rows" in problems[0].what
    assert problems[0].file == "areas.csv"


def test_whole_numbers_given_as_text_or_float_are_valid() -> None:
    assert validate_deciles(["1", 2.0, np.int8(10)]) == []
    assert quintile_from_decile(["1", 2.0, np.int8(10)]).tolist() == [1, 1, 5]


@given(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=50))
def test_quintile_properties(deciles: list[int]) -> None:
    quintiles = quintile_from_decile(deciles)
    assert np.all((quintiles >= 1) & (quintiles <= 5))
    assert np.array_equal(quintiles, np.ceil(np.asarray(deciles) / 2).astype(int))
    # Monotone: a more deprived decile never has a less deprived quintile.
    order = np.argsort(deciles, kind="stable")
    assert np.all(np.diff(quintiles[order]) >= 0)
    assert np.array_equal(core20(deciles), quintiles == 1)


def test_the_core_imports_no_io_engine_or_web_library() -> None:
    # The demographics core is pure: importing it must not pull in the engine or file readers.
    code = (
        "import sys, equalqi.demographics; "
        "bad = [m for m in ('ibis', 'duckdb', 'openpyxl', 'urllib.request', 'sqlalchemy') "
        "if m in sys.modules]; print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
