"""Awards: proposals per lot from the ranking, a second officer's approval, withdrawal, the
notices to a lot's bidders (each bidder reads only its own, with its own scores), protests
during the standstill period (filed with documents, decided with reasons) and the coverage
check. Each operation names its policy action; the use cases in procure.workflows.award ask
again. Before the notices no bidder sees an award or a score here."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from procure import policy
from procure.api.common import PREFIX, Blueprint, DatabaseId, EventArgsSchema, Text
from procure.api.lots import MAX_MONEY, _money
from procure.extensions import db
from procure.faces import actor, uploads
from procure.models import Award, Lot, Protest, Response, Solicitation
from procure.workflows import award as flow
from procure.workflows import evaluation as evaluation_flow
from procure.workflows.base import NotFound, WorkflowError

bp = Blueprint("api_awards", __name__, url_prefix=PREFIX,
               description="Awards, approvals, notices, protests and coverage")

# The events an award takes from the API (the rest are the scheduler's or a protest's).
EVENTS = ("approve", "withdraw")


# ---------------------------------------------------------------- schemas

def _events(award: Award) -> list[str]:
    """What the caller may do now: never "approve" to the officer who proposed it."""
    allowed = [e for e in flow.AWARD.allowed_events(award) if e in EVENTS]
    if award.status is flow.A.standstill:     # reopened only by upholding a protest
        allowed = [e for e in allowed if e != "withdraw"]
    if getattr(actor(), "id", None) == award.proposed_by_id:
        allowed = [e for e in allowed if e != "approve"]
    return allowed


class AwardSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "public id (UUID)"})
    solicitation = fields.Function(lambda a: a.solicitation.number)
    solicitation_id = fields.Integer()
    lot = fields.Function(lambda a: a.lot.number)
    lot_id = fields.Integer()
    response_id = fields.Function(lambda a: a.response.public_id)
    organization = fields.Function(lambda a: a.organization.legal_name)
    status = fields.Function(lambda a: a.status.name)
    rank = fields.Integer()
    total = fields.Decimal(as_string=True, metadata={
        "type": "string", "format": "decimal", "description": "weighted total out of 100"})
    amount = fields.Decimal(as_string=True, metadata={
        "type": "string", "format": "decimal", "description": "annual amount"})
    justification = fields.String()
    above = fields.Function(
        lambda a: flow.money_above(db.session, a.response, a.amount), metadata={
            "description": "what the amount exceeds (the bidder's evaluated cost, the lot's "
                           "estimate): the justification answers it"})
    proposed_by = fields.Function(lambda a: a.proposed_by.name)
    proposed_at = fields.DateTime()
    approved_by = fields.Function(lambda a: a.approved_by.name if a.approved_by else None,
                                  allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    notified_at = fields.DateTime(allow_none=True)
    standstill_ends_at = fields.DateTime(allow_none=True)
    final_at = fields.DateTime(allow_none=True)
    open_protests = fields.Function(
        lambda a: sum(1 for p in a.protests if p.status is flow.ProtestStatus.open))
    allowed_events = fields.Function(_events)


class ProposeSchema(Schema):
    lot_id = DatabaseId(required=True, metadata={"description": "the lot of this solicitation"})
    response_id = fields.UUID(required=True, metadata={"description": "a ranked response"})
    amount = fields.Decimal(places=2, validate=_money, metadata={
        "minimum": 0, "maximum": MAX_MONEY,
        "description": "annual amount in dollars (default: the bidder's evaluated cost, else "
                       "the lot's estimated annual value)"})
    justification = Text(load_default="", validate=validate.Length(max=5000), metadata={
        "description": "required when passing over a better-ranked bidder, and for an amount "
                       "above the bidder's evaluated cost or the lot's estimate"})


class NoticeScoreSchema(Schema):
    criterion = fields.String()
    weight = fields.Integer()
    max_points = fields.Integer()
    points = fields.String(allow_none=True)
    rationale = fields.String()


class NoticeAwardSchema(Schema):
    id = fields.String(metadata={"description": "the award's public id, to protest it"})
    organization = fields.String()
    status = fields.String()
    standstill_ends_at = fields.DateTime(allow_none=True)


class NoticeSchema(Schema):
    id = fields.String(attribute="public_id")
    solicitation = fields.Function(lambda n: n.lot.solicitation.number)
    lot = fields.Function(lambda n: n.lot.number)
    response_id = fields.Function(lambda n: n.response.public_id)
    organization = fields.Function(lambda n: n.response.organization.legal_name)
    selected = fields.Boolean()
    rank = fields.Integer(allow_none=True)
    total = fields.Decimal(as_string=True, allow_none=True,
                           metadata={"type": "string", "format": "decimal"})
    scores = fields.List(fields.Nested(NoticeScoreSchema),
                         metadata={"description": "this bidder's own consensus scores"})
    standstill_ends_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime()
    awards = fields.Function(lambda n: NoticeAwardSchema(many=True).dump(_announced(n.lot)),
                             metadata={"description": "the lot's announced awards"})


class ProtestDocumentSchema(Schema):
    id = fields.String(attribute="public_id")
    filename = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    uploaded_at = fields.DateTime()


class ProtestSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "public id (UUID)"})
    award_id = fields.Function(lambda p: p.award.public_id)
    solicitation = fields.Function(lambda p: p.award.solicitation.number)
    lot = fields.Function(lambda p: p.award.lot.number)
    organization = fields.Function(lambda p: p.organization.legal_name)
    grounds = fields.String()
    status = fields.Function(lambda p: p.status.name)
    filed_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decision = fields.String()
    documents = fields.List(fields.Nested(ProtestDocumentSchema))


class Files(fields.List):
    """One file or several under the same name (a field sent once is not a list)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        return super()._deserialize(value if isinstance(value, list) else [value], attr, data,
                                    **kwargs)


