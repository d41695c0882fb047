"""The assessment service on SQLite and PostgreSQL: the planning base of a review, corrections
and removals with an audit trail, group names checked against the project's plan."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from equalqi.assess import default_theory
from equalqi.errors import InputError
from equalqi.registry import assessments, audit, involvement, projects
from equalqi.registry.access import Forbidden, NotFound
from equalqi.registry.db import Registry
from equalqi.registry.models import AssessmentRecord, User
from equalqi.registry.organisations import create_organisation
from equalqi.registry.users import create_user
from equalqi.services import assessments as service

PASSWORD = "a long enough password"
IDS = default_theory().question_ids


def _people(session: object) -> dict[str, User]:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    a = create_organisation(session, "Org A")
    b = create_organisation(session, "Org B")
    return {
        "a-editor": create_user(session, a, "ed@a.nhs.uk", "Ed", "editor", PASSWORD),
        "a-viewer": create_user(session, a, "vi@a.nhs.uk", "Vi", "viewer", PASSWORD),
        "b-editor": create_user(session, b, "ed@b.nhs.uk", "Eb", "editor", PASSWORD),
    }


def test_review_is_compared_with_the_planning_made_before_it(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        u = _people(s)
        ed = u["a-editor"]
        p = projects.create_project(s, ed, projects.ProjectInput(title="P"))
        plan1 = service.record_assessment(s, ed, p.id, dict.fromkeys(IDS, "no"), stage="planning")
        review = service.record_assessment(s, ed, p.id, dict.fromkeys(IDS, "yes"), stage="review")
        # make the dates unambiguous: planning a year before the review
        for row, when in ((plan1, dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
                          (review, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))):  # fmt: skip
            row.data = {**row.data, "created_at": when.isoformat()}
        s.flush()
        summary = service.project_summary(s, u["a-viewer"], p.id)
        assert summary is not None and summary.stage == "review"
        assert summary.changes is not None  # compared with planning
        history = service.history(s, ed, p.id)
        assert service.comparison_base(history, history[-1]) is history[0]
        with pytest.raises(InputError, match="is not a stage"):
            service.record_assessment(s, ed, p.id, {}, stage="evaluation")


def test_correct_and_remove_an_assessment_keep_an_audit_trail(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        u = _people(s)
        ed = u["a-editor"]
        p = projects.create_project(s, ed, projects.ProjectInput(title="P"))
        row = service.record_assessment(s, ed, p.id, dict.fromkeys(IDS, "no"), stage="planning")
        first_risk = row.overall_risk
        service.correct_assessment(s, ed, p.id, row.id, dict.fromkeys(IDS, "yes"), stage="planning")
        back = assessments.latest_assessment(s, ed, p.id)
        assert back is not None and {a.value for a in back.answers} == {"yes"}
        edit = next(e for e in audit.trail(s, ed) if e.action == "edit")
        assert edit.entity == "assessment" and edit.entity_id == row.id
        assert {a["answer"] for a in edit.detail["before"]["answers"]} == {"no"}
        assert {a["answer"] for a in edit.detail["after"]["answers"]} == {"yes"}
        assert row.overall_risk != first_risk  # re-scored
        with pytest.raises(InputError, match="needs a reason"):
            service.remove_assessment(s, ed, p.id, row.id, "  ")
        with pytest.raises(Forbidden):
            service.remove_assessment(s, u["a-viewer"], p.id, row.id, "test")
        with pytest.raises(NotFound):
            service.remove_assessment(s, u["b-editor"], p.id, row.id, "test")
        service.remove_assessment(s, ed, p.id, row.id, "entered for the wrong project")
        assert s.scalar(select(AssessmentRecord).where(AssessmentRecord.id == row.id)) is None
        removed = next(e for e in audit.trail(s, ed) if e.action == "remove")
        assert removed.detail["reason"] == "entered for the wrong project"
        assert {a["answer"] for a in removed.detail["removed"]["answers"]} == {"yes"}


def test_correct_and_remove_an_activity_keep_an_audit_trail(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        u = _people(s)
        ed = u["a-editor"]
        p = projects.create_project(s, ed, projects.ProjectInput(title="P"))
        a = service.log_activity(
            s, ed, p.id, {"type": "workshop", "date": "2024-02-01", "participants": 12}
        )
        b = service.log_activity(
            s, ed, p.id, {"type": "survey", "date": "2024-03-01", "participants": 30}
        )
        service.correct_activity(
            s, ed, p.id, a.id, {"type": "workshop", "date": "2024-02-01", "participants": 21}
        )
        assert involvement.involvement_log(s, ed, p.id).total_participants == 51
        service.remove_activity(s, ed, p.id, b.id, "entered twice")
        assert involvement.involvement_log(s, ed, p.id).total_participants == 21
        trail = [(e.action, e.entity, e.entity_id) for e in audit.trail(s, ed)]
        assert ("edit", "involvement", a.id) in trail
        assert ("remove", "involvement", b.id) in trail
        edit = next(e for e in audit.trail(s, ed) if e.action == "edit")
        assert (edit.detail["before"]["participants"], edit.detail["after"]["participants"]) == (
            12,
            21,
        )
        with pytest.raises(NotFound):
            service.remove_activity(s, u["b-editor"], p.id, a.id, "not mine")


def test_activity_groups_are_checked_against_the_projects_plan(registry: Registry) -> None:
    with registry.session() as s, s.begin():
        u = _people(s)
        ed = u["a-editor"]
        p = projects.create_project(s, ed, projects.ProjectInput(title="P"))
        raw = {"type": "workshop", "date": "2024-02-01", "participants": 4,
               "groups": {"core20": {"Core20": 4}}}  # fmt: skip
        with pytest.raises(InputError, match="has none yet"):
            service.log_activity(s, ed, p.id, raw)
        assert involvement.involvement_log(s, ed, p.id).activities == ()


def test_answering_an_area_keeps_everything_else(registry: Registry) -> None:
    from equalqi.assess import Answer, new_assessment
    from equalqi.assess.actions import PlannedAction
    from equalqi.assess.heat import About

    theory = default_theory()
    with registry.session() as s, s.begin():
        u = _people(s)
        ed = u["a-editor"]
        p = projects.create_project(s, ed, projects.ProjectInput(title="P"))
        about = About(
            who_is_affected="Adults booked into the clinic", protected_characteristics=("age",)
        )
        action = PlannedAction("design-digital-barriers", "Offer a phone line", "Manager")
        original = new_assessment(
            theory,
            [Answer("design-relies-on-digital", "yes", "Portal only", ("https://x.example/a",))],
            stage="planning",
            created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            actions=[action],
            about=about,
        )
        assessments.add_assessment(s, ed, p.id, original, action="import")
        values = theory.clusters[0]
        ids = [q.id for st in values.statements for q in st.questions]
        service.answer_area(s, ed, p.id, values.id, dict.fromkeys(ids, "yes"))
        after = assessments.latest_assessment(s, ed, p.id)
        assert after is not None
        assert after.about == about and after.actions == (action,)
        kept = after.answer("design-relies-on-digital")
        assert kept is not None and kept.note == "Portal only"
        assert kept.evidence == ("https://x.example/a",)
        assert {q for q in ids if after.answer(q)} == set(ids)
        assert after.created_at == original.created_at  # corrected in place, not a new check
