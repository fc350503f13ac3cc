"""Documents: the page, slide or cell range of a chunk (NULL for text files).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chunks", sa.Column("unit", sa.Text))
    op.add_column("chunks", sa.Column("start_unit", sa.Integer))
    op.add_column("chunks", sa.Column("end_unit", sa.Integer))


def downgrade() -> None:
    for column in ("end_unit", "start_unit", "unit"):
        op.drop_column("chunks", column)