class ProtestFileSchema(Schema):
    grounds = Text(required=True, validate=validate.Length(min=1, max=20000))
    documents = Files(Upload(), load_default=list, validate=validate.Length(max=20),
                      metadata={"description": "PDFs supporting the protest (repeat the field)"})


class DecisionSchema(Schema):
    uphold = fields.Boolean(required=True, metadata={
        "description": "true: upheld (the award goes back to proposed); false: denied"})
    reasons = Text(required=True, validate=validate.Length(min=1, max=20000))


class CoverSchema(Schema):
    place = fields.String()
    lots = fields.List(fields.String())
    awardees = fields.List(fields.String())
    warning = fields.String()


class CoverageSchema(Schema):
    lead_agencies = fields.List(fields.Nested(CoverSchema))
    resource_centers = fields.List(fields.Nested(CoverSchema))
    network_services = fields.List(fields.Nested(CoverSchema))
    warnings = fields.List(fields.String())


# ---------------------------------------------------------------- finding things

def _names_allowed(row: Solicitation) -> Solicitation:
    """Awards name the bidders: refused (403) to whoever the disclosure table keeps them from,
    as the award pages are (a blind evaluator before the panels are finalized)."""
    evaluation_flow.refuse_names_to_blind_evaluator(db.session, row, actor())
    return row


def _solicitation(solicitation_id: int) -> Solicitation:
    row = db.session.get(Solicitation, solicitation_id)
    if row is None:
        raise NotFound("No such solicitation.")
    return _names_allowed(row)


def _award(award_id: UUID) -> Award:
    row = db.session.scalar(select(Award).where(Award.public_id == str(award_id)))
    if row is None:
        raise NotFound("No such award.")
    _names_allowed(row.solicitation)
    return row


def _announced(lot: Lot) -> list[dict[str, Any]]:
    return [{"id": a.public_id, "organization": a.organization.legal_name,
             "status": a.status.name, "standstill_ends_at": a.standstill_ends_at}
            for a in flow.live_awards(db.session, lot) if a.notified_at is not None]


