"""One story, stated once: the verdict per dimension, its primary analysis and the others.

The **primary analysis** for every verdict is the before/after comparison of pooled levels
(the difference in differences for the gap) from the segmented model with AR(1) errors that
:func:`equalqi.impact.evaluate_gap` fits: it is the row ``ImpactResult.gap`` the verdict rests
on, so its interval is the one printed wherever the verdict sentence appears (summary, board
page, slides, ``verdicts`` sheet). The interrupted-time-series terms (the level change at the
intervention and the average change after it) are **sensitivity analyses**, shown in a small
table that says when one of them would give a different verdict.

Dimensions without a named pair are still looked at: any group whose pooled level got worse
while the overall measure improved gets a **watch** flag (not a verdict), and the inverse-equity
check (the advantaged group improved first) is stated in plain words.

Everything here reads a *disclosed* result (pooled levels use only the periods shown), so the
numbers are those of ``measures.csv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from equalqi.impact import ImpactResult
from equalqi.impact.verdict import judge_change
from equalqi.plan import AnalysisPlan
from equalqi.services.analysis.labels import NOT_KNOWN
from equalqi.services.analysis.measure_table import OVERALL
from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.disclosure import require_disclosed

MINUS = "\u2212"
PRIMARY_METHOD = (
    "before/after comparison of pooled levels (difference in differences for the gap), "
    "segmented regression with AR(1) errors"
)
BADGES = ("narrowed", "held", "widened", "no clear evidence", "no direction set")
_BADGE_OF = {
    "narrowed": "narrowed",
    "held": "held",
    "widened": "widened",
    "no evidence": "no clear evidence",
    "no better direction set": "no direction set",  # the plan names no better direction
}
_ORDINAL = {
    2: "second",
    3: "third",
    4: "fourth",
    5: "fifth",
    6: "sixth",
    7: "seventh",
    8: "eighth",
    9: "ninth",
}


def nhs_date(value: object) -> str:
    """NHS style: '1 January 2023'."""
    return f"{pd.Timestamp(value):%-d %B %Y}"


def readable_group(dimension_kind: str, dimension: str, label: str) -> str:
    """A group label a reader understands: '1 - most deprived' (IMD quintile) becomes 'the
    most deprived fifth of areas'; a yes/no column becomes 'people whose … is "No"'."""
    label = str(label)
    fraction = {"imd_quintile": (5, "fifth"), "imd_decile": (10, "tenth")}.get(dimension_kind)
    if fraction:
        n, part = fraction
        m = re.match(r"\s*(\d+)", label)
        if m:
            k = int(m.group(1))
            if k == 1:
                return f"the most deprived {part} of areas"
            if k == n:
                return f"the least deprived {part} of areas"
            if k in _ORDINAL:
                return f"the {_ORDINAL[k]} most deprived {part} of areas"
    if dimension_kind == "sex":
        return {"Female": "women", "Male": "men"}.get(label, f"people recorded as {label}")
    if dimension_kind == "age_band":
        return f"people aged {label}"
    if dimension_kind == "ethnicity":
        return f"people in the {label} ethnic group"
    return f'people whose "{dimension}" is "{label}"'


@dataclass(frozen=True)
class Estimate:
    """One estimate of the change in a gap (or the overall measure) with its interval."""

    analysis: str
    change: float  # display units (percentage points for a percentage)
    lower: float
    upper: float
    judgement: str  # a badge word for a gap; improved / worsened / no clear evidence overall
    primary: bool = False

    def interval_text(self, decimals: int) -> str:
        return f"{_num(self.lower, decimals)} to {_num(self.upper, decimals)}"

    def change_text(self, decimals: int, unit: str) -> str:
        return f"{_num(self.change, decimals, sign=True)}{unit}"


@dataclass(frozen=True)
class Watch:
    dimension: str
    group: str
    readable: str
    before: float  # display units
    after: float
    sentence: str
    before_text: str = ""  # with the unit: "17.3%"
    after_text: str = ""


@dataclass(frozen=True)
class DimensionVerdict:
    dimension: str
    badge: str  # one of BADGES, or "watch" / "not judged" for dimensions without a pair
    sentence: str  # plain words, with the primary interval when there is one
    pair: tuple[str, str] | None
    primary: Estimate | None
    sensitivity: tuple[Estimate, ...]
    disagreement: str | None
    watch: tuple[Watch, ...]
    inverse_equity: str | None

    @property
    def short(self) -> str:
        """The board page's line: the verdict sentence itself for a judged dimension (same
        interval), a short list of the groups to watch otherwise."""
        if self.primary is not None:
            return self.sentence
        if self.watch:
            items = [
                f"{w.group} ({w.before_text} before, {w.after_text} after)" for w in self.watch[:4]
            ]
            more = f" and {len(self.watch) - 4} more" if len(self.watch) > 4 else ""
            return "Got worse while the overall measure improved: " + "; ".join(items) + more + "."
        return self.sentence


