"""Forest plot of a random-effects meta-analysis, as an accessible inline SVG.

One row per project (label, a square sized by its random-effects weight, the confidence
interval as whiskers, and the numbers on the right), grouped by the first categorical
moderator with a diamond for each group when there is one, then the pooled diamond, a
vertical line at zero and a text line with the heterogeneity statistics. The layout follows
the convention of metafor's ``forest()`` and RevMan.

Pure function: text in, text out; no external assets (system font, no scripts, no links), every
piece of user text escaped. ``role="img"`` with a ``<title>`` and a ``<desc>`` that states the
pooled result in words, so screen readers get the conclusion, not a list of shapes.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from equalqi.impact.meta import MetaResult

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
TEXT = "#212b32"  # NHS.UK text colour
SECONDARY = "#4c6272"
SQUARE = "#005eb8"  # NHS blue
DIAMOND = "#003087"  # NHS dark blue
SUBGROUP = "#41b6e6"  # NHS light blue
WIDTH = 960
LEFT, PLOT_L, PLOT_R, EST_X, WEIGHT_X = 16, 330, 690, 700, 944
ROW = 22
FONT_SIZE = 13
MAX_LABEL = 40


@dataclass(frozen=True)
class _Row:
    kind: str  # header | project | subgroup | pooled | gap
    label: str
    estimate: float = float("nan")
    lower: float = float("nan")
    upper: float = float("nan")
    weight: float = float("nan")


def _fmt(x: float, digits: int = 2) -> str:
    if not math.isfinite(x):
        return "-"
    text = f"{abs(x):.{digits}f}"
    return ("\u2212" + text) if round(x, digits) < 0 else text


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "\u2026"


def _nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    span = hi - lo
    if span <= 0 or not math.isfinite(span):
        return [lo]
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks = []
    x = first
    while x <= hi + 1e-9 * span:
        ticks.append(round(x, 10))
        x += step
    return ticks


def _rows(meta: MetaResult, *, pooled: bool = True) -> list[_Row]:
    studies = meta.studies
    rows: list[_Row] = []

    def project(r: pd.Series) -> _Row:
        return _Row(
            "project",
            str(r[meta.label]),
            float(r["estimate"]),
            float(r["lower"]),
            float(r["upper"]),
            float(r["weight"]),
        )

    if not meta.subgroups.empty:
        mod = str(meta.subgroups["moderator"].iloc[0])
        for _, g in meta.subgroups.iterrows():
            rows.append(_Row("header", f"{mod}: {g['level']}"))
            members = studies[studies[mod].astype(str) == g["level"]]
            rows += [project(r) for _, r in members.iterrows()]
            rows.append(
                _Row(
                    "subgroup",
                    f"Subgroup ({int(g['k'])} project{'s' if int(g['k']) != 1 else ''})",
                    float(g["estimate"]),
                    float(g["lower"]),
                    float(g["upper"]),
                    float(g["weight"]),
                )
            )
            rows.append(_Row("gap", ""))
    else:
        rows += [project(r) for _, r in studies.iterrows()]
        rows.append(_Row("gap", ""))
    if not pooled:
        return rows
    rows.append(
        _Row(
            "pooled",
            f"Pooled ({meta.method}, {meta.k} projects)",
            meta.estimate,
            meta.lower,
            meta.upper,
            100.0,
        )
    )
    return rows


def _summary(meta: MetaResult, unit: str) -> str:
    level = f"{meta.confidence * 100:g}%"
    text = (
        f"{meta.k} projects. Pooled effect {_fmt(meta.estimate)} {unit} ({level} CI "
        f"{_fmt(meta.lower)} to {_fmt(meta.upper)}; {_p(meta.p_value)}), "
        f"{meta.method_text}. Heterogeneity: tau\u00b2 = {_fmt(meta.tau2, 3)}, "
        f"I\u00b2 = {meta.i2:.0f}%, Q = {meta.q:.1f} on {meta.q_df} df ({_p(meta.q_p)})."
    )
    if meta.moderators:
        text += (
            f" Meta-regression on {', '.join(meta.moderators)}: Q_M = {meta.qm:.2f} "
            f"on {meta.qm_df} df ({_p(meta.qm_p)}), R\u00b2 = {meta.r2:.0f}%."
        )
    if not meta.subgroups.empty:
        parts = [
            f"{g['level']}: {_fmt(g['estimate'])} ({_fmt(g['lower'])} to {_fmt(g['upper'])})"
            for _, g in meta.subgroups.iterrows()
        ]
        text += " By " + str(meta.subgroups["moderator"].iloc[0]) + ": " + "; ".join(parts) + "."
    return text


def forest_plot_svg(
    meta: MetaResult,
    *,
    title: str,
    unit: str,
    pooled: bool = True,
    footer: bool = True,
    directions: tuple[str, str] | None = None,
) -> str:
    """An accessible, self-contained SVG forest plot of ``meta`` (see the module docstring).

    ``unit`` names the scale of the effects, e.g. "percentage points change in the gap"; it
    labels the axis and is used in the description. ``pooled=False`` leaves out the overall
    diamond (when the projects differ too much to pool); ``footer=False`` leaves the
    heterogeneity statistics to the page; ``directions`` labels the two ends of the axis,
    e.g. ``("narrowed", "widened")``.
    """
    rows = _rows(meta, pooled=pooled)
    uid = (
        "forest-"
        + hashlib.sha1((title + "|" + "|".join(r.label for r in rows)).encode("utf-8")).hexdigest()[
            :10
        ]
    )
    values = [v for r in rows for v in (r.lower, r.upper, r.estimate) if math.isfinite(v)]
    lo, hi = (min([*values, 0.0]), max([*values, 0.0])) if values else (-1.0, 1.0)
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    ticks = _nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])

    def sx(v: float) -> float:
        return PLOT_L + (v - lo) / (hi - lo) * (PLOT_R - PLOT_L)

    top = 64
    body_h = ROW * len(rows)
    axis_y = top + body_h + 6
    footer_y = axis_y + 64
    n_foot = 1 + (1 if meta.moderators else 0)
    height = footer_y + ROW * n_foot + 8
    w_max = float(np.nanmax(meta.studies["weight"])) if len(meta.studies) else 1.0
    level = f"{meta.confidence * 100:g}%"

    out: list[str] = []
    add = out.append
    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-labelledby="{uid}-title {uid}-desc" '
        f'font-family="{escape(FONT)}" font-size="{FONT_SIZE}" fill="{TEXT}">'
    )
    add(f'<title id="{uid}-title">{escape(title)}</title>')
    add(f'<desc id="{uid}-desc">{escape(_summary(meta, unit))}</desc>')
    add(f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>')
    add(f'<text x="{LEFT}" y="24" font-size="16" font-weight="600">{escape(title)}</text>')
    head_y = top - 10
    add(f'<text x="{LEFT}" y="{head_y}" font-weight="600">{escape(meta.label.capitalize())}</text>')
    add(f'<text x="{EST_X}" y="{head_y}" font-weight="600">Estimate ({level} CI)</text>')
    add(f'<text x="{WEIGHT_X}" y="{head_y}" font-weight="600" text-anchor="end">Weight</text>')
    add(
        f'<line x1="{LEFT}" x2="{WEIGHT_X}" y1="{top - 4}" y2="{top - 4}" '
        f'stroke="{SECONDARY}" stroke-width="1"/>'
    )
    if lo <= 0 <= hi:
        add(
            f'<line x1="{sx(0):.1f}" x2="{sx(0):.1f}" y1="{top}" y2="{axis_y}" '
            f'stroke="{SECONDARY}" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    pooled_x = sx(meta.estimate) if pooled and math.isfinite(meta.estimate) else None
    if pooled_x is not None:
        add(
            f'<line x1="{pooled_x:.1f}" x2="{pooled_x:.1f}" y1="{top}" y2="{axis_y}" '
            f'stroke="{DIAMOND}" stroke-width="1" stroke-opacity="0.35"/>'
        )

    for i, r in enumerate(rows):
        cy = top + ROW * i + ROW / 2
        ty = cy + FONT_SIZE * 0.35
        if r.kind == "gap":
            continue
        bold = ' font-weight="600"' if r.kind in ("header", "pooled") else ""
        italic = ' font-style="italic"' if r.kind == "subgroup" else ""
        indent = 12 if r.kind in ("project", "subgroup") and not meta.subgroups.empty else 0
        add(
            f'<text x="{LEFT + indent}" y="{ty:.1f}"{bold}{italic}>'
            f"<title>{escape(r.label)}</title>{escape(_clip(r.label))}</text>"
        )
        if r.kind == "header" or not math.isfinite(r.estimate):
            continue
        est_text = f"{_fmt(r.estimate)} ({_fmt(r.lower)} to {_fmt(r.upper)})"
        add(f'<text x="{EST_X}" y="{ty:.1f}"{bold}>{escape(est_text)}</text>')
        add(f'<text x="{WEIGHT_X}" y="{ty:.1f}" text-anchor="end"{bold}>{r.weight:.1f}%</text>')
        x0, x1, xe = sx(r.lower), sx(r.upper), sx(r.estimate)
        if r.kind == "project":
            side = 4 + 12 * math.sqrt(max(r.weight, 0.0) / w_max) if w_max > 0 else 6
            add(
                f"<g><title>{escape(r.label)}: {escape(est_text)}, weight {r.weight:.1f}%"
                f'</title><line x1="{x0:.1f}" x2="{x1:.1f}" y1="{cy:.1f}" y2="{cy:.1f}" '
                f'stroke="{TEXT}" stroke-width="1.2"/>'
                f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{cy - 4:.1f}" y2="{cy + 4:.1f}" '
                f'stroke="{TEXT}" stroke-width="1.2"/>'
                f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{cy - 4:.1f}" y2="{cy + 4:.1f}" '
                f'stroke="{TEXT}" stroke-width="1.2"/>'
                f'<rect x="{xe - side / 2:.1f}" y="{cy - side / 2:.1f}" width="{side:.1f}" '
                f'height="{side:.1f}" fill="{SQUARE}"/></g>'
            )
        else:
            h = 7 if r.kind == "pooled" else 5.5
            colour = DIAMOND if r.kind == "pooled" else SUBGROUP
            add(
                f'<polygon points="{x0:.1f},{cy:.1f} {xe:.1f},{cy - h:.1f} {x1:.1f},{cy:.1f} '
                f'{xe:.1f},{cy + h:.1f}" fill="{colour}" stroke="{DIAMOND}" stroke-width="1">'
                f"<title>{escape(r.label)}: {escape(est_text)}</title></polygon>"
            )

    # axis
    add(
        f'<line x1="{PLOT_L}" x2="{PLOT_R}" y1="{axis_y}" y2="{axis_y}" stroke="{TEXT}" '
        'stroke-width="1"/>'
    )
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    digits = max(0, -math.floor(math.log10(step))) if step > 0 else 1
    for t in ticks:
        x = sx(t)
        add(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{axis_y}" y2="{axis_y + 5}" stroke="{TEXT}"/>')
        add(
            f'<text x="{x:.1f}" y="{axis_y + 19}" text-anchor="middle">'
            f"{escape(_fmt(t, int(digits)))}</text>"
        )
    add(
        f'<text x="{(PLOT_L + PLOT_R) / 2:.1f}" y="{axis_y + 37}" text-anchor="middle" '
        f'fill="{SECONDARY}">{escape(unit)}</text>'
    )

    if directions is not None:
        left = escape("\u2190 " + directions[0])
        right = escape(directions[1] + " \u2192")
        add(f'<text x="{PLOT_L}" y="{axis_y + 37}" font-weight="600">{left}</text>')
        add(
            f'<text x="{PLOT_R}" y="{axis_y + 37}" text-anchor="end" font-weight="600">'
            f"{right}</text>"
        )
    if not footer:
        add("</svg>")
        return "\n".join(out)
    het = (
        f"Heterogeneity: \u03c4\u00b2 = {_fmt(meta.tau2, 3)}, I\u00b2 = {meta.i2:.0f}%, "
        f"Q = {meta.q:.1f} (df = {meta.q_df}, {_p(meta.q_p)})"
    )
    add(f'<text x="{LEFT}" y="{footer_y:.1f}" fill="{SECONDARY}">{escape(het)}</text>')
    if meta.moderators:
        mods = (
            f"Moderators ({', '.join(meta.moderators)}): Q_M = {meta.qm:.2f} "
            f"(df = {meta.qm_df}, {_p(meta.qm_p)})"
        )
        add(f'<text x="{LEFT}" y="{footer_y + ROW:.1f}" fill="{SECONDARY}">{escape(mods)}</text>')
    add("</svg>")
    return "\n".join(out)
