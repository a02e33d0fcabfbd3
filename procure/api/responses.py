"""Bidders' responses: start one for a lot, read it, fire its events (submit, withdraw, confirm;
the agency's accept and reject after the opening). Sealed until the opening: anyone but the
bidder's own organisation gets 404 for a response before then, the same as for no response."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy.orm import joinedload, selectinload

from procure import policy
from procure.api.common import (
    PREFIX,
    Blueprint,
    DatabaseId,
    EventArgsSchema,
    StatusSchema,
    kept,
    with_events,
)
from procure.extensions import db
from procure.faces import actor, received_at
from procure.models import Response, Solicitation
from procure.workflows import evaluation as evaluation_flow
from procure.workflows import response as flow
from procure.workflows.base import NotFound

bp = Blueprint("api_responses", __name__, url_prefix=f"{PREFIX}/responses",
               description="Bidders' responses (sealed until the opening)")


def _finding_the_response(*, to_change: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Find the response of the URL as this person may read it (404 when sealed to them),
    before the body is read: what a request holds never decides whether a response exists.
    `to_change`: the response must also be the caller's organisation's to work on."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def find(self: Any, *args: Any, response_id: Any, **kwargs: Any) -> Any:
            who = actor()
            row = flow.readable_response(db.session, who, response_id)
            if not policy.allows(who, "response.read", row):
                # an evaluator reads through the evaluation (bidder codes on a blind RFR)
                raise NotFound("No such response.")
            if to_change:
                policy.require(who, "response.work", row)
            return view(self, *args, response=row, **kwargs)
        return find
    return decorate


readable = _finding_the_response(to_change=False)
own = _finding_the_response(to_change=True)


class DocumentSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "public id (UUID)"})
    kind = fields.Function(lambda d: d.kind.name)
    filename = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    uploaded_at = fields.DateTime()
    removed_at = fields.DateTime(allow_none=True)
    intake_status = fields.Function(lambda d: d.intake_status.name)
    pages_done = fields.Integer()
    pages_total = fields.Integer()
    rejection_code = fields.String(allow_none=True)
    rejection_message = fields.String(allow_none=True)
    record = fields.Function(lambda d: flow.record_for(actor(), d), allow_none=True, metadata={
        "type": "object", "description": "the structured record read from the PDF (once read), as "
                                         "read; without the price while it is sealed to you"})
    corrections = fields.Function(lambda d: flow.corrections_for(actor(), d), allow_none=True,
                                  metadata={"type": "object", "description":
                                            "what the bidder corrected (`sections`, "
                                            "`budget_total`, `cover`), each with `value`, `read` "
                                            "(what was read), `by` and `at`"})
    confirmed_record = fields.Function(
        lambda d: flow.record_for(actor(), d, confirmed=True), allow_none=True,
        metadata={"type": "object", "description": "the record with the bidder's corrections "
                                                   "applied: what the checks and the evaluation "
                                                   "use"})


class ProblemItemSchema(Schema):
    code = fields.String()
    message = fields.String()


class ResponseSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "public id (UUID)"})
    solicitation = fields.Function(lambda r: r.solicitation.number)
    solicitation_id = fields.Integer()
    lot = fields.Function(lambda r: r.lot.number)
    lot_id = fields.Integer()
    organization = fields.Function(lambda r: r.organization.legal_name)
    organization_diversity = fields.Function(lambda r: r.organization.diversity.name, metadata={
        "description": "the organisation's supplier-diversity certification"})
    status = fields.Function(lambda r: r.status.name)
    submitted_at = fields.DateTime(allow_none=True)
    documents = fields.Function(lambda r: DocumentSchema(many=True).dump(r.current_documents))
    problems = fields.Function(
        lambda r: ProblemItemSchema(many=True).dump(flow.completeness(r)),
        metadata={"description": "warnings before submitting, from what intake read"})
    allowed_events = fields.List(fields.String())


class StartSchema(Schema):
    lot_id = DatabaseId(required=True, metadata={"description": "the lot to respond to"})


@bp.route("/")
class ResponseList(MethodView):
    @policy.rule("response.work")
    @bp.response(200, ResponseSchema(many=True))
    @bp.errors(403)
    @bp.paginate()
    def get(self, pagination_parameters: Any) -> list[Response]:
        """My organisation's responses, newest first, a page at a time."""
        who = actor()
        rows = kept(flow.my_responses_query(who).options(
            joinedload(Response.solicitation).selectinload(Solicitation.sections),
            joinedload(Response.lot), joinedload(Response.organization),
            selectinload(Response.documents)), pagination_parameters)
        return [with_events(r, flow.allowed_events(r, who)) for r in rows]

    @policy.rule("response.work")
    @bp.arguments(StartSchema)
    @bp.response(201, ResponseSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict) -> Response:
        """Start my organisation's response to a lot (or find the one already started)."""
        who = actor()
        lot = flow.lot_to_respond_to(db.session, who, data["lot_id"])
        row = flow.start(db.session, who, lot)
        db.session.commit()
        return with_events(row, flow.allowed_events(row, who))