@dataclass(frozen=True)
class Story:
    measure: str
    primary_method: str
    overall: Estimate | None
    overall_sentence: str | None
    verdicts: tuple[DimensionVerdict, ...]
    decimals: int
    change_unit: str  # " points", " per 1,000", ""

    @property
    def judged(self) -> tuple[DimensionVerdict, ...]:
        return tuple(v for v in self.verdicts if v.primary is not None)


def _num(x: float, decimals: int, *, sign: bool = False) -> str:
    if x is None or not np.isfinite(x):
        return "not known"
    text = f"{abs(x):,.{decimals}f}"
    if round(x, decimals) < 0:
        return MINUS + text
    return ("+" + text) if sign and round(x, decimals) > 0 else text


def _change_unit(plan: AnalysisPlan) -> str:
    unit = plan.measure.unit.strip()
    if unit == "%":
        return " points"
    return f" {unit}" if unit else ""


def _level(plan: AnalysisPlan, value: float) -> str:
    unit = plan.measure.unit.strip()
    text = _num(value, plan.measure.decimals)
    return f"{text}%" if unit == "%" else f"{text} {unit}".rstrip()


def _gap_judgement(lower: float, upper: float, impact: ImpactResult, both: bool) -> str:
    null = 1.0 if impact.scale == "relative" else 0.0
    moved = judge_change(lower, upper, impact.improvement, null)
    if moved == "improved":
        return "narrowed"
    if moved == "worsened":
        return "widened"
    return "held" if both and np.isfinite(lower) and np.isfinite(upper) else "no clear evidence"


def _rows(impact: ImpactResult, role: str) -> pd.DataFrame:
    f = impact.before_after
    return f[(f["role"] == role) & (f["unit"] == "project")]


def _estimates(impact: ImpactResult) -> tuple[Estimate, tuple[Estimate, ...]]:
    gap = impact.gap
    both = impact.gap_change == "held"
    primary = Estimate(
        analysis="Before/after (primary): change in the gap, AR(1) segmented model",
        change=float(gap["change"]),
        lower=float(gap["lower"]),
        upper=float(gap["upper"]),
        judgement=_BADGE_OF[impact.gap_change],
        primary=True,
    )
    others = []
    its = impact.its
    if not its.empty:
        g = its[its["role"] == "gap"]
        for term, name in (
            ("level change", "Interrupted time series: step change at the intervention"),
            ("average change after", "Interrupted time series: average change after"),
        ):
            row = g[g["term"] == term]
            if row.empty:
                continue
            r = row.iloc[-1]
            lo, hi = float(r["lower"]), float(r["upper"])
            others.append(
                Estimate(
                    analysis=name,
                    change=float(r["estimate"]),
                    lower=lo,
                    upper=hi,
                    judgement=_gap_judgement(lo, hi, impact, both),
                )
            )
    return primary, tuple(others)


def _pooled(measures: pd.DataFrame, plan: AnalysisPlan) -> pd.DataFrame:
    """Each group's level before and after the intervention, pooled over shown periods."""
    if not plan.intervention:
        return pd.DataFrame()
    split = pd.Timestamp(plan.intervention)
    shown = measures[~measures["suppressed"].astype(bool)]
    shown = shown[shown["denominator"].notna()]
    rows = []
    for (dim, group), frame in shown.groupby(["dimension", "group"], sort=False):
        values = []
        for part in (frame[frame["period"] < split], frame[frame["period"] >= split]):
            if plan.measure.kind == "mean":
                n = part["n_records"].sum()
                values.append((part["value"] * part["n_records"]).sum() / n if n else np.nan)
            else:
                den = part["denominator"].sum()
                values.append(part["numerator"].sum() / den if den else np.nan)
        rows.append((dim, group, *values))
    frame = pd.DataFrame(rows, columns=["dimension", "group", "before", "after"])
    frame[["before", "after"]] *= plan.measure.multiplier
    return frame


def _worse(before: float, after: float, improvement: str) -> bool:
    if not (np.isfinite(before) and np.isfinite(after)):
        return False
    return after > before if improvement == "decrease" else after < before


