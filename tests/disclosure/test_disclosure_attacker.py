"""The attacker against every shared file of an analysis: no hidden number comes back.

Extracts: the demo scenario at a size where few cells are small, and a small-cell extract
(4,000 records, monthly, six dimensions and an ethnic group x deprivation intersection)
where most are; both policies. A control shows the attacker is not toothless: with only
the primary suppression it recovers many hidden counts. Minimality: each cell hidden to
protect others is needed (showing it alone lets the attacker in).
"""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from attacker import Attacker, Published, read_published, recovered

import equalqi.disclosure.cells as cells
from equalqi.plan import AnalysisPlan
from equalqi.services.analyses import page_view
from equalqi.services.analysis.gaps import pair_gap
from equalqi.services.analysis.pipeline import AnalysisResult, analyse
from equalqi.services.demo import demo_plan
from equalqi.services.disclosure import disclose
from equalqi.services.outputs import write_outputs
from equalqi.synthetic import write_parquet


def _plan(rule: str) -> AnalysisPlan:
    plan = demo_plan("dna_sms")
    return dataclasses.replace(plan, output=dataclasses.replace(plan.output, disclosure=rule))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("small") / "small.parquet"
    write_parquet("dna_sms", path, n_rows=4_000, seed=11)
    return path


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "large.parquet"
    write_parquet("dna_sms", path, n_rows=200_000, seed=3)
    return path


def _publish(result: AnalysisResult, folder: Path) -> tuple[AnalysisResult, Published]:
    shared = disclose(result)
    write_outputs(shared, folder)
    api = page_view(shared)  # what the web app's pages and API are built from
    return shared, read_published(folder, extra_json=api)


