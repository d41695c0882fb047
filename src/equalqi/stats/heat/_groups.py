"""Subgroup data for the HEAT measures, prepared once and reduced per setting without loops.

A *setting* is one combination of the ``group_by`` columns (e.g. one period of one
indicator); its rows are the *subgroups* (deprivation deciles, ethnic groups...). Rows are
sorted so each setting is contiguous, and every reduction (sum, max, first match) is a
single numpy call over all settings at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from equalqi.errors import Problem
from equalqi.stats._confidence import z_two_sided
from equalqi.stats._validation import (
    as_float_array,
    check_columns,
    check_group_by,
    raise_problems,
    row_problems,
)

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

MISSING_SHARE_LIMIT = 0.15  # healthequal: stop when more than 15% of estimates are missing

P = ParamSpec("P")
R = TypeVar("R")


def quiet(function: Callable[P, R]) -> Callable[P, R]:
    """Run a measure with numpy's floating-point warnings off.

    Settings that cannot be computed (no subgroups left, a zero mean) are reported through
    the ``note`` column with blank numbers, so the arithmetic warnings on the way are noise.
    """

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return function(*args, **kwargs)

    return wrapper


OUTPUT_COLUMNS = ("measure", "estimate", "se", "lowerci", "upperci", "method", "note")


@dataclass(frozen=True)
class Settings:
    """Rows sorted by setting (and subgroup order); ``codes`` maps each row to its setting."""

    frame: pd.DataFrame
    keys: pd.DataFrame
    codes: IntArray
    starts: IntArray
    positions: IntArray  # each sorted row's position in the caller's frame

    @property
    def size(self) -> int:
        return len(self.keys)

    def sum(self, values: Array, mask: BoolArray | None = None) -> Array:
        """Σ over each setting's rows (only where ``mask``)."""
        weights = values if mask is None else np.where(mask, values, 0.0)
        return np.bincount(self.codes, weights=weights, minlength=self.size).astype(float)

    def count(self, mask: BoolArray) -> Array:
        return np.bincount(self.codes, weights=mask.astype(float), minlength=self.size).astype(
            float
        )

    def max(self, values: Array, mask: BoolArray) -> Array:
        """Maximum over each setting's masked rows (-inf if none)."""
        if len(values) == 0:
            return np.full(self.size, -np.inf)
        return np.maximum.reduceat(np.where(mask, values, -np.inf), self.starts)

    def min(self, values: Array, mask: BoolArray) -> Array:
        if len(values) == 0:
            return np.full(self.size, np.inf)
        return np.minimum.reduceat(np.where(mask, values, np.inf), self.starts)

    def first(self, mask: BoolArray) -> IntArray:
        """Row position of each setting's first masked row (-1 if none)."""
        n = len(mask)
        if n == 0:
            return np.full(self.size, -1, dtype=np.intp)
        pos = np.minimum.reduceat(np.where(mask, np.arange(n), n), self.starts)
        return np.where(pos >= n, -1, pos).astype(np.intp)

    def cumsum(self, values: Array) -> Array:
        """Running sum within each setting."""
        total = np.cumsum(values)
        offset = np.concatenate([[0.0], total])[self.starts]
        return total - offset[self.codes]

    def spread(self, per_setting: Array) -> Array:
        """A per-setting value on every row."""
        return per_setting[self.codes]

    def take(self, values: Array, positions: IntArray) -> Array:
        """``values`` at the given row positions; NaN where the position is -1."""
        safe = np.where(positions >= 0, positions, 0)
        return np.where(positions >= 0, values[safe] if len(values) else np.nan, np.nan)


def prepare(
    data: pd.DataFrame, group_by: Sequence[str] | str | None, order: str | None = None
) -> Settings:
    """Sort ``data`` by setting (then by ``order`` if given) and index the settings."""
    keys = check_group_by(data, group_by)
    frame = data.reset_index(drop=True)
    if keys:
        codes = frame.groupby(keys, sort=True, dropna=False).ngroup().to_numpy()
    else:
        codes = np.zeros(len(frame), dtype=np.intp)
    if order is not None:
        position = np.lexsort((as_float_array(frame[order]), codes))  # stable
    else:
        position = np.argsort(codes, kind="stable")
    frame = frame.iloc[position].reset_index(drop=True)
    codes = codes[position].astype(np.intp)
    positions = np.asarray(position, dtype=np.intp)
    n_settings = int(codes.max()) + 1 if len(codes) else 0
    starts = np.searchsorted(codes, np.arange(n_settings)).astype(np.intp)
    if keys:
        key_frame = frame[keys].iloc[starts].reset_index(drop=True)
    else:
        key_frame = pd.DataFrame(index=range(n_settings))
    return Settings(frame=frame, keys=key_frame, codes=codes, starts=starts, positions=positions)


