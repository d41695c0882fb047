"""What the involvement log says, next to the questions it bears on.

Two questions of the built-in theory can be checked against the log rather than taken on
trust: whether the people involved reflect the population served
(``design-involvement-representative``) and whether practical barriers were removed
(``design-barriers-removed``). The report puts the team's answer and the log's record side by
side, so a "yes" with an empty log, or a log showing under-represented groups, is visible.
Counts are the log's (staff-entered attendances) and are shown through the same disclosure
policy as the involvement section.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from equalqi.disclosure.policy import Policy

from .answers import ANSWER_WORDS, Assessment
from .involvement import BARRIERS, InvolvementLog
from .representativeness import Representativeness

REPRESENTATIVE = "design-involvement-representative"
BARRIERS_REMOVED = "design-barriers-removed"


@dataclass(frozen=True)
class LogEvidence:
    question_id: str
    question: str
    answer: str  # the team's answer in words, or "not answered yet"
    log_says: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _representative(
    log: InvolvementLog, result: Representativeness | None, policy: Policy
) -> tuple[str, ...]:
    n = len(log.activities)
    if n == 0:
        return ("No involvement activities are recorded in the log.",)
    recorded = f"{n} {'activity' if n == 1 else 'activities'} recorded"
    if any(policy.is_small(a.participants) for a in log.activities):
        # as the involvement section: no total that would let small numbers be worked out
        lines = [recorded + "."]
    else:
        lines = [f"{recorded}; people took part {policy.count_text(log.total_participants)} times."]
    dims = sorted({g.dimension for g in log.group_counts()})
    if not dims:
        lines.append("No counts by group are recorded, so who took part cannot be compared.")
        return tuple(lines)
    if result is None:
        lines.append(
            "Counts by group are recorded for: " + ", ".join(dims) + ". Compare them with "
            "the population in the report of an analysis."
        )
        return tuple(lines)
    if result.mismatches:
        lines.append(
            "Some group names in the log do not match the plan; those dimensions are not "
            "compared (see the involvement section)."
        )
    flagged = result.rows[result.rows["flagged"]]
    compared = result.rows["dimension"].drop_duplicates().tolist()
    if compared and flagged.empty:
        lines.append("Every group compared took part at least in line with its share.")
    for r in flagged.itertuples(index=False):
        lines.append(f"Fewer than expected: {r.group} ({r.dimension}).")
    return tuple(lines)


def _barriers(log: InvolvementLog) -> tuple[str, ...]:
    if not log.activities:
        return ("No involvement activities are recorded in the log.",)
    done = log.barriers_addressed
    if not done:
        return ("No barriers are recorded as removed for any activity.",)
    with_any = sum(1 for a in log.activities if a.barriers)
    return (
        "Removed at least once: " + "; ".join(BARRIERS[b] for b in done) + ".",
        f"{with_any} of {len(log.activities)} activities recorded a barrier removed.",
    )


def log_evidence(
    assessment: Assessment,
    log: InvolvementLog,
    result: Representativeness | None = None,
    *,
    policy: Policy | None = None,
) -> tuple[LogEvidence, ...]:
    """The log's record next to each of the two questions (those the theory asks)."""
    policy = policy or Policy()
    out = []
    for qid, says in (
        (REPRESENTATIVE, _representative(log, result, policy)),
        (BARRIERS_REMOVED, _barriers(log)),
    ):
        if qid not in assessment.theory.question_ids:
            continue
        given = assessment.answer(qid)
        out.append(
            LogEvidence(
                qid,
                assessment.theory.question(qid).text,
                ANSWER_WORDS[given.value] if given else "not answered yet",
                says,
            )
        )
    return tuple(out)
