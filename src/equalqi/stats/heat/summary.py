"""All the WHO HEAT summary measures that fit a dimension, for every setting, as one tidy frame.

An ordered dimension (deprivation, education) gets D, R, ACI, RCI, SII, RII, PAR and
PAF; a non-ordered one (ethnic group, region, sex) gets D, R, BGV, BGSD, COV, MDMU,
MDMW, MDBU, MDBW, MDRU and MDRW (when a reference subgroup is marked), IDISU, IDISW, TI,
MLD, PAR and PAF: the choice WHO HEAT makes (Schlotheuber A, Hosseinpoor AR. Int J
Environ Res Public Health 2022;19(6):3697, table 1). With ``group_by`` holding the period,
every measure comes out for every period: the series behind a gap chart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from equalqi.errors import Problem
from equalqi.stats._validation import check_columns, check_group_by, raise_problems
from equalqi.stats.heat import (
    attributable,
    concentration,
    disparity,
    mean_difference,
    regression,
    simple,
    theil,
    variance,
)
from equalqi.stats.heat._simulation import DEFAULT_SEED, DEFAULT_SIMULATIONS

ORDERED_MEASURES = ("d", "r", "aci", "rci", "sii", "rii", "par", "paf")
NON_ORDERED_MEASURES = (
    "d",
    "r",
    "bgv",
    "bgsd",
    "cov",
    "mdmu",
    "mdmw",
    "mdbu",
    "mdbw",
    "mdru",
    "mdrw",
    "idisu",
    "idisw",
    "ti",
    "mld",
    "par",
    "paf",
)
ALL_MEASURES = tuple(dict.fromkeys(ORDERED_MEASURES + NON_ORDERED_MEASURES))


def summary_measures(
    data: pd.DataFrame,
    *,
    est: str,
    favourable_indicator: bool | int,
    ordered_dimension: bool | int,
    se: str | None = None,
    pop: str | None = None,
    subgroup_order: str | None = None,
    reference_subgroup: str | None = None,
    scaleval: float | str | None = None,
    setting_average: float | str | None = None,
    measures: Sequence[str] | None = None,
    conf_level: float = 0.95,
    sim: int = DEFAULT_SIMULATIONS,
    seed: int | None = DEFAULT_SEED,
    force: bool = False,
    linear: bool = False,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Every applicable HEAT measure for every ``group_by`` setting, long and tidy.

    Columns: the ``group_by`` columns, ``measure``, ``estimate``, ``se``, ``lowerci``,
    ``upperci``, ``method`` and ``note`` (why a measure is blank for a setting). Without
    ``measures``, those that fit the dimension and the inputs given are computed (e.g.
    MDRU/MDRW only with a ``reference_subgroup``, weighted measures only with ``pop``);
    naming a measure whose inputs are missing raises :class:`~equalqi.errors.InputError`.
    """
    keys = check_group_by(data, group_by)
    raise_problems(
        check_columns(
            data,
            [
                ("est", est),
                ("se", se),
                ("pop", pop),
                ("subgroup_order", subgroup_order),
                ("reference_subgroup", reference_subgroup),
            ],
        )
    )
    ordered = bool(ordered_dimension)
    available = _available(ordered, pop, subgroup_order, reference_subgroup, setting_average)
    if measures is None:
        chosen = [
            m for m in (ORDERED_MEASURES if ordered else NON_ORDERED_MEASURES) if m in available
        ]
    else:
        chosen = list(measures)
        problems = [
            Problem(
                what=f"measure {m!r} is not a WHO HEAT summary measure",
                fix=f"Choose from: {', '.join(ALL_MEASURES)}.",
                value=m,
            )
            for m in chosen
            if m not in ALL_MEASURES
        ]
        problems += [
            Problem(
                what=f"measure {m!r} cannot be computed from the inputs given",
                fix=_NEEDS.get(m, "Check the measure fits the dimension."),
                value=m,
            )
            for m in chosen
            if m in ALL_MEASURES and m not in available
        ]
        raise_problems(problems)
    runners: dict[str, Callable[[], pd.DataFrame]] = {
        "d": lambda: simple.d(
            data, se=se, favourable_indicator=favourable_indicator,
            ordered_dimension=ordered_dimension, subgroup_order=subgroup_order,
            reference_subgroup=reference_subgroup, conf_level=conf_level, est=est, group_by=keys,
        ),
        "r": lambda: simple.r(
            data, se=se, favourable_indicator=favourable_indicator,
            ordered_dimension=ordered_dimension, subgroup_order=subgroup_order,
            reference_subgroup=reference_subgroup, conf_level=conf_level, est=est, group_by=keys,
        ),
        "aci": lambda: concentration.aci(
            data, subgroup_order=_need(subgroup_order), pop=pop, conf_level=conf_level,
            force=force, est=est, group_by=keys,
        ),
        "rci": lambda: concentration.rci(
            data, subgroup_order=_need(subgroup_order), pop=pop, conf_level=conf_level,
            force=force, est=est, group_by=keys,
        ),
        "sii": lambda: regression.sii(
            data, subgroup_order=_need(subgroup_order), pop=pop, conf_level=conf_level,
            linear=linear, force=force, est=est, group_by=keys,
        ),
        "rii": lambda: regression.rii(
            data, subgroup_order=_need(subgroup_order), pop=pop, conf_level=conf_level,
            linear=linear, force=force, est=est, group_by=keys,
        ),
        "bgv": lambda: variance.bgv(
            data, pop=_need(pop), se=se, conf_level=conf_level, est=est, group_by=keys
        ),
        "bgsd": lambda: variance.bgsd(
            data, pop=_need(pop), se=se, scaleval=scaleval, sim=sim, seed=seed, force=force,
            est=est, group_by=keys,
        ),
        "cov": lambda: variance.cov(
            data, pop=_need(pop), se=se, scaleval=scaleval, sim=sim, seed=seed, force=force,
            est=est, group_by=keys,
        ),
        "mdmu": lambda: mean_difference.mdmu(
            data, pop=pop, se=se, scaleval=scaleval, setting_average=setting_average, sim=sim,
            seed=seed, force=force, est=est, group_by=keys,
        ),
        "mdmw": lambda: mean_difference.mdmw(
            data, pop=_need(pop), se=se, scaleval=scaleval, sim=sim, seed=seed, force=force,
            est=est, group_by=keys,
        ),
        "mdbu": lambda: mean_difference.mdbu(
            data, favourable_indicator=favourable_indicator, se=se, scaleval=scaleval, sim=sim,
            seed=seed, force=force, est=est, group_by=keys,
        ),
        "mdbw": lambda: mean_difference.mdbw(
            data, pop=_need(pop), favourable_indicator=favourable_indicator, se=se,
            scaleval=scaleval, sim=sim, seed=seed, force=force, est=est, group_by=keys,
        ),
        "mdru": lambda: mean_difference.mdru(
            data, reference_subgroup=_need(reference_subgroup), se=se, scaleval=scaleval,
            sim=sim, seed=seed, force=force, est=est, group_by=keys,
        ),
        "mdrw": lambda: mean_difference.mdrw(
            data, pop=_need(pop), reference_subgroup=_need(reference_subgroup), se=se,
            scaleval=scaleval, sim=sim, seed=seed, force=force, est=est, group_by=keys,
        ),
        "idisu": lambda: disparity.idisu(
            data, pop=pop, se=se, scaleval=scaleval, setting_average=setting_average, sim=sim,
            seed=seed, force=force, est=est, group_by=keys,
        ),
        "idisw": lambda: disparity.idisw(
            data, pop=_need(pop), se=se, scaleval=scaleval, sim=sim, seed=seed, force=force,
            est=est, group_by=keys,
        ),
        "ti": lambda: theil.ti(
            data, pop=_need(pop), se=se, conf_level=conf_level, force=force, est=est, group_by=keys
        ),
        "mld": lambda: theil.mld(
            data, pop=_need(pop), se=se, conf_level=conf_level, force=force, est=est, group_by=keys
        ),
        "par": lambda: attributable.par(
            data, pop=pop, favourable_indicator=favourable_indicator,
            ordered_dimension=ordered_dimension, subgroup_order=subgroup_order,
            setting_average=setting_average, scaleval=scaleval, conf_level=conf_level,
            force=force, est=est, group_by=keys,
        ),
        "paf": lambda: attributable.paf(
            data, pop=pop, favourable_indicator=favourable_indicator,
            ordered_dimension=ordered_dimension, subgroup_order=subgroup_order,
            setting_average=setting_average, scaleval=scaleval, conf_level=conf_level,
            force=force, est=est, group_by=keys,
        ),
    }  # fmt: skip
    frames = [runners[m]() for m in chosen]
    columns = [*keys, "measure", "estimate", "se", "lowerci", "upperci", "method", "note"]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    return out[columns]