def _protestable_award(award_id: UUID) -> Award:
    """An award the caller's organisation was told about (404 for anyone else: a bidder
    learns of no award before its notice)."""
    row = db.session.scalar(select(Award).where(Award.public_id == str(award_id)))
    who = actor()
    told = row is not None and row.notified_at is not None and db.session.scalar(
        select(Response.id).where(Response.lot_id == row.lot_id,
                                  Response.organization_id == who.organization_id,
                                  Response.status.in_(flow.TOLD))) is not None
    if not told:
        raise NotFound("There is no award notice for your organisation here.")
    return row  # type: ignore[return-value]


# ---------------------------------------------------------------- awards

@bp.route("/solicitations/<int:solicitation_id>/awards")
class Awards(MethodView):
    @policy.rule("award.manage")
    @bp.response(200, AwardSchema(many=True))
    @bp.errors(403, 404)
    def get(self, solicitation_id: int) -> list[Award]:
        """Every award of the solicitation (withdrawn ones too), lot by lot."""
        return flow.awards_of(db.session, _solicitation(solicitation_id))

    @policy.rule("award.manage")
    @bp.arguments(ProposeSchema)
    @bp.response(201, AwardSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, solicitation_id: int) -> Award:
        """Propose a ranked response for a lot; passing over a better-ranked bidder needs a
        written justification."""
        row = _solicitation(solicitation_id)
        lot = db.session.get(Lot, data["lot_id"])
        response = db.session.scalar(select(Response).where(
            Response.public_id == str(data["response_id"])))
        if lot is None or lot.solicitation_id != row.id or response is None:
            raise NotFound("No such lot or response on this solicitation.")
        award = flow.propose(db.session, lot, actor(), response=response,
                             amount=data.get("amount"), justification=data["justification"])
        db.session.commit()
        return award


@bp.route("/awards/<uuid:award_id>")
class AwardItem(MethodView):
    @policy.rule("award.manage")
    @bp.response(200, AwardSchema)
    @bp.errors(403, 404)
    def get(self, award_id: UUID) -> Award:
        """One award, with who proposed and approved it."""
        return _award(award_id)


@bp.route("/awards/<uuid:award_id>/events/<event>")
class AwardEvent(MethodView):
    @policy.rule("award.manage")
    @bp.arguments(EventArgsSchema)
    @bp.response(200, AwardSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, args: dict, award_id: UUID, event: str) -> Award:
        """approve (another officer than the proposer) or withdraw (with a reason); 409 lists
        the events allowed now."""
        award = _award(award_id)
        if event == "approve":
            flow.approve(db.session, award, actor())
        elif event == "withdraw":
            flow.withdraw(db.session, award, actor(), args.get("reason", ""))
        else:
            raise WorkflowError(f"There is no '{event}' action for an award here.",
                                allowed=_events(award))
        db.session.commit()
        return award


@bp.route("/lots/<int:lot_id>/notices")
class LotNotices(MethodView):
    @policy.rule("award.manage")
    @bp.response(201, NoticeSchema(many=True))
    @bp.errors(403, 404, 409)
    def post(self, lot_id: int) -> list[Any]:
        """Tell every bidder of the lot the outcome, each with its own scores, and start the
        standstill period (every live award of the lot approved)."""
        lot = db.session.get(Lot, lot_id)
        if lot is None:
            raise NotFound("No such lot.")
        _names_allowed(lot.solicitation)
        notices = flow.notify_lot(db.session, lot, actor())
        db.session.commit()
        return notices


class LotOutcomeArgs(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(sorted(flow.OUTCOMES)),
                            metadata={"description": "no_award or reprocure"})
    reason = Text(required=True, validate=validate.Length(min=1, max=2000))


class LotOutcomeSchema(Schema):
    lot = fields.Integer()
    outcome = fields.String(metadata={"description": "Awarded, No award: <reason>, To be "
                                                     "procured again: <reason>, No responsive "
                                                     "bidder or Open"})
    solicitation_status = fields.String()


