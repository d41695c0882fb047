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
    denominators), not of the rows: one row can stand for thousands of people. A period
    whose unknown group is hidden (a missing count) has no share; a period with no unknown
    group has none missing."""
    count = "denominator" if plan.data.counts else "n_records"
    dimension = table["dimension"].to_numpy(object)
    overall = table[dimension == OVERALL]
    periods = pd.Index(overall["period"])
    records = overall[count].to_numpy()
    group = table["group"].to_numpy(object)
    frames = []
    for key, label in FIELDS.items():
        kinds, unknown = _KINDS[key]
        dim = next((d for d in plan.dimensions if d.kind in kinds), None)
        if dim is None:
            continue
        rows = (dimension == dim.name) & np.isin(group, unknown)
        at = periods.get_indexer(table["period"].to_numpy()[rows])
        counts = table[count].to_numpy(float)[rows]
        kept = at >= 0  # an unknown group in a period the Overall row lacks is not shown
        at, counts = at[kept], counts[kept]
        hidden = np.isnan(counts)
        n = len(periods)
        missing = np.bincount(at, np.where(hidden, 0.0, counts), minlength=n).astype(float)
        missing[np.bincount(at, weights=hidden, minlength=n) > 0] = np.nan
        frames.append(
            pd.DataFrame(
                {
                    "period": overall["period"].to_numpy(),
                    "field": key,
                    "label": label,
                    "records": records,
                    "missing": missing,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(frames, ignore_index=True)
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
