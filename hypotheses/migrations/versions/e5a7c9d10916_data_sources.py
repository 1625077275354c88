"""SQL data sources, result queries and KPI queries

Revision ID: e5a7c9d10916
Revises: d4f6b8c00915
Create Date: 2026-12-04 07:10:00.000000

Reserved in the migration chain for issue 16 (SQL data sources);
filled in by that work (empty until then).
"""

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

revision = "e5a7c9d10916"
down_revision = "d4f6b8c00915"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
