"""`equalqi assess import` / `export`: files in and out of the registry, all or nothing, with
group names checked against the registry project's plan (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from equalqi.assess import Answer, activity_from_dict, default_theory, new_assessment
from equalqi.assess.involvement import InvolvementLog
from equalqi.cli.assess import assess_app
from equalqi.registry import analyses, assessments, involvement, projects
from equalqi.registry.db import Registry
from equalqi.registry.organisations import create_organisation
from equalqi.registry.users import create_user
from equalqi.services.assessment_store import AssessmentStore
from equalqi.services.demo import demo_plan

PASSWORD = "a long enough password"
DEP = "Deprivation (IMD quintile)"


def _folder(path: Path, group: str) -> Path:
    store = AssessmentStore(path)
    theory = default_theory()
    for stage, day in (("planning", 1), ("review", 200)):
        store.save_assessment(
            new_assessment(
                theory,
                [Answer("values-aim-written", "yes"), Answer("design-relies-on-digital", "no")],
                stage=stage,
                created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day),
                project="DNA",
            )
        )
    store.save_involvement(
        InvolvementLog().add(
            activity_from_dict(
                {
                    "type": "workshop",
                    "date": "2024-03-01",
                    "participants": 10,
                    "groups": {DEP: {group: 10}},
                }
            )
        )
    )
    return path


def test_import_checks_names_is_all_or_nothing_and_export_round_trips(
    registry: Registry, tmp_path: Path
) -> None:
    url = str(registry.engine.url.render_as_string(hide_password=False))
    with registry.session() as s, s.begin():
        org = create_organisation(s, "Org A")
        ed = create_user(s, org, "ed@a.nhs.uk", "Ed", "editor", PASSWORD)
        pid = projects.create_project(s, ed, projects.ProjectInput(title="P")).id
        analyses.save_plan(s, ed, pid, demo_plan("dna_sms"))
    runner = CliRunner()

    def run(*args: object):  # type: ignore[no-untyped-def]
        return runner.invoke(assess_app, [str(a) for a in (*args, "--db", url)])

    bad = _folder(tmp_path / "bad", "Most deprived")
    r = run("import", "--folder", bad, "--into", pid, "--user", "ed@a.nhs.uk")
    assert r.exit_code == 2 and "Did you mean '1 - most deprived'?" in r.stderr
    with registry.session() as s:
        assert assessments.list_assessments(s, ed, pid) == []  # nothing half-imported
    good = _folder(tmp_path / "good", "1 - most deprived")
    r = run("import", "--folder", good, "--into", "p", "--user", "ED@a.nhs.uk")  # by name
    assert r.exit_code == 0, r.output
    assert "Imported 2 assessment(s) and 1 involvement activity into project" in r.stdout
    with registry.session() as s:
        assert involvement.involvement_log(s, ed, pid).total_participants == 10
    out = tmp_path / "out"
    r = run("export", "--from", pid, "--folder", out, "--user", "ed@a.nhs.uk")
    assert r.exit_code == 0, r.output
    before = [a.to_dict() for a in AssessmentStore(good).load_assessments()]
    after = [a.to_dict() for a in AssessmentStore(out).load_assessments()]
    assert after == before
    assert json.loads((out / "equity" / "involvement.json").read_text()) == json.loads(
        (good / "equity" / "involvement.json").read_text()
    )
    r = run("export", "--from", pid, "--folder", out, "--user", "ed@a.nhs.uk")
    assert r.exit_code == 2 and "already holds" in r.stderr
    r = run("export", "--from", pid + 99, "--folder", tmp_path / "x", "--user", "ed@a.nhs.uk")
    assert r.exit_code == 2 and "there is no project with this name or number" in r.stderr
    assert f"Your organisation's projects: {pid}: P" in r.stderr
    r = run("export", "--from", pid, "--folder", tmp_path / "y", "--user", "nobody@a.nhs.uk")
    assert r.exit_code == 2 and "no active user" in r.stderr


def test_cli_lists_corrects_and_removes_with_an_audit_trail(
    registry: Registry, tmp_path: Path
) -> None:
    from equalqi.registry import audit
    from equalqi.services import assessments as service

    url = str(registry.engine.url.render_as_string(hide_password=False))
    with registry.session() as s, s.begin():
        org = create_organisation(s, "Org A")
        ed = create_user(s, org, "ed@a.nhs.uk", "Ed", "editor", PASSWORD)
        vi = create_user(s, org, "vi@a.nhs.uk", "Vi", "viewer", PASSWORD)
        pid = projects.create_project(s, ed, projects.ProjectInput(title="P")).id
        analyses.save_plan(s, ed, pid, demo_plan("dna_sms"))
        aid = service.record_assessment(s, ed, pid, {"values-aim-written": "yes"},
                                        stage="planning").id  # fmt: skip
        act = service.log_activity(
            s, ed, pid, {"type": "workshop", "date": "2024-03-01", "participants": 12}
        ).id
    runner = CliRunner()

    def run(*args: object):  # type: ignore[no-untyped-def]
        return runner.invoke(assess_app, [str(a) for a in (*args, "--db", url)])

    r = run("list", "--from", pid, "--user", "vi@a.nhs.uk")
    assert r.exit_code == 0, r.output
    assert f"  {aid}: planning on" in r.stdout and "(Not finished)" in r.stdout
    assert f"  {act}: Workshop on 2024-03-01 (12 taking part)" in r.stdout
    fixed = tmp_path / "fixed.toml"
    fixed.write_text(
        'type = "workshop"\ndate = 2024-03-01\nparticipants = 14\n'
        f'[groups."{DEP}"]\n"1 - most deprived" = 4\n"Most deprived" = 10\n'
    )
    r = run("involvement", "edit", "--from", pid, "--activity", act, "--file", fixed,
            "--user", "ed@a.nhs.uk")  # fmt: skip
    assert r.exit_code == 2 and "Did you mean '1 - most deprived'?" in r.stderr
    fixed.write_text(fixed.read_text().replace('"Most deprived" = 10', '"2" = 10'))
    r = run("involvement", "edit", "--from", pid, "--activity", act, "--file", fixed,
            "--user", "ed@a.nhs.uk")  # fmt: skip
    assert r.exit_code == 0, r.output
    r = run("remove", "--from", pid, "--assessment", aid, "--reason", "test entry",
            "--user", "vi@a.nhs.uk")  # fmt: skip
    assert r.exit_code == 2 and "editor role" in r.stderr  # a viewer cannot
    r = run("involvement", "remove", "--from", pid, "--activity", act, "--reason", " ",
            "--user", "ed@a.nhs.uk")  # fmt: skip
    assert r.exit_code == 2 and "a removal needs a reason" in r.stderr
    r = run("remove", "--from", pid, "--assessment", aid, "--reason", "test entry",
            "--user", "ed@a.nhs.uk")  # fmt: skip
    assert r.exit_code == 0, r.output
    with registry.session() as s:
        assert assessments.list_assessments(s, ed, pid) == []
        assert involvement.involvement_log(s, ed, pid).total_participants == 14
        trail = [(e.action, e.entity, e.detail) for e in audit.trail(s, ed)]
    edited = next(d for a, e, d in trail if (a, e) == ("edit", "involvement"))
    assert (edited["before"]["participants"], edited["after"]["participants"]) == (12, 14)
    removed = next(d for a, e, d in trail if (a, e) == ("remove", "assessment"))
    assert removed["reason"] == "test entry"
    assert vi.id  # the viewer exists; refused above by role, not by lookup
