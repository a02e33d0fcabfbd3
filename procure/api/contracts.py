"""Contracts made from final awards: drafting, the events (sign, activate, terminate),
amendments with every figure's history, documents, the open-order encumbrance per state fiscal
year and its draw-downs, with the remaining balance and a warning when the spending pace would
exhaust it before June 30. The agency manages them all (`contract.manage`); a provider reads
its own organisation's contracts and balances under /organization/contracts (`contract.own`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from procure import policy
from procure.api.common import PREFIX, Blueprint, Day, EventArgsSchema, Text, paged
from procure.api.lots import MAX_MONEY, _money
from procure.extensions import db
from procure.faces import actor, uploads
from procure.models import Award, Contract, Encumbrance, RateType
from procure.workflows import contract as flow
from procure.workflows.base import NotFound, WorkflowError

bp = Blueprint("api_contracts", __name__, url_prefix=PREFIX,
               description="Contracts, amendments, encumbrances and draw-downs")

# The events a contract takes from the API (amend has its own operation; the scheduler
# activates and expires contracts on their dates too).
EVENTS = ("sign", "activate", "expire", "terminate")
# Amounts sent: numbers, in dollars; amounts answered: decimal strings ("100000.00").
Money = dict(places=2, validate=_money,
             metadata={"minimum": 0, "maximum": MAX_MONEY, "description": "dollars"})
Sum = dict(as_string=True, metadata={"type": "string", "format": "decimal"})


# ---------------------------------------------------------------- schemas

class RateSchema(Schema):
    service = Text(required=True, validate=validate.Length(min=1, max=200))
    unit = fields.String(required=True, validate=validate.OneOf([r.name for r in RateType]))
    rate = fields.Decimal(load_default=None, allow_none=True, **{
        **Money, "metadata": {**Money["metadata"],
                              "description": "dollars; none for a cost reimbursement row"}})


class MeasureSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    target = Text(required=True, validate=validate.Length(min=1, max=200))
    incentive = Text(load_default="", validate=validate.Length(max=300))


class PaceSchema(Schema):
    projected = fields.Decimal(as_string=True, metadata={
        "type": "string", "format": "decimal", "description": "spent by June 30 at this pace"})
    runs_out_on = fields.Date(allow_none=True)
    days_elapsed = fields.Integer()
    warning = fields.String()


class EncumbranceSchema(Schema):
    fiscal_year = fields.Integer(metadata={"description": "FY2026 runs July 1, 2025 to June 30, "
                                                         "2026"})
    amount = fields.Decimal(**Sum)
    drawn = fields.Decimal(**Sum)
    remaining = fields.Decimal(**Sum)
    pace = fields.Function(lambda e: PaceSchema().dump(flow.pace(e)))


class ContractDocumentSchema(Schema):
    id = fields.String(attribute="public_id")
    title = fields.String()
    filename = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    uploaded_at = fields.DateTime()


class AmendmentSchema(Schema):
    number = fields.Integer()
    reason = fields.String()
    changes = fields.List(fields.Dict(), metadata={
        "description": "[{field, before, after}] for every figure it changed"})
    made_by = fields.Function(lambda a: a.made_by.name)
    made_at = fields.DateTime()
    status = fields.Function(lambda a: a.status.name, metadata={
        "description": "in_force, awaiting_approval (it raises the annual maximum above the "
                       "award: another officer approves it) or refused"})
    annual_maximum = fields.Decimal(allow_none=True, **Sum)
    approved_by = fields.Function(lambda a: a.approved_by.name if a.approved_by else None,
                                  allow_none=True)
    approved_at = fields.DateTime(allow_none=True)


def _events(contract: Contract) -> list[str]:
    return [e for e in flow.CONTRACT.allowed_events(contract) if e in EVENTS]


class ContractSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "public id (UUID)"})
    number = fields.String()
    award_id = fields.Function(lambda c: c.award.public_id)
    solicitation = fields.Function(lambda c: c.solicitation.number)
    lot = fields.Function(lambda c: c.lot.number)
    organization = fields.Function(lambda c: c.organization.legal_name)
    area_offices = fields.Function(lambda c: [o.name for o in c.area_offices])
    status = fields.Function(lambda c: c.status.name)
    start_date = fields.Date()
    end_date = fields.Date()
    annual_maximum = fields.Decimal(**Sum)
    rate_type = fields.Function(lambda c: c.rate_type.name)
    rates = fields.Function(lambda c: [
        {"service": r.service, "unit": r.unit.name,
         "rate": None if r.unit is RateType.cost_reimbursement else f"{r.rate:.2f}"}
        for r in c.rates],
        metadata={"description": "[{service, unit, rate}] (rate: a decimal string; null for a "
                                 "cost reimbursement row)"})
    measures = fields.List(fields.Nested(MeasureSchema))
    signed_at = fields.DateTime(allow_none=True)
    activated_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String()
    encumbrances = fields.List(fields.Nested(EncumbranceSchema))
    allowed_events = fields.Function(_events)


class ContractTermsSchema(Schema):
    start_date = Day(required=True)
    end_date = Day(required=True)
    annual_maximum = fields.Decimal(required=True, **Money)
    rate_type = fields.String(required=True, validate=validate.OneOf([r.name for r in RateType]))
    rates = fields.List(fields.Nested(RateSchema), load_default=list,
                        validate=validate.Length(max=50))
    measures = fields.List(fields.Nested(MeasureSchema), load_default=list,
                           validate=validate.Length(max=50))


class ContractCreateSchema(ContractTermsSchema):
    award_id = fields.UUID(required=True, metadata={"description": "a final award"})
    start_date = Day(metadata={"description": "default: the RFR's contract start"})
    end_date = Day(metadata={"description": "default: three years from the start"})
    annual_maximum = fields.Decimal(places=2, validate=_money, metadata={
        "minimum": 0, "maximum": MAX_MONEY, "description": "dollars (default: the award's)"})


class AmendmentArgsSchema(Schema):
    reason = Text(required=True, validate=validate.Length(min=1, max=5000))
    annual_maximum = fields.Decimal(**Money)
    end_date = Day()
    rates = fields.List(fields.Nested(RateSchema), validate=validate.Length(max=50))
    measures = fields.List(fields.Nested(MeasureSchema), validate=validate.Length(max=50))


class ContractDocumentUploadSchema(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=300))
    file = Upload(required=True)


class EncumberSchema(Schema):
    amount = fields.Decimal(required=True, **Money)


class DrawDownArgsSchema(Schema):
    service_date = Day(required=True)
    amount = fields.Decimal(required=True, **Money)
    service = Text(required=True, validate=validate.Length(min=1, max=200))
    family_reference = Text(load_default="", validate=validate.Length(max=60), allow_none=True,
                            metadata={"description": "the family, for flexible family funds"})
    flexible_funds = fields.Boolean(load_default=False)


class DrawDownSchema(Schema):
    id = fields.Integer()
    service_date = fields.Date()
    amount = fields.Decimal(**Sum)
    service = fields.String()
    family_reference = fields.String(allow_none=True)
    flexible_funds = fields.Boolean()
    recorded_at = fields.DateTime()


class DrawDownResultSchema(Schema):
    draw_down = fields.Nested(DrawDownSchema)
    encumbrance = fields.Nested(EncumbranceSchema)


class ContractListArgs(Schema):
    solicitation_id = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1))


# What ContractSchema reads of a contract, loaded with a page of them (a few queries a page).
SHOWN = (joinedload(Contract.award), joinedload(Contract.solicitation), joinedload(Contract.lot),
         joinedload(Contract.organization), selectinload(Contract.area_offices),
         selectinload(Contract.rates), selectinload(Contract.measures),
         selectinload(Contract.encumbrances))


# ---------------------------------------------------------------- finding things

def _contract(contract_id: UUID) -> Contract:
    row = db.session.scalar(select(Contract).where(Contract.public_id == str(contract_id)))
    if row is None:
        raise NotFound("No such contract.")
    return row


def _own_contract(contract_id: UUID) -> Contract:
    row = db.session.scalar(select(Contract).where(Contract.public_id == str(contract_id)))
    if row is None or not policy.allows(actor(), "contract.own", row):
        raise NotFound("No such contract.")
    return row


def _encumbrance(contract: Contract, fiscal_year: int) -> Encumbrance:
    row = next((e for e in contract.encumbrances if e.fiscal_year == fiscal_year), None)
    if row is None:
        raise NotFound(f"Nothing is encumbered for FY{fiscal_year} on this contract.")
    return row


def _rates(rows: list[dict]) -> list[flow.Rate]:
    return [flow.Rate(r["service"], RateType[r["unit"]], r.get("rate")) for r in rows]


def _measures(rows: list[dict]) -> list[flow.Measure]:
    return [flow.Measure(m["name"], m["target"], m.get("incentive", "")) for m in rows]


# ---------------------------------------------------------------- contracts

@bp.route("/contracts")
class Contracts(MethodView):
    @policy.rule("contract.manage")
    @bp.arguments(ContractListArgs, location="query")
    @bp.response(200, ContractSchema(many=True))
    @bp.errors(400, 403)
    @bp.paginate()
    def get(self, args: dict, pagination_parameters: Any) -> list[Contract]:
        """Every contract (of one solicitation with `solicitation_id`), a page at a time."""
        query = select(Contract).order_by(Contract.id)
        if args.get("solicitation_id"):
            query = query.where(Contract.solicitation_id == args["solicitation_id"])
        return paged(query.options(*SHOWN), pagination_parameters)

    @policy.rule("contract.manage")
    @bp.arguments(ContractCreateSchema)
    @bp.response(201, ContractSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict) -> Contract:
        """A contract in drafting from a final award: the awardee, the lot and its area
        offices; the term defaults to the RFR's contract start for three years."""
        award = db.session.scalar(select(Award).where(Award.public_id == str(data["award_id"])))
        if award is None:
            raise NotFound("No such award.")
        row = flow.create(db.session, award, actor(), start_date=data.get("start_date"),
                          end_date=data.get("end_date"),
                          annual_maximum=data.get("annual_maximum"),
                          rate_type=RateType[data["rate_type"]], rates=_rates(data["rates"]),
                          measures=_measures(data["measures"]))
        db.session.commit()
        return row


