"""An RFR opened below the procedure's minimum of responses: the officer's decision to evaluate
anyway, with its reason

Revision ID: 0011_fair_minimum_responses
Revises: 0011_intake_corrections
Create Date: 2026-12-07 02:30:00

"""
from alembic import op
import sqlalchemy as sa

import procure.models.base


# revision identifiers, used by Alembic.
revision = '0011_fair_minimum_responses'
down_revision = '0011_intake_corrections'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('solicitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('below_minimum_at', procure.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('below_minimum_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('solicitation', schema=None) as batch_op:
        batch_op.drop_column('below_minimum_reason')
        batch_op.drop_column('below_minimum_at')
