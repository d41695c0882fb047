"""Registry services on SQLite and PostgreSQL: CRUD, roles, isolation, audit, checksums."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from equalqi.errors import InputError
from equalqi.registry import analyses, assessments, audit, datasets, involvement, projects
from equalqi.registry.access import Forbidden, NotFound
from equalqi.registry.db import Registry
from equalqi.registry.models import AnalysisRun, Dataset, Organisation, User
from equalqi.registry.organisations import create_organisation
from equalqi.registry.users import authenticate, create_user, verify_password
from equalqi.services.analyses import ASSESSMENT_MARKER, run_analysis
from equalqi.services.demo import demo_plan

PASSWORD = "a long enough password"


def _people(session: object, registry: Registry) -> dict[str, User]:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    a = create_organisation(session, "Org A")
    b = create_organisation(session, "Org B")
    return {
        "a-editor": create_user(session, a, "ed@a.nhs.uk", "Ed", "editor", PASSWORD),
        "a-viewer": create_user(session, a, "vi@a.nhs.uk", "Vi", "viewer", PASSWORD),
        "b-editor": create_user(session, b, "ed@b.nhs.uk", "Eb", "editor", PASSWORD),
    }


def test_passwords_are_argon2id_and_verify(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        users = _people(s, registry)
        stored = users["a-editor"].password_hash
        assert stored.startswith("$argon2id$")  # RFC 9106 variant, not the password
        assert PASSWORD not in stored
        assert verify_password(stored, PASSWORD)
        assert not verify_password(stored, PASSWORD + "x")
        assert authenticate(s, "ED@A.NHS.UK", PASSWORD) is not None  # e-mail case-insensitive
        assert authenticate(s, "ed@a.nhs.uk", "wrong password!") is None
        assert authenticate(s, "nobody@a.nhs.uk", PASSWORD) is None


def test_short_password_and_unknown_role_are_refused(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        org = create_organisation(s, "Org")
        with pytest.raises(ValueError, match="at least"):
            create_user(s, org, "x@y.uk", "X", "editor", "short")
        with pytest.raises(ValueError, match="role"):
            create_user(s, org, "x@y.uk", "X", "owner", PASSWORD)


def test_project_crud_isolation_and_audit(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        u = _people(s, registry)
        p = projects.create_project(
            s, u["a-editor"], projects.ProjectInput(title="DNA reminders", qi_type="Other")
        )
        projects.create_project(s, u["b-editor"], projects.ProjectInput(title="B's project"))
        # Each organisation lists only its own projects.
        assert [x.title for x in projects.list_projects(s, u["a-viewer"])] == ["DNA reminders"]
        assert [x.title for x in projects.list_projects(s, u["b-editor"])] == ["B's project"]
        # Another organisation's project is "not found", not "forbidden".
        with pytest.raises(NotFound):
            projects.get_project(s, u["b-editor"], p.id)
        with pytest.raises(NotFound):
            projects.update_project(s, u["b-editor"], p.id, projects.ProjectInput(title="hijacked"))
        # A viewer cannot create or change.
        with pytest.raises(Forbidden):
            projects.create_project(s, u["a-viewer"], projects.ProjectInput(title="nope"))
        updated = projects.update_project(
            s, u["a-editor"], p.id, projects.ProjectInput(title="DNA reminders", status="active")
        )
        assert updated.status == "active"
        actions = [(e.action, e.entity) for e in audit.trail(s, u["a-editor"])]
        # Newest first: the update, the creation, then the users' and organisation's creation.
        assert actions[:2] == [("update", "project"), ("create", "project")]
        assert all(
            e.organisation_id == u["a-editor"].organisation_id
            for e in audit.trail(s, u["a-editor"])
        )


def test_project_validation_names_each_field(registry: Registry) -> None:
    import datetime as dt

    with registry.session() as s, s.begin():
        u = _people(s, registry)
        bad = projects.ProjectInput(
            title=" ",
            qi_type="Magic",
            start_date=dt.date(2024, 5, 1),
            end_date=dt.date(2024, 1, 1),
        )
        with pytest.raises(InputError) as info:
            projects.create_project(s, u["a-editor"], bad)
        assert {p.column for p in info.value.problems} == {"title", "qi_type", "end_date"}


def test_upload_is_stored_unchanged_with_its_sha256(
    registry: Registry, small_extract: Path
) -> None:
    raw = small_extract.read_bytes()
    with registry.session() as s, s.begin():
        u = _people(s, registry)
        p = projects.create_project(s, u["a-editor"], projects.ProjectInput(title="P"))
        d = datasets.store_upload(
            s,
            u["a-editor"],
            p.id,
            "../../etc/extract.csv",
            io.BytesIO(raw),
            data_dir=registry.data_dir,
            max_bytes=10**9,
        )
        assert d.sha256 == hashlib.sha256(raw).hexdigest()
        assert Path(d.stored_path).read_bytes() == raw
        assert d.filename == "extract.csv"  # no path traversal
        assert Path(d.stored_path).resolve().is_relative_to(registry.data_dir.resolve())
        assert d.size_bytes == len(raw)
        assert "event_date" in d.columns and "dna" in d.columns
        assert datasets.verify_checksum(d)


def test_refused_uploads_leave_nothing_behind(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        u = _people(s, registry)
        p = projects.create_project(s, u["a-editor"], projects.ProjectInput(title="P"))
        with pytest.raises(datasets.TooLarge):
            datasets.store_upload(
                s,
                u["a-editor"],
                p.id,
                "big.csv",
                io.BytesIO(b"a,b\n" * 100),
                data_dir=registry.data_dir,
                max_bytes=50,
            )
        with pytest.raises(InputError) as info:
            datasets.store_upload(
                s,
                u["a-editor"],
                p.id,
                "notes.exe",
                io.BytesIO(b"MZ"),
                data_dir=registry.data_dir,
                max_bytes=10**6,
            )
        assert info.value.problems[0].value == ".exe"
        with pytest.raises(Forbidden):
            datasets.store_upload(
                s,
                u["a-viewer"],
                p.id,
                "a.csv",
                io.BytesIO(b"a\n1\n"),
                data_dir=registry.data_dir,
                max_bytes=10**6,
            )
        assert s.scalar(select(func.count()).select_from(Dataset)) == 0
    uploads = registry.data_dir / "uploads"
    assert not uploads.exists() or not any(f.is_file() for f in uploads.rglob("*"))


def test_analyses_are_versioned_and_failures_change_nothing(
    registry: Registry, small_extract: Path
) -> None:
    plan = demo_plan("dna_sms")
    with registry.session() as s, s.begin():
        u = _people(s, registry)
        p = projects.create_project(s, u["a-editor"], projects.ProjectInput(title="P"))
        with small_extract.open("rb") as fh:
            d = datasets.store_upload(
                s, u["a-editor"], p.id, "x.csv", fh, data_dir=registry.data_dir, max_bytes=10**9
            )
        first = run_analysis(s, u["a-editor"], p.id, d.id, plan, data_dir=registry.data_dir)
        second = run_analysis(s, u["a-editor"], p.id, d.id, plan, data_dir=registry.data_dir)
        assert (first.version, second.version) == (1, 2)
        assert first.summary["records"] == 5_000  # every record of the extract was read
        # 5,000 records: the verdict rests on the numbers shown; if too many are hidden
        # it is withheld, and the portfolio says so rather than "no intervention date".
        impact = first.summary["impact"].get("Deprivation (IMD quintile)")
        if impact is None:
            assert first.equity_status == "withheld: too few numbers shown"
            assert first.summary["disclosure"]["withheld"]
        else:
            assert first.equity_status == impact["outcome"]
        assert (Path(first.output_dir) / "report.html").exists()
        assert ASSESSMENT_MARKER in (Path(first.output_dir) / "report.html").read_text()
        status = projects.equity_status(s, [p])
        assert status[p.id] == second.equity_status
        # A plan naming a column the file lacks fails before anything is registered.
        from dataclasses import replace

        bad = replace(plan, measure=replace(plan.measure, numerator="no_such_column"))
        with pytest.raises(InputError) as info:
            run_analysis(s, u["a-editor"], p.id, d.id, bad, data_dir=registry.data_dir)
        assert any(pr.column == "no_such_column" for pr in info.value.problems)
        assert s.scalar(select(func.count()).select_from(AnalysisRun)) == 2
        assert len(list((registry.data_dir / "analyses" / str(p.id)).iterdir())) == 2
        # Other organisations cannot read the analyses.
        with pytest.raises(NotFound):
            analyses.list_analyses(s, u["b-editor"], p.id)


def test_assessment_and_involvement_round_trip(registry: Registry) -> None:
    from equalqi.assess import default_theory

    ids = default_theory().question_ids
    with registry.session() as s, s.begin():
        u = _people(s, registry)
        p = projects.create_project(s, u["a-editor"], projects.ProjectInput(title="P"))
        answers = dict.fromkeys(ids, "yes")
        row = assessments.save_assessment(s, u["a-editor"], p.id, answers, stage="planning")
        back = assessments.latest_assessment(s, u["a-viewer"], p.id)
        assert back is not None
        assert {a.question_id: a.value for a in back.answers} == answers
        assert back.unanswered == ()
        assert row.overall_risk  # scored on save
        involvement.add_activity(
            s, u["a-editor"], p.id, {"type": "workshop", "date": "2024-02-01", "participants": 12}
        )
        log = involvement.involvement_log(s, u["a-viewer"], p.id)
        assert log.total_participants == 12
        with pytest.raises(Forbidden):
            assessments.save_assessment(s, u["a-viewer"], p.id, answers)
        with pytest.raises(NotFound):
            involvement.involvement_log(s, u["b-editor"], p.id)


def test_organisation_names_are_unique(registry: Registry) -> None:
    from sqlalchemy.exc import IntegrityError

    with registry.session() as s:
        create_organisation(s, "Same")
        s.commit()
        with pytest.raises(IntegrityError):
            create_organisation(s, "Same")
        s.rollback()
        assert s.scalar(select(func.count()).select_from(Organisation)) == 1
