"""Every award and protest transition and guard, through the use cases (real database, the
panel's real ranking, mail through the real queue)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from procure.models import (
    AuditEvent,
    AwardStatus,
    OutgoingMail,
    ProtestStatus,
    SolicitationStatus,
)
from procure.policy import Denied
from procure.workflows import award as flow
from procure.workflows.base import NotFound, WorkflowError
from tests.support.award import RANKED, finalized
from tests.support.factories import user


@pytest.fixture
def world(ctx, people):
    return finalized(ctx)[0]


def _lot(world):
    return world.rfr.lots[0]


def _propose_top(ctx, world):
    """Gamma, ranked first, at the lot's estimate ($100,000; its evaluated cost is $120,000)."""
    return flow.propose(ctx, _lot(world), world.officer, response=world.responses[RANKED[0]],
                        amount=Decimal(100000))


def _told(ctx, world):
    award = _propose_top(ctx, world)
    flow.approve(ctx, award, world.chair)
    flow.notify_lot(ctx, _lot(world), world.officer)
    return award


def _mail_to(ctx, email):
    return list(ctx.scalars(select(OutgoingMail).where(OutgoingMail.to == email)))


def test_nothing_is_proposed_before_every_panel_is_finalized(ctx, people):
    from tests.support.evaluation import opened_rfr
    world = opened_rfr(ctx)
    with pytest.raises(WorkflowError, match="after evaluation|every panel is finalized"):
        flow.propose(ctx, world.rfr.lots[0], world.officer,
                     response=world.responses["bidder"])


def test_the_top_ranked_needs_no_justification_and_the_rfr_moves_to_awarding(ctx, world):
    award = _propose_top(ctx, world)
    assert award.status is AwardStatus.proposed and award.justification == ""
    assert (award.rank, award.total) == (1, Decimal("80.68"))
    assert world.rfr.status is SolicitationStatus.awarding
    event = ctx.scalars(select(AuditEvent).where(AuditEvent.entity_type == "award")).one()
    assert (event.event, event.solicitation_id) == ("propose", world.rfr.id)


def test_passing_over_the_top_ranked_needs_a_written_justification(ctx, world):
    second = world.responses[RANKED[1]]
    with pytest.raises(WorkflowError, match="ranked 2.*written justification"):
        flow.propose(ctx, _lot(world), world.officer, response=second)
    award = flow.propose(ctx, _lot(world), world.officer, response=second,
                         justification="The top-ranked bidder lost its license on 1 May.")
    assert award.justification.startswith("The top-ranked")


def test_a_lot_takes_at_most_its_awards_and_no_bidder_twice(ctx, world):
    _propose_top(ctx, world)
    with pytest.raises(WorkflowError, match="already proposed"):
        _propose_top(ctx, world)
    with pytest.raises(WorkflowError, match="takes 1 award"):
        flow.propose(ctx, _lot(world), world.officer, response=world.responses[RANKED[1]],
                     justification="Second choice.")


def test_the_proposer_can_never_approve_and_a_bidder_cannot_either(ctx, world):
    award = _propose_top(ctx, world)
    with pytest.raises(WorkflowError, match="another officer must approve"):
        flow.approve(ctx, award, world.officer)
    with pytest.raises(Denied):
        flow.approve(ctx, award, user(ctx, "bidder"))
    assert award.status is AwardStatus.proposed
    flow.approve(ctx, award, world.chair)
    assert (award.status, award.approved_by_id) == (AwardStatus.approved, world.chair.id)


def test_bidders_are_told_only_once_every_award_of_the_lot_is_approved(ctx, world):
    _propose_top(ctx, world)
    with pytest.raises(WorkflowError, match="every award must be approved"):
        flow.notify_lot(ctx, _lot(world), world.officer)


def test_notices_carry_each_bidders_own_scores_and_start_standstill(ctx, world):
    award = _told(ctx, world)
    assert award.status is AwardStatus.standstill
    assert award.standstill_ends_at - award.notified_at == timedelta(days=10)
    notices = {n.response.organization.legal_name: n for n in ctx.scalars(
        select(flow.AwardNotice))}
    assert len(notices) == 3
    winner = world.responses[RANKED[0]].organization.legal_name
    assert notices[winner].selected and notices[winner].rank == 1
    alpha = notices["Alpha Care Collaborative"]
    assert (alpha.selected, alpha.rank, alpha.total) == (False, 2, Decimal("80.00"))
    technical = next(s for s in alpha.scores if s["weight"] == 60)
    assert (technical["points"], technical["rationale"]) == ("8.00", "Agreed by the panel.")
    price = next(s for s in alpha.scores if s["weight"] == 40)       # lowest: Beta's $80,000
    assert price["points"] == "8.00" and "Your evaluated cost: $100,000.00." in price["rationale"]
    assert "80,000" not in str(alpha.scores)                          # no other bidder's price
    # each bidder's contacts get a mail; the content tells the outcome, not others' scores
    # (besides the receipts of their submissions)
    [mail_a] = [m for m in _mail_to(ctx, "ann@alpha-care.example.org") if "selected" in m.body]
    assert "has not been selected" in mail_a.body and "80.68" not in mail_a.body
    [mail_c] = [m for m in _mail_to(ctx, "di@gamma-youth.example.org") if "selected" in m.body]
    assert "has been selected" in mail_c.body


