"""The report's involvement section states what the log holds, exactly, and names mismatches."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from typer.testing import CliRunner

from equalqi.assess import Population, activity_from_dict
from equalqi.assess.involvement import InvolvementLog
from equalqi.cli.main import app
from equalqi.disclosure.policy import Policy
from equalqi.services.report.assessment_section import render_project_section

from .conftest import store_record

DEP = "Deprivation (IMD quintile)"


class _Tables(HTMLParser):
    """Every table's rows as lists of cell texts, keyed by caption."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._in_caption = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "caption":
            self._in_caption, self._caption = True, ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
            self.tables[self._caption or ""] = []
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._caption or ""].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in_caption:
            self._caption = (self._caption or "") + data
        if self._cell is not None:
            self._cell.append(data)


def _log() -> InvolvementLog:
    log = InvolvementLog()
    for raw in (
        {"type": "workshop", "date": "2025-03-04", "participants": 40, "title": "Letters",
         "groups": {DEP: {"1 - most deprived": 12, "5 - least deprived": 28}}},
        {"type": "survey", "date": "2025-01-15", "participants": 60,
         "groups": {DEP: {"1 - most deprived": 10, "5 - least deprived": 50}}},
    ):  # fmt: skip
        log = log.add(activity_from_dict(raw))
    return log


def test_report_involvement_tables_match_the_log_exactly(home):
    log = _log()
    record = store_record(home, "P", log=log)
    assert record.log.total_participants == log.total_participants == 100
    population = Population.from_shares(
        {DEP: {"1 - most deprived": 0.4, "5 - least deprived": 0.6}}
    )
    html = render_project_section(record, population=population, policy=Policy(k=10))
    parser = _Tables()
    parser.feed(html)
    activities = parser.tables["Activities that involved people"][1:]
    # one row per logged activity, in date order, with the logged count
    assert [(r[1], r[2]) for r in activities] == [
        ("Survey", "60"), ("Workshop: Letters", "40")
    ]  # fmt: skip
    groups = parser.tables["People involved and the population, by group"][1:]
    # involved = the log's sum per group (12 + 10 and 28 + 50), shares of the 100 attendances
    assert [(r[0].split(" (")[0], r[1], r[2], r[3]) for r in groups] == [
        ("1 - most deprived", "22", "22%", "40%"),
        ("5 - least deprived", "78", "78%", "60%"),
    ]
    assert sum(int(r[1]) for r in groups) == log.total_participants
    assert "do not match the plan" not in html


def test_report_names_a_mismatch_instead_of_a_false_share(home):
    log = _log().add(
        activity_from_dict(
            {
                "type": "workshop",
                "date": "2025-05-01",
                "participants": 12,
                "groups": {DEP: {"Most deprived": 12}},
            }
        )
    )
    record = store_record(home, "P", log=log)  # stored as it was (e.g. imported long ago)
    population = Population.from_shares(
        {DEP: {"1 - most deprived": 0.4, "5 - least deprived": 0.6}}
    )
    html = render_project_section(record, population=population, policy=Policy(k=10))
    assert "Names in the log do not match the plan" in html
    assert "taking part 12 times as &#39;Most deprived&#39;" in html
    assert "Did you mean &#39;1 - most deprived&#39;?" in html
    parser = _Tables()
    parser.feed(html)
    assert "People involved and the population, by group" not in parser.tables


def test_analyse_with_a_mistyped_project_fails_before_analysing(tmp_path):
    from equalqi.services.demo import demo_plan

    plan = tmp_path / "plan.toml"
    plan.write_text(demo_plan("dna_sms").to_toml(), encoding="utf-8")
    r = CliRunner().invoke(
        app,
        ["assess", "involvement", "add", "--project", "DNA reminders", "--type", "survey",
         "--date", "2025-03-04", "--participants", "5"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    for name, expected in (
        ("DNA remindrs", "Did you mean 'DNA reminders'?"),
        ("Other", "Your organisation's projects: 1: DNA reminders"),
    ):
        r = CliRunner().invoke(
            app,
            ["analyse", str(plan), "--data", str(tmp_path / "none.csv"), "--out",
             str(tmp_path / "out"), "--project", name, "--format", "json"],
        )  # fmt: skip
        assert r.exit_code != 0
        message = json.loads(r.stdout)["problems"][0]["message"]
        assert "there is no project with this name or number" in message
        assert expected in message
        assert not (tmp_path / "out").exists()


def test_log_evidence_sits_next_to_the_answers(home):
    import datetime as dt

    from equalqi.assess import Answer, default_theory, new_assessment

    theory = default_theory()
    planned = (
        new_assessment(
            theory,
            [Answer("design-involvement-representative", "yes"),
             Answer("design-barriers-removed", "yes")],
            stage="planning",
            created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        ),
    )  # fmt: skip
    log = _log().add(
        activity_from_dict(
            {
                "type": "focus_group",
                "date": "2025-04-01",
                "participants": 15,
                "barriers": ["interpreters"],
            }
        )
    )
    record = store_record(home, "P", planned, log)
    population = Population.from_shares(
        {DEP: {"1 - most deprived": 0.4, "5 - least deprived": 0.6}}
    )
    html = render_project_section(record, population=population, policy=Policy(k=10))
    block = html[html.index("Answers checked against the involvement log") :]
    block = block[: block.index("</dl>")]
    # 3 activities, 40 + 60 + 15 attendances; most deprived 22 of 100 against 40%: flagged
    assert "3 activities recorded; people took part 115 times." in block
    assert "Fewer than expected: 1 - most deprived (Deprivation (IMD quintile))." in block
    assert "The team answered: yes" in block
    assert "Removed at least once: Interpreters or translated materials." in block
    assert "1 of 3 activities recorded a barrier removed." in block
