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

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.errors import Problem
from equalqi.stats._validation import raise_problems
from equalqi.stats.heat._groups import Array, flag_per_setting, quiet, reduce_2d, reference_rows
from equalqi.stats.heat._nonordered import (
    Prepared,
    Simulated,
    deviation,
    deviation_2d,
    mean_point,
    prepare_nonordered,
    simulated_frame,
)
from equalqi.stats.heat._simulation import DEFAULT_SEED, DEFAULT_SIMULATIONS

_POINTS = {"m": "mean", "b": "best-performing", "r": "reference"}


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


def _best(prep: Prepared, favourable: Array) -> tuple[Array, Simulated]:
    """The best-performing estimate: the highest if favourable, the lowest if adverse."""
    settings, mask = prep.settings, prep.mask
    est = prep.inputs.est
    point = np.where(favourable == 1, settings.max(est, mask), settings.min(est, mask))

    def simulated(draws: Array) -> Array:
        high = reduce_2d(settings, draws, mask, "max")
        low = reduce_2d(settings, draws, mask, "min")
        return np.where(favourable[None, :] == 1, high, low)

    return point, simulated


def _chosen(prep: Prepared, column: str | None) -> tuple[Array, Simulated]:
    """The estimate of the subgroup marked 1 in ``column``."""
    settings = prep.settings
    is_ref, problems = reference_rows(settings, column)
    raise_problems(problems)
    prep.notes.add(settings.count(is_ref) == 0, "no reference subgroup is marked")
    ref_pos = settings.first(is_ref)

    def simulated(draws: Array) -> Array:
        safe = np.where(ref_pos >= 0, ref_pos, 0)
        return np.where(ref_pos[None, :] >= 0, draws[:, safe], np.nan)

    return settings.take(prep.inputs.est, ref_pos), simulated


def _md(
    data: pd.DataFrame,
    *,
    measure: str,
    est: str,
    pop: str | None,
    se: str | None,
    scaleval: float | str | None,
    sim: int,
    seed: int | None,
    force: bool,
    group_by: Sequence[str] | str | None,
    setting_average: float | str | None = None,
    favourable_indicator: bool | int | str | None = None,
    reference_subgroup: str | None = None,
) -> pd.DataFrame:
    """Any of the six: ``measure`` is "md", the point (m, b or r), then u or w.

    The checks run in the order each measure has always run them, so the first problem
    reported stays the same.
    """
    point_kind, weighted = measure[2], measure[3] == "w"
    prep = prepare_nonordered(
        data,
        est=est,
        se=se,
        pop=pop,
        force=force,
        group_by=group_by,
        scaleval=scaleval,
        setting_average=setting_average,
        extra=(reference_subgroup,),
    )
    if measure == "mdmu" and pop is None and setting_average is None:
        raise_problems(
            [
                Problem(
                    what="MDMU needs either the population or the setting average",
                    fix="Name the population column as pop, or give setting_average.",
                )
            ]
        )
    if point_kind == "b":
        favourable, problems = flag_per_setting(
            prep.settings, favourable_indicator, "favourable_indicator"
        )
        raise_problems(problems)
    if weighted:
        _need_pop(prep, measure)
    if point_kind == "m":
        use_average = setting_average is not None
        point, simulated = mean_point(prep, use_average=use_average, recompute=pop is not None)
    elif point_kind == "b":
        point, simulated = _best(prep, favourable)
    else:
        point, simulated = _chosen(prep, reference_subgroup)
    weight = prep.share if weighted else prep.unweighted
    value = deviation(prep, weight, point)

    def simulate(draws: Array) -> Array:
        return deviation_2d(prep, weight, draws, simulated(draws))

    kind = "weighted" if weighted else "unweighted"
    label = f"mean difference from {_POINTS[point_kind]} ({kind})"
    return simulated_frame(prep, measure, value, simulate, sim, seed, label)


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
    return _md(
        data,
        measure="mdmu",
        est=est,
        pop=pop,
        setting_average=setting_average,
        se=se,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
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
    return _md(
        data,
        measure="mdmw",
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
    return _md(
        data,
        measure="mdbu",
        est=est,
        pop=None,
        favourable_indicator=favourable_indicator,
        se=se,
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
    return _md(
        data,
        measure="mdbw",
        est=est,
        pop=pop,
        favourable_indicator=favourable_indicator,
        se=se,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
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
    return _md(
        data,
        measure="mdru",
        est=est,
        pop=None,
        reference_subgroup=reference_subgroup,
        se=se,
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
    return _md(
        data,
        measure="mdrw",
        est=est,
        pop=pop,
        reference_subgroup=reference_subgroup,
        se=se,
        scaleval=scaleval,
        sim=sim,
        seed=seed,
        force=force,
        group_by=group_by,
    )