_NEEDS = {
    "aci": "ACI needs an ordered dimension with subgroup_order.",
    "rci": "RCI needs an ordered dimension with subgroup_order.",
    "sii": "SII needs an ordered dimension with subgroup_order.",
    "rii": "RII needs an ordered dimension with subgroup_order.",
    "bgv": "BGV needs pop.",
    "bgsd": "BGSD needs pop.",
    "cov": "COV needs pop.",
    "mdmu": "MDMU needs pop or setting_average.",
    "mdmw": "MDMW needs pop.",
    "mdbw": "MDBW needs pop.",
    "mdru": "MDRU needs a reference_subgroup column.",
    "mdrw": "MDRW needs pop and a reference_subgroup column.",
    "idisu": "IDISU needs pop or setting_average.",
    "idisw": "IDISW needs pop.",
    "ti": "TI needs pop.",
    "mld": "MLD needs pop.",
    "par": "PAR needs pop or setting_average.",
    "paf": "PAF needs pop or setting_average.",
    "d": "D needs subgroup_order for an ordered dimension.",
    "r": "R needs subgroup_order for an ordered dimension.",
}


def _available(
    ordered: bool,
    pop: str | None,
    subgroup_order: str | None,
    reference_subgroup: str | None,
    setting_average: float | str | None,
) -> set[str]:
    """Measures that can run with these inputs."""
    has_pop = pop is not None
    ok = {
        "d": not ordered or subgroup_order is not None,
        "r": not ordered or subgroup_order is not None,
        "aci": subgroup_order is not None,
        "rci": subgroup_order is not None,
        "sii": subgroup_order is not None,
        "rii": subgroup_order is not None,
        "bgv": has_pop,
        "bgsd": has_pop,
        "cov": has_pop,
        "mdmu": has_pop or setting_average is not None,
        "mdmw": has_pop,
        "mdbu": True,
        "mdbw": has_pop,
        "mdru": reference_subgroup is not None,
        "mdrw": has_pop and reference_subgroup is not None,
        "idisu": has_pop or setting_average is not None,
        "idisw": has_pop,
        "ti": has_pop,
        "mld": has_pop,
        "par": (has_pop or setting_average is not None)
        and (not ordered or subgroup_order is not None),
        "paf": (has_pop or setting_average is not None)
        and (not ordered or subgroup_order is not None),
    }
    return {m for m, fine in ok.items() if fine}


def _need(value: str | None) -> str:
    assert value is not None
    return value


def inequality_over_time(
    data: pd.DataFrame,
    *,
    period: str,
    est: str,
    favourable_indicator: bool | int,
    ordered_dimension: bool | int,
    group_by: Sequence[str] | str | None = None,
    **options: object,
) -> pd.DataFrame:
    """:func:`summary_measures` for every period (and ``group_by`` setting), sorted for charts.

    One row per measure, setting and period, in period order within each measure: ready
    for a gap chart or an interrupted time series of the gap. ``options`` are passed to
    :func:`summary_measures` (``se``, ``pop``, ``subgroup_order``, ...).
    """
    keys = check_group_by(data, group_by)
    raise_problems(check_columns(data, [("period", period)]))
    out = summary_measures(
        data,
        est=est,
        favourable_indicator=favourable_indicator,
        ordered_dimension=ordered_dimension,
        group_by=[*keys, period],
        **options,  # type: ignore[arg-type]
    )
    order = {m: i for i, m in enumerate(ALL_MEASURES)}
    out = out.assign(_m=out["measure"].map(order)).sort_values(["_m", *keys, period], kind="stable")
    return out.drop(columns="_m").reset_index(drop=True)
