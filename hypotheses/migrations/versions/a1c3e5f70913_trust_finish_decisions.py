"""Finish reasons, decision overrides and corrections, review publish reasons

Revision ID: a1c3e5f70913
Revises: f3a7c1d9e5b2
Create Date: 2026-12-04 07:10:00.000000

Reserved in the migration chain for issue 13 (trust, finishing, deciding, review rules);
filled in by that work (empty until then).
"""

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

revision = "a1c3e5f70913"
down_revision = "f3a7c1d9e5b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
