"""Tidy frames to JSON-ready records (dates as ISO strings, NaN as None)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in rec.items():
            if v is pd.NaT or v is None:
                clean[str(k)] = None
            elif isinstance(v, pd.Timestamp):
                clean[str(k)] = v.date().isoformat()
            elif isinstance(v, np.generic):
                v = v.item()
                clean[str(k)] = None if isinstance(v, float) and not np.isfinite(v) else v
            elif isinstance(v, float) and not np.isfinite(v):
                clean[str(k)] = None
            else:
                clean[str(k)] = v
        out.append(clean)
    return out


def rows_frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """One row per dict with exactly ``columns`` in that order; a key a row lacks is NaN.

    The columns are given to the constructor: selecting them afterwards re-indexes the whole
    frame, which costs more than building it. With no rows the frame is built as before
    (every column float, all NaN), since the constructor would make them object columns.
    """
    if rows:
        return pd.DataFrame(list(rows), columns=list(columns))
    frame = pd.DataFrame(list(rows))
    for c in columns:
        if c not in frame:
            frame[c] = np.nan
    return frame[list(columns)]
