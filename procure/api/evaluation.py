"""The evaluation API: panels, members, declarations, assignments, scoresheets (save, submit,
return), consensus, evaluated cost corrections and the ranking. Each operation names its policy
action; the use cases in procure.workflows.evaluation ask again with the object. Bidders are
named as the reader may see them: bidder codes for evaluators on a blind RFR."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from procure import policy
from procure.api.common import PREFIX, Blueprint, DatabaseId, EventArgsSchema, kept
from procure.extensions import db
from procure.models import (
    Criterion,
    Lot,
    MemberKind,
    Panel,
    PanelMember,
    RateUnit,
    Response,
    Score,
    Scoresheet,
    Solicitation,
    User,
)
from procure.faces import actor
from procure.workflows import evaluation as flow
from procure.workflows import response as response_flow
from procure.workflows.base import NotFound, refuse

bp = Blueprint("api_evaluation", __name__, url_prefix=PREFIX + "/evaluation",
                description="Scoring panels: declarations, scoresheets, consensus, ranking")


# ---------------------------------------------------------------- schemas

class MemberSchema(Schema):
    id = fields.Integer()
    name = fields.Function(lambda m: m.user.name)
    kind = fields.Function(lambda m: m.kind.name)
    chair = fields.Boolean(attribute="is_chair")


class PanelSchema(Schema):
    id = fields.String(metadata={"description": "the panel's public id (UUID4)"})
    name = fields.String()
    solicitation = fields.String()
    status = fields.String()
    lots = fields.List(fields.Integer())
    members = fields.List(fields.Nested(MemberSchema))
    submitted = fields.Integer(metadata={"description": "scoresheets submitted (chair, officers)"})
    scoresheets = fields.Integer()
    behind = fields.List(fields.String())


class PanelCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lots = fields.List(DatabaseId(), required=True, validate=validate.Length(min=1, max=1000),
                       metadata={"description": "lot numbers of the solicitation"})


class MemberCreateSchema(Schema):
    email = fields.Email(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.name for k in MemberKind]))
    chair = fields.Boolean(load_default=False)


class MemberRemovalSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    replacement_email = fields.Email(load_default=None, metadata={
        "description": "who takes the seat (the chair's too); none: removed only"})
    kind = fields.String(load_default=None, validate=validate.OneOf([k.name for k in MemberKind]),
                         metadata={"description": "how the replacement sits (default: as the "
                                                  "member did)"})


class RemovalSchema(Schema):
    removed = fields.Nested(MemberSchema)
    replacement = fields.Nested(MemberSchema, allow_none=True)


class DeclarationSchema(Schema):
    bidder_index = fields.Integer()
    bidder = fields.String(metadata={"description": "name, or bidder codes on a blind RFR"})
    declared = fields.Boolean()
    conflict = fields.Boolean(allow_none=True)
    nature = fields.String()


class DeclareSchema(Schema):
    bidder_index = fields.Integer(required=True)
    conflict = fields.Boolean(required=True)
    nature = fields.String(load_default="")
    withdraw_scoresheets = fields.Boolean(load_default=False, metadata={
        "description": "true to confirm that a conflict withdraws the scoresheets I already "
                       "have for this bidder (without it, such a declaration is refused: 409)"})


class AssignSchema(Schema):
    member_id = DatabaseId(strict=False, required=True)
    response_id = fields.UUID(required=True)


class ScoreSchema(Schema):
    criterion_id = DatabaseId(strict=False, required=True)
    criterion = fields.String(dump_only=True)
    points = fields.Decimal(allow_none=True, as_string=True, load_default=None)
    comment = fields.String(load_default="")


class ScoresheetSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "public id (UUID4)"})
    panel = fields.Function(lambda s: s.panel.public_id)
    bidder = fields.String()
    lot = fields.Function(lambda s: s.response.lot.number)
    response_id = fields.Function(lambda s: s.response.public_id)
    status = fields.Function(lambda s: s.status.name)
    returned_reason = fields.String()
    scores = fields.Function(lambda s: ScoreSchema(many=True).dump(
        [{"criterion_id": x.criterion_id, "criterion": x.criterion.name, "points": x.points,
          "comment": x.comment} for x in s.shown_scores]))


class ScoresArgsSchema(Schema):
    scores = fields.List(fields.Nested(ScoreSchema), required=True)


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ConsensusArgsSchema(Schema):
    response_id = fields.UUID(required=True)
    criterion_id = DatabaseId(strict=False, required=True)
    points = fields.Decimal(required=True, as_string=True)
    rationale = fields.String(required=True)


class CostArgsSchema(Schema):
    amount = fields.Decimal(required=True, as_string=True)
    reason = fields.String(required=True)


class CostSchema(Schema):
    response_id = fields.String()
    amount = fields.Decimal(as_string=True, allow_none=True)
    source = fields.String()
    reason = fields.String()


class RateLineSchema(Schema):
    id = DatabaseId(strict=False, allow_none=True, load_default=None, metadata={
        "description": "a line of the card to keep (and change); leave out for a new line"})
    service = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit = fields.String(required=True, validate=validate.OneOf([u.name for u in RateUnit]),
                         metadata={"description": "per_diem, hourly or case_rate"})
    projected_units = fields.Integer(required=True, validate=validate.Range(
        min=1, max=flow.MAX_UNITS), metadata={"description": "units the agency expects to "
                                                             "buy a year"})


class RateCardSchema(Schema):
    lines = fields.List(fields.Nested(RateLineSchema), required=True)
    locked = fields.String(dump_only=True, allow_none=True,
                           metadata={"description": "why the card cannot change now"})


class ProposedRateSchema(Schema):
    line_id = DatabaseId(strict=False, required=True)
    service = fields.String(dump_only=True)
    rate = fields.Decimal(required=True, allow_none=True, as_string=True,
                          metadata={"description": "dollars and cents; null clears it"})


class ProposedRatesSchema(Schema):
    rates = fields.List(fields.Nested(ProposedRateSchema), required=True)
    evaluated_cost = fields.Nested(CostSchema, dump_only=True)


class RankedSchema(Schema):
    lot = fields.Integer()
    rank = fields.Integer()
    tied = fields.Boolean()
    bidder = fields.String()
    total = fields.Decimal(as_string=True)


# ---------------------------------------------------------------- helpers

def _panel_out(panel: Any, who: Any) -> dict:
    out = {"id": panel.public_id, "name": panel.name, "solicitation": panel.solicitation.number,
           "status": panel.status.name, "lots": [lot.number for lot in panel.lots],
           "members": panel.active_members, "submitted": None, "scoresheets": None,
           "behind": []}
    if policy.allows(who, "evaluation.manage") or policy.allows(who, "panel.chair", panel):
        out["submitted"], out["scoresheets"], out["behind"] = flow.progress(panel)
    return out


def _visible_panel(panel_id: str) -> Any:
    who = actor()
    panel = db.session.scalar(select(Panel).where(Panel.public_id == panel_id))
    if panel is None or not (flow.member_of(panel, who) is not None
                             or policy.allows(who, "evaluation.manage")):
        raise NotFound("No such panel.")
    return panel


def _solicitation(solicitation_id: int) -> Solicitation:
    row = db.session.get(Solicitation, solicitation_id)
    if row is None:
        raise NotFound("No such solicitation.")
    return row


def _sheet_out(sheet: Any, who: Any, labels: dict[int, str] | None = None) -> Any:
    """A scoresheet as this person may read it; `labels`: the bidder labels of a list's
    responses, when found for the whole list at once."""
    sheet.bidder = (labels or flow.bidder_labels_each([sheet.response], who))[sheet.response_id]
    sheet.shown_scores = flow.scores_shown(sheet, who)
    return sheet


# ---------------------------------------------------------------- panels

@bp.route("/panels")
class PanelList(MethodView):
    @policy.rule("scoresheet.work")
    @bp.response(200, PanelSchema(many=True))
    @bp.errors(400, 403, 404, 409)
    @bp.paginate()
    def get(self, pagination_parameters: Any) -> list[Any]:
        """The panels I sit on (officers: every panel), those at work first, a page at a
        time."""
        who = actor()
        panels = kept(flow.panels_query(who).options(
            joinedload(Panel.solicitation), selectinload(Panel.lots),
            selectinload(Panel.members).joinedload(PanelMember.user),
            selectinload(Panel.scoresheets)), pagination_parameters)
        return [_panel_out(p, who) for p in panels]


@bp.route("/solicitations/<int:solicitation_id>/panels")
class PanelCreate(MethodView):
    @policy.rule("evaluation.manage")
    @bp.arguments(PanelCreateSchema)
    @bp.response(201, PanelSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, solicitation_id: int) -> Any:
        """Form a panel for one or more lots of an opened RFR."""
        row = _solicitation(solicitation_id)
        lots = list(db.session.scalars(select(Lot).where(
            Lot.solicitation_id == row.id, Lot.number.in_(data["lots"]))))
        panel = flow.create_panel(db.session, row, actor(), name=data["name"], lots=lots)
        db.session.commit()
        return _panel_out(panel, actor())


class PlanSchema(Schema):
    blind = fields.Boolean(required=True, metadata={"description": "evaluators see bidder codes"})
    half_points = fields.Boolean(required=True)


@bp.route("/solicitations/<int:solicitation_id>/plan")
class Plan(MethodView):
    @policy.rule("evaluation.manage")
    @bp.arguments(PlanSchema)
    @bp.response(200, PlanSchema)
    @bp.errors(400, 403, 404, 409)
    def put(self, data: dict, solicitation_id: int) -> Any:
        """Blind evaluation and whole or half points, before any panel starts."""
        row = _solicitation(solicitation_id)
        plan = flow.set_plan(db.session, row, actor(), blind=data["blind"],
                             half_points=data["half_points"])
        db.session.commit()
        return plan


def _card_out(row: Any) -> dict:
    return {"lines": [{"id": line.id, "service": line.service, "unit": line.unit.name,
                       "projected_units": line.projected_units}
                      for line in flow.rate_card(db.session, row)],
            "locked": flow.rate_card_locked(db.session, row)}


@bp.route("/solicitations/<int:solicitation_id>/rates")
class RateCard(MethodView):
    @policy.rule("evaluation.manage")
    @bp.response(200, RateCardSchema)
    @bp.errors(400, 403, 404, 409)
    def get(self, solicitation_id: int) -> dict:
        """The RFR's rate card: each service priced, its unit and projected units a year."""
        row = _solicitation(solicitation_id)
        return _card_out(row)

    @policy.rule("evaluation.manage")
    @bp.arguments(RateCardSchema)
    @bp.response(200, RateCardSchema)
    @bp.errors(400, 403, 404, 409)
    def put(self, data: dict, solicitation_id: int) -> dict:
        """Set the whole card: lines with an id are kept and changed, new lines added, lines
        left out removed with their proposed rates (until a panel scores price on it)."""
        row = _solicitation(solicitation_id)
        flow.set_rate_card(db.session, row, actor(), [
            {**line, "unit": RateUnit[line["unit"]]} for line in data["lines"]])
        db.session.commit()
        return _card_out(row)


