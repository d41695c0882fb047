"""The gap over time: absolute and relative differences, and SII/RII for ordered dimensions.

For each dimension with a pair of groups to compare, per period:
``difference`` = focus group minus reference group (WHO HEAT's D, in display units, e.g.
percentage points) and ``ratio`` (HEAT's R), with intervals from :mod:`equalqi.stats.difference`.
For ordered dimensions (IMD, age), the slope and relative index of inequality per period by
the PHE method (:func:`equalqi.stats.sii`), which use every group, not only the two ends.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equalqi.errors import Problem, ProblemCollector
from equalqi.plan import AnalysisPlan
from equalqi.services.analysis.labels import NOT_KNOWN, default_compare, dimension_labels
from equalqi.stats import sii
from equalqi.stats.difference import difference, ratio

GAP_COLUMNS = [
    "period",
    "dimension",
    "measure",
    "focus",
    "reference",
    "estimate",
    "lower",
    "upper",
]
_VALUE_TYPE = {"proportion": 2, "rate": 1, "mean": 0}


def compare_pairs(plan: AnalysisPlan, cube: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Dimension name -> (focus, reference) for every dimension that has a gap to watch."""
    out = {}
    problems = ProblemCollector()
    for i, d in enumerate(plan.dimensions, start=1):
        labels, order = dimension_labels(cube, d, plan)
        pair = default_compare(d, order)
        if pair and d.compare:
            found = set(labels.unique())
            for group in pair:
                if group not in found:
                    shown = ", ".join(repr(g) for g in order if g in found)
                    problems.add(
                        Problem(
                            what=f"[[dimensions]] #{i} '{d.name}' compare: the group "
                            f"'{group}' is not in the data",
                            fix=f"Use groups the data have ({shown}), or check the spelling.",
                            file=plan.source or "the plan",
                            column=d.column,
                            value=group,
                        )
                    )
        if pair:
            out[d.name] = pair
    problems.raise_if_any()
    return out


def pair_gap(
    table: pd.DataFrame,
    dimension: str,
    focus: str,
    reference: str,
    plan: AnalysisPlan,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference and ratio between two groups in every period both have data."""
    sub = table[table["dimension"] == dimension]
    a = sub[sub["group"] == focus].set_index("period")
    b = sub[sub["group"] == reference].set_index("period")
    periods = a.index.intersection(b.index)
    a, b = a.loc[periods], b.loc[periods]
    kind = plan.measure.kind
    mult = plan.measure.multiplier
    if kind == "mean":
        d, lo, hi = difference(
            a["value"],
            a["n_records"],
            b["value"],
            b["n_records"],
            kind="mean",
            sd1=a["sd"],
            sd2=b["sd"],
            confidence=confidence,
        )
    else:
        d, lo, hi = difference(
            a["numerator"],
            a["denominator"],
            b["numerator"],
            b["denominator"],
            kind=kind,
            confidence=confidence,
        )
    frames = [
        pd.DataFrame(
            {
                "period": periods,
                "measure": "difference",
                "estimate": d * mult,
                "lower": lo * mult,
                "upper": hi * mult,
            }
        )
    ]
    if kind in ("proportion", "rate"):
        r, rlo, rhi = ratio(
            a["numerator"],
            a["denominator"],
            b["numerator"],
            b["denominator"],
            kind=kind,
            confidence=confidence,
        )
        frames.append(
            pd.DataFrame(
                {"period": periods, "measure": "ratio", "estimate": r, "lower": rlo, "upper": rhi}
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.assign(dimension=dimension, focus=focus, reference=reference)[GAP_COLUMNS]


def sii_series(
    table: pd.DataFrame,
    dimension: str,
    plan: AnalysisPlan,
    *,
    repetitions: int = 10_000,
    confidence: float = 0.95,
    seed: int = 20250101,
) -> pd.DataFrame:
    """SII and RII per period across the ordered groups (unknown group left out)."""
    sub = table[(table["dimension"] == dimension) & (table["group"] != NOT_KNOWN)]
    # A period with a hidden group has no SII: from the others' values it would give the
    # hidden one back (and without it, it would be a different statistic).
    hidden = sub["denominator"].isna().groupby(sub["period"]).transform("any")
    sub = sub[~hidden.to_numpy(bool) & (sub["denominator"] > 0)].copy()
    if sub.empty or sub["group"].nunique() < 5:
        return pd.DataFrame(columns=GAP_COLUMNS)
    kind = plan.measure.kind
    sub["quantile"] = sub["group_order"] + 1
    sub["population"] = sub["n_records"] if kind == "mean" else sub["denominator"]
    reference = plan.dimension(dimension).reference_population
    if reference is not None:  # national ranks: the plan's reference population per group
        sub["reference"] = [reference[int(q) - 1] for q in sub["quantile"]]
    result = sii(
        sub,
        reference_population="reference" if reference is not None else None,
        quantile="quantile",
        population="population",
        value="value",
        value_type=_VALUE_TYPE[kind],
        lower="lower",
        upper="upper",
        group_by=["period"],
        multiplier=1,
        repetitions=repetitions,
        confidence=confidence,
        rii=kind != "mean",
        seed=seed,
    )
    mult = plan.measure.multiplier
    pct = f"{confidence * 100:g}".replace(".", "_")
    frames = []
    for measure, scale in (("sii", mult), ("rii", 1.0)):
        if measure not in result.columns:
            continue
        lower = _find(result, f"{measure}_lower", pct)
        upper = _find(result, f"{measure}_upper", pct)
        frames.append(
            pd.DataFrame(
                {
                    "period": result["period"],
                    "measure": measure,
                    "estimate": result[measure] * scale,
                    "lower": result[lower] * scale if lower else np.nan,
                    "upper": result[upper] * scale if upper else np.nan,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=GAP_COLUMNS)
    return out.assign(dimension=dimension, focus="most deprived", reference="least deprived")[
        GAP_COLUMNS
    ]


def _find(frame: pd.DataFrame, prefix: str, pct: str) -> str | None:
    for c in frame.columns:
        if c.startswith(prefix) and pct in c:
            return str(c)
    return None


def gap_table(
    table: pd.DataFrame,
    shown: pd.DataFrame,
    plan: AnalysisPlan,
    pairs: dict[str, tuple[str, str]],
) -> pd.DataFrame:
    """Every gap series the plan asks for, tidy: pairs from the rows ``shown``, SII/RII from
    periods of ``table`` with every group shown."""
    frames = [pair_gap(shown, dim, focus, ref, plan) for dim, (focus, ref) in pairs.items()]
    for d in plan.dimensions:
        if d.kind in ("imd_decile", "imd_quintile"):
            frames.append(sii_series(table, d.name, plan))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=GAP_COLUMNS)
    return pd.concat(frames, ignore_index=True)
