"""SPC charts in the NHS "Making Data Count" style: one chart, small multiples, the gap.

Drawing follows NHSRplotthedots' ``ptd_create_ggplot()``: upper and lower process limits (grey,
dashed), target (red, dashed), mean (black, solid), the value line (grey) and the points
coloured by variation type, in that order, so points sit on top. Limits that vary with the
denominator (P and U charts, qicharts2) are drawn as steps centred on each point; limits, mean
and value line break between phases (NHSRplotthedots' default ``break_lines = "both"``).
``lcl_2s``/``ucl_2s`` (two-sigma lines) are drawn only on request, as NHSRplotthedots and
qicharts2 (``show.95``) leave them off by default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from equalqi.errors import InputError, Problem, ProblemCollector
from equalqi.services.report.svg_axes import date_to_days, time_domain
from equalqi.services.report.svg_colours import (
    BAND,
    MDC_COLOURS,
    NHS_BLUE,
    REFERENCE_LINE,
    SECONDARY_TEXT,
    TEXT,
    SpcColours,
    outline_colour,
)
from equalqi.services.report.svg_format import (
    FONT_STACK,
    axis_title,
    esc,
    format_number,
    format_period,
    format_tick,
    format_value,
    join_words,
    period_style,
    plural,
    resolve_unit,
    text_width,
    unit_kind,
)
from equalqi.services.report.svg_layout import (
    FONT,
    Layout,
    chart_id_for,
    draw_axes,
    finite_values,
    hline,
    make_layout,
    marker_radius,
    no_data,
    svg_root,
    title_lines,
    value_range,
    vline,
)
from equalqi.services.report.svg_marks import (
    LegendItem,
    band_path,
    line_path,
    marker,
    spread,
    step_path,
    swatch,
    text,
)
from equalqi.services.report.svg_validate import SeriesData, numeric, read_series, times

FloatArray = npt.NDArray[np.float64]

CLASS_LABELS = {
    "common": "Common cause",
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral": "Special cause: neither improvement nor concern",
}
# shorter legend labels for charts narrower than 480 px, so the legend keeps to two rows
CLASS_LABELS_SHORT = {
    "common": "Common cause",
    "improvement": "Improvement",
    "concern": "Concern",
    "neutral": "Special cause: neither",
}
CLASS_PHRASES = {
    "improvement": "improvement",
    "concern": "concern",
    "neutral": "neither improvement nor concern",
}


@dataclass(frozen=True)
class _SpcStyle:
    colours: SpcColours
    plain_colour: str | None = None  # draw every point and the line in this colour (not SPC)
    band_label: str = "Interval"
    reference: float | None = None
    reference_label: str = "No gap"
    value_label: str = "Value"


def _spc_legend(
    d: SeriesData,
    style: _SpcStyle,
    target: float | None,
    two_sigma: bool,
    *,
    unit: str,
    decimals: int,
    short: bool = False,
) -> list[LegendItem]:
    valid = np.isfinite(d.y)
    return _legend_items(
        style,
        unit=unit,
        decimals=decimals,
        short=short,
        classes=set(d.classification[valid].tolist()),
        has_cl=bool(np.isfinite(d.cl).any()),
        has_limits=d.has_limits,
        has_band=d.has_band,
        target=target,
        two_sigma=two_sigma,
    )


def _legend_items(
    style: _SpcStyle,
    *,
    unit: str,
    decimals: int,
    short: bool = False,
    classes: set[str],
    has_cl: bool,
    has_limits: bool,
    has_band: bool,
    target: float | None,
    two_sigma: bool,
) -> list[LegendItem]:
    """Legend entries for what is drawn: point types present, then lines (MDC order)."""
    c = style.colours
    items: list[LegendItem] = []
    if style.plain_colour is not None:
        items.append(
            LegendItem(
                style.value_label,
                "line",
                style.plain_colour,
                stroke=outline_colour(style.plain_colour),
            )
        )
    else:
        for cls in ("common", "improvement", "concern", "neutral"):
            if cls == "common" or cls in classes:
                fill = c.for_classification(cls)
                name = (CLASS_LABELS_SHORT if short else CLASS_LABELS)[cls]
                items.append(LegendItem(name, "point", fill, stroke=outline_colour(fill)))
    if has_band:
        items.append(LegendItem(style.band_label, "band", BAND, opacity=0.18))
    if has_cl:
        items.append(LegendItem("Mean", "line", c.mean_line, width=1.5))
    if has_limits:
        items.append(LegendItem("Process limits", "line", c.upl, dash="6 4", width=1.5))
    if two_sigma:
        items.append(LegendItem("2-sigma limits", "line", c.upl, dash="1 3", width=1.2))
    if target is not None:
        label = f"Target {format_value(target, unit, decimals)}"
        items.append(LegendItem(label, "line", c.target, dash="6 4", width=1.5))
    if style.reference is not None:
        items.append(LegendItem(style.reference_label, "line", REFERENCE_LINE, dash="0 4", width=2))
    return items


def _lower_first(label: str) -> str:
    """ "Interval" -> "interval" mid-sentence, but "CI" and "95% CI" stay as written."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _last_finite(values: FloatArray) -> float:
    f = values[np.isfinite(values)]
    return float(f[-1]) if f.size else float("nan")