def flag_per_setting(
    settings: Settings, value: bool | int | str | None, argument: str
) -> tuple[Array, list[Problem]]:
    """A 0/1 argument given as a scalar or a column constant within each setting."""
    return _per_setting(settings, value, argument, allowed=(0.0, 1.0))


def number_per_setting(
    settings: Settings, value: float | str | None, argument: str
) -> tuple[Array, list[Problem]]:
    """A numeric argument (scale, setting average) as a scalar or a per-setting column."""
    return _per_setting(settings, value, argument, allowed=None)


def _per_setting(
    settings: Settings,
    value: bool | int | float | str | None,
    argument: str,
    allowed: tuple[float, ...] | None,
) -> tuple[Array, list[Problem]]:
    if value is None:
        return np.full(settings.size, np.nan), []
    if isinstance(value, str):
        problems = check_columns(settings.frame, [(argument, value)])
        if problems:
            return np.full(settings.size, np.nan), problems
        column = settings.frame[value]
        numbers = as_float_array(column.astype(float) if column.dtype == bool else column)
        first = numbers[settings.starts] if settings.size else np.array([])
        varies = ~_equal_or_both_nan(numbers, first[settings.codes])
        if varies.any():
            return first, [
                Problem(
                    what=f"{argument} must be the same for every subgroup of a setting",
                    fix="Give one value per indicator and setting (e.g. per period).",
                    column=value,
                    row=int(settings.positions[np.flatnonzero(varies)[0]]) + 2,
                )
            ]
        bad = ~np.isnan(numbers) & (
            ~np.isin(numbers, allowed) if allowed is not None else ~np.isfinite(numbers)
        )
        if allowed is not None:
            bad |= np.isnan(numbers)
        original_bad = np.zeros(len(bad), dtype=bool)
        original_bad[settings.positions] = bad
        problems = row_problems(
            settings.frame.iloc[np.argsort(settings.positions)].reset_index(drop=True),
            value,
            original_bad,
            what=f"{argument} must be {' or '.join(f'{a:g}' for a in allowed)}"
            if allowed is not None
            else f"{argument} must be a number",
            fix=f"Fill the {argument} column.",
        )
        return first, problems
    number = float(value)
    if allowed is not None and number not in allowed:
        return np.full(settings.size, np.nan), [
            Problem(
                what=f"{argument} must be {' or '.join(f'{a:g}' for a in allowed)}",
                fix=f"Use 1 (true) or 0 (false) for {argument}.",
                value=repr(value),
            )
        ]
    return np.full(settings.size, number), []


def reference_rows(settings: Settings, column: str | None) -> tuple[BoolArray, list[Problem]]:
    """The rows marked 1 in the user's 0/1 reference column; a problem if a setting has several."""
    is_ref = as_float_array(settings.frame[column]) == 1
    if not (settings.count(is_ref) > 1).any():
        return is_ref, []
    return is_ref, [
        Problem(
            what="more than one subgroup is marked as the reference in a setting",
            fix="Mark exactly one reference subgroup (1) per setting; the others 0.",
            column=column,
        )
    ]


def need_order(ordered: Array, order: Array | None) -> list[Problem]:
    """An ordered dimension (``ordered`` 1 in some setting) needs the subgroup order."""
    if (ordered == 1).any() and order is None:
        return [
            Problem(
                what="an ordered dimension needs the subgroup_order column",
                fix="Name the column that ranks subgroups from most disadvantaged (1) upwards.",
            )
        ]
    return []


def _equal_or_both_nan(a: Array, b: Array) -> BoolArray:
    return (a == b) | (np.isnan(a) & np.isnan(b))


def numeric_column(
    settings: Settings, column: str | None, argument: str
) -> tuple[Array | None, list[Problem]]:
    """A numeric column as floats (``None`` if not given)."""
    if column is None:
        return None, []
    problems = check_columns(settings.frame, [(argument, column)], numeric=(argument,))
    if problems:
        return None, problems
    return as_float_array(settings.frame[column]), []