def _rates_out(response: Any) -> dict:
    mine = flow.proposed_rates(db.session, response)
    cost = flow.evaluated_cost(db.session, response)
    return {"rates": [{"line_id": line.id, "service": line.service, "rate": mine.get(line.id)}
                      for line in flow.rate_card(db.session, response.solicitation)],
            "evaluated_cost": {"response_id": response.public_id, "amount": cost.amount,
                               "source": cost.source.name, "reason": cost.reason}}


@bp.route("/responses/<uuid:response_id>/rates")
class ProposedRates(MethodView):
    @policy.rule("evaluation.manage")
    @bp.response(200, ProposedRatesSchema)
    @bp.errors(400, 403, 404, 409)
    def get(self, response_id: UUID) -> dict:
        """A response's proposed rates and the evaluated cost they make (after the opening;
        to its panel's evaluators once the price envelope opens, 403 before)."""
        response = response_flow.readable_response(db.session, actor(), response_id)
        flow.require_price(actor(), response)
        return _rates_out(response)


@bp.route("/panels/<panel_id>/price")
class Price(MethodView):
    @policy.rule("panel.chair")
    @bp.response(200, PanelSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, panel_id: str) -> Any:
        """Score the price criteria by formula (once the technical consensus is complete)."""
        panel = flow.managed_panel(db.session, actor(), panel_id)
        flow.score_price(db.session, panel, actor())
        db.session.commit()
        return _panel_out(panel, actor())


