"""Lots of an RFR: what is bought, where. Added to and removed from a draft only."""

from __future__ import annotations

from decimal import Decimal

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate

from procure import policy
from procure.api.common import (
    PREFIX,
    Blueprint,
    DatabaseId,
    PartEditSchema,
    Text,
    edit_part,
    remove_part,
    visible_solicitation,
)
from procure.extensions import db
from procure.models import Lot, LotKind
from procure.faces import actor
from procure.workflows import solicitation as flow

bp = Blueprint("api_lots", __name__, url_prefix=PREFIX, description="The lots of an RFR")


class LotSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    kind = fields.Function(lambda lot: lot.kind.name)
    title = fields.String()
    region = fields.Function(lambda lot: lot.region.name if lot.region else None, allow_none=True)
    service_model = fields.String(attribute="service_model_code", allow_none=True)
    area_offices = fields.Function(lambda lot: [a.name for a in lot.area_offices])
    estimated_annual_value = fields.Decimal(as_string=True, metadata={"type": "string",
                                                                   "format": "decimal"})
    max_awards = fields.Integer()


MAX_MONEY = 10**12 - 1   # what the database's NUMERIC(14, 2) holds


def _money(value: Decimal) -> None:
    if not 0 <= value <= MAX_MONEY:
        raise ValidationError(f"Give an amount from 0 to {MAX_MONEY}.")


class LotCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.name for k in LotKind]))
    title = Text(required=True, validate=validate.Length(min=1, max=300))
    estimated_annual_value = fields.Decimal(
        required=True, places=2, validate=_money,
        metadata={"minimum": 0, "maximum": MAX_MONEY, "description": "dollars"})
    max_awards = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=50))
    area_office_ids = fields.List(DatabaseId(), load_default=list,
                                  validate=validate.Length(max=60),
                                  metadata={"description": "lead-agency lots: the area offices"})
    region_id = DatabaseId(load_default=None, allow_none=True,
                           metadata={"description": "resource-center lots: the region"})
    service_model = Text(load_default=None, allow_none=True, validate=validate.Length(max=40),
                         metadata={"description": "network-services lots: the service model's code"})


@bp.route("/solicitations/<int:solicitation_id>/lots")
class Lots(MethodView):
    @policy.rule("public.browse")
    @bp.response(200, LotSchema(many=True))
    @bp.errors(404)
    def get(self, solicitation_id: int) -> list[Lot]:
        """The solicitation's lots."""
        return visible_solicitation(solicitation_id).lots

    @policy.rule("solicitation.manage")
    @bp.arguments(LotCreateSchema)
    @bp.response(201, LotSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, solicitation_id: int) -> Lot:
        """Add a lot to a draft RFR."""
        row = visible_solicitation(solicitation_id)
        lot = flow.add_lot(db.session, row, actor(), kind=LotKind[data["kind"]],
                           title=data["title"],
                           estimated_annual_value=data["estimated_annual_value"],
                           max_awards=data["max_awards"],
                           area_office_ids=data["area_office_ids"], region_id=data["region_id"],
                           service_model_code=data["service_model"] or None)
        db.session.commit()
        return lot


class LotEditSchema(PartEditSchema):
    title = Text(validate=validate.Length(min=1, max=300))
    estimated_annual_value = fields.Decimal(
        places=2, validate=_money, metadata={"minimum": 0, "maximum": MAX_MONEY,
                                             "description": "dollars"})
    max_awards = fields.Integer(strict=True, validate=validate.Range(min=1, max=50))
    kind = fields.String(validate=validate.OneOf([k.name for k in LotKind]))
    area_office_ids = fields.List(DatabaseId(), validate=validate.Length(max=60),
                                  metadata={"description": "lead-agency lots: the area offices"})
    region_id = DatabaseId(allow_none=True,
                           metadata={"description": "resource-center lots: the region"})
    service_model = Text(allow_none=True, validate=validate.Length(max=40),
                         metadata={"description": "network-services lots: the service model's code"})


@bp.route("/solicitations/<int:solicitation_id>/lots/<int:lot_id>")
class LotItem(MethodView):
    @policy.rule("solicitation.manage")
    @bp.arguments(LotEditSchema)
    @bp.response(200, LotSchema)
    @bp.errors(400, 403, 404, 409)
    def patch(self, data: dict, solicitation_id: int, lot_id: int) -> Lot:
        """Change a lot: in place on a draft; once published, by an addendum (give its title)."""
        renamed = {"area_office_ids": "area_offices", "service_model": "service_model_code"}
        return edit_part(solicitation_id, Lot, lot_id,
                         {renamed.get(key, key): value for key, value in data.items()})

    @policy.rule("solicitation.manage")
    @bp.response(204)
    @bp.errors(403, 404, 409)
    def delete(self, solicitation_id: int, lot_id: int) -> None:
        """Remove a lot from a draft RFR."""
        remove_part(solicitation_id, Lot, lot_id)
