"""The board page: one or two A4 pages that say what happened, for whom, and what comes next.

Built from the same :class:`~equalqi.services.report.model.ReportModel` (and so the same
disclosed result and the same :mod:`~equalqi.services.report.story`) as the full report: the
verdict sentences and their intervals are the report's, word for word.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from equalqi import __version__
from equalqi.services.analysis.labels import NOT_KNOWN
from equalqi.services.analysis.measure_table import OVERALL
from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.chart_help import verdict_module
from equalqi.services.disclosure import require_disclosed
from equalqi.services.report.html import _ENV, section_charts
from equalqi.services.report.model import ReportModel, fmt
from equalqi.services.report.story import nhs_date
from equalqi.spc.icons import (
    _ASSURANCE_TEXT,
    _VARIATION_TEXT,
    ASSURANCE_ICONS,
    VARIATION_ICONS,
    assurance_icon,
    variation_icon_svg,
)

if TYPE_CHECKING:
    from equalqi.services.assessments import EquityRecord


@dataclass(frozen=True)
class MdcRow:
    group: str
    latest: str
    when: str
    mean: str
    variation: str
    variation_text: str
    variation_svg: str
    assurance: str
    assurance_text: str
    assurance_svg: str


@dataclass(frozen=True)
class BoardPage:
    title: str
    measure: str
    direction: str
    period_text: str
    intervention: str | None
    overall_sentence: str | None
    verdicts: tuple[object, ...]
    primary_method: str
    gap_title: str
    gap_caption: str
    gap_chart: str
    mdc: tuple[MdcRow, ...]
    icon_key: tuple[str, ...]
    public: str
    actions: tuple[str, ...]
    suppression: str
    source: str
    generated: str
    mdc_dimension: str


def _strip_the(label: str) -> str:
    """'people whose …' stays; readable group labels keep their article."""
    return label


def mdc_rows(result: AnalysisResult, dimension: str) -> tuple[MdcRow, ...]:
    """Latest shown value, the last phase's variation and assurance icons, per group of
    ``dimension`` (with the Overall row first); hidden values as '*'."""
    plan = result.plan
    summary = result.chart_summary
    m = result.measures
    rows = []
    for dim in (OVERALL, dimension):
        sub = m[(m["dimension"] == dim) & (m["group"] != NOT_KNOWN)]
        order = sub.sort_values(["group_order", "group"])["group"].drop_duplicates().tolist()
        for group in order:
            g = sub[sub["group"] == group].sort_values("period")
            last = g.iloc[-1]
            shown = g[~g["suppressed"].astype(bool) & g["value"].notna()]
            if bool(last["suppressed"]) or pd.isna(last["value"]):
                latest = "*"
            else:
                latest = fmt(float(last["value"]), plan)
            s = summary[(summary["dimension"] == dim) & (summary["group"] == group)]
            if s.empty:
                variation, assurance, mean = "", "none", "–"
            else:
                phase = s.sort_values("phase").iloc[-1]
                variation = str(phase.get("variation_icon") or "")
                assurance = str(phase.get("assurance") or "none")
                mean = fmt(float(phase["cl"]), plan, scaled=True)
            v_svg = variation_icon_svg(variation, 34) if variation in VARIATION_ICONS else ""
            a_svg = assurance_icon(assurance, 34) if assurance in ASSURANCE_ICONS else ""
            rows.append(
                MdcRow(
                    group=plan.data.whole_label if dim == OVERALL else str(group),
                    latest=latest,
                    when=f"{pd.Timestamp(last['period']):%B %Y}",
                    mean=mean if not shown.empty else "*",
                    variation=variation,
                    variation_text=_VARIATION_TEXT.get(variation, "not enough points shown"),
                    variation_svg=v_svg,
                    assurance=assurance,
                    assurance_text=_ASSURANCE_TEXT.get(assurance, "no target"),
                    assurance_svg=a_svg,
                )
            )
    return tuple(rows)


def _public(model: ReportModel) -> str:
    """A paragraph for patients and the public: no statistics words."""
    story = model.story
    assert story is not None
    better = {"decrease": "lower", "increase": "higher"}.get(model.improvement)
    when = f"{model.intervention:%B %Y}" if model.intervention else "the change"
    parts = []
    if story.overall is not None:
        moved = {
            "improved": "got better",
            "worsened": "got worse",
        }.get(story.overall.judgement, "did not clearly change")
        parts.append(
            f"We changed how we work in {when}. Since then the {model.measure} "
            f"{moved} overall" + (f" (for this measure, {better} is better)." if better else ".")
        )
    for v in story.judged:
        d_label, a_label = _pair_labels(v.sentence)
        text = {
            "widened": f"The improvement was smaller for people living in {d_label} than for "
            f"people living in {a_label}, so the difference between them grew.",
            "narrowed": f"People living in {d_label} gained more than people living in "
            f"{a_label}, so the difference between them became smaller.",
            "held": f"People living in {d_label} and in {a_label} both gained, by similar amounts.",
            "no clear evidence": f"We cannot yet tell whether the difference between people "
            f"living in {d_label} and in {a_label} changed.",
            "no direction set": f"The difference between people living in {d_label} and in "
            f"{a_label} changed; the team has not yet said which way is better.",
        }[v.badge]
        parts.append(text)
    watch = [w for v in story.verdicts for w in v.watch if v.dimension in _plain_dims(model)]
    if watch:
        parts.append(
            "It got worse for "
            + "; ".join(_strip_the(w.readable) for w in watch[:3])
            + ", and we are looking into why."
        )
    parts.append("Numbers about very small groups of people are left out to protect privacy.")
    return " ".join(parts)


def _plain_dims(model: ReportModel) -> set[str]:
    return {s.name for s in model.sections if " × " not in s.name}


def _pair_labels(sentence: str) -> tuple[str, str]:
    """The two readable labels of 'The gap between X and Y …' (the story's wording)."""
    rest = sentence.split("The gap between ", 1)[1]
    d_label, rest = rest.split(" and ", 1)
    a_label = rest.split(" widened", 1)[0].split(" narrowed", 1)[0]
    a_label = a_label.split(" held", 1)[0].split(" may not", 1)[0].split(" changed", 1)[0]
    return _strip_the(d_label), _strip_the(a_label)


def _actions(model: ReportModel, assessment_actions: tuple[str, ...]) -> tuple[str, ...]:
    story = model.story
    assert story is not None
    out = []
    for v in story.judged:
        d_label, _ = _pair_labels(v.sentence)
        if v.badge == "widened":
            out.append(
                f"Ask patients living in {d_label} why the change helped them less, and adapt "
                "it with them (co-design) before rolling it out further."
            )
        elif v.badge == "no clear evidence":
            out.append(
                f"Keep collecting data: it is too early to say whether people living in "
                f"{d_label} are being left behind."
            )
        if v.inverse_equity:
            out.append(
                f"Check at the next report whether people living in {d_label} have caught up."
            )
    for v in story.verdicts:
        if v.dimension in _plain_dims(model):
            for w in v.watch:
                out.append(
                    f"Look into why the {model.measure} got worse for {_strip_the(w.readable)}."
                )
    out += list(assessment_actions[:3])
    out.append("Bring the same measures, split the same way, back to the board at the next review.")
    return tuple(dict.fromkeys(out))


def build_board(
    result: AnalysisResult,
    model: ReportModel,
    *,
    assessment_actions: tuple[str, ...] = (),
) -> BoardPage:
    require_disclosed(result)
    story = model.story
    assert story is not None
    judged = next((s for s in model.sections if s.judged and s.judged.primary), None)
    mdc_dim = judged.name if judged else (model.sections[0].name if model.sections else OVERALL)
    gap_chart, gap_title, gap_caption = "", "", ""
    if judged is not None and judged.pair:
        charts = section_charts(model, judged, width=680, height=230)
        gap_chart = charts.get("gap", "")
        focus, ref = judged.pair
        gap_title = f"The gap in the {model.measure}: {focus} minus {ref}"
        worse = "higher" if model.improvement == "decrease" else "lower"
        gap_caption = (
            f"Each point is one month: the {model.measure} in {focus} minus that in {ref}. "
            f"Further from zero means a wider gap; {worse} is worse for {focus}. The shaded band "
            "is the 95% interval; months with hidden numbers are left out (marked as hidden)."
        )
    direction = {"decrease": "lower is better", "increase": "higher is better"}.get(
        model.improvement, ""
    )
    return BoardPage(
        title=model.title,
        measure=model.measure,
        direction=direction,
        period_text=model.period_text,
        intervention=nhs_date(model.intervention) if model.intervention else None,
        overall_sentence=story.overall_sentence,
        verdicts=tuple(story.verdicts),
        primary_method=story.primary_method,
        gap_title=gap_title,
        gap_caption=gap_caption,
        gap_chart=gap_chart,
        mdc=(mdc := mdc_rows(result, mdc_dim)),
        icon_key=tuple(
            dict.fromkeys([r.variation_text for r in mdc] + [r.assurance_text for r in mdc])
        ),
        public=_public(model),
        actions=_actions(model, assessment_actions),
        suppression=model.suppression,
        source=model.source,
        generated=dt.datetime.now().strftime("%-d %B %Y at %H:%M"),
        mdc_dimension=mdc_dim,
    )


def render_board(board: BoardPage) -> str:
    return _ENV.get_template("board.html.j2").render(
        b=board, version=__version__, verdict_module=verdict_module()
    )


def assessment_actions(record: EquityRecord | None) -> tuple[str, ...]:
    """The latest equity-by-design assessment's recommended actions (none without one)."""
    if record is None:
        return ()
    from equalqi.services.assessments import summary_of

    summary = summary_of(record.history)
    return tuple(summary.actions) if summary is not None else ()


__all__ = ["BoardPage", "MdcRow", "assessment_actions", "build_board", "mdc_rows"]
