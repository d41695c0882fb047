"""``equalqi assess`` end to end with CliRunner, on the default registry (SQLite in a temporary
$EQUALQI_HOME) as the local user; PostgreSQL: tests/registry/test_registry_assess_cli.py."""

import json

from typer.testing import CliRunner

from equalqi.assess import default_theory
from equalqi.cli.assess import assess_app

RUNNER = CliRunner()
THEORY = default_theory()


def run(*args, input=None):
    return RUNNER.invoke(assess_app, [str(a) for a in args], input=input)


def stored(project):
    """(assessments, activities) lines of ``assess list``: what the registry holds."""
    r = run("list", "--project", project)
    assert r.exit_code == 0, r.output
    head, tail = r.stdout.split("Involvement activities:")
    return head.splitlines()[1:], tail.strip().splitlines()


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
    r = run("new", "--project", "P", "--stage", "planning", "--theory", bad)
    assert r.exit_code == 2 and "line 12" in r.stderr
    missing = run("theory", "--theory", tmp_path / "nope.toml")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


def test_create_save_revisit_and_compare(tmp_path, home):
    project = "DNA reminders"
    plan_file = tmp_path / "planning.toml"
    plan_file.write_text(PLANNING_ANSWERS)
    r = run("new", "--project", project, "--stage", "planning", "--answers", plan_file)
    assert r.exit_code == 0, r.output
    assert "Saved planning assessment 1 in project 1 (DNA reminders)." in r.output
    # the local user and the project are made on first use, and the output says so
    assert "working as the local user local@equalqi.local" in r.stderr
    assert str(home / "equalqi.db") in r.stderr
    assert "no project called 'DNA reminders', so a new one was started" in r.stderr
    # 3 of 24 answered: not finished, rather than every area "Higher risk"
    assert "Overall: Not finished. This assessment is not finished: 3 of 24" in r.output
    assert len(stored(project)[0]) == 1
    assert not list(tmp_path.glob("**/equity"))  # no project folder: the registry holds it

    r = run("compare", "--project", project)
    assert r.exit_code == 2 and "no review assessment" in r.stderr

    review_file = tmp_path / "review.toml"
    review_file.write_text(review_answers())
    r = run("new", "--project", project, "--stage", "review", "--answers", review_file)
    assert r.exit_code == 0, r.output
    assert "Since the last check: Things have got better" in r.output
    assert "local user" not in r.stderr and "new one" not in r.stderr  # said once only

    r = run("show", "--project", project)
    assert r.exit_code == 0, r.output
    assert "planning" in r.output and "review" in r.output
    assert "Project: DNA reduction" in r.output  # carried over from planning
    assert "Overall: Lower risk." in r.output

    r = run("show", "--project", "1", "--stage", "planning", "--format", "json")  # by number
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
    r = run("new", "--project", "P", "--stage", "planning", "--answers", bad)
    assert r.exit_code == 2
    assert "bad.toml, line 3" in r.stderr
    # nothing saved, not even the project (the whole command is one transaction)
    r = run("show", "--project", "P")
    assert r.exit_code == 2 and "there is no project with this name" in r.stderr
    mismatch = tmp_path / "m.toml"
    mismatch.write_text('stage = "review"\n[answers]\n')
    r = run("new", "--project", "P", "--stage", "planning", "--answers", mismatch)
    assert r.exit_code == 2 and "stage = 'review'" in r.stderr


