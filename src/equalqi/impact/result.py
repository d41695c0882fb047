"""The result of one project's equity impact evaluation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from equalqi.impact.frames import to_records
from equalqi.impact.verdict import GapEffect, InverseEquity, Outcome, OverallEffect


@dataclass(frozen=True, eq=False)  # holds DataFrames: compare fields, not results
class ImpactResult:
    """Did the project improve the measure, and did it narrow, hold or widen the gap?

    ``before_after``: one row per series (overall, each group, the gap; with a control also
    the control's and "project minus control"): level before and after with intervals, the
    change with its interval and p-value (for the gap: the difference in differences).
    ``its``: segmented-regression terms per series (pre-intervention slope, level change,
    slope change, average change after) with standard error, interval, p-value, model and
    robust-error method. ``early_late``: the same as ``before_after`` for the first and the
    second half of the last phase (used for the inverse-equity check).
    """

    dimension: str
    groups: tuple[str, str]
    intervention: tuple[dt.date, ...]
    kind: str
    scale: str
    improvement: str
    confidence: float
    multiplier: float
    before_after: pd.DataFrame
    its: pd.DataFrame
    early_late: pd.DataFrame
    overall: OverallEffect
    gap_change: GapEffect
    outcome: Outcome
    inverse_equity: InverseEquity
    warnings: tuple[str, ...]
    verdict: str
    model: str
    errors: str
    lags: int | None

    @property
    def gap(self) -> pd.Series:
        """The row of ``before_after`` the gap verdict is based on."""
        f = self.before_after
        unit = "project minus control" if (f["unit"] == "control").any() else "project"
        return f[(f["role"] == "gap") & (f["unit"] == unit)].iloc[0]

    def to_frame(self) -> pd.DataFrame:
        """``before_after`` and ``its`` stacked, with a ``section`` column."""
        parts = [
            self.before_after.assign(section="before/after"),
            self.its.assign(section="interrupted time series"),
        ]
        frame = pd.concat([p for p in parts if not p.empty], ignore_index=True)
        cols = ["section", *[c for c in frame.columns if c != "section"]]
        return frame[cols]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: settings, the verdict and both tables as records."""
        return {
            "dimension": self.dimension,
            "groups": list(self.groups),
            "intervention": [d.isoformat() for d in self.intervention],
            "kind": self.kind,
            "scale": self.scale,
            "improvement": self.improvement,
            "confidence": self.confidence,
            "multiplier": self.multiplier,
            "overall": self.overall,
            "gap_change": self.gap_change,
            "outcome": self.outcome,
            "inverse_equity": self.inverse_equity.to_dict(),
            "warnings": list(self.warnings),
            "verdict": self.verdict,
            "model": self.model,
            "errors": self.errors,
            "lags": self.lags,
            "before_after": to_records(self.before_after),
            "its": to_records(self.its),
            "early_late": to_records(self.early_late),
        }
