"""What is estimated: each series, the gap, and (with a control) their controlled versions.

A *target* is a weighted sum of series on the model's scale. The gap is

    gap = disadvantaged - advantaged

(on the relative scale, the log of the ratio disadvantaged / advantaged: an odds ratio for
proportions, a rate ratio for rates). With a control series every project target is also
compared with the same target in the control: "project minus control" is the controlled
interrupted time series (Lopez Bernal J, Cummins S, Gasparrini A. The use of controls in
interrupted time series studies of public health interventions. Int J Epidemiol
2018;47:2082-2093) and, for the gap, a difference in differences in differences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from equalqi.impact.model_spec import ModelSpec
from equalqi.impact.validate import Prepared

Arr = NDArray[np.float64]
ROLES: tuple[str, ...] = ("overall", "disadvantaged", "advantaged", "gap")


@dataclass(frozen=True)
class Target:
    label: str
    role: str  # overall | disadvantaged | advantaged | gap
    unit: str  # project | control | project minus control
    weights: Mapping[str, float]  # series key -> coefficient

    @property
    def is_level(self) -> bool:
        """A single series (its values are levels); otherwise a contrast (a difference)."""
        return bool(abs(sum(self.weights.values()) - 1.0) < 1e-12)


@dataclass(frozen=True)
class Options:
    """Everything the estimators need besides the data."""

    spec: ModelSpec
    improvement: str
    seasonality: str | None
    slope_change: bool
    errors: str
    lags: int
    confidence: float
    multiplier: float


def gap_label(prepared: Prepared) -> str:
    d = prepared.get("project:disadvantaged").label
    a = prepared.get("project:advantaged").label
    return f"Gap ({d} minus {a})"


def build_targets(prepared: Prepared) -> list[Target]:
    """Overall, each group and the gap; for the control and project minus control too."""
    has = prepared.has
    out: list[Target] = []
    units = ["project", "control"] if has("control:overall") else ["project"]
    for unit in units:
        prefix = "Control: " if unit == "control" else ""
        for role in ("overall", "disadvantaged", "advantaged"):
            key = f"{unit}:{role}"
            if has(key):
                out.append(Target(prefix + prepared.get(key).label, role, unit, {key: 1.0}))
        d, a = f"{unit}:disadvantaged", f"{unit}:advantaged"
        if has(d) and has(a):
            out.append(Target(prefix + gap_label(prepared), "gap", unit, {d: 1.0, a: -1.0}))
    if "control" in units:
        for role in ("overall", "disadvantaged", "advantaged"):
            p, c = f"project:{role}", f"control:{role}"
            if has(p) and has(c):
                out.append(
                    Target(
                        f"{prepared.get(p).label} (project minus control)",
                        role,
                        "project minus control",
                        {p: 1.0, c: -1.0},
                    )
                )
        keys = [
            "project:disadvantaged",
            "project:advantaged",
            "control:disadvantaged",
            "control:advantaged",
        ]
        if all(has(k) for k in keys):
            out.append(
                Target(
                    f"{gap_label(prepared)} (project minus control)",
                    "gap",
                    "project minus control",
                    dict(zip(keys, (1.0, -1.0, -1.0, 1.0), strict=True)),
                )
            )
    return out


def primary_unit(targets: list[Target]) -> str:
    """The verdict uses the controlled comparison when there is a control."""
    return "project minus control" if any(t.unit == "control" for t in targets) else "project"


# ------------------------------------------------------------------------ display scale


def show_level(spec: ModelSpec, eta: Arr | float, multiplier: float) -> Arr:
    """A level on the model scale as the measure (x multiplier)."""
    return np.asarray(spec.inverse(np.asarray(eta, dtype=float)) * multiplier)


def show_contrast(spec: ModelSpec, delta: Arr | float, multiplier: float) -> Arr:
    """A difference on the model scale: x multiplier (absolute) or a ratio (relative)."""
    delta = np.asarray(delta, dtype=float)
    return delta * multiplier if spec.scale == "absolute" else np.exp(delta)


def null_value(spec: ModelSpec) -> float:
    """'No change' on the display scale of a contrast."""
    return 0.0 if spec.scale == "absolute" else 1.0
