"""Metrics per test: primary, secondary, guardrails; money behind the primary metric

Revision ID: b2d4f6a80913
Revises: a1c3e5f70913
Create Date: 2026-12-04 07:10:00.000000

Reserved in the migration chain for issue 13 (metrics per test and projected impact);
filled in by that work (empty until then).
"""

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

revision = "b2d4f6a80913"
down_revision = "a1c3e5f70913"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
