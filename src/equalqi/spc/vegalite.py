"""Vega-Lite (v5) specifications for SPC and funnel charts, in Making Data Count colours.

The spec is a plain ``dict`` with the data inline, ready for ``vegaEmbed(el, spec,
{mode: "vega-lite"})``. It holds no URL of any kind (no ``$schema``, no remote data, no web
fonts), so it renders offline and in a strict content-security policy. MDC styling: grey
value line and common-cause points, blue improvement, orange concern, purple neutral; black
mean line; grey dashed process limits; red dashed target; lines break between phases.
Every spec carries a ``description`` for screen readers; the web page should also show the
data as a table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from equalqi.spc.colours import (
    CLASSIFICATION_COLOURS,
    COMMON_CAUSE,
    LIMIT_LINE,
    MEAN_LINE,
    NEUTRAL,
    TARGET,
    TRAJECTORY,
    VALUE_LINE,
)
from equalqi.spc.funnel import FunnelResult
from equalqi.spc.result import SPCResult, records

_FONT = "Arial, Helvetica, sans-serif"
OUTSIDE_95 = "#9d7fc4"  # a lighter tint of the MDC neutral purple
_CLASS_LABELS = {
    "common": "Common cause",
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral": "Special cause: neutral",
}


def _x_type(x: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(x):
        return "temporal"
    if pd.api.types.is_numeric_dtype(x):
        return "quantitative"
    return "ordinal"


def _line(field: str, colour: str, dash: list[int] | None, width: float, x: dict[str, Any]) -> dict:
    mark: dict[str, Any] = {"type": "line", "color": colour, "strokeWidth": width}
    if dash:
        mark["strokeDash"] = dash
    return {
        "mark": mark,
        "encoding": {
            "x": x,
            "y": {"field": field, "type": "quantitative", "scale": {"zero": False}},
            "detail": {"field": "phase", "type": "nominal"},
        },
    }


def _config() -> dict[str, Any]:
    return {
        "font": _FONT,
        "view": {"stroke": None},
        "axis": {"labelFont": _FONT, "titleFont": _FONT, "grid": False},
        "legend": {
            "labelFont": _FONT,
            "titleFont": _FONT,
            "orient": "bottom",
            "labelLimit": 320,
            "columns": 2,
        },
    }


def vegalite_spec(
    result: SPCResult,
    *,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    width: int = 560,
    height: int = 280,
    show_2s: bool = False,
    columns: int = 2,
) -> dict[str, Any]:
    """Vega-Lite v5 spec (a dict) for an SPC result; one facet per group when several."""
    frame = result.points
    keep = [
        "group",
        "phase",
        "x",
        "y",
        "n",
        "cl",
        "lcl",
        "ucl",
        "lcl_2s",
        "ucl_2s",
        "target",
        "trajectory",
        "classification",
        "rule_label",
    ]
    data = frame[keep].copy()
    data["status"] = data["classification"].map(_CLASS_LABELS)
    x_enc = {
        "field": "x",
        "type": _x_type(frame["x"]),
        "title": x_title or result.settings.get("x") or "x",
    }
    y_name = y_title or str(result.settings.get("y") or "value")
    layers: list[dict[str, Any]] = [
        _line("y", VALUE_LINE, None, 1.5, x_enc),
        _line("cl", MEAN_LINE, None, 1.5, x_enc),
        _line("ucl", LIMIT_LINE, [6, 4], 1.2, x_enc),
        _line("lcl", LIMIT_LINE, [6, 4], 1.2, x_enc),
    ]
    if show_2s:
        layers += [
            _line("ucl_2s", LIMIT_LINE, [2, 3], 1.0, x_enc),
            _line("lcl_2s", LIMIT_LINE, [2, 3], 1.0, x_enc),
        ]
    if np.isfinite(frame["target"].to_numpy(dtype=np.float64)).any():
        layers.append(_line("target", TARGET, [4, 4], 1.5, x_enc))
    if np.isfinite(frame["trajectory"].to_numpy(dtype=np.float64)).any():
        layers.append(_line("trajectory", TRAJECTORY, [8, 3], 1.5, x_enc))
    layers.append(
        {
            "mark": {"type": "point", "filled": True, "size": 45, "opacity": 1},
            "encoding": {
                "x": x_enc,
                "y": {
                    "field": "y",
                    "type": "quantitative",
                    "title": y_name,
                    "scale": {"zero": False},
                },
                "color": {
                    "field": "status",
                    "type": "nominal",
                    "title": "Variation",
                    "scale": {
                        "domain": list(_CLASS_LABELS.values()),
                        "range": [CLASSIFICATION_COLOURS[k] for k in _CLASS_LABELS],
                    },
                },
                "tooltip": [
                    {"field": "x", "type": x_enc["type"], "title": x_enc["title"]},
                    {"field": "y", "type": "quantitative", "title": y_name, "format": ".4~g"},
                    {
                        "field": "cl",
                        "type": "quantitative",
                        "title": "Centre line",
                        "format": ".4~g",
                    },
                    {
                        "field": "lcl",
                        "type": "quantitative",
                        "title": "Lower limit",
                        "format": ".4~g",
                    },
                    {
                        "field": "ucl",
                        "type": "quantitative",
                        "title": "Upper limit",
                        "format": ".4~g",
                    },
                    {"field": "status", "type": "nominal", "title": "Variation"},
                    {"field": "rule_label", "type": "nominal", "title": "Rule"},
                ],
            },
        }
    )
    groups = result.groups
    description = (
        f"{result.chart.upper()} chart of {y_name} over {x_enc['title']}"
        f"{' for ' + str(len(groups)) + ' groups' if len(groups) > 1 else ''}. "
        f"Method: {result.method}."
    )
    spec: dict[str, Any] = {
        "description": description,
        "data": {"values": records(data)},
        "config": _config(),
    }
    if title:
        spec["title"] = title
    inner = {"width": width, "height": height, "layer": layers}
    if len(groups) > 1:
        spec["facet"] = {"field": "group", "type": "nominal", "title": None}
        spec["columns"] = columns
        spec["spec"] = inner
    else:
        spec.update(inner)
    return spec


def funnel_vegalite_spec(
    result: FunnelResult,
    *,
    title: str | None = None,
    x_title: str = "Denominator",
    y_title: str = "Value",
    width: int = 560,
    height: int = 320,
) -> dict[str, Any]:
    """Vega-Lite v5 spec for a funnel plot: units as points, 95% and 99.8% limit lines."""
    curve = result.curve()
    long = curve.melt(
        id_vars=["denominator"],
        value_vars=["lcl_95", "ucl_95", "lcl_998", "ucl_998"],
        var_name="line",
        value_name="limit",
    )
    long["level"] = np.where(long["line"].str.endswith("998"), "99.8% limits", "95% limits")
    pts = result.points.copy()
    pts["status"] = np.select(
        [pts["outside_998"], pts["outside_95"]],
        ["Outside 99.8% limits", "Outside 95% limits"],
        default="Within limits",
    )
    x = {"field": "denominator", "type": "quantitative", "title": x_title}
    layers = [
        {
            "data": {"values": records(long)},
            "mark": {"type": "line", "color": LIMIT_LINE},
            "encoding": {
                "x": x,
                "y": {"field": "limit", "type": "quantitative", "scale": {"zero": False}},
                "detail": {"field": "line", "type": "nominal"},
                "strokeDash": {
                    "field": "level",
                    "type": "nominal",
                    "title": "Limits",
                    "scale": {"domain": ["95% limits", "99.8% limits"], "range": [[6, 4], [2, 2]]},
                },
            },
        },
        {
            "data": {"values": [{"target": result.target * result.multiplier}]},
            "mark": {"type": "rule", "color": MEAN_LINE},
            "encoding": {"y": {"field": "target", "type": "quantitative"}},
        },
        {
            "data": {"values": records(pts)},
            "mark": {"type": "point", "filled": True, "size": 55, "opacity": 1},
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": y_title,
                    "scale": {"zero": False},
                },
                "color": {
                    "field": "status",
                    "type": "nominal",
                    "title": "Unit",
                    "scale": {
                        "domain": ["Within limits", "Outside 95% limits", "Outside 99.8% limits"],
                        "range": [COMMON_CAUSE, OUTSIDE_95, NEUTRAL],
                    },
                },
                "tooltip": [
                    {"field": "unit", "type": "nominal", "title": "Unit"},
                    {"field": "value", "type": "quantitative", "title": y_title, "format": ".4~g"},
                    {"field": "denominator", "type": "quantitative", "title": x_title},
                    {"field": "significance", "type": "nominal", "title": "Compared with target"},
                ],
            },
        },
    ]
    spec: dict[str, Any] = {
        "description": result.description,
        "width": width,
        "height": height,
        "layer": layers,
        "config": _config(),
    }
    if title:
        spec["title"] = title
    return spec
