"""The JSON store: round trip, history kept, never overwriting, atomic involvement log."""

import datetime as dt
import json

import pytest

from equalqi.assess import (
    Answer,
    InvolvementLog,
    activity_from_dict,
    default_theory,
    new_assessment,
)
from equalqi.services.assessment_store import AssessmentStore, StoreError

THEORY = default_theory()
T0 = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)


def make(stage, when, value="yes"):
    return new_assessment(
        THEORY, [Answer("values-aim-written", value)], stage=stage, created_at=when, project="P"
    )


def test_round_trip_and_layout(tmp_path):
    store = AssessmentStore(tmp_path)
    a = make("planning", T0)
    path = store.save_assessment(a)
    assert path == tmp_path / "equity" / "assessments" / "planning-20250106T090000Z.json"
    assert store.load_assessments() == [a]
    assert store.latest("planning") == a
    assert store.latest("review") is None
    assert not list(path.parent.glob(".tmp-*"))  # no temporary files left behind


def test_history_is_kept_and_ordered_by_time(tmp_path):
    store = AssessmentStore(tmp_path)
    later_plan = make("planning", T0 + dt.timedelta(days=10), "partly")
    first_plan = make("planning", T0, "no")
    review = make("review", T0 + dt.timedelta(days=200))
    for a in (later_plan, review, first_plan):
        store.save_assessment(a)
    assert store.load_assessments() == [first_plan, later_plan, review]
    assert store.load_assessments("planning") == [first_plan, later_plan]
    assert store.latest("planning") == later_plan
    assert store.latest("review") == review


def test_never_overwrites_even_with_the_same_timestamp(tmp_path):
    store = AssessmentStore(tmp_path)
    first, second = make("review", T0, "no"), make("review", T0, "yes")
    p1 = store.save_assessment(first)
    p2 = store.save_assessment(second)
    p3 = store.save_assessment(second)
    assert len({p1, p2, p3}) == 3
    assert json.loads(p1.read_text())["answers"][0]["answer"] == "no"  # untouched
    assert store.load_assessments() == [first, second, second]
    assert store.latest("review") == second  # the later save wins a tie


def test_involvement_round_trip(tmp_path):
    store = AssessmentStore(tmp_path)
    assert store.load_involvement() == InvolvementLog()
    log = InvolvementLog().add(
        activity_from_dict(
            {
                "type": "workshop",
                "date": "2025-03-04",
                "participants": 20,
                "groups": {"core20": {"Core20": 3, "Not Core20": 17}},
                "barriers": ["interpreters"],
            }
        )
    )
    path = store.save_involvement(log)
    assert path == tmp_path / "equity" / "involvement.json"
    assert store.load_involvement() == log
    bigger = log.add(
        activity_from_dict({"type": "survey", "date": "2025-04-01", "participants": 5})
    )
    store.save_involvement(bigger)
    assert store.load_involvement() == bigger
    assert not list(path.parent.glob(".tmp-*"))


def test_corrupt_file_is_reported_not_raised_as_traceback(tmp_path):
    store = AssessmentStore(tmp_path)
    store.save_assessment(make("planning", T0))
    bad = store.assessments_dir / "planning-20250107T000000Z.json"
    bad.write_text("{not json")
    with pytest.raises(StoreError) as err:
        store.load_assessments()
    assert err.value.problems[0].file == str(bad)
    with pytest.raises(StoreError):
        store.load_assessments("later")
