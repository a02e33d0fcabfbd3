"""audit events filed under their solicitation

Revision ID: audit_by_solicitation
Revises: security

Each event names the procurement it belongs to (indexed), so a solicitation's trail shows its
responses' events too. Existing events are filed from their entity; hashes are unchanged (the
column is derived from the hashed entity, and `procure audit verify` checks it).
"""
from alembic import op
import sqlalchemy as sa


revision = "audit_by_solicitation"
down_revision = "security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("solicitation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_event_solicitation_id"), ["solicitation_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_audit_event_solicitation_id_solicitation"),
                                    "solicitation", ["solicitation_id"], ["id"])
    op.execute("UPDATE audit_event SET solicitation_id = entity_id "
               "WHERE entity_type = 'solicitation'")
    op.execute("UPDATE audit_event SET solicitation_id = (SELECT response.solicitation_id "
               "FROM response WHERE response.id = audit_event.entity_id) "
               "WHERE entity_type = 'response'")


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_event_solicitation_id_solicitation"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_audit_event_solicitation_id"))
        batch_op.drop_column("solicitation_id")
