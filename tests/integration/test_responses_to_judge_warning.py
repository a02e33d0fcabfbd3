"""Right after the opening, responses still to judge are not "fewer than the minimum" (a new
user's walk, issue 19: two responses opened, none judged, the page warned "Fewer responses than
the minimum… 0 accepted; at least 1")."""

from __future__ import annotations

import re
from html import unescape

from procure.extensions import db
from procure.models import Response, SolicitationKind, User
from procure.workflows import response as response_flow
from procure.workflows import solicitation as solicitation_flow
from tests.conftest import Client
from tests.support.factories import EMAILS, PASSWORD
from tests.support.world import build


def _text(response) -> str:
    """What a person reads: words in bold or in a link stay in their sentence."""
    html = re.sub(r"</?(strong|em|a|span)\b[^>]*>", "", response.get_data(as_text=True))
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _rule(app, minimum: int) -> None:
    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.email == EMAILS["admin"]))
        solicitation_flow.set_rules(db.session, SolicitationKind.RFR, admin,
                                    min_responses=minimum)
        db.session.commit()


def test_responses_to_judge_are_asked_to_be_judged_not_called_too_few(app):
    world = build(app, opened=True, evaluated=False)
    url = f"/officer/solicitations/{world.ids['solicitation']}/responses"
    officer = Client(app)
    assert officer.login(EMAILS["officer"], PASSWORD).status_code == 302
    page = _text(officer.get(url))
    assert "Fewer responses than the minimum" not in page and "fewer" not in page.lower()
    assert ("Responses to judge 1 still to judge: open each below and accept or reject it "
            "first. Evaluation begins once at least 1 is accepted as responsive (0 so far).") \
        in page

    # Even if every one still to judge were accepted, too few: said now, with the decision.
    _rule(app, 2)
    page = _text(officer.get(url))
    assert "Fewer responses than the minimum" in page and "1 still to judge" in page
    assert "Evaluate anyway" in page

    # Judged and rejected: fewer than the minimum of 1.
    _rule(app, 1)
    with app.app_context():
        response = db.session.scalar(db.select(Response).where(
            Response.public_id == world.ids["response"]))
        officer_row = db.session.scalar(db.select(User).where(User.email == EMAILS["officer"]))
        response_flow.fire(db.session, response, "reject", officer_row,
                           reason="Missing the signed forms.")
        db.session.commit()
    page = _text(officer.get(url))
    assert "Fewer responses than the minimum" in page and "still to judge" not in page
    assert "0 responses accepted as responsive; the procedure asks for at least 1." in page