def _spc_description(
    d: SeriesData,
    *,
    title: str,
    unit: str,
    decimals: int,
    target: float | None,
    intervention: float | None,
    style: _SpcStyle,
    kind: str,
) -> str:
    valid = np.isfinite(d.y)
    n = int(valid.sum())
    pstyle = period_style(d.x) if d.is_time else "number"

    def period(v: float) -> str:
        return format_period(v, pstyle) if d.is_time else format_number(v, 0)

    def val(v: float) -> str:
        return format_value(v, unit, decimals)

    xs, ys = d.x[valid], d.y[valid]
    s: list[str] = []
    if title:
        s.append(title.rstrip(".") + ".")
    span = f"from {period(xs[0])} to {period(xs[-1])}" if n > 1 else f"for {period(xs[0])}"
    s.append(f"{kind} of {plural(n, 'period')} {span}.")
    latest = f"The latest value is {val(ys[-1])} ({period(xs[-1])})"
    if d.has_band:
        lo, hi = d.lower[valid][-1], d.upper[valid][-1]
        if math.isfinite(lo) and math.isfinite(hi):
            latest += f", {_lower_first(style.band_label)} {val(lo)} to {val(hi)}"
    s.append(latest + ".")
    if n > 1:
        lo_i, hi_i = int(np.argmin(ys)), int(np.argmax(ys))
        s.append(
            f"Values range from {val(ys[lo_i])} ({period(xs[lo_i])}) "
            f"to {val(ys[hi_i])} ({period(xs[hi_i])})."
        )
    last_phase = d.phase[valid][-1]
    in_phase = d.phase == last_phase
    phases = np.unique(d.phase[valid])
    cl = _last_finite(np.where(in_phase, d.cl, np.nan))
    if math.isfinite(cl):
        sentence = f"The mean is {val(cl)}"
        lcl = _last_finite(np.where(in_phase, d.lcl, np.nan))
        ucl = _last_finite(np.where(in_phase, d.ucl, np.nan))
        if math.isfinite(lcl) and math.isfinite(ucl):
            sentence += f" and the process limits are {val(lcl)} to {val(ucl)}"
        elif math.isfinite(ucl):
            sentence += f" and the upper process limit is {val(ucl)}"
        elif math.isfinite(lcl):
            sentence += f" and the lower process limit is {val(lcl)}"
        if phases.size > 1:
            sentence += " in the latest phase"
        s.append(sentence + ".")
    if style.plain_colour is None:
        counts = {c: int(np.sum(d.classification[valid] == c)) for c in CLASS_PHRASES}
        special = sum(counts.values())
        if special == 0:
            s.append("No point shows special cause variation; all variation is common cause.")
        else:
            kinds = [f"{counts[c]} {CLASS_PHRASES[c]}" for c in CLASS_PHRASES if counts[c]]
            verb = "shows" if special == 1 else "show"
            s.append(
                f"{plural(special, 'point')} {verb} special cause variation: {join_words(kinds)}."
            )
    if style.reference is not None and d.has_band:
        lo, hi = d.lower[valid], d.upper[valid]
        ref = style.reference
        both = np.isfinite(lo) & np.isfinite(hi)
        excl = int(np.sum(both & ((lo > ref) | (hi < ref))))
        s.append(
            f"The {_lower_first(style.band_label)} excludes {format_number(ref, decimals)} "
            f"in {excl} of {plural(int(both.sum()), 'period')}."
        )
    if target is not None:
        s.append(f"The target is {val(target)}.")
    if intervention is not None:
        s.append(f"The intervention started in {period(intervention)}.")
    if phases.size > 1:
        starts = [period(float(d.x[valid][d.phase[valid] == p][0])) for p in phases[1:]]
        s.append(f"The limits were recalculated from {join_words(starts)}.")
    missing = d.n - n
    if missing:
        s.append(f"{plural(missing, 'period')} {'has' if missing == 1 else 'have'} no value.")
    return " ".join(s)


