"""Data rules: the answers to the guide's data-bound exercises, from disclosed demo results.

Each rule reads only a disclosed :class:`AnalysisResult` (what a person may see) and returns
the option keys that are right. An exercise names its rule in ``answer_from``; the rules are
looked up here by that name. Every rule states its definition, so the tests can check it
with a calculation of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from equalqi.engine.prepare import KEY_AGE, KEY_DECILE, KEY_ETHNIC, KEY_SEX
from equalqi.impact import evaluate_gap
from equalqi.services.analysis.completeness import completeness_totals
from equalqi.services.analysis.pipeline import AnalysisResult

IMD = "Deprivation (IMD quintile)"
#: The group whose chart carries the ringed point in the "Is this point special cause?" task.
RINGED = ("screening_outreach", IMD, "1 - most deprived")
FIELD_KEYS = {KEY_ETHNIC: "ethnicity", KEY_DECILE: "deprivation", KEY_AGE: "age", KEY_SEX: "sex"}
GAP_KEYS = frozenset({"narrowed", "held", "widened", "no evidence"})

Results = Mapping[str, AnalysisResult]


def quintile_key(group: str) -> str:
    """``"1 - most deprived"`` -> ``"q1"``: the option keys of the quintile questions."""
    return f"q{str(group).strip()[0]}"


def most_missing_field(results: Results) -> frozenset[str]:
    """The field with the largest share missing over the shown periods (DNA demo)."""
    totals = completeness_totals(results["dna_sms"].completeness).set_index("field")
    return frozenset({FIELD_KEYS[str(totals["share_missing"].idxmax())]})


def ringed_point(result: AnalysisResult) -> pd.Series:
    """The point of :data:`RINGED`'s chart furthest from its phase's mean, in units of the
    distance from the mean to the limit on its side (so 1.0 sits on a process limit)."""
    _, dim, group = RINGED
    f = result.charts
    f = f[(f["dimension"] == dim) & (f["group"] == group) & f["y"].notna()]
    f = f.sort_values("x").reset_index(drop=True)
    above = f["y"] >= f["cl"]
    reach = np.where(above, f["ucl"] - f["cl"], f["cl"] - f["lcl"])
    score = (f["y"] - f["cl"]).abs() / pd.Series(reach).where(lambda r: r > 0)
    return f.loc[int(score.fillna(0).idxmax())]


def ringed_point_is_special(results: Results) -> frozenset[str]:
    """``yes`` when the ringed point is flagged by a Making Data Count rule."""
    point = ringed_point(results[RINGED[0]])
    return frozenset({"yes" if bool(point["signal"]) else "no"})


def _group_changes(result: AnalysisResult, dimension: str) -> dict[str, pd.Series]:
    """Each group's before/after change, from the toolkit's own before/after model.

    Each group is fitted against the least deprived group (the reference), the way the
    analysis fits its compared pair; the reference's own change comes from the first fit."""
    plan = result.plan
    m = result.measures
    shown = m[(m["dimension"] == dimension) & m["denominator"].notna() & m["n_records"].notna()]
    groups = [str(g) for g in shown.sort_values("group_order")["group"].unique()]
    groups = [g for g in groups if g[0].isdigit()]
    ref = groups[-1]
    out: dict[str, pd.Series] = {}
    for g in groups[:-1]:
        impact = evaluate_gap(
            m[m["dimension"].isin([dimension])],
            dimension=dimension,
            groups=(g, ref),
            intervention=[p.start for p in plan.phases[1:]],
            kind=plan.measure.kind,
            improvement=plan.measure.improvement,
            multiplier=plan.measure.multiplier,
        )
        ba = impact.before_after
        out[g] = ba[ba["role"] == "disadvantaged"].iloc[0]
        out.setdefault(ref, ba[ba["role"] == "advantaged"].iloc[0])
    return out


def imd_not_fallen(results: Results) -> frozenset[str]:
    """DNA demo: quintiles whose rate did not clearly fall (the 95% interval of the
    before/after change is not wholly below zero)."""
    changes = _group_changes(results["dna_sms"], IMD)
    return frozenset(quintile_key(g) for g, row in changes.items() if not row["upper"] < 0)


def lower_group_before(results: Results) -> frozenset[str]:
    """Screening demo: which end had the lower uptake before the change, judged by the
    interval of the gap (most minus least deprived) in the baseline phase."""
    ba = results["screening_outreach"].impact[IMD].before_after
    gap = ba[ba["role"] == "gap"].iloc[0]
    if gap["before_upper"] < 0:
        return frozenset({"q1"})
    if gap["before_lower"] > 0:
        return frozenset({"q5"})
    return frozenset({"same"})


def gap_verdict(scenario: str) -> Callable[[Results], frozenset[str]]:
    """The verdict's word for the gap between the most and least deprived fifths."""

    def rule(results: Results) -> frozenset[str]:
        change = results[scenario].impact[IMD].gap_change
        if change not in GAP_KEYS:
            raise ValueError(f"{scenario}: the gap verdict {change!r} is not one of {GAP_KEYS}")
        return frozenset({str(change)})

    return rule


RULES: Mapping[str, Callable[[Results], frozenset[str]]] = {
    "dna_sms.most_missing_field": most_missing_field,
    "spc.ringed_point_is_special": ringed_point_is_special,
    "dna_sms.imd_not_fallen": imd_not_fallen,
    "screening_outreach.lower_group_before": lower_group_before,
    "dna_sms.gap_verdict": gap_verdict("dna_sms"),
    "screening_outreach.gap_verdict": gap_verdict("screening_outreach"),
    "no_change.gap_verdict": gap_verdict("no_change"),
}
