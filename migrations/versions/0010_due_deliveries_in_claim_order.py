"""due deliveries in claim order

The worker claims pending rows in (next_attempt_at, id) order: with id in the index
PostgreSQL reads the first rows of a large fan-out in order instead of sorting all of
them for every batch.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild(['status', 'next_attempt_at', 'id'])


def downgrade() -> None:
    _rebuild(['status', 'next_attempt_at'])


def _rebuild(columns: list[str]) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        with op.batch_alter_table('deliveries', schema=None) as batch_op:
            batch_op.drop_index('ix_deliveries_due')
            batch_op.create_index('ix_deliveries_due', columns, unique=False)
        return
    # Built beside the old one, CONCURRENTLY: a plain CREATE INDEX would hold off every
    # write to the outbox (so every catalogue write that notifies) while it reads the
    # whole table. CONCURRENTLY cannot run in a transaction.
    with op.get_context().autocommit_block():
        # Built again when an earlier run was interrupted: a concurrent build cut short
        # leaves an invalid index behind.
        op.drop_index('ix_deliveries_due_next', table_name='deliveries',
                      postgresql_concurrently=True, if_exists=True)
        op.create_index('ix_deliveries_due_next', 'deliveries', columns, unique=False,
                        postgresql_concurrently=True)
        # Gone already when an earlier run ended between this and the rename.
        op.drop_index('ix_deliveries_due', table_name='deliveries',
                      postgresql_concurrently=True, if_exists=True)
        op.execute('ALTER INDEX ix_deliveries_due_next RENAME TO ix_deliveries_due')
