"""Seed a registry with the demo: an organisation, an admin and the analysed demo project.

The admin's password is random, made here and returned once for the terminal; no secret is
ever committed. The extract is synthetic (``equalqi.synthetic``), stored like any upload.
"""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from equalqi.registry import datasets, projects
from equalqi.registry.db import Registry
from equalqi.registry.models import Project, User
from equalqi.registry.organisations import get_or_create_organisation
from equalqi.registry.users import create_user
from equalqi.services.analyses import run_analysis

DEMO_ORGANISATION = "Demo NHS Trust"
DEMO_EMAIL = "admin@demo.equalqi.local"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str | None  # None when the demo admin already existed (password unchanged)
    project_id: int


def seed_demo(registry: Registry, *, rows: int = 200_000, seed: int = 2024) -> DemoLogin:
    """Create (once) the demo organisation, admin and project, and analyse a synthetic
    extract of ``rows`` records; later calls reuse what exists."""
    from equalqi.services.demo import demo_plan
    from equalqi.synthetic import write_parquet

    with registry.session() as session, session.begin():
        org = get_or_create_organisation(session, DEMO_ORGANISATION)
        user = session.scalar(select(User).where(User.email == DEMO_EMAIL))
        password: str | None = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = create_user(session, org, DEMO_EMAIL, "Demo admin", "admin", password)
        existing = session.scalar(
            select(Project).where(Project.organisation_id == org.id).order_by(Project.id)
        )
        if existing is not None:
            return DemoLogin(DEMO_EMAIL, password, existing.id)
        project = projects.create_project(
            session,
            user,
            projects.ProjectInput(
                title="SMS appointment reminders: who do they reach?",
                aim="Reduce missed outpatient appointments (DNA) without widening the gap "
                "between the most and least deprived areas.",
                qi_type="Digital intervention",
                setting="Outpatients, three hospital sites",
                team="QI lead, outpatient manager, analyst, two patient partners",
                start_date=dt.date(2024, 1, 1),
                status="active",
                core20plus5=("Core20 (most deprived 20%)", "PLUS groups"),
            ),
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dna_sms_extract.parquet"
            write_parquet("dna_sms", path, n_rows=rows, seed=seed)
            with path.open("rb") as fh:
                dataset = datasets.store_upload(
                    session,
                    user,
                    project.id,
                    path.name,
                    fh,
                    data_dir=registry.data_dir,
                    max_bytes=1 << 40,
                )
        run_analysis(
            session, user, project.id, dataset.id, demo_plan("dna_sms"), data_dir=registry.data_dir
        )
        return DemoLogin(DEMO_EMAIL, password, project.id)