def _spc_body(
    d: SeriesData,
    lay: Layout,
    *,
    unit: str,
    decimals: int,
    target: float | None,
    intervention: float | None,
    intervention_label: str,
    style: _SpcStyle,
    label_limits: bool,
    two_sigma: FloatArray | None,
    break_lines: bool,
) -> str:
    c = style.colours
    px = lay.xs(d.x)
    out: list[str] = []
    pstyle = period_style(d.x) if d.is_time else "number"
    groups = d.phase if break_lines else None
    if d.has_band:
        out.append(
            f'<path class="eqi-band" d="{band_path(px, lay.ys(d.lower), lay.ys(d.upper))}" '
            f'fill="{BAND}" fill-opacity="0.18" stroke="none"/>'
        )
    if style.reference is not None:
        out.append(
            hline(
                lay,
                style.reference,
                colour=REFERENCE_LINE,
                dash="0 4",
                width=2.0,
                cls="eqi-reference",
            )
        )
    half = float(np.clip((lay.right - lay.left) / max(d.n, 1) / 3.0, 3.0, 24.0))
    for values, colour, cls in ((d.ucl, c.upl, "eqi-ucl"), (d.lcl, c.lpl, "eqi-lcl")):
        path = step_path(px, lay.ys(values), d.phase, half=half)
        if path:
            out.append(
                f'<path class="{cls}" d="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="1.5" stroke-dasharray="6 4"/>'
            )
    if two_sigma is not None:
        for k in range(2):
            path = step_path(px, lay.ys(two_sigma[k]), d.phase, half=half)
            if path:
                out.append(
                    f'<path class="eqi-2sigma" d="{path}" fill="none" stroke="{c.upl}" '
                    f'stroke-width="1.2" stroke-dasharray="1 3"/>'
                )
    if target is not None:
        out.append(
            hline(
                lay,
                target,
                colour=c.target,
                dash="6 4",
                width=1.5,
                cls="eqi-target",
            )
        )
    cl_path = step_path(px, lay.ys(d.cl), d.phase, half=half)
    if cl_path:
        out.append(
            f'<path class="eqi-cl" d="{cl_path}" fill="none" stroke="{c.mean_line}" '
            f'stroke-width="1.5"/>'
        )
    py = lay.ys(d.y)
    line_colour = style.plain_colour or c.value_line
    out.append(
        f'<path class="eqi-value-line" d="{line_path(px, py, groups)}" fill="none" '
        f'stroke="{line_colour}" stroke-width="2" stroke-linejoin="round"/>'
    )
    r = marker_radius(lay.right - lay.left, d.n)
    pts = ['<g class="eqi-points">']
    for i in np.flatnonzero(np.isfinite(d.y)):
        cls = str(d.classification[i])
        fill = style.plain_colour or c.for_classification(cls)
        tip = f"{format_period(float(d.x[i]), pstyle) if d.is_time else format_number(d.x[i], 0)}"
        tip += f": {format_value(float(d.y[i]), unit, decimals)}"
        if d.has_band and np.isfinite(d.lower[i]) and np.isfinite(d.upper[i]):
            tip += (
                f" ({format_value(float(d.lower[i]), unit, decimals)} to "
                f"{format_value(float(d.upper[i]), unit, decimals)})"
            )
        if style.plain_colour is None and cls != "common":
            tip += f", special cause: {CLASS_PHRASES[cls]}"
        pts.append(
            marker(
                "circle",
                float(px[i]),
                float(py[i]),
                r,
                fill=fill,
                stroke=outline_colour(fill),
                extra=f'data-classification="{cls}"',
                tooltip=tip,
            )
        )
    pts.append("</g>")
    out.append("".join(pts))
    if intervention is not None:
        out.append(vline(lay, intervention, intervention_label))
    if label_limits:
        out.append(_limit_labels(d, lay, unit, decimals, c))
    return "".join(out)


