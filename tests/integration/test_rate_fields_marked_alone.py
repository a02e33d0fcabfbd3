"""Only the rate in error is marked, with its own message; each rate field is named in words
(a new user's walk, issue 19: with "abc" in one rate, a blank rate was outlined red with no
message, and the hidden label read "Case rate rate for …")."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from procure.extensions import db
from procure.models import RateUnit, User
from procure.workflows import evaluation as flow
from procure.workflows import solicitation as solicitation_flow
from tests.integration.test_every_form_as_rendered import fill, forms_of
from tests.support.factories import EMAILS, draft_rfr, response_ready_to_submit, user

LINES = [("Residential care", RateUnit.per_diem, 3650),
         ("Family partner visits", RateUnit.hourly, 2000),
         ("Intensive foster care", RateUnit.case_rate, 40)]


def _field(html: str, key: str) -> str:
    return re.search(rf'<input[^>]*\bid="{key}"[^>]*>', html).group(0)


def test_only_the_wrong_rate_is_marked_and_each_field_is_named(app, people, login, tmp_path):
    with app.app_context():
        officer = user(db.session, "officer")
        rfr = draft_rfr(db.session, officer)
        for service, unit, units in LINES:
            flow.add_rate_line(db.session, rfr, officer, service=service, unit=unit,
                               projected_units=units)
        solicitation_flow.publish(db.session, rfr, officer)
        bidder = db.session.scalar(db.select(User).where(User.email == EMAILS["bidder"]))
        rid = response_ready_to_submit(db.session, bidder, rfr.lots[0], tmp_path).public_id
        lines = [line.id for line in flow.rate_card(db.session, rfr)]
        db.session.commit()
    url = f"/bidder/responses/{rid}"
    page = login("bidder")
    html = page.get(url).get_data(as_text=True)
    labels = [unescape(t) for t in re.findall(r'<label class="visually-hidden" for="rate-\d+">'
                                              r"(.*?)</label>", html)]
    assert labels == ["Your rate (per diem) for Residential care",
                      "Your rate (hourly) for Family partner visits",
                      "Your rate (case rate) for Intensive foster care"]
    [form] = [f for f in forms_of(url, html) if f.action.endswith("/rates")]
    data = fill(form, 1)
    data.update({f"rate-{lines[0]}": ["abc"], f"rate-{lines[1]}": [""],
                 f"rate-{lines[2]}": ["-5"]})
    refused = page.post(urlsplit(form.action).path, data)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    wrong, blank, negative = (_field(html, f"rate-{i}") for i in lines)
    assert "is-invalid" in wrong and f'aria-describedby="rate-{lines[0]}-error"' in wrong
    assert "is-invalid" in negative and 'value="-5"' in negative
    assert "is-invalid" not in blank and "aria-invalid" not in blank
    messages = dict(re.findall(r'<div class="invalid-feedback" id="rate-(\d+)-error">(.*?)</div>',
                               html))
    assert {int(k): unescape(v) for k, v in messages.items()} == {
        lines[0]: "Residential care: a rate is an amount in dollars, like 212.50.",
        lines[2]: "Intensive foster care: a rate is an amount of $0 or more."}
