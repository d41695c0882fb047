"""Funnel plots for comparing units (wards, practices, trusts) with 95% and 99.8% limits.

Each unit's value is compared with a target (by default the pooled value of all units)
using limits that depend on the unit's size, so small units are not flagged for noise
(Spiegelhalter DJ. Funnel plots for comparing institutional performance. *Stat Med*
2005;24:1185-1202). Kinds:

* ``proportion``: numerator events out of denominator cases;
* ``rate``: events per unit of exposure (person-time), ``value = numerator / denominator``;
* ``ratio``: observed / expected (an indirectly standardised ratio); target 1 by default.

Methods for the limits:

* ``exact`` (default): the p-quantile of the binomial (proportion) or Poisson (rate, ratio)
  distribution at the target, interpolated between counts as in Spiegelhalter (2005),
  Appendix A: ``r_p - alpha`` with ``alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1))``;
* ``wilson`` (proportions): the denominators at which the Wilson score interval would touch
  the target, as in the PHE Fingertips technical guidance and *PHEindicatormethods*
  ``calculate_funnel_limits`` / ``assign_funnel_significance``;
* ``normal``: target ± z · sqrt(V(target) / n).

Overdispersion (``overdispersion="additive"`` or ``"multiplicative"``), following
Spiegelhalter (2005) section 3.5 and the NHS-R *FunnelPlotR* package: z-scores on a
variance-stabilising scale (arcsine-square-root for proportions, log for rates and ratios),
winsorised at the 10th and 90th percentiles, give the dispersion ratio
``phi = mean(z²)``; additive: a between-unit variance
``tau² = max(0, (I·phi - (I - 1)) / (sum w - sum w² / sum w))`` (``w = 1 / s²``, and 0 when
``I·phi < I - 1``) is added to each unit's variance; multiplicative: the variance is
multiplied by ``max(phi, 1)``. The adjusted limits then decide the flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.spc.result import json_value, records
from equalqi.spc.validate import as_pandas, check_choice, check_columns, numeric_column

Arr = NDArray[np.float64]

KINDS: tuple[str, ...] = ("proportion", "rate", "ratio")
METHODS: tuple[str, ...] = ("exact", "wilson", "normal")
OVERDISPERSION: tuple[str, ...] = ("additive", "multiplicative")
#: two-sided coverage of the two funnels and the lower-tail probabilities that bound them
LEVELS: dict[str, tuple[float, float]] = {"95": (0.025, 0.975), "998": (0.001, 0.999)}
WINSORISE = 0.1


def _interpolated_quantile(p: float, dist: Any, scale: Arr) -> Arr:
    """Spiegelhalter's interpolated quantile of a discrete distribution, divided by ``scale``."""
    r = dist.ppf(p)
    f_r = dist.cdf(r)
    f_before = dist.cdf(r - 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(f_r > f_before, (f_r - p) / (f_r - f_before), 0.0)
        return (r - alpha) / scale


def exact_limit(kind: str, p: float, target: float, n: Arr) -> Arr:
    """Exact (interpolated) funnel limit with lower-tail probability ``p`` at size ``n``."""
    n = np.asarray(n, dtype=np.float64)
    if kind == "proportion":
        size = np.where(n > 0, np.round(n), np.nan)
        dist = sps.binom(size, target)
        out = _interpolated_quantile(p, dist, size)
        return np.clip(out, 0.0, 1.0)
    mean = target * n  # expected count (rate: exposure x rate; ratio: target x expected)
    dist = sps.poisson(mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _interpolated_quantile(p, dist, mean) * target


def wilson_limit(p: float, target: float, n: Arr) -> Arr:
    """PHE's proportion funnel limit (Wilson score inverted), ``p`` = 0.025, 0.975, ...

    Upper limits use ``qnorm(p)`` and lower limits ``qnorm(1 - p)`` with the low root, as in
    *PHEindicatormethods* ``sigma_adjustment``; clipped to [0, 1].
    """
    n = np.asarray(n, dtype=np.float64)
    q = sps.norm.ppf(max(p, 1.0 - p))
    z2 = q * q
    av = target
    first = av * (n / z2 + 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        disc = (-8.0 * av * (n / z2 + 1.0)) ** 2 - 64.0 * (1.0 / z2 + 1.0 / n) * av * (
            n * (av * (n / z2 + 2.0) - 1.0) + z2 * (av - 1.0)
        )
        adj = np.sqrt(disc)
        last = 1.0 / z2 + 1.0 / n
        root = (first + adj / 8.0) / last if p > 0.5 else (first - adj / 8.0) / last
        return np.clip(root / n, 0.0, 1.0)


def _variance(kind: str, target: float, n: Arr) -> Arr:
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "proportion":
            return target * (1.0 - target) / n
        return target / n  # rate per unit exposure, or ratio per expected event


def normal_limit(kind: str, p: float, target: float, n: Arr) -> Arr:
    out = target + sps.norm.ppf(p) * np.sqrt(_variance(kind, target, n))
    lo = 0.0
    hi = 1.0 if kind == "proportion" else np.inf
    return np.clip(out, lo, hi)


def _transform(kind: str, value: Arr, numerator: Arr, expected: Arr, target: float) -> Arr:
    """Variance-stabilised values: arcsine-sqrt (proportions) or log(O / E) (rates, ratios)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "proportion":
            return np.arcsin(np.sqrt(value))
        observed = np.where(numerator > 0, numerator, 0.5)  # log(0) guarded with 0.5
        return np.log(observed / expected)


def _stabilised_se(kind: str, n: Arr, target: float) -> Arr:
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "proportion":
            return 1.0 / (2.0 * np.sqrt(n))
        return 1.0 / np.sqrt(target * n)


def _od_limit(kind: str, p: float, target: float, n: Arr, tau2: float, phi: float) -> Arr:
    z = sps.norm.ppf(p)
    s2 = _stabilised_se(kind, n, target) ** 2
    spread = np.sqrt(s2 * phi + tau2)
    if kind == "proportion":
        centre = np.arcsin(np.sqrt(target))
        t = np.clip(centre + z * spread, 0.0, np.pi / 2.0)
        return np.sin(t) ** 2
    return target * np.exp(z * spread)


@dataclass(frozen=True, eq=False)
class FunnelResult:
    """Units with their funnel limits and flags; ``curve()`` gives the lines to draw."""

    points: pd.DataFrame
    kind: str
    method: str
    target: float
    multiplier: float
    overdispersion: str | None
    phi: float
    tau2: float
    description: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.points.copy()

    def limits_at(self, n: Arr) -> pd.DataFrame:
        """Limits (on the plotted scale) at the given denominators."""
        n = np.asarray(n, dtype=np.float64)
        out = pd.DataFrame({"denominator": n, "target": self.target * self.multiplier})
        for name, (lo, hi) in LEVELS.items():
            out[f"lcl_{name}"] = self._limit(lo, n) * self.multiplier
            out[f"ucl_{name}"] = self._limit(hi, n) * self.multiplier
        return out

    def curve(self, n_points: int = 200) -> pd.DataFrame:
        """Limit lines over the range of denominators (geometric grid plus every unit)."""
        den = self.points["denominator"].to_numpy(dtype=np.float64)
        den = den[np.isfinite(den) & (den > 0)]
        if den.size == 0:
            return self.limits_at(np.zeros(0))
        lo = max(float(den.min()) * 0.9, 1e-9)
        hi = float(den.max()) * 1.1
        grid = np.unique(np.concatenate([np.geomspace(lo, hi, n_points), den]))
        return self.limits_at(grid)

    def _limit(self, p: float, n: Arr) -> Arr:
        if self.overdispersion is not None:
            phi = max(self.phi, 1.0) if self.overdispersion == "multiplicative" else 1.0
            tau2 = self.tau2 if self.overdispersion == "additive" else 0.0
            return _od_limit(self.kind, p, self.target, n, tau2, phi)
        if self.method == "wilson":
            return wilson_limit(p, self.target, n)
        if self.method == "normal":
            return normal_limit(self.kind, p, self.target, n)
        return exact_limit(self.kind, p, self.target, n)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "method": self.method,
            "description": self.description,
            "target": json_value(self.target * self.multiplier),
            "multiplier": self.multiplier,
            "overdispersion": self.overdispersion,
            "phi": json_value(self.phi),
            "tau2": json_value(self.tau2),
            "settings": {k: json_value(v) for k, v in self.settings.items()},
            "points": records(self.points),
            "curve": records(self.curve()),
        }


def _validate(
    frame: pd.DataFrame,
    unit: str,
    numerator: str,
    denominator: str,
    kind: str,
    method: str,
    overdispersion: str | None,
) -> tuple[Arr, Arr]:
    problems = ProblemCollector()
    problems.extend(check_choice(kind, "kind", KINDS))
    problems.extend(check_choice(method, "method", METHODS))
    if overdispersion is not None:
        problems.extend(check_choice(overdispersion, "overdispersion", OVERDISPERSION))
    if method == "wilson" and kind != "proportion":
        problems.add(
            Problem(
                what="the Wilson funnel is for proportions only",
                fix="use method='exact' for rates and ratios",
            )
        )
    problems.extend(
        check_columns(frame, {"unit": unit, "numerator": numerator, "denominator": denominator})
    )
    problems.raise_if_any()
    num = numeric_column(frame, numerator, problems)
    den = numeric_column(frame, denominator, problems)
    problems.raise_if_any()
    for arr, col, what in (
        (num, numerator, "a count cannot be negative or missing"),
        (den, denominator, "a denominator must be a number greater than zero"),
    ):
        bad = np.isnan(arr) | (arr < 0) | ((arr <= 0) if col == denominator else False)
        for i in np.flatnonzero(bad)[:20]:
            problems.add(
                Problem(
                    what=what,
                    fix="correct the value, or leave the unit out of the funnel",
                    row=int(i) + 2,
                    column=col,
                    value=str(frame[col].to_numpy()[i]),
                )
            )
    if kind == "proportion":
        with np.errstate(invalid="ignore"):
            over = num > den
        for i in np.flatnonzero(over)[:20]:
            problems.add(
                Problem(
                    what="the numerator is larger than the denominator",
                    fix="a proportion needs numerator <= denominator",
                    row=int(i) + 2,
                    column=numerator,
                    value=str(frame[numerator].to_numpy()[i]),
                )
            )
    problems.raise_if_any()
    return num, den


def funnel(
    data: Any,
    *,
    unit: str,
    numerator: str,
    denominator: str,
    kind: str = "proportion",
    method: str = "exact",
    multiplier: float = 1.0,
    target: float | None = None,
    overdispersion: str | None = None,
) -> FunnelResult:
    """Funnel-plot limits (95% and 99.8%) and flags for every unit.

    Rows are summed per ``unit``. ``target`` is on the unscaled scale (a proportion, a rate
    per unit of exposure, or a ratio); by default the pooled value ``sum(numerator) /
    sum(denominator)`` (1 for ratios). Flags: ``outside_95``/``outside_998`` and
    ``direction`` (``high``/``low``), and a PHE-style ``significance`` label.
    """
    frame = as_pandas(data)
    num, den = _validate(frame, unit, numerator, denominator, kind, method, overdispersion)
    agg = (
        pd.DataFrame({"unit": frame[unit].to_numpy(), "numerator": num, "denominator": den})
        .groupby("unit", sort=True, observed=True)
        .sum()
        .reset_index()
    )
    o = agg["numerator"].to_numpy(dtype=np.float64)
    n = agg["denominator"].to_numpy(dtype=np.float64)
    given_target = target is not None
    if target is None:
        target = 1.0 if kind == "ratio" else float(o.sum() / n.sum())
    value = o / n
    # z-scores and overdispersion on the stabilised scale
    s = _stabilised_se(kind, n, target)
    if kind == "proportion":
        centre = float(np.arcsin(np.sqrt(target)))
        expected = n
    else:
        centre = 0.0
        expected = target * n
    with np.errstate(invalid="ignore", divide="ignore"):
        z_stab = (_transform(kind, value, o, expected, target) - centre) / s
        z = (value - target) / np.sqrt(_variance(kind, target, n))
    lo_q, hi_q = np.nanquantile(z_stab, [WINSORISE, 1.0 - WINSORISE])
    wz = np.clip(z_stab, lo_q, hi_q)
    k = int(np.sum(np.isfinite(wz)))
    phi = float(np.nanmean(wz**2)) if k else float("nan")
    w = 1.0 / s**2
    if k < 2 or not np.isfinite(phi) or k * phi < k - 1:
        tau2 = 0.0
    else:
        tau2 = max(0.0, (k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum()))

    result = FunnelResult(
        points=pd.DataFrame(),
        kind=kind,
        method=method,
        target=float(target),
        multiplier=float(multiplier),
        overdispersion=overdispersion,
        phi=phi,
        tau2=float(tau2),
        description="",
    )
    lim = result.limits_at(n)
    val = value * multiplier
    flags: dict[str, Any] = {}
    for name in LEVELS:
        with np.errstate(invalid="ignore"):
            high = val > lim[f"ucl_{name}"].to_numpy()
            low = val < lim[f"lcl_{name}"].to_numpy()
        flags[f"high_{name}"] = high
        flags[f"low_{name}"] = low
    significance = np.select(
        [flags["high_998"], flags["high_95"], flags["low_998"], flags["low_95"]],
        ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"],
        default="Not significant",
    ).astype(object)
    points = pd.DataFrame(
        {
            "unit": agg["unit"].to_numpy(),
            "numerator": o,
            "denominator": n,
            "value": val,
            "target": target * multiplier,
            "lcl_95": lim["lcl_95"].to_numpy(),
            "ucl_95": lim["ucl_95"].to_numpy(),
            "lcl_998": lim["lcl_998"].to_numpy(),
            "ucl_998": lim["ucl_998"].to_numpy(),
            "z": z,
            "outside_95": flags["high_95"] | flags["low_95"],
            "outside_998": flags["high_998"] | flags["low_998"],
            "direction": np.where(
                flags["high_95"], "high", np.where(flags["low_95"], "low", "")
            ).astype(object),
            "significance": significance,
        }
    )
    how = {
        "exact": "exact binomial" if kind == "proportion" else "exact Poisson",
        "wilson": "Wilson score (PHE)",
        "normal": "normal approximation",
    }[method]
    if overdispersion is not None:
        how = f"{overdispersion} overdispersion (phi = {phi:.3g}, tau2 = {tau2:.3g})"
    description = (
        f"Funnel plot of {kind}s: 95% and 99.8% limits around the "
        f"{'given' if given_target else 'pooled'} target, {how} (Spiegelhalter 2005)"
    )
    return FunnelResult(
        points=points,
        kind=kind,
        method=method,
        target=float(target),
        multiplier=float(multiplier),
        overdispersion=overdispersion,
        phi=phi,
        tau2=float(tau2),
        description=description,
        settings={"unit": unit, "numerator": numerator, "denominator": denominator},
    )


def funnel_limits(
    n: Any,
    *,
    target: float,
    kind: str = "proportion",
    method: str = "exact",
    multiplier: float = 1.0,
) -> pd.DataFrame:
    """95% and 99.8% funnel limits at denominators ``n`` around ``target`` (no data needed)."""
    problems = check_choice(kind, "kind", KINDS) + check_choice(method, "method", METHODS)
    if problems:
        raise InputError(problems)
    shell = FunnelResult(
        points=pd.DataFrame(),
        kind=kind,
        method=method,
        target=float(target),
        multiplier=float(multiplier),
        overdispersion=None,
        phi=float("nan"),
        tau2=0.0,
        description="",
    )
    return shell.limits_at(np.atleast_1d(np.asarray(n, dtype=np.float64)))
