"""The JSON API under /api/v1 (flask-smorest). Bearer tokens only: no session, so no CSRF."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Flask, abort
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from procure import policy
from procure.api.schemas import (
    EventArgsSchema,
    ListArgsSchema,
    ProblemSchema,
    ResponseSchema,
    SolicitationCreateSchema,
    SolicitationSchema,
    SolicitationSummarySchema,
    ResponseStatusSchema,
    StatusSchema,
)
from procure.extensions import csrf, db
from procure.models import Response, Solicitation, SolicitationKind, SolicitationStatus
from procure.web import actor, received_at
from procure.workflows import response as response_flow
from procure.workflows import solicitation as solicitation_flow
from procure.workflows.base import NotFound

solicitations = Blueprint("api_solicitations", __name__, url_prefix="/api/v1/solicitations",
                          description="RFIs and RFRs")
responses = Blueprint("api_responses", __name__, url_prefix="/api/v1/responses",
                      description="Bidders' responses (sealed until the opening)")

PUBLIC = [s for s in SolicitationStatus if s is not SolicitationStatus.draft]


def _visible_solicitation(solicitation_id: int) -> Solicitation:
    row = db.session.get(Solicitation, solicitation_id)
    if row is None or (row.status is SolicitationStatus.draft
                       and not policy.allows(actor(), "solicitation.view_internal")):
        abort(404)
    return row


def _with_events(row: Any, events: list[str]) -> Any:
    row.allowed_events = events
    return row


@solicitations.route("/")
class SolicitationList(MethodView):
    @policy.rule("public.browse")
    @solicitations.arguments(ListArgsSchema, location="query")
    @solicitations.response(200, SolicitationSummarySchema(many=True))
    @solicitations.paginate()
    def get(self, args: dict, pagination_parameters: Any) -> list[Solicitation]:
        """Published solicitations, open ones first."""
        query = select(Solicitation).where(Solicitation.status.in_(PUBLIC)).options(
            selectinload(Solicitation.agencies))
        for word in (args.get("q") or "").split()[:8]:
            query = query.where(or_(Solicitation.title.ilike(f"%{word}%"),
                                    Solicitation.number.ilike(f"%{word}%")))
        if args.get("status"):
            query = query.where(Solicitation.status == SolicitationStatus[args["status"]])
        page = db.paginate(query.order_by(Solicitation.id.desc()),
                           page=pagination_parameters.page,
                           per_page=pagination_parameters.page_size, error_out=False)
        pagination_parameters.item_count = page.total
        return page.items

    @policy.rule("solicitation.manage")
    @solicitations.arguments(SolicitationCreateSchema)
    @solicitations.response(201, SolicitationSchema)
    @solicitations.alt_response(409, schema=ProblemSchema)
    def post(self, data: dict) -> Solicitation:
        """Create a draft RFI or RFR."""
        row = solicitation_flow.create(
            db.session, actor(), kind=SolicitationKind[data["kind"]], agencies=data["agencies"],
            number=data.get("number"), title=data["title"],
            description=data.get("description", ""), deadline=data.get("deadline"),
            questions_due=data.get("questions_due"))
        db.session.commit()
        return _with_events(row, solicitation_flow.allowed_events(row))


@solicitations.route("/<int:solicitation_id>")
class SolicitationItem(MethodView):
    @policy.rule("public.browse")
    @solicitations.response(200, SolicitationSchema)
    def get(self, solicitation_id: int) -> Solicitation:
        """One solicitation with its lots, sections, criteria, addenda and published answers."""
        row = _visible_solicitation(solicitation_id)
        events = (solicitation_flow.allowed_events(row)
                  if policy.allows(actor(), "solicitation.manage") else [])
        return _with_events(row, events)


@solicitations.route("/<int:solicitation_id>/events/<event>")
class SolicitationEvent(MethodView):
    @policy.rule("solicitation.manage")
    @solicitations.arguments(EventArgsSchema)
    @solicitations.response(200, StatusSchema)
    @solicitations.alt_response(409, schema=ProblemSchema)
    def post(self, args: dict, solicitation_id: int, event: str) -> dict:
        """Fire a lifecycle event (publish, close, open, cancel...); 409 lists the allowed ones."""
        row = _visible_solicitation(solicitation_id)
        solicitation_flow.fire(db.session, row, event, actor(), reason=args.get("reason", ""),
                               cancel_reason=args.get("cancel_reason"))
        db.session.commit()
        return {"id": row.id, "status": row.status.name,
                "allowed_events": solicitation_flow.allowed_events(row)}


@responses.route("/")
class ResponseList(MethodView):
    @policy.rule("response.work")
    @responses.response(200, ResponseSchema(many=True))
    def get(self) -> list[Response]:
        """My organisation's responses."""
        who = actor()
        return [_with_events(r, response_flow.allowed_events(r, who))
                for r in response_flow.my_responses(db.session, who)]


@responses.route("/<uuid:response_id>")
class ResponseItem(MethodView):
    @policy.rule("response.read")  # whose it is and whether it is sealed: decided below
    @responses.response(200, ResponseSchema)
    @responses.alt_response(404, schema=ProblemSchema)
    def get(self, response_id: UUID) -> Response:
        """A response and the records read from its documents: its bidder's, or after the opening."""
        who = actor()
        row = response_flow.readable_response(db.session, who, response_id)
        if not (policy.allows(who, "response.work", row)
                or policy.allows(who, "response.read_opened", row)):
            # an evaluator reads through the evaluation (bidder codes on a blind RFR)
            raise NotFound("No such response.")
        return _with_events(row, response_flow.allowed_events(row, who))


@responses.route("/<uuid:response_id>/events/<event>")
class ResponseEvent(MethodView):
    @policy.rule("response.read")  # submit/withdraw: its bidder; accept/reject: the agency
    @responses.arguments(EventArgsSchema)
    @responses.response(200, ResponseStatusSchema)
    @responses.alt_response(409, schema=ProblemSchema)
    def post(self, args: dict, response_id: UUID, event: str) -> dict:
        """Fire a response event; 409 lists the allowed ones."""
        who = actor()
        row = response_flow.readable_response(db.session, who, response_id)
        response_flow.fire(db.session, row, event, who, reason=args.get("reason", ""),
                           received_at=received_at())
        db.session.commit()
        return {"id": row.public_id, "status": row.status.name,
                "allowed_events": response_flow.allowed_events(row, who)}


def init_app(app: Flask) -> None:
    api = Api(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    from procure.api import evaluation
    from procure.api.tokens import tokens
    for blueprint in (solicitations, responses, tokens, evaluation.blp):
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    # The spec itself is public.
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("api-docs."):
            app.view_functions[endpoint] = policy.rule("public.browse")(view)