def _limit_labels(d: SeriesData, lay: Layout, unit: str, decimals: int, c: SpcColours) -> str:
    """Values of the latest mean and limits beside their line ends (as qicharts2 labels them)."""
    vals, fills = [], []
    for arr, fill in ((d.ucl, SECONDARY_TEXT), (d.cl, TEXT), (d.lcl, SECONDARY_TEXT)):
        v = _last_finite(arr)
        if math.isfinite(v):
            vals.append(v)
            fills.append(fill)
    if not vals:
        return ""
    ys = spread(lay.ys(np.array(vals)), FONT + 2.0, lay.top, lay.bottom)
    return (
        '<g class="eqi-limit-labels">'
        + "".join(
            text(
                lay.right + 4.0,
                float(y),
                format_tick(v, decimals, unit),
                size=FONT,
                fill=fill,
                middle=True,
            )
            for v, y, fill in zip(vals, ys, fills, strict=True)
        )
        + "</g>"
    )


def _limit_label_width(d: SeriesData, unit: str, decimals: int) -> float:
    widths = [
        text_width(format_tick(_last_finite(a), decimals, unit), FONT)
        for a in (d.ucl, d.cl, d.lcl)
        if math.isfinite(_last_finite(a))
    ]
    return max(widths) + 10.0 if widths else 0.0


def _spc_domain(
    d: SeriesData, target: float | None, reference: float | None, two_sigma: FloatArray | None
) -> FloatArray:
    extra = [v for v in (target, reference) if v is not None]
    arrays: list[FloatArray | Sequence[float]] = [d.y, d.cl, d.lcl, d.ucl, d.lower, d.upper, extra]
    if two_sigma is not None:
        arrays.append(two_sigma.ravel())
    return finite_values(*arrays)


def _two_sigma(frame: pd.DataFrame, d: SeriesData, show: bool, chart: str) -> FloatArray | None:
    if not show or not {"lcl_2s", "ucl_2s"} <= set(frame.columns):
        return None
    problems = ProblemCollector()
    xs, _ = times(frame, "x", chart=chart, problems=problems)
    order = np.argsort(np.where(np.isfinite(xs), xs, np.inf), kind="stable")
    lo = numeric(frame, "lcl_2s", chart=chart, problems=problems)[order]
    hi = numeric(frame, "ucl_2s", chart=chart, problems=problems)[order]
    problems.raise_if_any()
    return np.vstack([lo, hi])


