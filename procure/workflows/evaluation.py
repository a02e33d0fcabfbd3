"""Evaluation: scoring panels after the opening.

A panel (one or more lots of an RFR) is formed with a chair and evaluators, each tagged by
kind; members declare conflicts of interest for every bidder before they see any response;
each member scores the responses assigned to them on a scoresheet (points and a written
comment per technical criterion); the chair returns scoresheets or, once all are in, records
the panel's consensus per criterion; price criteria open only then and are scored by formula
on the evaluated cost; finalizing ranks each lot.

Downstream of the response and solicitation workflows: this module fires the RFR's
`begin_evaluation` when the first panel starts, never the other way round."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, literal_column, select
from sqlalchemy.orm import Session, joinedload
from transitions import EventData

from procure import audit, clock, disclosure, policy
from procure.models import (
    ConflictDeclaration,
    ConsensusScore,
    CostSource,
    Criterion,
    Envelope,
    EvaluatedCost,
    EvaluationPlan,
    Lot,
    MemberKind,
    Panel,
    PanelMember,
    PanelStatus,
    ProposedRate,
    RateCardLine,
    RateUnit,
    Response,
    ResponseStatus,
    Role,
    Score,
    Scoresheet,
    ScoresheetStatus,
    Solicitation,
    SolicitationStatus,
    User,
)
from procure.models.evaluation import panel_lot
from procure.workflows import response as response_flow
from procure.workflows import solicitation as solicitation_flow
from procure.workflows.base import NotFound, Workflow, WorkflowError, refuse

P = PanelStatus
SS = ScoresheetStatus
EVALUATED = ResponseStatus.accepted          # only responsive responses are scored
UNJUDGED = ResponseStatus.opened             # opened, not yet accepted or rejected
EVALUATOR_ROLES = {Role.panelist, Role.officer, Role.admin}
HUNDRED = Decimal(100)


# ---------------------------------------------------------------- reading the panel

def responses_of(panel: Panel) -> list[Response]:
    """The responses this panel scores: the accepted responses of its lots, in a fixed order."""
    session = Session.object_session(panel)
    assert session is not None
    lot_ids = [lot.id for lot in panel.lots]
    if not lot_ids:
        return []
    return list(session.scalars(select(Response).where(
        Response.lot_id.in_(lot_ids), Response.status == EVALUATED)
        .order_by(Response.lot_id, Response.public_id)))    # the bidder codes' order


def bidders_of(panel: Panel) -> list[Any]:
    """The organisations whose responses the panel scores (each member declares for each), in
    alphabetical order: on a blind panel their order must not follow the bidder codes."""
    return bidders_of_each([panel])[panel.id]


def bidders_of_each(panels: list[Panel]) -> dict[int, list[Any]]:
    """Panel id -> `bidders_of` it, for several panels (a page's) in one query."""
    seen: dict[int, dict[int, Any]] = {panel.id: {} for panel in panels}
    session = Session.object_session(panels[0]) if panels else None
    if session is not None:
        for panel_id, response in session.execute(
                select(panel_lot.c.panel_id, Response)
                .join(panel_lot, panel_lot.c.lot_id == Response.lot_id)
                .where(panel_lot.c.panel_id.in_(seen), Response.status == EVALUATED)
                .options(joinedload(Response.organization))):
            seen[panel_id].setdefault(response.organization_id, response.organization)
    return {panel_id: sorted(orgs.values(), key=lambda org: (org.legal_name.casefold(), org.id))
            for panel_id, orgs in seen.items()}


def declaration_labels(panel: Panel, viewer: Any) -> dict[int, str]:
    """Organisation id -> what a member declares against: the bidder's name, even on a blind
    panel (the disclosure table's roster: names in alphabetical order, tied to no code), so a
    member knows whether they have a conflict and is never told which code it was."""
    if disclosure.may_see(viewer, disclosure.Kind.roster, panel.solicitation):
        return {org.id: org.legal_name for org in bidders_of(panel)}
    return bidder_labels(panel, viewer)


def technical_criteria(panel: Panel) -> list[Criterion]:
    return [c for c in panel.solicitation.criteria if c.envelope is Envelope.technical]


def price_criteria(panel: Panel) -> list[Criterion]:
    return [c for c in panel.solicitation.criteria if c.envelope is Envelope.price]


def current_declaration(member: PanelMember, organization_id: int) -> ConflictDeclaration | None:
    return next((d for d in member.declarations
                 if d.organization_id == organization_id and d.superseded_at is None), None)


def is_conflicted(member: PanelMember, organization_id: int) -> bool:
    declared = current_declaration(member, organization_id)
    return declared is not None and declared.has_conflict


def undeclared(panel: Panel) -> list[tuple[PanelMember, Any]]:
    """Member and bidder pairs with no declaration yet."""
    bidders = bidders_of(panel)
    return [(m, org) for m in panel.active_members for org in to_declare(m, bidders)]


def to_declare(member: PanelMember, bidders: list[Any]) -> list[Any]:
    """The bidders (of the member's panel) this member has not declared for yet."""
    return [org for org in bidders if current_declaration(member, org.id) is None]


def live_scoresheets(panel: Panel) -> list[Scoresheet]:
    return [s for s in panel.scoresheets if s.status is not SS.withdrawn]


def plan_for(session: Session, solicitation: Solicitation) -> EvaluationPlan:
    plan = session.get(EvaluationPlan, solicitation.id)
    if plan is None:
        plan = EvaluationPlan(solicitation_id=solicitation.id, blind=False, half_points=False)
        session.add(plan)
        session.flush()
    return plan


def member_of(panel: Panel, user: Any) -> PanelMember | None:
    user_id = getattr(user, "id", None)
    return next((m for m in panel.active_members if m.user_id == user_id), None)


# ---------------------------------------------------------------- guards

def _session(row: Any) -> Session:
    session = Session.object_session(row)
    assert session is not None
    return session


def _formed(event: EventData) -> bool:
    panel: Panel = event.model
    if not panel.lots:
        refuse("Give the panel at least one lot to score.")
    if panel.chair is None:
        refuse("Name a chair before the panel declares conflicts.")
    if len(panel.active_members) < 2:
        refuse("A panel needs a chair and at least one other evaluator.")
    if panel.solicitation.opened_at is None:
        refuse("Panels start after the responses are opened.")
    waiting = [r for lot in panel.lots for r in _lot_responses(lot, (UNJUDGED,))]
    if waiting:
        refuse(f"Decide whether each opened response is responsive first: {len(waiting)} "
               "still wait for that decision.")
    if not responses_of(panel):
        refuse("No accepted response in the panel's lots: there is nothing to score.")
    return True


def _everyone_declared(event: EventData) -> bool:
    panel: Panel = event.model
    missing = undeclared(panel)
    if missing:
        names = sorted({m.user.name for m, _ in missing})
        refuse(f"{len(missing)} declarations are missing (from {', '.join(names)}): every member "
               "declares for every bidder before scoring starts.")
    uncovered = [r for r in responses_of(panel)
                 if not any(s.response_id == r.id for s in live_scoresheets(panel))]
    if uncovered and any(live_scoresheets(panel)):
        refuse(f"{len(uncovered)} responses have no evaluator assigned: assign them, or clear "
               "the assignments to let every member score every response.")
    if uncovered and not _assignable_all(panel):
        refuse("Some responses would have no evaluator: every member declared a conflict "
               "with their bidder. Add a member to the panel.")
    return True


def _assignable_all(panel: Panel) -> bool:
    return all(any(not is_conflicted(m, r.organization_id) for m in panel.active_members)
               for r in responses_of(panel))


def _all_scoresheets_in(event: EventData) -> bool:
    panel: Panel = event.model
    waiting = [s for s in live_scoresheets(panel) if s.status is not SS.submitted]
    if waiting:
        refuse(f"{len(waiting)} of {len(live_scoresheets(panel))} scoresheets are not submitted "
               "yet.")
    return True


def _consensus_complete(event: EventData) -> bool:
    panel: Panel = event.model
    missing = missing_consensus(panel)
    technical = _technical_of(panel, missing)
    if technical:
        refuse(f"{len(technical)} technical consensus score{'s' if len(technical) != 1 else ''} "
               "still to record; price is then scored by the formula.")
    if missing:
        refuse("Price is not scored yet: score price by the formula first.")
    return True


def _assign_everyone_if_unassigned(event: EventData) -> None:
    panel: Panel = event.model
    if live_scoresheets(panel):
        return
    # A scoresheet withdrawn by a conflict stays on the record, even if the member later
    # declares no conflict: that member does not get the response back.
    had = {(s.member_id, s.response_id) for s in panel.scoresheets}
    for response in responses_of(panel):
        for member in panel.active_members:
            if not is_conflicted(member, response.organization_id) \
                    and (member.id, response.id) not in had:
                _new_scoresheet(panel, member, response)


def _begin_rfr_evaluation(event: EventData) -> None:
    panel: Panel = event.model
    if panel.solicitation.status is SolicitationStatus.opened:
        solicitation_flow.fire(_session(panel), panel.solicitation, "begin_evaluation",
                               event.kwargs.get("actor"))


def _prices_not_seen(event: EventData) -> bool:
    """Scoring reopens only while the panel has not seen the prices: once the price envelope is
    open, the technical scores it followed are final (two envelopes: nobody rescores the
    technical proposal knowing what each bidder asks)."""
    panel: Panel = event.model
    if panel.price_opened_at is not None:
        refuse("The price envelope is open: the technical scores the panel agreed before it saw "
               "the prices are final, so scoring cannot reopen.")
    return True


def _stamp_finalized(event: EventData) -> None:
    panel: Panel = event.model
    panel.finalized_at = clock.now()
    for sheet in live_scoresheets(panel):
        SCORESHEET.fire(sheet, "make_final", actor=event.kwargs.get("actor"))


def _has_points_and_comments(event: EventData) -> bool:
    sheet: Scoresheet = event.model
    by_criterion = {s.criterion_id: s for s in sheet.scores}
    missing = [c.name for c in technical_criteria(sheet.panel)
               if by_criterion.get(c.id) is None or by_criterion[c.id].points is None]
    if missing:
        refuse("Score every criterion before submitting: " + ", ".join(missing) + ".")
    silent = [c.name for c in technical_criteria(sheet.panel)
              if not by_criterion[c.id].comment.strip()]
    if silent:
        refuse("Write a comment for every criterion (the reasons are part of the record): "
               + ", ".join(silent) + ".")
    return True


def _stamp_submitted(event: EventData) -> None:
    event.model.submitted_at = clock.now()


def _stamp_returned(event: EventData) -> None:
    event.model.returned_reason = (event.kwargs.get("reason") or "").strip()
    event.model.submitted_at = None


PANEL_LABELS = {"begin_declarations": "Start declarations", "begin_scoring": "Start scoring",
                "begin_consensus": "Start consensus", "reopen_scoring": "Reopen scoring",
                "finalize": "Finalize"}

PANEL = Workflow("a panel", P, [
    {"trigger": "begin_declarations", "source": "forming", "dest": "declaring",
     "conditions": [_formed], "after": [_begin_rfr_evaluation]},
    {"trigger": "begin_scoring", "source": "declaring", "dest": "scoring",
     "conditions": [_everyone_declared], "before": [_assign_everyone_if_unassigned]},
    {"trigger": "begin_consensus", "source": "scoring", "dest": "consensus",
     "conditions": [_all_scoresheets_in]},
    {"trigger": "reopen_scoring", "source": "consensus", "dest": "scoring",
     "conditions": [_prices_not_seen]},
    {"trigger": "finalize", "source": "consensus", "dest": "finalized",
     "conditions": [_consensus_complete], "after": [_stamp_finalized]},
], PANEL_LABELS)

SCORESHEET_LABELS = {"save": "Save", "submit": "Submit", "return_to_member": "Return",
                     "make_final": "Make final", "withdraw": "Withdraw"}

SCORESHEET = Workflow("a scoresheet", SS, [
    {"trigger": "save", "source": ["assigned", "in_progress", "returned"], "dest": "in_progress"},
    {"trigger": "submit", "source": "in_progress", "dest": "submitted",
     "conditions": [_has_points_and_comments], "before": [_stamp_submitted]},
    {"trigger": "return_to_member", "source": "submitted", "dest": "returned",
     "before": [_stamp_returned]},
    {"trigger": "make_final", "source": "submitted", "dest": "final"},
    {"trigger": "withdraw", "source": ["assigned", "in_progress", "submitted", "returned"],
     "dest": "withdrawn"},
], SCORESHEET_LABELS)


# ---------------------------------------------------------------- the officer forms a panel

def _lot_responses(lot: Lot, statuses: tuple[ResponseStatus, ...]) -> list[Response]:
    return list(_session(lot).scalars(select(Response).where(
        Response.lot_id == lot.id, Response.status.in_(statuses))))


def set_plan(session: Session, solicitation: Solicitation, actor: User, *, blind: bool,
             half_points: bool) -> EvaluationPlan:
    """Blind evaluation and half points are chosen before any panel starts."""
    policy.require(actor, "evaluation.manage")
    started = session.scalar(select(Panel.id).where(
        Panel.solicitation_id == solicitation.id, Panel.status != P.forming).limit(1))
    if started is not None:
        refuse("A panel has started: blind evaluation and half points can no longer change.")
    plan = plan_for(session, solicitation)
    plan.blind, plan.half_points = blind, half_points
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=solicitation.id,
                 event="set_evaluation_plan", data={"blind": blind, "half_points": half_points})
    return plan