def result_frame(
    settings: Settings,
    measure: str,
    estimate: Array,
    se: Array,
    lower: Array,
    upper: Array,
    method: str,
    notes: NDArray[np.object_],
) -> pd.DataFrame:
    """One row per setting in healthequal's shape, plus ``method`` and ``note``.

    Wherever a setting has a note (the measure could not be computed), its numbers are blank.
    """
    blank = np.array([n is not None for n in notes], dtype=bool)
    out = settings.keys.copy()
    out["measure"] = measure
    out["estimate"] = np.where(blank, np.nan, estimate)
    out["se"] = np.where(blank, np.nan, se)
    out["lowerci"] = np.where(blank, np.nan, lower)
    out["upperci"] = np.where(blank, np.nan, upper)
    out["method"] = method
    out["note"] = notes
    return out


def normal_frame(
    settings: Settings,
    measure: str,
    estimate: Array,
    se: Array,
    level: float,
    method: str,
    notes: NDArray[np.object_],
) -> pd.DataFrame:
    """:func:`result_frame` with healthequal's normal interval, estimate ± z SE."""
    z = z_two_sided(level)
    return result_frame(
        settings, measure, estimate, se, estimate - z * se, estimate + z * se, method, notes
    )


def any_missing(settings: Settings, mask: BoolArray, values: Array) -> BoolArray:
    """Per setting: is any masked row's value missing?"""
    return settings.count(mask & np.isnan(values)) > 0


class Notes:
    """The first reason each setting's measure cannot be computed."""

    def __init__(self, size: int) -> None:
        self.values: NDArray[np.object_] = np.full(size, None, dtype=object)

    def add(self, mask: BoolArray, message: str) -> None:
        empty = np.array([v is None for v in self.values], dtype=bool)
        self.values = np.where(mask & empty, message, self.values).astype(object)

    @property
    def blocked(self) -> BoolArray:
        return np.array([v is not None for v in self.values], dtype=bool)


def missing_rule(
    settings: Settings,
    est: Array,
    notes: Notes,
    *,
    rule: str,
    force: bool,
) -> BoolArray:
    """Which rows enter the calculation, applying healthequal's rule for missing subgroups.

    ``"any"`` (ordered measures: ACI, RCI, SII, RII; PAR/PAF on ordered dimensions): any
    missing estimate blocks the setting unless ``force``. ``"share"`` (measures for
    non-ordered dimensions): more than 15% missing blocks it unless ``force``;
    ``"share_strict"`` (BGV, which has no ``force``) always applies the 15% rule. Missing
    rows are then left out.
    """
    present = ~np.isnan(est)
    n = settings.count(np.ones(len(est), dtype=bool))
    missing = n - settings.count(present)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, missing / n, 0.0)
    if rule == "any" and not force:
        notes.add(missing > 0, "estimates are missing in some subgroups (force=True allows it)")
    elif rule == "share_strict" or (rule == "share" and not force):
        notes.add(
            (missing > 0) & (share > MISSING_SHARE_LIMIT),
            "estimates are missing in more than 15% of subgroups",
        )
    return present


def need_more_than_two(settings: Settings, mask: BoolArray, notes: Notes) -> None:
    notes.add(settings.count(mask) <= 2, "estimates must be available for more than two subgroups")


def consecutive_order(
    settings: Settings,
    order: Array,
    mask: BoolArray,
    notes: Notes,
    applies: BoolArray | None = None,
) -> None:
    """healthequal: the subgroup order must be consecutive whole numbers (1, 2, 3...).

    ``applies`` limits the check to some settings (e.g. only the ordered ones).
    """
    scope = np.ones(settings.size, dtype=bool) if applies is None else applies
    whole = np.isfinite(order) & (np.mod(np.nan_to_num(order), 1) == 0)
    notes.add(scope & (settings.count(mask & ~whole) > 0), "subgroup order must hold whole numbers")
    low = settings.min(order, mask)
    high = settings.max(order, mask)
    count = settings.count(mask)
    distinct = _distinct_count(settings, order, mask)
    with np.errstate(invalid="ignore"):
        broken = (high - low != count - 1) | (distinct != count)
    notes.add(scope & broken, "subgroup order must be consecutive whole numbers (1, 2, 3, ...)")


