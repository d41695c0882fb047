"""The result of an SPC calculation: a tidy point frame and a summary per group × phase."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from equalqi.spc.icons import assurance_icon, variation_icon_svg

POINT_COLUMNS: tuple[str, ...] = (
    "group",
    "phase",
    "phase_label",
    "x",
    "y",
    "n",
    "cl",
    "lcl",
    "ucl",
    "lcl_2s",
    "ucl_2s",
    "target",
    "trajectory",
    "baseline",
    "excluded",
    "sigma_signal",
    "runs_signal",
    "signal",
    "rule",
    "rule_label",
    "direction",
    "classification",
    "point_type",
)


def json_value(value: Any) -> Any:
    """A plain JSON-safe Python value: NaN/NaT -> None, dates -> ISO strings."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON-safe dictionaries."""
    cols = list(frame.columns)
    arrays = [frame[c].to_numpy(dtype=object) for c in cols]
    return [
        {c: json_value(a[i]) for c, a in zip(cols, arrays, strict=True)} for i in range(len(frame))
    ]


@dataclass(frozen=True, eq=False)
class SPCResult:
    """Points and summary of one SPC call (every group and phase).

    ``to_frame()`` has one row per subgroup with the plotted value ``y``, the centre line
    ``cl``, the 3-sigma limits ``lcl``/``ucl`` and 2-sigma lines ``lcl_2s``/``ucl_2s``, the
    signal flag, the highest-precedence ``rule`` behind it (``""`` when none) and the
    ``classification`` (improvement, concern, neutral, common). ``summary()`` has one row per
    group × phase with the last limits, the runs statistics, the variation and assurance
    types and any warnings. ``method`` names how the lines were calculated.
    """

    points: pd.DataFrame
    summary_table: pd.DataFrame
    chart: str
    rules: str
    improvement: str
    method: str
    multiplier: float = 1.0
    settings: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per subgroup (a copy: pandas' copy-on-write shares the memory until either
        frame is changed, so a national run of millions of points is not copied twice)."""
        return self.points.copy(deep=False)

    def summary(self) -> pd.DataFrame:
        """One row per group × phase (a copy, shared until changed as for :meth:`to_frame`)."""
        return self.summary_table.copy(deep=False)

    @property
    def groups(self) -> list[Any]:
        return list(pd.unique(self.summary_table["group"]))

    @property
    def warnings(self) -> list[str]:
        """Every warning: general notes, then per group and phase."""
        s = self.summary_table
        has = s["warnings"] != ""
        return list(self.notes) + [
            f"{g} (phase {p}): {w}"
            for g, p, w in zip(s["group"][has], s["phase"][has], s["warnings"][has], strict=True)
        ]

    def latest(self) -> pd.DataFrame:
        """The summary row of the last phase of each group."""
        s = self.summary_table
        last = ~s["group"].duplicated(keep="last")
        return s[last].reset_index(drop=True)

    def icons(self, size: int = 64) -> dict[Any, dict[str, str]]:
        """Variation and assurance SVG icons per group, from its last phase."""
        out: dict[Any, dict[str, str]] = {}
        for row in self.latest().itertuples(index=False):
            out[row.group] = {
                "variation": variation_icon_svg(str(row.variation_icon), size),
                "assurance": assurance_icon(str(row.assurance), size),
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary: settings, method, points and summary."""
        return {
            "chart": self.chart,
            "rules": self.rules,
            "improvement": self.improvement,
            "multiplier": self.multiplier,
            "method": self.method,
            "settings": {k: json_value(v) for k, v in self.settings.items()},
            "warnings": self.warnings,
            "points": records(self.points),
            "summary": records(self.summary_table),
        }
