"""Equity by design: the programme theory, assessments, comparisons and the involvement log.

Pure core: text and mappings in, frozen dataclasses out; no file, network or database access
(the built-in theory is read from package data). The registry stores them, through the
service :mod:`equalqi.services.assessments` (files only for import and export,
:mod:`equalqi.services.assessment_store`); the command line is :mod:`equalqi.cli.assess`.

Typical use::

    from equalqi.assess import default_theory, parse_answers, new_assessment, score_assessment

    theory = default_theory()
    answers = parse_answers(text, theory, source="answers.toml").answers
    planning = new_assessment(theory, answers, stage="planning", created_at=now)
    profile = score_assessment(planning)       # per-area risk, mechanisms, actions
"""

from .answers import (
    ANSWER_VALUES,
    STAGES,
    Answer,
    AnswersFile,
    AnswerValue,
    Assessment,
    Stage,
    assessment_from_dict,
    new_assessment,
    normalise_answer,
    parse_answers,
)
from .assessment import (
    ClusterProfile,
    MechanismResult,
    QuestionResult,
    Recommendation,
    RiskProfile,
    cluster_risk,
    mechanism_levels,
    score_assessment,
)
from .compare import Comparison, compare_assessments, compare_profiles
from .involvement import (
    ACTIVITY_TYPES,
    BARRIERS,
    ROLES,
    Activity,
    GroupCount,
    InvolvementLog,
    activity_from_dict,
    involvement_from_dict,
    parse_activity,
)
from .problems import AnswersError, InvolvementError, LineProblem, TheoryError
from .representativeness import (
    Population,
    Representativeness,
    parse_population_csv,
    representativeness,
    wilson_interval,
)
from .summary import (
    AssessmentSummary,
    InvolvementSummary,
    summarise,
    summarise_assessment,
    summarise_changes,
    summarise_involvement,
)
from .theory import (
    Cluster,
    Question,
    Source,
    Statement,
    Theory,
    default_theory,
    parse_theory,
    theory_from_dict,
)

__all__ = [
    "ACTIVITY_TYPES",
    "ANSWER_VALUES",
    "BARRIERS",
    "ROLES",
    "STAGES",
    "Activity",
    "Answer",
    "AnswerValue",
    "AnswersError",
    "AnswersFile",
    "Assessment",
    "AssessmentSummary",
    "Cluster",
    "ClusterProfile",
    "Comparison",
    "GroupCount",
    "InvolvementError",
    "InvolvementLog",
    "InvolvementSummary",
    "LineProblem",
    "MechanismResult",
    "Population",
    "Question",
    "QuestionResult",
    "Recommendation",
    "Representativeness",
    "RiskProfile",
    "Source",
    "Stage",
    "Statement",
    "Theory",
    "TheoryError",
    "activity_from_dict",
    "assessment_from_dict",
    "cluster_risk",
    "compare_assessments",
    "compare_profiles",
    "default_theory",
    "involvement_from_dict",
    "mechanism_levels",
    "new_assessment",
    "normalise_answer",
    "parse_activity",
    "parse_answers",
    "parse_population_csv",
    "parse_theory",
    "representativeness",
    "score_assessment",
    "summarise",
    "summarise_assessment",
    "summarise_changes",
    "summarise_involvement",
    "theory_from_dict",
    "wilson_interval",
]