@bp.route("/contracts/<uuid:contract_id>")
class ContractItem(MethodView):
    @policy.rule("contract.manage")
    @bp.response(200, ContractSchema)
    @bp.errors(403, 404)
    def get(self, contract_id: UUID) -> Contract:
        """One contract with its terms and encumbrances."""
        return _contract(contract_id)

    @policy.rule("contract.manage")
    @bp.arguments(ContractTermsSchema)
    @bp.response(200, ContractSchema)
    @bp.errors(400, 403, 404, 409)
    def put(self, data: dict, contract_id: UUID) -> Contract:
        """Replace the terms of a contract in drafting (after signing, amend it instead)."""
        row = _contract(contract_id)
        flow.edit_draft(db.session, row, actor(), start_date=data["start_date"],
                        end_date=data["end_date"], annual_maximum=data["annual_maximum"],
                        rate_type=RateType[data["rate_type"]], rates=_rates(data["rates"]),
                        measures=_measures(data["measures"]))
        db.session.commit()
        return row


@bp.route("/contracts/<uuid:contract_id>/events/<event>")
class ContractEvent(MethodView):
    @policy.rule("contract.manage")
    @bp.arguments(EventArgsSchema)
    @bp.response(200, ContractSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, args: dict, contract_id: UUID, event: str) -> Contract:
        """sign, activate (on or after the start date), expire (after the end date) or
        terminate (with a reason); 409 lists the events allowed now."""
        row = _contract(contract_id)
        if event not in EVENTS:
            raise WorkflowError(f"There is no '{event}' action for a contract here"
                                + (": use the amendments." if event == "amend" else "."),
                                allowed=_events(row))
        flow.fire(db.session, row, event, actor(), reason=args.get("reason", ""))
        db.session.commit()
        return row


