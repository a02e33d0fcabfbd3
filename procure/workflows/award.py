"""Award: from the panels' ranking to a final award, per lot.

An officer proposes an award per lot from the finalized ranking (anyone but the top-ranked
bidder needs a written justification); another officer approves (the proposer never can); once
every award of a lot is approved, the lot's bidders are told, each with their own scores, and
the standstill period begins. A bidder of the lot may protest during it, with documents; an
officer upholds the protest (the award goes back to proposed) or denies it, with reasons. When
standstill ends with no open protest the award is final (the scheduler's `finalize_due`); when
every lot's awards are final the RFR is awarded.

Downstream of evaluation: this module checks that the panels are finalized and moves the RFR
into and out of awarding; it also owns cancelling an RFR after the opening, which withdraws
its awards."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from transitions import EventData

from procure import audit, clock, mail, policy
from procure.models import (
    AreaOffice,
    AuditEvent,
    Award,
    AwardNotice,
    AwardStatus,
    ConsensusScore,
    Envelope,
    Lot,
    LotKind,
    LotOutcome,
    LotOutcomeKind,
    Organization,
    Protest,
    ProtestDocument,
    ProtestStatus,
    Region,
    Response,
    ResponseStatus,
    Solicitation,
    SolicitationStatus,
    User,
)
from procure.workflows import evaluation as evaluation_flow
from procure.workflows import notices
from procure.workflows import response as response_flow
from procure.workflows import solicitation as solicitation_flow
from procure.workflows.base import (
    NotFound,
    Uploads,
    Workflow,
    WorkflowError,
    refuse,
    safe_filename,
    store_upload,
)

A = AwardStatus
LIVE = (A.proposed, A.approved, A.standstill, A.final)     # not withdrawn
TOLD = (ResponseStatus.accepted, ResponseStatus.rejected)  # bidders who hear the outcome


# ---------------------------------------------------------------- the machines

def _another_officer(event: EventData) -> bool:
    award: Award = event.model
    actor = event.kwargs.get("actor")
    if getattr(actor, "id", None) == award.proposed_by_id:
        raise WorkflowError("You proposed this award: another officer must approve it.")
    return True


def _stamp_approved(event: EventData) -> None:
    award: Award = event.model
    award.approved_by_id = event.kwargs["actor"].id
    award.approved_at = clock.now()


def _stamp_notified(event: EventData) -> None:
    award: Award = event.model
    award.notified_at = event.kwargs["moment"]
    award.standstill_ends_at = event.kwargs["standstill_ends_at"]


def _clear_approval(event: EventData) -> None:
    award: Award = event.model
    award.approved_by_id = award.approved_at = None
    award.notified_at = award.standstill_ends_at = None


def _standstill_over(event: EventData) -> bool:
    award: Award = event.model
    if award.standstill_ends_at is None or award.standstill_ends_at > event.kwargs["moment"]:
        refuse(f"The standstill period runs until "
               f"{clock.format_moment(award.standstill_ends_at)}; the award is final after it.")
    return True


def _no_open_protest(event: EventData) -> bool:
    if any(p.status is ProtestStatus.open for p in event.model.protests):
        refuse("A protest of this award is open: decide it first.")
    return True


def _stamp_final(event: EventData) -> None:
    event.model.final_at = event.kwargs["moment"]


AWARD_LABELS = {"approve": "Approve", "notify": "Notify the bidders",
                "reopen": "Reopen", "make_final": "Make final", "withdraw": "Withdraw"}

AWARD = Workflow("an award", A, [
    {"trigger": "approve", "source": "proposed", "dest": "approved",
     "conditions": [_another_officer], "before": [_stamp_approved]},
    {"trigger": "notify", "source": "approved", "dest": "standstill", "before": [_stamp_notified]},
    {"trigger": "reopen", "source": "standstill", "dest": "proposed", "before": [_clear_approval]},
    {"trigger": "make_final", "source": "standstill", "dest": "final",
     "conditions": [_standstill_over, _no_open_protest], "before": [_stamp_final]},
    {"trigger": "withdraw", "source": ["proposed", "approved", "standstill"], "dest": "withdrawn"},
], AWARD_LABELS)


def _reasons_given(event: EventData) -> bool:
    if not (event.kwargs.get("reason") or "").strip():
        refuse("Give the reasons for the decision: the bidder who protested is told them.")
    return True


def _stamp_decided(event: EventData) -> None:
    protest: Protest = event.model
    protest.decided_by_id = event.kwargs["actor"].id
    protest.decided_at = clock.now()
    protest.decision = event.kwargs["reason"].strip()


PROTEST = Workflow("a protest", ProtestStatus, [
    {"trigger": "uphold", "source": "open", "dest": "upheld",
     "conditions": [_reasons_given], "before": [_stamp_decided]},
    {"trigger": "deny", "source": "open", "dest": "denied",
     "conditions": [_reasons_given], "before": [_stamp_decided]},
], {"uphold": "Uphold", "deny": "Deny"})


# ---------------------------------------------------------------- reading

def awards_of(session: Session, solicitation: Solicitation, *load: Any) -> list[Award]:
    """The solicitation's awards by lot; `load`: loader options for what the caller reads of
    each (its response, organization...), so that is one query, not one per award."""
    return list(session.scalars(select(Award).where(Award.solicitation_id == solicitation.id)
                                .order_by(Award.lot_id, Award.id).options(*load)))


@dataclass(frozen=True)
class Withdrawal:
    """Who withdrew an award, when and why, as the trail records it."""
    by: str
    at: datetime
    reason: str


def withdrawals(session: Session, awards: list[Award]) -> dict[int, Withdrawal]:
    """Each withdrawn award's withdrawal (an officer's, or the cancellation's), in one query."""
    ids = [a.id for a in awards if a.status is AwardStatus.withdrawn]
    found: dict[int, Withdrawal] = {}
    if ids:
        for event, name in session.execute(
                select(AuditEvent, User.name).outerjoin(User, User.id == AuditEvent.actor_id)
                .where(AuditEvent.entity_type == "award", AuditEvent.entity_id.in_(ids),
                       AuditEvent.to_state == AwardStatus.withdrawn.name)
                .order_by(AuditEvent.seq)).tuples():
            found[event.entity_id] = Withdrawal(by=name or event.actor_label, at=event.at,
                                                reason=event.reason)
    return found


