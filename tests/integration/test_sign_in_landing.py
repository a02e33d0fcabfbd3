"""Where each person lands after signing in (issue 19: the administrator landed on the officer
dashboard): their own pages, the administrator on Administration."""

from __future__ import annotations

import pytest

from tests.conftest import Client
from tests.support.factories import EMAILS, PASSWORD


@pytest.mark.parametrize(("who", "lands", "heading"), [
    ("admin", "/admin/", "Administration"),
    ("officer", "/officer/", "Solicitations"),
    ("panelist", "/evaluation/mine", "My panels"),
    ("bidder", "/bidder/", "My responses"),
])
def test_each_role_lands_on_its_own_pages(app, people, who, lands, heading):
    person = Client(app)
    signed_in = person.login(EMAILS[who], PASSWORD)
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].endswith(lands)
    page = person.get(lands)
    assert page.status_code == 200 and heading in page.get_data(as_text=True)