@bp.route("/lots/<int:lot_id>/outcome")
class LotOutcomeItem(MethodView):
    @policy.rule("award.manage")
    @bp.arguments(LotOutcomeArgs)
    @bp.response(201, LotOutcomeSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, lot_id: int) -> dict:
        """Close a lot without an award (no award, or to be procured again) with the reason;
        when every other lot's award is final the RFR is awarded."""
        lot = db.session.get(Lot, lot_id)
        if lot is None:
            raise NotFound("No such lot.")
        flow.close_lot(db.session, lot, actor(), outcome=data["outcome"], reason=data["reason"])
        db.session.commit()
        return {"lot": lot.number, "outcome": flow.lot_outcome(db.session, lot),
                "solicitation_status": lot.solicitation.status.name}


@bp.route("/solicitations/<int:solicitation_id>/coverage")
class Coverage(MethodView):
    @policy.rule("award.manage")
    @bp.response(200, CoverageSchema)
    @bp.errors(403, 404)
    def get(self, solicitation_id: int) -> Any:
        """Which area offices have a lead agency and which regions a resource center among the
        live awards, with a warning for any uncovered or covered twice."""
        return flow.coverage(db.session, _solicitation(solicitation_id))


# ---------------------------------------------------------------- a bidder's notices

@bp.route("/responses/<uuid:response_id>/notices")
class ResponseNotices(MethodView):
    @policy.rule("award.notice")
    @bp.response(200, NoticeSchema(many=True))
    @bp.errors(403, 404)
    def get(self, response_id: UUID) -> list[Any]:
        """What my organisation was told about its response, newest first, with its own
        scores (nothing before the notices)."""
        who = actor()
        response = db.session.scalar(select(Response).where(
            Response.public_id == str(response_id)))
        if response is None or not policy.allows(who, "award.notice", response):
            raise NotFound("No such response.")
        return flow.notices_for(db.session, response)


# ---------------------------------------------------------------- protests

@bp.route("/awards/<uuid:award_id>/protests")
class AwardProtests(MethodView):
    @policy.rule("award.manage")
    @bp.response(200, ProtestSchema(many=True))
    @bp.errors(403, 404)
    def get(self, award_id: UUID) -> list[Protest]:
        """The protests of an award, open and decided."""
        return list(_award(award_id).protests)

    @policy.rule("protest.file")
    @bp.arguments(ProtestFileSchema, location="form_and_files")
    @bp.response(201, ProtestSchema)
    @bp.errors(400, 403, 404, 409, 413)
    def post(self, data: dict, award_id: UUID) -> Protest:
        """My organisation protests an award of its lot during the standstill period
        (multipart: grounds, and documents repeated for each file)."""
        award = _protestable_award(award_id)
        files = [(f.stream, f.filename) for f in data["documents"]]
        protest = flow.file_protest(db.session, award, actor(), grounds=data["grounds"],
                                    files=files, uploads=uploads())
        db.session.commit()
        return protest


@bp.route("/protests")
class MyProtests(MethodView):
    @policy.rule("protest.file")
    @bp.response(200, ProtestSchema(many=True))
    @bp.errors(403)
    def get(self) -> list[Protest]:
        """My organisation's protests and their decisions."""
        return list(db.session.scalars(select(Protest).where(
            Protest.organization_id == actor().organization_id).order_by(Protest.id)))


@bp.route("/protests/<uuid:protest_id>/decision")
class ProtestDecision(MethodView):
    @policy.rule("award.manage")
    @bp.arguments(DecisionSchema)
    @bp.response(200, ProtestSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, protest_id: UUID) -> Protest:
        """Uphold (the award goes back to proposed) or deny, with the reasons the protester
        is told; a denial leaves the award to become final when standstill ends."""
        protest = db.session.scalar(select(Protest).where(Protest.public_id == str(protest_id)))
        if protest is None:
            raise NotFound("No such protest.")
        _names_allowed(protest.award.solicitation)
        flow.decide_protest(db.session, protest, actor(), uphold=data["uphold"],
                            reasons=data["reasons"])
        db.session.commit()
        return protest
