"""index of each processor's current public version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every processor with a public timeline has exactly one open-ended version: the
    # list at any moment starts from these rows, so it needs no catalogue table.
    op.create_index('ix_public_versions_current', 'public_versions', ['processor_id'],
                    sqlite_where=sa.text('valid_to IS NULL'),
                    postgresql_where=sa.text('valid_to IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_public_versions_current', table_name='public_versions')