def _render_series(
    frame: pd.DataFrame,
    d: SeriesData,
    *,
    title: str,
    unit: str,
    width: float,
    height: float,
    intervention: date | None,
    intervention_label: str,
    target: float | None,
    decimals: int,
    style: _SpcStyle,
    y_title: str,
    kind: str,
    label_limits: bool | None,
    show_2sigma: bool,
    break_lines: bool,
    chart_id: str | None,
    title_size: float = 15.0,
    reserve_title_lines: int = 0,
    y_domain: tuple[float, float] | None = None,
    x_domain: tuple[float, float] | None = None,
    show_legend: bool = True,
    id_kind: str = "spc",
) -> str:
    two_sigma = _two_sigma(frame, d, show_2sigma, title)
    iv = date_to_days(intervention) if intervention is not None else None
    if iv is not None and not d.is_time:
        iv = None
    if y_domain is None:
        dom = _spc_domain(d, target, style.reference, two_sigma)
        y_domain = value_range(dom)
    if x_domain is None:
        x_domain = time_domain(d.x, [iv] if iv is not None else [])
    labels = (width >= 480) if label_limits is None else label_limits
    labels = bool(labels) and (d.has_limits or bool(np.isfinite(d.cl).any()))
    right_pad = _limit_label_width(d, unit, decimals) + 4.0 if labels else 0.0
    items = (
        _spc_legend(
            d,
            style,
            target,
            two_sigma is not None,
            unit=unit,
            decimals=decimals,
            short=width < 480,
        )
        if show_legend
        else []
    )
    lay = make_layout(
        width=width,
        height=height,
        title=title,
        title_size=title_size,
        reserve_title_lines=reserve_title_lines,
        legend_items=items,
        y_lo=y_domain[0],
        y_hi=y_domain[1],
        unit=unit,
        y_title=y_title,
        x_lo=x_domain[0],
        x_hi=x_domain[1],
        x_is_time=d.is_time,
        data_x=d.x,
        right_pad=right_pad,
    )
    body = _spc_body(
        d,
        lay,
        unit=unit,
        decimals=decimals,
        target=target,
        intervention=iv,
        intervention_label=intervention_label,
        style=style,
        label_limits=bool(labels),
        two_sigma=two_sigma,
        break_lines=break_lines,
    )
    desc = _spc_description(
        d,
        title=title,
        unit=unit,
        decimals=decimals,
        target=target,
        intervention=iv,
        style=style,
        kind=kind,
    )
    cid = chart_id or chart_id_for(id_kind, title, [frame], (width, height))
    return svg_root(
        cid, lay.width, lay.height, title, desc, lay.header + draw_axes(lay, unit) + body
    )


def spc_chart_svg(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str = "",
    multiplier: float = 1.0,
    width: int = 640,
    height: int = 300,
    intervention: date | None = None,
    target: float | None = None,
    decimals: int = 1,
    y_title: str | None = None,
    intervention_label: str = "Intervention",
    label_limits: bool | None = None,
    show_2sigma: bool = False,
    break_lines: bool = True,
    colours: SpcColours = MDC_COLOURS,
    chart_id: str | None = None,
) -> str:
    """An SPC chart (NHS "Making Data Count" style) as an accessible inline SVG string.

    ``frame`` is the SPC engine's tidy output: ``x`` (period start), ``y`` (plotted value,
    already multiplied), ``cl``, ``lcl``, ``ucl`` (may be NaN, may step between phases),
    optional ``lcl_2s``/``ucl_2s``, ``signal``, ``classification``
    (improvement|concern|neutral|common, or NHSRplotthedots' ``special_cause_*`` names) and
    ``phase``. ``unit`` is the display unit ("%", "per 1,000", "days", "£"); when empty it is
    implied by ``multiplier`` (100 → "%", 1,000 → "per 1,000"). ``target`` is on the plotted
    scale. ``label_limits`` prints the latest mean and limits at the right (default: when the
    chart is at least 480 px wide). Returns a short ``<p>`` message when there is nothing to draw.
    """
    problems = ProblemCollector()
    d = read_series(frame, chart=title, problems=problems)
    problems.raise_if_any()
    assert d is not None
    if not np.isfinite(d.y).any():
        return no_data(title)
    u = resolve_unit(unit, multiplier)
    return _render_series(
        frame,
        d,
        title=title,
        unit=u,
        width=width,
        height=height,
        intervention=intervention,
        intervention_label=intervention_label,
        target=target,
        decimals=decimals,
        style=_SpcStyle(colours=colours),
        y_title=y_title or axis_title(u),
        kind="Statistical process control chart",
        label_limits=label_limits,
        show_2sigma=show_2sigma,
        break_lines=break_lines,
        chart_id=chart_id,
    )


