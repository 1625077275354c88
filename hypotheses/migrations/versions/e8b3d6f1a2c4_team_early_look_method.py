"""team.early_look_method: how early looks at running tests are judged

Revision ID: e8b3d6f1a2c4
Revises: c5a9e2f4d801
Create Date: 2026-12-04 06:00:00.000000

Existing teams get the new default, the O'Brien-Fleming-type group-sequential design
(stats engine 2.0.0). Analyses already stored keep the inputs they were made with.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "e8b3d6f1a2c4"
down_revision = "c5a9e2f4d801"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("team") as batch:
        batch.add_column(
            sa.Column(
                "early_look_method",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="obrien-fleming",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("team") as batch:
        batch.drop_column("early_look_method")
