"""Providers' comments on an RFI's program model: sent by bidders, read by the agency."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from procure import policy
from procure.api.common import PREFIX, Blueprint, Text, visible_solicitation
from procure.extensions import db
from procure.faces import actor
from procure.models import RfiComment
from procure.workflows import solicitation as flow

bp = Blueprint("api_comments", __name__, url_prefix=PREFIX, description="Comments on RFIs")


class CommentSchema(Schema):
    id = fields.Integer()
    organization = fields.Function(
        lambda c: c.organization.legal_name if c.organization else None, allow_none=True)
    body = fields.String()
    submitted_at = fields.DateTime()


class CommentCreateSchema(Schema):
    body = Text(required=True, validate=validate.Length(min=1, max=20000))


@bp.route("/solicitations/<int:solicitation_id>/comments")
class Comments(MethodView):
    @policy.rule("solicitation.view_internal")
    @bp.response(200, CommentSchema(many=True))
    @bp.errors(403, 404)
    def get(self, solicitation_id: int) -> list[RfiComment]:
        """The comments received on an RFI (the agency)."""
        return flow.comments_on(db.session, visible_solicitation(solicitation_id))

    @policy.rule("rfi.comment")
    @bp.arguments(CommentCreateSchema)
    @bp.response(201, CommentSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, solicitation_id: int) -> RfiComment:
        """Comment on an open RFI (bidders, for their organisation)."""
        row = visible_solicitation(solicitation_id)
        comment = flow.comment_on_rfi(db.session, row, actor(), data["body"])
        db.session.commit()
        return comment
