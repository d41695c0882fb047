"""The one-pass chart of many groups equals charting each group on its own (issue 19).

National stratified SPC (every practice x decile x indicator) is computed columnar: limits
per segment by grouped sums, the Making Data Count runs by run lengths over the concatenated
series, reset at every group and phase boundary. The per-group call is the reference: for
random panels with short series, missing values, constant series, phases and configured
trend/shift lengths every point and every summary row must be the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from equalqi.spc import spc

POINT_COLUMNS = [
    "phase",
    "phase_label",
    "x",
    "y",
    "cl",
    "lcl",
    "ucl",
    "lcl_2s",
    "ucl_2s",
    "baseline",
    "excluded",
    "sigma_signal",
    "runs_signal",
    "signal",
    "rule",
    "rule_label",
    "direction",
    "classification",
    "point_type",
]


@st.composite
def national_panels(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, object]]:
    groups = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 100_000))
    rng = np.random.default_rng(seed)
    frames = []
    for g in range(groups):
        points = draw(st.integers(1, 40))  # short series included
        kind = draw(st.sampled_from(["noise", "step", "trend", "constant"]))
        y = rng.normal(50.0, 5.0, points).round(draw(st.sampled_from([0, 2])))
        if kind == "step":
            y[points // 2 :] += 15.0
        elif kind == "trend":
            y = y + np.arange(points) * 3.0
        elif kind == "constant":
            y = np.full(points, 7.0)
        missing = rng.random(points) < draw(st.sampled_from([0.0, 0.1]))
        y[missing] = np.nan
        frames.append(
            pd.DataFrame(
                {
                    "g": f"practice {g:02d}",
                    "x": pd.date_range("2020-01-01", periods=points, freq="MS"),
                    "y": y,
                }
            )
        )
    data = pd.concat(frames, ignore_index=True)
    data["period"] = np.where(data["x"] < pd.Timestamp("2021-01-01"), "before", "after")
    if draw(st.booleans()):
        data = data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    kwargs: dict[str, object] = {
        "chart": draw(st.sampled_from(["xmr", "i", "run"])),
        "rules": draw(st.sampled_from(["mdc", "both"])),
        "improvement": draw(st.sampled_from(["increase", "decrease", "neutral"])),
        "trend_length": draw(st.integers(5, 8)),
        "shift_length": draw(st.integers(6, 9)),
    }
    phases = draw(st.sampled_from(["none", "column", "breaks"]))
    if phases == "column":
        kwargs["phases"] = "period"
    elif phases == "breaks":
        kwargs["phases"] = [pd.Timestamp("2020-09-01"), pd.Timestamp("2022-01-01")]
    if draw(st.booleans()):
        kwargs["freeze"] = draw(st.integers(2, 15))
    return data, kwargs


@given(national_panels())
@settings(max_examples=80, deadline=None)
def test_grouped_chart_equals_one_chart_per_group(case: tuple[pd.DataFrame, dict]) -> None:
    data, kwargs = case
    together = spc(data, x="x", y="y", group="g", **kwargs)
    points = together.to_frame()
    summary = together.summary()
    for name, sub in data.groupby("g"):
        alone = spc(sub, x="x", y="y", **kwargs)
        part = points[points["group"] == name].reset_index(drop=True)
        ref = alone.to_frame()
        assert len(part) == len(ref)
        for col in POINT_COLUMNS:
            if pd.api.types.is_float_dtype(ref[col]):
                np.testing.assert_allclose(part[col], ref[col], rtol=1e-12, equal_nan=True)
            else:
                assert part[col].tolist() == ref[col].tolist(), col
        rows = summary[summary["group"] == name].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(
            rows, alone.summary().drop(columns="group"), check_exact=False, rtol=1e-12
        )


def test_a_changed_copy_leaves_the_result_alone() -> None:
    # to_frame() shares memory until changed (copy-on-write): changing the copy is allowed
    # and never reaches the result or the data
    data = pd.DataFrame(
        {"g": ["a"] * 5 + ["b"] * 5, "x": list(range(5)) * 2, "y": [1.0, 2, 3, 4, 5] * 2}
    )
    result = spc(data, x="x", y="y", group="g", chart="xmr")
    frame = result.to_frame()
    frame.loc[0, "x"] = 99
    frame.loc[1, "group"] = "c"
    frame.loc[2, "cl"] = -1.0
    again = result.to_frame()
    assert again.loc[0, "x"] == 0 and again.loc[1, "group"] == "a"
    assert again.loc[2, "cl"] == 3.0  # mean of 1..5
    assert data["x"].tolist() == list(range(5)) * 2