def create_panel(session: Session, solicitation: Solicitation, actor: User, *, name: str,
                 lots: list[Lot]) -> Panel:
    policy.require(actor, "evaluation.manage")
    if solicitation.opened_at is None or solicitation.status not in (
            SolicitationStatus.opened, SolicitationStatus.in_evaluation):
        refuse("Panels are formed after the responses are opened.")
    if not name.strip():
        refuse("Name the panel (for example “Lead agencies, Western region”).")
    if not lots:
        refuse("Choose at least one lot for the panel to score.")
    for lot in lots:
        if lot.solicitation_id != solicitation.id:
            raise NotFound("That lot is not part of this solicitation.")
        taken = session.scalar(select(Panel).join(Panel.lots).where(Lot.id == lot.id))
        if taken is not None:
            refuse(f"{lot.label} is already scored by the panel “{taken.name}”.")
    panel = Panel(solicitation=solicitation, name=name.strip(), status=P.forming,
                  created_at=clock.now(), lots=list(lots))
    session.add(panel)
    session.flush()
    audit.record(session, actor=actor, entity_type="panel", entity_id=panel.id, event="create",
                 to_state=P.forming.name, solicitation_id=solicitation.id,
                 data={"name": panel.name, "lots": [lot.number for lot in lots]})
    return panel


def add_member(session: Session, panel: Panel, actor: User, *, user: User, kind: MemberKind,
               chair: bool = False) -> PanelMember:
    policy.require(actor, "evaluation.manage")
    if panel.status not in (P.forming, P.declaring):
        refuse("Members join while the panel is forming or declaring conflicts (to replace a "
               "member later, remove them with a replacement).")
    if chair and panel.chair is not None:
        refuse(f"{panel.chair.user.name} already chairs this panel.")
    return _seat(session, panel, actor, user=user, kind=kind, chair=chair)


def _seat(session: Session, panel: Panel, actor: User, *, user: User, kind: MemberKind,
          chair: bool, replaces: PanelMember | None = None) -> PanelMember:
    if not user.is_active or user.role not in EVALUATOR_ROLES:
        refuse(f"{user.name} cannot evaluate: only active agency staff and panelist accounts "
               "sit on panels.")
    if member_of(panel, user) is not None:
        refuse(f"{user.name} is already on this panel.")
    if any(m.user_id == user.id for m in panel.members):
        refuse(f"{user.name} was taken off this panel on the record and does not rejoin it.")
    bidder_ids = {r.organization_id for lot in panel.lots
                  for r in _lot_responses(lot, tuple(ResponseStatus))}
    if user.organization_id is not None and user.organization_id in bidder_ids:
        refuse(f"{user.name} belongs to an organisation that responded to this panel's lots, "
               "so cannot sit on the panel that scores it.")
    member = PanelMember(panel=panel, user=user, kind=kind, is_chair=chair, added_at=clock.now())
    session.add(member)
    session.flush()
    data: dict[str, Any] = {"member": user.email, "kind": kind.name, "chair": chair}
    if replaces is not None:
        data["replaces"] = replaces.user.email
    audit.record(session, actor=actor, entity_type="panel", entity_id=panel.id,
                 event="add_member", solicitation_id=panel.solicitation_id, data=data)
    return member