@pytest.mark.parametrize("rule", ["suppress", "round"])
@pytest.mark.parametrize("extract", ["small", "large"])
def test_no_hidden_number_is_recovered(
    rule: str, extract: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    full = analyse(request.getfixturevalue(extract), _plan(rule))
    shared, pub = _publish(full, tmp_path)
    attacker = Attacker(pub)
    found = recovered(attacker, attacker.run(), full.measures)
    assert shared.disclosure is not None
    assert shared.disclosure.hidden == int(pub.measures["suppressed"].sum()) > 0
    assert found == []


def test_the_attacker_breaks_primary_suppression_alone(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Control: hide only the small cells (what the toolkit did before) and the same
    # attacker works many of them back from the totals and margins.
    monkeypatch.setattr(cells, "_complement", lambda *a, **k: None)
    full = analyse(small, _plan("suppress"))
    _, pub = _publish(full, tmp_path)
    attacker = Attacker(pub)
    found = recovered(attacker, attacker.run(), full.measures)
    whats = {f.what for f in found}
    assert len(found) > 20 and {"numerator", "denominator", "rate"} <= whats


def test_every_cell_hidden_to_protect_others_is_needed(small: Path, tmp_path: Path) -> None:
    full = analyse(small, _plan("suppress"))
    _, pub = _publish(full, tmp_path)
    truth = full.measures.reset_index(drop=True)
    extra = np.flatnonzero(pub.measures["suppression_reason"] == cells.SECONDARY)
    assert 0 < len(extra) < 0.1 * len(pub.measures)
    for i in extra[:12]:
        shown = pub.measures.copy()
        for c in ("numerator", "denominator", "n_records", "value"):
            shown.loc[i, c] = truth.loc[i, c]
        attacker = Attacker(dataclasses.replace(pub, measures=shown))
        assert recovered(attacker, attacker.run(), full.measures), f"row {i} was not needed"


def test_nothing_is_hidden_needlessly_and_small_counts_never_show(small: Path) -> None:
    full = analyse(small, _plan("suppress"))
    shared = disclose(full).measures
    truth = full.measures
    num, den = truth["numerator"], truth["denominator"]
    small_cell = ((num > 0) & (num < 10)) | ((den > 0) & (den < 10))
    small_cell |= (den - num > 0) & (den - num < 10)
    assert (shared["suppressed"] == (small_cell | (shared["suppression_reason"] != ""))).all()
    assert (shared.loc[small_cell, "suppression_reason"] == cells.PRIMARY).all()
    assert (
        shared.loc[~small_cell & shared["suppressed"], "suppression_reason"] == cells.SECONDARY
    ).all()
    shown = shared[~shared["suppressed"]]
    for c in ("numerator", "denominator"):
        assert not ((shown[c] > 0) & (shown[c] < 10)).any()


def test_round_policy_rounds_every_count_and_recomputes_rates(small: Path) -> None:
    full = analyse(small, _plan("round"))
    shared = disclose(full).measures
    truth = full.measures
    shown = shared[~shared["suppressed"]]
    assert ((shown["numerator"] % 5) == 0).all() and ((shown["denominator"] % 5) == 0).all()
    assert (shown["numerator"] >= 8).all()  # 7 or fewer (zeros too) are redacted
    assert np.allclose(shown["value"], shown["numerator"] / shown["denominator"])
    primary = shared["suppression_reason"] == cells.PRIMARY
    assert ((truth.loc[primary, "numerator"] <= 7) | (truth.loc[primary, "denominator"] <= 7)).all()
    assert (shared["suppressed"] == (shared["suppression_reason"] != "")).all()
    assert (np.abs(shown["numerator"] - truth.loc[shown.index, "numerator"]) <= 2).all()


def test_outputs_agree_on_what_is_hidden(small: Path, tmp_path: Path) -> None:
    full = analyse(small, _plan("suppress"))
    shared, pub = _publish(full, tmp_path)
    m = pub.measures
    hidden = m[m["suppressed"]]
    keys_hidden = set(zip(hidden["dimension"], hidden["group"], hidden["period"], strict=True))
    # charts (pages, API) carry no hidden point
    view = page_view(shared)
    points = {(p["dimension"], p["group"], pd.Timestamp(p["x"])) for p in view["charts"]}
    assert not points & keys_hidden
    # gaps only where both groups are shown, and equal to the gap of the shown numbers
    for dim, (focus, ref) in shared.pairs.items():
        again = pair_gap(m[~m["suppressed"]], dim, focus, ref, shared.plan)
        got = pub.gaps[
            (pub.gaps["dimension"] == dim) & pub.gaps["measure"].isin(["difference", "ratio"])
        ]
        assert len(got) == len(again)
        assert np.allclose(
            got["estimate"].to_numpy(float), again["estimate"].to_numpy(float), equal_nan=True
        )
        for p in got["period"]:
            assert (dim, focus, p) not in keys_hidden and (dim, ref, p) not in keys_hidden
    sii = pub.gaps[pub.gaps["measure"] == "sii"]
    for p in sii["period"]:
        assert not any(k[2] == p and k[0] == sii["dimension"].iloc[0] for k in keys_hidden)
    # the summary and the report state the same counts
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["disclosure"]["cells_hidden"] == len(hidden)
    report = (tmp_path / "report.html").read_text()
    assert f"{len(hidden):,} of {len(m):,} group-period cells are hidden" in report
    # the report's data tables show '*' exactly for the hidden cells (one table per dimension)
    stars = len(re.findall(r"<td[^>]*>\*</td>", report))
    not_overall = hidden[hidden["dimension"] != "Overall"]
    assert stars == len(not_overall)


class _Tables(HTMLParser):
    """The report's tables as (caption, rows of cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th", "caption"):
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "caption") and self._text is not None and self.tables:
            text = "".join(self._text).strip()
            if tag == "caption":
                self.tables[-1] = (text, self.tables[-1][1])
            else:
                self.tables[-1][1][-1].append(text)
            self._text = None


def test_report_before_after_tables_add_only_shown_cells(small: Path, tmp_path: Path) -> None:
    full = analyse(small, _plan("suppress"))
    shared, pub = _publish(full, tmp_path)
    parser = _Tables()
    parser.feed((tmp_path / "report.html").read_text())
    m = pub.measures[~pub.measures["suppressed"]]
    split = pd.Timestamp(shared.plan.intervention)
    checked = 0
    for caption, rows in parser.tables:
        if " before and after " not in caption:
            continue
        dimension = caption.split(" by ", 1)[1].split(", before and after")[0]
        for row in rows[1:]:
            group, den_before, _, den_after, _ = row
            sub = m[(m["dimension"] == dimension) & (m["group"] == group)]
            before = sub[sub["period"] < split]["denominator"].sum()
            after = sub[sub["period"] >= split]["denominator"].sum()
            assert (int(den_before.replace(",", "")), int(den_after.replace(",", ""))) == (
                before,
                after,
            )
            checked += 1
    assert checked > 20