def _html_legend(items: Sequence[LegendItem]) -> str:
    """A legend as an HTML list (wraps naturally above a grid of panels)."""
    lis = []
    for item in items:
        pic = swatch(item, 1.0, 8.0)
        lis.append(
            '<li style="display:flex;align-items:center;gap:0.4em;margin:0">'
            '<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" '
            f'width="26" height="16" viewBox="0 0 26 16">{pic}</svg>'
            f"<span>{esc(item.label)}</span></li>"
        )
    return (
        '<ul class="eqi-legend" style="list-style:none;margin:0 0 0.75em;padding:0;'
        f"display:flex;flex-wrap:wrap;gap:0.25em 1.25em;font-size:14px;color:{TEXT};"
        f'font-family:{esc(FONT_STACK)}">' + "".join(lis) + "</ul>"
    )


def small_multiples_svg(
    frames: Mapping[str, pd.DataFrame],
    *,
    unit: str,
    multiplier: float = 1.0,
    shared_y: bool = True,
    columns: int = 3,
    intervention: date | None = None,
    decimals: int = 1,
    panel_width: int = 360,
    panel_height: int = 250,
    target: float | None = None,
    title: str = "",
    colours: SpcColours = MDC_COLOURS,
) -> str:
    """One SPC panel per group, on a shared y scale by default, as an HTML fragment.

    The fragment is a ``<div>`` holding one legend (an HTML list) and a CSS grid of at most
    ``columns`` columns that wraps to fewer on narrow screens; every panel is an accessible SVG
    titled with its group label. The x scale is always shared, so periods line up down the grid.
    """
    if columns < 1:
        raise InputError(
            Problem(
                what="The number of columns for small multiples must be at least 1",
                fix="Give columns=1 or more.",
                value=str(columns),
            )
        )
    problems = ProblemCollector()
    series: dict[str, SeriesData] = {}
    for label, frame in frames.items():
        d = read_series(frame, chart=str(label), problems=problems)
        if d is not None:
            series[str(label)] = d
    problems.raise_if_any()
    heading = title or "Statistical process control charts by group"
    drawable = {k: v for k, v in series.items() if np.isfinite(v.y).any()}
    if not drawable:
        return no_data(heading)
    u = resolve_unit(unit, multiplier)
    iv = date_to_days(intervention) if intervention is not None else None
    all_time = all(d.is_time for d in drawable.values())
    all_x = np.concatenate([d.x for d in drawable.values()])
    x_domain = time_domain(all_x, [iv] if (iv is not None and all_time) else [])
    y_domain = None
    if shared_y:
        y_domain = value_range(
            np.concatenate([_spc_domain(d, target, None, None) for d in drawable.values()])
        )
    reserve = max(len(title_lines(k, panel_width, 13.0)) for k in drawable)
    style = _SpcStyle(colours=colours)
    ds = list(drawable.values())
    legend_items = _legend_items(
        style,
        unit=u,
        decimals=decimals,
        classes={c for d in ds for c in d.classification[np.isfinite(d.y)].tolist()},
        has_cl=any(bool(np.isfinite(d.cl).any()) for d in ds),
        has_limits=any(d.has_limits for d in ds),
        has_band=False,
        target=target,
        two_sigma=False,
    )
    if intervention is not None:
        legend_items.append(LegendItem("Intervention", "line", REFERENCE_LINE, dash="5 4"))
    panels: list[str] = []
    for label, frame in frames.items():
        key = str(label)
        d = series[key]
        if key not in drawable:
            body = no_data(key, "no points shown: hidden to protect privacy, or no records")
        else:
            body = _render_series(
                frame,
                d,
                title=key,
                unit=u,
                width=panel_width,
                height=panel_height,
                intervention=intervention if d.is_time else None,
                intervention_label="Intervention",
                target=target,
                decimals=decimals,
                style=style,
                y_title=axis_title(u),
                kind="Statistical process control chart",
                label_limits=False,
                show_2sigma=False,
                break_lines=True,
                chart_id=None,
                title_size=13.0,
                reserve_title_lines=reserve,
                y_domain=y_domain,
                x_domain=x_domain,
                show_legend=False,
                id_kind=f"sm{len(panels)}",
            )
        panels.append(
            '<div class="eqi-panel" style="min-width:0;break-inside:avoid;'
            f'page-break-inside:avoid">{body}</div>'
        )
    gaps = columns - 1
    grid = (
        "display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,"
        f"minmax(max(280px,calc((100% - {gaps}rem) / {columns})),1fr))"
    )
    scale_note = (
        "All panels share the same vertical scale."
        if shared_y
        else "Each panel has its own vertical scale: compare shapes, not heights."
    )
    return (
        f'<div class="eqi-small-multiples" role="group" aria-label="{esc(heading)}">'
        + _html_legend(legend_items)
        + f'<p class="eqi-scale-note" style="margin:0 0 0.75em;font-size:14px;color:{TEXT}">'
        + f"{esc(scale_note)}</p>"
        + f'<div class="eqi-grid" style="{grid}">'
        + "".join(panels)
        + "</div></div>"
    )


