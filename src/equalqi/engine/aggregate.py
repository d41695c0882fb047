"""One scan over the records: the cube of counts by period and every grouping key.

The cube (period x IMD decile x ethnic category x age band x sex x local columns) is small
(thousands of cells, not millions of rows), so every dimension, every intersection and the
completeness figures are rolled up from it afterwards without touching the records again.
For a mean, the cube carries the sum and the sum of squares so the standard deviation can be
recovered exactly.

The engine groups by the *raw* categorical values (no join of the records to the code maps,
no string cleaning per row: both cost more than the scan itself at 100 million rows); the
few raw spellings per code ('A', ' a', 'White British') are then recoded on the cube and
the cells that now share a label are added together.
"""

from __future__ import annotations

import pandas as pd

from equalqi.engine.prepare import KEY_PERIOD, Prepared

SUMS = ("numerator", "denominator", "numerator_sq", "n_records")


def aggregate_cube(prepared: Prepared) -> pd.DataFrame:
    """Counts by period and every key, executed by the engine and returned as pandas.

    :func:`~equalqi.engine.prepare.prepare` already ran the one scan (with the checks) and
    kept the raw cube; only the recoding is left, on the small cube.
    """
    keys = [KEY_PERIOD, *prepared.keys]
    cube = prepared.cube.copy()
    cube[KEY_PERIOD] = pd.to_datetime(cube[KEY_PERIOD])
    cube = recode_cube(cube, prepared)
    return cube.sort_values(keys, na_position="last").reset_index(drop=True)


def recode_cube(cube: pd.DataFrame, prepared: Prepared) -> pd.DataFrame:
    """Label the raw keys (see :class:`~equalqi.engine.prepare.Recode`) and merge cells."""
    keys = [KEY_PERIOD, *prepared.keys]
    for column, recode in prepared.recodes.items():
        cube[column] = recode.apply(cube[column]).astype("str")
    sums = cube.groupby(keys, dropna=False, sort=False)[list(SUMS)]
    merged = sums.sum(min_count=1).reset_index()  # min_count: an absent sum stays NaN
    return merged.astype({column: cube[column].dtype for column in keys})
