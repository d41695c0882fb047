"""The demo seed: one organisation, an admin with a one-time random password, an analysed
project; running it again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from equalqi.registry.db import Registry
from equalqi.registry.models import AnalysisRun, Project, User
from equalqi.registry.users import authenticate
from equalqi.services.seed import DEMO_EMAIL, seed_demo


def test_seed_demo_once(registry: Registry) -> None:
    first = seed_demo(registry, rows=3_000, seed=5)
    assert first.password is not None and len(first.password) >= 12
    again = seed_demo(registry, rows=3_000, seed=5)
    assert again.password is None  # never printed twice, never reset
    assert again.project_id == first.project_id
    with registry.session() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 1
        assert s.scalar(select(func.count()).select_from(AnalysisRun)) == 1
        user = authenticate(s, DEMO_EMAIL, first.password)
        assert isinstance(user, User) and user.role == "admin"
        run = s.scalar(select(AnalysisRun))
        assert run is not None
        # 3,000 records: some months' totals are small, so the total is withheld
        withheld = run.summary["disclosure"]["records_withheld"]
        assert run.summary["records"] == (None if withheld else 3_000)