@bp.route("/contracts/<uuid:contract_id>/amendments")
class Amendments(MethodView):
    @policy.rule("contract.manage")
    @bp.response(200, AmendmentSchema(many=True))
    @bp.errors(403, 404)
    def get(self, contract_id: UUID) -> list[Any]:
        """The amendments, in order, each with every figure it changed before and after."""
        return list(_contract(contract_id).amendments)

    @policy.rule("contract.manage")
    @bp.arguments(AmendmentArgsSchema)
    @bp.response(201, AmendmentSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, contract_id: UUID) -> Any:
        """Amend an active contract: only the figures given change (rates and measures are
        replaced as a whole when given). Raising the annual maximum above the approved award
        is recorded `awaiting_approval`: another officer approves it (…/approval)."""
        row = _contract(contract_id)
        amendment = flow.amend(
            db.session, row, actor(), reason=data["reason"],
            annual_maximum=data.get("annual_maximum"), end_date=data.get("end_date"),
            rates=_rates(data["rates"]) if "rates" in data else None,
            measures=_measures(data["measures"]) if "measures" in data else None)
        db.session.commit()
        return amendment


def _amendment(contract_id: UUID, number: int) -> Any:
    row = next((a for a in _contract(contract_id).amendments if a.number == number), None)
    if row is None:
        raise NotFound("No such amendment of this contract.")
    return row