@bp.route("/panels/<panel_id>")
class PanelItem(MethodView):
    @policy.rule("scoresheet.work")
    @bp.response(200, PanelSchema)
    @bp.errors(400, 403, 404, 409)
    def get(self, panel_id: str) -> Any:
        """A panel I sit on or manage; progress for its chair and the officers."""
        return _panel_out(_visible_panel(panel_id), actor())


@bp.route("/panels/<panel_id>/members")
class PanelMembers(MethodView):
    @policy.rule("evaluation.manage")
    @bp.arguments(MemberCreateSchema)
    @bp.response(201, MemberSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, panel_id: str) -> Any:
        """Seat a person on the panel by kind; one chair."""
        panel = flow.managed_panel(db.session, actor(), panel_id)
        person = db.session.scalar(select(User).where(User.email == data["email"].lower()))
        if person is None:
            raise NotFound("No such person.")
        member = flow.add_member(db.session, panel, actor(), user=person,
                                 kind=MemberKind[data["kind"]], chair=data["chair"])
        db.session.commit()
        return member


@bp.route("/panels/<panel_id>/members/<int:member_id>/removal")
class PanelMemberRemoval(MethodView):
    @policy.rule("evaluation.manage")
    @bp.arguments(MemberRemovalSchema)
    @bp.response(200, RemovalSchema)
    @bp.errors(400, 403, 404, 409, 422)
    def post(self, data: dict, panel_id: str, member_id: int) -> Any:
        """Take a member off the panel, or replace them, with the reason on the record; their
        scoresheets not yet final are withdrawn (kept on the record)."""
        panel = flow.managed_panel(db.session, actor(), panel_id)
        member = next((m for m in panel.active_members if m.id == member_id), None)
        if member is None:
            raise NotFound("That person is not on this panel.")
        replacement = None
        if data["replacement_email"]:
            replacement = db.session.scalar(select(User).where(
                User.email == data["replacement_email"].lower()))
            if replacement is None:
                raise NotFound("No such person.")
        seat = flow.remove_member(db.session, panel, actor(), member=member,
                                  reason=data["reason"], replacement=replacement,
                                  kind=MemberKind[data["kind"]] if data["kind"] else None)
        db.session.commit()
        return {"removed": member, "replacement": seat}


