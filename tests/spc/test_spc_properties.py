"""Properties every chart must have, whatever the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalqi.spc import spc
from equalqi.spc.constants import D2, MDC_LIMIT

LINES = ["y", "cl", "lcl", "ucl", "lcl_2s", "ucl_2s"]
FLAGS = ["sigma_signal", "runs_signal", "signal", "rule", "classification"]


def _counts(seed: int, groups: int, points: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 400, size=groups * points)
    y = rng.binomial(n, rng.uniform(0.1, 0.6, size=groups * points))
    return pd.DataFrame(
        {
            "g": np.repeat([f"g{i}" for i in range(groups)], points),
            "x": np.tile(np.arange(points), groups),
            "y": y.astype(float),
            "n": n.astype(float),
        }
    )


@pytest.mark.parametrize("chart", ["p", "u"])
def test_limits_widen_as_n_falls(chart: str) -> None:
    data = _counts(1, 1, 30)
    frame = spc(data, x="x", y="y", n="n", chart=chart).to_frame()
    width = (frame["ucl"] - frame["cl"]).to_numpy()
    order = np.argsort(frame["n"].to_numpy())
    # smaller denominators never have narrower limits (nothing clipped at these sizes)
    assert np.all(np.diff(width[order]) <= 1e-15)
    assert frame["ucl"].iloc[order[0]] > frame["ucl"].iloc[order[-1]]


def test_limits_stay_where_the_measure_can_go() -> None:
    data = pd.DataFrame(
        {"x": range(12), "y": [0, 1, 0, 2, 1, 0, 3, 1, 0, 0, 1, 2], "n": [3] * 6 + [40] * 6}
    )
    for chart in ("p", "pp"):
        f = spc(data, x="x", y="y", n="n", chart=chart).to_frame()
        assert (f[["lcl", "lcl_2s"]] >= 0).all().all() and (f[["ucl", "ucl_2s"]] <= 1).all().all()
    for chart in ("c", "u", "up", "g"):
        f = spc(data, x="x", y="y", n="n" if chart in ("u", "up") else None, chart=chart)
        assert (f.to_frame()[["lcl", "lcl_2s"]].fillna(0) >= 0).all().all()


def test_xmr_and_i_differ_only_in_the_constant() -> None:
    # I: CL +/- 3 MR/1.128 ; XmR: CL +/- 2.66 MR -> half-widths in the ratio 2.66 / (3/1.128)
    data = _counts(2, 1, 25)
    i = spc(data, x="x", y="y", chart="i").summary().iloc[0]
    x = spc(data, x="x", y="y", chart="xmr").summary().iloc[0]
    assert i["cl"] == x["cl"]
    assert (x["ucl"] - x["cl"]) / (i["ucl"] - i["cl"]) == pytest.approx(MDC_LIMIT / (3 / D2))


@st.composite
def panels(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, object]]:
    groups = draw(st.integers(1, 4))
    points = draw(st.integers(2, 30))
    seed = draw(st.integers(0, 10_000))
    data = _counts(seed, groups, points)
    chart = draw(st.sampled_from(["run", "i", "xmr", "mr", "t", "p", "pp", "c", "u", "up", "g"]))
    if chart == "t":
        data["y"] = data["y"] + 1.0
    kwargs: dict[str, object] = {
        "chart": chart,
        "rules": draw(st.sampled_from(["mdc", "anhoej", "both", "none"])),
        "improvement": draw(st.sampled_from(["increase", "decrease", "neutral"])),
    }
    if chart in ("p", "pp", "u", "up"):
        kwargs["n"] = "n"
    if draw(st.booleans()):
        kwargs["freeze"] = draw(st.integers(1, points))
    if draw(st.booleans()):
        kwargs["phases"] = [draw(st.integers(1, points))]
    if draw(st.booleans()):
        kwargs["exclude"] = [draw(st.integers(1, points))]
    return data, kwargs


@given(panels())
@settings(max_examples=60, deadline=None)
def test_one_vectorised_call_equals_one_call_per_group(case: tuple[pd.DataFrame, dict]) -> None:
    data, kwargs = case
    together = spc(data, x="x", y="y", group="g", **kwargs).to_frame()
    for name, sub in data.groupby("g"):
        alone = spc(sub, x="x", y="y", **kwargs).to_frame()
        part = together[together["group"] == name].reset_index(drop=True)
        for col in LINES:
            np.testing.assert_allclose(part[col], alone[col], rtol=1e-12, equal_nan=True)
        for col in FLAGS:
            assert part[col].tolist() == alone[col].tolist(), col


@given(panels())
@settings(max_examples=40, deadline=None)
def test_row_order_does_not_matter(case: tuple[pd.DataFrame, dict]) -> None:
    data, kwargs = case
    a = spc(data, x="x", y="y", group="g", **kwargs).to_frame()
    shuffled = data.sample(frac=1.0, random_state=3)
    b = spc(shuffled, x="x", y="y", group="g", **kwargs).to_frame()
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("chart", ["i", "xmr", "p", "c", "u", "pp", "up", "g", "run"])
def test_points_after_the_freeze_do_not_move_the_limits(chart: str) -> None:
    data = _counts(5, 1, 30)
    n = "n" if chart in ("p", "pp", "u", "up") else None
    a = spc(data, x="x", y="y", n=n, chart=chart, freeze=15).to_frame()
    changed = data.copy()
    changed.loc[20:, "y"] = changed.loc[20:, "y"] * 0.5
    b = spc(changed, x="x", y="y", n=n, chart=chart, freeze=15).to_frame()
    for col in ("cl", "lcl", "ucl"):
        np.testing.assert_allclose(a[col], b[col], equal_nan=True)


@pytest.mark.parametrize("chart", ["i", "xmr", "p", "c", "u", "run"])
def test_excluded_points_do_not_move_the_limits(chart: str) -> None:
    data = _counts(6, 1, 25)
    n = "n" if chart in ("p", "u") else None
    a = spc(data, x="x", y="y", n=n, chart=chart, exclude=[7]).to_frame()
    changed = data.copy()
    changed.loc[6, "y"] = 0.0
    b = spc(changed, x="x", y="y", n=n, chart=chart, exclude=[7]).to_frame()
    for col in ("cl", "lcl", "ucl"):
        np.testing.assert_allclose(a[col], b[col], equal_nan=True)
    assert bool(a.loc[6, "excluded"]) and not a.loc[6, "baseline"]


def test_each_phase_is_its_own_chart() -> None:
    data = _counts(7, 1, 30)
    whole = spc(data, x="x", y="y", chart="xmr", phases=[15]).to_frame()  # x = 15 starts phase 2
    first = spc(data.iloc[:15], x="x", y="y", chart="xmr").to_frame()
    second = spc(data.iloc[15:], x="x", y="y", chart="xmr").to_frame()
    assert whole["phase"].tolist() == [1] * 15 + [2] * 15
    for col in LINES:
        np.testing.assert_allclose(whole[col], pd.concat([first, second])[col], equal_nan=True)


def test_phases_and_freeze_together() -> None:
    # freeze applies within each phase (NHSRplotthedots' fix_after_n_points per rebase group)
    data = _counts(8, 1, 30)
    both = spc(data, x="x", y="y", chart="xmr", phases=[16], freeze=10).to_frame()
    first = spc(data.iloc[:10], x="x", y="y", chart="xmr").summary().iloc[0]
    second = spc(data.iloc[16:26], x="x", y="y", chart="xmr").summary().iloc[0]  # x = 16...
    assert both["cl"].iloc[0] == pytest.approx(first["cl"])
    assert both["ucl"].iloc[-1] == pytest.approx(second["ucl"])
    assert both["baseline"].sum() == 20


def test_phases_from_a_label_column() -> None:
    data = _counts(9, 1, 20).assign(stage=["before"] * 8 + ["after"] * 12)
    res = spc(data, x="x", y="y", chart="i", phases="stage")
    s = res.summary()
    assert s["phase"].tolist() == [1, 2]
    assert s["phase_label"].tolist() == ["before", "after"]
    assert s["n_points"].tolist() == [8, 12]


def test_multiplier_scales_lines_not_signals() -> None:
    data = _counts(10, 2, 20)
    a = spc(data, x="x", y="y", n="n", chart="p", group="g").to_frame()
    b = spc(data, x="x", y="y", n="n", chart="p", group="g", multiplier=100).to_frame()
    for col in LINES:
        np.testing.assert_allclose(b[col], a[col] * 100, rtol=1e-12, equal_nan=True)
    assert a["signal"].tolist() == b["signal"].tolist()


def test_duplicate_rows_are_aggregated_like_qicharts2() -> None:
    # two rows for x = 2: qicharts2 takes sum(y) / sum(n) with a denominator, mean without
    data = pd.DataFrame({"x": [1, 2, 2, 3], "y": [1.0, 2.0, 4.0, 3.0], "n": [10, 10, 30, 10]})
    with_n = spc(data, x="x", y="y", n="n", chart="i").to_frame()
    assert with_n["y"].tolist() == pytest.approx([0.1, 6 / 40, 0.3])
    without = spc(data, x="x", y="y", chart="i").to_frame()
    assert without["y"].tolist() == pytest.approx([1.0, 3.0, 3.0])