class RefuseAmendmentSchema(Schema):
    reason = Text(load_default="", validate=validate.Length(max=2000),
                  metadata={"description": "why (required: refused with 409 without it)"})


@bp.route("/contracts/<uuid:contract_id>/amendments/<int:number>/approval")
class AmendmentApproval(MethodView):
    @policy.rule("contract.manage")
    @bp.response(200, AmendmentSchema)
    @bp.errors(403, 404, 409)
    def post(self, contract_id: UUID, number: int) -> Any:
        """Another officer than its author puts in force an amendment that raises the annual
        maximum above the approved award."""
        row = flow.approve_amendment(db.session, _amendment(contract_id, number), actor())
        db.session.commit()
        return row


@bp.route("/contracts/<uuid:contract_id>/amendments/<int:number>/refusal")
class AmendmentRefusal(MethodView):
    @policy.rule("contract.manage")
    @bp.arguments(RefuseAmendmentSchema)
    @bp.response(200, AmendmentSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, contract_id: UUID, number: int) -> Any:
        """Refuse an amendment waiting for approval, with the reason; nothing changes."""
        row = flow.refuse_amendment(db.session, _amendment(contract_id, number), actor(),
                                    reason=data["reason"])
        db.session.commit()
        return row


@bp.route("/contracts/<uuid:contract_id>/documents")
class ContractDocuments(MethodView):
    @policy.rule("contract.manage")
    @bp.response(200, ContractDocumentSchema(many=True))
    @bp.errors(403, 404)
    def get(self, contract_id: UUID) -> list[Any]:
        """The contract's documents: the signed contract, attachments, amendments' pages."""
        return list(_contract(contract_id).documents)

    @policy.rule("contract.manage")
    @bp.arguments(ContractDocumentUploadSchema, location="form_and_files")
    @bp.response(201, ContractDocumentSchema)
    @bp.errors(400, 403, 404, 409, 413)
    def post(self, data: dict, contract_id: UUID) -> Any:
        """Attach a document (multipart: title and file)."""
        row = _contract(contract_id)
        document = flow.add_document(db.session, row, actor(), uploads(), title=data["title"],
                                     stream=data["file"].stream, filename=data["file"].filename)
        db.session.commit()
        return document