def _distinct_count(settings: Settings, order: Array, mask: BoolArray) -> Array:
    codes = settings.codes[mask]
    values = order[mask]
    if len(values) == 0:
        return np.zeros(settings.size)
    pairs = pd.DataFrame({"c": codes, "v": values}).drop_duplicates()
    return np.bincount(pairs["c"].to_numpy(), minlength=settings.size).astype(float)


@dataclass(frozen=True)
class Inputs:
    """The columns every measure reads, as float arrays in the sorted row order."""

    settings: Settings
    est: Array
    se: Array | None
    pop: Array | None
    order: Array | None


def read_inputs(
    data: pd.DataFrame,
    group_by: Sequence[str] | str | None,
    *,
    est: str,
    se: str | None = None,
    pop: str | None = None,
    subgroup_order: str | None = None,
    extra_problems: Sequence[Problem] = (),
) -> Inputs:
    """Validate and read the common columns; raise every problem found at once."""
    problems = list(extra_problems)
    problems += check_columns(
        data,
        [("est", est), ("se", se), ("pop", pop), ("subgroup_order", subgroup_order)],
        numeric=("est", "se", "pop", "subgroup_order"),
    )
    raise_problems(problems)
    settings = prepare(data, group_by, subgroup_order)
    frame = settings.frame
    est_values = as_float_array(frame[est])
    se_values = as_float_array(frame[se]) if se is not None else None
    pop_values = as_float_array(frame[pop]) if pop is not None else None
    order_values = as_float_array(frame[subgroup_order]) if subgroup_order is not None else None
    original = data.reset_index(drop=True)
    problems = []
    with np.errstate(invalid="ignore"):
        if pop is not None:
            problems += row_problems(
                original,
                pop,
                as_float_array(original[pop]) < 0,
                what="population is negative",
                fix="Populations must be 0 or more.",
            )
        if se is not None:
            problems += row_problems(
                original,
                se,
                as_float_array(original[se]) < 0,
                what="standard error is negative",
                fix="Check the se column.",
            )
    raise_problems(problems)
    return Inputs(settings, est_values, se_values, pop_values, order_values)


def reduce_2d(settings: Settings, values: Array, mask: BoolArray, how: str) -> Array:
    """Per-setting sum/max/min along the rows of a (simulations, rows) array."""
    if values.shape[1] == 0:
        fill = {"sum": 0.0, "max": -np.inf, "min": np.inf}[how]
        return np.full((values.shape[0], settings.size), fill)
    if how == "sum":
        return np.add.reduceat(np.where(mask, values, 0.0), settings.starts, axis=1)
    if how == "max":
        return np.maximum.reduceat(np.where(mask, values, -np.inf), settings.starts, axis=1)
    return np.minimum.reduceat(np.where(mask, values, np.inf), settings.starts, axis=1)


def ridit_rank(settings: Settings, pop: Array, order: Array, mask: BoolArray) -> Array:
    """Mid-point of each subgroup's range in its setting's cumulative population share.

    Subgroups are in ascending order (most disadvantaged first); subgroups sharing an
    order value share one range. Rows outside ``mask`` carry no population.
    """
    weight = np.where(mask, pop, 0.0)
    total = settings.spread(settings.sum(weight))
    cum = settings.cumsum(weight)
    before = cum - weight
    n = len(order)
    if n == 0:
        return np.array([])
    new_block = np.ones(n, dtype=bool)
    new_block[1:] = (settings.codes[1:] != settings.codes[:-1]) | (order[1:] != order[:-1])
    block_starts = np.flatnonzero(new_block)
    block = np.cumsum(new_block) - 1
    block_end = np.maximum.reduceat(cum, block_starts)[block]
    block_begin = np.minimum.reduceat(before, block_starts)[block]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (block_begin + 0.5 * (block_end - block_begin)) / total


def population_notes(settings: Settings, pop: Array | None, mask: BoolArray, notes: Notes) -> None:
    """healthequal: a population must be given for every subgroup, and not all zero."""
    if pop is None:
        return
    notes.add(any_missing(settings, mask, pop), "population is missing in some subgroups")
    notes.add(
        settings.count(mask & (np.nan_to_num(pop) != 0)) == 0,
        "population is zero in all subgroups",
    )