def remove_member(session: Session, panel: Panel, actor: User, *, member: PanelMember,
                  reason: str, replacement: User | None = None,
                  kind: MemberKind | None = None) -> PanelMember | None:
    """Take a member off the panel (until it is final), with the reason, on the record. Their
    scoresheets not yet final are withdrawn and stay on the record (the chair gives those
    responses to others, or to the replacement once they declare). A replacement takes the
    seat, the chair's too; a chair is only replaced, never just removed. Answers the
    replacement's seat, if any."""
    policy.require(actor, "evaluation.manage")
    if member.panel_id != panel.id or member.removed_at is not None:
        raise NotFound("That person is not on this panel.")
    if panel.status is P.finalized:
        refuse("The panel is final: its members no longer change.")
    reason = reason.strip()
    if not reason:
        refuse("Say why the member leaves the panel; the reason is part of the record.")
    if member.is_chair and replacement is None:
        refuse("The chair is replaced, not only removed: choose who chairs the panel instead.")
    if replacement is None and panel.status is not P.forming and len(panel.active_members) <= 2:
        refuse("A panel needs a chair and at least one other evaluator: choose a replacement.")
    withdrawn = [sheet for sheet in live_scoresheets(panel)
                 if sheet.member_id == member.id and sheet.status is not SS.final]
    for sheet in withdrawn:
        SCORESHEET.fire(sheet, "withdraw", actor=actor, reason=f"Member removed: {reason}")
    member.removed_at = clock.now()
    session.flush()
    audit.record(session, actor=actor, entity_type="panel", entity_id=panel.id,
                 event="remove_member", solicitation_id=panel.solicitation_id, reason=reason,
                 data={"member": member.user.email, "chair": member.is_chair,
                       "scoresheets_withdrawn": len(withdrawn)})
    if replacement is None:
        return None
    return _seat(session, panel, actor, user=replacement, kind=kind or member.kind,
                 chair=member.is_chair, replaces=member)


def fire(session: Session, panel: Panel, event: str, actor: User, *, reason: str = "") -> None:
    """The chair (or an officer) moves the panel on: begin_declarations, begin_scoring,
    begin_consensus, reopen_scoring, finalize."""
    if event == "begin_declarations":
        policy.require(actor, "evaluation.manage")
    else:
        policy.require(actor, "panel.chair", panel)
    PANEL.fire(panel, event, actor=actor, reason=reason)
    session.flush()


# ---------------------------------------------------------------- members declare

def declaration_problem(has_conflict: bool, nature: str) -> str | None:
    """Why this declaration cannot be recorded, or None."""
    if has_conflict and not nature.strip():
        return "Say what the conflict is (for example “I served on its board until 2024”)."
    return None


def would_withdraw(panel: Panel, member: PanelMember, organization_id: int) -> list[Scoresheet]:
    """The member's live scoresheets that a conflict with this bidder would withdraw."""
    return [s for s in live_scoresheets(panel)
            if s.member_id == member.id and s.response.organization_id == organization_id]


def declare(session: Session, panel: Panel, actor: User, *, organization_id: int,
            has_conflict: bool, nature: str = "", confirmed: bool = True) -> ConflictDeclaration:
    """A member's declaration about one bidder. A conflict removes them from that bidder's
    responses on the record; declaring again keeps the earlier declaration in the history.
    `confirmed=False`: refuse where a conflict would withdraw a scoresheet the member has (the
    pages and the API ask the member to confirm that first)."""
    member = member_of(panel, actor)
    if member is None:
        raise NotFound("You are not a member of this panel.")
    if panel.status not in (P.declaring, P.scoring, P.consensus):
        refuse("Declarations are made once the chair starts them, until the panel is final.")
    if organization_id not in {org.id for org in bidders_of(panel)}:
        raise NotFound("That organisation did not respond to this panel's lots.")
    why = declaration_problem(has_conflict, nature)
    if why:
        refuse(why)
    if has_conflict and not confirmed:
        sheets = would_withdraw(panel, member, organization_id)
        if sheets:
            refuse(f"Declaring this conflict withdraws your {len(sheets)} scoresheet"
                   f"{'s' if len(sheets) > 1 else ''} for this bidder "
                   f"({', '.join(s.status.value.lower() for s in sheets)}): the chair is told "
                   "and gives the response to another member. Confirm to declare it.")
    now = clock.now()
    earlier = current_declaration(member, organization_id)
    if earlier is not None:
        earlier.superseded_at = now
    declaration = ConflictDeclaration(member=member, organization_id=organization_id,
                                      has_conflict=has_conflict, nature=nature.strip(),
                                      declared_at=now)
    session.add(declaration)
    session.flush()
    withdrawn = []
    if has_conflict:
        for sheet in live_scoresheets(panel):
            if sheet.member_id == member.id and sheet.response.organization_id == organization_id:
                SCORESHEET.fire(sheet, "withdraw", actor=actor,
                                reason="The member declared a conflict of interest.")
                withdrawn.append(sheet.id)
    audit.record(session, actor=actor, entity_type="panel", entity_id=panel.id, event="declare",
                 solicitation_id=panel.solicitation_id,
                 data={"organization": organization_id, "conflict": has_conflict,
                       "nature": nature.strip(), "scoresheets_withdrawn": withdrawn,
                       "supersedes": earlier.id if earlier else None})
    return declaration


# ---------------------------------------------------------------- the chair assigns

def _new_scoresheet(panel: Panel, member: PanelMember, response: Response) -> Scoresheet:
    sheet = Scoresheet(panel=panel, member=member, response=response, status=SS.assigned)
    _session(panel).add(sheet)
    return sheet


def assign(session: Session, panel: Panel, actor: User, *, member: PanelMember,
           response: Response) -> Scoresheet:
    """Give a member a response to score (the chair shares the work out, or reassigns after a
    conflict). Only to a member who declared no conflict with that bidder."""
    policy.require(actor, "panel.chair", panel)
    if panel.status not in (P.declaring, P.scoring):
        refuse("Responses are assigned while the panel declares conflicts or scores.")
    if member.panel_id != panel.id or member.removed_at is not None:
        raise NotFound("That person is not on this panel.")
    if response.id not in {r.id for r in responses_of(panel)}:
        raise NotFound("That response is not scored by this panel.")
    declared = current_declaration(member, response.organization_id)
    if declared is None:
        refuse(f"{member.user.name} has not declared for this bidder yet.")
    if declared.has_conflict:
        refuse(f"{member.user.name} declared a conflict with this bidder and cannot score it.")
    existing = next((s for s in live_scoresheets(panel)
                     if s.member_id == member.id and s.response_id == response.id), None)
    if existing is not None:
        return existing
    withdrawn = next((s for s in panel.scoresheets
                      if s.member_id == member.id and s.response_id == response.id), None)
    if withdrawn is not None:
        refuse(f"{member.user.name} was removed from this response on the record.")
    sheet = _new_scoresheet(panel, member, response)
    session.flush()
    audit.record(session, actor=actor, entity_type="scoresheet", entity_id=sheet.id,
                 event="assign", to_state=SS.assigned.name,
                 solicitation_id=panel.solicitation_id,
                 data={"member": member.user.email, "response": response.id})
    return sheet


# ---------------------------------------------------------------- members score

def points_allowed(plan: EvaluationPlan, criterion: Criterion, points: Decimal) -> str | None:
    """Why these points are not allowed for this criterion, or None."""
    if points < 0 or points > criterion.max_points:
        return f"{criterion.name}: give from 0 to {criterion.max_points} points."
    step = Decimal("0.5") if plan.half_points else Decimal(1)
    if points % step:
        return (f"{criterion.name}: give half points (like 7.5)." if plan.half_points
                else f"{criterion.name}: give whole points (like 7).")
    return None


def _by_public_id(session: Session, model: Any, public_id: Any) -> Any:
    """A panel or scoresheet by its public id (UUID4: keys would count the others)."""
    return session.scalar(select(model).where(model.public_id == str(public_id)))


def my_scoresheet(session: Session, actor: Any, scoresheet_id: str) -> Scoresheet:
    """A member's own scoresheet, by its public id; anything else (another's, a withdrawn one)
    is not found."""
    sheet = _by_public_id(session, Scoresheet, scoresheet_id)
    if sheet is None or not policy.allows(actor, "scoresheet.work", sheet):
        raise NotFound("No such scoresheet.")
    return sheet


