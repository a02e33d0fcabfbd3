"""What the API lacked (issue 19): an officer's list of an RFR's responses (after the opening
only; sealed before, saying nothing of how many), and a public list of its final awards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import time_machine

from procure import accounts
from procure.extensions import db
from procure.models import Solicitation, User
from procure.workflows import award as award_flow
from tests.conftest import wipe
from tests.support.award import RANKED, finalized
from tests.support.factories import ORG_A, user
from tests.support.world import build


def _get(app, url: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = app.test_client().get("/api/v1" + url, headers=headers)
    return answer.status_code, answer.get_json()


def test_an_officer_lists_the_responses_after_the_opening_and_none_before(app):
    world = build(app, opened=False)
    sid, officer = world.ids["solicitation"], world.tokens["officer"]
    with time_machine.travel(world.deadline - timedelta(days=2)):
        status, body = _get(app, f"/solicitations/{sid}/responses", officer)
        assert status == 409
        assert "sealed until the opening" in body["message"]
        assert ORG_A not in str(body) and "1" not in body["message"].split(";")[1]
        assert _get(app, f"/solicitations/{sid}/responses", world.tokens["bidder"])[0] == 403
        assert _get(app, f"/solicitations/{sid}/responses")[0] in (401, 403)
    wipe(app)
    world = build(app, opened=True, evaluated=False)
    sid = world.ids["solicitation"]
    with time_machine.travel(world.deadline + timedelta(minutes=1)):
        status, body = _get(app, f"/solicitations/{sid}/responses", world.tokens["officer"])
    assert status == 200, body
    assert [(r["id"], r["organization"], r["status"]) for r in body] == [
        (world.ids["response"], ORG_A, "opened")]
    assert "accept" in body[0]["allowed_events"]


def test_anyone_lists_an_rfrs_final_awards(app, people):
    with app.app_context():
        session = db.session
        world, _ = finalized(session)
        lot, officer = world.rfr.lots[0], world.officer
        award = award_flow.propose(session, lot, officer, response=world.responses[RANKED[0]],
                                   amount=Decimal(100000))     # at the lot's estimate
        award_flow.approve(session, award, world.chair)
        session.commit()
        sid, award_id, officer_id = world.rfr.id, award.public_id, officer.id
        awardee = world.responses[RANKED[0]].organization.legal_name
        areas = [a.name for a in lot.area_offices]
        token = accounts.issue_token(session, user(session, "bidder"), "test")
        session.commit()
    assert _get(app, f"/solicitations/{sid}/final-awards") == (200, [])  # approved, not final
    with app.app_context():
        session = db.session
        row = award_flow.awards_of(session, session.get(Solicitation, sid))[0]
        award_flow.notify_lot(session, row.lot, session.get(User, officer_id))
        award_flow.finalize_due(session, row.standstill_ends_at + timedelta(seconds=1))
        session.commit()
    for who in (None, token):
        status, body = _get(app, f"/solicitations/{sid}/final-awards", who)
        assert status == 200
        assert [(a["id"], a["lot"], a["awardee"], a["area_offices"], a["annual_amount"])
                for a in body] == [(award_id, 1, awardee, areas, body[0]["annual_amount"])]
        assert float(body[0]["annual_amount"]) > 0 and body[0]["final_at"]
    assert _get(app, "/solicitations/999999/final-awards")[0] == 404
