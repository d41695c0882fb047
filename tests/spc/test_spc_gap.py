"""Charts of the gap between groups and of the slope index of inequality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.spc import gap_chart, gap_series, sii_series, spc


def _panel() -> pd.DataFrame:
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    rng = np.random.default_rng(4)
    rows = []
    for g, p in (("Q1", 0.30), ("Q3", 0.40), ("Q5", 0.55)):
        den = rng.integers(150, 250, 24)
        rows.append(
            pd.DataFrame({"month": months, "imd": g, "num": rng.binomial(den, p), "den": den})
        )
    return pd.concat(rows, ignore_index=True)


def test_gap_is_the_difference_of_rates_by_hand() -> None:
    data = pd.DataFrame(
        {
            "x": [1, 1, 2, 2, 2],
            "grp": ["a", "b", "a", "b", "b"],
            "num": [30, 10, 20, 5, 5],
            "den": [100, 100, 50, 40, 60],
        }
    )
    out = gap_series(
        data, x="x", group="grp", focus="a", reference="b", numerator="num", denominator="den"
    )
    # x=1: 0.30 - 0.10 ; x=2: 20/50 - 10/100 (two rows of b summed) = 0.40 - 0.10
    assert out["gap"].tolist() == pytest.approx([0.20, 0.30])
    ratio = gap_series(
        data,
        x="x",
        group="grp",
        focus="a",
        reference="b",
        numerator="num",
        denominator="den",
        measure="ratio",
    )
    assert ratio["gap"].tolist() == pytest.approx([3.0, 4.0])


def test_gap_chart_is_an_xmr_chart_of_the_gap() -> None:
    data = _panel()
    res = gap_chart(
        data, x="month", group="imd", focus="Q5", reference="Q1", numerator="num", denominator="den"
    )
    series = gap_series(
        data, x="month", group="imd", focus="Q5", reference="Q1", numerator="num", denominator="den"
    )
    direct = spc(series, x="x", y="gap", chart="xmr").to_frame()
    frame = res.to_frame()
    assert frame["group"].unique().tolist() == ["Q5 - Q1"]
    np.testing.assert_allclose(frame["y"], direct["y"])
    np.testing.assert_allclose(frame["ucl"], direct["ucl"])
    np.testing.assert_allclose(frame["y"], frame["value_focus"] - frame["value_reference"])
    assert res.rules == "mdc" and res.chart == "xmr"


def test_sii_of_two_equal_groups_is_twice_the_difference() -> None:
    # equal populations: ranks 0.25 and 0.75, so the slope is (v2 - v1) / 0.5
    data = pd.DataFrame({"x": [1, 1], "g": ["lo", "hi"], "y": [10.0, 16.0], "pop": [50, 50]})
    out = sii_series(data, x="x", group="g", order=["lo", "hi"], value="y", population="pop")
    assert out["sii"].iloc[0] == pytest.approx(12.0)


def test_sii_recovers_a_linear_gradient() -> None:
    # five equal quintiles with value = 5 + 20 x rank -> SII = 20 exactly;
    # unequal populations still give 20 when the values lie on the line of their ranks
    pops = np.array([100.0, 300.0, 200.0, 250.0, 150.0])
    cum = np.cumsum(pops)
    rank = (cum - pops / 2) / pops.sum()
    data = pd.DataFrame(
        {"x": 1, "g": ["q1", "q2", "q3", "q4", "q5"], "y": 5 + 20 * rank, "pop": pops}
    )
    out = sii_series(
        data, x="x", group="g", order=["q1", "q2", "q3", "q4", "q5"], value="y", population="pop"
    )
    assert out["sii"].iloc[0] == pytest.approx(20.0)
    reverse = sii_series(
        data, x="x", group="g", order=["q5", "q4", "q3", "q2", "q1"], value="y", population="pop"
    )
    assert reverse["sii"].iloc[0] < 0  # the sign flips when the order flips


def test_sii_chart_uses_denominators_as_weights() -> None:
    res = gap_chart(
        _panel(),
        x="month",
        group="imd",
        measure="sii",
        order=["Q1", "Q3", "Q5"],
        numerator="num",
        denominator="den",
    )
    frame = res.to_frame()
    assert len(frame) == 24 and (frame["groups"] == 3).all()
    assert (frame["y"] > 0).mean() > 0.9  # rates rise with rank in this panel


def test_unknown_group_is_reported() -> None:
    with pytest.raises(InputError) as err:
        gap_chart(
            _panel(),
            x="month",
            group="imd",
            focus="Q5",
            reference="Q9",
            numerator="num",
            denominator="den",
        )
    assert err.value.problems[0].value == "Q9"
    assert err.value.problems[0].column == "imd"


def test_phase_column_is_carried_onto_the_gap() -> None:
    data = _panel()
    data["stage"] = np.where(data["month"] >= "2023-01-01", "after", "before")
    res = gap_chart(
        data,
        x="month",
        group="imd",
        focus="Q5",
        reference="Q1",
        numerator="num",
        denominator="den",
        value="num",  # ignored: numerator and denominator take precedence
        phases="stage",
    )
    s = res.summary()
    assert s["phase_label"].tolist() == ["before", "after"]
    assert s["n_points"].tolist() == [12, 12]