def save_scores(session: Session, sheet: Scoresheet, actor: User,
                scores: dict[int, tuple[Decimal | None, str]]) -> Scoresheet:
    """Save a draft: any criteria, any time while scoring (the page saves as the member types)."""
    policy.require(actor, "scoresheet.work", sheet)
    if sheet.panel.status is not P.scoring:
        refuse("Scores are saved while the panel is scoring.")
    technical = {c.id: c for c in technical_criteria(sheet.panel)}
    plan = plan_for(session, sheet.panel.solicitation)
    problems = []
    for criterion_id, (points, _comment) in scores.items():
        if criterion_id not in technical:
            raise NotFound("That criterion is not scored by the panel's members.")
        if points is not None:
            why = points_allowed(plan, technical[criterion_id], points)
            if why:
                problems.append(why)
    if problems:
        refuse(" ".join(problems))
    if sheet.status is not SS.in_progress:
        SCORESHEET.fire(sheet, "save", actor=actor)
    now = clock.now()
    by_criterion = {s.criterion_id: s for s in sheet.scores}
    for criterion_id, (points, comment) in scores.items():
        row = by_criterion.get(criterion_id)
        if row is None:
            row = Score(criterion_id=criterion_id, saved_at=now)
            sheet.scores.append(row)
        row.points, row.comment, row.saved_at = points, comment.strip(), now
    session.flush()
    return sheet


def submit(session: Session, sheet: Scoresheet, actor: User) -> None:
    policy.require(actor, "scoresheet.work", sheet)
    if sheet.panel.status is not P.scoring:
        refuse("Scoresheets are submitted while the panel is scoring.")
    SCORESHEET.fire(sheet, "submit", actor=actor)
    session.flush()


def return_scoresheet(session: Session, sheet: Scoresheet, actor: User, reason: str) -> None:
    """The chair sends a submitted scoresheet back with a reason (during scoring or
    consensus; in consensus the panel goes back to scoring until it is submitted again)."""
    policy.require(actor, "panel.chair", sheet.panel)
    if not reason.strip():
        refuse("Say why the scoresheet is returned; the member reads it.")
    if sheet.panel.status is P.consensus:
        PANEL.fire(sheet.panel, "reopen_scoring", actor=actor, reason=reason)
    elif sheet.panel.status is not P.scoring:
        refuse("Scoresheets are returned while the panel scores or reaches consensus.")
    SCORESHEET.fire(sheet, "return_to_member", actor=actor, reason=reason)
    session.flush()


# ---------------------------------------------------------------- what people may see

def scores_visible_to(actor: Any, panel: Panel) -> bool:
    """The whole matrix: to the panel's chair, its members and the agency, when the disclosure
    table's scores row allows it (every scoresheet in); until then a member sees only their
    own scores."""
    return (policy.allows(actor, "panel.chair", panel) or policy.allows(
        actor, "evaluation.manage") or member_of(panel, actor) is not None) \
        and disclosure.may_see(actor, disclosure.Kind.scores, panel)


def scores_shown(sheet: Scoresheet, viewer: Any) -> list[Any]:
    """A scoresheet's points and comments as this person may see them: their own always;
    another member's only where the disclosure table allows (every scoresheet in)."""
    if sheet.member.user_id == getattr(viewer, "id", None) or disclosure.may_see(
            viewer, disclosure.Kind.scores, sheet.response):
        return list(sheet.scores)
    return []


def bidder_label(response: Response, viewer: Any) -> str:
    """What a person is shown for a bidder: the name, or on a blind RFR a bidder code for
    whoever the disclosure table keeps the bidder's identity from (its evaluators, the chair
    too, until the panel is finalized); the officers who manage the evaluation without sitting
    on a panel see names."""
    return bidder_labels_each([response], viewer)[response.id]


def bidder_labels_each(responses: list[Response], viewer: Any) -> dict[int, str]:
    """Response id -> `bidder_label` for it, for several responses (a page's) in the same few
    queries however many there are."""
    if not responses:
        return {}
    blind = disclosure.blind_plans(_session(responses[0]), {r.solicitation_id for r in responses})
    asked = [r for r in responses if r.solicitation_id in blind]
    seen = disclosure.may_see_each(viewer, disclosure.Kind.identity, asked)
    hidden = [r for r, may in zip(asked, seen, strict=True) if not may]
    codes = bidder_codes(hidden)
    return {r.id: codes.get(r.id) or r.organization.legal_name for r in responses}


def bidder_codes(responses: list[Response]) -> dict[int, str]:
    """Response id -> a stable code for its bidder in a blind evaluation: the lot and a letter in
    the order of the lot's responses' random public ids, so a code follows neither when a
    bidder started nor any id the audit trail or an export carries (one query for them all)."""
    if not responses:
        return {}
    siblings: dict[int, list[str]] = defaultdict(list)
    for lot_id, public_id in _session(responses[0]).execute(
            select(Response.lot_id, Response.public_id).where(
                Response.lot_id.in_({r.lot_id for r in responses}))):
        siblings[lot_id].append(public_id)
    for ids in siblings.values():
        ids.sort()          # in Python: a database's collation may order the ids otherwise
    codes = {}
    for response in responses:
        index = siblings[response.lot_id].index(response.public_id) + 1
        letters = ""
        while index:
            index, rest = divmod(index - 1, 26)
            letters = chr(65 + rest) + letters
        codes[response.id] = f"Bidder {response.lot.number}-{letters}"
    return codes


@dataclass
class Cell:
    """One response on one criterion: every member's points, their spread, the consensus."""
    points: dict[int, Decimal | None]     # member id -> points
    spread: Decimal | None
    consensus: ConsensusScore | None


def matrix(session: Session, panel: Panel, actor: Any) -> dict[tuple[int, int], Cell]:
    """Responses x criteria x members, for the heat map: once every scoresheet is in."""
    if not scores_visible_to(actor, panel):
        refuse("The scores are shown once every scoresheet is submitted.")
    consensus = {(c.response_id, c.criterion_id): c for c in session.scalars(
        select(ConsensusScore).where(ConsensusScore.panel_id == panel.id))}
    cells: dict[tuple[int, int], Cell] = {}
    sheets = live_scoresheets(panel)
    for response in responses_of(panel):
        for criterion in panel.solicitation.criteria:
            points = {}
            if criterion.envelope is Envelope.technical:
                for sheet in sheets:
                    if sheet.response_id == response.id:
                        score = next((s for s in sheet.scores
                                      if s.criterion_id == criterion.id), None)
                        points[sheet.member_id] = score.points if score else None
            given = [p for p in points.values() if p is not None]
            cells[(response.id, criterion.id)] = Cell(
                points=points, spread=(max(given) - min(given)) if given else None,
                consensus=consensus.get((response.id, criterion.id)))
    return cells


# ---------------------------------------------------------------- consensus, price, ranking

def missing_consensus(panel: Panel) -> list[tuple[int, int]]:
    session = _session(panel)
    have = {(c.response_id, c.criterion_id) for c in session.scalars(
        select(ConsensusScore).where(ConsensusScore.panel_id == panel.id))}
    return [(r.id, c.id) for r in responses_of(panel) for c in panel.solicitation.criteria
            if (r.id, c.id) not in have]


def _put_consensus(session: Session, panel: Panel, actor: Any, response_id: int,
                   criterion: Criterion, points: Decimal, rationale: str) -> ConsensusScore:
    row = session.scalar(select(ConsensusScore).where(
        ConsensusScore.panel_id == panel.id, ConsensusScore.response_id == response_id,
        ConsensusScore.criterion_id == criterion.id))
    if row is None:
        row = ConsensusScore(panel_id=panel.id, response_id=response_id,
                             criterion_id=criterion.id, points=points, rationale=rationale,
                             recorded_at=clock.now())
        session.add(row)
    row.points, row.rationale, row.recorded_at = points, rationale, clock.now()
    row.recorded_by_id = actor.id if isinstance(actor, User) else None
    session.flush()
    audit.record(session, actor=actor, entity_type="panel", entity_id=panel.id,
                 event="record_consensus", solicitation_id=panel.solicitation_id,
                 data={"response": response_id, "criterion": criterion.name,
                       "points": str(points), "rationale": rationale})
    return row


CONSENSUS_FINAL = ("The price envelope is open: the technical consensus the panel agreed before "
                   "it saw the prices is final.")


