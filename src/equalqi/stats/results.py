"""One number with its interval and method, as a frozen record for reports and the registry.

The statistics return tidy frames (one row per group or setting); :func:`estimates_from_frame`
turns the rows of a WHO HEAT measure frame into :class:`Estimate` records when a single
number is wanted, e.g. for a summary sentence or a registry entry.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Estimate:
    """A measure's estimate with its confidence interval, standard error and method."""

    measure: str
    estimate: float
    lower: float
    upper: float
    confidence: float
    method: str
    se: float = math.nan
    note: str | None = None
    setting: tuple[object, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


def estimates_from_frame(
    frame: pd.DataFrame, *, confidence: float = 0.95, keys: tuple[str, ...] = ()
) -> list[Estimate]:
    """One :class:`Estimate` per row of a HEAT measure frame (``measure``, ``estimate``, ...)."""
    out = []
    for record in frame.to_dict(orient="records"):
        note = record.get("note")
        out.append(
            Estimate(
                measure=str(record["measure"]),
                estimate=float(record["estimate"]),
                lower=float(record["lowerci"]),
                upper=float(record["upperci"]),
                confidence=confidence,
                method=str(record.get("method", "")),
                se=float(record.get("se", math.nan)),
                note=None
                if note is None or (isinstance(note, float) and math.isnan(note))
                else str(note),
                setting=tuple(record[k] for k in keys),
            )
        )
    return out
