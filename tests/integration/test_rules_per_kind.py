"""The procedure rules page shows each kind only the rules that apply to it (a new user's walk,
issue 19: RFIs listed "Standstill days after an award" and "Responses needed at least", though
an RFI awards nothing and takes no minimum)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from procure.extensions import db
from procure.models import ProcedureRule, SolicitationKind
from tests.integration.test_every_form_as_rendered import fill, forms_of

RFR_ONLY = ["Standstill days after an award", "Responses needed at least"]


def _section(html: str, kind: str) -> str:
    start = html.index(f'aria-labelledby="rules-{kind}"')
    return unescape(html[start:html.index("</section>", start)])


def test_each_kind_shows_the_rules_that_apply_and_saves_them_as_rendered(app, login):
    admin = login("admin")
    html = admin.get("/admin/rules").get_data(as_text=True)
    rfr, rfi = _section(html, "RFR"), _section(html, "RFI")
    for label in RFR_ONLY:
        assert label in rfr and label not in rfi
    for label in ("Days open at least", "Days bidders get at least after an addendum"):
        assert label in rfr and label in rfi

    [form] = [f for f in forms_of("/admin/rules", html) if f.action.endswith("/admin/rules/RFI")]
    assert not {"RFI-standstill_days", "RFI-min_responses"} & {f["name"] for f in form.fields}
    data = fill(form, 1)
    data["RFI-min_days_open"] = ["12"]
    saved = admin.post(urlsplit(form.action).path, data)
    assert saved.status_code == 302
    assert "The RFI rules are saved." in re.sub(r"<[^>]+>", "", admin.get(
        saved.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        rule = db.session.get(ProcedureRule, SolicitationKind.RFI)
        assert rule.min_days_open == 12 and rule.standstill_days == 0 and rule.min_responses == 0
