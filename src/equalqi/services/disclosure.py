"""The disclosure boundary: every analysis result meant for a person passes through here.

:func:`disclose` applies the plan's small-number policy (:mod:`equalqi.disclosure`) to the
measure table, then recomputes everything else (gaps, ratios, SII/RII, SPC charts,
completeness, before/after and the interrupted time series) from the disclosed table with
the pipeline's own :func:`~equalqi.services.analysis.pipeline.derive`. So a derived
statistic rests only on numbers that are themselves shown, and cannot be inverted to a
hidden one; and each number comes from one computation wherever it appears. CSVs, JSON,
the HTML report, the web pages and the API are all built from a disclosed result; nothing
else suppresses anything.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from equalqi.disclosure.cells import COUNTS, Protection, protect
from equalqi.disclosure.policy import Policy, policy_for
from equalqi.disclosure.relations import build_relations
from equalqi.disclosure.statement import TOO_MUCH_HIDDEN, ChartLoss, Disclosure
from equalqi.plan import AnalysisPlan
from equalqi.services.analysis.labels import NOT_KNOWN
from equalqi.services.analysis.measure_table import COLUMNS, OVERALL, add_intervals
from equalqi.services.analysis.pipeline import AnalysisResult, derive
from equalqi.stats import t_mean_interval

SHARED_COLUMNS = [*COLUMNS, "suppressed", "suppression_reason"]


class NotDisclosed(TypeError):
    """An output was asked to show a result that has not passed the disclosure boundary."""


def plan_policy(plan: AnalysisPlan) -> Policy:
    out = plan.output
    return policy_for(
        out.disclosure,
        suppress_below=out.suppress_below,
        redact_at_most=out.redact_at_most,
        round_to=out.round_to,
    )


def require_disclosed(result: AnalysisResult) -> Disclosure:
    """The result's disclosure statement; raises for a result that skipped the boundary."""
    if result.disclosure is None:
        raise NotDisclosed(
            "this result has not passed the disclosure boundary: call "
            "equalqi.services.disclosure.disclose(result) first"
        )
    return result.disclosure


def disclose(result: AnalysisResult, policy: Policy | None = None) -> AnalysisResult:
    """The result as it may be shown: the plan's policy unless ``policy`` is given.

    ``Policy(rule="none")`` gives the team's own unsuppressed view (same shape, nothing
    hidden, stated as such)."""
    if result.disclosure is not None:
        raise ValueError("this result has already been disclosed")
    plan = result.plan
    policy = policy or plan_policy(plan)
    table = result.measures.reset_index(drop=True)
    relations = build_relations(
        table,
        [d.name for d in plan.dimensions],
        [(x.name, x.of) for x in plan.intersections],
    )
    protection = protect(table, plan.measure.kind, policy, relations)
    shown = _shown_table(table, protection, plan, policy)
    derived = derive(shown, plan, result.pairs, hidden_rows=policy.hides_anything)
    n_rows, n_window = _record_totals(result, protection, policy)
    charts = _chart_losses(table, protection, plan)
    statement = Disclosure(
        policy=policy,
        cells=len(table),
        hidden=protection.n_primary + protection.n_secondary,
        hidden_to_protect=protection.n_secondary,
        records_withheld=protection.grand_hidden,
        charts=charts,
        advice=_advice(charts, plan),
        withheld=derived.notes,
    )
    return dataclasses.replace(
        result,
        n_rows=n_rows,
        n_in_window=n_window,
        measures=shown,
        disclosure=statement,
        **derived.frames(),
    )


def _shown_table(
    table: pd.DataFrame, protection: Protection, plan: AnalysisPlan, policy: Policy
) -> pd.DataFrame:
    """The measure table with the policy's counts, values recomputed from them."""
    out = table.drop(columns=["numerator_sq"], errors="ignore").copy()
    hidden = protection.hidden[: len(out)]
    if policy.rule == "round":
        for c in COUNTS:
            out[c] = protection.counts[c].to_numpy()
        if plan.measure.kind == "mean":
            # The mean stays exact; its interval uses the rounded number of records (the
            # exact one could be read back from the interval's width).
            n = out["n_records"].to_numpy(float)
            lower, upper = t_mean_interval(out["value"].to_numpy(float), out["sd"], n, 0.95)
            out["lower"], out["upper"] = lower, upper
        else:
            recomputed = add_intervals(out.assign(numerator_sq=np.nan), plan.measure.kind)
            for c in ("value", "lower", "upper"):
                out[c] = recomputed[c].to_numpy()
    for c in (*COUNTS, "value", "lower", "upper", "sd"):
        out[c] = out[c].astype(float).mask(hidden, np.nan)
    out["suppressed"] = hidden
    out["suppression_reason"] = protection.reason[: len(out)]
    return out[SHARED_COLUMNS]


def _record_totals(
    result: AnalysisResult, protection: Protection, policy: Policy
) -> tuple[int | None, int | None]:
    """Records read and analysed, as they may be shown (withheld with a hidden period)."""
    if protection.grand_hidden or result.n_rows is None or result.n_in_window is None:
        return None, None
    if policy.rule == "round":
        rounded = [policy.shown_count(n) for n in (result.n_rows, result.n_in_window)]
        return tuple(None if r is None else int(r) for r in rounded)  # type: ignore[return-value]
    return result.n_rows, result.n_in_window


def _chart_losses(
    table: pd.DataFrame, protection: Protection, plan: AnalysisPlan
) -> tuple[ChartLoss, ...]:
    hidden = pd.Series(protection.hidden[: len(table)], index=table.index)
    plotted = (table["group"] != NOT_KNOWN) & (table["denominator"] > 0)
    out = []
    names = [OVERALL, *[d.name for d in plan.dimensions], *[x.name for x in plan.intersections]]
    for name in names:
        rows = plotted & (table["dimension"] == name)
        if rows.any():
            out.append(ChartLoss(name, int(rows.sum()), int((hidden & rows).sum())))
    return tuple(out)


_FEWER_GROUPS = {
    "imd_decile": 'quintiles instead of deciles (kind = "imd_quintile")',
    "ethnic_category": 'the five broad ethnic groups (kind = "ethnicity")',
    "age_band": "fewer, wider age bands",
}


def _advice(charts: tuple[ChartLoss, ...], plan: AnalysisPlan) -> tuple[str, ...]:
    """What to do when more than a third of a chart's points are hidden (one message)."""
    heavy = [c for c in charts if c.share > TOO_MUCH_HIDDEN]
    if not heavy:
        return ()
    listed = "; ".join(f"{c.dimension} ({c.hidden:,} of {c.points:,})" for c in heavy)
    ways = []
    longer = {"week": "month", "month": "quarter"}.get(plan.period.unit)
    if longer:
        ways.append(f'a longer period (in the plan: [period] unit = "{longer}")')
    kinds = {d.name: d.kind for d in plan.dimensions}
    fewer = sorted(
        {
            _FEWER_GROUPS[kinds[c.dimension]]
            for c in heavy
            if kinds.get(c.dimension) in _FEWER_GROUPS
        }
    )
    if any(x.name == c.dimension for c in heavy for x in plan.intersections):
        fewer.append("cross broader groups, or leave the intersection out")
    if any(kinds.get(c.dimension) == "column" for c in heavy):
        fewer.append("merge small groups of your own columns in the extract")
    if fewer:
        ways.append("fewer, larger groups: " + "; ".join(fewer))
    return (
        "More than a third of the points are hidden to protect privacy on these charts, so "
        f"they are hard to read: {listed}. Try {' or '.join(ways) or 'a larger extract'}.",
    )
