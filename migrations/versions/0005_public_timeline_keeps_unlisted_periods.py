"""public timeline keeps unlisted periods

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import registry.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('public_versions', schema=None) as batch_op:
        # Rows so far were all listed periods; unlisted ones appear on the next rebuild.
        batch_op.add_column(sa.Column('listed', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.alter_column('since', existing_type=registry.db.UTCDateTime(timezone=True),
                              nullable=True)
        batch_op.drop_index(batch_op.f('ix_public_versions_period'))
        batch_op.drop_index(batch_op.f('ix_public_versions_processor_id'))
        batch_op.drop_index(batch_op.f('ix_public_versions_valid_to'))
        batch_op.create_index('ix_public_versions_processor_from', ['processor_id', 'valid_from'],
                              unique=False)
    with op.batch_alter_table('public_versions', schema=None) as batch_op:
        batch_op.alter_column('listed', server_default=None)
    # Only changes announced ahead can be pending; they are few, so index just those.
    op.create_index('ix_change_events_scheduled', 'change_events', ['effective_at'],
                    sqlite_where=sa.text('effective_at > announced_at'),
                    postgresql_where=sa.text('effective_at > announced_at'))



def downgrade() -> None:
    op.drop_index('ix_change_events_scheduled', table_name='change_events')
    op.execute("DELETE FROM public_versions WHERE NOT listed")
    with op.batch_alter_table('public_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_public_versions_processor_from')
        batch_op.create_index(batch_op.f('ix_public_versions_valid_to'), ['valid_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_versions_processor_id'), ['processor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_versions_period'), ['valid_from', 'valid_to'], unique=False)
        batch_op.alter_column('since', existing_type=registry.db.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.drop_column('listed')

