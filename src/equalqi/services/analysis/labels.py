"""Group labels and their order for each dimension, from the cube's keys.

The engine groups by compact keys (IMD decile number, NHS ethnic category code, age-band
index, sex code); the readable labels and their natural order come from the pure
demographics core here, on the small cube.
"""

from __future__ import annotations

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


def dimension_labels(
    cube: pd.DataFrame, dim: Dimension, plan: AnalysisPlan
) -> tuple[pd.Series, list[str]]:
    """(label per cube row, groups in display order) for one dimension."""
    if dim.kind in ("imd_decile", "imd_quintile", "core20"):
        dec = _decile(cube)
        if dim.kind == "imd_decile":
            labels = dec.map(lambda v: DECILE_LABELS[int(v) - 1] if pd.notna(v) else NOT_KNOWN)
            return labels, [*DECILE_LABELS, NOT_KNOWN]
        if dim.kind == "imd_quintile":
            q = np.ceil(dec / 2)
            labels = q.map(lambda v: QUINTILE_LABELS[int(v) - 1] if pd.notna(v) else NOT_KNOWN)
            return labels, [*QUINTILE_LABELS, NOT_KNOWN]
        labels = dec.map(lambda v: NOT_KNOWN if pd.isna(v) else CORE20 if v <= 2 else NOT_CORE20)
        return labels, [CORE20, NOT_CORE20, NOT_KNOWN]
    if dim.kind in ("ethnicity", "ethnic_category"):
        index = 1 if dim.kind == "ethnicity" else 0
        labels = cube[KEY_ETHNIC].map(lambda c: ETHNIC_CATEGORIES[c][index])
        order = (
            list(ETHNIC_GROUP_ORDER)
            if dim.kind == "ethnicity"
            else [ETHNIC_CATEGORIES[c][0] for c in ETHNIC_CODE_ORDER]
        )
        return labels, order
    if dim.kind == "age_band":
        bands = get_age_bands(dim.age_bands)
        names = list(bands.labels)
        labels = cube[KEY_AGE].astype(int).map(lambda i: names[i] if i >= 0 else NOT_KNOWN)
        return labels, [*names, NOT_KNOWN]
    if dim.kind == "sex":
        labels = cube[KEY_SEX].map(lambda c: SEX_CODES.get(c, NOT_KNOWN))
        return labels, list(SEX_LABEL_ORDER)
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
