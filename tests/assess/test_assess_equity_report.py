"""`equalqi assess report`: the assessment, action plan and log as HTML and a tagged PDF."""

from __future__ import annotations

import re

from pypdf import PdfReader
from typer.testing import CliRunner

from equalqi.cli.assess import assess_app


def run(*args):
    return CliRunner().invoke(assess_app, [str(a) for a in args])


PLANNING = """\
stage = "planning"
[answers]
design-relies-on-digital = "yes"

[[actions]]
risk = "design-digital-barriers"
what = "Offer a phone booking line"
owner = "Clinic manager"
due = 2025-06-30
"""


def test_report_without_data_html_and_tagged_pdf(tmp_path):
    project, out = "Phone line", tmp_path / "out"
    answers = tmp_path / "planning.toml"
    answers.write_text(PLANNING)
    assert (
        run("new", "--project", project, "--stage", "planning", "--answers", answers).exit_code == 0
    )
    r = run(
        "involvement", "add", "--project", project, "--type", "workshop", "--date", "2025-03-04",
        "--participants", "4", "--barrier", "interpreters",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    r = run("report", "--project", project, "--out", out)
    assert r.exit_code == 0, r.output
    html = (out / "equity-report.html").read_text()
    assert "Action plan" in html and "Offer a phone booking line" in html
    assert "Involving patients and the public" in html
    # 4 people took part: a staff-entered count below 10 passes the disclosure policy
    assert "fewer than 10" in html and ">4<" not in html
    reader = PdfReader(out / "equity-report.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Offer a phone booking line" in re.sub(r"\s+", " ", text)
    r = run("report", "--project", "Phone lines", "--out", out)
    assert r.exit_code == 2 and "there is no project with this name or number" in r.stderr
    assert "Did you mean 'Phone line'?" in r.stderr
    r = run("projects")
    assert r.exit_code == 0, r.output
    r = run(
        "involvement", "add", "--project", "Empty", "--type", "survey", "--date", "2025-03-04",
        "--participants", "4",
    )  # fmt: skip
    r = run("remove", "--project", "Empty", "--assessment", "1", "--reason", "test")
    assert r.exit_code == 2  # assessment 1 belongs to another project