def test_standstill_ends_the_award_final_and_the_rfr_awarded(ctx, world):
    award = _told(ctx, world)
    assert flow.finalize_due(ctx, award.standstill_ends_at - timedelta(minutes=1)) == []
    assert flow.finalize_due(ctx, award.standstill_ends_at) == [
        f"{world.rfr.number} lot 1"]
    assert award.status is AwardStatus.final
    assert world.rfr.status is SolicitationStatus.awarded
    assert flow.finalize_due(ctx, award.standstill_ends_at + timedelta(days=1)) == []


def test_a_protest_holds_the_award_until_denied(ctx, world):
    award = _told(ctx, world)
    loser = user(ctx, "bidder")
    protest = flow.file_protest(ctx, award, loser, grounds="Our price was read wrongly.")
    assert protest.status is ProtestStatus.open
    assert flow.finalize_due(ctx, award.standstill_ends_at + timedelta(days=1)) == []
    assert award.status is AwardStatus.standstill
    with pytest.raises(WorkflowError, match="Give the reasons"):
        flow.decide_protest(ctx, protest, world.officer, uphold=False, reasons=" ")
    with time_machine.travel(award.standstill_ends_at + timedelta(days=1)):
        flow.decide_protest(ctx, protest, world.officer, uphold=False,
                            reasons="The price was read from the budget total you submitted.")
    assert protest.status is ProtestStatus.denied
    decided = ctx.scalars(select(AuditEvent).where(AuditEvent.entity_type == "protest",
                                                   AuditEvent.event == "deny")).one()
    assert decided.solicitation_id == world.rfr.id and decided.reason.startswith("The price")
    assert award.status is AwardStatus.final       # standstill was over: final at once
    [decision] = [m for m in _mail_to(ctx, loser.email) if "protest" in m.subject]
    assert "denied" in decision.subject and "budget total" in decision.body


def test_an_upheld_protest_sends_the_award_back_to_proposed(ctx, world):
    award = _told(ctx, world)
    protest = flow.file_protest(ctx, award, user(ctx, "other_bidder"), grounds="Conflict.")
    flow.decide_protest(ctx, protest, world.officer, uphold=True,
                        reasons="A panelist's conflict was not declared.")
    assert (award.status, award.approved_by_id, award.standstill_ends_at) == (
        AwardStatus.proposed, None, None)
    # approved and announced again: new notices, a new standstill
    flow.approve(ctx, award, world.chair)
    flow.notify_lot(ctx, _lot(world), world.officer)
    assert len(list(ctx.scalars(select(flow.AwardNotice)))) == 6


def test_who_may_protest_and_when(ctx, world):
    award = _propose_top(ctx, world)
    with pytest.raises(WorkflowError, match="standstill period"):
        flow.file_protest(ctx, award, user(ctx, "bidder"), grounds="Too early.")
    flow.approve(ctx, award, world.chair)
    flow.notify_lot(ctx, _lot(world), world.officer)
    winner = ctx.get(type(world.officer), world.responses[RANKED[0]].organization.members[0].id)
    with pytest.raises(WorkflowError, match="was selected"):
        flow.file_protest(ctx, award, winner, grounds="We want more.")
    with pytest.raises(Denied):
        flow.file_protest(ctx, award, world.officer, grounds="Officers do not protest.")
    with pytest.raises(WorkflowError, match="State the grounds"):
        flow.file_protest(ctx, award, user(ctx, "bidder"), grounds="  ")
    with time_machine.travel(award.standstill_ends_at + timedelta(seconds=1)):
        with pytest.raises(WorkflowError, match="over for this award"):
            flow.file_protest(ctx, award, user(ctx, "bidder"), grounds="Too late.")


def test_a_bidder_of_another_solicitation_finds_no_award_to_protest(ctx, world):
    from procure import accounts
    from procure.models import SupplierDiversity
    stranger = accounts.register_organization(
        ctx, legal_name="Delta Homes", fein="04-4444444", address="4 Elm St, Lowell MA",
        contact_phone="", diversity=SupplierDiversity.none, name="Dee Delta",
        email="dee@delta.example.org", password="correct horse battery staple 9")
    award = _told(ctx, world)
    with pytest.raises(NotFound):
        flow.file_protest(ctx, award, stranger, grounds="We did not bid.")


