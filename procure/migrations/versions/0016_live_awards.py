"""A bidder withdrawn from a lot can be proposed for it again: one live award per (lot,
response) instead of one ever; family references of flexible funds written one way; an
amendment raising a contract above its award waits for a second officer; a lot's outcome when it
is closed without an award.

Revision ID: 0011_money_live_awards
Revises: 0011_price_envelope
Create Date: 2026-12-07 02:45:00

"""
import sqlalchemy as sa
from alembic import op

import procure.models.base

revision = '0011_money_live_awards'
down_revision = '0011_price_envelope'
branch_labels = None
depends_on = None

LIVE = sa.text("status != 'withdrawn'")


def upgrade():
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_constraint('uq_award_lot_id', type_='unique')
    op.create_index('uq_award_live_lot_response', 'award', ['lot_id', 'response_id'],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)
    _normalise_family_references()
    op.create_table(
        'lot_outcome',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lot_id', sa.Integer(), nullable=False),
        sa.Column('solicitation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('no_award', 'reprocure', name='lotoutcomekind',
                                  native_enum=False, length=32), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('decided_at', procure.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                                name=op.f('fk_lot_outcome_decided_by_id_user_account')),
        sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_lot_outcome_lot_id_lot')),
        sa.ForeignKeyConstraint(['solicitation_id'], ['solicitation.id'],
                                name=op.f('fk_lot_outcome_solicitation_id_solicitation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_outcome')),
        sa.UniqueConstraint('lot_id', name=op.f('uq_lot_outcome_lot_id')))
    with op.batch_alter_table('lot_outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_outcome_solicitation_id'), ['solicitation_id'],
                              unique=False)
    with op.batch_alter_table('contract_amendment', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'status', sa.Enum('in_force', 'awaiting_approval', 'refused',
                              name='amendmentstatus', native_enum=False, length=32),
            server_default='in_force', nullable=False))
        batch_op.add_column(sa.Column('annual_maximum', sa.Numeric(precision=14, scale=2),
                                      nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', procure.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_contract_amendment_approved_by_id_user_account'), 'user_account',
            ['approved_by_id'], ['id'])


def _normalise_family_references():
    """Draw-downs recorded before: the family reference as procure.workflows.contract now
    writes it (one spelling per family), where it reads as one."""
    from procure.workflows.base import WorkflowError
    from procure.workflows.contract import family_key
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, family_reference FROM draw_down "
                                "WHERE family_reference IS NOT NULL")).all()
    for row_id, reference in rows:
        try:
            key = family_key(reference)
        except WorkflowError:
            continue
        if key != reference:
            bind.execute(sa.text("UPDATE draw_down SET family_reference = :key WHERE id = :id"),
                         {"key": key, "id": row_id})


def downgrade():
    op.drop_table('lot_outcome')
    with op.batch_alter_table('contract_amendment', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_contract_amendment_approved_by_id_user_account'), type_='foreignkey')
        for column in ('approved_at', 'approved_by_id', 'annual_maximum', 'status'):
            batch_op.drop_column(column)
    op.drop_index('uq_award_live_lot_response', table_name='award')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_award_lot_id', ['lot_id', 'response_id'])