def record_consensus(session: Session, panel: Panel, actor: User, *, response: Response,
                     criterion: Criterion, points: Decimal, rationale: str) -> ConsensusScore:
    policy.require(actor, "panel.chair", panel)
    if panel.status is not P.consensus:
        refuse("Consensus is recorded once every scoresheet is in.")
    if response.id not in {r.id for r in responses_of(panel)}:
        raise NotFound("That response is not scored by this panel.")
    if criterion.solicitation_id != panel.solicitation_id:
        raise NotFound("That criterion is not part of this solicitation.")
    if criterion.envelope is Envelope.price:
        refuse("Price is scored by the formula once the technical consensus is complete.")
    if panel.price_opened_at is not None:
        refuse(CONSENSUS_FINAL)
    why = points_allowed(plan_for(session, panel.solicitation), criterion, points)
    if why:
        refuse(why)
    if not rationale.strip():
        refuse("Write the panel's rationale for this score.")
    row = _put_consensus(session, panel, actor, response.id, criterion, points,
                         rationale.strip())
    open_price(session, panel, actor)
    return row


def _technical_of(panel: Panel, missing: list[tuple[int, int]]) -> list[tuple[int, int]]:
    technical = {c.id for c in technical_criteria(panel)}
    return [m for m in missing if m[1] in technical]


def missing_technical(panel: Panel) -> list[tuple[int, int]]:
    """Consensus scores the chair still records by hand (price is filled by the formula)."""
    return _technical_of(panel, missing_consensus(panel))


def technical_complete(panel: Panel) -> bool:
    return not missing_technical(panel)


PRICE_SEALED = ("The price envelope stays sealed to the panel until its technical consensus "
                "is complete: then price opens, on the record.")


def open_price(session: Session, panel: Panel, actor: Any) -> bool:
    """Open the panel's price envelope, on the record, once every technical consensus score is
    in (the price step): its evaluators then see prices, budgets and evaluated costs. Once
    open it stays open, and scoring cannot reopen (_prices_not_seen). True if it opened now."""
    if panel.price_opened_at is not None or panel.status not in (P.consensus, P.finalized) \
            or not technical_complete(panel):
        return False
    panel.price_opened_at = clock.now()
    session.flush()
    audit.record(session, actor=actor, entity_type="panel", entity_id=panel.id,
                 event="open_price", solicitation_id=panel.solicitation_id,
                 data={"lots": [lot.number for lot in panel.lots]})
    return True


def require_price(actor: Any, response: Response) -> None:
    """Refuse (403, saying why) a price this person may not see yet (policy.may_see_price)."""
    if not policy.may_see_price(actor, response):
        raise policy.Denied(PRICE_SEALED)


def price_pages(document: Any) -> set[int] | None:
    """The pages of a response document that carry its price: None for every page of a price
    document (kind "budget"); else the pages of its budget sections and the page where the
    cover's total price (or the budget's stated total) was read."""
    if document.kind.name == "budget":
        return None
    record = document.confirmed_record or {}
    budget_ids = {str(s.id) for s in document.response.solicitation.sections
                  if "budget" in " ".join([s.title, *(s.aliases or [])]).lower()}
    pages: set[int] = set()
    # where the budget was read and where the bidder says it starts: both carry the price
    for section in [*((document.record or {}).get("sections") or []),
                    *(record.get("sections") or [])]:
        if str(section.get("id")) in budget_ids or \
                "budget" in f"{section.get('title', '')} {section.get('heading', '')}".lower():
            pages.update(range(section["start_page"], section["end_page"] + 1))
    sources = record.get("sources") or {}
    for where in (((sources.get("cover") or {}).get("total_price")), sources.get("budget_total")):
        if isinstance(where, dict) and where.get("page"):
            pages.add(int(where["page"]))
    return pages


IDENTITY_KEYS = ("organization_name", "tax_id", "contact_name", "contact_email")


def blind_pages(document: Any) -> set[int]:
    """The pages of a response document a blind evaluator is shown: the pages of its
    sections; for a document with no section found (an attachment, a scanned letter) every page
    but those where the intake read the bidder's name, tax id or contact; of a cover sheet,
    none."""
    record = document.confirmed_record or {}
    if document.kind.name == "cover_sheet":
        return set()
    sections = record.get("sections") or []
    if sections:
        return {n for sec in sections for n in range(sec["start_page"], sec["end_page"] + 1)}
    cover = (record.get("sources") or {}).get("cover") or {}
    naming = {int(where["page"]) for key in IDENTITY_KEYS
              for where in [cover.get(key)] if isinstance(where, dict) and where.get("page")}
    return set(range(1, int(record.get("pages") or 0) + 1)) - naming


def bidder_marks(document: Any, number: int) -> dict | None:
    """Where this page of a response document prints the bidder's own names (the intake's
    ``bidder_marks``: the page's size and boxes), blacked out of a blind panel's picture."""
    return ((document.record or {}).get("bidder_marks") or {}).get(str(number))


def ocr_text(document: Any, *, blind: bool = False) -> dict[int, str]:
    """Page number -> the text OCR read on that scanned page (the record's notes); for a blind
    panel, with the bidder's own names (Organization.names_it_prints) as "[the bidder]"."""
    hide = document.response.organization.names_it_prints() if blind else []
    for note in (document.record or {}).get("notes") or []:
        if note.get("code") == "ocr":
            return {int(page): _without(text, hide)
                    for page, text in (note.get("text") or {}).items()}
    return {}


def _without(text: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(r"\s+".join(map(re.escape, name.split())), "[the bidder]", text,
                      flags=re.IGNORECASE)
    return text


def price_withheld(actor: Any, document: Any, number: int | None = None) -> bool:
    """True where this page (or, without a number, this whole document) carries a price this
    person may not see yet."""
    if policy.may_see_price(actor, document.response):
        return False
    pages = price_pages(document)
    return pages is None or (number is not None and number in pages)


def file_withheld(actor: Any, document: Any) -> bool:
    """True where the file as uploaded carries a price this person may not see yet (a price
    document, or one with a budget section or a price on its cover): every face that sends the
    file asks this."""
    return not policy.may_see_price(actor, document.response) and price_pages(document) != set()


def evaluated_cost(session: Session, response: Response) -> EvaluatedCost:
    """The cost the price is scored on: an officer's correction if there is one; else the
    rate card priced at projected units; else the budget total the intake read."""
    row = session.get(EvaluatedCost, response.id)
    if row is not None and row.source is CostSource.officer:
        return row
    amount, source = _cost_from_response(session, response)
    if row is None:
        row = EvaluatedCost(response_id=response.id, amount=amount, source=source,
                            set_at=clock.now())
        session.add(row)
    else:
        row.amount, row.source = amount, source
    session.flush()
    return row


def _cost_from_response(session: Session, response: Response) -> tuple[Decimal | None,
                                                                         CostSource]:
    plan = session.get(EvaluationPlan, response.solicitation_id)
    if plan is not None and plan.rates:
        proposed = {p.rate_card_line_id: p.rate for p in session.scalars(
            select(ProposedRate).where(ProposedRate.response_id == response.id))}
        if any(line.id not in proposed for line in plan.rates):
            return None, CostSource.rate_card
        return sum((proposed[line.id] * line.projected_units for line in plan.rates),
                   Decimal(0)), CostSource.rate_card
    totals = []
    for document in response.current_documents:
        budget = (document.confirmed_record or {}).get("budget") or {}
        figure = budget.get("stated_total") or budget.get("total")
        if figure not in (None, ""):
            totals.append(Decimal(str(figure)))
    return (max(totals) if totals else None), CostSource.budget_total


def correct_cost(session: Session, response: Response, actor: User, *, amount: Decimal,
                 reason: str) -> EvaluatedCost:
    """An officer corrects the evaluated cost, with a reason, on the record: dollars and cents
    from $0.01 to $1,000,000,000 a year, until the lot's panel is finalized (during consensus
    price is scored again on the corrected figure)."""
    policy.require(actor, "evaluation.manage")
    require_price(actor, response)
    if not reason.strip():
        refuse("Say why the figure is corrected; the reason is part of the record.")
    if not amount.is_finite() or amount <= 0:
        refuse("An evaluated cost is a positive amount.")
    if amount > MAX_RATE:
        refuse(f"An evaluated cost above ${MAX_RATE:,.0f} a year is beyond any contract "
               "here: check the figure.")
    if amount != amount.quantize(CENT):
        refuse("Give the evaluated cost in dollars and cents: at most two digits after the "
               "point.")
    final = next((p for p in panels_of(session, response.solicitation)
                  if p.status is P.finalized and response.lot_id in {lot.id for lot in p.lots}),
                 None)
    if final is not None:
        refuse(f"The panel “{final.name}” is finalized: the evaluated costs its price was "
               "scored on no longer change.")
    row = session.get(EvaluatedCost, response.id)
    before = row.amount if row is not None else None
    if row is None:
        row = EvaluatedCost(response_id=response.id, amount=amount, source=CostSource.officer,
                            set_at=clock.now())
        session.add(row)
    row.amount, row.source, row.reason = amount, CostSource.officer, reason.strip()
    row.set_by_id, row.set_at = actor.id, clock.now()
    session.flush()
    audit.record(session, actor=actor, entity_type="response", entity_id=response.id,
                 event="correct_cost", solicitation_id=response.solicitation_id,
                 reason=reason.strip(), data={"from": str(before), "to": str(amount)})
    return row


# ---------------------------------------------------------------- the rate card (officers)

MAX_UNITS = 10_000_000
MAX_RATE = Decimal(1_000_000_000)
CENT = Decimal("0.01")


def rate_card_locked(session: Session, solicitation: Solicitation) -> str | None:
    """Why the rate card cannot change now, or None: it is published with the RFR, so it is
    set while the RFR is a draft and bidders price it in their responses."""
    if solicitation.status is not SolicitationStatus.draft:
        return ("The rate card is published with the RFR: it is set while the RFR is a draft, "
                "and the bidders price it in their responses.")
    return None


def rates_locked(session: Session, response: Response,
                 received_at: Any = None) -> str | None:
    """Why the bidder cannot change its proposed rates now (submitted, or past the deadline),
    or None."""
    try:
        response_flow.require_editable(response, received_at)
    except WorkflowError as refused:
        return refused.message
    return None


def _check_line(service: str, projected_units: int) -> str:
    service = service.strip()
    if not service:
        refuse("Name the service the rate is for (for example “Residential care”).")
    if len(service) > 200:
        refuse("Keep the service's name under 200 characters.")
    if not 0 < projected_units <= MAX_UNITS:
        refuse(f"Projected units a year: a whole number from 1 to {MAX_UNITS:,}.")
    return service


def add_rate_line(session: Session, solicitation: Solicitation, actor: User, *, service: str,
                  unit: RateUnit, projected_units: int) -> RateCardLine:
    """A rate the bidders priced (per diem, hourly, case rate) with the units the agency expects
    to buy a year: the evaluated cost is the sum of rate x units over the card."""
    policy.require(actor, "evaluation.manage")
    why = rate_card_locked(session, solicitation)
    if why:
        refuse(why)
    service = _check_line(service, projected_units)
    plan = plan_for(session, solicitation)
    line = RateCardLine(service=service, unit=unit, projected_units=projected_units,
                        position=max((r.position for r in plan.rates), default=0) + 1)
    plan.rates.append(line)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=solicitation.id,
                 event="add_rate_line", data={"line": line.id, "service": service,
                                              "unit": unit.name, "projected_units":
                                              projected_units})
    return line


