"""Validation shared by the statistics: arguments and input frames, kept apart from the maths.

Every problem becomes a :class:`equalqi.errors.Problem` saying where (row, column), what
(the value) and what to do, and all problems found in one pass are raised together as an
:class:`equalqi.errors.InputError`. Rows are numbered as a spreadsheet shows them: the first
data row of a frame is row 2 (the header is row 1).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import ParamSpec, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from equalqi.errors import InputError, Problem, ProblemCollector

P = ParamSpec("P")
R = TypeVar("R")

FIRST_ROW = 2  # spreadsheet row of a frame's first data row
MAX_LISTED = 20  # bad rows listed per problem kind before the rest are counted


def as_float_array(values: ArrayLike) -> NDArray[np.float64]:
    """A float array (NaN for missing) from a scalar, list, array or Series."""
    if isinstance(values, pd.Series):
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def parse_confidence(
    confidence: float | Sequence[float] | None,
    *,
    argument: str = "confidence",
    allow_none: bool = False,
    low: float = 0.9,
) -> tuple[float, ...]:
    """Confidence level(s) as fractions, PHE style: 0.95 or 95; a list gives several.

    PHEindicatormethods accepts a level between 0.9 and 1 or between 90 and 100 (scaled
    by 1/100). ``None`` (PHE's ``NA``) means no interval when ``allow_none``.
    """
    if confidence is None:
        if allow_none:
            return ()
        raise InputError(
            Problem(
                what=f"{argument} is missing",
                fix="Give a level such as 0.95 (or 95), or a list such as [0.95, 0.998].",
            )
        )
    raw: list[object] = (
        [confidence] if isinstance(confidence, int | float | np.number) else list(confidence)
    )
    if not raw:
        raise InputError(
            Problem(
                what=f"{argument} is an empty list",
                fix="Give at least one confidence level, such as 0.95.",
            )
        )
    levels: list[float] = []
    problems: list[Problem] = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, int | float | np.number):
            problems.append(
                Problem(
                    what=f"{argument} must be a number",
                    fix="Give a level between 0.9 and 1 (e.g. 0.95) or between 90 and 100.",
                    value=repr(item),
                )
            )
            continue
        value = float(item)
        if not np.isfinite(value) or value < low or 1 < value < low * 100 or value > 100:
            problems.append(
                Problem(
                    what=(
                        f"{argument} must be between {low:g} and 1 or between {low * 100:g} and 100"
                    ),
                    fix="Give a level such as 0.95 (95%) or 0.998 (99.8%).",
                    value=repr(item),
                )
            )
            continue
        levels.append(value / 100 if value >= low * 100 else value)
    if problems:
        raise InputError(problems)
    return tuple(levels)


def check_columns(
    data: pd.DataFrame,
    columns: Iterable[tuple[str, str | None]],
    *,
    numeric: Iterable[str] = (),
) -> list[Problem]:
    """Problems for named columns that are missing from ``data`` or not numeric.

    ``columns`` pairs each argument name with the column it names (``None`` = not used).
    """
    problems: list[Problem] = []
    wanted_numeric = set(numeric)
    for argument, column in columns:
        if column is None:
            continue
        if column not in data.columns:
            problems.append(
                Problem(
                    what=f"the column named by {argument} is not in the data",
                    fix="Check the spelling; the columns are: "
                    + ", ".join(map(str, data.columns))
                    + ".",
                    column=str(column),
                )
            )
        elif argument in wanted_numeric and not _is_numeric(data[column]):
            problems.append(
                Problem(
                    what=f"the {argument} column must hold numbers",
                    fix="Remove text from this column or convert it to numbers.",
                    column=str(column),
                    value=str(data[column].dtype),
                )
            )
    return problems


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not bool(
        pd.api.types.is_bool_dtype(series)
    )


def row_problems(
    data: pd.DataFrame,
    column: str,
    bad: NDArray[np.bool_],
    *,
    what: str,
    fix: str,
    limit: int = MAX_LISTED,
) -> list[Problem]:
    """One problem per bad row (up to ``limit``), then one counting the rest."""
    positions = np.flatnonzero(bad)
    problems = [
        Problem(
            what=what,
            fix=fix,
            row=int(pos) + FIRST_ROW,
            column=str(column),
            value=_show(data[column].iloc[pos]),
        )
        for pos in positions[:limit]
    ]
    if positions.size > limit:
        problems.append(
            Problem(
                what=f"{positions.size - limit} more row(s) have the same problem ({what})",
                fix=fix,
                column=str(column),
            )
        )
    return problems


def array_problems(
    values: NDArray[np.float64],
    bad: NDArray[np.bool_],
    *,
    name: str,
    what: str,
    fix: str,
    limit: int = MAX_LISTED,
) -> list[Problem]:
    """Like :func:`row_problems` for plain arrays: the position is given instead of a row."""
    flat_bad = np.ravel(bad)
    flat_values = np.ravel(np.broadcast_to(values, np.shape(bad)))
    positions = np.flatnonzero(flat_bad)
    problems = [
        Problem(
            what=f"{what} (position {int(pos)})",
            fix=fix,
            column=name,
            value=_show(flat_values[pos]),
        )
        for pos in positions[:limit]
    ]
    if positions.size > limit:
        problems.append(
            Problem(what=f"{positions.size - limit} more value(s): {what}", fix=fix, column=name)
        )
    return problems


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(blank)"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def raise_problems(problems: Iterable[Problem]) -> None:
    """Raise every problem together, or do nothing if there are none."""
    collector = ProblemCollector()
    collector.extend(problems)
    collector.raise_if_any()


def check_group_by(data: pd.DataFrame, group_by: Sequence[str] | str | None) -> list[str]:
    """The grouping columns as a list, raising if any is missing from ``data``."""
    if group_by is None:
        return []
    keys = [group_by] if isinstance(group_by, str) else list(group_by)
    raise_problems(check_columns(data, [("group_by", k) for k in keys]))
    return keys


def check_choice(argument: str, value: object, choices: Sequence[object]) -> list[Problem]:
    """A problem if ``value`` is not one of ``choices`` (``True`` is not taken for ``1``)."""
    for choice in choices:
        if isinstance(value, bool) == isinstance(choice, bool) and value == choice:
            return []
    return [
        Problem(
            what=f"{argument} must be one of {', '.join(map(repr, choices))}",
            fix=f"Set {argument} to one of the allowed values.",
            value=repr(value),
        )
    ]


def accepts_frames(func: Callable[P, R]) -> Callable[P, R]:
    """Let a frame function take Polars or PyArrow tables too: ``data`` (the first argument)
    is converted with its own ``to_pandas()``; a pandas frame passes through untouched."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if args and not isinstance(args[0], pd.DataFrame):
            to_pandas = getattr(args[0], "to_pandas", None)
            if callable(to_pandas):
                args = (to_pandas(), *args[1:])  # type: ignore[assignment]
        elif "data" in kwargs and not isinstance(kwargs["data"], pd.DataFrame):
            to_pandas = getattr(kwargs["data"], "to_pandas", None)
            if callable(to_pandas):
                kwargs["data"] = to_pandas()
        return func(*args, **kwargs)

    return wrapper