def test_interactive_prompts(home):
    # answer, note, evidence link for each question; the first answer is retried once
    lines = ["perhaps", "yes", "Agreed at board", "https://example.org/minutes"]
    lines += ["no", "", ""] * (len(THEORY.question_ids) - 1)
    # then the written sections (personal details refused and asked again), the groups
    # considered (by number or code) and the sign-off
    lines += ["Adults booked into the clinic", "", "Call Jo on 07700 900123",
              "People without a phone may miss the reminder", "6, age", "", "A. Lead",
              "Clinical lead", "2025-03-04"]  # fmt: skip
    r = run("new", "--project", "P", "--stage", "planning", input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    assert "Please type yes, partly, no or dont_know (" in r.output
    assert "Question 1 of 24:" in r.output and "Question 24 of 24:" in r.output
    assert "'Unintended consequences' looks like it contains personal details" in r.output
    assert "Signed off by A. Lead (Clinical lead) on 4 March 2025." in r.output
    assert "Protected characteristics considered: Age; Race" in r.output
    assert "Who is affected: Adults booked into the clinic" in r.output
    assert "The inequality at the start: Not written yet." in r.output
    assert not (home / "drafts" / "project-1-planning.toml").exists()  # done: draft gone
    r = run("show", "--project", "P", "--format", "json")
    profile = json.loads(r.stdout)["profile"]
    first = profile["clusters"][0]["mechanisms"][0]["questions"][0]
    assert first["answer"] == "yes" and first["note"] == "Agreed at board"
    assert first["evidence"] == ["https://example.org/minutes"]


DEPRIVATION = "Deprivation (IMD quintile)"


def write_plan(folder):
    """The demo plan: its deprivation dimension is "Deprivation (IMD quintile)", with groups
    "1 - most deprived" ... "5 - least deprived"."""
    from equalqi.services.demo import demo_plan

    path = folder / "plan.toml"
    path.write_text(demo_plan("dna_sms").to_toml(), encoding="utf-8")
    return path


def test_involvement_add_and_show(tmp_path):
    plan = write_plan(tmp_path)
    r = run(
        "involvement", "add", "--project", "P", "--plan", plan, "--type", "workshop",
        "--date", "2025-03-04", "--participants", "20",
        "--group", f"{DEPRIVATION}:1 - most deprived=3",
        "--group", f"{DEPRIVATION}:5 - least deprived=17",
        "--role", "patients=16", "--role", "staff=4", "--barrier", "interpreters",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "as activity 1. The log of project 1 (P) now has 1 activity." in r.output
    pop = tmp_path / "population.csv"
    pop.write_text(
        "dimension,group,share,priority\n"
        f"{DEPRIVATION},1 - most deprived,0.3,yes\n{DEPRIVATION},5 - least deprived,0.7,no\n"
    )
    r = run("involvement", "show", "--project", "P", "--population", pop, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    core = data["representativeness"]["rows"][0]
    # 3 of 20 involved (15%) against 30% of the population: ratio 0.5
    assert core["group"] == "1 - most deprived" and core["ratio"] == 0.5 and core["flagged"]
    r = run("involvement", "show", "--project", "P", "--population", pop)
    assert f"!! 1 - most deprived ({DEPRIVATION}, priority)" in r.output
    assert "Fewer than expected" in r.output
    r = run(
        "involvement", "add", "--project", "P", "--type", "survey", "--date", "2025-04-01",
        "--participants", "5",
    )  # fmt: skip
    assert r.exit_code == 0 and "now has 2 activities." in r.output
    assert len(stored("P")[1]) == 2


def test_unknown_group_is_refused_at_entry_with_did_you_mean(tmp_path):
    plan = write_plan(tmp_path)
    r = run(
        "involvement", "add", "--project", "P", "--plan", plan, "--type", "workshop",
        "--date", "2025-03-04", "--participants", "4", "--group", f"{DEPRIVATION}:1=4",
    )  # fmt: skip
    assert r.exit_code == 2
    assert "'1' is not a group of 'Deprivation (IMD quintile)'" in r.stderr
    assert "Did you mean '1 - most deprived'?" in r.stderr
    r = run(
        "involvement", "add", "--project", "P", "--plan", plan, "--type", "workshop",
        "--date", "2025-03-04", "--participants", "4", "--group", "core20:Core20=4",
    )  # fmt: skip
    assert r.exit_code == 2 and "'core20' is not a dimension in the project's plan" in r.stderr
    # without a plan (none given, none in the registry) names cannot be checked: refused
    r = run(
        "involvement", "add", "--project", "P", "--type", "workshop",
        "--date", "2025-03-04", "--participants", "4", "--group", f"{DEPRIVATION}:2=4",
    )  # fmt: skip
    assert r.exit_code == 2 and "--plan" in r.stderr
    # nothing was stored, not even the project
    r = run("involvement", "show", "--project", "P")
    assert r.exit_code == 2 and "there is no project with this name" in r.stderr


def test_unknown_project_and_priority_fail_loudly(tmp_path):
    r = run(
        "involvement", "add", "--project", "DNA reminders", "--type", "survey",
        "--date", "2025-03-01", "--participants", "5",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    for args in (
        ("involvement", "show", "--project", "DNA remnders"),
        ("show", "--project", "DNA remnders"),
        ("compare", "--project", "DNA remnders"),
        ("report", "--project", "DNA remnders", "--out", tmp_path / "r"),
        ("list", "--project", "DNA remnders"),
    ):
        r = run(*args)
        assert r.exit_code == 2, args
        assert "there is no project with this name or number" in r.stderr, args
        assert "Did you mean 'DNA reminders'?" in r.stderr, args
    r = run("show", "--project", "7")
    assert r.exit_code == 2 and "Your organisation's projects: 1: DNA reminders" in r.stderr
    # a known project without an assessment says so, rather than showing nothing
    r = run("show", "--project", "DNA reminders")
    assert r.exit_code == 2 and "'DNA reminders' has no saved assessment" in r.stderr
    plan = write_plan(tmp_path)
    r = run(
        "involvement", "add", "--project", "DNA reminders", "--plan", plan, "--type", "workshop",
        "--date", "2025-03-04", "--participants", "10",
        "--group", f"{DEPRIVATION}:1 - most deprived=3",
        "--group", f"{DEPRIVATION}:5 - least deprived=7",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    pop = tmp_path / "population.csv"
    pop.write_text(
        f"dimension,group,share\n{DEPRIVATION},1 - most deprived,0.3\n"
        f"{DEPRIVATION},5 - least deprived,0.7\n"
    )
    r = run(
        "involvement", "show", "--project", "DNA reminders", "--population", pop,
        "--priority", "1 - most deprivd",
    )  # fmt: skip
    assert r.exit_code == 2 and "'1 - most deprivd' is not a group" in r.stderr
    assert "Did you mean '1 - most deprived'?" in r.stderr


def test_new_project_is_announced_and_unknown_user_refused(home):
    r = run(
        "involvement", "add", "--project", "New one", "--type", "survey",
        "--date", "2025-03-04", "--participants", "5",
    )  # fmt: skip
    assert r.exit_code == 0 and "so a new one was started (number 1)" in r.stderr
    r = run("projects")
    assert r.exit_code == 0 and "1: New one (no assessment yet)" in r.output
    r = run("show", "--project", "New one", "--user", "nobody@example.org")
    assert r.exit_code == 2 and "no active user with this e-mail address" in r.stderr


def test_impossible_date_gets_a_date_message(tmp_path):
    r = run(
        "involvement", "add", "--project", "P", "--type", "survey",
        "--date", "2025-02-30", "--participants", "5",
    )  # fmt: skip
    assert r.exit_code == 2
    assert "there is no 30 February 2025 (February 2025 has 28 days)" in r.stderr
    assert "quotes" not in r.stderr


def test_broken_pipe_is_quiet_after_saving(tmp_path, home):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "EQUALQI_HOME": str(home)}
    code = "from equalqi.cli.main import main; main()"
    args = [
        sys.executable, "-c", code, "assess", "involvement", "add", "--project", "P",
        "--type", "survey", "--date", "2025-03-04", "--participants", "5",
    ]  # fmt: skip
    read, write = os.pipe()
    os.close(read)  # the reader has gone before anything is written, as with `| head -c0`
    proc = subprocess.run(args, stdout=write, stderr=subprocess.PIPE, env=env, check=False)
    os.close(write)
    assert proc.returncode == 0, proc.stderr
    # only the notes that the local user and the project were made, no error
    assert b"Error" not in proc.stderr and b"Traceback" not in proc.stderr
    assert stored("P")[1] == ["1: Survey on 2025-03-04 (5 taking part)"]


def test_involvement_errors_are_plain(tmp_path):
    r = run(
        "involvement", "add", "--project", "P", "--type", "survey", "--date", "2025-03-01",
        "--participants", "5",
    )  # fmt: skip
    assert r.exit_code == 0
    r = run(
        "involvement", "add", "--project", "P", "--type", "workshop", "--date", "2025-03-04",
        "--participants", "5", "--title", "Call Jo on 07700 900123",
    )  # fmt: skip
    assert r.exit_code == 2 and "personal details" in r.stderr
    r = run(
        "involvement", "add", "--project", "P", "--type", "workshop", "--date", "2025-03-04",
        "--participants", "5", "--group", "core20=3",
    )  # fmt: skip
    assert r.exit_code == 2 and "DIMENSION:GROUP=COUNT" in r.stderr
    assert len(stored("P")[1]) == 1  # the failed adds changed nothing
    pop = tmp_path / "pop.csv"
    pop.write_text("dimension,group,share\ncore20,Core20,lots\n")
    r = run("involvement", "show", "--project", "P", "--population", pop)
    assert r.exit_code == 2 and "row 2" in r.stderr and "Traceback" not in r.output


def test_template_round_trip(tmp_path):
    from equalqi.assess import Answer, parse_answers
    from equalqi.assess.template import answers_template

    out = tmp_path / "answers.toml"
    r = run("template", "--out", out)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    # every question, with its id, and the reversed ones marked
    assert all(f'\n{q} = ""' in text for q in THEORY.question_ids)
    n_risk = sum(THEORY.question(q).polarity == "risk" for q in THEORY.question_ids)
    assert text.count("# REVERSED:") == n_risk > 0
    assert text.count("# Answer: yes | partly | no | dont_know") == len(THEORY.question_ids)
    blank = parse_answers(text, THEORY, source="answers.toml")
    assert blank.answers == () and blank.stage == "planning"
    # a blank template saved as an assessment is "not finished", not "Higher risk"
    r = run("new", "--project", "P", "--stage", "planning", "--answers", out)
    assert r.exit_code == 0, r.output
    assert "Overall: Not finished. This assessment is not finished: 0 of 24" in r.output
    # filled in (notes with quotes and non-ASCII, evidence), written and read back unchanged
    filled = [
        Answer(q, ("yes", "partly", "no", "dont_know")[i % 4],
               'Sponsor said "yes" — café' if i == 0 else None,
               ("https://example.org/a",) if i == 1 else ())
        for i, q in enumerate(THEORY.question_ids)
    ]  # fmt: skip
    again = parse_answers(
        answers_template(THEORY, stage="review", project="DNA", answers=filled), THEORY
    )
    assert again.answers == tuple(filled) and again.project == "DNA" and again.stage == "review"
    # never overwritten
    r = run("template", "--out", out)
    assert r.exit_code == 2 and "already exists" in r.stderr
    assert out.read_text() == text


def test_interactive_draft_resume_and_back(home):
    project = "P"
    # answer question 1 "yes" (no note, no link), skip question 2, then stop
    r = run("new", "--project", project, "--stage", "planning", input="yes\n\n\ns\nq\n")
    assert r.exit_code == 0, r.output
    assert "Question 1 of 24:" in r.output and "Question 2 of 24:" in r.output
    assert "Stopped. Your answers are saved in" in r.output
    draft = home / "drafts" / "project-1-planning.toml"
    assert f"Stopped. Your answers are saved in {draft};" in r.output
    assert 'values-aim-written = "yes"' in draft.read_text()
    assert stored(project)[0] == []  # nothing saved yet
    # resume: starts at question 2 (skipped, so not answered yet); go back to question 1,
    # change it to "no", then answer everything else "partly"
    lines = ["b", "no", "", ""] + ["partly", "", ""] * (len(THEORY.question_ids) - 1)
    lines += [""] * 6  # the written sections, groups and sign-off left for later
    r = run("new", "--project", project, "--stage", "planning", input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    assert "Resuming your draft (1 of 24 answered)" in r.output
    assert r.output.index("Question 2 of 24:") < r.output.index("Question 1 of 24:")
    assert "Your answer so far: yes" in r.output
    assert not draft.exists()
    r = run("show", "--project", project, "--format", "json")
    profile = json.loads(r.stdout)["profile"]
    answers = {
        q["question_id"]: q["answer"]
        for c in profile["clusters"] for m in c["mechanisms"] for q in m["questions"]
    }  # fmt: skip
    assert answers["values-aim-written"] == "no"
    assert set(answers.values()) == {"no", "partly"}


def test_interactive_sections_are_kept_in_the_draft(home):
    n = len(THEORY.question_ids)
    # every question answered, one section written, then stop at the groups considered
    lines = ["yes", "", ""] * n + ["Adults booked into the clinic", "", "", "q"]
    r = run("new", "--project", "P", "--stage", "planning", input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    assert "Stopped. Your answers are saved in" in r.output
    draft = (home / "drafts" / "project-1-planning.toml").read_text()
    assert 'who_is_affected = "Adults booked into the clinic"' in draft
    # resume: the questions are done, so it goes straight to the sections; "-" clears one
    lines = ["-", "", "", "1", "2", "", ""]
    r = run("new", "--project", "P", "--stage", "planning", input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    assert "Every question in the draft has an answer." in r.output
    assert "(so far: Adults booked into the clinic)" in r.output
    assert "Who is affected: Not written yet." in r.output
    assert "Protected characteristics considered: Age" in r.output
    assert "Inclusion health groups considered: People with drug and alcohol dependence" in (
        r.output
    )
    assert "Not signed off yet." in r.output
