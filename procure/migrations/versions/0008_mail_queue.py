"""Mail queue: outgoing mail kept until sent, retried by the scheduler, sent once by its key

Revision ID: mail_queue
Revises: panels
Create Date: 2026-11-23 18:25:00.000000

"""
from alembic import op
import sqlalchemy as sa

import procure.models.base  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = 'mail_queue'
down_revision = "panels"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', procure.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', procure.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('next_attempt_at', procure.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mail')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outgoing_mail_dedupe_key'))
    )
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_mail_due', ['sent_at', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_mail_due')

    op.drop_table('outgoing_mail')