def test_cancelling_after_the_opening_withdraws_awards_not_yet_final(ctx, world):
    award = _propose_top(ctx, world)
    with pytest.raises(WorkflowError):
        flow.fire_solicitation_event(ctx, world.rfr, "cancel", world.officer, reason="")
    flow.fire_solicitation_event(ctx, world.rfr, "cancel", world.officer,
                                 reason="The legislature cut the line item.",
                                 cancel_reason="funds_cut")
    assert world.rfr.status is SolicitationStatus.cancelled
    assert award.status is AwardStatus.withdrawn


def test_a_final_award_stops_cancellation(ctx, world):
    award = _told(ctx, world)
    flow.finalize_due(ctx, award.standstill_ends_at)
    with pytest.raises(WorkflowError):
        flow.fire_solicitation_event(ctx, world.rfr, "cancel", world.officer,
                                     reason="Too late.", cancel_reason="other")


def test_awarding_events_are_never_offered_as_buttons(ctx, world):
    from procure.workflows import solicitation as solicitation_flow
    _propose_top(ctx, world)
    assert "complete_award" not in solicitation_flow.allowed_events(world.rfr)
    with pytest.raises(WorkflowError, match="through procure.workflows.award"):
        solicitation_flow.fire(ctx, world.rfr, "complete_award", world.officer)


def test_withdrawing_a_proposal_needs_a_reason_and_frees_the_lot(ctx, world):
    award = _propose_top(ctx, world)
    with pytest.raises(WorkflowError, match="Say why"):
        flow.withdraw(ctx, award, world.officer, " ")
    flow.withdraw(ctx, award, world.officer, "Proposed in error.")
    second = flow.propose(ctx, _lot(world), world.officer, response=world.responses[RANKED[1]],
                          justification="The top-ranked bidder declined.")
    assert second.status is AwardStatus.proposed


def test_coverage_warns_of_areas_uncovered_or_covered_twice(ctx, world):
    holyoke = _lot(world).area_offices[0].name
    joined = [a.name for a in world.rfr.lots[1].area_offices]

    def warnings():
        report = flow.coverage(ctx, world.rfr)
        return {c.place: c.warning for c in report.lead_agencies if c.lots}

    nobody = "Uncovered: no responsive bidder (procure it again)"     # lot 2 had no bidder
    assert warnings() == {holyoke: "Uncovered: no award", **{name: nobody for name in joined}}
    _propose_top(ctx, world)
    assert warnings() == {holyoke: "", **{name: nobody for name in joined}}
    _lot(world).max_awards = 2
    flow.propose(ctx, _lot(world), world.officer, response=world.responses[RANKED[1]])
    assert warnings()[holyoke] == "Covered 2 times"
    every_area = flow.coverage(ctx, world.rfr).lead_agencies
    assert len(every_area) > 3 and not any(c.warning for c in every_area if not c.lots)



def test_an_amount_above_the_evaluated_cost_or_the_estimate_needs_a_justification(ctx, world):
    """Gamma was evaluated at $120,000 on a lot estimated at $100,000: its evaluated cost is
    above the estimate, $900,000 is above both; the approver reads why."""
    top = world.responses[RANKED[0]]
    with pytest.raises(WorkflowError, match=r"An award of \$120,000.00 a year is above the lot's "
                                            r"estimate \(\$100,000.00\): give a written"):
        flow.propose(ctx, _lot(world), world.officer, response=top)
    with pytest.raises(WorkflowError, match=r"\$900,000.00 a year is above the bidder's "
                                            r"evaluated cost \(\$120,000.00\) and the lot's "
                                            r"estimate \(\$100,000.00\)"):
        flow.propose(ctx, _lot(world), world.officer, response=top, amount=Decimal(900000))
    award = flow.propose(ctx, _lot(world), world.officer, response=top, amount=Decimal(900000),
                         justification="Two more area offices join the lot on July 1.")
    assert flow.money_above(ctx, top, award.amount) == [
        "the bidder's evaluated cost ($120,000.00)", "the lot's estimate ($100,000.00)"]
    assert flow.money_above(ctx, top, Decimal(100000)) == []


def test_a_withdrawn_bidder_can_be_proposed_again(ctx, world):
    """The withdrawn award stays on the record beside the new proposal of the same bidder
    (it kept the lot and response pair unique: a 500)."""
    first = _propose_top(ctx, world)
    flow.withdraw(ctx, first, world.chair, "Proposed at the wrong amount.")
    again = _propose_top(ctx, world)
    ctx.commit()
    assert [a.status for a in flow.awards_of(ctx, world.rfr)] == [AwardStatus.withdrawn,
                                                                  AwardStatus.proposed]
    assert again.response_id == first.response_id
    with pytest.raises(WorkflowError, match="already proposed"):
        _propose_top(ctx, world)
