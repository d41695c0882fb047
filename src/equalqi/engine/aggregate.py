"""One scan over the records: the cube of counts by period and every grouping key.

The cube (period x IMD decile x ethnic category x age band x sex x local columns) is small
(thousands of cells, not millions of rows), so every dimension, every intersection and the
completeness figures are rolled up from it afterwards without touching the records again.
For a mean, the cube carries the sum and the sum of squares so the standard deviation can be
recovered exactly.
"""

from __future__ import annotations

import pandas as pd

from equalqi.engine.prepare import KEY_PERIOD, Prepared


def aggregate_cube(prepared: Prepared) -> pd.DataFrame:
    """Counts by period and every key, executed by the engine and returned as pandas."""
    t = prepared.table
    keys = [KEY_PERIOD, *prepared.keys]
    expr = t.group_by(keys).aggregate(
        numerator=t.numerator.sum(),
        denominator=t.denominator.sum(),
        numerator_sq=t.numerator_sq.sum(),
        n_records=t.count(),
    )
    cube = expr.to_pandas()
    cube[KEY_PERIOD] = pd.to_datetime(cube[KEY_PERIOD])
    return cube.sort_values(keys, na_position="last").reset_index(drop=True)
