"""Several groups over time on one chart (e.g. did-not-attend rate by IMD quintile).

Groups are told apart without colour (WCAG 2.2 SC 1.4.1): each has its own marker shape and
dash pattern as well as hue, a legend entry, and a direct label at the end of its line (direct
labelling is easier to read than a legend alone; labels are nudged apart so none overlap).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from equalqi.errors import ProblemCollector
from equalqi.services.report.svg_axes import date_to_days, time_domain
from equalqi.services.report.svg_colours import (
    REFERENCE_LINE,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_MARKERS,
    outline_colour,
)
from equalqi.services.report.svg_format import (
    axis_title,
    esc,
    format_period,
    format_value,
    join_words,
    period_style,
    plural,
    text_width,
    truncate,
)
from equalqi.services.report.svg_layout import (
    FONT,
    chart_id_for,
    draw_axes,
    finite_values,
    make_layout,
    marker_radius,
    no_data,
    svg_root,
    vline,
)
from equalqi.services.report.svg_marks import LegendItem, f1, line_path, marker, spread, text
from equalqi.services.report.svg_validate import numeric, require_columns, times


def _series_order(values: pd.Series) -> list[object]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().unique().tolist())
        return [c for c in values.cat.categories if c in present]
    return list(pd.unique(values.dropna()))


def line_chart_svg(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    title: str,
    unit: str,
    lower: str | None = None,
    upper: str | None = None,
    intervention: date | None = None,
    decimals: int = 1,
    width: int = 640,
    height: int = 320,
    y_title: str | None = None,
    chart_id: str | None = None,
) -> str:
    """Several groups over time on one chart, e.g. DNA rate by IMD quintile.

    Each group has its own colour, marker shape and dash pattern, a legend entry and a direct
    label at the end of its line, so the groups can be told apart without colour. ``lower`` and
    ``upper`` name optional interval columns, drawn as thin whiskers. Groups keep the order of
    a categorical ``series`` column, else their order of first appearance.
    """
    problems = ProblemCollector()
    needed = [x, y, series, *(c for c in (lower, upper) if c)]
    if not require_columns(frame, needed, chart=title, problems=problems):
        problems.raise_if_any()
    xv, is_time = times(frame, x, chart=title, problems=problems)
    yv = numeric(frame, y, chart=title, problems=problems)
    lo = numeric(frame, lower, chart=title, problems=problems) if lower else None
    hi = numeric(frame, upper, chart=title, problems=problems) if upper else None
    problems.raise_if_any()
    if not np.isfinite(yv).any():
        return no_data(title)
    groups = frame[series]
    names = _series_order(groups)
    iv = date_to_days(intervention) if (intervention is not None and is_time) else None
    dom = finite_values(yv, *(a for a in (lo, hi) if a is not None))
    x_domain = time_domain(xv, [iv] if iv is not None else [])
    pstyle = period_style(xv) if is_time else "number"
    styles = []
    for i, name in enumerate(names):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        styles.append(
            (
                str(name),
                colour,
                SERIES_MARKERS[i % len(SERIES_MARKERS)],
                SERIES_DASHES[(i + i // len(SERIES_MARKERS)) % len(SERIES_DASHES)],
            )
        )
    items = [
        LegendItem(n, "line", c, stroke=outline_colour(c), dash=dash, shape=shape)
        for n, c, shape, dash in styles
    ]
    if iv is not None:
        items.append(LegendItem("Intervention", "line", REFERENCE_LINE, dash="5 4"))
    label_w = min(max(text_width(n, FONT, bold=True) for n, *_ in styles) + 12.0, width * 0.35)
    u = unit
    lay = make_layout(
        width=width,
        height=height,
        title=title,
        title_size=15.0,
        legend_items=items,
        y_lo=float(dom.min()),
        y_hi=float(dom.max()),
        unit=u,
        y_title=y_title or axis_title(u),
        x_lo=x_domain[0],
        x_hi=x_domain[1],
        x_is_time=is_time,
        data_x=xv,
        right_pad=label_w,
    )
    gcodes = pd.Categorical(groups, categories=names).codes
    out: list[str] = []
    ends: list[tuple[float, str, str]] = []
    per_series_n = max(
        1, int(np.max(np.bincount(gcodes[gcodes >= 0])) if (gcodes >= 0).any() else 1)
    )
    r = marker_radius(lay.right - lay.left, per_series_n) * 0.9
    latest: list[str] = []
    for k, (name, colour, shape, dash) in enumerate(styles):
        rows = np.flatnonzero(gcodes == k)
        rows = rows[np.argsort(xv[rows], kind="stable")]
        sx, sy = lay.xs(xv[rows]), lay.ys(yv[rows])
        g = [f'<g class="eqi-series" data-series="{esc(name)}">']
        if lo is not None and hi is not None:
            for i, row in enumerate(rows):
                if np.isfinite(lo[row]) and np.isfinite(hi[row]) and np.isfinite(sx[i]):
                    g.append(
                        f'<line class="eqi-whisker" x1="{f1(sx[i])}" '
                        f'y1="{f1(lay.ys.one(lo[row]))}" x2="{f1(sx[i])}" '
                        f'y2="{f1(lay.ys.one(hi[row]))}" stroke="{colour}" '
                        'stroke-width="1.2" stroke-opacity="0.6"/>'
                    )
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        g.append(
            f'<path d="{line_path(sx, sy)}" fill="none" stroke="{colour}" stroke-width="2"'
            f'{dash_attr} stroke-linejoin="round"/>'
        )
        for i, row in enumerate(rows):
            if not np.isfinite(yv[row]):
                continue
            tip = f"{name}, {format_period(float(xv[row]), pstyle)}: "
            tip += format_value(float(yv[row]), u, decimals)
            if lo is not None and hi is not None and np.isfinite(lo[row]) and np.isfinite(hi[row]):
                tip += (
                    f" ({format_value(float(lo[row]), u, decimals)} to "
                    f"{format_value(float(hi[row]), u, decimals)})"
                )
            g.append(
                marker(
                    shape,
                    float(sx[i]),
                    float(sy[i]),
                    r,
                    fill=colour,
                    stroke=outline_colour(colour),
                    tooltip=tip,
                )
            )
        g.append("</g>")
        out.append("".join(g))
        fin = np.isfinite(yv[rows])
        if fin.any():
            last = rows[fin][-1]
            ends.append((float(lay.ys.one(yv[last])), name, colour))
            latest.append(
                f"{name} {format_value(float(yv[last]), u, decimals)} "
                f"({format_period(float(xv[last]), pstyle)})"
            )
    if ends:
        ys = spread(np.array([e[0] for e in ends]), FONT + 2.0, lay.top, lay.bottom)
        labels = [
            text(
                lay.right + 6.0,
                float(yy),
                truncate(name, label_w - 8.0, FONT, bold=True),
                size=FONT,
                fill=colour,
                bold=True,
                middle=True,
            )
            for (_, name, colour), yy in zip(ends, ys, strict=True)
        ]
        out.append('<g class="eqi-direct-labels">' + "".join(labels) + "</g>")
    if iv is not None:
        out.append(vline(lay, iv, "Intervention"))
    valid = np.isfinite(yv)
    xs_valid = xv[valid]
    desc = [title.rstrip(".") + "." if title else ""]
    desc.append(
        f"Line chart of {plural(len(names), 'group')} ({join_words([s[0] for s in styles])}) "
        f"from {format_period(float(xs_valid.min()), pstyle)} "
        f"to {format_period(float(xs_valid.max()), pstyle)}."
    )
    if latest:
        desc.append("Latest values: " + "; ".join(latest) + ".")
    if iv is not None:
        desc.append(f"The intervention started in {format_period(iv, pstyle)}.")
    body = lay.header + draw_axes(lay, u) + "".join(out)
    cid = chart_id or chart_id_for("line", title, [frame], (width, height))
    return svg_root(cid, lay.width, lay.height, title, " ".join(s for s in desc if s), body)
