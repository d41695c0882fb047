"""Slope and relative index of inequality (SII, RII) by the PHE method: ``phe_sii``.

The quantiles (e.g. deprivation deciles, 1 = most deprived) are ordered and each is
placed at the mid-point of its range in the cumulative population, its relative rank

    bᵢ = Σⱼ<ᵢ aⱼ + aᵢ / 2,   aᵢ = populationᵢ / Σ population.

The indicator is regressed on the rank by least squares weighted by population (written,
as in the reference, as the ordinary regression yᵢ√aᵢ = β₀√aᵢ + β₁bᵢ√aᵢ, which also deals
with heteroskedasticity). The SII is the slope β₁: the modelled gap between the top
(rank 1) and the bottom (rank 0) of the social scale; the RII is (β₀ + β₁)/β₀, the ratio
of the fitted values there. With ``transform=True`` rates are modelled on the log scale
and proportions on the logit scale, and SII, RII and limits are transformed back.

Confidence limits are by simulation (Monte Carlo): each quantile's value is drawn from a
normal distribution with its standard error (on the log/logit scale for rates and
proportions, from the 95% limits when no standard error is given), the regression is
refitted, and the limits are the matching percentiles of the simulated SIIs (and RIIs).
Where the simulated statistic is exactly normal, its percentiles are drawn directly from
their exact joint distribution (see :mod:`equalqi.stats._montecarlo`); otherwise every
repetition is simulated. ``reliability_stat`` runs the simulation 10 times and reports
the mean absolute difference of runs 2-10 from run 1 (the ``*_mad*`` columns).

References: Low A, Low A. Measuring the gap: quantifying and comparing local health
inequalities. J Public Health 2004;26:388-395. Public Health England. PHEindicatormethods
``phe_sii`` (v2.0). Mackenbach JP, Kunst AE. Measuring the magnitude of socio-economic
inequalities in health. Soc Sci Med 1997;44:757-771.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from equalqi.errors import Problem
from equalqi.stats._confidence import level_label, levels_text, z_two_sided
from equalqi.stats._frames import r_number
from equalqi.stats._montecarlo import (
    normal_order_statistics,
    percentile_positions,
    ratio_quantile,
    uniform_order_statistics,
)
from equalqi.stats._validation import (
    as_float_array,
    check_choice,
    check_columns,
    check_group_by,
    parse_confidence,
    raise_problems,
    row_problems,
)

Array = NDArray[np.float64]

MIN_QUANTILES = 5
MAX_QUANTILES = 100
MIN_REPETITIONS = 1000
RELIABILITY_RUNS = 10
CHUNK_ELEMENTS = 8_000_000  # normal draws held in memory at once by the full simulation
INDICATOR_TYPES = {0: "normal", 1: "rate", 2: "proportion"}


# --- the regression -------------------------------------------------------------------


@dataclass(frozen=True)
class _Design:
    """Per group (rows) and quantile (columns): weights giving intercept and slope.

    β₀ = Σ w0·y and β₁ = Σ w1·y for values y, from the 2×2 normal equations of the
    population-weighted regression on the relative rank.
    """

    w0: Array
    w1: Array


def relative_rank(population: Array) -> tuple[Array, Array]:
    """Population shares a and mid-point relative ranks b, along the last axis (PHE order)."""
    share = population / population.sum(axis=-1, keepdims=True)
    cumulative = np.cumsum(share, axis=-1)
    before = np.concatenate([np.zeros_like(cumulative[..., :1]), cumulative[..., :-1]], axis=-1)
    return share, share / 2 + before


def _design(population: Array, rank: Array | None = None) -> _Design:
    """Weights for the regression weighted by ``population``; the ranks are the mid-points of
    the local cumulative population unless ``rank`` gives them (national ranks)."""
    a, b = relative_rank(population)
    if rank is not None:
        b = rank
    sa = a.sum(axis=-1, keepdims=True)
    sb = (a * b).sum(axis=-1, keepdims=True)
    sbb = (a * b * b).sum(axis=-1, keepdims=True)
    det = sa * sbb - sb**2
    return _Design(w0=a * (sbb - sb * b) / det, w1=a * (sa * b - sb) / det)


def _back(values: Array, value_type: int) -> Array:
    """From the log (rate) or logit (proportion) scale back to the indicator's scale."""
    if value_type == 1:
        return np.exp(values)
    if value_type == 2:
        return np.exp(values) / (1 + np.exp(values))
    return values