def live_awards(session: Session, lot: Lot) -> list[Award]:
    return list(session.scalars(select(Award).where(Award.lot_id == lot.id,
                                                    Award.status.in_(LIVE))
                                .order_by(Award.id)))


def lot_ranking(session: Session, lot: Lot) -> list[evaluation_flow.Ranked]:
    """The lot's responses in rank order from its finalized panel (empty before that)."""
    for panel in evaluation_flow.panels_of(session, lot.solicitation):
        if lot in panel.lots and panel.status is evaluation_flow.P.finalized:
            return evaluation_flow.ranking(session, panel).get(lot.id, [])
    return []


def proposed_amount(session: Session, response: Response) -> Decimal:
    """What an award to this response pays a year unless the officer says otherwise: its
    evaluated cost (what it was scored on), else the lot's estimate."""
    cost = evaluation_flow.evaluated_cost(session, response).amount
    return cost if cost is not None and cost > 0 else response.lot.estimated_annual_value


def _dollars(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def money_above(session: Session, response: Response, amount: Decimal) -> list[str]:
    """What an annual amount exceeds of what was evaluated: the bidder's evaluated cost, the
    lot's estimate ("the bidder's evaluated cost ($538,000.00)"). Empty when within both."""
    above = []
    cost = evaluation_flow.evaluated_cost(session, response).amount
    if cost is not None and cost > 0 and amount > cost:
        above.append(f"the bidder's evaluated cost ({_dollars(cost)})")
    estimate = response.lot.estimated_annual_value
    if estimate and amount > estimate:
        above.append(f"the lot's estimate ({_dollars(estimate)})")
    return above


def _tell(session: Session, organization: Organization, subject: str, body: str) -> None:
    for user in notices.contacts(session, [organization.id]):
        mail.queue(session, user.email, subject, body)


# ---------------------------------------------------------------- proposing and approving

def propose(session: Session, lot: Lot, actor: User, *, response: Response,
            amount: Decimal | None = None, justification: str = "") -> Award:
    """Propose `response` for `lot`. Anyone but the best-ranked bidder not yet proposed needs
    a written justification, and so does an annual amount above the bidder's evaluated cost or
    the lot's estimate (the approver reads it); the lot takes at most `lot.max_awards` awards.
    A bidder whose award was withdrawn can be proposed again."""
    policy.require(actor, "award.manage")
    solicitation = lot.solicitation
    solicitation_flow.lock(session, solicitation)
    if solicitation.status not in (SolicitationStatus.in_evaluation, SolicitationStatus.awarding):
        refuse(f"Awards are proposed after evaluation; {solicitation.number} is "
               f"{solicitation.status.value.lower()}.")
    if not evaluation_flow.evaluation_finished(session, solicitation):
        refuse("Awards are proposed once every panel is finalized.")
    if response.lot_id != lot.id:
        raise NotFound("That response is not one of this lot's.")
    if session.scalar(select(LotOutcome.id).where(LotOutcome.lot_id == lot.id)) is not None:
        refuse(f"{lot.label} was closed without an award: {lot_outcome(session, lot)}.")
    ranked = {r.response.id: r for r in lot_ranking(session, lot)}
    if response.id not in ranked:
        refuse("Only a response the panel ranked can be awarded.")
    live = live_awards(session, lot)
    if any(a.response_id == response.id for a in live):
        refuse(f"{response.organization.legal_name} is already proposed for {lot.label}.")
    if len(live) >= lot.max_awards:
        refuse(f"{lot.label} takes {lot.max_awards} award{'s' if lot.max_awards != 1 else ''}; "
               "withdraw a proposal before proposing another.")
    chosen = ranked[response.id]
    awarded = {a.response_id for a in live}
    passed_over = [r for r in ranked.values()
                   if r.rank < chosen.rank and r.response.id not in awarded]
    justification = justification.strip()
    if passed_over and not justification:
        refuse(f"{response.organization.legal_name} ranked {chosen.rank}; choosing other than the "
               "top-ranked bidder needs a written justification.")
    amount = proposed_amount(session, response) if amount is None else amount
    if amount <= 0:
        refuse("The annual amount must be more than $0.")
    above = money_above(session, response, amount)
    if above and not justification:
        refuse(f"An award of {_dollars(amount)} a year is above " + " and ".join(above)
               + ": give a written justification; the approving officer reads it.")
    award = Award(solicitation=solicitation, lot=lot, response=response, status=A.proposed,
                  rank=chosen.rank, total=chosen.total, justification=justification,
                  amount=amount, proposed_by_id=actor.id, proposed_at=clock.now())
    session.add(award)
    session.flush()
    audit.record(session, actor=actor, entity_type="award", entity_id=award.id, event="propose",
                 to_state=A.proposed.name, reason=justification, solicitation_id=solicitation.id,
                 data={"lot": lot.number, "response": response.public_id, "rank": chosen.rank,
                       "total": str(chosen.total), "amount": str(amount)})
    if solicitation.status is SolicitationStatus.in_evaluation:
        solicitation_flow.fire(session, solicitation, "begin_awarding", actor,
                               checked_by_award=True)
    return award


def approve(session: Session, award: Award, actor: User) -> None:
    """A second officer approves (the two-person rule is the machine's guard)."""
    policy.require(actor, "award.manage")
    solicitation_flow.lock(session, award.solicitation)
    AWARD.fire(award, "approve", actor=actor)
    session.flush()


def withdraw(session: Session, award: Award, actor: User, reason: str) -> None:
    """Withdraw a proposed or approved award (e.g. after an upheld protest), with a reason."""
    policy.require(actor, "award.manage")
    if not reason.strip():
        refuse("Say why the award is withdrawn; it stays on the record.")
    solicitation_flow.lock(session, award.solicitation)
    if award.status is A.standstill:
        refuse("The bidders have been told: an award in standstill is reopened only by "
               "upholding a protest.")
    AWARD.fire(award, "withdraw", actor=actor, reason=reason.strip())
    session.flush()


# ---------------------------------------------------------------- notices and standstill

def _debrief(session: Session, response: Response) -> list[dict[str, Any]]:
    """The response's own consensus scores per criterion, for its notice."""
    consensus = {c.criterion_id: c for c in session.scalars(
        select(ConsensusScore).where(ConsensusScore.response_id == response.id))}
    lines = []
    for criterion in response.solicitation.criteria:
        score = consensus.get(criterion.id)
        rationale = score.rationale if score else ""
        if score and criterion.envelope is Envelope.price:
            # The panel's price rationale names the lowest cost in the lot: another bidder's
            # figure. The notice tells the formula and the bidder's own cost only.
            cost = evaluation_flow.evaluated_cost(session, response).amount
            rationale = ("Scored by formula: the lowest evaluated cost in the lot / your "
                         f"evaluated cost x {criterion.max_points} points. Your evaluated cost: "
                         + (f"${cost:,.2f}." if cost else "none valid."))
        lines.append({"criterion": criterion.name, "weight": criterion.weight,
                      "max_points": criterion.max_points,
                      "points": str(score.points) if score else None,
                      "rationale": rationale})
    return lines


def notify_lot(session: Session, lot: Lot, actor: User, *,
               moment: datetime | None = None) -> list[AwardNotice]:
    """Tell every bidder of the lot the outcome (selected or not, with their own scores) and
    start the standstill period. Every live award of the lot must be approved."""
    policy.require(actor, "award.manage")
    moment = moment or clock.now()
    solicitation = lot.solicitation
    solicitation_flow.lock(session, solicitation)
    live = live_awards(session, lot)
    if not live:
        refuse(f"{lot.label} has no approved award to announce.")
    waiting = [a for a in live if a.status is A.proposed]
    if waiting:
        refuse(f"{lot.label}: every award must be approved before the bidders are told "
               f"({len(waiting)} still proposed).")
    to_notify = [a for a in live if a.status is A.approved]
    if not to_notify:
        refuse(f"The bidders of {lot.label} have already been told.")
    days = solicitation_flow.rules_for(session, solicitation.kind).standstill_days
    ends = moment + timedelta(days=days)
    for award in to_notify:
        AWARD.fire(award, "notify", actor=actor, moment=moment, standstill_ends_at=ends)
    selected = {a.response_id for a in live}
    ranked = {r.response.id: r for r in lot_ranking(session, lot)}
    notices = []
    for response in session.scalars(select(Response).where(
            Response.lot_id == lot.id, Response.status.in_(TOLD)).order_by(Response.id)):
        place = ranked.get(response.id)
        notice = AwardNotice(lot=lot, response=response, selected=response.id in selected,
                             rank=place.rank if place else None,
                             total=place.total if place else None,
                             scores=_debrief(session, response) if place else [],
                             standstill_ends_at=ends, sent_at=moment)
        session.add(notice)
        notices.append(notice)
        outcome = ("has been selected for award" if notice.selected
                   else "has not been selected for award")
        _tell(session, response.organization,
              f"{solicitation.number} {lot.label}: award notice",
              f"Your response to {solicitation.number} ({solicitation.title}), {lot.label}, "
              f"{outcome}.\n\nYour scores are on your response's page in procure, for "
              f"debriefing. The standstill period ends {clock.format_moment(ends)}; a bidder "
              f"may file a protest, with documents, until then.\n\nRead the notice: "
              f"{mail.link(f'/awards/responses/{response.public_id}')}\n")
    session.flush()
    return notices


def notices_for(session: Session, response: Response) -> list[AwardNotice]:
    """What the bidder was told about its response, newest first (its own scores only)."""
    return list(session.scalars(select(AwardNotice).where(AwardNotice.response_id == response.id)
                                .order_by(AwardNotice.id.desc())))


def file_protest(session: Session, award: Award, actor: User, *, grounds: str,
                 files: list[tuple[BinaryIO, str]] = (), uploads: Uploads | None = None,
                 moment: datetime | None = None) -> Protest:
    """A bidder of the lot (not the awardee) protests the award before standstill ends."""
    policy.require(actor, "protest.file")
    moment = moment or clock.now()
    own = session.scalar(select(Response).where(
        Response.lot_id == award.lot_id, Response.organization_id == actor.organization_id,
        Response.status.in_(TOLD)))
    if own is None:
        raise NotFound("There is no award notice for your organisation here.")
    if own.id == award.response_id:
        refuse("Your organisation was selected for this award; it cannot protest it.")
    if award.status is not A.standstill or award.standstill_ends_at is None \
            or moment >= award.standstill_ends_at:
        refuse("Protests are filed during the standstill period, which is over for this award.")
    if not grounds.strip():
        refuse("State the grounds of the protest.")
    if files and uploads is None:
        raise ValueError("files need uploads")
    protest = Protest(award=award, organization_id=actor.organization_id, filed_by_id=actor.id,
                      filed_at=moment, grounds=grounds.strip())
    for stream, filename in files:
        stored = store_upload(uploads, stream)  # type: ignore[arg-type]
        protest.documents.append(ProtestDocument(
            filename=safe_filename(filename), sha256=stored.sha256, size=stored.size,
            uploaded_at=moment))
    session.add(protest)
    session.flush()
    audit.record(session, actor=actor, entity_type="protest", entity_id=protest.id,
                 event="file", to_state=ProtestStatus.open.name,
                 solicitation_id=award.solicitation_id,
                 data={"award": award.public_id, "documents": len(protest.documents)})
    return protest


def decide_protest(session: Session, protest: Protest, actor: User, *, uphold: bool,
                   reasons: str, moment: datetime | None = None) -> None:
    """Uphold (the award goes back to proposed, to be approved and announced again, or
    withdrawn) or deny, with reasons the protester is told."""
    policy.require(actor, "award.manage")
    award = protest.award
    solicitation_flow.lock(session, award.solicitation)
    PROTEST.fire(protest, "uphold" if uphold else "deny", actor=actor, reason=reasons)
    if uphold and award.status is A.standstill:
        AWARD.fire(award, "reopen", actor=actor, reason=f"protest upheld: {reasons.strip()}")
    own = session.scalar(select(Response).where(
        Response.lot_id == award.lot_id, Response.organization_id == protest.organization_id,
        Response.status.in_(TOLD)))
    where = (f"\nThe decision and your award notice: "
             f"{mail.link(f'/awards/responses/{own.public_id}')}\n" if own is not None else "")
    _tell(session, protest.organization,
          f"{award.solicitation.number} {award.lot.label}: your protest was "
          f"{'upheld' if uphold else 'denied'}",
          f"Your protest of the award for {award.solicitation.number}, {award.lot.label}, was "
          f"{'upheld' if uphold else 'denied'}.\n\nReasons:\n{reasons.strip()}\n{where}")
    session.flush()
    if not uphold:
        _finalize(session, award, actor, moment or clock.now())


def _finalize(session: Session, award: Award, actor: User | str, moment: datetime) -> bool:
    """Make a standstill award final if its time is up and no protest is open."""
    if award.status is not A.standstill or award.standstill_ends_at is None \
            or award.standstill_ends_at > moment \
            or any(p.status is ProtestStatus.open for p in award.protests):
        return False
    AWARD.fire(award, "make_final", actor=actor, moment=moment)
    session.flush()
    solicitation = award.solicitation
    if solicitation.status is SolicitationStatus.awarding and _every_lot_final(session,
                                                                              solicitation):
        solicitation_flow.fire(session, solicitation, "complete_award", actor,
                               checked_by_award=True)
    return True


def _every_lot_final(session: Session, solicitation: Solicitation) -> bool:
    """Every lot has its outcome: a final award, or closed without one (`close_lot`); a lot
    with no responsive bidder needs none. Nothing else is pending, and one lot is awarded."""
    awards = [a for a in awards_of(session, solicitation) if a.status in LIVE]
    if any(a.status is not A.final for a in awards):
        return False
    final_lots = {a.lot_id for a in awards}
    closed = set(session.scalars(select(LotOutcome.lot_id).where(
        LotOutcome.solicitation_id == solicitation.id)))
    for lot in solicitation.lots:
        responsive = session.scalar(select(Response.id).where(
            Response.lot_id == lot.id, Response.status == ResponseStatus.accepted).limit(1))
        if responsive is not None and lot.id not in final_lots | closed:
            return False
    return bool(final_lots)


OUTCOMES = {"no_award": LotOutcomeKind.no_award, "reprocure": LotOutcomeKind.reprocure}


def lot_outcome(session: Session, lot: Lot) -> str:
    """Where the lot stands: its live awards ("Awarded to X, final", "Awarded to X, in
    standstill until …", "X approved, bidders not yet told", "X proposed, to be approved"),
    "No award: <reason>", "To be procured again: <reason>", "No responsive bidder" or "Open"."""
    said = {A.final: "Awarded to {}, final",
            A.standstill: "Awarded to {}, in standstill until {}",
            A.approved: "{} approved, bidders not yet told",
            A.proposed: "{} proposed, to be approved"}
    live = [said[a.status].format(a.organization.legal_name,
                                  clock.format_moment(a.standstill_ends_at))
            for a in live_awards(session, lot)]
    if live:
        return "; ".join(live)
    closed = session.scalar(select(LotOutcome).where(LotOutcome.lot_id == lot.id))
    if closed is not None:
        return f"{closed.kind.value}: {closed.reason}"
    if session.scalar(select(Response.id).where(
            Response.lot_id == lot.id, Response.status == ResponseStatus.accepted)
            .limit(1)) is None:
        return "No responsive bidder"
    return "Open"


def close_lot(session: Session, lot: Lot, actor: User, *, outcome: str,
              reason: str) -> LotOutcome:
    """Close a lot without an award (no award, or to be procured again), with the reason on
    the record, so that the RFR can finish: when every other lot's award is final, it is
    awarded."""
    policy.require(actor, "award.manage")
    solicitation = lot.solicitation
    solicitation_flow.lock(session, solicitation)
    if outcome not in OUTCOMES:
        refuse("Choose the lot's outcome: no award, or to be procured again.")
    if not reason.strip():
        refuse("Say why the lot is closed without an award; it stays on the record.")
    if solicitation.status not in (SolicitationStatus.in_evaluation, SolicitationStatus.awarding):
        refuse(f"A lot's outcome is decided after evaluation; {solicitation.number} is "
               f"{solicitation.status.value.lower()}.")
    if not evaluation_flow.evaluation_finished(session, solicitation):
        refuse("A lot's outcome is decided once every panel is finalized.")
    if live_awards(session, lot):
        refuse(f"{lot.label} has a live award: withdraw it before closing the lot without one.")
    if session.scalar(select(LotOutcome.id).where(LotOutcome.lot_id == lot.id)) is not None:
        refuse(f"{lot.label} is already closed without an award.")
    row = LotOutcome(lot=lot, solicitation_id=solicitation.id, kind=OUTCOMES[outcome],
                     reason=reason.strip(), decided_by_id=actor.id, decided_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=solicitation.id,
                 event="close_lot", reason=reason.strip(), solicitation_id=solicitation.id,
                 data={"lot": lot.number, "outcome": outcome})
    if solicitation.status is SolicitationStatus.awarding and _every_lot_final(session,
                                                                              solicitation):
        solicitation_flow.fire(session, solicitation, "complete_award", actor,
                               checked_by_award=True)
    return row


def finalize_due(session: Session, moment: datetime) -> list[str]:
    """The scheduler's job: awards whose standstill ended with no open protest become final."""
    done = []
    for award in session.scalars(select(Award).where(
            Award.status == A.standstill, Award.standstill_ends_at <= moment)
            .order_by(Award.id)):
        if _finalize(session, award, "scheduler", moment):
            done.append(f"{award.solicitation.number} lot {award.lot.number}")
    return done


# ---------------------------------------------------------------- cancelling after the opening

def fire_solicitation_event(session: Session, solicitation: Solicitation, event: str,
                            actor: User | str, *, reason: str = "", **data: Any) -> None:
    """Any event on a solicitation from the faces. Cancelling an RFR withdraws its awards that
    are not final (a final award goes on to its contract: the RFR can no longer be
    cancelled); everything else is the response workflow's."""
    if event == "cancel":
        live = [a for a in awards_of(session, solicitation) if a.status in LIVE]
        if any(a.status is A.final for a in live):
            refuse("An award of this RFR is final: it can no longer be cancelled.")
        response_flow.fire_solicitation_event(session, solicitation, event, actor,
                                              reason=reason, **data)
        for award in live:
            AWARD.fire(award, "withdraw", actor=actor, reason="the RFR was cancelled")
        session.flush()
        return
    response_flow.fire_solicitation_event(session, solicitation, event, actor, reason=reason,
                                          **data)


# ---------------------------------------------------------------- coverage

@dataclass
class Cover:
    """Which awards (live ones) cover a place, from which lots."""
    place: str
    lots: list[str] = field(default_factory=list)
    awardees: list[str] = field(default_factory=list)
    bidders: int = 0            # responsive bidders in the lots that name it
    takes: int = 1              # awards the place may hold (a network-services lot's maximum)

    @property
    def warning(self) -> str:
        if not self.lots:
            return ""
        if not self.awardees and not self.bidders:
            return "Uncovered: no responsive bidder (procure it again)"
        if not self.awardees:
            return "Uncovered: no award"
        if len(self.awardees) > self.takes:
            return f"Covered {len(self.awardees)} times"
        return ""


@dataclass
class Coverage:
    lead_agencies: list[Cover]      # one per area office the RFR's lead-agency lots name
    resource_centers: list[Cover]   # one per region the RFR's resource-center lots name
    network_services: list[Cover] = field(default_factory=list)   # per area office its
    #                                 network-services lots name (up to their awards' number)

    @property
    def warnings(self) -> list[str]:
        return [f"{c.place}: {c.warning}" for c in
                self.lead_agencies + self.resource_centers + self.network_services if c.warning]


def coverage(session: Session, solicitation: Solicitation) -> Coverage:
    """Which area offices have a lead agency and which regions a resource center among this
    RFR's live awards. Joined areas share one lot, so one lead-agency award covers them all."""
    by_lot: dict[int, list[Award]] = defaultdict(list)
    for award in awards_of(session, solicitation):
        if award.status in LIVE:
            by_lot[award.lot_id].append(award)
    areas: dict[int, Cover] = {}
    regions: dict[int, Cover] = {}
    services: dict[int, Cover] = {}
    responsive = dict(session.execute(
        select(Response.lot_id, func.count(Response.id)).where(
            Response.solicitation_id == solicitation.id,
            Response.status == ResponseStatus.accepted).group_by(Response.lot_id)).all())
    for lot in solicitation.lots:
        names = [f"{a.organization.legal_name} ({a.status.value.lower()})"
                 for a in by_lot.get(lot.id, [])]
        if lot.kind is LotKind.lead_agency:
            covers = [areas.setdefault(office.id, Cover(office.name))
                      for office in lot.area_offices]
        elif lot.kind is LotKind.resource_center and lot.region is not None:
            covers = [regions.setdefault(lot.region.id, Cover(lot.region.name))]
        elif lot.kind is LotKind.network_services:
            covers = [services.setdefault(office.id, Cover(office.name, takes=0))
                      for office in lot.area_offices]
            for cover in covers:
                cover.takes += lot.max_awards
        else:
            covers = []
        for cover in covers:
            cover.lots.append(lot.label)
            cover.awardees.extend(names)
            cover.bidders += responsive.get(lot.id, 0)
    # Places of the state that no lot of this RFR names are listed too, without a warning.
    if areas:
        for office in session.scalars(select(AreaOffice).order_by(AreaOffice.name)):
            areas.setdefault(office.id, Cover(office.name))
    if regions:
        for region in session.scalars(select(Region).order_by(Region.name)):
            regions.setdefault(region.id, Cover(region.name))
    if services:
        for office in session.scalars(select(AreaOffice).order_by(AreaOffice.name)):
            services.setdefault(office.id, Cover(office.name))
    return Coverage(sorted(areas.values(), key=lambda c: c.place),
                    sorted(regions.values(), key=lambda c: c.place),
                    sorted(services.values(), key=lambda c: c.place))
