"""Notifications: outbox, per-person preferences, team webhooks and digest day

Revision ID: c3e5a7b90915
Revises: b2d4f6a80913
Create Date: 2026-12-04 07:10:00.000000

Reserved in the migration chain for issue 15 (outbox, channels, worker);
filled in by that work (empty until then).
"""

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

revision = "c3e5a7b90915"
down_revision = "b2d4f6a80913"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
