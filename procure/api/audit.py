"""The audit trail of a solicitation (the agency): every event, in the hash chain's order."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from procure import policy
from procure.api.common import PREFIX, Blueprint, visible_solicitation
from procure.extensions import db
from procure.faces import actor
from procure.models import AuditEvent
from procure.workflows import response as response_flow

bp = Blueprint("api_audit", __name__, url_prefix=PREFIX, description="Audit trails")


class AuditEventSchema(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(attribute="actor_label")
    entity_type = fields.String()
    entity_id = fields.Integer()
    event = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    reason = fields.String()
    data = fields.Dict()
    hash = fields.String()


@bp.route("/solicitations/<int:solicitation_id>/audit")
class AuditTrail(MethodView):
    @policy.rule("audit.view")
    @bp.response(200, AuditEventSchema(many=True))
    @bp.errors(403, 404)
    def get(self, solicitation_id: int) -> list[AuditEvent]:
        """Every event of the procurement: the solicitation's, and its responses' once opened."""
        row = visible_solicitation(solicitation_id)
        return response_flow.audit_trail(db.session, actor(), row)
