"""The weighted evaluation criteria of an RFR: set on a draft only."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from procure import policy
from procure.api.common import (
    PREFIX,
    Blueprint,
    PartEditSchema,
    Text,
    edit_part,
    remove_part,
    visible_solicitation,
)
from procure.extensions import db
from procure.models import Criterion, Envelope
from procure.faces import actor
from procure.workflows import solicitation as flow

bp = Blueprint("api_criteria", __name__, url_prefix=PREFIX,
               description="The weighted evaluation criteria")


class CriterionSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    weight = fields.Integer()
    max_points = fields.Integer()
    envelope = fields.Function(lambda c: c.envelope.name)


class CriterionCreateSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    description = Text(load_default="", validate=validate.Length(max=2000))
    weight = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100),
                            metadata={"description": "percent"})
    max_points = fields.Integer(load_default=10, strict=True,
                                validate=validate.Range(min=1, max=1000))
    envelope = fields.String(load_default=Envelope.technical.name,
                             validate=validate.OneOf([e.name for e in Envelope]))


@bp.route("/solicitations/<int:solicitation_id>/criteria")
class Criteria(MethodView):
    @policy.rule("public.browse")
    @bp.response(200, CriterionSchema(many=True))
    @bp.errors(404)
    def get(self, solicitation_id: int) -> list[Criterion]:
        """The solicitation's criteria."""
        return visible_solicitation(solicitation_id).criteria

    @policy.rule("solicitation.manage")
    @bp.arguments(CriterionCreateSchema)
    @bp.response(201, CriterionSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, solicitation_id: int) -> Criterion:
        """Add a criterion to a draft."""
        row = visible_solicitation(solicitation_id)
        criterion = flow.add_criterion(db.session, row, actor(), name=data["name"],
                                       weight=data["weight"], max_points=data["max_points"],
                                       description=data["description"],
                                       envelope=Envelope[data["envelope"]])
        db.session.commit()
        return criterion


class CriterionEditSchema(PartEditSchema):
    name = Text(validate=validate.Length(min=1, max=200))
    description = Text(validate=validate.Length(max=2000))
    weight = fields.Integer(strict=True, validate=validate.Range(min=1, max=100),
                            metadata={"description": "percent"})
    max_points = fields.Integer(strict=True, validate=validate.Range(min=1, max=1000))
    envelope = fields.String(validate=validate.OneOf([e.name for e in Envelope]))


@bp.route("/solicitations/<int:solicitation_id>/criteria/<int:criterion_id>")
class CriterionItem(MethodView):
    @policy.rule("solicitation.manage")
    @bp.arguments(CriterionEditSchema)
    @bp.response(200, CriterionSchema)
    @bp.errors(400, 403, 404, 409)
    def patch(self, data: dict, solicitation_id: int, criterion_id: int) -> Criterion:
        """Change a criterion: in place on a draft; once published, by an addendum (weights
        must still add up to 100)."""
        if "envelope" in data:
            data["envelope"] = Envelope[data["envelope"]]
        return edit_part(solicitation_id, Criterion, criterion_id, data)

    @policy.rule("solicitation.manage")
    @bp.response(204)
    @bp.errors(403, 404, 409)
    def delete(self, solicitation_id: int, criterion_id: int) -> None:
        """Remove a criterion from a draft."""
        remove_part(solicitation_id, Criterion, criterion_id)
