"""Programme theory files: schema validation naming lines, and the built-in theory."""

import json
import re

import pytest

from equalqi.assess import TheoryError, default_theory, parse_theory, theory_from_dict
from equalqi.assess.theory import BASES, TENDS_TO

GOOD = """\
schema_version = 1
theory_version = "1.0"
id = "mini"
name = "Mini theory"

[[sources]]
id = "src"
citation = "A. Author. A paper. 2024."

[[clusters]]
id = "values"
name = "Values"

[[clusters.statements]]
id = "s1"
tends_to = "reduce"
sources = ["src"]
context = "C"
mechanism = "M"
outcome = "O"

[[clusters.statements.questions]]
id = "q1"
text = "Is it so?"
"""


def messages(exc: TheoryError) -> list[str]:
    return [p.message() for p in exc.problems]


def test_minimal_theory_parses():
    t = parse_theory(GOOD)
    assert (t.id, t.theory_version, t.schema_version) == ("mini", "1.0", 1)
    assert t.question_ids == ("q1",)
    st = t.clusters[0].statements[0]
    assert st.basis == "informed_by"  # the documented default
    assert st.questions[0].polarity == "protective"


def test_cluster_missing_name_names_its_line():
    # Remove 'name = "Values"' (line 12); the cluster's header [[clusters]] is line 10.
    text = GOOD.replace('name = "Values"\n', "")
    with pytest.raises(TheoryError) as err:
        parse_theory(text, source="my.toml")
    (problem,) = err.value.problems
    assert problem.row == 10
    assert "line 10" in problem.message()
    assert "my.toml" in problem.message()
    assert "'name' is missing" in problem.message()


def test_unknown_tends_to_value_names_its_line():
    text = GOOD.replace('tends_to = "reduce"', 'tends_to = "widen"')
    with pytest.raises(TheoryError) as err:
        parse_theory(text, source="my.toml")
    (problem,) = err.value.problems
    assert problem.row == 16  # the tends_to line, counted by hand in GOOD
    assert problem.value == "widen"
    assert "reduce, increase" in problem.fix


def test_every_problem_is_reported_at_once():
    text = (
        GOOD.replace('tends_to = "reduce"', 'tends_to = "sideways"')
        .replace('text = "Is it so?"', 'txt = "Is it so?"')
        .replace('sources = ["src"]', 'sources = ["nope"]')
    )
    with pytest.raises(TheoryError) as err:
        parse_theory(text)
    found = "\n".join(messages(err.value))
    assert "line 16" in found  # tends_to
    assert "unknown key 'txt'" in found and "line 24" in found
    assert "'text' is missing" in found
    assert "source 'nope'" in found and "line 17" in found
    assert len(err.value.problems) == 4


def test_toml_syntax_error_names_the_line():
    text = GOOD.replace('id = "q1"', 'id = "q1')
    with pytest.raises(TheoryError) as err:
        parse_theory(text, source="broken.toml")
    assert err.value.problems[0].row == 23  # the 'id = "q1' line, counted by hand in GOOD
    assert "line 23" in err.value.problems[0].message()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("schema_version = 1", "schema_version = 2", "schema_version is not supported"),
        ('theory_version = "1.0"', "theory_version = 1.0", "'theory_version' must be text"),
        ('id = "mini"', 'id = "has space"', "must be a short identifier"),
        ('sources = ["src"]\n', "", "cites no source"),
        ('sources = ["src"]', "sources = []", "cites no source"),
        ('id = "q1"', 'id = "s1"', None),  # question ids and statement ids are separate kinds
    ],
)
def test_schema_rules(old, new, expected):
    text = GOOD.replace(old, new, 1)
    if expected is None:
        parse_theory(text)
        return
    with pytest.raises(TheoryError) as err:
        parse_theory(text)
    assert any(expected in m for m in messages(err.value))


def test_duplicate_question_id_points_at_both_lines():
    text = GOOD + '\n[[clusters.statements.questions]]\nid = "q1"\ntext = "Again?"\n'
    with pytest.raises(TheoryError) as err:
        parse_theory(text)
    (problem,) = err.value.problems
    # GOOD has 24 lines; the appended blank line is 25, the header 26, the id 27.
    assert problem.row == 27
    assert "first used at line 23" in problem.message()


def test_toolkit_basis_must_not_cite_sources():
    text = GOOD.replace('tends_to = "reduce"', 'tends_to = "reduce"\nbasis = "toolkit"')
    with pytest.raises(TheoryError) as err:
        parse_theory(text)
    assert any("toolkit" in m and "cites sources" in m for m in messages(err.value))
    uncited = text.replace('sources = ["src"]\n', "")
    assert parse_theory(uncited).clusters[0].statements[0].sources == ()


def test_round_trip_through_json():
    t = default_theory()
    again = theory_from_dict(json.loads(json.dumps(t.to_dict())))
    assert again == t
    assert again.fingerprint == t.fingerprint
    changed = json.loads(json.dumps(t.to_dict()))
    changed["clusters"][0]["name"] = "Changed"
    assert theory_from_dict(changed).fingerprint != t.fingerprint


# --------------------------------------------------------------------------- default theory


def test_default_theory_has_the_reviews_four_clusters():
    t = default_theory()
    assert t.schema_version == 1 and t.theory_version
    assert [c.name for c in t.clusters] == [
        "Values and understanding",
        "Resources",
        "Data",
        "Design",
    ]


def test_every_default_statement_cites_a_listed_source_and_is_labelled():
    t = default_theory()
    source_ids = {s.id for s in t.sources}
    for _, st in t.statements():
        assert st.sources, st.id
        assert set(st.sources) <= source_ids
        # the built-in statements are the toolkit's operationalisation, not published CMOCs
        assert st.basis == "informed_by", st.id
        assert st.label is None  # no invented CMOC numbering
        assert st.tends_to in TENDS_TO and st.basis in BASES
        assert st.plain, st.id
        for q in st.questions:
            assert q.actions, q.id
            assert set(q.sources) <= source_ids


def test_default_theory_covers_both_directions_and_the_barrier_findings():
    t = default_theory()
    tends = [st.tends_to for _, st in t.statements()]
    assert "increase" in tends and "reduce" in tends
    ids = {st.id for _, st in t.statements()}
    # the review's finding on practical and technological barriers is represented
    assert {"design-practical-barriers", "design-digital-barriers"} <= ids
    johnson = t.source("johnson2025")
    assert johnson.doi == "10.1136/bmjqs-2024-017386"
    assert "36" in (johnson.supports or "") and "four" in (johnson.supports or "")


def test_default_theory_does_not_claim_numbered_cmocs():
    text = json.dumps(default_theory().to_dict())
    assert not re.search(r"CMOC\s*\d", text)


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _mutate(data, path, replacement):
    data = json.loads(json.dumps(data))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if replacement is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return data


_DELETE = object()


@pytest.mark.parametrize(
    "replacement",
    [_DELETE, 42, [], {}, "", None],
    ids=["delete", "int", "list", "dict", "empty", "none"],
)
def test_any_damage_gives_a_theory_error_never_a_crash(replacement):
    # Property: deleting or retyping any single key or item of a valid theory either still
    # validates or raises TheoryError with at least one located problem.
    base = default_theory().to_dict()
    for path in _paths(base):
        damaged = _mutate(base, path, replacement)
        try:
            theory_from_dict(damaged)
        except TheoryError as exc:
            assert exc.problems and all(p.what for p in exc.problems), path