def update_rate_line(session: Session, solicitation: Solicitation, actor: User,
                     line: RateCardLine, *, service: str, unit: RateUnit,
                     projected_units: int) -> RateCardLine:
    policy.require(actor, "evaluation.manage")
    why = rate_card_locked(session, solicitation)
    if why:
        refuse(why)
    if line.solicitation_id != solicitation.id:
        raise NotFound("No such line on this rate card.")
    service = _check_line(service, projected_units)
    before = {"service": line.service, "unit": line.unit.name,
              "projected_units": line.projected_units}
    after = {"service": service, "unit": unit.name, "projected_units": projected_units}
    if before != after:
        line.service, line.unit, line.projected_units = service, unit, projected_units
        session.flush()
        audit.record(session, actor=actor, entity_type="solicitation",
                     entity_id=solicitation.id, event="change_rate_line",
                     data={"line": line.id, "from": before, "to": after})
    return line


def remove_rate_line(session: Session, solicitation: Solicitation, actor: User,
                     line_id: int) -> None:
    """Take a line off the card; the rates bidders proposed for it go with it, on the record."""
    policy.require(actor, "evaluation.manage")
    why = rate_card_locked(session, solicitation)
    if why:
        refuse(why)
    line = session.get(RateCardLine, line_id)
    if line is None or line.solicitation_id != solicitation.id:
        raise NotFound("No such line on this rate card.")
    proposed = list(session.scalars(select(ProposedRate).where(
        ProposedRate.rate_card_line_id == line.id)))
    for row in proposed:
        session.delete(row)
    plan = line.plan
    plan.rates.remove(line)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=solicitation.id,
                 event="remove_rate_line",
                 data={"line": line_id, "service": line.service,
                       "proposed_rates_removed": [{"response": p.response_id,
                                                   "rate": str(p.rate)} for p in proposed]})


def set_rate_card(session: Session, solicitation: Solicitation, actor: User,
                  lines: list[dict[str, Any]]) -> list[RateCardLine]:
    """The whole card at once (the API): lines with an id are kept and changed, new lines
    added, lines left out removed (with their proposed rates)."""
    policy.require(actor, "evaluation.manage")
    why = rate_card_locked(session, solicitation)
    if why:
        refuse(why)
    plan = plan_for(session, solicitation)
    wanted = {entry["id"] for entry in lines if entry.get("id") is not None}
    unknown = wanted - {line.id for line in plan.rates}
    if unknown:
        raise NotFound("No such line on this rate card: " + ", ".join(map(str, sorted(unknown))))
    for line in [line for line in plan.rates if line.id not in wanted]:
        remove_rate_line(session, solicitation, actor, line.id)
    by_id = {line.id: line for line in plan.rates}
    for entry in lines:
        if entry.get("id") is not None:
            update_rate_line(session, solicitation, actor, by_id[entry["id"]],
                             service=entry["service"], unit=entry["unit"],
                             projected_units=entry["projected_units"])
        else:
            add_rate_line(session, solicitation, actor, service=entry["service"],
                          unit=entry["unit"], projected_units=entry["projected_units"])
    for position, line in enumerate(plan.rates, 1):
        line.position = position
    session.flush()
    return list(plan.rates)


def rate_card(session: Session, solicitation: Solicitation) -> list[RateCardLine]:
    plan = session.get(EvaluationPlan, solicitation.id)
    return list(plan.rates) if plan is not None else []


def proposed_rates(session: Session, response: Response) -> dict[int, Decimal]:
    """Rate card line id -> the rate this response proposed."""
    return {p.rate_card_line_id: p.rate for p in session.scalars(
        select(ProposedRate).where(ProposedRate.response_id == response.id))}


def check_rate(line: RateCardLine, rate: Decimal) -> str | None:
    """Why this rate cannot be recorded, or None."""
    if not rate.is_finite() or rate < 0:
        return f"{line.service}: a rate is an amount of $0 or more."
    if rate >= MAX_RATE:
        return f"{line.service}: that rate is too large to be a rate."
    if rate != rate.quantize(CENT):
        return f"{line.service}: give the rate in dollars and cents (like 212.50)."
    return None


def read_rates(lines: list[RateCardLine], typed: dict[int, str]) -> dict[int, Decimal | None]:
    """Rates as a person types them ("$1,212.50", "212.5", blank for none): line id -> amount."""
    problems = rate_problems(lines, typed)
    if problems:
        refuse(" ".join(problems.values()))
    return {line.id: _typed_rate(typed.get(line.id)) for line in lines}


def rate_problems(lines: list[RateCardLine], typed: dict[int, str]) -> dict[int, str]:
    """Why each typed rate cannot be recorded, line id -> message (a blank clears its rate)."""
    problems: dict[int, str] = {}
    for line in lines:
        try:
            rate = _typed_rate(typed.get(line.id))
        except InvalidOperation:
            problems[line.id] = f"{line.service}: a rate is an amount in dollars, like 212.50."
            continue
        why = check_rate(line, rate) if rate is not None else None
        if why:
            problems[line.id] = why
    return problems


def _typed_rate(text: str | None) -> Decimal | None:
    text = (text or "").strip().replace(",", "").lstrip("$").strip()
    return Decimal(text) if text else None


