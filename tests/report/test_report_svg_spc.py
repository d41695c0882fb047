"""SPC charts, small multiples and gap charts: structure, accessibility, geometry, edge cases."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalqi.errors import InputError
from equalqi.services.report.svg import (
    MDC_COLOURS,
    MDC_COLOURS_HIGH_CONTRAST,
    gap_chart_svg,
    responsive_chart_html,
    small_multiples_svg,
    spc_chart_svg,
)

NS = "{http://www.w3.org/2000/svg}"
NASTY = '<b>&"'


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # raises if not well-formed XML


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def points(root: ET.Element) -> list[ET.Element]:
    return by_class(root, "eqi-point")


def y_tick_values(root: ET.Element) -> list[float]:
    return [
        float((e.text or "").replace("%", "").replace(",", ""))
        for e in by_class(root, "eqi-y-tick")
    ]


def spc_frame(n: int = 12, **overrides: object) -> pd.DataFrame:
    """A small hand-made P-chart-like frame: mean 20, limits 10 and 30, one phase."""
    y = [20.0, 22.0, 18.0, 25.0, 19.0, 21.0, 17.0, 23.0, 20.0, 35.0, 15.0, 20.0][:n]
    frame = pd.DataFrame(
        {
            "x": pd.date_range("2023-01-01", periods=n, freq="MS"),
            "y": y,
            "cl": 20.0,
            "lcl": 10.0,
            "ucl": 30.0,
            "signal": False,
            "classification": "common",
            "phase": 1,
        }
    )
    for k, v in overrides.items():
        frame[k] = v
    return frame


# ---------------------------------------------------------------------------------------------
# structure and accessibility
# ---------------------------------------------------------------------------------------------


def test_spc_chart_is_accessible_svg_with_title_and_desc() -> None:
    svg = spc_chart_svg(spc_frame(), title="Seen within 18 weeks", unit="%")
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and desc is not None
    assert title.text == "Seen within 18 weeks"
    # aria-labelledby names the title and the description, and both ids exist
    ids = (root.get("aria-labelledby") or "").split()
    assert ids == [title.get("id"), desc.get("id")]
    # the description is a plain-language summary with numbers in the unit
    text = desc.text or ""
    assert "12 periods from Jan 2023 to Dec 2023" in text
    assert "The latest value is 20.0% (Dec 2023)" in text
    assert "The mean is 20.0% and the process limits are 10.0% to 30.0%" in text
    # self-contained: system fonts, nothing fetched
    assert "system-ui" in (root.get("font-family") or "")
    for banned in ("<script", "@font-face", "url(", "<link", "<image", "href="):
        assert banned not in svg


def test_one_marker_per_non_missing_value() -> None:
    frame = spc_frame()
    frame.loc[[2, 7], "y"] = np.nan
    root = parse(spc_chart_svg(frame, title="t", unit="%"))
    assert len(points(root)) == int(frame["y"].notna().sum()) == 10
    # the value line lifts its pen at each gap: 3 runs -> 3 "M" commands
    line = by_class(root, "eqi-value-line")[0]
    assert (line.get("d") or "").count("M") == 3
    desc = root.find(f"{NS}desc")
    assert desc is not None and "2 periods have no value" in (desc.text or "")


def test_points_are_coloured_by_classification_in_mdc_colours() -> None:
    cls = ["common"] * 12
    cls[3], cls[9], cls[10] = "improvement", "concern", "neutral"
    root = parse(spc_chart_svg(spc_frame(classification=cls), title="t", unit="%"))
    pts = points(root)
    fills = [p.get("fill") for p in pts]
    assert fills[3] == MDC_COLOURS.special_cause_improvement == "#00b0f0"
    assert fills[9] == MDC_COLOURS.special_cause_concern
    assert fills[10] == MDC_COLOURS.special_cause_neutral
    assert fills[0] == MDC_COLOURS.common_cause
    assert [p.get("data-classification") for p in pts] == cls
    desc = root.find(f"{NS}desc")
    assert desc is not None
    assert (
        "3 points show special cause variation: 1 improvement, 1 concern and "
        "1 neither improvement nor concern" in (desc.text or "")
    )


def test_nhsrplotthedots_point_type_names_are_accepted() -> None:
    cls = ["common_cause"] * 12
    cls[0] = "special_cause_improvement"
    cls[1] = "special_cause_neutral_high"
    root = parse(spc_chart_svg(spc_frame(classification=cls), title="t", unit="%"))
    assert [p.get("fill") for p in points(root)][:3] == ["#00b0f0", "#490092", "#a6a6a6"]


def test_signal_without_classification_is_drawn_as_neutral() -> None:
    frame = spc_frame().drop(columns="classification")
    frame["signal"] = [False] * 9 + [True, False, False]
    root = parse(spc_chart_svg(frame, title="t", unit="%"))
    assert points(root)[9].get("fill") == MDC_COLOURS.special_cause_neutral


def test_lines_follow_mdc_styles() -> None:
    root = parse(spc_chart_svg(spc_frame(), title="t", unit="%", target=25.0))
    cl = by_class(root, "eqi-cl")[0]
    assert cl.get("stroke") == "#000000" and cl.get("stroke-dasharray") is None  # mean solid
    for cls in ("eqi-ucl", "eqi-lcl"):
        limit = by_class(root, cls)[0]
        assert limit.get("stroke") == "#a6a6a6" and limit.get("stroke-dasharray")  # grey dashed
    target = by_class(root, "eqi-target")[0]
    assert target.get("stroke") == "#de1b1b" and target.get("stroke-dasharray")  # red dashed
    legend_text = " ".join(t.text or "" for t in by_class(root, "eqi-legend")[0].iter(f"{NS}text"))
    assert "Target 25.0%" in legend_text


# ---------------------------------------------------------------------------------------------
# escaping
# ---------------------------------------------------------------------------------------------


def test_text_is_escaped_everywhere() -> None:
    svg = spc_chart_svg(spc_frame(), title=NASTY, unit="%")
    assert "<b>" not in svg
    root = parse(svg)
    title = root.find(f"{NS}title")
    assert title is not None and title.text == NASTY
    visible = by_class(root, "eqi-title")[0]
    assert "".join(visible.itertext()) == NASTY


def test_group_names_are_escaped_in_small_multiples() -> None:
    html = small_multiples_svg({NASTY: spc_frame(), "Group 2": spc_frame()}, unit="%")
    assert "<b>" not in html
    root = parse(html)
    titles = [t.text for t in root.iter(f"{NS}title") if t.get("id")]
    assert NASTY in titles


# ---------------------------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------------------------


def _cy(e: ET.Element) -> float:
    return float(e.get("cy") or "nan")


def _cx(e: ET.Element) -> float:
    return float(e.get("cx") or "nan")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        # measures as reported: up to three decimals
        st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False).map(
            lambda v: round(v, 3)
        ),
        min_size=2,
        max_size=30,
    )
)
def test_larger_values_are_drawn_higher(values: list[float]) -> None:
    n = len(values)
    frame = pd.DataFrame(
        {"x": pd.date_range("2022-01-01", periods=n, freq="MS"), "y": values, "phase": 0}
    )
    root = parse(spc_chart_svg(frame, title="t", unit=""))
    pts = points(root)
    assert len(pts) == n
    y = np.array(values)
    cy = np.array([_cy(p) for p in pts])
    cx = np.array([_cx(p) for p in pts])
    assert np.all(np.diff(cx) > 0)  # later periods to the right
    # SVG y grows downwards: a larger value has a smaller cy (pairs closer than rounding aside)
    i, j = np.triu_indices(n, 1)
    bigger = y[i] > y[j]
    separated = np.abs(y[i] - y[j]) > (np.ptp(y) + 1e-9) * 0.01
    assert np.all(cy[i][bigger & separated] < cy[j][bigger & separated])
    # and the y axis ticks cover all values
    ticks = y_tick_values(root)
    assert min(ticks) <= y.min() and max(ticks) >= y.max()


def test_points_sit_on_their_gridlines() -> None:
    # values equal to tick values must be drawn exactly on the gridline of that tick
    frame = spc_frame()
    root = parse(spc_chart_svg(frame, title="t", unit="%"))
    grid_y = {
        float((t.text or "").rstrip("%")): float(g.get("y1") or "nan")
        for g, t in zip(by_class(root, "eqi-grid"), by_class(root, "eqi-y-tick"), strict=True)
    }
    pts = points(root)
    for i, v in enumerate(frame["y"]):
        if v in grid_y:
            assert _cy(pts[i]) == pytest.approx(grid_y[v], abs=0.06)


def test_ticks_cover_data_and_limits_and_need_not_start_at_zero() -> None:
    frame = spc_frame(cl=60.0, lcl=55.0, ucl=66.0)
    frame["y"] = [60.0, 61.0, 59.0, 62.0, 58.0, 60.0, 61.0, 57.0, 63.0, 60.0, 59.0, 61.0]
    root = parse(spc_chart_svg(frame, title="t", unit="%"))
    ticks = y_tick_values(root)
    assert min(ticks) <= 55.0 and max(ticks) >= 66.0
    assert min(ticks) > 0  # not forced to zero
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0])


def test_varying_limits_are_steps_and_phases_break_lines() -> None:
    frame = spc_frame()
    frame["ucl"] = [30, 31, 29, 30, 30, 30, 28, 30, 30, 30, 30, 30]
    frame["phase"] = [1] * 6 + [2] * 6
    frame["cl"] = [20.0] * 6 + [21.0] * 6
    root = parse(spc_chart_svg(frame, title="t", unit="%"))
    ucl = by_class(root, "eqi-ucl")[0].get("d") or ""
    lcl = by_class(root, "eqi-lcl")[0].get("d") or ""
    cl = by_class(root, "eqi-cl")[0].get("d") or ""
    assert "V" in ucl  # steps where the limit changes
    assert "V" not in lcl  # constant limits are straight
    assert cl.count("M") == 2 and lcl.count("M") == 2  # one piece per phase
    value_line = by_class(root, "eqi-value-line")[0].get("d") or ""
    assert value_line.count("M") == 2  # NHSRplotthedots break_lines = "both"
    desc = root.find(f"{NS}desc")
    assert desc is not None and "The limits were recalculated from Jul 2023" in (desc.text or "")


def test_intervention_line_is_at_the_intervention_period() -> None:
    root = parse(spc_chart_svg(spc_frame(), title="t", unit="%", intervention=date(2023, 7, 1)))
    group = by_class(root, "eqi-intervention")[0]
    line = group.find(f"{NS}line")
    assert line is not None and line.get("stroke-dasharray")
    # the 7th point (Jul 2023) is at the same x
    assert float(line.get("x1") or "nan") == pytest.approx(_cx(points(root)[6]), abs=0.06)
    assert "Intervention" in "".join(group.itertext())
    desc = root.find(f"{NS}desc")
    assert desc is not None and "The intervention started in Jul 2023" in (desc.text or "")


def test_limit_labels_at_full_width_only() -> None:
    wide = parse(spc_chart_svg(spc_frame(), title="t", unit="%", width=640))
    labels = ["".join(e.itertext()) for e in by_class(wide, "eqi-limit-labels")[0]]
    assert labels == ["30.0%", "20.0%", "10.0%"]
    narrow = parse(spc_chart_svg(spc_frame(), title="t", unit="%", width=340))
    assert by_class(narrow, "eqi-limit-labels") == []
    assert narrow.get("viewBox") == f"0 0 340 {narrow.get('height')}"


# ---------------------------------------------------------------------------------------------
# edge cases
# ---------------------------------------------------------------------------------------------


def test_single_point() -> None:
    root = parse(spc_chart_svg(spc_frame(1), title="One month", unit="%"))
    assert len(points(root)) == 1
    assert ["".join(e.itertext()) for e in by_class(root, "eqi-x-tick")] == ["Jan 2023"]
    desc = root.find(f"{NS}desc")
    assert desc is not None and "1 period for Jan 2023" in (desc.text or "")


def test_all_equal_values() -> None:
    frame = spc_frame(y=5.0, cl=5.0, lcl=np.nan, ucl=np.nan)
    root = parse(spc_chart_svg(frame, title="t", unit="%"))
    ticks = y_tick_values(root)
    assert min(ticks) < 5.0 < max(ticks)
    assert len({_cy(p) for p in points(root)}) == 1
    assert by_class(root, "eqi-ucl") == []  # no limits to draw


@pytest.mark.parametrize(
    "frame",
    [
        spc_frame().iloc[0:0],
        spc_frame(y=np.nan),
    ],
    ids=["no rows", "all missing"],
)
def test_nothing_to_draw_gives_an_accessible_message(frame: pd.DataFrame) -> None:
    out = spc_chart_svg(frame, title=NASTY, unit="%")
    root = parse(out)
    assert root.tag == "p" and root.get("role") == "note"
    assert "<svg" not in out and "<b>" not in out
    assert NASTY in "".join(root.itertext())


def test_unit_from_multiplier() -> None:
    frame = spc_frame()
    root = parse(spc_chart_svg(frame, title="t", multiplier=1000))
    desc = root.find(f"{NS}desc")
    assert desc is not None and "20.0 per 1,000" in (desc.text or "")
    assert "Rate per 1,000" in "".join(by_class(root, "eqi-y-title")[0].itertext())


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


def test_missing_column_names_the_column() -> None:
    with pytest.raises(InputError) as info:
        spc_chart_svg(spc_frame().drop(columns="y"), title="Waits", unit="%")
    problem = info.value.problems[0]
    assert problem.column == "y" and "Waits" in problem.what


def test_bad_values_name_row_column_and_value() -> None:
    frame = spc_frame().astype({"y": object})
    frame.loc[1, "y"] = "abc"
    frame["classification"] = frame["classification"].astype(object)
    frame.loc[4, "classification"] = "great"
    with pytest.raises(InputError) as info:
        spc_chart_svg(frame, title="Waits", unit="%")
    found = {(p.column, p.row, p.value) for p in info.value.problems}
    # spreadsheet rows: header is row 1, so frame row 1 is row 3 and frame row 4 is row 6
    assert ("y", 3, "abc") in found
    assert ("classification", 6, "great") in found


# ---------------------------------------------------------------------------------------------
# small multiples
# ---------------------------------------------------------------------------------------------


def _panels(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}svg") if e.get("role") == "img"]


def test_small_multiples_share_the_y_scale_by_default() -> None:
    low = spc_frame()
    high = spc_frame()
    high["y"] = high["y"] + 40
    high["cl"], high["lcl"], high["ucl"] = 60.0, 50.0, 70.0
    html = small_multiples_svg({"Low": low, "High": high}, unit="%", columns=2)
    root = parse(html)
    panels = _panels(root)
    assert [p.find(f"{NS}title").text for p in panels] == ["Low", "High"]  # type: ignore[union-attr]
    shared = [y_tick_values(p) for p in panels]
    assert shared[0] == shared[1]
    assert min(shared[0]) <= 10 and max(shared[0]) >= 75
    # the same value is at the same height in both panels
    assert _cy(points(panels[0])[0]) == pytest.approx(_cy(by_class(panels[0], "eqi-point")[0]))
    own = [
        y_tick_values(p)
        for p in _panels(
            parse(small_multiples_svg({"Low": low, "High": high}, unit="%", shared_y=False))
        )
    ]
    assert own[0] != own[1]
    assert max(own[0]) < 50 and min(own[1]) > 0


def test_small_multiples_grid_ids_and_empty_groups() -> None:
    frames = {f"Group {i}": spc_frame() for i in range(4)}
    frames["Group 2"] = frames["Group 2"].assign(y=frames["Group 2"]["y"] + 1)
    frames["Nobody"] = spc_frame().iloc[0:0]
    root = parse(small_multiples_svg(frames, unit="%", columns=3, intervention=date(2023, 6, 1)))
    assert root.tag == "div" and root.get("role") == "group"
    grid = by_class(root, "eqi-grid")[0]
    assert "display:grid" in (grid.get("style") or "")
    assert "/ 3)" in (grid.get("style") or "")  # at most three columns
    assert len(_panels(root)) == 4
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))  # identical data in two panels must not clash
    for panel in _panels(root):
        for ref in (panel.get("aria-labelledby") or "").split():
            assert ref in ids
    notes = [e for e in root.iter("p") if e.get("role") == "note"]
    assert len(notes) == 1 and "Nobody" in "".join(notes[0].itertext())
    legend = by_class(root, "eqi-legend")[0]
    assert "Intervention" in "".join(legend.itertext())


def test_small_multiples_of_nothing() -> None:
    root = parse(small_multiples_svg({}, unit="%"))
    assert root.get("role") == "note"


# ---------------------------------------------------------------------------------------------
# gap chart
# ---------------------------------------------------------------------------------------------


def gap_frame(values: list[float]) -> pd.DataFrame:
    n = len(values)
    g = np.array(values)
    return pd.DataFrame(
        {
            "x": pd.date_range("2023-01-01", periods=n, freq="MS"),
            "gap": g,
            "lower": g - 1.0,
            "upper": g + 1.0,
        }
    )


def test_gap_chart_with_negative_gaps_band_and_zero_line() -> None:
    frame = gap_frame([-4.0, -3.0, -2.5, -2.0, -1.0, -0.5])
    frame.loc[2, ["lower", "upper"]] = np.nan
    root = parse(gap_chart_svg(frame, title="Gap", unit="%", interval_label="95% CI"))
    pts = points(root)
    assert len(pts) == 6
    zero = by_class(root, "eqi-reference")[0]
    zero_y = float(zero.get("y1") or "nan")
    assert all(_cy(p) > zero_y for p in pts)  # every gap is below zero, so drawn below the line
    band = by_class(root, "eqi-band")[0].get("d") or ""
    assert band.count("M") == 2 and band.count("Z") == 2  # the band breaks at the missing interval
    ticks = y_tick_values(root)
    assert min(ticks) <= -5.0 and max(ticks) >= 0.0  # covers the band and the zero line
    desc = root.find(f"{NS}desc")
    text = desc.text if desc is not None else ""
    assert "-0.5 percentage points" in (text or "")  # a gap in % is in percentage points
    # by hand: intervals [-5,-3], [-4,-2], (missing), [-3,-1], [-2,0], [-1.5,0.5]; the first three
    # lie wholly below 0, [-2,0] touches it and the last contains it: 3 of 5 exclude 0
    assert "The 95% CI excludes 0.0 in 3 of 5 periods" in (text or "")
    assert "Gap (percentage points)" in "".join(by_class(root, "eqi-y-title")[0].itertext())


def test_gap_chart_as_spc_when_limits_are_given() -> None:
    frame = gap_frame([2.0, 1.0, 0.5, 0.0, -1.0, 3.0])
    frame["cl"], frame["lcl"], frame["ucl"] = 1.0, -2.0, 4.0
    frame["classification"] = ["common"] * 5 + ["concern"]
    root = parse(gap_chart_svg(frame, title="Gap", unit="per 1,000"))
    assert points(root)[5].get("fill") == MDC_COLOURS.special_cause_concern
    assert by_class(root, "eqi-ucl") and by_class(root, "eqi-cl")


def test_gap_chart_without_interval_or_zero_line() -> None:
    frame = gap_frame([5.0, 6.0, 7.0]).drop(columns=["lower", "upper"])
    root = parse(gap_chart_svg(frame, title="Gap", unit="", zero_line=False))
    assert by_class(root, "eqi-band") == [] and by_class(root, "eqi-reference") == []
    assert min(y_tick_values(root)) > 0  # zero not forced onto the axis


def test_gap_chart_of_nothing() -> None:
    out = gap_chart_svg(gap_frame([]), title="Gap", unit="%")
    assert parse(out).get("role") == "note"


def test_numbers_in_desc_are_formatted_by_decimals() -> None:
    frame = spc_frame()
    frame.loc[11, "y"] = 1234.5678
    root = parse(spc_chart_svg(frame, title="t", unit="days", decimals=2))
    desc = root.find(f"{NS}desc")
    assert desc is not None
    assert re.search(r"latest value is 1,234\.57 days", desc.text or "")
    assert not math.isnan(_cy(points(root)[11]))


def test_responsive_pair_has_both_drawings_and_unique_ids() -> None:
    frame = spc_frame()
    html = responsive_chart_html(
        spc_chart_svg(frame, title="t", unit="%"),
        spc_chart_svg(frame, title="t", unit="%", width=340, height=260),
    )
    root = parse(html)
    svgs = list(root.iter(f"{NS}svg"))
    assert [s.get("width") for s in svgs] == ["640", "340"]
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    style = root.find("style")
    assert style is not None and "max-width:560px" in (style.text or "")


def test_two_sigma_lines_only_on_request_and_colours_override() -> None:
    frame = spc_frame(lcl_2s=13.3, ucl_2s=26.7)
    assert by_class(parse(spc_chart_svg(frame, title="t", unit="%")), "eqi-2sigma") == []
    root = parse(
        spc_chart_svg(
            frame, title="t", unit="%", show_2sigma=True, colours=MDC_COLOURS_HIGH_CONTRAST
        )
    )
    assert len(by_class(root, "eqi-2sigma")) == 2
    assert by_class(root, "eqi-ucl")[0].get("stroke") == MDC_COLOURS_HIGH_CONTRAST.upl
    # the 2-sigma lines are inside the 3-sigma limits: drawn between them on the page
    two = sorted(
        float((p.get("d") or "").split(",")[1].split()[0]) for p in by_class(root, "eqi-2sigma")
    )
    ucl_y = float((by_class(root, "eqi-ucl")[0].get("d") or "").split(",")[1].split()[0])
    lcl_y = float((by_class(root, "eqi-lcl")[0].get("d") or "").split(",")[1].split()[0])
    assert ucl_y < two[0] < two[1] < lcl_y


def test_python_dates_and_missing_dates() -> None:
    frame = spc_frame()
    frame["x"] = [d.date() for d in frame["x"]]  # object column of datetime.date
    root = parse(spc_chart_svg(frame, title="t", unit="%"))
    assert len(points(root)) == 12
    labels = ["".join(e.itertext()) for e in by_class(root, "eqi-x-tick")]
    assert labels[0] == "Jan 2023"
    frame.loc[5, "x"] = None
    with pytest.raises(InputError) as info:
        spc_chart_svg(frame, title="t", unit="%")
    p = info.value.problems[0]
    assert (p.column, p.row) == ("x", 7)  # frame row 5 is spreadsheet row 7 (header is row 1)


def test_unsorted_rows_are_drawn_in_period_order() -> None:
    frame = spc_frame().iloc[::-1].reset_index(drop=True)
    root = parse(spc_chart_svg(frame, title="t", unit="%"))
    cx = [_cx(p) for p in points(root)]
    assert cx == sorted(cx)
    desc = root.find(f"{NS}desc")
    assert desc is not None and "The latest value is 20.0% (Dec 2023)" in (desc.text or "")


def test_numeric_periods_are_drawn_on_a_number_axis() -> None:
    frame = spc_frame().assign(x=range(1, 13))
    root = parse(spc_chart_svg(frame, title="t", unit="%"))
    labels = [float("".join(e.itertext())) for e in by_class(root, "eqi-x-tick")]
    assert labels and all(1 <= v <= 12 for v in labels)
    assert len(points(root)) == 12
