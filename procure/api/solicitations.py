"""RFIs and RFRs: the public list and search, drafting, and the lifecycle events."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from procure import policy, search
from procure.api.addenda import AddendumSchema
from procure.api.common import (
    PREFIX,
    Blueprint,
    DatabaseId,
    Day,
    EventArgsSchema,
    Moment,
    StatusSchema,
    Text,
    visible_solicitation,
    with_events,
)
from procure.api.criteria import CriterionSchema
from procure.api.documents import SolicitationDocumentSchema
from procure.api.lots import LotSchema
from procure.api.responses import ResponseSchema
from procure.api.sections import SectionSchema
from procure.extensions import db
from procure.faces import actor, search_page
from procure.models import AwardStatus, DocumentKind, Solicitation, SolicitationKind
from procure.public_cache import public_page
from procure.workflows import award as award_flow
from procure.workflows import evaluation as evaluation_flow
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from procure.workflows.base import WorkflowError


# its search lists at most the first `search.LISTED` found; X-Pagination's `more_found` says
# whether more were found (common.Blueprint)
bp = Blueprint("api_solicitations", __name__, url_prefix=f"{PREFIX}/solicitations",
               description="RFIs and RFRs")

class SolicitationSummarySchema(Schema):
    id = fields.Integer()
    number = fields.String()
    kind = fields.Function(lambda s: s.kind.name)
    title = fields.String()
    status = fields.Function(lambda s: s.status.name)
    agencies = fields.Function(lambda s: [a.code for a in s.agencies])
    deadline = fields.DateTime(allow_none=True)


class PublishedAnswerSchema(Schema):
    question = fields.String(attribute="body")
    answer = fields.String()
    answered_at = fields.DateTime()


class SolicitationSchema(SolicitationSummarySchema):
    description = fields.String()
    questions_due = fields.DateTime(allow_none=True)
    conference_at = fields.DateTime(allow_none=True)
    conference_location = fields.String()
    expected_award = fields.Date(allow_none=True)
    contract_start = fields.Date(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.Function(lambda s: s.cancel_reason.name if s.cancel_reason else None,
                                    allow_none=True)
    cancel_text = fields.String()
    lots = fields.List(fields.Nested(LotSchema))
    sections = fields.List(fields.Nested(SectionSchema))
    criteria = fields.List(fields.Nested(CriterionSchema))
    addenda = fields.List(fields.Nested(AddendumSchema))
    documents = fields.List(fields.Nested(SolicitationDocumentSchema))
    answers = fields.Function(lambda s: PublishedAnswerSchema(many=True).dump(
        [q for q in s.questions if q.answer is not None]))
    allowed_events = fields.List(fields.String())
    informed_by_id = fields.Integer(allow_none=True, metadata={
        "description": "the RFI whose comments informed this RFR"})
    required_document_kinds = fields.List(fields.String(), metadata={
        "description": "kinds of document every response must hold to be submitted"})


class SolicitationFieldsSchema(Schema):
    """What a draft says about itself (all optional when changing a draft)."""
    title = Text(validate=validate.Length(min=1, max=300))
    agencies = fields.List(Text(validate=validate.Length(max=8)),
                           validate=validate.Length(min=1, max=5))
    description = Text(validate=validate.Length(max=20000))
    questions_due = Moment(allow_none=True)
    conference_at = Moment(allow_none=True)
    conference_location = Text(validate=validate.Length(max=300))
    deadline = Moment(allow_none=True)
    expected_award = Day(allow_none=True)
    contract_start = Day(allow_none=True)
    informed_by_id = DatabaseId(allow_none=True, metadata={
        "description": "the RFI whose comments informed this RFR (an RFR only); null for none"})
    required_document_kinds = fields.List(
        fields.String(validate=validate.OneOf([k.name for k in DocumentKind])),
        validate=validate.Length(max=len(DocumentKind)), metadata={
            "description": "kinds of document every response must hold to be submitted"})


class SolicitationCreateSchema(SolicitationFieldsSchema):
    kind = fields.String(required=True, validate=validate.OneOf([k.name for k in SolicitationKind]))
    title = Text(required=True, validate=validate.Length(min=1, max=300))
    agencies = fields.List(Text(validate=validate.Length(max=8)), required=True,
                           validate=validate.Length(min=1, max=5))
    number = fields.String(validate=validate.Regexp(r"^[A-Z]{2,5}-\d{4}-(RFI|RFR)-\d{3}$"))


class ListArgsSchema(Schema):
    """The public search's filters (procure.search); unknown values are answered 400."""
    q = Text(validate=validate.Length(max=200))
    status = fields.String(validate=validate.OneOf([s.name for s in policy.PUBLIC_STATES]))
    agency = Text(validate=validate.Length(max=8))
    region = fields.Integer(strict=False)
    service_model = Text(validate=validate.Length(max=40))


