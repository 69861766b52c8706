"""console sessions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import registry.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('token_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('ended_at', registry.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['token_id'], ['tokens.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('secret_hash')
    )
    op.create_index(op.f('ix_console_sessions_token_id'), 'console_sessions', ['token_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_console_sessions_token_id'), table_name='console_sessions')
    op.drop_table('console_sessions')
