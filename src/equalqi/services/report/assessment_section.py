"""Render the "Designing for fairness" report section (assessment + involvement) as HTML.

The section is a Jinja2 fragment, ``templates/assessment.html.j2``, that the report embeds.
It reads plain-language summaries only (:class:`equalqi.assess.AssessmentSummary` and
:class:`equalqi.assess.InvolvementSummary`, or their ``to_dict()``), so what a patient partner
reads in the report is exactly what the summaries say. Autoescaping is on: team notes and
titles cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from jinja2 import Environment, PackageLoader, StrictUndefined

from equalqi.assess import Population, representativeness, summarise_involvement
from equalqi.disclosure.policy import Policy

if TYPE_CHECKING:
    from equalqi.services.assessments import EquityRecord

TEMPLATE = "assessment.html.j2"


class _HasToDict(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("equalqi.services.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


def _as_dict(value: _HasToDict | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return dict(value)
    return value.to_dict()


def render_assessment_section(
    assessment_summary: _HasToDict | Mapping[str, Any] | None,
    involvement_summary: _HasToDict | Mapping[str, Any] | None,
) -> str:
    """The section's HTML; an empty string when there is neither an assessment nor a log."""
    assessment = _as_dict(assessment_summary)
    involvement = _as_dict(involvement_summary)
    if assessment is None and involvement is None:
        return ""
    template = _environment().get_template(TEMPLATE)
    return template.render(assessment=assessment, involvement=involvement)


def render_project_section(
    record: EquityRecord,
    *,
    population: Population | None = None,
    policy: Policy | None = None,
    threshold: float = 0.8,
) -> str:
    """The section for a project's stored record: its latest assessment (a review is compared
    with the latest planning assessment before it) and its involvement log, compared with
    ``population`` when given. Empty string if the project has neither."""
    from equalqi.services.assessments import summary_with_log

    log = record.log
    result = (
        representativeness(log, population, threshold=threshold)
        if population is not None and log.activities
        else None
    )
    assessment_summary = summary_with_log(record.history, log, result, policy=policy)
    involvement_summary = (
        summarise_involvement(log, result, policy=policy) if log.activities else None
    )
    return render_assessment_section(assessment_summary, involvement_summary)
