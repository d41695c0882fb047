"""Learning across projects: which kinds of QI narrow or widen the gap.

Each project contributes the change in its gap (the difference in differences from
:func:`equalqi.impact.evaluate_gap`) with its standard error; a random-effects
meta-analysis (REML by default, DerSimonian-Laird on request) pools them and a
meta-regression asks whether the type of QI explains the differences. The forest plot and
the tables go into one self-contained HTML page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from equalqi.errors import InputError, Problem
from equalqi.impact import MetaResult, meta_analysis
from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.disclosure import require_disclosed
from equalqi.services.report.forest_svg import forest_plot_svg

EFFECT_COLUMNS = ("project", "type", "dimension", "gap_change", "se", "lower", "upper", "unit")


def project_effect(
    result: AnalysisResult, *, project: str, qi_type: str, dimension: str | None = None
) -> dict[str, object]:
    """One project's change in its gap, after minus before, oriented so that a positive
    value means the gap widened against the disadvantaged group. ``result`` must be
    disclosed: the estimate rests only on numbers that are shown."""
    require_disclosed(result)
    name = dimension or next(iter(result.impact), None)
    if name is None or name not in result.impact:
        raise InputError(
            Problem(
                what=f"project '{project}' has no gap evaluation",
                fix="Give the plan an intervention date and a pair to compare.",
            )
        )
    if result.plan.measure.improvement == "neutral":
        raise InputError(
            Problem(
                what=f"project '{project}' sets no better direction for its measure, so its "
                "gap change cannot be pooled (is a rise good or bad?)",
                fix='Add improvement = "increase" or "decrease" to [measure] in its plan.',
            )
        )
    ba = result.impact[name].before_after
    gap = ba[ba["role"] == "gap"].iloc[0]
    # Orient every project the same way: positive means the gap moved against the
    # disadvantaged group (it widened), whatever the measure's better direction.
    sign = -1.0 if result.plan.measure.improvement == "increase" else 1.0
    lower, upper = sorted((sign * float(gap["lower"]), sign * float(gap["upper"])))
    return {
        "project": project,
        "type": qi_type,
        "dimension": name,
        "gap_change": sign * float(gap["change"]),
        "se": float(gap["se"]),
        "lower": lower,
        "upper": upper,
        "unit": "points" if result.plan.measure.unit == "%" else result.plan.measure.unit,
    }


def check_effects(effects: pd.DataFrame, *, source: str, estimate: str, se: str) -> None:
    """Clear messages for a projects file that cannot be pooled."""
    problems = [
        Problem(
            what=f"the column '{c}' is missing",
            fix="Add it to the projects file.",
            file=source,
            column=c,
        )
        for c in ("project", estimate, se)
        if c not in effects.columns
    ]
    if not problems:
        bad = effects[pd.to_numeric(effects[se], errors="coerce").fillna(-1) <= 0]
        problems += [
            Problem(
                what="a standard error must be a positive number",
                fix="Correct the value.",
                file=source,
                row=int(i) + 2,
                column=se,
                value=str(v),
            )
            for i, v in bad[se].head(5).items()
        ]
        if len(effects) < 2:
            problems.append(
                Problem(
                    what="at least two projects are needed to pool",
                    fix="Add more projects.",
                    file=source,
                )
            )
    if problems:
        raise InputError(problems)


def portfolio(
    effects: pd.DataFrame,
    *,
    estimate: str = "gap_change",
    se: str = "se",
    moderators: Sequence[str] = ("type",),
    method: str = "REML",
    source: str = "projects",
) -> MetaResult:
    check_effects(effects, source=source, estimate=estimate, se=se)
    present = tuple(m for m in moderators if m in effects.columns and effects[m].nunique() > 1)
    return meta_analysis(
        effects, estimate=estimate, se=se, method=method, moderators=present, label="project"
    )


def portfolio_html(meta: MetaResult, *, title: str, unit: str) -> str:
    """A self-contained page: the forest plot, the pooled result and the meta-regression."""
    svg = forest_plot_svg(meta, title=title, unit=unit)
    pooled = (
        f"Pooled change in the gap across {meta.k} projects ({meta.method}): "
        f"{meta.estimate:+.2f} {unit} (95% CI {meta.lower:+.2f} to {meta.upper:+.2f}); "
        f"between-project variance tau² = {meta.tau2:.3f}, I² = {meta.i2:.0f}%."
    )
    coef = meta.coefficients
    table = ""
    if not coef.empty:
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r) + "</tr>"
            for r in coef.itertuples(index=False)
        )
        heads = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in coef.columns)
        table = (
            "<table><caption>Meta-regression: does the type of QI explain the change in the "
            f"gap?</caption><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table>"
        )
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:Arial,Helvetica,sans-serif;color:#212b32;max-width:1000px;margin:0 auto;
padding:1rem}}header{{background:#005eb8;color:#fff;padding:1rem;margin:-1rem -1rem 1rem}}
table{{border-collapse:collapse;width:100%}}th,td{{border-bottom:1px solid #d8dde0;
padding:.4rem;text-align:left}}caption{{text-align:left;font-weight:bold;padding:.5rem 0}}
svg{{max-width:100%;height:auto}}</style></head>
<body><header><strong>equalqi · portfolio</strong></header><main>
<h1>{html.escape(title)}</h1>
<p>Each row is one project's change in its gap between the disadvantaged and the advantaged
group (after minus before), oriented so that above zero means the gap widened against the
disadvantaged group and below zero that it narrowed. Squares are sized by weight; the
diamond is the pooled random-effects estimate.</p>
<p><strong>{html.escape(pooled)}</strong></p>
<figure>{svg}</figure>
{table}
</main></body></html>
"""


def _cell(value: object) -> str:
    if isinstance(value, float) and value != value:  # NaN: not applicable
        return ""
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
