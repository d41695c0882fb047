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
