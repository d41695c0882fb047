"""Inputs and simulated results shared by the measures for non-ordered dimensions.

MDMU...MDRW, IDISU/IDISW, BGV/BGSD/COV and TI/MLD all read the same columns, apply the
same 15% missing rule and weight subgroups by population share; the simulated ones also
finish alike (see :mod:`equalqi.stats.heat._simulation`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from equalqi.stats._validation import check_columns, raise_problems
from equalqi.stats.heat._groups import (
    Array,
    BoolArray,
    Inputs,
    Notes,
    Settings,
    any_missing,
    missing_rule,
    need_more_than_two,
    number_per_setting,
    population_notes,
    quiet,
    read_inputs,
    reduce_2d,
    result_frame,
)
from equalqi.stats.heat._simulation import percentile_interval, truncated_draws

Simulated = Callable[[Array], Array]  # simulated estimates (sim × rows) -> per setting


@dataclass(frozen=True)
class Prepared:
    """What every non-ordered measure needs, already validated."""

    inputs: Inputs
    mask: BoolArray
    notes: Notes
    share: Array  # population share (0 outside the mask, NaN without a population)
    unweighted: Array  # 1/n over the subgroups in the mask
    scale: Array  # per setting
    setting_average: Array  # per setting (NaN if not given)

    @property
    def settings(self) -> Settings:
        return self.inputs.settings


def prepare_nonordered(
    data: pd.DataFrame,
    *,
    est: str,
    se: str | None,
    pop: str | None,
    force: bool,
    group_by: Sequence[str] | str | None,
    scaleval: float | str | None = None,
    setting_average: float | str | None = None,
    extra: Sequence[str | None] = (),
) -> Prepared:
    """Read, apply the 15% missing rule and compute the weights for one measure."""
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


def mean_point(prep: Prepared, *, use_average: bool, recompute: bool) -> tuple[Array, Simulated]:
    """The mean a measure compares with, observed and in each simulation.

    The setting average if given, else the population-weighted mean. healthequal
    recomputes it from the simulated estimates for some measures (``recompute``) and keeps
    the observed one for others.
    """
    settings = prep.settings
    if use_average:
        mean = prep.setting_average
    else:
        mean = settings.sum(prep.share * prep.inputs.est, prep.mask)

    def simulated(draws: Array) -> Array:
        if recompute:
            return reduce_2d(settings, prep.share * draws, prep.mask, "sum")
        return np.broadcast_to(mean, (draws.shape[0], settings.size))

    return mean, simulated


def deviation(prep: Prepared, weight: Array, point: Array) -> Array:
    """Σ wᵢ |yᵢ − point| per setting."""
    settings = prep.settings
    return settings.sum(weight * np.abs(prep.inputs.est - settings.spread(point)), prep.mask)


def deviation_2d(prep: Prepared, weight: Array, draws: Array, point: Array) -> Array:
    """:func:`deviation` in every simulation (``point`` is sim × settings)."""
    settings = prep.settings
    return reduce_2d(settings, weight * np.abs(draws - point[:, settings.codes]), prep.mask, "sum")


def _interval_available(prep: Prepared) -> BoolArray:
    """healthequal gives a simulated interval only with every se and the scale present."""
    inputs = prep.inputs
    if inputs.se is None:
        return np.zeros(inputs.settings.size, dtype=bool)
    return ~any_missing(inputs.settings, prep.mask, inputs.se) & ~np.isnan(prep.scale)


@quiet
def simulated_frame(
    prep: Prepared,
    measure: str,
    value: Array,
    simulate: Simulated,
    sim: int,
    seed: int | None,
    label: str,
) -> pd.DataFrame:
    """Simulated percentile interval (where available) and the result frame."""
    inputs = prep.inputs
    settings = inputs.settings
    lower = np.full(settings.size, np.nan)
    upper = np.full(settings.size, np.nan)
    available = _interval_available(prep)
    if available.any():
        assert inputs.se is not None
        draws = truncated_draws(
            np.nan_to_num(inputs.est),
            np.nan_to_num(inputs.se),
            settings.spread(prep.scale),
            sim,
            np.random.default_rng(seed),
        )
        lo, hi = percentile_interval(simulate(draws))
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
