"""Assign small areas to quantiles (e.g. deprivation deciles) by the OHID rules: ``phe_quantile``.

Within each ranking set (the whole country for national quantiles, or each region or
local authority for local ones), the N areas with a value are ranked (ties share the
lowest rank; by default the highest value gets rank 1) and

    quantile = floor((q + 1) − ceiling(((N + 1) − rank) / (N / q))),   0 becomes 1,

so that quantiles hold as equal numbers of areas as possible and tied areas stay
together. A set with fewer areas than quantiles gets none. Reference: Office for Health
Improvement and Disparities. Technical guide: assigning deprivation categories
(Fingertips methods documentation); PHEindicatormethods ``phe_quantile``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.errors import Problem
from equalqi.stats._validation import check_columns, check_group_by, raise_problems


def assign_quantiles(
    data: pd.DataFrame,
    values: str,
    *,
    nquantiles: int = 10,
    invert: bool | str = True,
    group_by: Sequence[str] | str | None = None,
    type: str = "full",
) -> pd.DataFrame:
    """Append a ``quantile`` column (1..``nquantiles``) to ``data``: ``phe_quantile``.

    ``invert=True`` (the default, as PHE) puts the highest values in quantile 1, as IMD
    scores need (quantile 1 = most deprived); ``False`` puts the lowest values there.
    ``invert`` may also name a logical column that is constant within each ``group_by``
    set (PHE ``inverttype = "field"``). ``group_by`` gives local quantiles (ranked within
    each region, say); without it the ranking is national. Areas without a value get no
    quantile. ``type="full"`` adds ``nquantiles``, ``groupvars`` and ``qinverted``.
    """
    keys = check_group_by(data, group_by)
    problems = check_columns(data, [("values", values)], numeric=("values",))
    if (
        isinstance(nquantiles, bool)
        or not isinstance(nquantiles, int | np.integer)
        or (nquantiles < 1)
    ):
        problems.append(
            Problem(
                what="nquantiles must be a whole number of 1 or more",
                fix="Use e.g. 10 for deciles or 5 for quintiles.",
                value=repr(nquantiles),
            )
        )
    if type not in ("full", "standard"):
        problems.append(
            Problem(
                what='type must be "full" or "standard"',
                fix='Use "standard" to leave out the metadata columns.',
                value=repr(type),
            )
        )
    if isinstance(invert, str):
        problems += check_columns(data, [("invert", invert)])
    elif not isinstance(invert, bool | np.bool_):
        problems.append(
            Problem(
                what="invert must be True, False or the name of a column of True/False",
                fix="Use True to put the highest values in quantile 1.",
                value=repr(invert),
            )
        )
    raise_problems(problems)

    if isinstance(invert, str):
        flags = data[invert]
        if not flags.dropna().isin([True, False]).all() or flags.isna().any():
            raise_problems(
                [
                    Problem(
                        what="the invert column must hold True or False in every row",
                        fix="Fill the column with True (highest value = quantile 1) or False.",
                        column=invert,
                    )
                ]
            )
        if keys and (flags.groupby([data[k] for k in keys], dropna=False).nunique() > 1).any():
            raise_problems(
                [
                    Problem(
                        what="the invert column must take the same value within each group",
                        fix="Use one True/False value per ranking set.",
                        column=invert,
                    )
                ]
            )
        if not keys and flags.nunique() > 1:
            raise_problems(
                [
                    Problem(
                        what="the invert column must take one value when there are no groups",
                        fix="Use one True/False value, or group the data.",
                        column=invert,
                    )
                ]
            )
        inverted = flags.astype(bool).to_numpy()
    else:
        inverted = np.full(len(data), bool(invert))

    vals = pd.to_numeric(data[values], errors="coerce").astype(float)
    # rank(-x) when inverted: negate so one ascending, ties-"min" rank serves both directions
    signed = pd.Series(np.where(inverted, -vals.to_numpy(), vals.to_numpy()), index=data.index)
    if keys:
        grouping = [data[k] for k in keys]
        rank = signed.groupby(grouping, dropna=False).rank(method="min", na_option="keep")
        count = signed.notna().groupby(grouping, dropna=False).transform("sum")
    else:
        rank = signed.rank(method="min", na_option="keep")
        count = pd.Series(float(signed.notna().sum()), index=data.index)
    n_areas = count.to_numpy(dtype=float)
    ranks = rank.to_numpy(dtype=float)
    q = float(nquantiles)
    with np.errstate(divide="ignore", invalid="ignore"):
        quantile = np.floor((q + 1) - np.ceil(((n_areas + 1) - ranks) / (n_areas / q)))
    quantile = np.where(n_areas < q, np.nan, quantile)
    quantile = np.where(quantile == 0, 1.0, quantile)

    if np.any(n_areas < q):
        warnings.warn(
            "One or more groups had too few small areas with values to allow quantiles to be "
            "assigned; their quantile is blank",
            UserWarning,
            stacklevel=2,
        )
    out = data.copy()
    out["quantile"] = quantile
    if type == "full":
        out["nquantiles"] = int(nquantiles)
        out["groupvars"] = ", ".join(keys)
        out["qinverted"] = np.where(
            inverted,
            "lowest quantile represents highest values",
            "lowest quantile represents lowest values",
        )
    return out