@bp.route("/")
class SolicitationList(MethodView):
    @policy.rule("public.browse")
    @public_page
    @bp.arguments(ListArgsSchema, location="query")
    @bp.response(200, SolicitationSummarySchema(many=True))
    @bp.errors(400)
    @bp.paginate()
    def get(self, args: dict, pagination_parameters: Any) -> list[Solicitation]:
        """Published solicitations, open ones first (the pages' search). At most the first
        1,000 found are listed: X-Pagination's `total` counts no further, and its `more_found`
        says whether more were found (then narrow the search with words or filters)."""
        page = search_page(search.filters(**args), search.page_number(pagination_parameters.page),
                           pagination_parameters.page_size)
        pagination_parameters.item_count, pagination_parameters.more_found = page.total, page.more
        return list(page.items)

    @policy.rule("solicitation.manage")
    @bp.arguments(SolicitationCreateSchema)
    @bp.response(201, SolicitationSchema)
    @bp.errors(400, 403, 409)
    def post(self, data: dict) -> Solicitation:
        """Create a draft RFI or RFR."""
        kind = SolicitationKind[data.pop("kind")]
        row = flow.create(db.session, actor(), kind=kind, agencies=data.pop("agencies"),
                          number=data.pop("number", None), **data)
        db.session.commit()
        return with_events(row, flow.allowed_events(row))


@bp.route("/<int:solicitation_id>")
class SolicitationItem(MethodView):
    @policy.rule("public.browse")
    @public_page
    @bp.response(200, SolicitationSchema)
    @bp.errors(404)
    def get(self, solicitation_id: int) -> Solicitation:
        """One solicitation with its lots, sections, criteria, documents, addenda and answers."""
        row = visible_solicitation(solicitation_id)
        events = flow.allowed_events(row) if policy.allows(actor(), "solicitation.manage") else []
        return with_events(row, events)

    @policy.rule("solicitation.manage")
    @bp.arguments(SolicitationFieldsSchema)
    @bp.response(200, SolicitationSchema)
    @bp.errors(400, 403, 404, 409)
    def patch(self, data: dict, solicitation_id: int) -> Solicitation:
        """Change a draft: only the fields given change."""
        row = visible_solicitation(solicitation_id)
        flow.update(db.session, row, actor(), agencies=data.pop("agencies", None), **data)
        db.session.commit()
        return with_events(row, flow.allowed_events(row))


@bp.route("/<int:solicitation_id>/events/<event>")
class SolicitationEvent(MethodView):
    @policy.rule("solicitation.manage")
    @bp.arguments(EventArgsSchema)
    @bp.response(200, StatusSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, args: dict, solicitation_id: int, event: str) -> dict:
        """Fire a lifecycle event (publish, open, cancel...); 409 lists the allowed ones."""
        row = visible_solicitation(solicitation_id)
        award_flow.fire_solicitation_event(db.session, row, event, actor(),
                                              reason=args.get("reason", ""),
                                              cancel_reason=args.get("cancel_reason"))
        db.session.commit()
        return {"id": row.id, "status": row.status.name,
                "allowed_events": flow.allowed_events(row)}


@bp.route("/<int:solicitation_id>/responses")
class SolicitationResponses(MethodView):
    @policy.rule("response.read_opened")
    @bp.response(200, ResponseSchema(many=True))
    @bp.errors(403, 404, 409)
    def get(self, solicitation_id: int) -> list:
        """The solicitation's responses, for the agency after the opening (the pages' responses
        list). Sealed before it: 409, saying nothing of how many arrived."""
        row = visible_solicitation(solicitation_id)
        who = actor()
        evaluation_flow.refuse_names_to_blind_evaluator(db.session, row, who)
        if row.opened_at is None:
            raise WorkflowError(f"The responses to {row.number} are sealed until the opening; "
                                "none is listed before it.")
        return [with_events(r, response_flow.allowed_events(r, who))
                for r in response_flow.responses_for(db.session, who, row)]


class FinalAwardSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "public id (UUID)"})
    lot = fields.Function(lambda a: a.lot.number)
    lot_title = fields.Function(lambda a: a.lot.title)
    area_offices = fields.Function(lambda a: [o.name for o in a.lot.area_offices])
    region = fields.Function(lambda a: a.lot.region.name if a.lot.region else None)
    awardee = fields.Function(lambda a: a.organization.legal_name)
    annual_amount = fields.Decimal(attribute="amount", as_string=True)
    final_at = fields.DateTime()


@bp.route("/<int:solicitation_id>/final-awards")
class FinalAwards(MethodView):
    @policy.rule("public.browse")
    @bp.response(200, FinalAwardSchema(many=True))
    @bp.errors(404)
    def get(self, solicitation_id: int) -> list:
        """The solicitation's final awards, for anyone (the public awards page): awardee, lot,
        what it covers, the annual amount. None before the standstill ends."""
        row = search.visible_solicitation(db.session, None, solicitation_id)
        return [a for a in award_flow.awards_of(db.session, row)
                if a.status is AwardStatus.final]


class BelowMinimumSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(flow.BELOW_MINIMUM)),
                             metadata={"description": "evaluate (anyway), readvertise (cancel "
                                                      "to advertise again) or cancel"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "on the record; bidders read it on a cancel"})


@bp.route("/<int:solicitation_id>/below-minimum")
class BelowMinimum(MethodView):
    @policy.rule("solicitation.manage")
    @bp.arguments(BelowMinimumSchema)
    @bp.response(200, StatusSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, args: dict, solicitation_id: int) -> dict:
        """An RFR opened with fewer responsive responses than its procedure's minimum: evaluate
        anyway, re-advertise or cancel, with a reason on the record (409 when there is nothing
        to decide)."""
        row = visible_solicitation(solicitation_id)
        response_flow.decide_below_minimum(db.session, row, actor(), args["decision"],
                                           args["reason"])
        db.session.commit()
        return {"id": row.id, "status": row.status.name,
                "allowed_events": flow.allowed_events(row)}