def set_proposed_rates(session: Session, response: Response, actor: User,
                       rates: dict[int, Decimal | None], *, received_at: Any = None) -> None:
    """The bidder enters its rates for the RFR's rate card in its response (line id -> rate;
    None clears one) while the response can change: sealed with the rest of the response, and
    every line needs its rate before the response is submitted. The audit row counts the
    rates; the figures stay in the price envelope."""
    policy.require(actor, "response.work", response)
    lines = {line.id: line for line in rate_card(session, response.solicitation)}
    if not lines:
        refuse("This RFR has no rate card: its price is the budget in your documents.")
    why = rates_locked(session, response, received_at)
    if why:
        refuse(why)
    unknown = set(rates) - set(lines)
    if unknown:
        raise NotFound("No such line on this RFR's rate card.")
    problems = [p for line_id, rate in rates.items() if rate is not None
                for p in [check_rate(lines[line_id], rate)] if p]
    if problems:
        refuse(" ".join(problems))
    existing = {p.rate_card_line_id: p for p in session.scalars(
        select(ProposedRate).where(ProposedRate.response_id == response.id))}
    changed = 0
    for line_id, rate in rates.items():
        row = existing.get(line_id)
        before = row.rate if row is not None else None
        if rate is None and row is not None:
            session.delete(row)
        elif rate is not None and row is None:
            session.add(ProposedRate(response_id=response.id, rate_card_line_id=line_id,
                                     rate=rate))
        elif rate is not None and row is not None:
            row.rate = rate
        changed += before != rate
    session.flush()
    if changed:
        audit.record(session, actor=actor, entity_type="response", entity_id=response.id,
                     event="set_proposed_rates", solicitation_id=response.solicitation_id,
                     data={"rates_changed": changed,
                           "rates_given": len(proposed_rates(session, response))})


def rate_card_cost(session: Session, response: Response) -> Decimal | None:
    """What the rate card makes of this response's rates (None while a rate is missing), shown
    beside any officer's correction."""
    amount, source = _cost_from_response(session, response)
    return amount if source is CostSource.rate_card else None


def score_price(session: Session, panel: Panel, actor: User) -> list[ConsensusScore]:
    """Price criteria, scored by formula once the technical consensus is complete, per lot:
    lowest evaluated cost / this cost x max points. A missing or non-positive cost scores 0
    and says so; no division by zero."""
    policy.require(actor, "panel.chair", panel)
    if panel.status is not P.consensus:
        refuse("Price is scored during consensus.")
    if not technical_complete(panel):
        refuse("Price stays closed until every technical consensus score is recorded.")
    open_price(session, panel, actor)
    written = []
    responses = responses_of(panel)
    costs = {r.id: evaluated_cost(session, r).amount for r in responses}
    for lot_id in sorted({r.lot_id for r in responses}):
        in_lot = [r for r in responses if r.lot_id == lot_id]
        valid = [costs[r.id] for r in in_lot if costs[r.id] is not None and costs[r.id] > 0]
        lowest = min(valid) if valid else None
        for response in in_lot:
            cost = costs[response.id]
            for criterion in price_criteria(panel):
                if lowest is None or cost is None or cost <= 0:
                    points = Decimal(0)
                    rationale = ("No valid price: the evaluated cost is missing or not "
                                 "positive. An officer can correct it with a reason.")
                else:
                    points = (lowest / cost * criterion.max_points).quantize(
                        Decimal("0.01"), rounding=ROUND_HALF_UP)
                    rationale = (f"Lowest evaluated cost in the lot ${lowest:,.2f} / this "
                                 f"cost ${cost:,.2f} x {criterion.max_points} points.")
                written.append(_put_consensus(session, panel, actor, response.id, criterion,
                                              points, rationale))
    return written


def weighted_parts(criteria: list[Criterion], consensus: dict[tuple[int, int], Decimal],
                   response_id: int) -> list[Decimal]:
    """Each criterion's weight x consensus points / max points, exact (never rounded here: the
    total rounds once, half up, from these)."""
    return [Decimal(c.weight) * consensus.get((response_id, c.id), Decimal(0))
            / Decimal(c.max_points) for c in criteria]


