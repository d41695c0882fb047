"""Variance measures for non-ordered dimensions: BGV, BGSD and COV (WHO HEAT, healthequal).

With population shares pᵢ and the weighted mean μ = Σ pᵢ yᵢ:

    BGV  = Σ pᵢ (yᵢ − μ)²                    (between-group variance, squared units)
    BGSD = √BGV                               (between-group standard deviation)
    COV  = BGSD / μ × 100                     (coefficient of variation, %)

BGV's interval uses its analytic variance (Ahn et al. 2018),
var = 4 Σ pᵢ² seᵢ² (yᵢ − μ)² + 2 [(Σ pᵢ² seᵢ²)² − Σ pᵢ⁴ seᵢ⁴ + Σ pᵢ² (1 − pᵢ)² seᵢ⁴];
BGSD's and COV's are simulated (see :mod:`equalqi.stats.heat._simulation`).

References: Ahn J, Harper S, Yu M, Feuer EJ, Liu B, Luta G. Variance estimation and
confidence intervals for 11 commonly used health disparity measures. JCO Clin Cancer
Inform 2018;2:1-19. Schlotheuber A, Hosseinpoor AR. Int J Environ Res Public Health
2022;19(6):3697. healthequal ``bgv()``, ``bgsd()``, ``covar()`` (v1.0.1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.stats._confidence import z_two_sided
from equalqi.stats._validation import raise_problems
from equalqi.stats.heat._groups import (
    Array,
    BoolArray,
    Inputs,
    Notes,
    missing_rule,
    need_more_than_two,
    number_per_setting,
    population_notes,
    quiet,
    read_inputs,
    reduce_2d,
    result_frame,
)
from equalqi.stats.heat._level import parse_level
from equalqi.stats.heat._simulation import (
    DEFAULT_SEED,
    DEFAULT_SIMULATIONS,
    percentile_interval,
    truncated_draws,
)


def _shares(inputs: Inputs, mask: BoolArray) -> Array:
    assert inputs.pop is not None
    pop = np.nan_to_num(inputs.pop)
    total = inputs.settings.spread(inputs.settings.sum(pop, mask))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mask, pop / total, 0.0)


def _weighted_sd(
    inputs: Inputs, values: Array, share: Array, mask: BoolArray
) -> tuple[Array, Array]:
    settings = inputs.settings
    mean = settings.sum(share * values, mask)
    variance = settings.sum(share * (values - settings.spread(mean)) ** 2, mask)
    return mean, variance


def _setup(
    data: pd.DataFrame,
    est: str,
    se: str | None,
    pop: str,
    force: bool,
    strict: bool,
    group_by: Sequence[str] | str | None,
) -> tuple[Inputs, BoolArray, Notes]:
    inputs = read_inputs(data, group_by, est=est, se=se, pop=pop)
    notes = Notes(inputs.settings.size)
    rule = "share_strict" if strict else "share"
    mask = missing_rule(inputs.settings, inputs.est, notes, rule=rule, force=force)
    need_more_than_two(inputs.settings, mask, notes)
    population_notes(inputs.settings, inputs.pop, mask, notes)
    return inputs, mask, notes


@quiet
def bgv(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    se: str | None = None,
    conf_level: float = 0.95,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Between-group variance per setting, with its analytic interval (needs ``se``).

    As healthequal, more than 15% missing estimates always blocks the setting; fewer are
    left out.
    """
    level = parse_level(conf_level)
    inputs, mask, notes = _setup(data, est, se, pop, force=False, strict=True, group_by=group_by)
    settings = inputs.settings
    share = _shares(inputs, mask)
    mean, value = _weighted_sd(inputs, inputs.est, share, mask)
    if inputs.se is not None:
        s2 = inputs.se**2
        dev2 = (inputs.est - settings.spread(mean)) ** 2
        se2 = settings.sum(share**2 * s2 * dev2, mask)
        sum2 = settings.sum(share**2 * s2, mask)
        sum4 = settings.sum(share**4 * s2**2, mask)
        sume4 = settings.sum(share**2 * (1 - share) ** 2 * s2**2, mask)
        with np.errstate(invalid="ignore"):
            se_bgv = np.sqrt(4 * se2 + 2 * (sum2**2 - sum4 + sume4))
        se_bgv = np.where(settings.count(mask & np.isnan(inputs.se)) > 0, np.nan, se_bgv)
    else:
        se_bgv = np.full(settings.size, np.nan)
    z = z_two_sided(level)
    return result_frame(
        settings,
        "bgv",
        value,
        se_bgv,
        value - z * se_bgv,
        value + z * se_bgv,
        "between-group variance; analytic standard error (Ahn 2018)",
        notes.values,
    )


def _simulated_spread(
    data: pd.DataFrame,
    *,
    measure: str,
    est: str,
    pop: str,
    se: str | None,
    scaleval: float | str | None,
    sim: int,
    seed: int | None,
    force: bool,
    group_by: Sequence[str] | str | None,
) -> pd.DataFrame:
    inputs, mask, notes = _setup(data, est, se, pop, force=force, strict=False, group_by=group_by)
    settings = inputs.settings
    scale, problems = number_per_setting(settings, scaleval, "scaleval")
    raise_problems(problems)
    share = _shares(inputs, mask)
    mean, variance = _weighted_sd(inputs, inputs.est, share, mask)
    sd = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = sd if measure == "bgsd" else sd / mean * 100
    lower = np.full(settings.size, np.nan)
    upper = np.full(settings.size, np.nan)
    if inputs.se is not None and settings.size:
        rng = np.random.default_rng(seed)
        draws = truncated_draws(
            np.nan_to_num(inputs.est), np.nan_to_num(inputs.se), settings.spread(scale), sim, rng
        )
        sim_mean = reduce_2d(settings, share * draws, mask, "sum")
        sim_var = reduce_2d(
            settings, share * (draws - sim_mean[:, settings.codes]) ** 2, mask, "sum"
        )
        sim_sd = np.sqrt(sim_var)
        with np.errstate(divide="ignore", invalid="ignore"):
            samples = sim_sd if measure == "bgsd" else sim_sd / sim_mean * 100
        lower, upper = percentile_interval(samples)
        no_ci = (settings.count(mask & np.isnan(inputs.se)) > 0) | np.isnan(scale)
        lower = np.where(no_ci, np.nan, lower)
        upper = np.where(no_ci, np.nan, upper)
    label = "between-group standard deviation" if measure == "bgsd" else "coefficient of variation"
    return result_frame(
        settings,
        measure,
        value,
        np.full(settings.size, np.nan),
        lower,
        upper,
        f"{label}; simulated 95% interval ({sim} simulations)",
        notes.values,
    )


@quiet
def bgsd(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    se: str | None = None,
    scaleval: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Between-group standard deviation per setting, with a simulated 95% interval.

    The interval needs ``se`` and ``scaleval`` (the indicator's scale, e.g. 100 for a
    percentage: simulated values are kept within 0..100 then). More than 15% missing
    estimates blocks a setting unless ``force``.
    """
    return _simulated_spread(
        data,
        measure="bgsd",
        est=est,
        pop=pop,
        se=se,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
    )


@quiet
def cov(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    se: str | None = None,
    scaleval: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Coefficient of variation (BGSD / weighted mean × 100) per setting; as :func:`bgsd`."""
    return _simulated_spread(
        data,
        measure="cov",
        est=est,
        pop=pop,
        se=se,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
    )
