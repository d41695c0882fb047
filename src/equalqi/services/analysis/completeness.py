"""Data completeness per field and period: missing recording is itself an equity signal.

Records without a stated ethnicity or a matched deprivation decile cannot be counted in any
group; when recording improves at the same time as a project starts, apparent changes in
the gap may be artefacts. The shares are read off the measure table (the "Not known" and
"Not stated" groups over the Overall row), so a disclosed table gives disclosed shares: a
period whose unknown group is hidden has no share, and nothing is counted twice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equalqi.engine.prepare import KEY_AGE, KEY_DECILE, KEY_ETHNIC, KEY_SEX
from equalqi.plan import AnalysisPlan
from equalqi.services.analysis.labels import NOT_KNOWN
from equalqi.services.analysis.measure_table import OVERALL

COLUMNS = ["period", "field", "label", "records", "missing", "share_missing"]
FIELDS: dict[str, str] = {
    KEY_ETHNIC: "Ethnicity not stated or not known",
    KEY_DECILE: "Deprivation (IMD) not known",
    KEY_AGE: "Age not known",
    KEY_SEX: "Sex not known",
}
#: Which dimension kinds read each field, and their groups that mean "not recorded".
_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    KEY_ETHNIC: (("ethnicity", "ethnic_category"), ("Not stated", NOT_KNOWN)),
    KEY_DECILE: (("imd_decile", "imd_quintile", "core20"), (NOT_KNOWN,)),
    KEY_AGE: (("age_band",), (NOT_KNOWN,)),
    KEY_SEX: (("sex",), (NOT_KNOWN,)),
}


def completeness(table: pd.DataFrame, plan: AnalysisPlan) -> pd.DataFrame:
    """Tidy frame: period, field, label, records, missing, share_missing (0..1).

    For rows of counts (``[data] counts = true``) the shares are of the people counted (the
    denominators), not of the rows: one row can stand for thousands of people."""
    count = "denominator" if plan.data.counts else "n_records"
    overall = table[table["dimension"] == OVERALL].set_index("period")[count]
    rows = []
    for key, label in FIELDS.items():
        kinds, unknown = _KINDS[key]
        dim = next((d for d in plan.dimensions if d.kind in kinds), None)
        if dim is None:
            continue
        sub = table[(table["dimension"] == dim.name) & table["group"].isin(unknown)]
        # min_count=1 keeps a hidden (NaN) unknown group hidden; no row at all is a zero
        missing = sub.groupby("period")[count].sum(min_count=1)
        hidden = sub.groupby("period")[count].apply(lambda s: s.isna().any())
        missing = missing.where(~hidden.reindex(missing.index, fill_value=False), np.nan)
        frame = pd.DataFrame({"records": overall})
        frame["missing"] = missing.reindex(frame.index)
        known_zero = frame["missing"].isna() & ~frame.index.isin(sub["period"])
        frame.loc[known_zero, "missing"] = 0.0
        frame = frame.reset_index()
        frame["field"] = key
        frame["label"] = label
        rows.append(frame)
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(rows, ignore_index=True)
    out["share_missing"] = out["missing"] / out["records"]
    return out[COLUMNS]


def completeness_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per field over the whole series: field, label, records, missing, share_missing.

    Periods whose missing count is hidden are left out of both sums, so a hidden count
    never reads as "none missing" (the report's table, its bar chart and the guide all
    use this one total)."""
    shown = frame[frame["missing"].notna()]
    totals = shown.groupby(["field", "label"], as_index=False, sort=False)[
        ["records", "missing"]
    ].sum()
    totals["share_missing"] = totals["missing"] / totals["records"]
    return totals
