"""The board pack written by the demo: one story, stated once, in every file.

The demo scenario plants the effects checked here (``equalqi.synthetic.scenarios``, dna_sms):
SMS reminders lower the DNA rate overall but much less in the most deprived areas (so the
deprivation gap widens) and make it worse for people whose main language is not English.
Every number is compared with the disclosed CSVs written beside the pack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pypdf import PdfReader

from equalqi.services.demo import DemoRun, run_demo
from equalqi.services.report.model import build_model
from equalqi.services.report.story import build_story, readable_group

pytestmark = pytest.mark.slow

COUNT_COLUMNS = ("numerator", "denominator", "n_records", "records", "missing")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run_demo(tmp_path_factory.mktemp("pack"), rows=120_000, seed=3, with_portfolio=False)


@pytest.fixture(scope="module")
def board(demo: DemoRun) -> Path:
    assert demo.outputs.board is not None
    return demo.outputs.board.folder


def _pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def test_readable_group_labels() -> None:
    assert readable_group("imd_quintile", "IMD", "1 - most deprived") == (
        "the most deprived fifth of areas"
    )
    assert readable_group("imd_quintile", "IMD", "2") == "the second most deprived fifth of areas"
    assert readable_group("imd_quintile", "IMD", "5 - least deprived") == (
        "the least deprived fifth of areas"
    )
    assert readable_group("imd_decile", "IMD", "10 - least deprived") == (
        "the least deprived tenth of areas"
    )
    assert readable_group("sex", "Sex", "Female") == "women"


def test_planted_effects_give_the_verdict_and_the_watch_flag(demo: DemoRun) -> None:
    story = build_story(demo.result)
    by_dim = {v.dimension: v for v in story.verdicts}
    deprivation = by_dim["Deprivation (IMD quintile)"]
    assert deprivation.badge == "widened"  # the planted widening
    assert deprivation.sentence.startswith(
        "The gap between the most deprived fifth of areas and the least deprived fifth of areas "
        "widened"
    )
    assert "1 - most deprived" not in deprivation.sentence  # readable labels only
    assert story.overall is not None and story.overall.judgement == "improved"
    language = by_dim["Main language is English"]
    assert language.badge == "watch"  # no pair named: a flag, not a verdict
    assert [w.group for w in language.watch] == ["No"]  # post_not_english > 0 in the scenario
    # The flag's levels are the pooled before/after rates of the rows shown in measures.csv.
    m = pd.read_csv(demo.outputs.measures, parse_dates=["period"])
    rows = m[(m["dimension"] == "Main language is English") & (m["group"] == "No")]
    rows = rows[~rows["suppressed"]]
    split = pd.Timestamp(demo.result.plan.intervention)
    before = rows[rows["period"] < split]
    after = rows[rows["period"] >= split]
    w = language.watch[0]
    assert w.before == pytest.approx(100 * before["numerator"].sum() / before["denominator"].sum())
    assert w.after == pytest.approx(100 * after["numerator"].sum() / after["denominator"].sum())
    assert w.after > w.before


def test_headline_interval_equals_the_sensitivity_table_and_the_model(demo: DemoRun) -> None:
    result = demo.result
    model = build_model(result)
    assert model.story is not None
    judged = model.story.judged
    assert [v.dimension for v in judged] == list(result.impact)
    html = demo.outputs.report.read_text(encoding="utf-8")
    for v in judged:
        assert v.primary is not None
        gap = result.impact[v.dimension].gap  # the row the verdict rests on
        assert (v.primary.lower, v.primary.upper) == (gap["lower"], gap["upper"])
        interval = v.primary.interval_text(model.decimals)
        assert f"95% interval {interval}" in v.sentence
        assert v.sentence in model.headline  # the summary states it once, with this interval
        # The sensitivity table's primary row carries the same interval.
        table = html.split('<table class="sensitivity">', 1)[1].split("</table>", 1)[0]
        first_row = table.split("<tbody>", 1)[1].split("</tr>", 1)[0]
        assert "(primary)" in first_row and f">{interval}<" in first_row
        # Every sensitivity row says whether it agrees.
        for e in v.sensitivity:
            assert (e.judgement != v.badge) == (f"{e.judgement} (disagrees)" in table)
    # The verdict sentence appears once in the summary, not again in each section.
    assert html.count(judged[0].sentence) == 1


def test_board_pdf_states_the_verdict_on_one_or_two_tagged_pages(
    demo: DemoRun, board: Path
) -> None:
    reader = PdfReader(board / "board.pdf")
    assert 1 <= len(reader.pages) <= 2
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    text = _pdf_text(board / "board.pdf")
    story = build_story(demo.result)
    v = story.judged[0]
    assert v.primary is not None
    assert "WIDENED" in text.upper() and "WATCH" in text.upper()
    assert f"95% interval {v.primary.interval_text(story.decimals)}" in text
    for heading in (
        "Making Data Count summary",
        "For patients and the public",
        "What the team will do",
    ):
        assert heading in text
    assert demo.result.disclosure is not None
    hidden = re.search(r"([\d,]+) of ([\d,]+) group-period cells are hidden", text)
    assert hidden is not None and hidden.group(0) in demo.result.disclosure.text


def test_report_pdf_is_the_report_tagged(demo: DemoRun, board: Path) -> None:
    reader = PdfReader(board / "report.pdf")
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    text = _pdf_text(board / "report.pdf")
    story = build_story(demo.result)
    assert story.overall_sentence is not None
    assert story.overall_sentence[:60] in text
    assert "Slope index of inequality" in text


def _sheet(wb: object, name: str) -> pd.DataFrame:
    ws = wb[name]  # type: ignore[index]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_tables_xlsx_hides_exactly_what_the_csvs_hide(demo: DemoRun, board: Path) -> None:
    wb = load_workbook(board / "tables.xlsx")
    assert wb.sheetnames == ["about", "measures", "gaps", "verdicts", "completeness"]
    for name in ("measures", "gaps", "verdicts", "completeness"):
        assert wb[name].freeze_panes == "A2"
    assert wb["measures"]["E2"].number_format == "#,##0"  # numerator
    assert wb["measures"]["G2"].number_format == "0.0%"  # value (a percentage measure)
    about = " ".join(str(c) for row in wb["about"].iter_rows(values_only=True) for c in row)
    assert demo.result.disclosure is not None
    assert demo.result.disclosure.text in about

    # No count from 1 to 9 anywhere in a count column of any sheet.
    for name in ("measures", "completeness"):
        frame = _sheet(wb, name)
        for col in COUNT_COLUMNS:
            if col in frame:
                values = pd.to_numeric(frame[col], errors="coerce")
                assert not values.between(1, 9).any(), (name, col)

    for name, csv in (("measures", demo.outputs.measures), ("gaps", demo.outputs.gaps)):
        sheet = _sheet(wb, name)
        expected = pd.read_csv(csv)
        assert list(sheet.columns) == list(expected.columns)
        assert len(sheet) == len(expected)
        for col in expected.columns:
            if col in ("period", "suppression_reason", "focus", "reference"):
                continue
            blank_xlsx = sheet[col].isna().to_numpy()
            blank_csv = expected[col].isna().to_numpy()
            assert (blank_xlsx == blank_csv).all(), (name, col)  # the same hidden cells
            if expected[col].dtype.kind in "fi":
                shown = ~blank_csv
                np.testing.assert_allclose(
                    sheet[col][shown].astype(float), expected[col][shown].astype(float)
                )
    measures = _sheet(wb, "measures")
    hidden = measures["suppressed"].astype(bool)
    assert hidden.any()
    assert measures.loc[hidden, ["numerator", "denominator", "value"]].isna().all().all()

    verdicts = _sheet(wb, "verdicts")
    primary = verdicts[verdicts["primary"] == True]  # noqa: E712 (openpyxl gives bools)
    gap = demo.result.impact["Deprivation (IMD quintile)"].gap
    row = primary[primary["dimension"] == "Deprivation (IMD quintile)"].iloc[0]
    assert (row["lower"], row["upper"]) == pytest.approx((gap["lower"], gap["upper"]))
    assert row["verdict"] == "widened"


def test_board_pptx_has_a_slide_per_section(demo: DemoRun, board: Path) -> None:
    prs = Presentation(str(board / "board.pptx"))
    titles = [s.shapes[0].text_frame.text for s in prs.slides]
    assert titles[0] == demo.result.plan.output.title
    assert "Verdict" in titles
    assert any(t.startswith("The gap in the DNA rate") for t in titles)
    assert any(t.startswith("Making Data Count summary") for t in titles)
    for dim in demo.result.plan.dimensions:
        assert f"DNA rate by {dim.name}" in titles
    verdict = prs.slides[titles.index("Verdict")]
    text = " ".join(sh.text_frame.text for sh in verdict.shapes if sh.has_text_frame)
    assert "WIDENED — Deprivation (IMD quintile)" in text
    story = build_story(demo.result)
    v = story.judged[0]
    assert v.primary is not None and v.sentence in text
    assert demo.result.disclosure is not None
    for s in prs.slides:
        assert demo.result.disclosure.text in s.notes_slide.notes_text_frame.text


def test_charts_come_in_svg_and_png_with_one_sign_convention(board: Path) -> None:
    charts = board / "charts"
    svgs = sorted(p.stem for p in charts.glob("*.svg"))
    pngs = sorted(p.stem for p in charts.glob("*.png"))
    assert svgs == pngs and len(svgs) >= 10
    for name in pngs:
        assert (charts / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    gap = (charts / "deprivation-imd-quintile-gap.svg").read_text(encoding="utf-8")
    sii = (charts / "deprivation-imd-quintile-slope-index.svg").read_text(encoding="utf-8")
    assert "1 - most deprived minus 5 - least deprived" in gap and "up is worse" in gap
    assert "Most minus least deprived end" in sii and "up is worse" in sii


def test_hidden_points_are_named_as_hidden_and_left_out_of_the_charts(demo: DemoRun) -> None:
    model = build_model(demo.result)
    m = pd.read_csv(demo.outputs.measures, parse_dates=["period"])
    checked = 0
    for section in model.sections:
        hidden = m[(m["dimension"] == section.name) & m["suppressed"] & (m["group"] != "Not known")]
        if hidden.empty:
            assert section.hidden_note is None
            continue
        assert section.hidden_note is not None
        assert section.hidden_note.startswith("Points hidden to protect privacy")
        for group, rows in hidden.groupby("group"):
            first = rows["period"].min()
            assert f"{group}: {first:%B %Y}" in section.hidden_note
            frame = section.group_frames.get(str(group))
            if frame is not None:  # the SPC points of the group skip its hidden months
                assert not set(pd.to_datetime(frame["x"])) & set(rows["period"])
        checked += 1
    assert checked >= 1


def test_web_analysis_page_states_the_reports_verdict(demo: DemoRun) -> None:
    from equalqi.services.analyses import page_view

    story = build_story(demo.result)
    view = page_view(demo.result)
    v = story.judged[0]
    text = view["verdicts"][v.dimension]
    assert text.startswith(f"Verdict: {v.badge}. ")
    assert v.sentence in text  # the same sentence and interval as the report
    assert list(view["verdicts"]) == [j.dimension for j in story.judged]


def test_the_demo_keeps_its_equity_record_in_its_own_registry(
    demo: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    monkeypatch.setenv("EQUALQI_HOME", str(tmp_path))  # nothing written to the real home

    from equalqi.cli.assess import assess_app

    assert demo.registry == f"sqlite:///{demo.outputs.folder / 'equalqi.db'}"
    assert demo.project == demo.result.plan.output.title
    r = CliRunner().invoke(
        assess_app, ["show", "--project", demo.project, "--db", demo.registry, "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    # the demo's planning and review, the review compared with planning as in the report
    assert [h["stage"] for h in data["history"]] == ["planning", "review"]
    assert data["summary"]["changes"] is not None
