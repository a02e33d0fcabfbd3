"""`procure demo` tells the seeds' story, and running it twice keeps what exists."""

from __future__ import annotations

from sqlalchemy import func, select

from procure.extensions import db
from procure.models import (
    Addendum,
    Lot,
    LotKind,
    Question,
    RfiComment,
    Role,
    Solicitation,
    SolicitationKind,
    SolicitationStatus,
    User,
)


def test_demo_story(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "officer@agency.example.org" in first.output and "procure-demo-2026" in first.output
    assert "already present" in runner.invoke(args=["demo"]).output
    with app.app_context():
        rfi = db.session.scalar(select(Solicitation).where(Solicitation.kind == SolicitationKind.RFI))
        assert rfi.status is SolicitationStatus.closed
        assert rfi.deadline.year == 2005 and rfi.deadline.month == 9
        assert db.session.scalar(select(func.count(RfiComment.id))) == 3
        rfr = db.session.scalar(select(Solicitation).where(
            Solicitation.status == SolicitationStatus.published,
            Solicitation.kind == SolicitationKind.RFR))
        lots = db.session.scalars(select(Lot).where(Lot.solicitation_id == rfr.id)).all()
        lead = [lot for lot in lots if lot.kind is LotKind.lead_agency]
        assert len(lead) == 18 and sum(len(lot.area_offices) for lot in lead) == 29
        assert sum(lot.kind is LotKind.resource_center for lot in lots) == 6
        assert rfr.agency_names == "DCF and DMH"
        assert db.session.scalar(select(func.count(Addendum.id))) == 1
        assert db.session.scalar(select(func.count(Question.id)).where(
            Question.answer.is_not(None))) == 2
        roles = set(db.session.scalars(select(User.role)))
        assert roles == set(Role)