@bp.route("/<uuid:response_id>")
class ResponseItem(MethodView):
    @policy.rule("response.read")  # whose it is and whether it is sealed: decided by `readable`
    @readable
    @bp.response(200, ResponseSchema)
    @bp.errors(403, 404)
    def get(self, response: Response) -> Response:
        """A response and what was read from its documents: its bidder's, or after the opening."""
        return with_events(response, flow.allowed_events(response, actor()))


@bp.route("/<uuid:response_id>/events/<event>")
class ResponseEvent(MethodView):
    @policy.rule("response.read")  # submit/withdraw/confirm: its bidder; accept/reject: the agency
    @readable
    @bp.arguments(EventArgsSchema)
    @bp.response(200, StatusSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, args: dict, response: Response, event: str) -> dict:
        """Fire a response event; 409 lists the allowed ones."""
        who = actor()
        flow.fire(db.session, response, event, who, reason=args.get("reason", ""),
                  received_at=received_at())
        db.session.commit()
        return {"id": response.public_id, "status": response.status.name,
                "allowed_events": flow.allowed_events(response, who)}



class BidRateSchema(Schema):
    line_id = DatabaseId(strict=False, required=True, metadata={"description": "a line of the rate card"})
    service = fields.String(dump_only=True)
    unit = fields.String(dump_only=True, metadata={"description": "per_diem, hourly, case_rate"})
    projected_units = fields.Integer(dump_only=True, metadata={
        "description": "units the agency expects to buy a year"})
    rate = fields.Decimal(required=True, allow_none=True, as_string=True,
                          metadata={"description": "dollars and cents; null clears it"})


class BidRatesSchema(Schema):
    rates = fields.List(fields.Nested(BidRateSchema), required=True)
    missing = fields.List(fields.String(), dump_only=True, metadata={
        "description": "services still without a rate (every one is needed to submit)"})


def _bid_rates_out(response: Response) -> dict:
    mine = evaluation_flow.proposed_rates(db.session, response)
    return {"rates": [{"line_id": line.id, "service": line.service, "unit": line.unit.name,
                       "projected_units": line.projected_units, "rate": mine.get(line.id)}
                      for line in evaluation_flow.rate_card(db.session, response.solicitation)],
            "missing": flow.unpriced_lines(response)}


@bp.route("/<uuid:response_id>/rates")
class ResponseRates(MethodView):
    @policy.rule("response.work")
    @own
    @bp.response(200, BidRatesSchema)
    @bp.errors(403, 404)
    def get(self, response: Response) -> dict:
        """My response's rates for the RFR's published rate card (sealed like the rest)."""
        return _bid_rates_out(response)

    @policy.rule("response.work")
    @own
    @bp.arguments(BidRatesSchema)
    @bp.response(200, BidRatesSchema)
    @bp.errors(400, 403, 404, 409, 422)
    def put(self, data: dict, response: Response) -> dict:
        """Enter my rates for the rate card's lines before submitting (lines left out keep
        their rate; null clears one)."""
        evaluation_flow.set_proposed_rates(
            db.session, response, actor(), {r["line_id"]: r["rate"] for r in data["rates"]},
            received_at=received_at())
        db.session.commit()
        return _bid_rates_out(response)
