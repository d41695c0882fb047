"""The report model: what a board-ready equity report says, before it is drawn.

Built from an :class:`~equalqi.services.analysis.pipeline.AnalysisResult`; rendered to HTML by
:mod:`equalqi.services.report.html`. The result must have passed the disclosure boundary
(:func:`equalqi.services.disclosure.disclose`): every table and chart is drawn from the
disclosed numbers, and the report states the policy and what it hid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from equalqi.plan import AnalysisPlan
from equalqi.services.analysis.completeness import completeness_totals
from equalqi.services.analysis.labels import NOT_KNOWN
from equalqi.services.analysis.measure_table import OVERALL
from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.disclosure import require_disclosed
from equalqi.services.report.story import DimensionVerdict, Story, build_story
from equalqi.services.report.svg_format import format_value


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True)
class DimensionSection:
    name: str
    verdict: str | None
    pair: tuple[str, str] | None
    groups: tuple[str, ...]
    group_frames: dict[str, pd.DataFrame]  # SPC frame per group (hidden points left out)
    lines: pd.DataFrame  # period, group, value, lower, upper in display units
    gap: pd.DataFrame  # period, gap, lower, upper (difference) in display units
    gap_spc: pd.DataFrame
    sii: pd.DataFrame
    before_after: Table | None
    data_table: Table
    warnings: tuple[str, ...] = ()
    judged: DimensionVerdict | None = None  # badge, sentence, sensitivity, watch flags
    hidden_note: str | None = None  # which points the charts leave out because they are hidden


@dataclass(frozen=True)
class ReportModel:
    title: str
    measure: str
    unit: str
    multiplier: float
    decimals: int
    improvement: str
    source: str
    period_text: str
    intervention: dt.date | None
    headline: tuple[str, ...]
    overall: pd.DataFrame
    overall_summary: str | None
    sections: tuple[DimensionSection, ...]
    completeness: pd.DataFrame  # period, label, share_missing
    completeness_table: Table
    suppression: str
    disclosure_advice: tuple[str, ...]
    methods: tuple[str, ...]
    notes: tuple[str, ...]
    generated: str
    warnings: tuple[str, ...] = field(default_factory=tuple)
    story: Story | None = None  # the verdicts, stated once (see services.report.story)
    whole_label: str = "All records"  # the plan's words (DataColumns.whole_label)
    counted_noun: str = "records"  # whom completeness shares are of


def fmt(value: float, plan: AnalysisPlan, *, scaled: bool = False) -> str:
    """A value in display units (``scaled`` means the multiplier is already applied)."""
    if value is None or pd.isna(value):
        return "–"
    v = value if scaled else value * plan.measure.multiplier
    return format_value(float(v), plan.measure.unit, plan.measure.decimals)


def gap_unit(plan: AnalysisPlan) -> str:
    """Differences of percentages are percentage points; otherwise the measure's unit."""
    return "points" if plan.measure.unit == "%" else plan.measure.unit


def fmt_gap(value: float, plan: AnalysisPlan) -> str:
    if value is None or pd.isna(value):
        return "–"
    unit = gap_unit(plan)
    number = f"{value:+.{plan.measure.decimals}f}".replace("-", "−")
    return f"{number} {unit}".strip()


def build_model(result: AnalysisResult, *, title: str | None = None) -> ReportModel:
    statement = require_disclosed(result)
    plan = result.plan
    measures = result.measures.assign(_hidden=result.measures["suppressed"].astype(bool))

    story = build_story(result)
    judged = {v.dimension: v for v in story.verdicts}
    sections = []
    for dim in plan.dimensions:
        sections.append(_section(result, measures, dim.name, judged.get(dim.name)))
    for inter in plan.intersections:
        sections.append(_section(result, measures, inter.name, judged.get(inter.name)))

    overall = _spc_for(result, OVERALL).get("All", pd.DataFrame())
    headline = _headline(result, story)
    period_text = f"{result.first_date:%-d %B %Y} to {result.last_date:%-d %B %Y}"
    suppression = statement.text + (
        " Hidden values appear as '*'; gaps, SII, before/after figures and charts use only "
        "the numbers shown."
        if statement.policy.hides_anything
        else ""
    )
    return ReportModel(
        title=title or plan.output.title or plan.measure.name,
        measure=plan.measure.name,
        unit=plan.measure.unit,
        multiplier=plan.measure.multiplier,
        decimals=plan.measure.decimals,
        improvement=plan.measure.improvement,
        source=result.source,
        period_text=period_text,
        intervention=plan.intervention,
        headline=headline,
        overall=overall,
        overall_summary=None,  # the overall change is stated once, in the summary
        sections=tuple(sections),
        completeness=result.completeness,
        completeness_table=_completeness_table(result),
        suppression=suppression,
        disclosure_advice=(*statement.withheld, *statement.advice),
        methods=_methods(plan),
        notes=result.notes,
        generated=dt.datetime.now().strftime("%-d %B %Y at %H:%M"),
        warnings=tuple(w for r in result.impact.values() for w in r.warnings),
        story=story,
        whole_label=plan.data.whole_label,
        counted_noun=plan.data.counted_noun,
    )


