"""The audit-chain check as a job: each run kept with who asked, its progress and its result;
an index on the audit events' entity (the OCDS release reads an entity's events)

Revision ID: 0017_scale_audit_checks
Revises: 0011_money_live_awards
Create Date: 2026-12-07 06:05:00.000000

"""
from alembic import op
import sqlalchemy as sa

import procure.models.base  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = '0017_scale_audit_checks'
down_revision = '0011_money_live_awards'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('requested_at', procure.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', procure.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', procure.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('events_total', sa.Integer(), nullable=False),
    sa.Column('events_checked', sa.Integer(), nullable=False),
    sa.Column('intact', sa.Boolean(), nullable=True),
    sa.Column('broken_seq', sa.Integer(), nullable=True),
    sa.Column('broken_event', sa.String(length=60), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_audit_check_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_check'))
    )
    with op.batch_alter_table('audit_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_check_finished_at'), ['finished_at'], unique=False)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_entity', ['entity_type', 'entity_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_entity')
    with op.batch_alter_table('audit_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_check_finished_at'))
    op.drop_table('audit_check')
