"""Comments with mentions, invitations and password resets

Revision ID: d4f6b8c00915
Revises: c3e5a7b90915
Create Date: 2026-12-04 07:10:00.000000

Reserved in the migration chain for issue 15 (comments, invitations, password resets);
filled in by that work (empty until then).
"""

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

revision = "d4f6b8c00915"
down_revision = "c3e5a7b90915"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
