"""A deactivated user who signs in with the right password is told the account is deactivated
(issue 19: "Email or password is not right"); with a wrong one, the same answer as anyone."""

from __future__ import annotations

import re
from html import unescape

from procure import accounts
from procure.extensions import db
from tests.conftest import Client
from tests.support.factories import EMAILS, PASSWORD, user


def _text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_a_deactivated_user_is_told_so_only_after_the_right_password(app, people):
    with app.app_context():
        accounts.deactivate(db.session, user(db.session, "panelist"), "left the panel")
        db.session.commit()
    right = Client(app).login(EMAILS["panelist"], PASSWORD)
    assert right.status_code == 200
    assert "Your account is deactivated" in _text(right)
    assert accounts.SIGN_IN_REFUSED not in _text(right)
    wrong = Client(app).login(EMAILS["panelist"], "not-the-password-at-all")
    assert "deactivated" not in _text(wrong)
    assert accounts.SIGN_IN_REFUSED in _text(wrong)
    signed_in = Client(app)
    signed_in.login(EMAILS["panelist"], PASSWORD)
    assert "/login" in signed_in.get("/evaluation/mine").headers.get("Location", "/login")
