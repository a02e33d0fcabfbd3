"""The disclosure table asked for a page's subjects at once (`may_see_each`, and the bidder
labels built on it) answers exactly as asked one by one: for every kind, every sort of viewer,
blind and named RFRs, panels at work and finalized, drafts, solicitations and panels."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from procure import disclosure
from procure.extensions import db
from procure.models import (
    EvaluationPlan,
    Panel,
    PanelStatus,
    Response,
    ResponseStatus,
    Solicitation,
    User,
)
from procure.workflows import evaluation as flow
from tests.integration.test_query_counts_kept_lists import _blind_world, _clone, _grow_blind
from tests.support.factories import user


def _copy_rfr(session, ids, suffix: str, *, blind: bool, status: PanelStatus) -> None:
    """A copy of the blind RFR (blind or not), its panel (the same members) in this status,
    and a draft beside its responses."""
    panel = session.get(Panel, ids["panel"])
    rfr = panel.solicitation
    copy = _clone(session, rfr, number=rfr.number + suffix)
    if blind:
        _clone(session, session.get(EvaluationPlan, rfr.id), solicitation_id=copy.id)
    lot = _clone(session, panel.lots[0], solicitation_id=copy.id)
    responses = [_clone(session, r, solicitation_id=copy.id, lot_id=lot.id)
                 for r in flow.responses_of(panel)]
    at = _clone(session, panel, solicitation_id=copy.id, name=f"Panel {suffix}", status=status)
    at.lots = [lot]
    for seat in panel.active_members:
        _clone(session, seat, panel_id=at.id)
    draft_lot = _clone(session, lot, number=lot.number + 1)
    _clone(session, responses[0], solicitation_id=copy.id, lot_id=draft_lot.id,
           status=ResponseStatus.draft)
    session.commit()


@pytest.mark.slow
def test_asked_at_once_the_table_answers_as_asked_one_by_one(app, people):
    ids = _blind_world(app)
    _grow_blind(app, ids, 3)
    with app.app_context():
        session = db.session
        _copy_rfr(session, ids, "-N", blind=False, status=PanelStatus.finalized)
        _copy_rfr(session, ids, "-B", blind=True, status=PanelStatus.scoring)
        responses = session.scalars(select(Response).order_by(Response.id)).all()
        subjects = [*responses, *session.scalars(select(Solicitation)),
                    *session.scalars(select(Panel))]
        viewers = [None, *session.scalars(select(User).order_by(User.id))]
        assert len({s.solicitation_id for s in responses}) == 3
        assert {r.status for r in responses} >= {ResponseStatus.accepted, ResponseStatus.draft}
        shown = set()
        for viewer in viewers:
            for kind in disclosure.Kind:
                one_by_one = [disclosure.may_see(viewer, kind, s) for s in subjects]
                assert disclosure.may_see_each(viewer, kind, subjects) == one_by_one, \
                    (getattr(viewer, "email", None), kind)
            labels = flow.bidder_labels_each(responses, viewer)
            assert labels == {r.id: flow.bidder_label(r, viewer)
                              for r in responses}
            shown |= set(labels.values())
        # both kinds of label were asked: codes (blind, at work) and names
        assert any(label.startswith("Bidder ") for label in shown)
        assert any(not label.startswith("Bidder ") for label in shown)
        panelist = user(session, "panelist")
        assert disclosure.viewer_of(panelist, responses[0]) is disclosure.Viewer.blind_member