def build_story(result: AnalysisResult) -> Story:
    """The verdicts of a disclosed result, each stated once with its primary interval."""
    require_disclosed(result)
    plan = result.plan
    decimals = plan.measure.decimals
    unit = _change_unit(plan)
    improvement = plan.measure.improvement
    kinds: dict[str, str] = {d.name: str(d.kind) for d in plan.dimensions}
    kinds.update({i.name: "intersection" for i in plan.intersections})
    pooled = _pooled(result.measures, plan)

    overall_est = None
    overall_sentence = None
    first = result.overall_impact()
    if first is not None:
        row = _rows(first, "overall")
        if not row.empty:
            r = row.iloc[0]
            judgement = {"no evidence": "no clear evidence"}.get(first.overall, first.overall)
            overall_est = Estimate(
                "Before/after (primary): overall change",
                float(r["change"]),
                float(r["lower"]),
                float(r["upper"]),
                judgement,
                primary=True,
            )
            direction = "fell" if r["after"] < r["before"] else "rose"
            overall_sentence = (
                f"Overall, the {plan.measure.name} {direction} from "
                f"{_level(plan, float(r['before']))} to {_level(plan, float(r['after']))} after "
                f"{nhs_date(plan.intervention)} (change "
                f"{overall_est.change_text(decimals, unit)}, 95% interval "
                f"{overall_est.interval_text(decimals)})"
                + (
                    "; there is no clear evidence that it changed."
                    if first.overall == "no evidence"
                    else f": it {first.overall}."
                )
            )
    overall_improved = first is not None and first.overall == "improved"

    verdicts = []
    names = [d.name for d in plan.dimensions] + [i.name for i in plan.intersections]
    for name in names:
        kind = kinds.get(name, "column")
        watch = _watch(pooled, plan, name, kind, overall_improved, improvement)
        impact = result.impact.get(name)
        if impact is not None:
            primary, others = _estimates(impact)
            d_label, a_label = (readable_group(kind, name, g) for g in impact.groups)
            badge = primary.judgement
            what = {
                "narrowed": "narrowed",
                "widened": "widened",
                "held": "held steady while both groups improved",
                "no clear evidence": "may not have changed: there is no clear evidence either way",
                "no direction set": "changed, but the plan sets no better direction for the "
                "measure, so the change is not judged",
            }[badge]
            d_rows = _rows(impact, "disadvantaged")
            a_rows = _rows(impact, "advantaged")
            levels = ""
            if not d_rows.empty and not a_rows.empty:
                d, a = d_rows.iloc[0], a_rows.iloc[0]
                levels = (
                    f" In {d_label} the {plan.measure.name} went from "
                    f"{_level(plan, float(d['before']))} to {_level(plan, float(d['after']))}; "
                    f"in {a_label} from {_level(plan, float(a['before']))} to "
                    f"{_level(plan, float(a['after']))}."
                )
            sentence = (
                f"The gap between {d_label} and {a_label} {what} (change in the gap "
                f"{primary.change_text(decimals, unit)}, 95% interval "
                f"{primary.interval_text(decimals)}).{levels}"
            )
            disagree = [e for e in others if e.judgement != primary.judgement]
            disagreement = (
                "The sensitivity analyses do not all agree with the primary analysis: "
                + "; ".join(f"{e.analysis.lower()} suggests '{e.judgement}'" for e in disagree)
                + ". Read the verdict with that uncertainty in mind."
                if disagree
                else None
            )
            inverse = None
            if impact.inverse_equity.flag:
                inverse = impact.inverse_equity.reason
                for raw, nice in zip(impact.groups, (d_label, a_label), strict=True):
                    inverse = inverse.replace(raw, nice)
                inverse = inverse[0].upper() + inverse[1:]
                inverse = inverse.rstrip(".") + f"; the data run to {nhs_date(result.last_date)}."
            verdicts.append(
                DimensionVerdict(
                    name,
                    badge,
                    sentence,
                    impact.groups,
                    primary,
                    others,
                    disagreement,
                    watch,
                    inverse,
                )
            )
        else:
            if watch:
                sentence = " ".join(w.sentence for w in watch)
                badge = "watch"
            else:
                sentence = (
                    "No pair of groups is compared for this dimension, and no group got worse "
                    "while the overall measure improved."
                    if overall_improved
                    else "No pair of groups is compared for this dimension."
                )
                badge = "not judged"
            verdicts.append(
                DimensionVerdict(name, badge, sentence, None, None, (), None, watch, None)
            )
    return Story(
        measure=plan.measure.name,
        primary_method=PRIMARY_METHOD,
        overall=overall_est,
        overall_sentence=overall_sentence,
        verdicts=tuple(verdicts),
        decimals=decimals,
        change_unit=unit,
    )


def _watch(
    pooled: pd.DataFrame,
    plan: AnalysisPlan,
    name: str,
    kind: str,
    overall_improved: bool,
    improvement: str,
) -> tuple[Watch, ...]:
    if not overall_improved or pooled.empty or improvement == "neutral":
        return ()
    sub = pooled[
        (pooled["dimension"] == name) & ~pooled["group"].astype(str).str.contains(NOT_KNOWN)
    ]
    out = []
    for _, row in sub.iterrows():
        if row["dimension"] == OVERALL:
            continue
        before, after = float(row["before"]), float(row["after"])
        if _worse(before, after, improvement):
            nice = readable_group(kind, name, str(row["group"]))
            out.append(
                Watch(
                    name,
                    str(row["group"]),
                    nice,
                    before,
                    after,
                    f"For {nice} the {plan.measure.name} got worse "
                    f"({_level(plan, before)} before, {_level(plan, after)} after) while the "
                    "overall measure improved.",
                    _level(plan, before),
                    _level(plan, after),
                )
            )
    return tuple(out)
