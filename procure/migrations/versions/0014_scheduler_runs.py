"""Operations: the scheduler's last run (for /ready and the metrics); an index for the parse-time
metric

Revision ID: 0011_scale_ops
Revises: 0011_fair_minimum_responses
Create Date: 2026-12-07 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import procure.models.base  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = '0011_scale_ops'
down_revision = '0011_fair_minimum_responses'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_run',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('started_at', procure.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', procure.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failed_jobs', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_run'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_parsed_at'), ['parsed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_parsed_at'))
    op.drop_table('scheduler_run')
