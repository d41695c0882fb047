"""``equalqi assess`` end to end with CliRunner in a temporary project folder."""

import json

from typer.testing import CliRunner

from equalqi.assess import default_theory
from equalqi.cli.assess import assess_app

RUNNER = CliRunner()
THEORY = default_theory()


def run(*args, input=None):
    return RUNNER.invoke(assess_app, [str(a) for a in args], input=input)


PLANNING_ANSWERS = """\
stage = "planning"
project = "DNA reduction"

[answers]
values-aim-written = "yes"
design-relies-on-digital = "yes"
design-non-digital-route = "no"
"""


def review_answers() -> str:
    lines = ['stage = "review"', "[answers]"]
    for q in THEORY.question_ids:
        risk = THEORY.question(q).polarity == "risk"
        lines.append(f'{q} = "{"no" if risk else "yes"}"')
    return "\n".join(lines) + "\n"


def test_theory_command_text_and_json():
    r = run("theory")
    assert r.exit_code == 0, r.output
    assert "4 areas" in r.output and "The theory is valid." in r.output
    r = run("theory", "--format", "json")
    data = json.loads(r.stdout)
    assert data["identity"]["id"] == "equalqi-default"
    assert len(data["theory"]["clusters"]) == 4


def test_custom_theory_with_an_error_is_rejected_naming_the_line(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text(
        'schema_version = 1\ntheory_version = "1"\nid = "mine"\nname = "Mine"\n\n'
        '[[clusters]]\nid = "c"\nname = "C"\n\n[[clusters.statements]]\nid = "s"\n'
        'tends_to = "widen"\nbasis = "toolkit"\ncontext = "c"\nmechanism = "m"\noutcome = "o"\n'
        '\n[[clusters.statements.questions]]\nid = "q"\ntext = "Q?"\n'
    )
    r = run("theory", "--theory", bad)
    assert r.exit_code == 2
    assert "line 12" in r.stderr  # tends_to is on line 12 of the text above
    assert "widen" in r.stderr and "Traceback" not in r.output
    r = run("new", "--project", tmp_path / "p", "--stage", "planning", "--theory", bad)
    assert r.exit_code == 2 and "line 12" in r.stderr
    missing = run("theory", "--theory", tmp_path / "nope.toml")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


def test_create_save_revisit_and_compare(tmp_path):
    project = tmp_path / "project"
    plan_file = tmp_path / "planning.toml"
    plan_file.write_text(PLANNING_ANSWERS)
    r = run("new", "--project", project, "--stage", "planning", "--answers", plan_file)
    assert r.exit_code == 0, r.output
    assert "Saved planning assessment" in r.output
    assert "Overall: Higher risk." in r.output
    saved = list((project / "equity" / "assessments").glob("planning-*.json"))
    assert len(saved) == 1

    r = run("compare", "--project", project)
    assert r.exit_code == 2 and "no review assessment" in r.stderr

    review_file = tmp_path / "review.toml"
    review_file.write_text(review_answers())
    r = run("new", "--project", project, "--stage", "review", "--answers", review_file)
    assert r.exit_code == 0, r.output
    assert "Since the last check: Things have got better" in r.output

    r = run("show", "--project", project)
    assert r.exit_code == 0, r.output
    assert "planning" in r.output and "review" in r.output
    assert "Project: DNA reduction" in r.output  # carried over from planning
    assert "Overall: Lower risk." in r.output

    r = run("show", "--project", project, "--stage", "planning", "--format", "json")
    data = json.loads(r.stdout)
    assert data["summary"]["stage"] == "planning"
    assert [h["stage"] for h in data["history"]] == ["planning", "review"]

    r = run("compare", "--project", project)
    assert r.exit_code == 0, r.output
    assert "Overall: better." in r.output
    assert "design-non-digital-route: no -> yes (better)" in r.output
    r = run("compare", "--project", project, "--format", "json")
    data = json.loads(r.stdout)
    assert data["overall"] == "better"
    assert "design-digital-barriers" in data["resolved"]


def test_answers_file_errors_and_stage_mismatch(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[answers]\nvalues-aim-written = "yes"\nvalues-leader-backing = "maybe"\n')
    r = run("new", "--project", tmp_path / "p", "--stage", "planning", "--answers", bad)
    assert r.exit_code == 2
    assert "bad.toml, line 3" in r.stderr
    assert not (tmp_path / "p" / "equity").exists()  # nothing saved
    mismatch = tmp_path / "m.toml"
    mismatch.write_text('stage = "review"\n[answers]\n')
    r = run("new", "--project", tmp_path / "p", "--stage", "planning", "--answers", mismatch)
    assert r.exit_code == 2 and "stage = 'review'" in r.stderr


def test_interactive_prompts(tmp_path):
    # answer, note, evidence link for each question; the first answer is retried once
    lines = ["perhaps", "yes", "Agreed at board", "https://example.org/minutes"]
    lines += ["no", "", ""] * (len(THEORY.question_ids) - 1)
    r = run("new", "--project", tmp_path, "--stage", "planning", input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    assert "Please type yes, partly, no or dont_know." in r.output
    r = run("show", "--project", tmp_path, "--format", "json")
    profile = json.loads(r.stdout)["profile"]
    first = profile["clusters"][0]["mechanisms"][0]["questions"][0]
    assert first["answer"] == "yes" and first["note"] == "Agreed at board"
    assert first["evidence"] == ["https://example.org/minutes"]


def test_involvement_add_and_show(tmp_path):
    r = run(
        "involvement", "add", "--project", tmp_path, "--type", "workshop", "--date", "2025-03-04",
        "--participants", "20", "--group", "core20:Core20=3", "--group", "core20:Not Core20=17",
        "--role", "patients=16", "--role", "staff=4", "--barrier", "interpreters",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "The log now has 1 activities" in r.output
    pop = tmp_path / "population.csv"
    pop.write_text(
        "dimension,group,share,priority\ncore20,Core20,0.3,yes\ncore20,Not Core20,0.7,no\n"
    )
    r = run("involvement", "show", "--project", tmp_path, "--population", pop, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    core = data["representativeness"]["rows"][0]
    assert core["group"] == "Core20" and core["ratio"] == 0.5 and core["flagged"] is True
    r = run("involvement", "show", "--project", tmp_path, "--population", pop)
    assert "!! Core20 (core20, priority)" in r.output
    assert "Fewer than expected" in r.output


def test_involvement_errors_are_plain(tmp_path):
    r = run(
        "involvement", "add", "--project", tmp_path, "--type", "workshop", "--date", "2025-03-04",
        "--participants", "5", "--title", "Call Jo on 07700 900123",
    )  # fmt: skip
    assert r.exit_code == 2 and "personal details" in r.stderr
    r = run(
        "involvement", "add", "--project", tmp_path, "--type", "workshop", "--date", "2025-03-04",
        "--participants", "5", "--group", "core20=3",
    )  # fmt: skip
    assert r.exit_code == 2 and "DIMENSION:GROUP=COUNT" in r.stderr
    assert not (tmp_path / "equity" / "involvement.json").exists()
    pop = tmp_path / "pop.csv"
    pop.write_text("dimension,group,share\ncore20,Core20,lots\n")
    r = run("involvement", "show", "--project", tmp_path, "--population", pop)
    assert r.exit_code == 2 and "row 2" in r.stderr and "Traceback" not in r.output
