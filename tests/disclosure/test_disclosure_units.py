"""Hand-worked cases for the policies, the relations and the audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.disclosure import Policy, build_relations, policy_for, protect
from equalqi.disclosure.audit import linearly_determined
from equalqi.disclosure.cells import PRIMARY, SECONDARY
from equalqi.disclosure.relations import Relation, Relations
from equalqi.errors import InputError
from equalqi.plan import parse_plan
from equalqi.services.demo import demo_plan

# count -> shown, by hand: suppress k=10 hides 1..9, shows zeros; round hides 0..7 and
# rounds the rest to the nearest 5.
SHOWN = [
    (0, 0.0, None),
    (1, None, None),
    (7, None, None),
    (8, None, 10.0),
    (9, None, 10.0),
    (10, 10.0, 10.0),
    (12, 12.0, 10.0),
    (13, 13.0, 15.0),
    (17, 17.0, 15.0),
    (18, 18.0, 20.0),
    (1234, 1234.0, 1235.0),
]


@pytest.mark.parametrize(("count", "suppress", "round_"), SHOWN)
def test_shown_counts_by_hand(count: int, suppress: float | None, round_: float | None) -> None:
    assert Policy("suppress", k=10).shown_count(count) == suppress
    assert Policy("round").shown_count(count) == round_


def test_count_words_and_policy_from_the_plan() -> None:
    assert Policy().count_text(3) == "fewer than 10"
    assert Policy().count_text(12) == "12"
    assert Policy("round").count_text(5) == "7 or fewer"
    assert Policy("round").count_text(13) == "about 15"
    assert policy_for("suppress", suppress_below=0).rule == "none"
    assert not Policy("none").is_small(1)
    text = (
        demo_plan("dna_sms")
        .to_toml()
        .replace('disclosure = "suppress"', 'disclosure = "round"\nround_to = 10')
    )
    plan = parse_plan(text)
    assert (plan.output.disclosure, plan.output.round_to) == ("round", 10)
    assert parse_plan(plan.to_toml()).output == plan.output  # the plan round-trips
    with pytest.raises(InputError) as info:
        parse_plan(text.replace('"round"', '"blur"'))
    problem = info.value.problems[0]
    assert "[output] disclosure" in problem.what and problem.value == "blur"


def _table(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["dimension", "group", "numerator", "denominator"])
    frame["period"] = pd.Timestamp("2024-01-01")
    frame["n_records"] = frame["denominator"]
    return frame


def _two_by_two() -> pd.DataFrame:
    return _table(
        [
            ("Overall", "All", 30, 200),
            ("A", "a1", 10, 90),
            ("A", "a2", 20, 110),
            ("B", "b1", 12, 120),
            ("B", "b2", 18, 80),
            ("A × B", "a1 · b1", 4, 50),
            ("A × B", "a1 · b2", 6, 40),
            ("A × B", "a2 · b1", 8, 70),
            ("A × B", "a2 · b2", 12, 40),
        ]
    )


def test_relations_of_a_two_by_two_intersection() -> None:
    rel = build_relations(_two_by_two(), ["A", "B"], [("A × B", ("A", "B"))])
    got = {(r.total, tuple(sorted(r.parts))) for r in rel.items}
    # grand = Overall; Overall = a1 + a2 = b1 + b2; each margin = its two cells
    assert got == {
        (9, (0,)),
        (0, (1, 2)),
        (0, (3, 4)),
        (1, (5, 6)),
        (2, (7, 8)),
        (3, (5, 7)),
        (4, (6, 8)),
    }


def test_one_hidden_cell_of_a_margin_is_determined_a_cycle_is_not() -> None:
    rel = build_relations(_two_by_two(), ["A", "B"], [("A × B", ("A", "B"))])
    hidden = np.zeros(rel.n_cells, dtype=bool)
    hidden[5] = True
    assert linearly_determined(rel, hidden)[5]
    hidden[[6, 7, 8]] = True  # the four cells form a cycle: any one can move
    assert not linearly_determined(rel, hidden).any()


def test_a_bridge_between_two_cycles_is_found_by_the_linear_audit() -> None:
    # A 4 x 4 table as row and column sums: hidden cells are the edges of a bipartite
    # graph. Two 2 x 2 cycles joined by one cell: every row and column has two or more
    # hidden cells (so no single sum gives one away), yet the joining cell is determined.
    cell = {(i, j): 4 * i + j for i in range(4) for j in range(4)}
    rows = [Relation(16 + i, tuple(cell[i, j] for j in range(4))) for i in range(4)]
    cols = [Relation(20 + j, tuple(cell[i, j] for i in range(4))) for j in range(4)]
    rel = Relations(n_cells=24, grand=24, items=tuple(rows + cols))
    hidden = np.zeros(24, dtype=bool)
    cycles = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3)]
    for c in [*cycles, (1, 2)]:
        hidden[cell[c]] = True
    for r in rel.items:
        assert sum(hidden[c] for c in r.parts) != 1
    determined = linearly_determined(rel, hidden)
    assert determined[cell[1, 2]] and determined.sum() == 1


def test_secondary_cell_is_the_smallest_other_group() -> None:
    table = _table(
        [("Overall", "All", 30, 200), ("A", "a1", 2, 30), ("A", "a2", 10, 60), ("A", "a3", 18, 110)]
    )
    rel = build_relations(table, ["A"], [])
    out = protect(table, "proportion", Policy(), rel)
    assert out.reason[:4].tolist() == ["", PRIMARY, SECONDARY, ""]
    assert out.counts["numerator"].isna().tolist() == [False, True, True, False]


def test_hidden_zeros_that_would_add_up_to_zero_get_company() -> None:
    # a1 and a2 are small with no events: hiding just them, the total's 15 events all sit
    # in a3, so both zeros would be known. A cell with events must be hidden with them.
    table = _table(
        [
            ("Overall", "All", 15, 130),
            ("A", "a1", 0, 5),
            ("A", "a2", 0, 6),
            ("A", "a3", 15, 119),
        ]
    )
    rel = build_relations(table, ["A"], [])
    out = protect(table, "proportion", Policy(), rel)
    hidden = out.hidden[:4]
    assert hidden[1] and hidden[2]
    assert table.loc[hidden, "numerator"].sum() > 0  # the attacker cannot say "all zero"
