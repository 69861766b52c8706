"""catalogue, tokens and audit log

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import registry.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity_type', sa.String(length=30), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_entries_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('processors',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_name', sa.String(length=300), nullable=True),
    sa.Column('registered_address', sa.Text(), nullable=True),
    sa.Column('company_number', sa.String(length=100), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=320), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('affiliate', sa.Boolean(), nullable=False),
    sa.Column('purpose', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('services', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('data_categories', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('data_subjects', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['processors.id'], name=op.f('fk_processors_parent_id_processors'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processors'))
    )
    with op.batch_alter_table('processors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processors_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_processors_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_processors_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_processors_status'), ['status'], unique=False)

    op.create_table('tokens',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('revoked_at', registry.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens')),
    sa.UniqueConstraint('name', name=op.f('uq_tokens_name')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_tokens_secret_hash'))
    )
    op.create_table('dpas',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('processor_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('document_url', sa.String(length=500), nullable=True),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('art28', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['processor_id'], ['processors.id'], name=op.f('fk_dpas_processor_id_processors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dpas'))
    )
    with op.batch_alter_table('dpas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dpas_processor_id'), ['processor_id'], unique=False)

    op.create_table('locations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('processor_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('tia_assessed_on', sa.Date(), nullable=True),
    sa.Column('tia_outcome', sa.String(length=30), nullable=True),
    sa.Column('tia_document_url', sa.String(length=500), nullable=True),
    sa.Column('supplementary_measures', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['processor_id'], ['processors.id'], name=op.f('fk_locations_processor_id_processors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations'))
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locations_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_locations_processor_id'), ['processor_id'], unique=False)

    op.create_table('safeguards',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('module', sa.Integer(), nullable=True),
    sa.Column('version', sa.String(length=30), nullable=True),
    sa.Column('certification_ref', sa.String(length=200), nullable=True),
    sa.Column('certified_on', sa.Date(), nullable=True),
    sa.Column('frameworks', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('approval_ref', sa.String(length=200), nullable=True),
    sa.Column('reference', sa.String(length=500), nullable=True),
    sa.Column('article', sa.String(length=20), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('document_url', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_safeguards_location_id_locations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguards'))
    )
    with op.batch_alter_table('safeguards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguards_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safeguards_type'), ['type'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('safeguards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguards_type'))
        batch_op.drop_index(batch_op.f('ix_safeguards_location_id'))

    op.drop_table('safeguards')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locations_processor_id'))
        batch_op.drop_index(batch_op.f('ix_locations_country'))

    op.drop_table('locations')
    with op.batch_alter_table('dpas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dpas_processor_id'))

    op.drop_table('dpas')
    op.drop_table('tokens')
    with op.batch_alter_table('processors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processors_status'))
        batch_op.drop_index(batch_op.f('ix_processors_parent_id'))
        batch_op.drop_index(batch_op.f('ix_processors_name'))
        batch_op.drop_index(batch_op.f('ix_processors_country'))

    op.drop_table('processors')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_entity')
        batch_op.drop_index(batch_op.f('ix_audit_entries_at'))

    op.drop_table('audit_entries')
