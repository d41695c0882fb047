"""Tidy frames to JSON-ready records (dates as ISO strings, NaN as None)."""

from __future__ import annotations

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
