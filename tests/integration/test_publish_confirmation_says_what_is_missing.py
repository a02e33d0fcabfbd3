"""The "Publish…" confirmation of a draft that cannot be published says what is missing and
offers no button (a new user's walk, issue 19: the demo's RFR-002, without sections or
criteria, offered "Yes, publish now" and only then said "Cannot publish yet: …")."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

from procure import clock
from procure.extensions import db
from procure.models import Solicitation, SolicitationKind, SolicitationStatus
from procure.workflows import solicitation as flow
from tests.integration.test_every_form_as_rendered import fill, forms_of
from tests.support.factories import draft_rfr, user


def _text(html: str) -> str:
    html = re.sub(r"</?(strong|em|a|span)\b[^>]*>", "", html)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _publish_confirmation(html: str) -> str:
    """The confirmation that opens under the "Publish…" button, as the officer reads it."""
    start = html.index('<summary class="btn btn-primary">Publish…</summary>')
    return html[start:html.index("</details>", start)]


def test_a_draft_missing_parts_says_so_before_any_button(app, login):
    with app.app_context():
        officer = user(db.session, "officer")
        row = flow.create(db.session, officer, kind=SolicitationKind.RFR, agencies=["DCF"],
                          title="Family support", description="Support at home.",
                          deadline=clock.now() + timedelta(days=40))
        db.session.commit()
        sid = row.id
    url = f"/officer/solicitations/{sid}"
    html = login("officer").get(url).get_data(as_text=True)
    confirmation = _publish_confirmation(html)
    assert _text(confirmation).strip().endswith(
        "Cannot publish yet: add at least one lot; add the response sections bidders must include; add evaluation "
        "criteria.")
    assert "Yes, publish now" not in confirmation and "<form" not in confirmation
    assert not [f for f in forms_of(url, html) if f.action.endswith("/events/publish")]


def test_a_complete_draft_is_offered_the_button_and_publishes(app, login):
    with app.app_context():
        sid = draft_rfr(db.session, user(db.session, "officer")).id
        db.session.commit()
    url = f"/officer/solicitations/{sid}"
    officer = login("officer")
    html = officer.get(url).get_data(as_text=True)
    confirmation = _publish_confirmation(html)
    assert "Yes, publish now" in confirmation and "Cannot publish yet" not in confirmation
    [form] = [f for f in forms_of(url, html) if f.action.endswith("/events/publish")]
    assert officer.post(urlsplit(form.action).path, fill(form, 1)).status_code == 302
    with app.app_context():
        assert db.session.get(Solicitation, sid).status is SolicitationStatus.published
