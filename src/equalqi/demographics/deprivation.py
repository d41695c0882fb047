"""Deprivation: IMD deciles, quintiles and Core20, with ordered labels.

The Index of Multiple Deprivation ranks every small area (LSOA) of a nation from most (rank 1)
to least deprived and cuts the ranking into ten equal groups: decile 1 is the most deprived
10% of areas. Quintiles pair deciles: ``quintile = (decile + 1) // 2`` (deciles 1-2 -> 1,
..., 9-10 -> 5), as in the English Indices of Deprivation 2019 and 2025 statistical releases.

Core20 (NHS England, Core20PLUS5) is the most deprived 20% of the national population as
measured by the IMD: deciles 1 and 2 of the English IMD. Deciles are not comparable across
the four nations, so Core20 should be taken from the English IMD only.

Validation (:func:`validate_deciles`) is kept apart from the calculations; the calculations
call it and raise :class:`equalqi.errors.InputError` with every bad value.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from equalqi.demographics._problems import ValuesLike, problems_for_mask
from equalqi.errors import InputError, Problem

#: Decile labels, index 0 is decile 1. Ordered from most to least deprived.
DECILE_LABELS: Final[tuple[str, ...]] = (
    "1 - most deprived",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10 - least deprived",
)

#: Quintile labels, index 0 is quintile 1. Ordered from most to least deprived.
QUINTILE_LABELS: Final[tuple[str, ...]] = (
    "1 - most deprived",
    "2",
    "3",
    "4",
    "5 - least deprived",
)

#: Labels for the Core20 split, Core20 first.
CORE20_LABELS: Final[tuple[str, str]] = ("Core20 - most deprived 20%", "Not Core20")


def _as_series(values: ValuesLike) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)


def _validate_range(
    values: ValuesLike,
    *,
    n: int,
    kind: str,
    column: str | None,
    file: str | None,
    first_row: int | None,
) -> list[Problem]:
    series = _as_series(values)
    numbers = pd.to_numeric(series, errors="coerce").astype(float).to_numpy()
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (np.mod(numbers, 1) == 0)
    good = whole & (numbers >= 1) & (numbers <= n)
    return problems_for_mask(
        series,
        ~good,
        what=f"a {kind} must be a whole number from 1 (most deprived) to {n} (least deprived)",
        fix=(
            f"Correct the {kind}, or give areas that could not be matched to the reference "
            "data their own 'Not known' group before banding."
        ),
        column=column,
        file=file,
        first_row=first_row,
    )


def validate_deciles(
    deciles: ValuesLike,
    *,
    column: str | None = "imd_decile",
    file: str | None = None,
    first_row: int | None = None,
) -> list[Problem]:
    """Problems with decile values: each must be a whole number 1-10 (missing is a problem).

    ``first_row`` is the spreadsheet row of the first value (2 when the header is row 1);
    leave it ``None`` when the values do not come from a file.
    """
    return _validate_range(
        deciles, n=10, kind="decile", column=column, file=file, first_row=first_row
    )


def validate_quintiles(
    quintiles: ValuesLike,
    *,
    column: str | None = "imd_quintile",
    file: str | None = None,
    first_row: int | None = None,
) -> list[Problem]:
    """Problems with quintile values: each must be a whole number 1-5."""
    return _validate_range(
        quintiles, n=5, kind="quintile", column=column, file=file, first_row=first_row
    )


def _checked(values: ValuesLike, problems: list[Problem]) -> np.ndarray:
    if problems:
        raise InputError(problems)
    array = np.asarray(values)
    return np.asarray(array, dtype=np.float64).astype(np.int64).reshape(array.shape)


def quintile_from_decile(decile: ValuesLike) -> np.ndarray:
    """Quintile of each decile: ``(decile + 1) // 2``; 1-2 -> 1, ..., 9-10 -> 5.

    Vectorised; keeps the input's shape (a scalar gives a 0-d array). Raises InputError for
    values that are not whole numbers 1-10.
    """
    deciles = _checked(decile, validate_deciles(decile))
    return (deciles + 1) // 2


def core20(decile: ValuesLike) -> np.ndarray:
    """True where the area is in the most deprived 20% nationally (deciles 1-2 of the IMD)."""
    deciles = _checked(decile, validate_deciles(decile))
    return deciles <= 2


def decile_labels(decile: ValuesLike) -> np.ndarray:
    """The :data:`DECILE_LABELS` label of each decile (object array, input's shape)."""
    deciles = _checked(decile, validate_deciles(decile))
    return np.asarray(DECILE_LABELS, dtype=object)[deciles - 1]


def quintile_labels(quintile: ValuesLike) -> np.ndarray:
    """The :data:`QUINTILE_LABELS` label of each quintile (object array, input's shape)."""
    quintiles = _checked(quintile, validate_quintiles(quintile))
    return np.asarray(QUINTILE_LABELS, dtype=object)[quintiles - 1]


def deprivation_table() -> pd.DataFrame:
    """The ten deciles with quintile, labels and Core20 flag: a mapping table to join on.

    Columns: ``imd_decile``, ``decile_label``, ``imd_quintile``, ``quintile_label``,
    ``core20`` and ``core20_label``; one row per decile 1-10, most deprived first.
    """
    deciles = np.arange(1, 11, dtype=np.int64)
    quintiles = quintile_from_decile(deciles)
    is_core20 = core20(deciles)
    return pd.DataFrame(
        {
            "imd_decile": deciles,
            "decile_label": pd.Series(DECILE_LABELS, dtype=object),
            "imd_quintile": quintiles,
            "quintile_label": pd.Series(quintile_labels(quintiles), dtype=object),
            "core20": is_core20,
            "core20_label": pd.Series(
                np.where(is_core20, CORE20_LABELS[0], CORE20_LABELS[1]), dtype=object
            ),
        }
    )