def shown_parts(parts: list[Decimal]) -> list[Decimal]:
    """The parts to the cent so that they add up to their total rounded once, half up: each
    part rounded down, and the cents left over go to the parts that lost most (the earlier
    one on a tie), so a report's rows always add up to the total beside them."""
    total = sum(parts, Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    shown = [p.quantize(CENT, ROUND_FLOOR) for p in parts]
    left = int((total - sum(shown, Decimal(0))) / CENT)
    for index in sorted(range(len(parts)), key=lambda i: (-(parts[i] - shown[i]), i))[:left]:
        shown[index] += CENT
    return shown


@dataclass
class Ranked:
    response: Response
    total: Decimal          # weighted total out of 100
    rank: int               # ties share a rank (1, 1, 3)


def ranking(session: Session, panel: Panel) -> dict[int, list[Ranked]]:
    """Per lot id: responses by weighted total = sum(weight x consensus / max points)."""
    consensus = {(c.response_id, c.criterion_id): c.points for c in session.scalars(
        select(ConsensusScore).where(ConsensusScore.panel_id == panel.id))}
    criteria = panel.solicitation.criteria
    by_lot: dict[int, list[Ranked]] = defaultdict(list)
    for response in responses_of(panel):
        total = sum(weighted_parts(criteria, consensus, response.id), Decimal(0))
        by_lot[response.lot_id].append(Ranked(response, total.quantize(CENT, ROUND_HALF_UP), 0))
    for rows in by_lot.values():
        rows.sort(key=lambda r: (-r.total, r.response.id))
        for position, row in enumerate(rows, 1):
            row.rank = position if position == 1 or row.total != rows[position - 2].total \
                else rows[position - 2].rank
    return dict(by_lot)


def panels_of(session: Session, solicitation: Solicitation) -> list[Panel]:
    return list(session.scalars(select(Panel).where(Panel.solicitation_id == solicitation.id)
                                .order_by(Panel.id)))


def evaluation_finished(session: Session, solicitation: Solicitation) -> bool:
    """Every lot scored by a finalized panel: the RFR can move on to awarding."""
    panels = panels_of(session, solicitation)
    covered = {lot.id for p in panels if p.status is P.finalized for lot in p.lots}
    return bool(panels) and all(p.status is P.finalized for p in panels) and all(
        lot.id in covered for lot in solicitation.lots
        if _lot_responses(lot, (EVALUATED,)))


def progress(panel: Panel) -> tuple[int, int, list[str]]:
    """(submitted, all, who is behind) for the chair's page."""
    sheets = live_scoresheets(panel)
    done = [s for s in sheets if s.status in (SS.submitted, SS.final)]
    behind = sorted({s.member.user.name for s in sheets if s not in done})
    return len(done), len(sheets), behind


# ---------------------------------------------------------------- for the pages

_GUARDS = {"begin_declarations": _formed, "begin_scoring": _everyone_declared,
           "begin_consensus": _all_scoresheets_in, "reopen_scoring": _prices_not_seen,
           "finalize": _consensus_complete}


def why_not(panel: Panel, event: str) -> str | None:
    """Why this event of the panel would be refused now (its guard, asked without firing it),
    or None where it would go through."""
    if event not in PANEL.allowed_events(panel):
        return f"{PANEL_LABELS.get(event, event)} is not a step from “{panel.status.value}”."
    guard = _GUARDS.get(event)
    if guard is None:
        return None
    try:
        guard(EventData(None, None, None, panel, (), {}))   # type: ignore[arg-type]
    except WorkflowError as refused:
        return refused.message
    return None


def next_steps(panel: Panel, actor: Any) -> list[tuple[str, str | None]]:
    """The panel's next steps this person may take: (event, why it is refused now or None).
    Reopening scoring is no step at all once the panel has seen the prices (_prices_not_seen:
    never again, not "not yet")."""
    manage = policy.allows(actor, "evaluation.manage")
    chairs = policy.allows(actor, "panel.chair", panel)
    return [(e, why_not(panel, e)) for e in PANEL.allowed_events(panel)
            if (manage if e == "begin_declarations" else chairs)
            and not (e == "reopen_scoring" and panel.price_opened_at is not None)]


@dataclass
class Withdrawal:
    sheet: Scoresheet
    declaration: ConflictDeclaration | None


def withdrawn_by_conflict(panel: Panel) -> list[Withdrawal]:
    """Scoresheets withdrawn because their member declared a conflict, with that declaration
    (the chair's page tells the chair, who gives the response to another member)."""
    out = []
    for sheet in panel.scoresheets:
        if sheet.status is not SS.withdrawn or sheet.member.removed_at is not None:
            continue
        declared = [d for d in sheet.member.declarations
                    if d.organization_id == sheet.response.organization_id and d.has_conflict]
        out.append(Withdrawal(sheet, declared[-1] if declared else None))
    return out


def names_hidden_from(session: Session, solicitation: Solicitation, viewer: Any) -> bool:
    """True where this person evaluates the RFR blind (policy.evaluates_blind): they are shown
    bidder codes on the evaluation pages and must not open the officer's pages that name its
    bidders."""
    return policy.evaluates_blind(viewer, solicitation)


def refuse_names_to_blind_evaluator(session: Session, solicitation: Solicitation,
                                    viewer: Any) -> None:
    """For the officer's pages that name an RFR's bidders (its responses, their documents):
    an officer who sits on a blind panel of that RFR is refused (403), so the names never
    reach an evaluator. Another officer, who does not evaluate it, opens them."""
    if names_hidden_from(session, solicitation, viewer):
        raise policy.Denied(
            f"You sit on a blind evaluation panel of {solicitation.number}: its bidders' names "
            "stay hidden from you until its panels are finalized. An officer who does not sit "
            "on its panels handles these pages.")


def panels_for_member(session: Session, user: Any) -> list[tuple[Panel, PanelMember]]:
    """The panels a person sits on (not removed): those still at work first, then the
    finalized; newest first within each."""
    rows = session.execute(select(Panel, PanelMember).join(PanelMember).where(
        PanelMember.user_id == getattr(user, "id", None), PanelMember.removed_at.is_(None))
        .order_by(*AT_WORK_FIRST)).all()
    return [(panel, member) for panel, member in rows]


# Those at work first, the latest first: written as ix_panel_listing's expression, a literal (a
# bound parameter would not match it), so a member's page is read from the index and stops when
# it is full.
AT_WORK_FIRST = ((Panel.status == literal_column(f"'{P.finalized.name}'")).asc(),
                 Panel.id.desc())


def panels_query(user: Any) -> Select:
    """The panels a person sees in a list, in panels_for_member's order: the officers who manage
    evaluations every panel, anyone else those they sit on (not removed)."""
    query = select(Panel).order_by(*AT_WORK_FIRST)
    if policy.allows(user, "evaluation.manage"):
        return query
    return query.where(Panel.id.in_(select(PanelMember.panel_id).where(
        PanelMember.user_id == getattr(user, "id", None), PanelMember.removed_at.is_(None))))


def scoresheets_query(user: Any) -> Select:
    """A person's own scoresheets (not withdrawn) on every panel they sit on, in
    panels_for_member's order of the panels, then as assigned."""
    return select(Scoresheet).join(Scoresheet.member).join(Scoresheet.panel).where(
        PanelMember.user_id == getattr(user, "id", None), PanelMember.removed_at.is_(None),
        Scoresheet.status != SS.withdrawn).order_by(*AT_WORK_FIRST, Scoresheet.id)


def my_panel(session: Session, actor: Any, panel_id: str) -> tuple[Panel, PanelMember]:
    """A panel the person sits on, by its public id; any other is not found."""
    panel = _by_public_id(session, Panel, panel_id)
    member = member_of(panel, actor) if panel is not None else None
    if panel is None or member is None:
        raise NotFound("No such panel.")
    return panel, member


def managed_panel(session: Session, actor: Any, panel_id: str) -> Panel:
    """A panel, by its public id, for its chair or the officers who manage evaluations;
    others: not found."""
    panel = _by_public_id(session, Panel, panel_id)
    if panel is None or not (policy.allows(actor, "evaluation.manage")
                             or policy.allows(actor, "panel.chair", panel)):
        raise NotFound("No such panel.")
    return panel


def chaired_scoresheet(session: Session, actor: Any, scoresheet_id: str) -> Scoresheet:
    """A scoresheet of a panel this person chairs, by its public id; any other: not found."""
    sheet = _by_public_id(session, Scoresheet, scoresheet_id)
    if sheet is None or not policy.allows(actor, "panel.chair", sheet.panel):
        raise NotFound("No such scoresheet.")
    return sheet


def my_scoresheets(session: Session, members: list[PanelMember]) -> dict[int, list[Scoresheet]]:
    """Member id -> the scoresheets (not withdrawn) of each of these seats, as assigned, with
    their responses, lots and bidders: a page's in one query."""
    sheets: dict[int, list[Scoresheet]] = {member.id: [] for member in members}
    if sheets:
        for sheet in session.scalars(select(Scoresheet).where(
                Scoresheet.member_id.in_(sheets), Scoresheet.status != SS.withdrawn)
                .options(joinedload(Scoresheet.response).options(
                    joinedload(Response.lot), joinedload(Response.organization)))
                .order_by(Scoresheet.id)):
            sheets[sheet.member_id].append(sheet)
    return sheets


def bidder_labels(panel: Panel, viewer: Any) -> dict[int, str]:
    """Organisation id -> what this viewer is shown for it (names, or bidder codes joined)."""
    responses = responses_of(panel)
    shown = bidder_labels_each(responses, viewer)
    labels: dict[int, list[str]] = defaultdict(list)
    for response in responses:
        labels[response.organization_id].append(shown[response.id])
    return {org: " and ".join(dict.fromkeys(names)) for org, names in labels.items()}


def is_blind_for(panel: Panel, viewer: Any) -> bool:
    """True where this viewer sees bidder codes (an evaluator on a blind RFR)."""
    responses = responses_of(panel)
    return bool(responses) and bidder_label(responses[0], viewer) != \
        responses[0].organization.legal_name


_STOP = {"and", "the", "of", "for", "with", "plan", "section", "proposal"}


def _words(text: str) -> set[str]:
    import re
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in _STOP}


def section_for(criterion: Criterion, sections: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The record's section a criterion is about, matched by the words of their names (the
    page opens it first beside that criterion); None when no word is shared."""
    wanted = _words(criterion.name)
    best, best_score = None, 0
    for section in sections:
        shared = len(wanted & _words(f"{section.get('title', '')} {section.get('heading', '')}"))
        if shared > best_score:
            best, best_score = section, shared
    return best


def suggested_consensus(plan: EvaluationPlan, criterion: Criterion,
                        cell: Cell) -> Decimal | None:
    """The members' mean rounded to the RFR's step: a starting point the chair can change."""
    given = [p for p in cell.points.values() if p is not None]
    if not given:
        return None
    step = Decimal("0.5") if plan.half_points else Decimal(1)
    mean = sum(given, Decimal(0)) / len(given)
    return ((mean / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


@dataclass
class ReportLine:
    lot: str
    bidder: str
    criterion: str
    member: str
    kind: str
    points: Decimal | None
    comment: str
    weight: int = 0
    max_points: int = 0
    weighted: Decimal | None = None      # the consensus line's weight x points / max points
    total: Decimal | None = None         # the response's weighted total (of 100)
    rank: int | None = None
    tied: bool = False


def score_lines(session: Session, panel: Panel, viewer: Any) -> list[ReportLine]:
    """Every member's score and comment, then the consensus, per response and criterion (for
    the report and the exports), once the scores may be seen; each line carries the
    criterion's weight and the response's weighted total and rank."""
    cells = matrix(session, panel, viewer)
    criteria = panel.solicitation.criteria
    consensus = {key: cell.consensus.points for key, cell in cells.items()
                 if cell.consensus is not None}
    sheets = {s.member_id: s.member for s in live_scoresheets(panel)}
    ranked = {r.response.id: (r, sum(1 for o in rows if o.rank == r.rank) > 1)
              for rows in ranking(session, panel).values() for r in rows}
    lines = []
    responses = responses_of(panel)
    bidders = bidder_labels_each(responses, viewer)
    for response in responses:
        bidder = bidders[response.id]
        place, tied = ranked[response.id]
        comments = {(s.member_id, sc.criterion_id): sc.comment for s in live_scoresheets(panel)
                    if s.response_id == response.id for sc in s.scores}
        weighted = dict(zip((c.id for c in criteria), shown_parts(
            weighted_parts(criteria, consensus, response.id)), strict=True))
        for criterion in criteria:
            cell = cells[(response.id, criterion.id)]
            common = {"weight": criterion.weight, "max_points": criterion.max_points,
                      "total": place.total, "rank": place.rank, "tied": tied}
            for member_id, points in cell.points.items():
                member = sheets[member_id]
                lines.append(ReportLine(response.lot.label, bidder, criterion.name,
                                        member.user.name, member.kind.value, points,
                                        comments.get((member_id, criterion.id), ""), **common))
            if cell.consensus is not None:   # the panel agrees technical scores; price is the formula's
                by_formula = criterion.envelope is Envelope.price
                lines.append(ReportLine(response.lot.label, bidder, criterion.name,
                                        "Price formula" if by_formula else "Panel consensus",
                                        "Formula" if by_formula else "Consensus",
                                        cell.consensus.points,
                                        cell.consensus.rationale,
                                        weighted=weighted[criterion.id], **common))
    return lines
