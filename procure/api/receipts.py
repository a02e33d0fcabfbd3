"""Receipts: what was submitted and when the service received it, one per submission."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from procure import policy
from procure.api.common import PREFIX, Blueprint
from procure.api.responses import own
from procure.models import Receipt, Response

bp = Blueprint("api_receipts", __name__, url_prefix=f"{PREFIX}/responses",
               description="Submission receipts (the bidder's)")


class ReceiptFileSchema(Schema):
    filename = fields.String()
    kind = fields.String()
    sha256 = fields.String()
    size = fields.Integer()


class ReceiptSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "public id (UUID)"})
    number = fields.Integer()
    submitted_at = fields.DateTime()
    submitted_by = fields.Function(lambda r: r.submitted_by.name)
    files = fields.List(fields.Nested(ReceiptFileSchema))
    withdrawn_at = fields.DateTime(allow_none=True)


@bp.route("/<uuid:response_id>/receipts")
class Receipts(MethodView):
    @policy.rule("response.work")
    @own
    @bp.response(200, ReceiptSchema(many=True))
    @bp.errors(403, 404)
    def get(self, response: Response) -> list[Receipt]:
        """My organisation's receipts for this response, the first submission first."""
        return list(response.receipts)
