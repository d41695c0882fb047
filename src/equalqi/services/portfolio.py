"""Learning across projects: which kinds of QI narrow or widen the gap.

Each project contributes the change in its gap (the difference in differences from
:func:`equalqi.impact.evaluate_gap`) with its standard error; a random-effects
meta-analysis (REML by default, DerSimonian-Laird on request) pools them and a
meta-regression asks whether the type of QI explains the differences. The forest plot and
the tables go into one self-contained HTML page.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Sequence

import pandas as pd

from equalqi.errors import InputError, Problem
from equalqi.impact import MetaResult, meta_analysis
from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.chart_help import chart_help, verdict_module
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
    meta = meta_analysis(
        effects, estimate=estimate, se=se, method=method, moderators=present, label="project"
    )
    if {"lower", "upper"} <= set(effects.columns):
        # Each project's interval as its own analysis gave it (the AR(1) model's, as in
        # projects.csv), not one rebuilt from the standard error: the plot and the file agree.
        own = effects.set_index("project")[["lower", "upper"]]
        studies = meta.studies.copy()
        keys = studies["project"]
        if keys.isin(own.index).all() and own.index.is_unique:
            studies["lower"] = own.loc[keys, "lower"].to_numpy(dtype=float)
            studies["upper"] = own.loc[keys, "upper"].to_numpy(dtype=float)
            meta = dataclasses.replace(meta, studies=studies)
    return meta


#: Above this I² (percent) the projects differ too much for one pooled figure to mean much
#: ("considerable heterogeneity": Cochrane Handbook 10.10.2; Higgins et al. BMJ 2003).
HIGH_I2 = 75.0


def _direction(lower: float, upper: float) -> str:
    if upper < 0:
        return "narrowed"
    if lower > 0:
        return "widened"
    return "no clear evidence"


def _i2_words(i2: float) -> str:
    if i2 >= HIGH_I2:
        return (
            "almost all of the spread between projects is real difference between them, not chance"
        )
    if i2 >= 50:
        return "much of the spread between projects is real difference between them"
    if i2 >= 25:
        return "some of the spread between projects is real difference between them"
    return "the projects differ little more than chance would explain"


def portfolio_html(meta: MetaResult, *, title: str, unit: str) -> str:
    """A self-contained page: estimates by type of QI first, the forest plot ("narrowed ←
    → widened"), the pooled result only when the projects are alike enough to pool, and the
    statistics (τ², I², Q, the meta-regression) in a details section."""
    high = meta.i2 >= HIGH_I2
    svg = forest_plot_svg(
        meta,
        title=title,
        unit=unit,
        pooled=not high,
        footer=False,
        directions=("gap narrowed", "gap widened"),
    )
    by_type = ""
    if not meta.subgroups.empty:
        mod = html.escape(str(meta.subgroups["moderator"].iloc[0]))
        rows = "".join(
            f"<tr><td>{html.escape(str(g['level']))}</td><td>{int(g['k'])}</td>"
            f"<td>{_signed(g['estimate'])} {html.escape(unit)}</td>"
            f"<td>{_signed(g['lower'])} to {_signed(g['upper'])}</td>"
            f"<td><strong>{_direction(float(g['lower']), float(g['upper']))}</strong></td></tr>"
            for _, g in meta.subgroups.iterrows()
        )
        by_type = (
            f"<table><caption>Change in the gap by {mod} (after minus before; above zero: "
            'widened)</caption><thead><tr><th scope="col">'
            + mod.capitalize()
            + '</th><th scope="col">Projects</th><th scope="col">Change in the gap</th>'
            '<th scope="col">95% interval</th><th scope="col">The gap</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    spread = f"The projects differ: {_i2_words(meta.i2)}. "
    if high:
        headline = (
            "No single figure is given for all the projects together: they differ too much "
            f"for an average to describe any of them ({_i2_words(meta.i2)}). Read the results "
            "by type of QI above and each project in the plot below."
        )
    else:
        headline = (
            f"Across the {meta.k} projects the gap changed by {_signed(meta.estimate)} "
            f"{unit} on average (95% interval {_signed(meta.lower)} to "
            f"{_signed(meta.upper)}): {_direction(meta.lower, meta.upper)}. {spread}"
        )
    numbers = (
        f"Random-effects meta-analysis ({meta.method}) of {meta.k} projects: pooled "
        f"{_signed(meta.estimate)} {unit} (95% CI {_signed(meta.lower)} to "
        f"{_signed(meta.upper)}; {_p(meta.p_value)}). Between-project variance "
        f"\u03c4\u00b2 = {meta.tau2:.3f} (how much the true changes differ from project to "
        f"project, in {unit} squared); I\u00b2 = {meta.i2:.0f}% (the share of the spread that "
        f"is not chance); Cochran's Q = {meta.q:.1f} on {meta.q_df} df ({_p(meta.q_p)})."
    )
    if meta.moderators:
        numbers += (
            f" Meta-regression on {', '.join(meta.moderators)}: Q_M = {meta.qm:.2f} on "
            f"{meta.qm_df} df ({_p(meta.qm_p)}); the type of QI accounts for "
            f"{meta.r2:.0f}% of \u03c4\u00b2."
        )
    coef = meta.coefficients
    table = ""
    if not coef.empty:
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(_cell(v, p=str(c).startswith('p')))}</td>"
                for c, v in zip(coef.columns, r, strict=True)
            )
            + "</tr>"
            for r in coef.itertuples(index=False)
        )
        heads = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in coef.columns)
        table = (
            "<table><caption>Meta-regression: does the type of QI explain the change in the "
            f"gap?</caption><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table>"
        )
    help_ = chart_help()
    how_to_read = (
        f'<details class="how-to-read" data-chart="forest"><summary>'
        f"{html.escape(help_.summary)}</summary>"
        + "".join(f"<p>{html.escape(p)}</p>" for p in help_.paragraphs("forest"))
        + "</details>"
    )
    guide = verdict_module()
    learn_more = (
        f'<p class="learn-more">{html.escape(guide.lead)} Module {guide.number} of the equalqi '
        f"guide, \u201c{html.escape(guide.title)}\u201d, explains it: open Learn in the equalqi "
        "web app, or run <code>equalqi guide --out guide</code> for a copy on your computer.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:Arial,Helvetica,sans-serif;color:#212b32;max-width:1000px;margin:0 auto;
padding:1rem}}header{{background:#005eb8;color:#fff;padding:1rem;margin:-1rem -1rem 1rem}}
table{{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}}
th,td{{border-bottom:1px solid #d8dde0;
padding:.4rem;text-align:left}}caption{{text-align:left;font-weight:bold;padding:.5rem 0}}
.box{{border-left:8px solid #005eb8;background:#f0f4f5;padding:.75rem 1rem}}
summary{{cursor:pointer;color:#005eb8;font-weight:bold}}
.how-to-read{{border-left:4px solid #d8dde0;padding-left:.75rem;margin:0 0 1rem}}
.learn-more{{color:#4c6272}}
svg{{max-width:100%;height:auto}}</style></head>
<body><header><strong>equalqi · portfolio</strong></header><main>
<h1>{html.escape(title)}</h1>
<p>Each project's change in its gap between the disadvantaged and the advantaged group
(after minus before), turned so that above zero means the gap widened against the
disadvantaged group and below zero that it narrowed, whichever way the measure improves.</p>
<p class="box"><strong>{html.escape(headline)}</strong></p>
{learn_more}
{by_type}
<figure>{svg}<figcaption>Squares are sized by weight; the whiskers are each project's 95%
interval from its own analysis (the same as in projects.csv); diamonds are the estimates by
type of QI{"" if high else " and for all projects"}.</figcaption></figure>
{how_to_read}
<details><summary>The statistics</summary><p>{html.escape(numbers)}</p>{table}</details>
</main></body></html>
"""


def _signed(x: object) -> str:
    v = float(x)  # type: ignore[arg-type]
    if not math.isfinite(v):
        return "not known"
    text = f"{abs(v):.2f}"
    return ("\u2212" + text) if round(v, 2) < 0 else ("+" + text if round(v, 2) > 0 else text)


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _cell(value: object, *, p: bool = False) -> str:
    if isinstance(value, float) and value != value:  # NaN: not applicable
        return ""
    if isinstance(value, float) and p:
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
