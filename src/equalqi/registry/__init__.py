"""The project registry: organisations, users, projects, datasets, analyses, assessments,
involvement, learning progress and the audit trail, stored with SQLAlchemy 2 (SQLite file by
default, PostgreSQL by URL) and migrated by Alembic on start.

Every service function that reads or writes a project takes the acting user and filters by
the user's organisation, so one organisation never sees another's projects.
"""

from equalqi.registry.db import Registry, default_data_dir, default_url, open_registry
from equalqi.registry.models import (
    ROLES,
    AnalysisRun,
    AssessmentRecord,
    AuditEvent,
    Base,
    Dataset,
    InvolvementRecord,
    LearningAttempt,
    Organisation,
    PlanVersion,
    Project,
    User,
)

__all__ = [
    "ROLES",
    "AnalysisRun",
    "AssessmentRecord",
    "AuditEvent",
    "Base",
    "Dataset",
    "InvolvementRecord",
    "LearningAttempt",
    "Organisation",
    "PlanVersion",
    "Project",
    "Registry",
    "User",
    "default_data_dir",
    "default_url",
    "open_registry",
]