def gap_chart_svg(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str,
    intervention: date | None = None,
    decimals: int = 1,
    zero_line: bool = True,
    width: int = 640,
    height: int = 300,
    reference: float = 0.0,
    interval_label: str = "Interval",
    y_title: str | None = None,
    colours: SpcColours = MDC_COLOURS,
    chart_id: str | None = None,
) -> str:
    """The gap between groups over time, its interval shaded and a "no gap" reference line.

    ``frame`` has ``x``, ``gap`` and optionally ``lower``/``upper`` (the interval; NaN where
    unknown). With ``cl``/``lcl``/``ucl``/``classification`` columns the gap is drawn as an SPC
    chart (MDC colours). A gap in a percentage measure is a difference of percentages, so
    ``unit="%"`` is shown as percentage points. ``reference`` is the no-gap value (0 for a
    difference; pass 1 for a ratio).
    """
    problems = ProblemCollector()
    band = ("lower", "upper") if {"lower", "upper"} <= set(frame.columns) else None
    d = read_series(frame, chart=title, y="gap", band=band, problems=problems)
    problems.raise_if_any()
    assert d is not None
    if not np.isfinite(d.y).any():
        return no_data(title)
    u = "pp" if unit_kind(unit) == "percent" else unit
    spc_mode = bool({"cl", "classification"} & set(frame.columns))
    style = _SpcStyle(
        colours=colours,
        plain_colour=None if spc_mode else NHS_BLUE,
        band_label=interval_label,
        reference=reference if zero_line else None,
        reference_label="No gap" if reference == 0 else f"No gap ({format_number(reference, 1)})",
        value_label="Gap",
    )
    return _render_series(
        frame,
        d,
        title=title,
        unit=u,
        width=width,
        height=height,
        intervention=intervention,
        intervention_label="Intervention",
        target=None,
        decimals=decimals,
        style=style,
        y_title=y_title or axis_title(u, prefix="Gap"),
        kind="Chart of the gap between groups" if not spc_mode else "SPC chart of the gap",
        label_limits=None,
        show_2sigma=False,
        break_lines=True,
        chart_id=chart_id,
        id_kind="gap",
    )
