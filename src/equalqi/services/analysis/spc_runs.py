"""An SPC chart for every group of every dimension, and for the gap.

The chart follows the measure: P chart for a proportion, U chart for a rate, XmR for a mean
(NHS "Making Data Count" rules, the improvement direction from the plan). When the plan
has an intervention, limits are recalculated from it (a new phase), as qicharts2's ``part``
and NHSRplotthedots' ``rebase`` do, so each group's before and after process can be read.
"""

from __future__ import annotations

import pandas as pd

from equalqi.plan import AnalysisPlan
from equalqi.services.analysis.labels import NOT_KNOWN
from equalqi.spc import gap_chart, spc

CHART_FOR_KIND = {"proportion": "p", "rate": "u", "mean": "xmr"}


def _phase(periods: pd.Series, plan: AnalysisPlan) -> pd.Series:
    phase = pd.Series(0, index=periods.index)
    for i, p in enumerate(plan.phases[1:], start=1):
        phase = phase.where(periods < pd.Timestamp(p.start), i)
    return phase


def group_charts(table: pd.DataFrame, plan: AnalysisPlan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tidy chart frame, summary per group x phase) for every dimension, in one call each."""
    kind = plan.measure.kind
    frames, summaries = [], []
    for dimension, sub in table.groupby("dimension", sort=False):
        sub = sub[(sub["group"] != NOT_KNOWN) & (sub["denominator"] > 0)].copy()
        if sub.empty:
            continue
        sub["phase"] = _phase(sub["period"], plan)
        result = spc(
            sub,
            x="period",
            y="value" if kind == "mean" else "numerator",
            n=None if kind == "mean" else "denominator",
            chart=CHART_FOR_KIND[kind],
            group="group",
            rules="mdc",
            improvement=plan.measure.improvement,
            multiplier=plan.measure.multiplier,
            phases="phase" if plan.phases else None,
            target=plan.measure.target,
        )
        frames.append(result.to_frame().assign(dimension=dimension))
        summaries.append(result.summary().assign(dimension=dimension))
    if not frames:
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(frames, ignore_index=True), pd.concat(summaries, ignore_index=True)


def gap_spc(
    table: pd.DataFrame, plan: AnalysisPlan, dimension: str, pair: tuple[str, str]
) -> pd.DataFrame:
    """XmR chart (MDC rules) of the absolute gap between the pair, in display units."""
    sub = table[(table["dimension"] == dimension) & table["group"].isin(pair)].copy()
    both = sub.groupby("period")["group"].transform("nunique") == 2
    sub = sub[both]  # a gap needs both groups shown in the period
    if sub.empty:
        return pd.DataFrame()
    sub["phase"] = _phase(sub["period"], plan)
    result = gap_chart(
        sub,
        x="period",
        group="group",
        focus=pair[0],
        reference=pair[1],
        numerator="numerator",
        denominator="denominator",
        value="value",
        multiplier=plan.measure.multiplier,
        # A gap improves as it moves towards zero, from either side: no single direction.
        improvement="neutral",
        phases="phase" if plan.phases else None,
    )
    return result.to_frame().assign(dimension=dimension)
