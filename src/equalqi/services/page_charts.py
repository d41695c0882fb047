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

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# NHS identity colours with enough contrast on white (WCAG 1.4.11: 3:1 for graphics).
PALETTE = ["#005eb8", "#d5281b", "#007f3b", "#330072", "#ae2573", "#7c2855", "#425563", "#ed8b00"]


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


def group_chart(
    charts: pd.DataFrame, dimension: str, *, unit: str, intervention: str | None, index: int
) -> Chart:
    sub = charts[charts["dimension"] == dimension].copy()
    groups = list(dict.fromkeys(sub["group"].astype(str)))
    sub["group"] = sub["group"].astype(str)
    data = _records(sub, ["x", "group", "y", "n"])
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "point": True, "strokeWidth": 2},
            "encoding": {
                "x": {"field": "x", "type": "temporal", "title": "Period"},
                "y": {
                    "field": "y",
                    "type": "quantitative",
                    "title": unit,
                    "scale": {"zero": False},
                },
                "color": {
                    "field": "group",
                    "type": "nominal",
                    "title": dimension,
                    "sort": groups,
                    "scale": {"range": PALETTE},
                },
                "tooltip": [
                    {"field": "group", "title": "Group"},
                    {"field": "x", "type": "temporal", "title": "Period", "format": "%b %Y"},
                    {"field": "y", "title": unit, "format": ".1f"},
                    {"field": "n", "title": "Denominator", "format": ","},
                ],
            },
        }
    ]
    if intervention:
        layers.append(_rule(intervention))
    spec = {
        "$schema": SCHEMA,
        "description": f"{unit} by {dimension} over time",
        "width": "container",
        "height": 260,
        "data": {"values": data},
        "layer": layers,
    }
    table = sub.pivot_table(index="x", columns="group", values="y", aggfunc="first")
    table = table.reindex(columns=groups)
    rows = tuple(
        (pd.Timestamp(x).strftime("%b %Y"), *(_fmt(v) for v in vals))
        for x, vals in zip(table.index, table.to_numpy(), strict=True)
    )
    return Chart(
        id=f"chart-{index}",
        title=f"{dimension}: each group over time",
        description=f"Line chart of {unit} for each group of {dimension}, by period.",
        spec=spec,
        columns=("Period", *groups),
        rows=rows,
    )


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
) -> tuple[list[Chart], list[Chart]]:
    """(each group over time per dimension, the gap per compared pair) for one result."""
    unit = f"{plan.measure.name} ({plan.measure.unit})" if plan.measure.unit else plan.measure.name
    when = plan.intervention.isoformat() if plan.intervention else None
    groups: list[Chart] = []
    if not charts.empty:
        present = set(charts["dimension"].astype(str))
        wanted = ["Overall", *[d.name for d in plan.dimensions]]
        groups = [
            group_chart(charts, d, unit=unit, intervention=when, index=i)
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
