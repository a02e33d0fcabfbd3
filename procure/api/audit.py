"""The audit trail of a solicitation (the agency): every event, in the hash chain's order."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from procure import policy
from procure.api.common import PREFIX, Blueprint, paged, visible_solicitation
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
    @bp.paginate()
    def get(self, pagination_parameters: Any, solicitation_id: int) -> list[AuditEvent]:
        """Every event of the procurement, in the chain's order, a page at a time: the
        solicitation's, and its responses' once opened."""
        row, who = visible_solicitation(solicitation_id), actor()
        events = paged(response_flow.audit_trail_query(db.session, who, row),
                       pagination_parameters)
        return response_flow.shown_audit_rows(db.session, who, row, events)
