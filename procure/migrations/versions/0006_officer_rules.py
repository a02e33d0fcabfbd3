"""officer rules: sealed counts per procedure, the RFI that informed an RFR, addenda's changes

Revision ID: officer_rules
Revises: audit_by_solicitation

"""
import sqlalchemy as sa
from alembic import op

revision = "officer_rules"
down_revision = "audit_by_solicitation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("procedure_rule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("show_sealed_counts", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("solicitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("informed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_solicitation_informed_by_id_solicitation"),
                                    "solicitation", ["informed_by_id"], ["id"])
    with op.batch_alter_table("addendum", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changes", sa.JSON(), nullable=True))
    addendum = sa.table("addendum", sa.column("changes", sa.JSON))
    op.execute(addendum.update().values(changes=[]))
    with op.batch_alter_table("addendum", schema=None) as batch_op:
        batch_op.alter_column("changes", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("addendum", schema=None) as batch_op:
        batch_op.drop_column("changes")
    with op.batch_alter_table("solicitation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_solicitation_informed_by_id_solicitation"),
                                 type_="foreignkey")
        batch_op.drop_column("informed_by_id")
    with op.batch_alter_table("procedure_rule", schema=None) as batch_op:
        batch_op.drop_column("show_sealed_counts")
