"""Form parsing for the upload wizard and the project form (hand-checked expectations)."""

from __future__ import annotations

import datetime as dt

from starlette.datastructures import FormData

from equalqi.plan import plan_from_dict
from equalqi.web.forms import plan_dict, project_input

COLUMNS = ["event_date", "dna", "imd_decile", "ethnic_category", "age", "sex", "site"]


def test_a_complete_mapping_makes_a_valid_plan() -> None:
    form = {
        "measure_name": "DNA rate",
        "numerator": "dna",
        "date": "event_date",
        "imd_decile": "imd_decile",
        "ethnicity": "ethnic_category",
        "extra": "site",
        "intervention": "2024-01-01",
        "improvement": "decrease",
        "period": "month",
    }
    raw, errors = plan_dict(form, COLUMNS, "Project")
    assert errors == {}
    plan = plan_from_dict(raw)
    assert plan.data.date == "event_date"
    assert plan.intervention == dt.date(2024, 1, 1)
    # IMD gives the quintile dimension compared most vs least deprived, as in the demo plan.
    assert plan.dimensions[0].kind == "imd_quintile"
    assert plan.dimensions[0].compare == ("1 - most deprived", "5 - least deprived")
    assert [d.name for d in plan.dimensions] == [
        "Deprivation (IMD quintile)",
        "Ethnic group",
        "site",
    ]


def test_missing_and_unknown_columns_are_named() -> None:
    form = {"numerator": "nope", "intervention": "2024-02-30"}
    _raw, errors = plan_dict(form, COLUMNS, "Project")
    assert set(errors) == {"measure_name", "numerator", "date", "intervention"}
    assert errors["numerator"] == "The file has no column called nope"


def test_project_form_dates_and_checkboxes() -> None:
    form = FormData(
        [
            ("title", " A "),
            ("start_date", "2024-01-31"),
            ("end_date", ""),
            ("core20plus5", "Maternity"),
            ("core20plus5", "PLUS groups"),
        ]
    )
    data, errors = project_input(form)
    assert errors == {} and data is not None
    assert data.start_date == dt.date(2024, 1, 31) and data.end_date is None
    assert data.core20plus5 == ("Maternity", "PLUS groups")
    _data, errors = project_input(FormData([("title", "A"), ("start_date", "31/01/2024")]))
    assert set(errors) == {"start_date"}