# ---------------------------------------------------------------- money

@bp.route("/contracts/<uuid:contract_id>/encumbrances")
class Encumbrances(MethodView):
    @policy.rule("contract.manage")
    @bp.response(200, EncumbranceSchema(many=True))
    @bp.errors(403, 404)
    def get(self, contract_id: UUID) -> list[Encumbrance]:
        """Each fiscal year's encumbrance: amount, drawn, remaining and the spending pace."""
        return list(_contract(contract_id).encumbrances)


@bp.route("/contracts/<uuid:contract_id>/encumbrances/<int:fiscal_year>")
class EncumbranceItem(MethodView):
    @policy.rule("contract.manage")
    @bp.response(200, EncumbranceSchema)
    @bp.errors(403, 404)
    def get(self, contract_id: UUID, fiscal_year: int) -> Encumbrance:
        """One fiscal year's encumbrance and its pace."""
        return _encumbrance(_contract(contract_id), fiscal_year)

    @policy.rule("contract.manage")
    @bp.arguments(EncumberSchema)
    @bp.response(200, EncumbranceSchema)
    @bp.errors(400, 403, 404, 409)
    def put(self, data: dict, contract_id: UUID, fiscal_year: int) -> Encumbrance:
        """Encumber the fiscal year (or raise or lower it, never below what is drawn), up to
        the annual maximum, on a signed or active contract."""
        row = flow.encumber(db.session, _contract(contract_id), actor(),
                            fiscal_year_=fiscal_year, amount=data["amount"])
        db.session.commit()
        return row


@bp.route("/contracts/<uuid:contract_id>/encumbrances/<int:fiscal_year>/draw-downs")
class DrawDowns(MethodView):
    @policy.rule("contract.manage")
    @bp.response(200, DrawDownSchema(many=True))
    @bp.errors(403, 404)
    def get(self, contract_id: UUID, fiscal_year: int) -> list[Any]:
        """The payments drawn against the fiscal year's encumbrance."""
        return list(_encumbrance(_contract(contract_id), fiscal_year).draw_downs)

    @policy.rule("contract.manage")
    @bp.arguments(DrawDownArgsSchema)
    @bp.response(201, DrawDownResultSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, contract_id: UUID, fiscal_year: int) -> dict:
        """Record a payment, never beyond what remains (409 says how much does); the answer
        carries the remaining balance and the pace warning."""
        encumbrance = _encumbrance(_contract(contract_id), fiscal_year)
        row = flow.draw_down(db.session, encumbrance, actor(),
                             service_date=data["service_date"], amount=data["amount"],
                             service=data["service"],
                             family_reference=data.get("family_reference") or "",
                             flexible_funds=data["flexible_funds"])
        db.session.commit()
        return {"draw_down": row, "encumbrance": encumbrance}


# ---------------------------------------------------------------- a provider's own

@bp.route("/organization/contracts")
class MyContracts(MethodView):
    @policy.rule("contract.own")
    @bp.response(200, ContractSchema(many=True))
    @bp.errors(403)
    @bp.paginate()
    def get(self, pagination_parameters: Any) -> list[Contract]:
        """My organisation's contracts (from signing on), with their balances, a page at a
        time."""
        return paged(select(Contract).where(
            Contract.organization_id == actor().organization_id,
            Contract.status != flow.C.drafting).order_by(Contract.id).options(*SHOWN),
            pagination_parameters)


@bp.route("/organization/contracts/<uuid:contract_id>")
class MyContract(MethodView):
    @policy.rule("contract.own")
    @bp.response(200, ContractSchema)
    @bp.errors(403, 404)
    def get(self, contract_id: UUID) -> Contract:
        """One of my organisation's contracts, with its encumbrances and pace."""
        row = _own_contract(contract_id)
        if row.status is flow.C.drafting:
            raise NotFound("No such contract.")
        return row
