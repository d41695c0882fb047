"""Turn a mask of bad values into a short list of located problems (one per distinct value)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from equalqi.errors import Problem

#: What the vectorised functions accept: arrays, Series, or plain sequences that may hold None.
ValuesLike: TypeAlias = ArrayLike | Sequence[object] | pd.Series


def problems_for_mask(
    values: pd.Series,
    bad: np.ndarray,
    *,
    what: str,
    fix: str,
    column: str | None,
    file: str | None,
    first_row: int | None,
    limit: int = 100,
) -> list[Problem]:
    """One :class:`Problem` per distinct bad value, located at its first occurrence.

    ``first_row`` is the spreadsheet row of ``values[0]`` (2 when the header is row 1);
    ``None`` leaves the row out (the values did not come from a file). When a value occurs
    more than once the problem says how many rows hold it, so a user fixes them all at once.
    At most ``limit`` distinct values are listed, then one problem counts the rest.
    """
    positions = np.flatnonzero(bad)
    if positions.size == 0:
        return []
    bad_values = values.iloc[positions].astype(object)
    shown = bad_values.where(bad_values.notna(), "(blank)").astype(str).to_numpy()
    _, first, counts = np.unique(shown, return_index=True, return_counts=True)
    order = np.argsort(first)
    problems = []
    for index, count in zip(first[order][:limit], counts[order][:limit], strict=True):
        more = f" ({count} rows hold this value)" if count > 1 else ""
        row = None if first_row is None else int(positions[index]) + first_row
        problems.append(
            Problem(
                what=what + more,
                fix=fix,
                file=file,
                row=row,
                column=column,
                value=str(shown[index]),
            )
        )
    if first.size > limit:
        problems.append(
            Problem(
                what=f"{first.size - limit} more distinct value(s) have the same problem",
                fix=fix,
                file=file,
                column=column,
            )
        )
    return problems
