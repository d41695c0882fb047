"""Learning across projects: orientation of gap changes, pooling, messages, the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from equalqi.cli.main import app
from equalqi.errors import InputError
from equalqi.services.analysis.pipeline import analyse
from equalqi.services.demo import demo_plan
from equalqi.services.disclosure import disclose
from equalqi.services.portfolio import portfolio, portfolio_html, project_effect
from equalqi.synthetic import write_parquet


@pytest.fixture(scope="module")
def effects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    folder = tmp_path_factory.mktemp("portfolio")
    out = {}
    for name in ("dna_sms", "screening_outreach"):
        path = folder / f"{name}.parquet"
        write_parquet(name, path, n_rows=150_000, seed=5)
        out[name] = project_effect(
            disclose(analyse(path, demo_plan(name))), project=name, qi_type="x"
        )
    return out


def test_widening_is_positive_whatever_the_better_direction(
    effects: dict[str, dict[str, object]],
) -> None:
    # dna_sms: lower is better and the gap widens; screening: higher is better and the gap
    # (negative: the most deprived screen less) moves towards zero, i.e. it narrows.
    assert float(effects["dna_sms"]["gap_change"]) > 0  # type: ignore[arg-type]
    assert float(effects["screening_outreach"]["gap_change"]) < 0  # type: ignore[arg-type]
    for e in effects.values():
        assert e["lower"] < e["gap_change"] < e["upper"]  # type: ignore[operator]


def test_pooling_two_hand_checkable_projects() -> None:
    # Equal standard errors and no heterogeneity beyond chance: the pooled estimate is the
    # plain mean, (1 + 3) / 2 = 2, with standard error 1 / sqrt(2) under DL when tau2 = 0.
    frame = pd.DataFrame({"project": ["a", "b"], "gap_change": [1.0, 1.2], "se": [1.0, 1.0]})
    meta = portfolio(frame, method="DL", moderators=())
    assert meta.estimate == pytest.approx(1.1)
    assert meta.tau2 == pytest.approx(0.0)
    assert meta.se == pytest.approx(2**-0.5)
    page = portfolio_html(meta, title="T", unit="points")
    assert "<svg" in page and "+1.10 points" in page


def test_bad_projects_file_is_explained() -> None:
    frame = pd.DataFrame({"project": ["a", "b"], "gap_change": [1.0, 2.0], "se": [0.5, 0.0]})
    with pytest.raises(InputError) as exc:
        portfolio(frame, source="projects.csv")
    p = exc.value.problems[0]
    assert (p.file, p.row, p.column, p.value) == ("projects.csv", 3, "se", "0.0")


def test_cli_portfolio(tmp_path: Path) -> None:
    path = tmp_path / "projects.csv"
    pd.DataFrame(
        {
            "project": list("abcd"),
            "type": ["digital", "digital", "outreach", "outreach"],
            "gap_change": [2.0, 2.5, -3.0, -2.0],
            "se": [0.5, 0.6, 0.7, 0.5],
        }
    ).to_csv(path, index=False)
    result = CliRunner().invoke(
        app, ["portfolio", str(path), "--out", str(tmp_path / "o"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "portfolio.html").exists()
    missing = CliRunner().invoke(
        app, ["portfolio", str(tmp_path / "no.csv"), "--out", str(tmp_path / "o")]
    )
    assert missing.exit_code == 2


def test_no_pooled_headline_when_projects_differ_and_plot_intervals_are_the_files() -> None:
    # Three types far apart with small standard errors: I² is near 100%, so no pooled
    # figure; each project's interval is the one in the file (its own AR(1) analysis), not
    # estimate ± 1.96 se (2.03 ± 0.98 would give 1.05 to 3.01; the file says 0.99 to 3.07).
    frame = pd.DataFrame(
        {
            "project": ["a", "b", "c", "d", "e", "f"],
            "type": ["digital", "digital", "outreach", "outreach", "redesign", "redesign"],
            "gap_change": [2.03, 2.77, -8.13, -9.68, 0.80, -0.50],
            "se": [0.50, 0.85, 1.39, 0.94, 1.24, 0.86],
            "lower": [0.99, 1.02, -11.02, -11.64, -1.77, -2.29],
            "upper": [3.07, 4.53, -5.23, -7.72, 3.37, 1.29],
        }
    )
    meta = portfolio(frame)
    assert meta.i2 > 75
    page = portfolio_html(meta, title="T", unit="points")
    assert "No single figure is given for all the projects together" in page
    assert "Pooled (" not in page  # no overall diamond in the plot
    assert "2.03 (0.99 to 3.07)" in page and "−9.68 (−11.64 to −7.72)" in page
    assert "← gap narrowed" in page and "gap widened →" in page
    assert "e-" not in page.split("<details>", 1)[1]  # p-values in plain form, not 1.2e-37
    by_type = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert by_type.index("digital") < by_type.index("outreach")
    assert ">widened<" in by_type and ">narrowed<" in by_type
    # the statistics are still there, in the details section
    details = page.split("<details>", 1)[1]
    assert "I²" in details and "τ²" in details
