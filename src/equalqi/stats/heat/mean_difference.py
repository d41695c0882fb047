"""Mean difference measures for non-ordered dimensions (WHO HEAT, healthequal).

Each is the average absolute difference between the subgroup estimates yᵢ and a
reference point, unweighted (each of the n subgroups counts 1/n: MDMU, MDBU, MDRU) or
weighted by population share pᵢ (MDMW, MDBW, MDRW):

    MD = Σ wᵢ |yᵢ − ref|,   wᵢ = 1/n or pᵢ

* MDM: ref = the mean (the population-weighted mean, or the setting average given);
* MDB: ref = the best-performing subgroup (highest estimate for a favourable indicator,
  lowest for an adverse one);
* MDR: ref = the reference subgroup the user chose.

The 95% intervals are simulated (see :mod:`equalqi.stats.heat._simulation`); in each
simulation the reference point is recomputed from the simulated estimates.

References: Harper S, Lynch J. Methods for measuring cancer disparities. NCI 2005.
Schlotheuber A, Hosseinpoor AR. Int J Environ Res Public Health 2022;19(6):3697.
healthequal ``mdmu()``, ``mdmw()``, ``mdbu()``, ``mdbw()``, ``mdru()``, ``mdrw()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from equalqi.errors import Problem
from equalqi.stats._validation import as_float_array, check_columns, raise_problems
from equalqi.stats.heat._groups import (
    Array,
    BoolArray,
    Inputs,
    Notes,
    Settings,
    flag_per_setting,
    missing_rule,
    need_more_than_two,
    number_per_setting,
    population_notes,
    quiet,
    read_inputs,
    reduce_2d,
    result_frame,
)
from equalqi.stats.heat._simulation import (
    DEFAULT_SEED,
    DEFAULT_SIMULATIONS,
    percentile_interval,
    truncated_draws,
)


@dataclass(frozen=True)
class Prepared:
    """What every mean-difference measure needs, already validated."""

    inputs: Inputs
    mask: BoolArray
    notes: Notes
    share: Array  # population share (0 outside the mask, NaN without a population)
    unweighted: Array  # 1/n over the subgroups in the mask
    scale: Array  # per setting
    setting_average: Array  # per setting (NaN if not given)


def prepare_md(
    data: pd.DataFrame,
    *,
    est: str,
    se: str | None,
    pop: str | None,
    scaleval: float | str | None,
    setting_average: float | str | None,
    force: bool,
    group_by: Sequence[str] | str | None,
    extra: Sequence[str | None] = (),
) -> Prepared:
    """Read, apply the 15% missing rule and compute weights for one mean-difference measure."""
    problems = check_columns(data, [("reference_subgroup", c) for c in extra])
    inputs = read_inputs(data, group_by, est=est, se=se, pop=pop, extra_problems=problems)
    settings = inputs.settings
    scale, p1 = number_per_setting(settings, scaleval, "scaleval")
    average, p2 = number_per_setting(settings, setting_average, "setting_average")
    raise_problems(p1 + p2)
    notes = Notes(settings.size)
    mask = missing_rule(settings, inputs.est, notes, rule="share", force=force)
    need_more_than_two(settings, mask, notes)
    population_notes(settings, inputs.pop, mask, notes)
    if inputs.pop is not None:
        pop_values = np.nan_to_num(inputs.pop)
        total = settings.spread(settings.sum(pop_values, mask))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(mask, pop_values / total, 0.0)
    else:
        share = np.full(len(inputs.est), np.nan)
    count = settings.spread(settings.count(mask))
    with np.errstate(divide="ignore", invalid="ignore"):
        unweighted = np.where(mask, 1 / count, 0.0)
    return Prepared(inputs, mask, notes, share, unweighted, scale, average)


def draws_for(prep: Prepared, sim: int, seed: int | None) -> Array:
    """Simulated estimates (sim × rows), truncated as healthequal does."""
    inputs = prep.inputs
    assert inputs.se is not None
    rng = np.random.default_rng(seed)
    return truncated_draws(
        np.nan_to_num(inputs.est),
        np.nan_to_num(inputs.se),
        inputs.settings.spread(prep.scale),
        sim,
        rng,
    )


def interval_available(prep: Prepared) -> BoolArray:
    """healthequal gives a simulated interval only with every se and the scale present."""
    inputs = prep.inputs
    if inputs.se is None:
        return np.zeros(inputs.settings.size, dtype=bool)
    missing_se = inputs.settings.count(prep.mask & np.isnan(inputs.se)) > 0
    return ~missing_se & ~np.isnan(prep.scale)


@quiet
def finish(
    prep: Prepared,
    measure: str,
    value: Array,
    simulate: Callable[[Array], Array] | None,
    sim: int,
    seed: int | None,
    label: str,
) -> pd.DataFrame:
    """Simulated percentile interval (where available) and the result frame."""
    settings = prep.inputs.settings
    lower = np.full(settings.size, np.nan)
    upper = np.full(settings.size, np.nan)
    available = interval_available(prep)
    if simulate is not None and available.any():
        samples = simulate(draws_for(prep, sim, seed))
        lo, hi = percentile_interval(samples)
        lower = np.where(available, lo, np.nan)
        upper = np.where(available, hi, np.nan)
    return result_frame(
        settings,
        measure,
        value,
        np.full(settings.size, np.nan),
        lower,
        upper,
        f"{label}; simulated 95% interval ({sim} simulations)",
        prep.notes.values,
    )


def _mean_reference(prep: Prepared, values: Array, *, use_average: bool) -> Array:
    """Population-weighted mean of ``values`` per setting, or the setting average."""
    settings = prep.inputs.settings
    if use_average:
        return prep.setting_average
    return settings.sum(prep.share * values, prep.mask)


def _need_pop(prep: Prepared, measure: str) -> None:
    if prep.inputs.pop is None:
        raise_problems(
            [
                Problem(
                    what=f"{measure.upper()} needs the population of each subgroup",
                    fix="Name the population column as pop.",
                )
            ]
        )


def _abs_sum(
    settings: Settings, weight: Array, values: Array, ref: Array, mask: BoolArray
) -> Array:
    return settings.sum(weight * np.abs(values - settings.spread(ref)), mask)


def _abs_sum_2d(
    settings: Settings, weight: Array, draws: Array, ref: Array, mask: BoolArray
) -> Array:
    return reduce_2d(settings, weight * np.abs(draws - ref[:, settings.codes]), mask, "sum")


@quiet
def mdmu(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str | None = None,
    se: str | None = None,
    scaleval: float | str | None = None,
    setting_average: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Mean difference from the mean, unweighted; the mean is ``setting_average`` if given.

    As healthequal, the simulations recompute the mean from the simulated estimates
    whenever ``pop`` is given (even if ``setting_average`` is too).
    """
    prep = prepare_md(
        data,
        est=est,
        se=se,
        pop=pop,
        scaleval=scaleval,
        setting_average=setting_average,
        force=force,
        group_by=group_by,
    )
    settings = prep.inputs.settings
    if pop is None and setting_average is None:
        raise_problems(
            [
                Problem(
                    what="MDMU needs either the population or the setting average",
                    fix="Name the population column as pop, or give setting_average.",
                )
            ]
        )
    use_average = setting_average is not None
    ref = _mean_reference(prep, prep.inputs.est, use_average=use_average)
    value = _abs_sum(settings, prep.unweighted, prep.inputs.est, ref, prep.mask)

    def simulate(draws: Array) -> Array:
        if pop is not None:
            sim_ref = reduce_2d(settings, prep.share * draws, prep.mask, "sum")
        else:
            sim_ref = np.broadcast_to(prep.setting_average, (draws.shape[0], settings.size))
        return _abs_sum_2d(settings, prep.unweighted, draws, sim_ref, prep.mask)

    return finish(
        prep, "mdmu", value, simulate, sim, seed, "mean difference from mean (unweighted)"
    )


