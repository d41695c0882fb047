"""The forest plot SVG: well-formed, accessible, one row per project, escaped, self-contained."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from equalqi.impact import meta_analysis
from equalqi.services.report.forest_svg import forest_plot_svg

NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture
def effects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project": [
                "Reminders <SMS> & calls",
                "Outreach",
                "Clinic redesign",
                "Training",
                "Outreach 2",
                "Incentives",
            ],
            "gap_change": [1.8, -2.1, 0.2, 0.4, -1.6, 1.1],
            "se": [0.6, 0.5, 0.7, 0.4, 0.6, 0.5],
            "type": [
                "digital",
                "targeted outreach",
                "pathway redesign",
                "education",
                "targeted outreach",
                "targets and incentives",
            ],
        }
    )


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises if the markup is not well-formed XML


def _visible(node: ET.Element) -> str:
    """Text a reader sees: the element's text and its children's tails (not their titles)."""
    return (node.text or "") + "".join(child.tail or "" for child in node)


def test_accessible_and_self_contained(effects: pd.DataFrame) -> None:
    meta = meta_analysis(effects, estimate="gap_change", se="se")
    svg = forest_plot_svg(meta, title="Gap change <by project>", unit="percentage points")
    root = _parse(svg)
    assert root.get("role") == "img"
    title, desc = root.find("s:title", NS), root.find("s:desc", NS)
    assert title is not None and title.text == "Gap change <by project>"
    assert desc is not None and "6 projects" in (desc.text or "")
    ids = root.get("aria-labelledby", "").split()
    assert ids == [title.get("id"), desc.get("id")]
    # no scripts, links, images or external references
    for tag in ("script", "a", "image", "use", "foreignObject", "style"):
        assert root.find(f".//s:{tag}", NS) is None
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "&lt;SMS&gt; &amp; calls" in svg  # user text escaped


def test_one_square_per_project_sized_by_weight(effects: pd.DataFrame) -> None:
    meta = meta_analysis(effects, estimate="gap_change", se="se")
    root = _parse(forest_plot_svg(meta, title="t", unit="u"))
    squares = root.findall(".//s:g/s:rect", NS)
    assert len(squares) == len(effects)
    sides = np.array([float(r.get("width", "nan")) for r in squares])
    order = np.argsort(meta.studies["weight"].to_numpy())
    assert np.all(np.diff(sides[order]) >= -1e-9)  # bigger weight, bigger square
    diamonds = root.findall(".//s:polygon", NS)
    assert len(diamonds) == 1  # the pooled estimate only


def test_diamond_spans_the_pooled_interval(effects: pd.DataFrame) -> None:
    meta = meta_analysis(effects, estimate="gap_change", se="se")
    root = _parse(forest_plot_svg(meta, title="t", unit="u"))
    pts = [
        tuple(map(float, p.split(",")))
        for p in root.findall(".//s:polygon", NS)[0].get("points", "").split()
    ]
    xs = sorted(p[0] for p in pts)
    # left tip, centre (twice), right tip: the centre is the pooled estimate, proportionally
    # placed between the tips as the estimate is between the bounds
    frac = (meta.estimate - meta.lower) / (meta.upper - meta.lower)
    assert (xs[1] - xs[0]) / (xs[3] - xs[0]) == pytest.approx(frac, abs=0.01)


def test_subgroups_by_type(effects: pd.DataFrame) -> None:
    meta = meta_analysis(effects, estimate="gap_change", se="se", moderators=["type"], method="DL")
    svg = forest_plot_svg(meta, title="By type of QI", unit="points")
    root = _parse(svg)
    diamonds = root.findall(".//s:polygon", NS)
    assert len(diamonds) == 5 + 1  # one per type, and the pooled one
    texts = [_visible(t) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "type: targeted outreach" in texts
    assert any(t.startswith("Moderators (type)") for t in texts)
    assert "Meta-regression on type" in (root.find("s:desc", NS).text or "")


def test_zero_line_present_when_zero_in_range(effects: pd.DataFrame) -> None:
    meta = meta_analysis(effects, estimate="gap_change", se="se")
    root = _parse(forest_plot_svg(meta, title="t", unit="u"))
    dashed = [
        ln for ln in root.iter("{http://www.w3.org/2000/svg}line") if ln.get("stroke-dasharray")
    ]
    assert len(dashed) == 1
