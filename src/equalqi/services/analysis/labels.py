"""Group labels and their order for each dimension, from the cube's keys.

The engine groups by compact keys (IMD decile number, NHS ethnic category code, age-band
index, sex code); the readable labels and their natural order come from the pure
demographics core here, on the small cube.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from equalqi.demographics.age import get_age_bands
from equalqi.demographics.deprivation import CORE20_LABELS, DECILE_LABELS, QUINTILE_LABELS
from equalqi.demographics.ethnicity import ETHNIC_CATEGORIES, ETHNIC_CODE_ORDER, ETHNIC_GROUP_ORDER
from equalqi.demographics.sex import SEX_CODES, SEX_LABEL_ORDER
from equalqi.engine.prepare import KEY_AGE, KEY_DECILE, KEY_ETHNIC, KEY_SEX
from equalqi.plan import AnalysisPlan, Dimension

NOT_KNOWN = "Not known"
CORE20, NOT_CORE20 = CORE20_LABELS


def _decile(cube: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(cube[KEY_DECILE], errors="coerce")


def _lookup(keys: pd.Series, mapping: Mapping[Any, str]) -> pd.Series:
    """Label every cube row from a small mapping (vectorised); unmapped keys are not known."""
    labels = keys.map(mapping).astype(object)
    return labels.where(labels.notna(), NOT_KNOWN)


def dimension_labels(
    cube: pd.DataFrame, dim: Dimension, plan: AnalysisPlan
) -> tuple[pd.Series, list[str]]:
    """(label per cube row, groups in display order) for one dimension."""
    if dim.kind in ("imd_decile", "imd_quintile", "core20"):
        dec = _decile(cube)
        if dim.kind == "imd_decile":
            deciles = {float(i): label for i, label in enumerate(DECILE_LABELS, start=1)}
            return _lookup(dec, deciles), [*DECILE_LABELS, NOT_KNOWN]
        if dim.kind == "imd_quintile":
            quintiles = {float(i): label for i, label in enumerate(QUINTILE_LABELS, start=1)}
            return _lookup(np.ceil(dec / 2), quintiles), [*QUINTILE_LABELS, NOT_KNOWN]
        core20 = {float(i): CORE20 if i <= 2 else NOT_CORE20 for i in range(1, 11)}
        return _lookup(dec, core20), [CORE20, NOT_CORE20, NOT_KNOWN]
    if dim.kind in ("ethnicity", "ethnic_category"):
        index = 1 if dim.kind == "ethnicity" else 0
        names = {code: pair[index] for code, pair in ETHNIC_CATEGORIES.items()}
        order = (
            list(ETHNIC_GROUP_ORDER)
            if dim.kind == "ethnicity"
            else [ETHNIC_CATEGORIES[c][0] for c in ETHNIC_CODE_ORDER]
        )
        return _lookup(cube[KEY_ETHNIC], names), order
    if dim.kind == "age_band":
        bands = list(get_age_bands(dim.age_bands).labels)
        labels = _lookup(cube[KEY_AGE].astype(int), dict(enumerate(bands)))
        return labels, [*bands, NOT_KNOWN]
    if dim.kind == "sex":
        return _lookup(cube[KEY_SEX], SEX_CODES), list(SEX_LABEL_ORDER)
    column = dim.column or dim.name
    labels = cube[column].astype(str)
    order = list(dim.order) if dim.order else sorted(labels.unique().tolist())
    return labels, order


def default_compare(dim: Dimension, order: list[str]) -> tuple[str, str] | None:
    """The pair a gap is measured between: the plan's, else the ends of deprivation.

    Unordered dimensions (ethnicity) get no default: which group is the reference is the
    user's choice (WHO HEAT), never a silent default to the majority group.
    """
    if dim.compare:
        return dim.compare
    known = [g for g in order if g != NOT_KNOWN]
    if dim.kind in ("imd_decile", "imd_quintile") and len(known) >= 2:
        return known[0], known[-1]
    if dim.kind == "core20":
        return CORE20, NOT_CORE20
    return None


def plan_groups(plan: AnalysisPlan) -> dict[str, tuple[str, ...] | None]:
    """Each plan dimension's group names, as the analysis labels them ("Not known" included).

    ``None`` for a column dimension without an ``order``: its groups come from the data, so
    the plan alone cannot list them. Involvement counts are checked against these names.
    """
    out: dict[str, tuple[str, ...] | None] = {}
    for dim in plan.dimensions:
        if dim.kind == "imd_decile":
            groups: tuple[str, ...] | None = DECILE_LABELS
        elif dim.kind == "imd_quintile":
            groups = QUINTILE_LABELS
        elif dim.kind == "core20":
            groups = (CORE20, NOT_CORE20)
        elif dim.kind == "ethnicity":
            groups = tuple(ETHNIC_GROUP_ORDER)
        elif dim.kind == "ethnic_category":
            groups = tuple(ETHNIC_CATEGORIES[c][0] for c in ETHNIC_CODE_ORDER)
        elif dim.kind == "age_band":
            groups = tuple(get_age_bands(dim.age_bands).labels)
        elif dim.kind == "sex":
            groups = tuple(SEX_LABEL_ORDER)
        else:
            groups = tuple(dim.order) if dim.order else None
        if groups is not None and NOT_KNOWN not in groups:
            groups = (*groups, NOT_KNOWN)
        out[dim.name] = groups
    return out
