"""Server-side sessions, analysis jobs, first-run administration and deleted datasets.

* ``sessions``: signed-in sessions (the cookie carries a random token; its SHA-256 is kept).
* ``jobs``: analyses run outside the request (queued, running, done, failed).
* ``users.must_change_password``: a one-time password must be replaced at first sign-in.
* ``organisations.show_unsuppressed``: an organisation admin's switch (default off).
* ``datasets.deleted_at`` / ``deleted_by`` and ``analyses.dataset_deleted``.

Revision ID: 0003
Revises: 0002a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002a"
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(
            sa.Column("show_unsuppressed", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("deleted_at", _tz(), nullable=True))
        batch.add_column(
            sa.Column(
                "deleted_by",
                sa.Integer,
                sa.ForeignKey("users.id", name="fk_datasets_deleted_by"),
                nullable=True,
            )
        )
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(
            sa.Column("dataset_deleted", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("last_seen_at", _tz(), nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("problems", sa.JSON, nullable=False),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=True),
        sa.Column("analysis_version", sa.Integer, nullable=True),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("started_at", _tz(), nullable=True),
        sa.Column("finished_at", _tz(), nullable=True),
    )
    op.create_index("ix_jobs_project_id", "jobs", ["project_id"])


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("sessions")
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("dataset_deleted")
    with op.batch_alter_table("datasets") as batch:
        batch.drop_constraint("fk_datasets_deleted_by", type_="foreignkey")
        batch.drop_column("deleted_by")
        batch.drop_column("deleted_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("show_unsuppressed")
