"""security: revocable sessions, confirmed emails, token expiry/scope/last use, no hard lockout

Revision ID: security
Revises: public_ids
"""
from alembic import op
import sqlalchemy as sa

import procure.models.base  # noqa: F401  (column types used by autogenerate)


revision = 'security'
down_revision = 'public_ids'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', procure.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_used_at',
                                      procure.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('read_only', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # Tokens made before expiry existed run out 90 days from now.
    api_token = sa.table('api_token', sa.column(
        'expires_at', procure.models.base.UTCDateTime(timezone=True)))
    from datetime import datetime, timedelta, timezone
    op.execute(api_token.update().values(
        expires_at=datetime.now(timezone.utc) + timedelta(days=90)))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=procure.models.base.UTCDateTime(
            timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('read_only')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', procure.models.base.UTCDateTime(
            timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.drop_column('session_version')
        batch_op.drop_column('email_confirmed')
