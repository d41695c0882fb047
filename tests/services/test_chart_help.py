""" "How to read this chart": the editable help file is checked, and every chart of the HTML
report and the portfolio page carries its help, collapsed, with verdicts pointing to the
guide module that explains them."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from equalqi.learn import load_guide
from equalqi.services.analysis.pipeline import analyse
from equalqi.services.chart_help import (
    CHARTS,
    CONTENT,
    ChartHelpError,
    chart_help,
    parse_chart_help,
    verdict_module,
)
from equalqi.services.demo import demo_plan
from equalqi.services.disclosure import disclose
from equalqi.services.report.html import render_html
from equalqi.services.report.model import build_model
from equalqi.synthetic import write_parquet


def _raw() -> dict[str, Any]:
    with CONTENT.open("rb") as fh:
        return tomllib.load(fh)


def test_the_shipped_file_has_help_for_every_chart() -> None:
    help_ = chart_help()
    assert set(help_.charts) == set(CHARTS)
    assert all(help_.paragraphs(c) for c in CHARTS)
    assert help_.summary == "How to read this chart"


def test_the_verdict_module_is_the_guides_module_five() -> None:
    # The help file names the module by number; its title and slug come from the guide.
    module = verdict_module()
    five = next(m for m in load_guide().modules if m.number == 5)
    assert (module.number, module.title, module.slug) == (5, five.title, five.slug)
    assert module.href == f"/learn/{five.slug}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("sii"), r"\[sii\] needs `paragraphs`"),
        (lambda r: r["gap_spc"].update(paragraphs=["ok", " "]), r"\[gap_spc\] has an empty"),
        (lambda r: r.update(pie={"paragraphs": ["x"]}), "no chart is called pie"),
        (lambda r: r["verdict"].update(module="five"), r"\[verdict\] `module` must be"),
        (lambda r: r.update(summary=""), "`summary` must be"),
    ],
)
def test_a_broken_help_file_says_where(change: Any, message: str) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(ChartHelpError, match=message) as info:
        parse_chart_help(raw)
    assert str(info.value).startswith("chart_help.toml: ")


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("help") / "dna_sms.parquet"
    write_parquet("dna_sms", path, n_rows=60_000, seed=5)
    return render_html(build_model(disclose(analyse(path, demo_plan("dna_sms")))))


def test_every_report_chart_has_its_help_collapsed(report_html: str) -> None:
    html = report_html
    help_ = chart_help()
    # Each chart (an inline SVG in a .chart block) is followed by exactly one help block
    # before the next chart; so is the before/after table.
    blocks = html.split('<div class="chart">')[1:]
    assert len(blocks) >= 8
    kinds = []
    for block in blocks:
        before_next = block
        found = re.findall(r'<details class="how-to-read" data-chart="([a-z_]+)"', before_next)
        assert len(found) >= 1, before_next[:300]
        kinds.append(found[0])
    assert {"overall_spc", "group_lines", "gap_spc", "sii", "spc_multiples", "completeness"} <= set(
        kinds
    )
    # Collapsed: no help block is open.
    opened = re.findall(r'<details class="how-to-read"[^>]*\bopen\b', html)
    assert opened == []
    # The before/after tables carry their help too, one for each.
    tables = html.count("before and after 1 January 2024")
    assert tables >= 1
    assert html.count('data-chart="before_after"') == tables
    for kind in set(kinds) | {"before_after"}:
        assert help_.paragraphs(kind)[0] in html.replace("&#39;", "'")


def test_every_report_verdict_points_to_module_five(report_html: str) -> None:
    module = verdict_module()
    verdicts = report_html.count('<p class="verdict">')
    assert verdicts >= 1
    assert report_html.count(f"“{module.title}”, explains this verdict.") == verdicts
    assert f"Module 5 of the equalqi guide, “{module.title}”, explains it" in report_html
    assert "equalqi guide --out" in report_html


def test_the_portfolio_forest_plot_has_its_help_and_the_verdict_link() -> None:
    import pandas as pd

    from equalqi.services.portfolio import portfolio, portfolio_html

    frame = pd.DataFrame({"project": ["a", "b"], "gap_change": [1.0, 1.2], "se": [1.0, 1.0]})
    page = portfolio_html(portfolio(frame, method="DL", moderators=()), title="T", unit="pts")
    figure_end = page.index("</figure>")
    help_at = page.index('<details class="how-to-read" data-chart="forest">')
    assert help_at > figure_end  # right under the plot
    assert not re.search(r'<details class="how-to-read"[^>]*\bopen\b', page)
    assert chart_help().paragraphs("forest")[0] in page
    assert f"Module 5 of the equalqi guide, \u201c{verdict_module().title}\u201d" in page


def test_the_board_summary_points_its_verdicts_to_module_five(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from equalqi.services.report.board import build_board, render_board

    path = tmp_path_factory.mktemp("board") / "screening.parquet"
    write_parquet("screening_outreach", path, n_rows=60_000, seed=5)
    result = disclose(analyse(path, demo_plan("screening_outreach")))
    html = render_board(build_board(result, build_model(result)))
    title = verdict_module().title
    assert f"Module 5 of the equalqi guide, “{title}”, explains what the verdicts mean." in html
