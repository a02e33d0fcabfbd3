"""An RFR whose lot 1 panel is finalized (three ranked bidders), built through the use cases."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from procure.models import Panel
from procure.workflows import evaluation as evaluation_flow
from tests.support.evaluation import Evaluation, declare_none, formed_panel, opened_rfr

# Technical consensus points out of 10 (weights 60 technical / 40 price; prices $100k/$80k/$120k):
# Gamma 6*9 + 4*6.67 = 80.68 (1st); Alpha 6*8 + 4*8 = 80.00 (2nd); Beta 6*6 + 4*10 = 76.00 (3rd)
TECHNICAL = {"bidder": 8, "other_bidder": 6, "third_bidder": 9}
RANKED = ["third_bidder", "bidder", "other_bidder"]


def finalized(session: Session, *, comment: str = "Clear plan.",
              rationale: str = "Agreed by the panel.") -> tuple[Evaluation, Panel]:
    world = opened_rfr(session)
    panel = formed_panel(session, world)
    evaluation_flow.fire(session, panel, "begin_declarations", world.officer)
    declare_none(session, panel, world.chair, world.evaluator, world.family)
    evaluation_flow.fire(session, panel, "begin_scoring", world.chair)
    technical = evaluation_flow.technical_criteria(panel)[0]
    for sheet in evaluation_flow.live_scoresheets(panel):
        evaluation_flow.save_scores(session, sheet, sheet.member.user,
                                    {technical.id: (Decimal(7), comment)})
        evaluation_flow.submit(session, sheet, sheet.member.user)
    evaluation_flow.fire(session, panel, "begin_consensus", world.chair)
    for key, points in TECHNICAL.items():
        evaluation_flow.record_consensus(session, panel, world.chair,
                                         response=world.responses[key], criterion=technical,
                                         points=Decimal(points), rationale=rationale)
    evaluation_flow.score_price(session, panel, world.chair)
    evaluation_flow.fire(session, panel, "finalize", world.chair)
    session.commit()
    return world, panel