def _spc_for(result: AnalysisResult, dimension: str) -> dict[str, pd.DataFrame]:
    charts = result.charts
    if charts.empty:
        return {}
    sub = charts[charts["dimension"] == dimension]
    return {str(g): f.reset_index(drop=True) for g, f in sub.groupby("group", sort=False)}


def _section(
    result: AnalysisResult,
    measures: pd.DataFrame,
    name: str,
    judged: DimensionVerdict | None = None,
) -> DimensionSection:
    plan = result.plan
    mult = plan.measure.multiplier
    sub = measures[measures["dimension"] == name]
    order = sub.sort_values(["group_order", "group"])["group"].drop_duplicates().tolist()
    frames = _spc_for(result, name)
    lines = sub[sub["group"] != NOT_KNOWN].assign(
        value=lambda f: f["value"] * mult,
        lower=lambda f: f["lower"] * mult,
        upper=lambda f: f["upper"] * mult,
    )[["period", "group", "value", "lower", "upper"]]
    gaps = result.gaps
    gap = gaps[(gaps["dimension"] == name) & (gaps["measure"] == "difference")].rename(
        columns={"period": "x", "estimate": "gap"}
    )[["x", "gap", "lower", "upper"]]
    sii = gaps[(gaps["dimension"] == name) & (gaps["measure"] == "sii")].rename(
        columns={"period": "x", "estimate": "gap"}
    )[["x", "gap", "lower", "upper"]]
    gap_spc = (
        result.gap_charts[result.gap_charts["dimension"] == name]
        if not result.gap_charts.empty
        else pd.DataFrame()
    )
    impact = result.impact.get(name)
    return DimensionSection(
        name=name,
        verdict=judged.sentence if judged and judged.primary else None,
        pair=result.pairs.get(name),
        groups=tuple(order),
        group_frames=frames,
        lines=lines,
        gap=gap.reset_index(drop=True),
        gap_spc=gap_spc.reset_index(drop=True),
        sii=sii.reset_index(drop=True),
        before_after=_before_after_table(result, sub, name),
        data_table=_data_table(plan, sub, name),
        warnings=impact.warnings if impact else (),
        judged=judged,
        hidden_note=_hidden_note(sub),
    )


def _hidden_note(sub: pd.DataFrame, limit: int = 6) -> str | None:
    """Which group-months the charts leave out because their numbers are hidden (so a gap in
    a line reads as 'hidden to protect privacy', not 'no data')."""
    hidden = sub[sub["_hidden"] & (sub["group"] != NOT_KNOWN)]
    if hidden.empty:
        return None
    parts = []
    for group, frame in hidden.groupby("group", sort=False):
        months = [f"{pd.Timestamp(p):%B %Y}" for p in sorted(frame["period"].unique())]
        shown = ", ".join(months[:limit]) + (
            f" and {len(months) - limit} more" if len(months) > limit else ""
        )
        parts.append(f"{group}: {shown}")
    return (
        "Points hidden to protect privacy (left out of the charts; not missing data): "
        + "; ".join(parts)
        + "."
    )


def _before_after_table(result: AnalysisResult, sub: pd.DataFrame, name: str) -> Table | None:
    """Each group's level pooled over the periods shown before and after the intervention
    (hidden periods are left out, so the pooled figures give nothing hidden back)."""
    plan = result.plan
    if not plan.intervention:
        return None
    split = pd.Timestamp(plan.intervention)
    rows = []
    for group, frame in sub.groupby("group", sort=False):
        cells: list[str] = [str(group)]
        for part in (frame[frame["period"] < split], frame[frame["period"] >= split]):
            part = part[~part["_hidden"]]
            num, den, n = (
                part["numerator"].sum(),
                part["denominator"].sum(),
                part["n_records"].sum(),
            )
            if plan.measure.kind == "mean":
                mean = (part["value"] * part["n_records"]).sum() / n if n else np.nan
                cells += [f"{int(n):,}", fmt(mean, plan)]
            else:
                cells += [f"{int(den):,}", fmt(num / den if den else np.nan, plan)]
        rows.append(tuple(cells))
    who = "Records" if plan.measure.kind == "mean" else "Denominator"
    return Table(
        caption=f"{plan.measure.name} by {name}, before and after {plan.intervention:%-d %B %Y} "
        "(periods with hidden numbers left out)",
        columns=("Group", f"{who} before", "Before", f"{who} after", "After"),
        rows=tuple(rows),
        numeric=(False, True, True, True, True),
    )


