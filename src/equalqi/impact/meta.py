"""Learning across projects: random-effects meta-analysis and meta-regression of gap effects.

Each project contributes an estimate ``y_i`` (e.g. its change in the gap) with standard error
``s_i``. The random-effects model (DerSimonian R, Laird N. Meta-analysis in clinical trials.
Control Clin Trials 1986;7:177-188) is

    y_i = x_i' beta + u_i + e_i,   u_i ~ N(0, tau^2),   e_i ~ N(0, s_i^2)

with ``x_i`` an intercept (pooled effect) or the project's attributes (meta-regression: type
of QI, co-produced or not, answers from the equity assessment). It matches R's metafor
``rma.uni`` (Viechtbauer W. J Stat Softw 2010;36(3)):

* ``DL``: tau^2 = max(0, (Q_E - (k - p)) / tr(P)), with Q_E = y'P y and
  P = W - W X (X'W X)^-1 X'W, W = diag(1 / s_i^2) (the generalised DerSimonian-Laird
  estimator; with no moderators tr(P) = sum w - sum w^2 / sum w);
* ``REML``: restricted maximum likelihood by Fisher scoring from the Hedges estimate,
  adj = (y'P P y - tr P) / tr(P P), with step-halving at zero, and tau^2 = 0 if the
  restricted likelihood is larger there (metafor's check);
* Wald-type z tests and intervals by default; ``hksj=True`` gives the Hartung-Knapp /
  Sidik-Jonkman adjustment (``test = "knha"``): variances times
  sum w_i (y_i - x_i'b)^2 / (k - p) with w = 1 / (s^2 + tau^2), and t on k - p df;
* heterogeneity: Cochran's Q (Q_E), I^2 = 100 tau^2 / (tau^2 + v~) with the typical
  variance v~ = (k - p) / tr(P), H^2 = tau^2 / v~ + 1; moderators: omnibus Q_M (chi-square,
  or F with HKSJ) and R^2 = (tau^2_RE - tau^2_ME) / tau^2_RE (Raudenbush 1994);
* prediction interval: estimate +/- crit * sqrt(se^2 + tau^2), crit as for the CI;
* a categorical moderator is coded with indicators against its first level (R's factor
  coding: levels in sorted order, or the order of a pandas Categorical); numbers enter as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.impact.frames import to_records
from equalqi.stats._confidence import as_fraction

Arr = NDArray[np.float64]
METHODS: tuple[str, ...] = ("REML", "DL")
_THRESHOLD = 1e-10
_MAXITER = 1000


@dataclass(frozen=True)
class _Fit:
    beta: Arr
    vb: Arr
    tau2: float
    tau2_se: float
    qe: float
    i2: float
    h2: float
    df: float  # inf for z tests
    weights: Arr


def _p_matrix(v: Arr, x: Arr, tau2: float) -> tuple[Arr, Arr]:
    w = 1.0 / (v + tau2)
    wx = x * w[:, None]
    inv = np.asarray(np.linalg.inv(x.T @ wx), dtype=float)
    p = np.asarray(np.diag(w) - wx @ inv @ wx.T, dtype=float)
    return p, inv


def _reml_loglik(y: Arr, v: Arr, x: Arr, tau2: float) -> float:
    w = 1.0 / (v + tau2)
    xtwx = x.T @ (x * w[:, None])
    beta = np.linalg.solve(xtwx, x.T @ (w * y))
    rss = float(np.sum(w * (y - x @ beta) ** 2))
    k, p = x.shape
    return float(
        -0.5 * (k - p) * np.log(2 * np.pi)
        - 0.5 * np.sum(np.log(v + tau2))
        - 0.5 * np.linalg.slogdet(xtwx)[1]
        - 0.5 * rss
    )


def _tau2_dl(y: Arr, v: Arr, x: Arr) -> tuple[float, float]:
    k, p = x.shape
    p0, _ = _p_matrix(v, x, 0.0)
    tr = float(np.trace(p0))
    if k <= p or tr <= 0:
        return 0.0, float("nan")
    tau2 = max(0.0, (float(y @ p0 @ y) - (k - p)) / tr)
    se = np.sqrt((2 * (k - p) + 4 * tau2 * tr + 2 * tau2**2 * float(np.sum(p0 * p0))) / tr**2)
    return tau2, float(se)


def _tau2_reml(y: Arr, v: Arr, x: Arr) -> tuple[float, float]:
    k, p = x.shape
    if k <= p:
        return 0.0, float("nan")
    # Hedges (HE) starting value, as metafor
    h = x @ np.linalg.solve(x.T @ x, x.T)
    resid = y - h @ y
    tau2 = max(0.0, (float(resid @ resid) - float(np.trace((np.eye(k) - h) * v))) / (k - p))
    for _ in range(_MAXITER):
        pm, _ = _p_matrix(v, x, tau2)
        pp = pm @ pm
        adj = (float(y @ pp @ y) - float(np.trace(pm))) / float(np.trace(pp))
        while tau2 + adj < 0:
            adj /= 2.0
        tau2 += adj
        if abs(adj) < _THRESHOLD:
            break
    if _reml_loglik(y, v, x, 0.0) > _reml_loglik(y, v, x, tau2) and tau2 > _THRESHOLD:
        tau2 = 0.0
    pm, _ = _p_matrix(v, x, tau2)
    return float(tau2), float(np.sqrt(2.0 / float(np.sum(pm * pm))))


def _fit(y: Arr, v: Arr, x: Arr, method: str, hksj: bool) -> _Fit:
    k, p = x.shape
    tau2, tau2_se = (_tau2_reml if method == "REML" else _tau2_dl)(y, v, x)
    w = 1.0 / (v + tau2)
    _, vb = _p_matrix(v, x, tau2)
    beta = vb @ (x.T @ (w * y))
    df = float("inf")
    if hksj and k > p:
        rss = float(np.sum(w * (y - x @ beta) ** 2))
        vb = vb * (rss / (k - p) if rss > np.finfo(float).eps else 0.0)
        df = float(k - p)
    elif hksj:  # no residual degrees of freedom: no HKSJ interval (metafor gives NA)
        vb = np.full_like(vb, np.nan)
        df = float("nan")
    p0, _ = _p_matrix(v, x, 0.0)
    if k > p:
        qe = max(0.0, float(y @ p0 @ y))
        vt = (k - p) / float(np.trace(p0))
        i2, h2 = 100.0 * tau2 / (vt + tau2), tau2 / vt + 1.0
    else:
        qe, i2, h2 = 0.0, 0.0, 1.0
    return _Fit(beta, vb, tau2, tau2_se, qe, i2, h2, df, 100.0 * w / w.sum())


def _crit(confidence: float, df: float) -> float:
    q = 0.5 + confidence / 2.0
    if np.isnan(df):
        return float("nan")
    return float(sps.norm.ppf(q) if np.isinf(df) else sps.t.ppf(q, df))


def _p(stat: Arr, df: float) -> Arr:
    stat = np.abs(stat)
    if np.isnan(df):
        return np.full_like(stat, np.nan, dtype=float)
    return np.asarray(2 * (sps.norm.sf(stat) if np.isinf(df) else sps.t.sf(stat, df)))


# ------------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)  # holds DataFrames
class MetaResult:
    """Pooled effect across projects, heterogeneity, and meta-regression by attributes."""

    method: str  # REML | DL
    test: str  # z | HKSJ
    confidence: float
    label: str
    k: int
    estimate: float
    se: float
    lower: float
    upper: float
    statistic: float  # z, or t with HKSJ
    p_value: float
    pi_lower: float  # prediction interval for a new project's effect
    pi_upper: float
    tau2: float
    tau2_se: float
    i2: float  # percent
    h2: float
    q: float  # Cochran's Q
    q_df: int
    q_p: float
    studies: pd.DataFrame  # label, estimate, se, lower, upper, weight (%), moderators
    moderators: tuple[str, ...]
    coefficients: pd.DataFrame  # meta-regression terms (empty without moderators)
    subgroups: pd.DataFrame  # a random-effects model within each level of the first
    # categorical moderator
    residual_tau2: float  # meta-regression (NaN without moderators)
    residual_i2: float
    qe: float
    qe_df: int
    qe_p: float
    qm: float
    qm_df: int
    qm_p: float
    r2: float  # percent of tau^2 accounted for by the moderators

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    @property
    def method_text(self) -> str:
        name = {"REML": "restricted maximum likelihood", "DL": "DerSimonian-Laird"}[self.method]
        test = ", Hartung-Knapp-Sidik-Jonkman intervals" if self.test == "HKSJ" else ""
        return f"random-effects meta-analysis ({name} tau\u00b2{test})"

    def to_frame(self) -> pd.DataFrame:
        """One row per project, then a row per subgroup and the pooled estimate."""
        studies = self.studies.assign(row="project")
        subgroup = self.subgroups.rename(columns={"level": self.label}).assign(row="subgroup")
        pooled = pd.DataFrame(
            [
                {
                    self.label: "Pooled (random effects)",
                    "estimate": self.estimate,
                    "se": self.se,
                    "lower": self.lower,
                    "upper": self.upper,
                    "weight": 100.0,
                    "row": "pooled",
                }
            ]
        )
        frame = pd.concat(
            [p for p in (studies, subgroup, pooled) if not p.empty], ignore_index=True
        )
        return frame[["row", *[c for c in frame.columns if c != "row"]]]

    def to_dict(self) -> dict[str, Any]:
        scalars = {
            k: getattr(self, k)
            for k in (
                "method",
                "test",
                "confidence",
                "k",
                "estimate",
                "se",
                "lower",
                "upper",
                "statistic",
                "p_value",
                "pi_lower",
                "pi_upper",
                "tau2",
                "tau2_se",
                "i2",
                "h2",
                "q",
                "q_df",
                "q_p",
                "residual_tau2",
                "residual_i2",
                "qe",
                "qe_df",
                "qe_p",
                "qm",
                "qm_df",
                "qm_p",
                "r2",
            )
        }
        clean = {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in scalars.items()
        }
        return {
            **clean,
            "label": self.label,
            "moderators": list(self.moderators),
            "method_text": self.method_text,
            "studies": to_records(self.studies),
            "coefficients": to_records(self.coefficients),
            "subgroups": to_records(self.subgroups),
        }


# --------------------------------------------------------------------------- validation


def _categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _levels(s: pd.Series) -> list[Any]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = set(s.dropna().tolist())
        return [c for c in s.cat.categories if c in present]
    return sorted(s.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def _validate(
    effects: object,
    estimate: str,
    se: str,
    method: str,
    moderators: Sequence[str],
    label: str,
    confidence: float,
) -> pd.DataFrame:
    c = ProblemCollector()
    name = "effects table"
    if not isinstance(effects, pd.DataFrame):
        raise InputError(
            Problem(
                what="the effects must be a pandas DataFrame",
                file=name,
                fix="Pass one row per project with its estimate and standard error.",
                value=type(effects).__name__,
            )
        )
    if method not in METHODS:
        c.add(
            Problem(
                what="'method' must be 'REML' or 'DL'",
                fix="Use method='REML'.",
                column="method",
                value=repr(method),
            )
        )
    if not 0.5 <= confidence < 1:
        c.add(
            Problem(
                what="'confidence' must be between 0.5 and 1",
                fix="Use 0.95.",
                column="confidence",
                value=repr(confidence),
            )
        )
    for col in (label, estimate, se, *moderators):
        if col not in effects.columns:
            c.add(
                Problem(
                    what=f"the {name} has no column '{col}'",
                    file=name,
                    column=col,
                    fix=f"Columns available: {', '.join(map(str, effects.columns))}.",
                )
            )
    c.raise_if_any()
    frame = effects[list(dict.fromkeys([label, estimate, se, *moderators]))].copy()
    for col, what in ((estimate, "estimate"), (se, "standard error")):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(float, na_value=np.nan))
        if col == se:
            bad |= values.to_numpy(float, na_value=np.nan) <= 0
        for pos in np.flatnonzero(bad)[:10]:
            c.add(
                Problem(
                    what=f"this {what} cannot be used"
                    + (" (it must be above 0)" if col == se else ""),
                    fix="Give a number for every project, or leave the project out.",
                    file=name,
                    row=int(pos) + 2,
                    column=col,
                    value=str(effects[col].iloc[pos]),
                )
            )
        frame[col] = values
    for col in moderators:
        for pos in np.flatnonzero(frame[col].isna().to_numpy())[:10]:
            c.add(
                Problem(
                    what="this project has no value for the attribute",
                    file=name,
                    fix="Fill it in (e.g. 'not known' as its own category) or leave the "
                    "project out.",
                    row=int(pos) + 2,
                    column=col,
                    value="(blank)",
                )
            )
    if len(frame) < 1:
        c.add(
            Problem(what="the effects table has no rows", file=name, fix="Add one row per project.")
        )
    c.raise_if_any()
    return frame


def _design(frame: pd.DataFrame, moderators: Sequence[str]) -> tuple[Arr, list[dict[str, Any]]]:
    cols = [np.ones(len(frame))]
    terms: list[dict[str, Any]] = [{"term": "intercept", "moderator": None, "level": None}]
    for m in moderators:
        s = frame[m]
        if _categorical(s):
            levels = _levels(s)
            for lev in levels[1:]:
                cols.append((s == lev).to_numpy(float))
                terms.append(
                    {
                        "term": f"{m}: {lev}",
                        "moderator": m,
                        "level": str(lev),
                        "reference": str(levels[0]),
                    }
                )
        else:
            cols.append(s.to_numpy(float))
            terms.append({"term": m, "moderator": m, "level": None, "reference": None})
    return np.column_stack(cols), terms


# ----------------------------------------------------------------------------- public


def meta_analysis(
    effects: pd.DataFrame,
    *,
    estimate: str,
    se: str,
    method: str = "REML",
    moderators: Sequence[str] = (),
    label: str = "project",
    hksj: bool = False,
    confidence: float = 0.95,
) -> MetaResult:
    """Random-effects meta-analysis of project effects, with meta-regression on
    ``moderators`` (columns of ``effects``; text/bool columns are categories)."""
    moderators = tuple(moderators)
    confidence = as_fraction(confidence)  # type: ignore[assignment]  # 0.95 or 95
    frame = _validate(effects, estimate, se, method, moderators, label, confidence)
    y = frame[estimate].to_numpy(float)
    v = frame[se].to_numpy(float) ** 2
    k = y.size
    one = np.ones((k, 1))
    base = _fit(y, v, one, method, hksj)
    crit = _crit(confidence, base.df)
    est, sd = float(base.beta[0]), float(np.sqrt(base.vb[0, 0]))
    stat = est / sd if sd > 0 else float("nan")
    pi_se = np.sqrt(sd**2 + base.tau2)

    z = float(sps.norm.ppf(0.5 + confidence / 2))
    studies = pd.DataFrame(
        {
            label: frame[label].astype(str).to_numpy(),
            "estimate": y,
            "se": np.sqrt(v),
            "lower": y - z * np.sqrt(v),
            "upper": y + z * np.sqrt(v),
            "weight": base.weights,
        }
    )
    for m in moderators:
        studies[m] = frame[m].to_numpy()

    coefficients = pd.DataFrame(
        columns=[
            "term",
            "moderator",
            "level",
            "reference",
            "estimate",
            "se",
            "lower",
            "upper",
            "statistic",
            "p_value",
        ]
    )
    resid_tau2 = resid_i2 = qe = qe_p = qm = qm_p = r2 = float("nan")
    qe_df = qm_df = 0
    if moderators:
        x, terms = _design(frame, moderators)
        p = x.shape[1]
        if p >= k or np.linalg.matrix_rank(x) < p:
            raise InputError(
                Problem(
                    what=f"{k} projects are too few for {p - 1} moderator term(s)",
                    fix="Use fewer attributes, merge rare categories, or add projects.",
                    file="effects table",
                    column=", ".join(moderators),
                )
            )
        mr = _fit(y, v, x, method, hksj)
        mcrit = _crit(confidence, mr.df)
        mse = np.sqrt(np.diag(mr.vb))
        mstat = mr.beta / mse
        coefficients = pd.DataFrame(terms).assign(
            estimate=mr.beta,
            se=mse,
            lower=mr.beta - mcrit * mse,
            upper=mr.beta + mcrit * mse,
            statistic=mstat,
            p_value=_p(mstat, mr.df),
        )
        b = mr.beta[1:]
        vb = mr.vb[1:, 1:]
        m_df = p - 1
        wald = float(b @ np.linalg.solve(vb, b)) if np.all(np.isfinite(vb)) else float("nan")
        if not np.isinf(mr.df):
            qm, qm_p = wald / m_df, float(sps.f.sf(wald / m_df, m_df, mr.df))
        else:
            qm, qm_p = wald, float(sps.chi2.sf(wald, m_df))
        qm_df = m_df
        resid_tau2, resid_i2 = mr.tau2, mr.i2
        qe, qe_df = mr.qe, k - p
        qe_p = float(sps.chi2.sf(qe, qe_df))
        r2 = 0.0 if base.tau2 <= 0 else 100.0 * max(0.0, (base.tau2 - mr.tau2) / base.tau2)

    return MetaResult(
        method=method,
        test="HKSJ" if hksj else "z",
        confidence=confidence,
        label=label,
        k=k,
        estimate=est,
        se=sd,
        lower=est - crit * sd,
        upper=est + crit * sd,
        statistic=stat,
        p_value=float(_p(np.array([stat]), base.df)[0]),
        pi_lower=est - crit * pi_se,
        pi_upper=est + crit * pi_se,
        tau2=base.tau2,
        tau2_se=base.tau2_se,
        i2=base.i2,
        h2=base.h2,
        q=base.qe,
        q_df=k - 1,
        q_p=float(sps.chi2.sf(base.qe, k - 1)) if k > 1 else 1.0,  # metafor: 1 when k = 1
        studies=studies,
        moderators=moderators,
        coefficients=coefficients,
        subgroups=_subgroups(frame, y, v, moderators, method, hksj, confidence),
        residual_tau2=resid_tau2,
        residual_i2=resid_i2,
        qe=qe,
        qe_df=qe_df,
        qe_p=qe_p,
        qm=qm,
        qm_df=qm_df,
        qm_p=qm_p,
        r2=r2,
    )


def _subgroups(
    frame: pd.DataFrame,
    y: Arr,
    v: Arr,
    moderators: Sequence[str],
    method: str,
    hksj: bool,
    confidence: float,
) -> pd.DataFrame:
    """A separate random-effects model in each level of the first categorical moderator."""
    cat = next((m for m in moderators if _categorical(frame[m])), None)
    cols = ["moderator", "level", "k", "estimate", "se", "lower", "upper", "tau2", "i2", "weight"]
    if cat is None:
        return pd.DataFrame(columns=cols)
    base_w = 1.0 / (v + _fit(y, v, np.ones((y.size, 1)), method, hksj).tau2)
    rows = []
    for lev in _levels(frame[cat]):
        sel = (frame[cat] == lev).to_numpy(bool)
        fit = _fit(y[sel], v[sel], np.ones((int(sel.sum()), 1)), method, hksj)
        crit = _crit(confidence, fit.df)
        est, sd = float(fit.beta[0]), float(np.sqrt(fit.vb[0, 0]))
        rows.append(
            {
                "moderator": cat,
                "level": str(lev),
                "k": int(sel.sum()),
                "estimate": est,
                "se": sd,
                "lower": est - crit * sd,
                "upper": est + crit * sd,
                "tau2": fit.tau2,
                "i2": fit.i2,
                "weight": 100.0 * float(base_w[sel].sum() / base_w.sum()),
            }
        )
    return pd.DataFrame(rows, columns=cols)