def _back_in_place(values: Array, value_type: int) -> None:
    """:func:`_back` without a copy (for the large simulation arrays)."""
    if value_type == 1:
        np.exp(values, out=values)
    elif value_type == 2:
        special.expit(values, out=values)


def _forward(values: Array, value_type: int) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        if value_type == 1:
            return np.log(values)
        if value_type == 2:
            return np.log(values / (1 - values))
    return values


# --- Monte Carlo --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Simulated:
    """Percentiles at the requested positions: arrays (runs, groups, positions)."""

    sii: Array
    rii: Array | None


def _simulate_exact(
    design: _Design,
    centre: Array,
    se: Array,
    positions: list[int],
    repetitions: int,
    runs: int,
    multiplier: float,
    transform: bool,
    want_rii: bool,
    rng: np.random.Generator,
) -> _Simulated:
    """Order statistics of the simulated SII (and RII) drawn from their exact distribution.

    Valid where the regression is on the simulated scale (``transform`` or value type 0),
    so that slope and intercept are jointly normal.
    """
    var = se**2
    mean_slope = (design.w1 * centre).sum(axis=1)
    mean_int = (design.w0 * centre).sum(axis=1)
    var_slope = (design.w1**2 * var).sum(axis=1)
    var_int = (design.w0**2 * var).sum(axis=1)
    cov = (design.w0 * design.w1 * var).sum(axis=1)
    scale = 1.0 if transform else multiplier
    sii = normal_order_statistics(
        mean_slope * scale, np.sqrt(var_slope) * abs(scale), positions, repetitions, runs, rng
    )
    if not want_rii or transform:
        return _Simulated(sii=sii, rii=None)
    # RII = (β₀ + β₁) / β₀, or its inverse for a negative multiplier
    mean_top, var_top, cov_top = mean_int + mean_slope, var_int + var_slope + 2 * cov, var_int + cov
    if multiplier < 0:
        num = (mean_int, var_int)
        den = (mean_top, var_top)
    else:
        num = (mean_top, var_top)
        den = (mean_int, var_int)
    u = uniform_order_statistics(positions, repetitions, (runs, centre.shape[0]), rng)
    rii, safe = ratio_quantile(u, num[0], den[0], num[1], den[1], cov_top)
    if not safe.all():
        unsafe = np.flatnonzero(~safe)
        rii[:, unsafe, :] = _simulate_ratio(
            num[0][unsafe],
            den[0][unsafe],
            num[1][unsafe],
            den[1][unsafe],
            cov_top[unsafe],
            positions,
            repetitions,
            runs,
            rng,
        )
    return _Simulated(sii=sii, rii=rii)


