"""user.csv_dialect: how one's CSV exports are written

Revision ID: f3a7c1d9e5b2
Revises: e8b3d6f1a2c4
Create Date: 2026-12-04 08:00:00.000000

Nullable: existing users get the default of their interface language ("excel-ru" in Russian,
"standard" otherwise) until they choose.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "f3a7c1d9e5b2"
down_revision = "e8b3d6f1a2c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(
            sa.Column("csv_dialect", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("csv_dialect")