@quiet
def mdmw(
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
    """Mean difference from the population-weighted mean, weighted by population share."""
    prep = prepare_md(
        data,
        est=est,
        se=se,
        pop=pop,
        scaleval=scaleval,
        setting_average=None,
        force=force,
        group_by=group_by,
    )
    _need_pop(prep, "mdmw")
    settings = prep.inputs.settings
    ref = _mean_reference(prep, prep.inputs.est, use_average=False)
    value = _abs_sum(settings, prep.share, prep.inputs.est, ref, prep.mask)

    def simulate(draws: Array) -> Array:
        sim_ref = reduce_2d(settings, prep.share * draws, prep.mask, "sum")
        return _abs_sum_2d(settings, prep.share, draws, sim_ref, prep.mask)

    return finish(prep, "mdmw", value, simulate, sim, seed, "mean difference from mean (weighted)")


def _best(settings: Settings, values: Array, mask: BoolArray, favourable: Array) -> Array:
    return np.where(favourable == 1, settings.max(values, mask), settings.min(values, mask))


def _best_2d(settings: Settings, draws: Array, mask: BoolArray, favourable: Array) -> Array:
    high = reduce_2d(settings, draws, mask, "max")
    low = reduce_2d(settings, draws, mask, "min")
    return np.where(favourable[None, :] == 1, high, low)


def _mdb(
    data: pd.DataFrame,
    *,
    weighted: bool,
    est: str,
    pop: str | None,
    se: str | None,
    favourable_indicator: bool | int | str,
    scaleval: float | str | None,
    sim: int,
    seed: int | None,
    force: bool,
    group_by: Sequence[str] | str | None,
) -> pd.DataFrame:
    prep = prepare_md(
        data,
        est=est,
        se=se,
        pop=pop,
        scaleval=scaleval,
        setting_average=None,
        force=force,
        group_by=group_by,
    )
    settings = prep.inputs.settings
    favourable, problems = flag_per_setting(settings, favourable_indicator, "favourable_indicator")
    raise_problems(problems)
    if weighted:
        _need_pop(prep, "mdbw")
    weight = prep.share if weighted else prep.unweighted
    ref = _best(settings, prep.inputs.est, prep.mask, favourable)
    value = _abs_sum(settings, weight, prep.inputs.est, ref, prep.mask)

    def simulate(draws: Array) -> Array:
        sim_ref = _best_2d(settings, draws, prep.mask, favourable)
        return _abs_sum_2d(settings, weight, draws, sim_ref, prep.mask)

    kind = "weighted" if weighted else "unweighted"
    name = "mdbw" if weighted else "mdbu"
    return finish(
        prep, name, value, simulate, sim, seed, f"mean difference from best-performing ({kind})"
    )


@quiet
def mdbu(
    data: pd.DataFrame,
    *,
    est: str,
    favourable_indicator: bool | int | str,
    se: str | None = None,
    scaleval: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Mean difference from the best-performing subgroup, unweighted."""
    return _mdb(
        data,
        weighted=False,
        est=est,
        pop=None,
        se=se,
        favourable_indicator=favourable_indicator,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
    )


@quiet
def mdbw(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    favourable_indicator: bool | int | str,
    se: str | None = None,
    scaleval: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Mean difference from the best-performing subgroup, weighted by population share."""
    return _mdb(
        data,
        weighted=True,
        est=est,
        pop=pop,
        se=se,
        favourable_indicator=favourable_indicator,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
    )


def _mdr(
    data: pd.DataFrame,
    *,
    weighted: bool,
    est: str,
    pop: str | None,
    se: str | None,
    reference_subgroup: str,
    scaleval: float | str | None,
    sim: int,
    seed: int | None,
    force: bool,
    group_by: Sequence[str] | str | None,
) -> pd.DataFrame:
    prep = prepare_md(
        data,
        est=est,
        se=se,
        pop=pop,
        scaleval=scaleval,
        setting_average=None,
        force=force,
        group_by=group_by,
        extra=(reference_subgroup,),
    )
    settings = prep.inputs.settings
    if weighted:
        _need_pop(prep, "mdrw")
    is_ref = as_float_array(settings.frame[reference_subgroup]) == 1
    ref_count = settings.count(is_ref)
    if (ref_count > 1).any():
        raise_problems(
            [
                Problem(
                    what="more than one subgroup is marked as the reference in a setting",
                    fix="Mark exactly one reference subgroup (1) per setting; the others 0.",
                    column=reference_subgroup,
                )
            ]
        )
    prep.notes.add(ref_count == 0, "no reference subgroup is marked")
    ref_pos = settings.first(is_ref)
    ref = settings.take(prep.inputs.est, ref_pos)
    weight = prep.share if weighted else prep.unweighted
    value = _abs_sum(settings, weight, prep.inputs.est, ref, prep.mask)

    def simulate(draws: Array) -> Array:
        safe = np.where(ref_pos >= 0, ref_pos, 0)
        sim_ref = np.where(ref_pos[None, :] >= 0, draws[:, safe], np.nan)
        return _abs_sum_2d(settings, weight, draws, sim_ref, prep.mask)

    kind = "weighted" if weighted else "unweighted"
    name = "mdrw" if weighted else "mdru"
    return finish(
        prep, name, value, simulate, sim, seed, f"mean difference from reference ({kind})"
    )


@quiet
def mdru(
    data: pd.DataFrame,
    *,
    est: str,
    reference_subgroup: str,
    se: str | None = None,
    scaleval: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Mean difference from the chosen reference subgroup (a 0/1 column), unweighted."""
    return _mdr(
        data,
        weighted=False,
        est=est,
        pop=None,
        se=se,
        reference_subgroup=reference_subgroup,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
    )


@quiet
def mdrw(
    data: pd.DataFrame,
    *,
    est: str,
    pop: str,
    reference_subgroup: str,
    se: str | None = None,
    scaleval: float | str | None = None,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Mean difference from the chosen reference subgroup, weighted by population share."""
    return _mdr(
        data,
        weighted=True,
        est=est,
        pop=pop,
        se=se,
        reference_subgroup=reference_subgroup,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
    )