def _simulate_ratio(
    mean_num: Array,
    mean_den: Array,
    var_num: Array,
    var_den: Array,
    cov: Array,
    positions: list[int],
    repetitions: int,
    runs: int,
    rng: np.random.Generator,
) -> Array:
    """Simulate every repetition of N/D for jointly normal (N, D): the rare unsafe case."""
    groups = mean_num.size
    out = np.empty((runs, groups, len(positions)))
    sd_den = np.sqrt(np.maximum(var_den, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.where(var_den > 0, cov / var_den, 0.0)
    resid_sd = np.sqrt(np.maximum(var_num - beta * cov, 0.0))
    kth = np.asarray(positions) - 1
    for g in range(groups):  # only groups whose denominator can come near zero
        z = rng.standard_normal((2, runs, repetitions))
        den = mean_den[g] + sd_den[g] * z[0]
        num = mean_num[g] + beta[g] * (den - mean_den[g]) + resid_sd[g] * z[1]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = num / den
        out[:, g, :] = np.partition(ratio, kth, axis=-1)[..., kth]
    return out


def _simulate_full(
    design: _Design,
    centre: Array,
    se: Array,
    positions: list[int],
    repetitions: int,
    runs: int,
    multiplier: float,
    value_type: int,
    transform: bool,
    want_rii: bool,
    rng: np.random.Generator,
) -> _Simulated:
    """Simulate every repetition, as PHE does, vectorised over groups in memory-sized chunks."""
    groups, nq = centre.shape
    total = runs * repetitions
    kth = np.asarray(positions) - 1
    sii_out = np.empty((runs, groups, len(positions)))
    rii_out = np.empty((runs, groups, len(positions))) if want_rii and not transform else None
    per_group = nq * total
    chunk = max(1, CHUNK_ELEMENTS // max(per_group, 1))
    rep_chunk = total if per_group <= CHUNK_ELEMENTS else max(1, CHUNK_ELEMENTS // nq)
    for start in range(0, groups, chunk):
        stop = min(start + chunk, groups)
        g = slice(start, stop)
        slope = np.empty((stop - start, total))
        inter = np.empty((stop - start, total))
        for r0 in range(0, total, rep_chunk):
            r1 = min(r0 + rep_chunk, total)
            draws = rng.standard_normal((stop - start, nq, r1 - r0))
            draws *= se[g, :, None]  # in place: these arrays are the memory-heavy part
            draws += centre[g, :, None]
            if not transform:
                _back_in_place(draws, value_type)
            slope[:, r0:r1] = np.matmul(design.w1[g][:, None, :], draws)[:, 0, :]
            inter[:, r0:r1] = np.matmul(design.w0[g][:, None, :], draws)[:, 0, :]
        slope = slope.reshape(stop - start, runs, repetitions).transpose(1, 0, 2)
        inter = inter.reshape(stop - start, runs, repetitions).transpose(1, 0, 2)
        sii = slope if transform else slope * multiplier
        sii_out[:, g, :] = np.partition(sii, kth, axis=-1)[..., kth]
        if rii_out is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                rii = (inter + slope) / inter
                if multiplier < 0:
                    rii = 1 / rii
            rii_out[:, g, :] = np.partition(rii, kth, axis=-1)[..., kth]
    return _Simulated(sii=sii_out, rii=rii_out)


# --- the public function ------------------------------------------------------------------


def sii(
    data: pd.DataFrame,
    *,
    quantile: str,
    population: str,
    value: str | None = None,
    value_type: int = 0,
    lower: str | None = None,
    upper: str | None = None,
    se: str | None = None,
    group_by: Sequence[str] | str = (),
    multiplier: float = 1,
    repetitions: int = 100_000,
    confidence: float | Sequence[float] = 0.95,
    rii: bool = False,
    transform: bool = False,
    reliability_stat: bool = False,
    seed: int | None = None,
    x: str | None = None,
    intercept: bool = False,
    type: str = "full",
    simulation: Literal["auto", "full"] = "auto",
    drop_incomplete: bool = True,
    rank: str | None = None,
    reference_population: str | None = None,
) -> pd.DataFrame:
    """Slope (and relative) index of inequality for every ``group_by`` group: ``phe_sii``.

    **Ranks.** By default (PHE) each quantile sits at the mid-point of its range in the
    *local* cumulative population. ``rank`` names a column of given relative ranks (0 to 1,
    e.g. England's cumulative population mid-point of each IMD quintile), and
    ``reference_population`` a column of a reference population per quantile (e.g.
    England's population in each quintile) from which those mid-points are computed. Either
    way the regression is still weighted by the local ``population`` (the method of NHS
    England North East and Yorkshire's inequalities methodology), so the SII is on the
    national scale of deprivation.

    ``data`` has one row per group and quantile: the ``quantile`` label (ordered from
    most to least deprived, e.g. 1..10), its ``population``, the indicator ``value`` (or,
    for proportions, the count ``x``), and either its standard error ``se`` or its 95%
    limits ``lower``/``upper``. ``value_type`` is 0 (other), 1 (rate) or 2 (proportion):
    rates and proportions have their limits log/logit transformed to get the standard
    error, and with ``transform=True`` the SII is fitted on that scale too (then ``se``
    is not accepted). ``multiplier`` scales the SII (100 for percentages; a negative one
    flips its sign and inverts the RII). ``confidence`` may be a list, e.g.
    ``[0.95, 0.998]``. ``seed`` makes the simulation reproducible.

    Returns one row per complete group (ascending keys), with ``sii``, ``rii`` (if
    asked), ``sii_lower95_0cl``, ``sii_upper95_0cl`` (one pair per level), ``rii_...``,
    ``sii_mad95_0``... (reliability), ``intercept`` (if asked) and, for
    ``type="full"``, ``indicator_type``, ``multiplier``, ``transform``,
    ``CI_confidence``, ``CI_method`` and ``note``.

    As PHE: every quantile found anywhere in the data must be present in a group
    (5 to 100 of them) or the group is dropped with a warning (``drop_incomplete=False``
    keeps it with blanks and a ``note``); zero, negative or missing populations, negative
    or missing standard errors or missing limits raise :class:`~equalqi.errors.InputError`.
    ``simulation="full"`` simulates every repetition even where the exact shortcut applies.
    """
    keys = check_group_by(data, group_by)
    levels = parse_confidence(confidence)
    raise_problems(_check_ranks(data, rank, reference_population))
    problems = _check_arguments(
        data,
        quantile,
        population,
        value,
        x,
        se,
        lower,
        upper,
        value_type,
        transform,
        repetitions,
        multiplier,
        type,
        simulation,
    )
    raise_problems(problems)
    raise_problems(_check_rows(data, population, value, x, se, lower, upper, value_type))

    labels = data[quantile]
    raise_problems(
        row_problems(
            data,
            quantile,
            labels.isna().to_numpy(),
            what="the quantile is blank",
            fix="Label every row with its quantile (e.g. deprivation decile 1-10).",
        )
    )
    all_quantiles = pd.unique(labels)
    n_quantiles = len(all_quantiles)
    if not MIN_QUANTILES <= n_quantiles <= MAX_QUANTILES:
        raise_problems(
            [
                Problem(
                    what=(
                        f"the SII needs between {MIN_QUANTILES} and {MAX_QUANTILES} quantiles; "
                        f"the data have {n_quantiles}"
                    ),
                    fix="Use deprivation deciles or quintiles (5 to 100 ordered groups).",
                    column=quantile,
                    value=str(n_quantiles),
                )
            ]
        )
    if n_quantiles > 10:
        warnings.warn(
            "Small values can make the SII unstable when using a large number of quantiles",
            UserWarning,
            stacklevel=2,
        )

    work = data.copy()
    work["_value"] = (
        as_float_array(work[value])
        if value is not None
        else _proportion_from_count(work, x, population)
    )
    if keys:
        duplicated = work.duplicated([*keys, quantile], keep=False).to_numpy()
    else:
        duplicated = work.duplicated([quantile], keep=False).to_numpy()
    raise_problems(
        row_problems(
            work,
            quantile,
            duplicated,
            what="this quantile appears more than once in its group",
            fix="Give one row per group and quantile (aggregate the data first).",
        )
    )
    usable = work[~np.isnan(work["_value"].to_numpy())]
    if keys:
        present = usable.groupby(keys, sort=False, dropna=False)[quantile].nunique()
        complete_keys = present[present == n_quantiles].index
        all_keys = work[keys].drop_duplicates()
        index = pd.MultiIndex.from_frame(work[keys])
        if len(keys) == 1:
            index = index.get_level_values(0)
        complete_rows = np.asarray(index.isin(complete_keys))
    else:
        complete_rows = np.full(len(work), usable[quantile].nunique() == n_quantiles)
        all_keys = pd.DataFrame(index=[0])
    if not complete_rows.all():
        warnings.warn(
            "some groups do not have a value for every quantile: "
            + ("they were left out" if drop_incomplete else "their SII is blank"),
            UserWarning,
            stacklevel=2,
        )
    complete = work[complete_rows].sort_values([*keys, quantile], kind="stable")
    n_groups = len(complete) // n_quantiles
    result = _compute(
        complete,
        n_groups,
        n_quantiles,
        population=population,
        lower=lower,
        upper=upper,
        se=se,
        value_type=value_type,
        multiplier=multiplier,
        repetitions=repetitions,
        levels=levels,
        want_rii=rii,
        transform=transform,
        reliability_stat=reliability_stat,
        seed=seed,
        simulation=simulation,
        rank=rank,
        reference_population=reference_population,
    )
    out = (
        complete[keys].iloc[::n_quantiles].reset_index(drop=True)
        if keys
        else pd.DataFrame(index=range(n_groups))
    )
    for name, column in result.items():
        out[name] = column
    if not drop_incomplete and not complete_rows.all():
        missing = all_keys.merge(out[keys], on=keys, how="left", indicator=True) if keys else None
        if missing is not None:
            extra = missing[missing["_merge"] == "left_only"][keys]
            extra = extra.assign(note="not every quantile has a value: no SII")
            out = pd.concat([out, extra], ignore_index=True).sort_values(keys, kind="stable")
            out = out.reset_index(drop=True)
        elif n_groups == 0:
            out = pd.DataFrame({"note": ["not every quantile has a value: no SII"]})
    return _arrange(
        out,
        keys,
        levels,
        rii,
        reliability_stat,
        intercept,
        type,
        value_type,
        transform,
        multiplier,
        repetitions,
    )


def _proportion_from_count(work: pd.DataFrame, x: str | None, population: str) -> Array:
    assert x is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        return as_float_array(work[x]) / as_float_array(work[population])


def _check_ranks(data: pd.DataFrame, rank: str | None, reference: str | None) -> list[Problem]:
    """Given ranks must lie in [0, 1]; a reference population must be positive; not both."""
    if rank is None and reference is None:
        return []
    if rank is not None and reference is not None:
        return [
            Problem(
                what="give either rank or reference_population, not both",
                fix="rank: the relative rank of each quantile; reference_population: the "
                "population it is computed from.",
            )
        ]
    column = rank if rank is not None else reference
    assert column is not None
    problems = check_columns(data, [("rank", column)], numeric=("rank",))
    if problems:
        return problems
    values = as_float_array(data[column])
    if rank is not None:
        bad = ~((values >= 0) & (values <= 1))
        what, fix = "a rank must be between 0 and 1", "Give relative ranks (0 = most deprived)."
    else:
        bad = ~(values > 0)
        what, fix = "a reference population must be above zero", "Correct the population."
    return row_problems(data, column, bad, what=what, fix=fix)


def _check_arguments(
    data: pd.DataFrame,
    quantile: str,
    population: str,
    value: str | None,
    x: str | None,
    se: str | None,
    lower: str | None,
    upper: str | None,
    value_type: int,
    transform: bool,
    repetitions: int,
    multiplier: float,
    type: str,
    simulation: str,
) -> list[Problem]:
    problems = check_columns(
        data,
        [
            ("quantile", quantile),
            ("population", population),
            ("value", value),
            ("x", x),
            ("se", se),
            ("lower", lower),
            ("upper", upper),
        ],
        numeric=("population", "value", "x", "se", "lower", "upper"),
    )
    problems += check_choice("value_type", value_type, (0, 1, 2))
    problems += check_choice("type", type, ("full", "standard"))
    problems += check_choice("simulation", simulation, ("auto", "full"))
    if value is None and (x is None or value_type != 2):
        problems.append(
            Problem(
                what="the SII needs a value column, or a count x if the indicator is a proportion",
                fix="Name the column of indicator values as value (or x with value_type=2).",
            )
        )
    if se is None and (lower is None or upper is None):
        problems.append(
            Problem(
                what="the SII needs either lower and upper confidence limits, or se",
                fix="Name the columns of 95% limits (lower, upper) or of standard errors (se).",
            )
        )
    if transform and value_type == 0:
        problems.append(
            Problem(
                what="value_type should be 1 or 2 when transform is true",
                fix="Set value_type=1 for rates (log) or 2 for proportions (logit).",
            )
        )
    if transform and se is not None:
        problems.append(
            Problem(
                what="se must be left out when transform is true",
                fix="Give the 95% limits instead: they are transformed to get the standard error.",
            )
        )
    if (
        isinstance(repetitions, bool)
        or not isinstance(repetitions, int | np.integer)
        or repetitions < MIN_REPETITIONS
    ):
        problems.append(
            Problem(
                what=f"repetitions must be a whole number of {MIN_REPETITIONS} or more",
                fix="The default is 100,000; use fewer only for quick looks.",
                value=repr(repetitions),
            )
        )
    if (
        isinstance(multiplier, bool)
        or not isinstance(multiplier, int | float | np.number)
        or (not np.isfinite(multiplier))
    ):
        problems.append(
            Problem(
                what="multiplier must be a number",
                fix="Use e.g. 100 for percentages, or -1 to flip the polarity.",
                value=repr(multiplier),
            )
        )
    return problems


def _check_rows(
    data: pd.DataFrame,
    population: str,
    value: str | None,
    x: str | None,
    se: str | None,
    lower: str | None,
    upper: str | None,
    value_type: int,
) -> list[Problem]:
    pop = as_float_array(data[population])
    with np.errstate(invalid="ignore"):
        problems = row_problems(
            data,
            population,
            ~(pop > 0),
            what="population is zero, negative or missing",
            fix="Every quantile needs a population greater than 0.",
        )
        if se is not None:
            s = as_float_array(data[se])
            problems += row_problems(
                data,
                se,
                ~(s >= 0),
                what="standard error is negative or missing",
                fix="Give a standard error of 0 or more for every quantile.",
            )
        for column in (lower, upper):
            if column is not None:
                problems += row_problems(
                    data,
                    column,
                    np.isnan(as_float_array(data[column])),
                    what="confidence limit is missing",
                    fix="Give both 95% limits for every quantile.",
                )
        if value_type == 2:
            for column in (value, lower, upper):
                if column is not None:
                    v = as_float_array(data[column])
                    problems += row_problems(
                        data,
                        column,
                        (v < 0) | (v > 1),
                        what="a proportion must be between 0 and 1",
                        fix="Give proportions on the 0..1 scale (divide percentages by 100).",
                    )
            if value is None and x is not None:
                counts = as_float_array(data[x])
                problems += row_problems(
                    data,
                    x,
                    counts <= 0,
                    what="count is zero or negative",
                    fix="The logit needs a count above 0 in each quantile; give the value instead.",
                )
    return problems


def _compute(
    complete: pd.DataFrame,
    n_groups: int,
    n_quantiles: int,
    *,
    population: str,
    lower: str | None,
    upper: str | None,
    se: str | None,
    value_type: int,
    multiplier: float,
    repetitions: int,
    levels: tuple[float, ...],
    want_rii: bool,
    transform: bool,
    reliability_stat: bool,
    seed: int | None,
    simulation: str,
    rank: str | None = None,
    reference_population: str | None = None,
) -> dict[str, Array | NDArray[np.object_]]:
    """All the numbers, for groups already sorted and complete (shape groups × quantiles)."""
    shape = (n_groups, n_quantiles)
    pop = as_float_array(complete[population]).reshape(shape)
    ranks: Array | None = None
    if rank is not None:
        ranks = as_float_array(complete[rank]).reshape(shape)
    elif reference_population is not None:
        ranks = relative_rank(as_float_array(complete[reference_population]).reshape(shape))[1]
    centre = _forward(complete["_value"].to_numpy(float), value_type).reshape(shape)
    if se is not None:
        spread = as_float_array(complete[se]).reshape(shape)
    else:
        assert lower is not None and upper is not None
        lo = _forward(as_float_array(complete[lower]), value_type)
        hi = _forward(as_float_array(complete[upper]), value_type)
        spread = ((hi - lo) / z_two_sided(0.95) / 2).reshape(shape)
    design = _design(pop, ranks)
    y = centre if transform else _back(centre, value_type)
    beta0 = (design.w0 * y).sum(axis=1)
    beta1 = (design.w1 * y).sum(axis=1)

    result: dict[str, Array | NDArray[np.object_]] = {}
    if transform:
        top = beta0 + beta1
        half = (beta0 + top) / 2
        bottom_value, top_value = _back(beta0, value_type), _back(top, value_type)
        result["sii"] = (top_value - bottom_value) * multiplier
        ratio = top_value / bottom_value
        result["rii"] = 1 / ratio if multiplier < 0 else ratio
        result["intercept"] = bottom_value * abs(multiplier)
    else:
        half = np.zeros(n_groups)
        result["sii"] = multiplier * beta1
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (beta0 + beta1) / beta0
        result["rii"] = 1 / ratio if multiplier < 0 else ratio
        result["intercept"] = beta0

    finite = np.asarray(np.isfinite(centre).all(axis=1) & np.isfinite(spread).all(axis=1))
    runs = RELIABILITY_RUNS if reliability_stat else 1
    pairs = percentile_positions(repetitions, levels)
    positions = sorted({k for pair in pairs for k in pair})
    rng = np.random.default_rng(seed)
    linear = transform or value_type == 0
    safe_centre = np.where(finite[:, None], centre, 0.0)
    safe_spread = np.where(finite[:, None], spread, 0.0)
    if n_groups == 0:
        sim = _Simulated(
            sii=np.empty((runs, 0, len(positions))), rii=np.empty((runs, 0, len(positions)))
        )
    elif linear and simulation == "auto":
        sim = _simulate_exact(
            design,
            safe_centre,
            safe_spread,
            positions,
            repetitions,
            runs,
            multiplier,
            transform,
            want_rii,
            rng,
        )
    else:
        sim = _simulate_full(
            design,
            safe_centre,
            safe_spread,
            positions,
            repetitions,
            runs,
            multiplier,
            value_type,
            transform,
            want_rii,
            rng,
        )

    sii_limits: list[tuple[Array, Array]] = []
    rii_limits: list[tuple[Array, Array]] = []
    for lo_k, hi_k in pairs:
        lo_sim = sim.sii[..., positions.index(lo_k)]
        hi_sim = sim.sii[..., positions.index(hi_k)]
        if transform:
            (s_lo, s_hi), (r_lo, r_hi) = _back_transform_limits(
                lo_sim, hi_sim, half, value_type, multiplier
            )
        else:
            s_lo, s_hi = lo_sim, hi_sim
            if sim.rii is not None:
                r_lo = sim.rii[..., positions.index(lo_k)]
                r_hi = sim.rii[..., positions.index(hi_k)]
            else:
                r_lo = r_hi = np.full_like(lo_sim, np.nan)
        mask = ~finite[None, :]
        sii_limits.append((np.where(mask, np.nan, s_lo), np.where(mask, np.nan, s_hi)))
        rii_limits.append((np.where(mask, np.nan, r_lo), np.where(mask, np.nan, r_hi)))

    for level, (s_lo, s_hi) in zip(levels, sii_limits, strict=True):
        result[f"sii_lower{level_label(level)}cl"] = s_lo[0]
        result[f"sii_upper{level_label(level)}cl"] = s_hi[0]
    for level, (r_lo, r_hi) in zip(levels, rii_limits, strict=True):
        result[f"rii_lower{level_label(level)}cl"] = r_lo[0]
        result[f"rii_upper{level_label(level)}cl"] = r_hi[0]
    if reliability_stat:
        for level, (s_lo, s_hi), (r_lo, r_hi) in zip(levels, sii_limits, rii_limits, strict=True):
            result[f"sii_mad{level_label(level)}"] = _mad(s_lo, s_hi)
            result[f"rii_mad{level_label(level)}"] = _mad(r_lo, r_hi)
    note = np.full(n_groups, None, dtype=object)
    note[~finite] = "a value or standard error is not finite (e.g. a proportion of 0 or 1)"
    result["note"] = note
    return result


def _back_transform_limits(
    lo: Array, hi: Array, half: Array, value_type: int, multiplier: float
) -> tuple[tuple[Array, Array], tuple[Array, Array]]:
    """PHE's back-transformation of transformed-scale SII limits about the line's mid-point."""
    bottom_lo, bottom_hi = half - lo / 2, half - hi / 2
    top_lo, top_hi = half + lo / 2, half + hi / 2
    gap_lo = _back(top_lo, value_type) - _back(bottom_lo, value_type)
    gap_hi = _back(top_hi, value_type) - _back(bottom_hi, value_type)
    ratio_lo = _back(top_lo, value_type) / _back(bottom_lo, value_type)
    ratio_hi = _back(top_hi, value_type) / _back(bottom_hi, value_type)
    if multiplier < 0:
        return (gap_hi * multiplier, gap_lo * multiplier), (1 / ratio_hi, 1 / ratio_lo)
    return (gap_lo * multiplier, gap_hi * multiplier), (ratio_lo, ratio_hi)


def _mad(lo: Array, hi: Array) -> Array:
    """Mean absolute difference of runs 2..10 from run 1, over both limits (PHE reliability)."""
    diffs = np.concatenate([np.abs(lo[1:] - lo[0]), np.abs(hi[1:] - hi[0])], axis=0)
    return diffs.mean(axis=0)


def _arrange(
    out: pd.DataFrame,
    keys: list[str],
    levels: tuple[float, ...],
    rii: bool,
    reliability_stat: bool,
    intercept: bool,
    type: str,
    value_type: int,
    transform: bool,
    multiplier: float,
    repetitions: int,
) -> pd.DataFrame:
    labels = [level_label(level) for level in levels]
    columns = [*keys, "sii"]
    if rii:
        columns.append("rii")
    for label in labels:
        columns += [f"sii_lower{label}cl", f"sii_upper{label}cl"]
    if rii:
        for label in labels:
            columns += [f"rii_lower{label}cl", f"rii_upper{label}cl"]
    if reliability_stat:
        for label in labels:
            columns.append(f"sii_mad{label}")
            if rii:
                columns.append(f"rii_mad{label}")
    if intercept:
        columns.append("intercept")
    for column in columns:
        if column not in out.columns:
            out[column] = np.nan
    arranged = out[columns].copy()
    if type == "full":
        arranged["indicator_type"] = INDICATOR_TYPES[value_type]
        arranged["multiplier"] = multiplier
        arranged["transform"] = (
            "log" if transform and value_type == 1 else "logit" if transform else "none"
        )
        arranged["CI_confidence"] = levels_text(levels)
        arranged["CI_method"] = f"simulation {r_number(repetitions)} reps"
        arranged["note"] = out["note"] if "note" in out.columns else None
    return arranged
