"""Data completeness per field and period: missing recording is itself an equity signal.

Records without a stated ethnicity or a matched deprivation decile cannot be counted in any
group; when recording improves at the same time as a project starts, apparent changes in
the gap may be artefacts. The shares are rolled up from the cube (no extra scan).
"""

from __future__ import annotations

import pandas as pd

from equalqi.demographics.ethnicity import NOT_KNOWN_CODE, NOT_STATED_CODE
from equalqi.engine.prepare import KEY_AGE, KEY_DECILE, KEY_ETHNIC, KEY_PERIOD, KEY_SEX

FIELDS: dict[str, str] = {
    KEY_ETHNIC: "Ethnicity not stated or not known",
    KEY_DECILE: "Deprivation (IMD) not known",
    KEY_AGE: "Age not known",
    KEY_SEX: "Sex not known",
}


def _missing(cube: pd.DataFrame, key: str) -> pd.Series:
    col = cube[key]
    if key == KEY_ETHNIC:
        return col.isin([NOT_KNOWN_CODE, NOT_STATED_CODE])
    if key == KEY_DECILE:
        return col.isna()
    if key == KEY_AGE:
        return col.astype(float) < 0
    return col.isin(["X", "0"]) | col.isna()


def completeness(cube: pd.DataFrame) -> pd.DataFrame:
    """Tidy frame: period, field, label, records, missing, share_missing (0..1)."""
    rows = []
    for key, label in FIELDS.items():
        if key not in cube.columns:
            continue
        flag = _missing(cube, key)
        frame = pd.DataFrame(
            {
                "period": cube[KEY_PERIOD],
                "records": cube["n_records"],
                "missing": cube["n_records"].where(flag, 0),
            }
        )
        per = frame.groupby("period", as_index=False)[["records", "missing"]].sum()
        per["field"] = key
        per["label"] = label
        rows.append(per)
    if not rows:
        return pd.DataFrame(
            columns=["period", "field", "label", "records", "missing", "share_missing"]
        )
    out = pd.concat(rows, ignore_index=True)
    out["share_missing"] = out["missing"] / out["records"]
    return out[["period", "field", "label", "records", "missing", "share_missing"]]


def completeness_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per field over the whole period: label, records, missing, share_missing."""
    if table.empty:
        return table
    out = table.groupby(["field", "label"], as_index=False, sort=False)[
        ["records", "missing"]
    ].sum()
    out["share_missing"] = out["missing"] / out["records"]
    return out