@bp.route("/panels/<panel_id>/events/<event>")
class PanelEvent(MethodView):
    @policy.rule("panel.chair")   # begin_declarations: the officers; the rest: the chair
    @bp.arguments(EventArgsSchema)
    @bp.response(200, PanelSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, args: dict, panel_id: str, event: str) -> Any:
        """begin_declarations, begin_scoring, begin_consensus, reopen_scoring, finalize."""
        panel = flow.managed_panel(db.session, actor(), panel_id)
        flow.fire(db.session, panel, event, actor(), reason=args.get("reason", ""))
        db.session.commit()
        return _panel_out(panel, actor())


@bp.route("/panels/<panel_id>/declarations")
class Declarations(MethodView):
    @policy.rule("scoresheet.work")
    @bp.response(200, DeclarationSchema(many=True))
    @bp.errors(400, 403, 404, 409)
    def get(self, panel_id: str) -> list[dict]:
        """My declaration for each bidder of the panel (declare before reading any response)."""
        panel, member = flow.my_panel(db.session, actor(), panel_id)
        return _declarations(panel, member)

    @policy.rule("scoresheet.work")
    @bp.arguments(DeclareSchema)
    @bp.response(201, DeclarationSchema(many=True))
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, panel_id: str) -> list[dict]:
        """Declare for one bidder: no conflict, or a conflict and its nature."""
        panel, member = flow.my_panel(db.session, actor(), panel_id)
        bidders = flow.bidders_of(panel)
        if not 0 <= data["bidder_index"] < len(bidders):
            raise NotFound("No such bidder on this panel.")
        flow.declare(db.session, panel, actor(), organization_id=bidders[data["bidder_index"]].id,
                     has_conflict=data["conflict"], nature=data["nature"],
                     confirmed=data["withdraw_scoresheets"])
        db.session.commit()
        return _declarations(panel, member)


