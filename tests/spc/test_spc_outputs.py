"""Output contract: frames, summary, assurance, icons, Vega-Lite, errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from equalqi.errors import InputError
from equalqi.spc import (
    assurance,
    assurance_icon,
    spc,
    variation_icon,
    variation_icon_name,
    vegalite_spec,
)
from equalqi.spc.colours import CONCERN, IMPROVEMENT, NEUTRAL

POINT_COLUMNS = {
    "group", "phase", "x", "y", "n", "cl", "lcl", "ucl", "lcl_2s", "ucl_2s", "signal", "rule",
    "classification",
}  # fmt: skip
SUMMARY_COLUMNS = {
    "group", "phase", "n_points", "cl", "lcl", "ucl", "variation", "assurance", "warnings",
}  # fmt: skip


def _series(n: int = 24, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"month": pd.date_range("2021-01-01", periods=n, freq="MS"), "v": rng.normal(50, 4, n)}
    )


def test_frame_and_summary_have_the_contract_columns() -> None:
    res = spc(_series(), x="month", y="v", chart="xmr")
    frame, summary = res.to_frame(), res.summary()
    assert set(frame.columns) >= POINT_COLUMNS
    assert set(summary.columns) >= SUMMARY_COLUMNS
    assert frame["group"].unique().tolist() == ["All"]
    assert frame["signal"].dtype == bool
    assert set(frame["classification"]) <= {"improvement", "concern", "neutral", "common"}
    assert (frame.loc[~frame["signal"], "rule"] == "").all()
    assert summary["variation"].iloc[0] in {
        "common_cause", "special_cause_improvement", "special_cause_concern",
        "special_cause_neutral",
    }  # fmt: skip
    assert res.method.startswith("XmR chart (Making Data Count)")


@pytest.mark.parametrize(
    ("improvement", "expected"),
    [
        ("increase", ["fail", "pass", "hit_and_miss"]),
        ("decrease", ["pass", "fail", "hit_and_miss"]),
        ("neutral", ["none", "none", "none"]),
    ],
)
def test_assurance_matches_ptd_tests(improvement: str, expected: list[str]) -> None:
    # test-ptd_calculate_assurance_type.R: lpl (1, 5, 1), upl (3, 7, 5), target 4
    got = assurance(np.full(3, 4.0), np.array([1.0, 5, 1]), np.array([3.0, 7, 5]), improvement)
    assert got.tolist() == expected


def test_assurance_only_for_the_last_phase_and_needs_a_target() -> None:
    data = _series(30)
    data.loc[15:, "v"] += 20
    res = spc(data, x="month", y="v", chart="xmr", phases=[data["month"][15]],
              improvement="increase", target=0.0)  # fmt: skip
    s = res.summary()
    assert s["assurance"].tolist() == ["none", "pass"]  # target far below the lower limit
    none = spc(data, x="month", y="v", chart="xmr", improvement="increase").summary()
    assert (none["assurance"] == "none").all()


def test_variation_comes_from_the_last_point_of_each_phase() -> None:
    data = _series(24)
    data.loc[23, "v"] = 200.0
    s = spc(data, x="month", y="v", chart="xmr", improvement="decrease").summary().iloc[0]
    assert s["variation"] == "special_cause_concern"
    assert s["variation_icon"] == "concern_high"


@pytest.mark.parametrize(
    ("variation", "improvement", "side", "name"),
    [
        ("common_cause", "increase", "", "common_cause"),
        ("special_cause_improvement", "increase", "", "improvement_high"),
        ("special_cause_improvement", "decrease", "", "improvement_low"),
        ("special_cause_concern", "increase", "", "concern_low"),
        ("special_cause_concern", "decrease", "", "concern_high"),
        ("special_cause_neutral", "neutral", "high", "neutral_high"),
        ("special_cause_neutral", "neutral", "low", "neutral_low"),
    ],
)
def test_variation_icon_names_follow_ptd(
    variation: str, improvement: str, side: str, name: str
) -> None:
    # NHSRplotthedots ptd_get_icons: improvement is "high" when increase is better, etc.
    assert variation_icon_name(variation, improvement, side) == name


def _svg(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag.endswith("svg") and root.get("role") == "img"
    return root


def test_icons_are_accessible_standalone_svg() -> None:
    ns = "{http://www.w3.org/2000/svg}"
    imp = _svg(variation_icon("special_cause_improvement", "increase"))
    assert imp.find(f"{ns}title") is not None
    assert imp.find(f"{ns}circle").get("stroke") == IMPROVEMENT
    assert imp.find(f"{ns}text").text == "H"
    low = _svg(variation_icon("special_cause_concern", "increase"))
    assert low.find(f"{ns}circle").get("stroke") == CONCERN and low.find(f"{ns}text").text == "L"
    neutral = _svg(variation_icon("special_cause_neutral", "neutral", "low"))
    assert neutral.find(f"{ns}circle").get("stroke") == NEUTRAL
    letters = {
        a: _svg(assurance_icon(a)).find(f"{ns}text") for a in ("pass", "fail", "hit_and_miss")
    }
    assert {a: t.text for a, t in letters.items() if t is not None} == {
        "pass": "P", "fail": "F", "hit_and_miss": "?"
    }  # fmt: skip
    assert _svg(assurance_icon("none")).find(f"{ns}text") is None
    for text in (variation_icon("common_cause"), assurance_icon("pass")):
        assert "href" not in text


def test_result_icons_per_group() -> None:
    data = pd.concat([_series().assign(g="a"), _series(seed=1).assign(g="b")])
    icons = spc(data, x="month", y="v", chart="xmr", group="g").icons()
    assert set(icons) == {"a", "b"} and set(icons["a"]) == {"variation", "assurance"}


def test_vegalite_spec_is_self_contained_json() -> None:
    data = pd.concat([_series().assign(g="a"), _series(seed=1).assign(g="b")])
    res = spc(data, x="month", y="v", chart="xmr", group="g", target=50.0, improvement="increase")
    spec = vegalite_spec(res, title="Test")
    text = json.dumps(spec)
    assert "http" not in text and "$schema" not in spec
    assert spec["facet"]["field"] == "group"
    layers = spec["spec"]["layer"]
    colours = layers[-1]["encoding"]["color"]["scale"]["range"]
    assert colours == ["#a6a6a6", IMPROVEMENT, CONCERN, NEUTRAL]
    assert any(layer["mark"].get("color") == "#de1b1b" for layer in layers)  # target line
    assert len(spec["data"]["values"]) == 48
    single = vegalite_spec(spc(_series(), x="month", y="v", chart="i"))
    assert "layer" in single and "facet" not in single
    assert single["data"]["values"][0]["x"].startswith("2021-01-01")


def test_to_dict_is_json_serialisable() -> None:
    data = _series()
    data.loc[3, "v"] = np.nan
    d = spc(data, x="month", y="v", chart="xmr").to_dict()
    json.dumps(d, allow_nan=False)
    assert d["points"][3]["y"] is None and len(d["summary"]) == 1


def test_short_phase_warning() -> None:
    s = spc(_series(8), x="month", y="v", chart="xmr").summary().iloc[0]
    assert bool(s["short_group_warning"]) and "trial limits" in s["warnings"]
    assert not spc(_series(13), x="month", y="v", chart="xmr").summary()["short_group_warning"][0]


def test_rows_without_x_are_left_out_and_reported() -> None:
    data = _series(15)
    data.loc[4, "month"] = pd.NaT
    res = spc(data, x="month", y="v", chart="xmr")
    assert len(res.to_frame()) == 14
    assert "row 6" in res.warnings[0] or "rows 6" in res.warnings[0]


@pytest.mark.parametrize(
    ("kwargs", "column", "row", "value"),
    [
        ({"y": "v", "chart": "c"}, "v", 3, "-1.0"),
        ({"y": "v", "n": "n", "chart": "p"}, "v", 4, "7.0"),
        ({"y": "v", "chart": "t"}, "v", 3, "-1.0"),
        ({"y": "txt", "chart": "i"}, "txt", 2, "abc"),
    ],
)
def test_bad_values_name_row_column_and_value(
    kwargs: dict[str, str], column: str, row: int, value: str
) -> None:
    data = pd.DataFrame(
        {"x": [1, 2, 3], "v": [2.0, -1.0, 7.0], "n": [5, 5, 5], "txt": ["abc", "1", "2"]}
    )
    with pytest.raises(InputError) as err:
        spc(data, x="x", **kwargs)
    found = [(p.column, p.row, p.value) for p in err.value.problems]
    assert (column, row, value) in found
    assert all(p.fix for p in err.value.problems)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"chart": "xyz"},
        {"rules": "western"},
        {"improvement": "up"},
        {"chart": "p"},  # no denominator
        {"freeze": 0},
        {"exclude": [0]},
        {"trend_length": 1},
        {"multiplier": -1},
        {"group": "nope"},
    ],
)
def test_bad_settings_raise_input_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        spc(_series(), x="month", y="v", **kwargs)  # type: ignore[arg-type]


def test_target_trajectory_and_per_group_phases() -> None:
    data = pd.concat([_series().assign(g="a"), _series(seed=1).assign(g="b")])
    data["plan"] = np.linspace(40, 60, 24).tolist() * 2
    rebase = {"a": [pd.Timestamp("2022-01-01")]}  # only group a is rebased
    res = spc(
        data,
        x="month",
        y="v",
        chart="xmr",
        group="g",
        phases=rebase,
        target={"a": 55.0, "b": 45.0},
        trajectory="plan",
        improvement="increase",
    )
    frame = res.to_frame()
    assert frame.groupby("group")["phase"].max().to_dict() == {"a": 2, "b": 1}
    assert frame.loc[frame["group"] == "a", "phase"].tolist() == [1] * 12 + [2] * 12
    assert frame.groupby("group")["target"].first().to_dict() == {"a": 55.0, "b": 45.0}
    np.testing.assert_allclose(frame["trajectory"], data["plan"])
    spec = json.dumps(vegalite_spec(res))
    assert "#490092" in spec  # trajectory line in MDC purple


def test_arrow_tables_are_accepted() -> None:
    table = pa.Table.from_pandas(_series())
    a = spc(table, x="month", y="v", chart="xmr").to_frame()
    b = spc(_series(), x="month", y="v", chart="xmr").to_frame()
    np.testing.assert_allclose(a["ucl"], b["ucl"])


def test_funnel_spec_is_self_contained() -> None:
    from equalqi.spc import funnel, funnel_vegalite_spec

    data = pd.DataFrame({"u": list("abcdef"), "x": [5, 9, 30, 12, 40, 8], "n": [50] * 3 + [90] * 3})
    spec = funnel_vegalite_spec(funnel(data, unit="u", numerator="x", denominator="n"))
    text = json.dumps(spec, allow_nan=False)
    assert "http" not in text and len(spec["layer"]) == 3
