"""Several-series line charts and completeness bars."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.services.report.svg import completeness_bars_svg, line_chart_svg

NS = "{http://www.w3.org/2000/svg}"
NASTY = '<b>&"'


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def quintile_frame(groups: int = 5, periods: int = 6) -> pd.DataFrame:
    """DNA rate by IMD quintile: quintile q has rate 10 + q (+ period index / 10)."""
    rows = [
        {"month": m, "rate": 10.0 + q + i / 10.0, "imd": f"Q{q}"}
        for q in range(1, groups + 1)
        for i, m in enumerate(pd.date_range("2023-01-01", periods=periods, freq="MS"))
    ]
    frame = pd.DataFrame(rows)
    frame["lo"], frame["hi"] = frame["rate"] - 0.5, frame["rate"] + 0.5
    return frame


def chart(frame: pd.DataFrame, **kw: Any) -> ET.Element:
    args: dict[str, Any] = {
        "x": "month",
        "y": "rate",
        "series": "imd",
        "title": "DNA rate by IMD quintile",
        "unit": "%",
    }
    args.update(kw)
    return parse(line_chart_svg(frame, **args))


def test_line_chart_structure_and_markers() -> None:
    frame = quintile_frame()
    frame.loc[3, "rate"] = np.nan
    root = chart(frame, lower="lo", upper="hi", intervention=date(2023, 3, 1))
    assert root.get("role") == "img"
    assert len(by_class(root, "eqi-point")) == int(frame["rate"].notna().sum()) == 29
    series = by_class(root, "eqi-series")
    assert [g.get("data-series") for g in series] == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    # whiskers for every non-missing interval (the missing rate keeps its interval columns)
    assert len(by_class(root, "eqi-whisker")) == 30
    desc = root.find(f"{NS}desc")
    assert desc is not None
    text = desc.text or ""
    assert "5 groups (Q1, Q2, Q3, Q4 and Q5)" in text
    assert "Q5 15.5% (Jun 2023)" in text  # 10 + 5 + 5/10, by construction
    assert "The intervention started in Mar 2023" in text


def test_groups_are_distinguishable_without_colour() -> None:
    root = chart(quintile_frame())
    series = by_class(root, "eqi-series")
    shapes = []
    dashes = []
    for g in series:
        first = by_class(g, "eqi-point")[0]
        kind = first.tag.replace(NS, "")
        if kind == "polygon":  # tell triangles, inverted triangles and diamonds apart
            pts = [tuple(map(float, p.split(","))) for p in (first.get("points") or "").split()]
            kind += f"{len(pts)}-{'up' if pts[0][1] < pts[1][1] else 'down'}"
        shapes.append(kind)
        path = g.find(f"{NS}path")
        assert path is not None
        dashes.append(path.get("stroke-dasharray"))
    assert len(set(shapes)) == 5  # five different marker shapes
    assert len(set(dashes)) == 5  # five different dash patterns (one solid)
    labels = ["".join(t.itertext()) for t in by_class(root, "eqi-direct-labels")[0]]
    assert labels == ["Q1", "Q2", "Q3", "Q4", "Q5"]  # a direct label at the end of each line
    legend = "".join(by_class(root, "eqi-legend")[0].itertext())
    for q in range(1, 6):
        assert f"Q{q}" in legend


def test_direct_labels_do_not_overlap() -> None:
    frame = quintile_frame()
    frame["rate"] = 10.0 + frame["rate"] / 1000.0  # all five lines end within 0.005 of each other
    root = chart(frame)
    ys = sorted(float(t.get("y") or "nan") for t in by_class(root, "eqi-direct-labels")[0])
    assert np.all(np.diff(ys) >= 12.0)  # 12 px text, at least a line apart


def test_line_chart_higher_group_drawn_higher() -> None:
    root = chart(quintile_frame(periods=1))
    cys = [
        float(by_class(g, "eqi-point")[0].get("cy") or "nan") for g in by_class(root, "eqi-series")
    ]
    assert cys == sorted(cys, reverse=True)  # Q1 lowest rate is lowest on the page


def test_categorical_order_and_escaped_names() -> None:
    frame = quintile_frame(groups=2)
    frame["imd"] = frame["imd"].map({"Q1": NASTY, "Q2": "Least deprived"})
    frame["imd"] = pd.Categorical(frame["imd"], categories=["Least deprived", NASTY])
    svg = line_chart_svg(frame, x="month", y="rate", series="imd", title=NASTY, unit="%")
    assert "<b>" not in svg
    root = parse(svg)
    assert [g.get("data-series") for g in by_class(root, "eqi-series")] == ["Least deprived", NASTY]


def test_line_chart_of_nothing_and_bad_columns() -> None:
    empty = quintile_frame().iloc[0:0]
    assert (
        parse(line_chart_svg(empty, x="month", y="rate", series="imd", title="t", unit="%")).get(
            "role"
        )
        == "note"
    )
    with pytest.raises(InputError) as info:
        line_chart_svg(quintile_frame(), x="month", y="dna", series="imd", title="t", unit="%")
    assert info.value.problems[0].column == "dna"


# ---------------------------------------------------------------------------------------------
# completeness bars
# ---------------------------------------------------------------------------------------------


def completeness() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "field": ["Ethnicity", "IMD", "Age", NASTY, "Language"],
            "share": [0.5, 1.0, 0.873, 0.0, np.nan],
        }
    )


def test_bars_are_proportional_and_labelled_in_percent() -> None:
    svg = completeness_bars_svg(completeness(), label="field", value="share", title="Completeness")
    assert "<b>" not in svg
    root = parse(svg)
    rows = by_class(root, "eqi-bar-row")
    assert len(rows) == 5
    widths: dict[str, float] = {}
    for row in rows:
        name = "".join(row.itertext())  # the row's <title> "Name: 50.0%" comes first
        bar = by_class(row, "eqi-bar")
        widths[name.split(":")[0]] = float(bar[0].get("width") or "nan") if bar else -1.0
    assert widths["Ethnicity"] / widths["IMD"] == pytest.approx(0.5, abs=0.002)
    assert widths["Age"] / widths["IMD"] == pytest.approx(0.873, abs=0.002)
    assert widths[NASTY] == 0.0
    assert widths["Language"] == -1.0  # missing: no bar at all
    texts = [t.text for t in root.iter(f"{NS}text")]
    for expected in ("50.0%", "100.0%", "87.3%", "0.0%", "No data"):
        assert expected in texts
    ticks = [t.text for t in by_class(root, "eqi-x-tick")]
    assert ticks == ["0%", "20%", "40%", "60%", "80%", "100%"]
    desc = root.find(f"{NS}desc")
    assert desc is not None and f"Lowest: {NASTY} (0.0%)" in (desc.text or "")


def test_threshold_line_and_summary() -> None:
    root = parse(
        completeness_bars_svg(
            completeness(), label="field", value="share", title="Completeness", threshold=0.95
        )
    )
    assert "Expected 95.0%" in "".join(by_class(root, "eqi-threshold")[0].itertext())
    desc = root.find(f"{NS}desc")
    assert desc is not None
    assert f"3 items below the expected 95.0%: Ethnicity, Age and {NASTY}" in (desc.text or "")


def test_shares_outside_0_1_are_refused_with_row_and_value() -> None:
    frame = completeness()
    frame.loc[2, "share"] = 87.3  # a percentage given where a share is expected
    with pytest.raises(InputError) as info:
        completeness_bars_svg(frame, label="field", value="share", title="Completeness")
    p = info.value.problems[0]
    assert (p.column, p.row, p.value) == ("share", 4, "87.3")
    assert "0.95" in p.fix


def test_completeness_of_nothing() -> None:
    empty = completeness().iloc[0:0]
    out = completeness_bars_svg(empty, label="field", value="share", title="Completeness")
    assert parse(out).get("role") == "note"


@pytest.mark.parametrize("width", [320, 360, 480, 640, 900])
def test_bar_axis_labels_never_overlap(width: int) -> None:
    from equalqi.services.report.svg_format import text_width

    root = parse(
        completeness_bars_svg(
            completeness(), label="field", value="share", title="Completeness", width=width
        )
    )
    ticks = by_class(root, "eqi-x-tick")
    xs = np.array([float(t.get("x") or "nan") for t in ticks])
    widths = np.array([text_width(t.text or "", 12.0) for t in ticks])
    assert len(ticks) >= 3 and ticks[0].text == "0%" and ticks[-1].text == "100%"
    assert np.all(np.diff(xs) >= (widths[:-1] + widths[1:]) / 2.0 + 4.0)