def _declarations(panel: Any, member: Any) -> list[dict]:
    labels = flow.declaration_labels(panel, actor())
    out = []
    for index, org in enumerate(flow.bidders_of(panel)):
        current = flow.current_declaration(member, org.id)
        out.append({"bidder_index": index, "bidder": labels[org.id],
                    "declared": current is not None,
                    "conflict": current.has_conflict if current else None,
                    "nature": current.nature if current else ""})
    return out


@bp.route("/panels/<panel_id>/assignments")
class Assignments(MethodView):
    @policy.rule("panel.chair")
    @bp.arguments(AssignSchema)
    @bp.response(201, ScoresheetSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, panel_id: str) -> Any:
        """The chair gives a member a response to score."""
        panel = flow.managed_panel(db.session, actor(), panel_id)
        member = next((m for m in panel.active_members if m.id == data["member_id"]), None)
        response = next((r for r in flow.responses_of(panel)
                         if r.public_id == str(data["response_id"])), None)
        if member is None or response is None:
            raise NotFound("No such member or response on this panel.")
        sheet = flow.assign(db.session, panel, actor(), member=member, response=response)
        db.session.commit()
        return _sheet_out(sheet, actor())


# ---------------------------------------------------------------- scoresheets

@bp.route("/scoresheets")
class ScoresheetList(MethodView):
    @policy.rule("scoresheet.work")
    @bp.response(200, ScoresheetSchema(many=True))
    @bp.errors(400, 403, 404, 409)
    @bp.paginate()
    def get(self, pagination_parameters: Any) -> list[Any]:
        """My scoresheets, on every panel I sit on, a page at a time."""
        who = actor()
        sheets = kept(flow.scoresheets_query(who).options(
            contains_eager(Scoresheet.member), contains_eager(Scoresheet.panel)
            .joinedload(Panel.solicitation),
            joinedload(Scoresheet.response).options(joinedload(Response.lot),
                                                    joinedload(Response.organization)),
            selectinload(Scoresheet.scores).joinedload(Score.criterion)), pagination_parameters)
        labels = flow.bidder_labels_each([s.response for s in sheets], who)
        return [_sheet_out(s, who, labels) for s in sheets]


@bp.route("/scoresheets/<sheet_id>")
class ScoresheetItem(MethodView):
    @policy.rule("scoresheet.work")
    @bp.response(200, ScoresheetSchema)
    @bp.errors(400, 403, 404, 409)
    def get(self, sheet_id: str) -> Any:
        """My scoresheet (only my own: the others' are not found)."""
        return _sheet_out(flow.my_scoresheet(db.session, actor(), sheet_id), actor())

    @policy.rule("scoresheet.work")
    @bp.arguments(ScoresArgsSchema)
    @bp.response(200, ScoresheetSchema)
    @bp.errors(400, 403, 404, 409)
    def put(self, data: dict, sheet_id: str) -> Any:
        """Save the draft: points (or null) and a comment for any criteria."""
        sheet = flow.my_scoresheet(db.session, actor(), sheet_id)
        flow.save_scores(db.session, sheet, actor(), {
            s["criterion_id"]: (s["points"], s["comment"]) for s in data["scores"]})
        db.session.commit()
        return _sheet_out(sheet, actor())


