"""Vega-Lite specs and their data tables for the analysis page, built at analysis time from
the disclosed (or team) SPC frames and stored with the run, so a page request only renders.

Each dimension gets one chart of every group's measure over time (a line per group, with the
intervention marked) and, where a pair is compared, an SPC chart of the gap (centre line and
limits per phase, signals highlighted). Every chart comes with a table of the same numbers
as its text alternative. Specs are plain dicts (Vega-Lite v5), rendered in the page by
vega-embed served from the app itself.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from equalqi.services.report.svg_colours import SpcColours

SPC = SpcColours()

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    spec: dict[str, Any]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chart:
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            description=str(data["description"]),
            spec=dict(data["spec"]),
            columns=tuple(data["columns"]),
            rows=tuple(tuple(r) for r in data["rows"]),
        )


def _fmt(value: Any, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    return str(value)


def _records(frame: pd.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
    out = frame[cols].copy()
    out["x"] = pd.to_datetime(out["x"]).dt.strftime("%Y-%m-%d")
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in out.to_dict(orient="records")
    ]


#: Making Data Count colours, as NHSRplotthedots' ``ptd_spc_colours()`` and the report's
#: SVG charts (:mod:`equalqi.services.report.svg_colours`), with the report's legend words.
_VARIATION = {
    "common_cause": ("Common cause", SPC.common_cause),
    "special_cause_improvement": ("Special cause: improvement", SPC.special_cause_improvement),
    "special_cause_concern": ("Special cause: concern", SPC.special_cause_concern),
    "special_cause_neutral": ("Special cause: neither", SPC.special_cause_neutral),
}


Hidden = frozenset[tuple[str, str, pd.Timestamp]]  # (dimension, group, period) not shown


def group_chart(
    charts: pd.DataFrame,
    dimension: str,
    *,
    unit: str,
    intervention: str | None,
    index: int,
    hidden: Hidden = frozenset(),
) -> Chart:
    """One SPC panel per group (small multiples on a shared axis), styled as the report:
    the value line, the mean and process limits per phase, and points coloured by Making
    Data Count variation. Hidden points are not drawn (the table says which)."""
    sub = charts[charts["dimension"] == dimension].copy()
    groups = list(dict.fromkeys(sub["group"].astype(str)))
    sub["group"] = sub["group"].astype(str)
    if "point_type" not in sub.columns:
        sub["point_type"] = "common_cause"
    for c in ("cl", "lcl", "ucl", "phase"):
        if c not in sub.columns:
            sub[c] = float("nan") if c != "phase" else 0
    sub["variation"] = sub["point_type"].map(
        lambda t: _VARIATION.get(str(t), _VARIATION["common_cause"])[0]
    )
    data = _records(sub, ["x", "group", "y", "n", "cl", "lcl", "ucl", "phase", "variation"])
    x = {"field": "x", "type": "temporal", "title": None, "axis": {"format": "%b %Y"}}
    y = {"field": "y", "type": "quantitative", "title": unit, "scale": {"zero": False}}

    def limit(field: str, colour: str, dash: list[int] | None = None) -> dict[str, Any]:
        mark: dict[str, Any] = {"type": "line", "color": colour, "strokeWidth": 1}
        if dash:
            mark["strokeDash"] = dash
        return {
            "mark": mark,
            "encoding": {"x": x, "y": {**y, "field": field}, "detail": {"field": "phase"}},
        }

    labels = [v[0] for v in _VARIATION.values()]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "color": SPC.value_line, "strokeWidth": 1.5},
            "encoding": {"x": x, "y": y},
        },
        limit("cl", SPC.mean_line),
        limit("lcl", SPC.lpl, [4, 3]),
        limit("ucl", SPC.upl, [4, 3]),
        {
            "mark": {"type": "point", "filled": True, "size": 36, "opacity": 1},
            "encoding": {
                "x": x,
                "y": y,
                "color": {
                    "field": "variation",
                    "type": "nominal",
                    "title": "Variation",
                    "scale": {"domain": labels, "range": [v[1] for v in _VARIATION.values()]},
                },
                "tooltip": [
                    {"field": "group", "title": "Group"},
                    {"field": "x", "type": "temporal", "title": "Period", "format": "%B %Y"},
                    {"field": "y", "title": unit, "format": ".1f"},
                    {"field": "n", "title": "Denominator", "format": ","},
                    {"field": "variation", "title": "Variation"},
                ],
            },
        },
    ]
    if intervention:
        layers.append(
            {
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#425563"},
                "encoding": {"x": {"datum": _datetime(intervention), "type": "temporal"}},
            }
        )
    spec = {
        "$schema": SCHEMA,
        "description": f"{unit} by {dimension} over time: one SPC panel per group",
        "data": {"values": data},
        "facet": {"field": "group", "type": "nominal", "title": None, "sort": groups},
        "columns": 2,
        "spec": {"width": 300, "height": 150, "layer": layers},
    }
    table = sub.pivot_table(index="x", columns="group", values="y", aggfunc="first")
    periods = {p for d, g, p in hidden if d == dimension and g in groups}
    table = table.reindex(index=sorted(set(table.index) | periods), columns=groups)

    def cell(x: pd.Timestamp, group: str, value: float) -> str:
        # hidden to protect privacy is not the same as no data: say which
        return "hidden" if (dimension, group, pd.Timestamp(x)) in hidden else _fmt(value)

    rows = tuple(
        (
            pd.Timestamp(x).strftime("%B %Y"),
            *(cell(x, g, v) for g, v in zip(groups, vals, strict=True)),
        )
        for x, vals in zip(table.index, table.to_numpy(), strict=True)
    )
    return Chart(
        id=f"chart-{index}",
        title=f"{dimension}: each group over time",
        description=f"SPC charts of {unit}, one for each group of {dimension}, by period; "
        "points coloured by Making Data Count variation.",
        spec=spec,
        columns=("Period", *groups),
        rows=rows,
    )


def _datetime(date: str) -> dict[str, int]:
    """An ISO date as a Vega-Lite DateTime object (a plain string datum is not read as a date)."""
    d = pd.Timestamp(date)
    return {"year": d.year, "month": d.month, "date": d.day}


def _rule(date: str) -> dict[str, Any]:
    return {
        "data": {"values": [{"x": date, "label": "Intervention"}]},
        "layer": [
            {
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#425563"},
                "encoding": {"x": {"field": "x", "type": "temporal"}},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "dy": -6, "color": "#212b32"},
                "encoding": {
                    "x": {"field": "x", "type": "temporal"},
                    "y": {"value": 0},
                    "text": {"field": "label"},
                },
            },
        ],
    }


def gap_chart(
    gaps: pd.DataFrame,
    dimension: str,
    pair: tuple[str, str],
    *,
    unit: str,
    intervention: str | None,
    index: int,
) -> Chart:
    sub = gaps[gaps["dimension"] == dimension].copy()
    sub["signal_text"] = sub["signal"].map({True: "signal", False: "common cause"})
    data = _records(sub, ["x", "y", "cl", "lcl", "ucl", "phase", "signal_text"])
    x = {"field": "x", "type": "temporal", "title": "Period"}
    title = f"Gap: {pair[0]} minus {pair[1]} ({unit})"
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "color": "#425563", "strokeDash": [6, 3]},
            "encoding": {
                "x": x,
                "y": {"field": "ucl", "type": "quantitative"},
                "detail": {"field": "phase"},
            },
        },
        {
            "mark": {"type": "line", "color": "#425563", "strokeDash": [6, 3]},
            "encoding": {
                "x": x,
                "y": {"field": "lcl", "type": "quantitative"},
                "detail": {"field": "phase"},
            },
        },
        {
            "mark": {"type": "line", "color": "#212b32"},
            "encoding": {
                "x": x,
                "y": {"field": "cl", "type": "quantitative"},
                "detail": {"field": "phase"},
            },
        },
        {
            "mark": {"type": "line", "point": {"filled": True, "size": 50}, "color": "#005eb8"},
            "encoding": {
                "x": x,
                "y": {
                    "field": "y",
                    "type": "quantitative",
                    "title": f"Gap ({unit})" if unit else "Gap",
                    "scale": {"zero": False},
                },
                "tooltip": [
                    {"field": "x", "type": "temporal", "title": "Period", "format": "%b %Y"},
                    {"field": "y", "title": "Gap", "format": ".1f"},
                    {"field": "signal_text", "title": "SPC"},
                ],
            },
        },
        {
            "transform": [{"filter": "datum.signal_text == 'signal'"}],
            "mark": {
                "type": "point",
                "shape": "diamond",
                "size": 110,
                "filled": True,
                "color": "#ed8b00",
            },
            "encoding": {"x": x, "y": {"field": "y", "type": "quantitative"}},
        },
    ]
    if intervention:
        layers.append(_rule(intervention))
    spec = {
        "$schema": SCHEMA,
        "description": title,
        "width": "container",
        "height": 240,
        "data": {"values": data},
        "layer": layers,
    }
    rows = tuple(
        (
            pd.Timestamp(r.x).strftime("%b %Y"),
            _fmt(r.y),
            _fmt(r.cl),
            _fmt(r.lcl),
            _fmt(r.ucl),
            str(r.signal_text),
        )
        for r in sub.itertuples()
    )
    return Chart(
        id=f"gap-{index}",
        title=title,
        description=f"SPC chart of the gap between {pair[0]} and {pair[1]}, by period.",
        spec=spec,
        columns=("Period", "Gap", "Centre line", "Lower limit", "Upper limit", "SPC"),
        rows=rows,
    )


def page_charts(
    charts: pd.DataFrame,
    gap_charts: pd.DataFrame,
    pairs: dict[str, tuple[str, str]],
    plan: Any,
    hidden: Hidden = frozenset(),
) -> tuple[list[Chart], list[Chart]]:
    """(each group over time per dimension, the gap per compared pair) for one result;
    ``hidden`` cells are named as hidden in the charts' tables."""
    unit = f"{plan.measure.name} ({plan.measure.unit})" if plan.measure.unit else plan.measure.name
    when = plan.intervention.isoformat() if plan.intervention else None
    groups: list[Chart] = []
    if not charts.empty:
        present = set(charts["dimension"].astype(str))
        wanted = ["Overall", *[d.name for d in plan.dimensions]]
        groups = [
            group_chart(charts, d, unit=unit, intervention=when, index=i, hidden=hidden)
            for i, d in enumerate(wanted)
            if d in present
        ]
    gaps: list[Chart] = []
    if not gap_charts.empty:
        for i, (dim, pair) in enumerate(pairs.items()):
            if (gap_charts["dimension"] == dim).any():
                gaps.append(
                    gap_chart(
                        gap_charts,
                        dim,
                        (pair[0], pair[1]),
                        unit=plan.measure.unit or "",
                        intervention=when,
                        index=i,
                    )
                )
    return groups, gaps
