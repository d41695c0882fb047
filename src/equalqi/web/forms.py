"""Turn submitted forms into service inputs, and service problems into the NHS error summary.

Kept apart from the routes so the parsing can be tested on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from equalqi.errors import Problem
from equalqi.registry.projects import ProjectInput

#: Map-columns form fields -> the plan's ``[data]`` roles.
ROLE_FIELDS: tuple[str, ...] = ("date", "imd_decile", "ethnicity", "age", "sex")


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_date(value: str) -> dt.date | None:
    """An ISO date (2024-01-31) or None when blank; ValueError when not a date."""
    return dt.date.fromisoformat(value) if value else None


def project_input(form: Any) -> tuple[ProjectInput | None, dict[str, str]]:
    """The project form as a :class:`ProjectInput`, or field -> message for bad dates."""
    errors: dict[str, str] = {}
    dates: dict[str, dt.date | None] = {}
    for name in ("start_date", "end_date"):
        try:
            dates[name] = parse_date(text(form, name))
        except ValueError:
            errors[name] = "Enter a real date, for example 2024-01-31"
    if errors:
        return None, errors
    return (
        ProjectInput(
            title=text(form, "title"),
            aim=text(form, "aim"),
            qi_type=text(form, "qi_type") or "Other",
            setting=text(form, "setting"),
            team=text(form, "team"),
            start_date=dates["start_date"],
            end_date=dates["end_date"],
            status=text(form, "status") or "planning",
            core20plus5=tuple(v for v in form.getlist("core20plus5") if isinstance(v, str)),
        ),
        {},
    )


def plan_dict(
    form: Mapping[str, Any], columns: Iterable[str], title: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The map-columns form as a plan mapping (for :func:`equalqi.plan.plan_from_dict`),
    plus field -> message for what the form itself can tell is wrong."""
    known = set(columns)
    errors: dict[str, str] = {}
    name = text(form, "measure_name")
    if not name:
        errors["measure_name"] = "Enter a name for the measure, for example DNA rate"
    numerator = text(form, "numerator")
    if not numerator:
        errors["numerator"] = "Choose the outcome column"
    chosen = {f: text(form, f) for f in (*ROLE_FIELDS, "extra")}
    if not chosen["date"]:
        errors["date"] = "Choose the column with the date of the event"
    for field, col in {**chosen, "numerator": numerator}.items():
        if col and col not in known:
            errors[field] = f"The file has no column called {col}"
    intervention: dt.date | None = None
    try:
        intervention = parse_date(text(form, "intervention"))
    except ValueError:
        errors["intervention"] = "Enter a real date, for example 2024-01-01"
    improvement = text(form, "improvement") or "decrease"
    raw: dict[str, Any] = {
        "project": {"title": title},
        "measure": {
            "name": name or "Measure",
            "kind": "proportion",
            "numerator": numerator,
            "improvement": improvement,
        },
        "data": {role: chosen[role] for role in ROLE_FIELDS if chosen[role]},
        "period": {"unit": text(form, "period") or "month"},
    }
    dims: list[dict[str, Any]] = []
    if chosen["imd_decile"]:
        dims.append(
            {
                "kind": "imd_quintile",
                "name": "Deprivation (IMD quintile)",
                "compare": ["1 - most deprived", "5 - least deprived"],
            }
        )
    if chosen["ethnicity"]:
        dims.append({"kind": "ethnicity", "name": "Ethnic group"})
    if chosen["age"]:
        dims.append({"kind": "age_band", "name": "Age band"})
    if chosen["sex"]:
        dims.append({"kind": "sex", "name": "Sex"})
    if chosen["extra"]:
        dims.append({"kind": "column", "name": chosen["extra"], "column": chosen["extra"]})
    raw["dimensions"] = dims
    if intervention:
        raw["intervention"] = {"date": intervention, "name": "Intervention"}
    return raw, errors


def summary_items(problems: Iterable[Problem], anchor: str | None = None) -> list[dict[str, str]]:
    """Problems as error-summary items: the full message, linked to the field if known."""
    return [{"text": p.message(), "href": f"#{anchor}" if anchor else ""} for p in problems]


def field_items(errors: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"text": message, "href": f"#{field}"} for field, message in errors.items()]