@bp.route("/scoresheets/<sheet_id>/submit")
class ScoresheetSubmit(MethodView):
    @policy.rule("scoresheet.work")
    @bp.response(200, ScoresheetSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, sheet_id: str) -> Any:
        """Submit: every criterion scored and commented."""
        sheet = flow.my_scoresheet(db.session, actor(), sheet_id)
        flow.submit(db.session, sheet, actor())
        db.session.commit()
        return _sheet_out(sheet, actor())


@bp.route("/scoresheets/<sheet_id>/return")
class ScoresheetReturn(MethodView):
    @policy.rule("panel.chair")
    @bp.arguments(ReasonSchema)
    @bp.response(200, ScoresheetSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, sheet_id: str) -> Any:
        """The chair returns a submitted scoresheet with a reason the member reads."""
        sheet = flow.chaired_scoresheet(db.session, actor(), sheet_id)
        flow.return_scoresheet(db.session, sheet, actor(), data["reason"])
        db.session.commit()
        return _sheet_out(sheet, actor())


# ---------------------------------------------------------------- consensus, cost, ranking

@bp.route("/panels/<panel_id>/consensus")
class Consensus(MethodView):
    @policy.rule("panel.chair")
    @bp.arguments(ConsensusArgsSchema)
    @bp.response(201, ScoreSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, panel_id: str) -> dict:
        """The chair records the panel's score and rationale on one technical criterion."""
        panel = flow.managed_panel(db.session, actor(), panel_id)
        response = next((r for r in flow.responses_of(panel)
                         if r.public_id == str(data["response_id"])), None)
        criterion = db.session.get(Criterion, data["criterion_id"])
        if response is None or criterion is None:
            raise NotFound("No such response or criterion on this panel.")
        row = flow.record_consensus(db.session, panel, actor(), response=response,
                                    criterion=criterion, points=data["points"],
                                    rationale=data["rationale"])
        db.session.commit()
        return {"criterion_id": criterion.id, "criterion": criterion.name,
                "points": row.points, "comment": row.rationale}


@bp.route("/responses/<uuid:response_id>/cost")
class Cost(MethodView):
    @policy.rule("evaluation.manage")
    @bp.arguments(CostArgsSchema)
    @bp.response(200, CostSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, response_id: UUID) -> dict:
        """An officer corrects the evaluated cost, with a reason on the record."""
        row = response_flow.readable_response(db.session, actor(), response_id)
        cost = flow.correct_cost(db.session, row, actor(), amount=data["amount"],
                                 reason=data["reason"])
        db.session.commit()
        return {"response_id": row.public_id, "amount": cost.amount,
                "source": cost.source.name, "reason": cost.reason}


@bp.route("/panels/<panel_id>/ranking")
class Ranking(MethodView):
    @policy.rule("panel.chair")
    @bp.response(200, RankedSchema(many=True))
    @bp.errors(400, 403, 404, 409)
    def get(self, panel_id: str) -> list[dict]:
        """Each lot's responses by weighted total, ties sharing a rank (once finalized)."""
        panel = flow.managed_panel(db.session, actor(), panel_id)
        if panel.status is not flow.P.finalized:
            refuse("The ranking is written when the panel is finalized.")
        ranked = flow.ranking(db.session, panel)
        labels = flow.bidder_labels_each([r.response for rows in ranked.values() for r in rows],
                                         actor())
        out = []
        for rows in ranked.values():
            for r in rows:
                out.append({"lot": r.response.lot.number, "rank": r.rank,
                            "tied": sum(1 for o in rows if o.rank == r.rank) > 1,
                            "bidder": labels[r.response.id], "total": r.total})
        return out
