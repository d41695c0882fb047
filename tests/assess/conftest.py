"""Every test here gets a fresh default registry (SQLite in a temporary $EQUALQI_HOME), used as
the local user, so ``equalqi assess`` commands never touch a real one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from equalqi.assess import Assessment
from equalqi.assess.involvement import InvolvementLog
from equalqi.registry.db import default_url, open_registry
from equalqi.services.assessments import EquityRecord, equity_record
from equalqi.services.workspace import acting_user, resolve_project


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("EQUALQI_HOME", str(folder))
    monkeypatch.delenv("EQUALQI_DATABASE_URL", raising=False)
    monkeypatch.delenv("EQUALQI_USER", raising=False)
    return folder


def stored_record(home: Path, project: str) -> EquityRecord:
    """What the default registry holds for ``project``, read as the local user."""
    reg = open_registry(default_url(home), data_dir=home)
    try:
        with reg.session() as session, session.begin():
            user = acting_user(session, None).user
            found = resolve_project(session, user, project, create=False).project
            return equity_record(session, user, found.id)
    finally:
        reg.close()


def store_record(
    home: Path,
    project: str,
    assessments: Sequence[Assessment] = (),
    log: InvolvementLog | None = None,
) -> EquityRecord:
    """Store assessments and a log in the default registry's ``project`` (made if new) as
    the local user, then read the record back (what reports are given)."""
    from equalqi.registry.involvement import add_activity
    from equalqi.services.assessments import store_assessment

    reg = open_registry(default_url(home), data_dir=home)
    try:
        with reg.session() as session, session.begin():
            user = acting_user(session, None).user
            number = resolve_project(session, user, project, create=True).project.id
            for a in assessments:
                store_assessment(session, user, number, a)
            for activity in log.activities if log is not None else ():
                add_activity(session, user, number, activity.to_dict())
    finally:
        reg.close()
    return stored_record(home, project)
