"""customers, objections and complete notices

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import registry.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contacts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('services', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('authorisation', sa.String(length=10), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('unsubscribed', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    op.create_table('objections',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('change_seq', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('subscription_id', sa.String(length=36), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('received_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', registry.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=15), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.Column('resolved_at', registry.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['change_seq'], ['change_events.seq'], name=op.f('fk_objections_change_seq_change_events')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_objections_customer_id_customers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objections'))
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_status'), ['status'], unique=False)

    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processor_facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('to_address', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.alter_column('subscription_id',
               existing_type=sa.VARCHAR(length=36),
               nullable=True)

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_subscriptions_customer_id'), ['customer_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_subscriptions_customer_id_customers'), 'customers', ['customer_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_subscriptions_customer_id_customers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_subscriptions_customer_id'))
        batch_op.drop_column('customer_id')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('subscription_id',
               existing_type=sa.VARCHAR(length=36),
               nullable=False)
        batch_op.drop_column('content')
        batch_op.drop_column('to_address')

    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.drop_column('processor_facts')

    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_status'))
        batch_op.drop_index(batch_op.f('ix_objections_customer_id'))
        batch_op.drop_index(batch_op.f('ix_objections_change_seq'))

    op.drop_table('objections')
    op.drop_table('customers')
