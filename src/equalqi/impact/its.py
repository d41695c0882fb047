"""Interrupted time series: segmented regression of each series, with robust errors.

For every series (overall, each group, the gap, and their controlled versions) the
segmented regression of :mod:`equalqi.impact.design` gives, at each change point, the
*level change* (the jump in the first period after the change) and the *slope change* (per
period), together with the pre-intervention slope and the *average change after*: the mean
over the last phase of the difference between the fitted line and the pre-intervention line
carried forward (the counterfactual), i.e. ``sum_k level_k + slope_k * mean(t - t_k)``.

Every series is fitted by quasi-likelihood (the GLM of :mod:`equalqi.impact.model_spec`).
Standard errors (Lopez Bernal, Cummins & Gasparrini 2017, steps 5a-5b):

* ``ar1`` (default): AR(1) working covariance of the Pearson residuals with a bias-corrected
  autocorrelation and per-series dispersion (:mod:`equalqi.impact.ar1`);
* ``newey-west`` (the default when ``hac_lags`` is given): Newey-West / Driscoll-Kraay
  sandwich (:mod:`equalqi.impact.hac`), robust to over-dispersion and autocorrelation of
  unknown form but too narrow in short series;
* ``glsar``: the target series on the model scale (a group's values, or the difference of two
  groups' values for the gap) fitted by least squares with AR(1) errors (statsmodels GLSAR,
  iterated Cochrane-Orcutt), the unweighted method of Wagner et al. 2002;
* ``model``: quasi-likelihood model-based errors (Pearson dispersion), as the tutorial's
  quasi-Poisson model; no allowance for autocorrelation; normal intervals.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from numpy.typing import NDArray
from scipy import stats as sps

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.impact.design import (
    build_timeline,
    default_lags,
    seasonal_columns,
    segmented_columns,
)
from equalqi.impact.fit import Block, FitError, JointFit, fit_joint
from equalqi.impact.frames import rows_frame, to_records
from equalqi.impact.model_spec import ModelSpec, resolve_errors
from equalqi.impact.targets import Options, Target, show_contrast
from equalqi.impact.validate import Prepared, SeriesData, check_options, check_phases, parse_dates

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]

COLUMNS = (
    "series",
    "role",
    "unit",
    "term",
    "change_point",
    "estimate",
    "lower",
    "upper",
    "se",
    "p_value",
    "measure",
    "method",
    "errors",
    "periods",
)
TERMS = ("pre-intervention slope", "level change", "slope change", "average change after")


@dataclass(frozen=True, eq=False)  # holds a DataFrame
class ItsResult:
    """Segmented-regression estimates, one row per series x term."""

    frame: pd.DataFrame
    model: str
    errors: str
    lags: int | None
    confidence: float
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "errors": self.errors,
            "lags": self.lags,
            "confidence": self.confidence,
            "notes": list(self.notes),
            "estimates": to_records(self.frame),
        }

    def row(self, series: str, term: str, change_point: int = 1) -> pd.Series:
        """The row of ``series`` and ``term`` (level/slope change: at the given change, 1 =
        the first intervention date)."""
        f = self.frame
        sel = f[(f["series"] == series) & (f["term"] == term)]
        if term in ("level change", "slope change") and len(sel) > 1:
            sel = sel.iloc[[change_point - 1]]
        return sel.iloc[0]


# ------------------------------------------------------------------------------ design


def _design(
    prepared: Prepared, periods: pd.DatetimeIndex, t: IntArr, options: Options
) -> tuple[Arr, tuple[str, ...]]:
    tl = prepared.timeline
    x, names = segmented_columns(t, tl.starts, slope_change=options.slope_change)
    if options.seasonality:
        s, snames = seasonal_columns(periods, options.seasonality, tl)
        x, names = np.column_stack([x, s]), names + snames
    return x, names


def _term_weights(prepared: Prepared, options: Options) -> list[tuple[str, int, dict[str, float]]]:
    """(term, change point, {coefficient: weight}) for every reported term."""
    tl = prepared.timeline
    out: list[tuple[str, int, dict[str, float]]] = [("pre-intervention slope", 0, {"time": 1.0})]
    for k in range(1, tl.n_phases):
        out.append(("level change", k, {f"level_{k}": 1.0}))
        if options.slope_change:
            out.append(("slope change", k, {f"slope_{k}": 1.0}))
    last = tl.index[tl.phase(tl.index) == tl.n_phases - 1]
    avg: dict[str, float] = {}
    for k, start in enumerate(tl.starts, start=1):
        avg[f"level_{k}"] = 1.0
        if options.slope_change:
            avg[f"slope_{k}"] = float(np.mean(last - start))
    out.append(("average change after", tl.n_phases - 1, avg))
    return out


# ------------------------------------------------------------------------------- fits


def _glm_fit(
    prepared: Prepared, targets: Sequence[Target], options: Options
) -> tuple[JointFit | None, list[str]]:
    keys = sorted({k for t in targets for k in t.weights})
    blocks: list[Block] = []
    notes: list[str] = []
    for key in keys:
        s = prepared.get(key)
        t = prepared.t(key)
        x, names = _design(prepared, s.periods, t, options)
        blocks.append(Block(key, t, s.value, s.weight, x, names))
    try:
        return fit_joint(
            blocks,
            options.spec,
            errors=options.errors,
            lags=options.lags,
            n_grid=prepared.timeline.n_grid,
        ), notes
    except FitError as exc:
        notes.append(f"The interrupted time series could not be fitted: {exc}.")
        return None, notes


def _glsar(z: Arr, x: Arr) -> tuple[Arr, Arr, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.GLSAR(z, x, rho=1)
        res = model.iterative_fit(maxiter=50)
    return np.asarray(res.params), np.asarray(res.cov_params()), float(res.df_resid)


def _glsar_rows(
    prepared: Prepared,
    target: Target,
    options: Options,
    terms: list[tuple[str, int, dict[str, float]]],
) -> list[dict[str, object]]:
    spec = options.spec
    series: list[SeriesData] = [prepared.get(k) for k in target.weights]
    common = series[0].periods
    for s in series[1:]:
        common = common.intersection(s.periods)
    z = np.zeros(len(common))
    for s, c in zip(series, target.weights.values(), strict=True):
        loc = s.periods.get_indexer(common)
        z += c * spec.link(s.value[loc])
    keep = np.isfinite(z)
    common, z = common[keep], z[keep]
    t = prepared.timeline.position(common)
    x, names = _design(prepared, common, t, options)
    nonzero = np.any(x != 0, axis=0)
    x, names = x[:, nonzero], tuple(n for n, k in zip(names, nonzero, strict=True) if k)
    rows: list[dict[str, object]] = []
    if x.shape[0] <= x.shape[1] + 2 or np.linalg.matrix_rank(x) < x.shape[1]:
        return rows
    params, cov, df = _glsar(z, x)
    crit = float(sps.t.ppf(0.5 + options.confidence / 2, df))
    for term, k, w in terms:
        if not all(n in names for n in w):
            continue
        vec = np.zeros(len(names))
        for n, c in w.items():
            vec[names.index(n)] += c
        est = float(vec @ params)
        se = float(np.sqrt(vec @ cov @ vec))
        p = float(2 * sps.t.sf(abs(est / se), df)) if se > 0 else float("nan")
        rows.append(
            _row(
                target,
                term,
                k,
                est,
                se,
                crit,
                p,
                options,
                prepared,
                "least squares on the series, " + spec.link_name + " scale",
                "AR(1) errors (GLSAR, iterated Cochrane-Orcutt)",
                len(common),
            )
        )
    return rows


def _row(
    target: Target,
    term: str,
    k: int,
    est: float,
    se: float,
    crit: float,
    p: float,
    options: Options,
    prepared: Prepared,
    method: str,
    errors: str,
    periods: int,
) -> dict[str, object]:
    spec, mult = options.spec, options.multiplier
    cp = prepared.timeline.dates[k - 1] if k > 0 else pd.NaT
    return {
        "series": target.label,
        "role": target.role,
        "unit": target.unit,
        "term": term,
        "change_point": cp,
        "estimate": float(show_contrast(spec, est, mult)),
        "lower": float(show_contrast(spec, est - crit * se, mult)),
        "upper": float(show_contrast(spec, est + crit * se, mult)),
        "se": se * (mult if spec.scale == "absolute" else 1.0),
        "p_value": p,
        "measure": spec.contrast_name + (" per period" if "slope" in term else ""),
        "method": method,
        "errors": errors,
        "periods": periods,
    }


def its_frame(
    prepared: Prepared, targets: Sequence[Target], options: Options
) -> tuple[pd.DataFrame, str, str, list[str]]:
    """Segmented-regression estimates for every target (see the module docstring)."""
    terms = _term_weights(prepared, options)
    rows: list[dict[str, object]] = []
    notes: list[str] = []
    if options.errors == "glsar":
        for target in targets:
            got = _glsar_rows(prepared, target, options, terms)
            if not got:
                notes.append(
                    f"Too few periods to fit the interrupted time series of "
                    f"'{target.label}' with AR(1) errors."
                )
            rows += got
        method = "least squares with AR(1) errors"
        errors = "AR(1) errors (GLSAR, iterated Cochrane-Orcutt)"
    else:
        fit, notes = _glm_fit(prepared, targets, options)
        method = fit.model if fit else options.spec.description()
        errors = fit.errors if fit else ""
        if fit is not None:
            crit = fit.critical(options.confidence)
            for target in targets:
                for term, k, w in terms:
                    if not all(fit.has(key, n) for key in target.weights for n in w):
                        continue
                    vec = fit.vector(
                        {key: {n: c * v for n, v in w.items()} for key, c in target.weights.items()}
                    )
                    est, se = fit.estimate(vec)
                    rows.append(
                        _row(
                            target,
                            term,
                            k,
                            est,
                            se,
                            crit,
                            fit.p_value(est, se),
                            options,
                            prepared,
                            fit.model,
                            fit.errors,
                            fit.n_periods,
                        )
                    )
    return rows_frame(rows, COLUMNS), method, errors, notes


# ------------------------------------------------------------------------ public helper


def segmented_regression(
    periods: Sequence[object] | pd.DatetimeIndex,
    numerator: Sequence[float] | Arr,
    denominator: Sequence[float] | Arr,
    *,
    intervention: object,
    kind: str = "proportion",
    scale: str = "absolute",
    seasonality: str | None = None,
    slope_change: bool = True,
    errors: str | None = None,
    hac_lags: int | None = None,
    confidence: float = 0.95,
    multiplier: float = 1.0,
    label: str = "Series",
) -> ItsResult:
    """Interrupted time series of one series (no groups): level and slope change.

    ``numerator / denominator`` is the measure (events / trials, events / person-time, or
    sum of values / records). Rates are Poisson with the denominator as exposure, the
    model of Lopez Bernal et al. 2017 (``glm(aces ~ offset(log(stdpop)) + smokban + time,
    family = poisson)`` is ``kind="rate", scale="relative", slope_change=False``).
    """
    errors = resolve_errors(errors, hac_lags)
    problems = check_options(
        groups=("-", "+"),
        kind=kind,
        improvement="decrease",
        scale=scale,
        seasonality=seasonality,
        hac_lags=hac_lags,
        errors=errors,
        confidence=confidence,
        multiplier=multiplier,
    )
    dates, date_problems = parse_dates(intervention)
    problems += date_problems
    p = pd.DatetimeIndex(pd.to_datetime(list(periods))).as_unit("ns")
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    if not (len(p) == num.size == den.size) or np.any(den <= 0) or not p.is_unique:
        problems.append(
            Problem(
                what="periods, numerator and denominator must have one value "
                "per distinct period, with denominators above zero",
                fix="Pass aligned arrays, one row per period.",
                column="denominator",
            )
        )
    if problems:
        raise InputError(problems)
    order = np.argsort(p.asi8)
    p, num, den = p[order], num[order], den[order]
    collector = ProblemCollector()
    check_phases(p, dates, collector)
    collector.raise_if_any()
    series = SeriesData("project:overall", label, "overall", "project", p, num, den, den)
    timeline = build_timeline(p, dates)
    prepared = Prepared((series,), timeline, ())
    lags = default_lags(timeline.n_grid) if hac_lags is None else int(hac_lags)
    options = Options(
        ModelSpec.of(kind, scale),
        "decrease",
        seasonality,
        slope_change,
        errors,
        lags,
        confidence,
        multiplier,
    )
    target = Target(label, "overall", "project", {"project:overall": 1.0})
    frame, method, errs, notes = its_frame(prepared, [target], options)
    return ItsResult(
        frame, method, errs, lags if errors == "newey-west" else None, confidence, tuple(notes)
    )
