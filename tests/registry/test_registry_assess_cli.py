"""The assessment commands work on the registry (SQLite and PostgreSQL): new, show, compare,
involvement add/show, report and ``analyse --project``, as a named user, with roles and
organisations respected and group names checked against the registry project's plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from equalqi.assess import default_theory
from equalqi.cli.main import app
from equalqi.registry import analyses, assessments, involvement, projects
from equalqi.registry.db import Registry
from equalqi.registry.organisations import create_organisation
from equalqi.registry.users import create_user
from equalqi.services.demo import demo_plan
from equalqi.synthetic import write_parquet

PASSWORD = "a long enough password"
DEP = "Deprivation (IMD quintile)"
THEORY = default_theory()


def test_assessment_commands_use_the_registry(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EQUALQI_HOME", str(tmp_path / "home"))  # drafts, never the real home
    monkeypatch.delenv("EQUALQI_USER", raising=False)
    url = str(registry.engine.url.render_as_string(hide_password=False))
    with registry.session() as s, s.begin():
        org = create_organisation(s, "Org A")
        ed = create_user(s, org, "ed@a.nhs.uk", "Ed", "editor", PASSWORD)
        create_user(s, org, "vi@a.nhs.uk", "Vi", "viewer", PASSWORD)
        other = create_user(s, create_organisation(s, "Org B"), "b@b.nhs.uk", "B", "editor",
                            PASSWORD)  # fmt: skip
        pid = projects.create_project(s, ed, projects.ProjectInput(title="DNA reminders")).id
        analyses.save_plan(s, ed, pid, demo_plan("dna_sms"))
    runner = CliRunner()

    def run(*args: object, user: str = "ed@a.nhs.uk"):  # type: ignore[no-untyped-def]
        return runner.invoke(app, [str(a) for a in (*args, "--db", url, "--user", user)])

    # without --user: the local user in a local SQLite file, never in a shared PostgreSQL one
    r = runner.invoke(app, ["assess", "projects", "--db", url])
    if registry.engine.url.get_backend_name() == "sqlite":
        assert r.exit_code == 0 and "working as the local user" in r.stderr
        assert "No projects yet." in r.stdout  # the local user's organisation, not Org A's
    else:
        assert r.exit_code == 2 and "this registry is shared" in r.stderr
    planning = tmp_path / "planning.toml"
    planning.write_text('stage = "planning"\n[answers]\ndesign-relies-on-digital = "yes"\n')
    r = run("assess", "new", "--project", "DNA reminders", "--stage", "planning",
            "--answers", planning, user="vi@a.nhs.uk")  # fmt: skip
    assert r.exit_code == 2 and "this needs the editor role" in r.stderr  # a viewer cannot
    r = run("assess", "new", "--project", "dna reminders", "--stage", "planning",
            "--answers", planning)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert f"in project {pid} (DNA reminders)." in r.stdout and "new one" not in r.stderr
    review = tmp_path / "review.toml"
    lines = ['stage = "review"', "[answers]"]
    lines += [
        f'{q} = "{"no" if THEORY.question(q).polarity == "risk" else "yes"}"'
        for q in THEORY.question_ids
    ]
    review.write_text("\n".join(lines) + "\n")
    r = run("assess", "new", "--project", pid, "--stage", "review", "--answers", review)
    assert r.exit_code == 0, r.output
    r = run("assess", "compare", "--project", "DNA reminders", "--format", "json",
            user="vi@a.nhs.uk")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["overall"] == "better"
    # group names checked against the plan stored with the project (no --plan needed)
    r = run("assess", "involvement", "add", "--project", "DNA reminders", "--type", "workshop",
            "--date", "2025-03-04", "--participants", "24",
            "--group", f"{DEP}:Most deprived=3")  # fmt: skip
    assert r.exit_code == 2 and "Did you mean '1 - most deprived'?" in r.stderr
    r = run("assess", "involvement", "add", "--project", "DNA reminders", "--type", "workshop",
            "--date", "2025-03-04", "--participants", "24",
            "--group", f"{DEP}:1 - most deprived=3",
            "--group", f"{DEP}:5 - least deprived=21")  # fmt: skip
    assert r.exit_code == 0, r.output
    with registry.session() as s:
        assert [a.stage for a in assessments.list_assessments(s, ed, pid)] == [
            "review", "planning"
        ]  # fmt: skip
        assert involvement.involvement_log(s, ed, pid).total_participants == 24
    # another organisation cannot see the project: it does not exist for them
    r = run("assess", "show", "--project", "DNA reminders", user="b@b.nhs.uk")
    assert r.exit_code == 2 and "there is no project with this name or number" in r.stderr
    assert "There are no projects yet." in r.stderr  # org A's projects are not listed
    assert other.id
    r = run("assess", "report", "--project", pid, "--out", tmp_path / "rep")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "rep" / "equity-report.pdf").exists()
    assert "Equity by design" in (tmp_path / "rep" / "equity-report.html").read_text()
    # analyse takes the equity design from the registry project
    data = tmp_path / "dna.parquet"
    write_parquet("dna_sms", data, n_rows=20_000, seed=4)
    plan = tmp_path / "plan.toml"
    plan.write_text(demo_plan("dna_sms").to_toml(), encoding="utf-8")
    r = run("analyse", plan, "--data", data, "--out", tmp_path / "out", "--project",
            "DNA reminders", "--quiet")  # fmt: skip
    assert r.exit_code == 0, r.output
    html = (tmp_path / "out" / "report.html").read_text()
    assert 'id="equity-design"' in html and "What changed since the last check" in html