def _data_table(plan: AnalysisPlan, sub: pd.DataFrame, name: str) -> Table:
    periods = sorted(sub["period"].unique())
    groups = sub.sort_values(["group_order", "group"])["group"].drop_duplicates().tolist()
    wide = sub.assign(
        cell=["*" if h else fmt(v, plan) for h, v in zip(sub["_hidden"], sub["value"], strict=True)]
    ).pivot_table(index="period", columns="group", values="cell", aggfunc="first")
    rows = []
    for p in periods:
        rows.append(
            (
                f"{pd.Timestamp(p):%B %Y}",
                *[
                    str(wide.at[p, g]) if g in wide.columns and pd.notna(wide.at[p, g]) else "–"
                    for g in groups
                ],
            )
        )
    return Table(
        caption=f"{plan.measure.name} by {name} and period (the data behind the charts)",
        columns=("Period", *groups),
        rows=tuple(rows),
        numeric=(False, *[True] * len(groups)),
    )


def _completeness_table(result: AnalysisResult) -> Table:
    comp = result.completeness
    rows = []
    split = pd.Timestamp(result.plan.intervention) if result.plan.intervention else None
    totals = completeness_totals(comp).set_index("label")["share_missing"].fillna(0.0)
    for label, frame in comp.groupby("label", sort=False):
        frame = frame[frame["share_missing"].notna()]  # periods whose count is hidden
        cells = [str(label), f"{totals.get(label, 0.0):.1%}"]
        if split is not None:
            for part in (frame[frame["period"] < split], frame[frame["period"] >= split]):
                share = part["missing"].sum() / max(part["records"].sum(), 1)
                cells.append(f"{share:.1%}")
        rows.append(tuple(cells))
    counted = result.plan.data.counted_noun
    columns: tuple[str, ...] = ("Field", f"Share of {counted} missing")
    if split is not None:
        columns += ("Before", "After")
    return Table(
        caption=f"Data completeness: {counted} who cannot be placed in a group"
        if result.plan.data.counts
        else "Data completeness: records that cannot be placed in a group",
        columns=columns,
        rows=tuple(rows),
        numeric=(False, *[True] * (len(columns) - 1)),
    )


def _headline(result: AnalysisResult, story: Story) -> tuple[str, ...]:
    out = [story.overall_sentence] if story.overall_sentence else []
    out += [v.sentence for v in story.judged]
    if not out:
        overall = result.measures[result.measures["dimension"] == OVERALL]
        num, den = overall["numerator"].sum(), overall["denominator"].sum()
        if den:
            out.append(
                f"Overall, the {result.plan.measure.name} was {fmt(num / den, result.plan)} "
                f"across {int(overall['n_records'].sum()):,} {result.plan.data.rows_noun}"
                + (
                    " (periods with hidden numbers left out)."
                    if overall["suppressed"].any()
                    else "."
                )
            )
    return tuple(out)


def _methods(plan: AnalysisPlan) -> tuple[str, ...]:
    kind = plan.measure.kind
    chart = {"proportion": "P chart", "rate": "U chart", "mean": "XmR (individuals) chart"}[kind]
    interval = {
        "proportion": "Wilson score intervals (as PHEindicatormethods' phe_proportion)",
        "rate": "exact Poisson intervals below 10 events and Byar's method above "
        "(as PHEindicatormethods' phe_rate)",
        "mean": "Student's t intervals (as PHEindicatormethods' phe_mean)",
    }[kind]
    return (
        f"Each group's {plan.measure.name} is shown on an SPC {chart} with limits at three "
        "sigma, read with the NHS Making Data Count rules (a point outside the limits; a run "
        "of 7 or more on one side of the centre line; 7 or more rising or falling; 2 of 3 "
        "beyond two sigma on the same side). Blue points are improvement, orange concern. "
        + ("Limits are recalculated from the intervention date. " if plan.phases else ""),
        f"Intervals for each group are 95% {interval}.",
        "The gap is the focus group minus the reference group, with a 95% interval by "
        "Newcombe's hybrid score method for proportions (Newcombe 1998) or the normal "
        "approximation for rates and means; the ratio uses the log method.",
        "For deprivation, the slope index of inequality (SII) is estimated by "
        "population-weighted regression on the mid-point of each group's cumulative rank, "
        "with Monte Carlo intervals (Low & Low 2004; PHE method). It uses every decile or "
        "quintile, not only the two ends.",
        "Before/after changes and the change in the gap (a difference in differences) come "
        "from pooled counts either side of the intervention, and segmented regression "
        "(interrupted time series) with autocorrelation-robust errors (Wagner 2002; "
        "Lopez Bernal 2017).",
        "Records with ethnicity 'not stated' or 'not known', or whose deprivation could not "
        "be found, are shown as their own groups and counted in the completeness section; "
        "they are never dropped silently.",
    )
