"""Learning progress: each user's answers to the guide's exercises (``/learn``).

* ``learning_attempts``: one row per answer (user, exercise id, options chosen, whether it
  was right, when); a user's progress is read from these rows.

Revision ID: 0004b
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004b"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learning_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("exercise_id", sa.String(100), nullable=False),
        sa.Column("chosen", sa.JSON, nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_learning_attempts_user_id", "learning_attempts", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_learning_attempts_user_id", table_name="learning_attempts")
    op.drop_table("learning_attempts")
