"""Award and contract money tied to what was evaluated and approved, through the pages and the
API, forms submitted as rendered: the award form's amount follows the chosen bidder; an amount
above the evaluated cost or the lot's estimate needs a justification the approver reads; the
evaluated-cost correction is bounded and locked once price is scored; a withdrawn bidder is
proposed again; the API never offers "approve" to the proposer."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from procure import accounts
from procure.extensions import db
from procure.models import Award, AwardStatus, EvaluatedCost, Solicitation, SolicitationStatus, User
from procure.workflows import award as award_flow
from tests.conftest import Client
from tests.integration import test_award_pages
from tests.support.award import RANKED, finalized
from tests.support.evaluation import formed_panel, opened_rfr
from tests.support.factories import EMAILS, PASSWORD, user

world = test_award_pages.world          # the fixture: lot 1's panel finalized, three ranked


class _Forms(HTMLParser):
    """The forms of a page as a browser would send them: {action: {name: value}}, and each
    select's options."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.options: dict[str, list[str]] = {}
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action", ""), {})
            self._form["__attrs__"] = json.dumps(a)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._form[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
            self.options[self._select] = []
        elif tag == "option" and self._select:
            self.options[self._select].append(a.get("value", ""))
            if "selected" in a or self._select not in self._form:
                self._form[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._form[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms(page: str) -> _Forms:
    parser = _Forms()
    parser.feed(page)
    return parser


def _rendered(c: Client, page_url: str, action: str) -> dict[str, str]:
    """The fields the page's form at `action` sends, as rendered."""
    form = _forms(c.get(page_url).get_data(as_text=True)).forms[action]
    form.pop("__attrs__")
    return form


def _correct_cost(app, rfr: int, public_id: str, amount: str, reason: str):
    """An officer corrects a response's evaluated cost with the form on the evaluation page."""
    officer = _as(app, "officer")
    action = f"/evaluation/responses/{public_id}/cost"
    form = _rendered(officer, f"/evaluation/solicitations/{rfr}", action)
    form.update({"amount": amount, "reason": reason})
    return officer.post(action, form)


def _as(app, who: str) -> Client:
    c = Client(app)
    assert c.login(EMAILS[who], PASSWORD).status_code == 302
    return c


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ",
                                                    response.get_data(as_text=True))))


def test_the_award_form_follows_the_chosen_bidder_and_asks_why_above_the_figures(app, world):
    """Without JavaScript the amount is left empty and the chosen bidder's evaluated cost is
    taken (it stayed at the top bidder's $120,000); each bidder's figure is on the form for the
    script. $900,000 for Alpha (evaluated at $100,000) needs a justification, which the
    approving officer reads beside what it exceeds."""
    officer, lot = _as(app, "officer"), world["lot"]
    page = officer.get(f"/awards/solicitations/{world['rfr']}").get_data(as_text=True)
    parsed = _forms(page)
    action = f"/awards/lots/{lot}/proposals"
    form = parsed.forms[action]
    amounts = json.loads(json.loads(form.pop("__attrs__"))["data-amounts"])
    assert amounts == {world["responses"]["third_bidder"]: "120000.00",
                       world["responses"]["bidder"]: "100000.00",
                       world["responses"]["other_bidder"]: "80000.00"}
    assert form[f"lot{lot}-amount"] == ""
    alpha = world["responses"]["bidder"]                   # ranked 2, evaluated at $100,000
    assert alpha in parsed.options[f"lot{lot}-response"]
    form[f"lot{lot}-response"] = alpha
    form[f"lot{lot}-amount"] = "900,000"
    refused = officer.post(action, form)
    assert refused.status_code == 409
    assert ("ranked 2; choosing other than the top-ranked bidder needs a written "
            "justification") in _text(refused)
    form[f"lot{lot}-justification"] = "Gamma withdrew its area office staff."
    refused = officer.post(action, form)
    assert refused.status_code == 302                     # one justification answers both
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.lot_id == lot))
        assert award.amount == Decimal("900000.00")
        award.status = AwardStatus.withdrawn              # start over below
        db.session.commit()

    form = _rendered(officer, f"/awards/solicitations/{world['rfr']}", action)
    form[f"lot{lot}-response"] = alpha
    form[f"lot{lot}-justification"] = "Gamma withdrew its area office staff."
    assert officer.post(action, form).status_code == 302   # amount left empty
    with app.app_context():
        live = db.session.scalars(select(Award).where(Award.lot_id == lot)
                                  .order_by(Award.id)).all()
        assert [a.amount for a in live] == [Decimal("900000.00"), Decimal("100000.00")]

    chair = _as(app, "officer2")
    seen = _text(chair.get(f"/awards/solicitations/{world['rfr']}"))
    assert "Above what was evaluated: $900,000.00" not in seen      # the withdrawn one
    assert "Justification: Gamma withdrew its area office staff." in seen


def test_the_approver_reads_what_an_award_exceeds(app, world):
    officer, lot = _as(app, "officer"), world["lot"]
    action = f"/awards/lots/{lot}/proposals"
    form = _rendered(officer, f"/awards/solicitations/{world['rfr']}", action)
    form[f"lot{lot}-amount"] = "$900,000.00"                     # Gamma, ranked first
    refused = officer.post(action, form)
    assert refused.status_code == 409
    assert ("An award of $900,000.00 a year is above the bidder's evaluated cost ($120,000.00) "
            "and the lot's estimate ($100,000.00): give a written justification; the "
            "approving officer reads it.") in _text(refused)
    form[f"lot{lot}-justification"] = "Two more area offices join on July 1."
    assert officer.post(action, form).status_code == 302
    seen = _text(_as(app, "officer2").get(f"/awards/solicitations/{world['rfr']}"))
    assert ("Above what was evaluated: $900,000.00 a year is above the bidder's evaluated "
            "cost ($120,000.00) and the lot's estimate ($100,000.00).") in seen
    assert "Justification: Two more area offices join on July 1." in seen


@pytest.fixture
def api(app, people):
    def make(world_maker):
        with app.app_context():
            world = world_maker(db.session)
            made = {"rfr": world.rfr.id, "lot": world.rfr.lots[0].id,
                    "responses": {k: (r.id, r.public_id) for k, r in world.responses.items()}}
            tokens = {who: accounts.issue_token(db.session, db.session.scalar(
                select(User).where(User.email == EMAILS[who])), "test")
                for who in ("officer", "officer2")}
            db.session.commit()
        http = app.test_client()

        def call(method, url, who, body=None):
            answer = http.open("/api/v1" + url, method=method, json=body,
                               headers={"Authorization": f"Bearer {tokens[who]}"})
            return answer.status_code, answer.get_json()
        return made, call
    return make


def test_a_withdrawn_award_is_proposed_again_and_approve_is_offered_to_another(app, api):
    made, call = api(lambda s: finalized(s)[0])
    rfr, lot, gamma = made["rfr"], made["lot"], made["responses"][RANKED[0]][1]
    body = {"lot_id": lot, "response_id": gamma, "amount": 100000}
    status, first = call("POST", f"/solicitations/{rfr}/awards", "officer", body)
    assert status == 201 and first["allowed_events"] == ["withdraw"]     # not "approve"
    assert call("GET", f"/awards/{first['id']}", "officer2")[1]["allowed_events"] == [
        "approve", "withdraw"]
    assert call("POST", f"/awards/{first['id']}/events/withdraw", "officer",
                {"reason": "Wrong amount."})[0] == 200
    status, again = call("POST", f"/solicitations/{rfr}/awards", "officer", body)
    assert status == 201 and again["status"] == "proposed", again
    status, listed = call("GET", f"/solicitations/{rfr}/awards", "officer")
    assert [a["status"] for a in listed] == ["withdrawn", "proposed"]


def test_a_withdrawn_award_is_proposed_again_from_the_page(app, world):
    officer, lot = _as(app, "officer"), world["lot"]
    action = f"/awards/lots/{lot}/proposals"
    for attempt in range(2):
        form = _rendered(officer, f"/awards/solicitations/{world['rfr']}", action)
        form[f"lot{lot}-amount"] = "100000"
        assert officer.post(action, form).status_code == 302, attempt
        with app.app_context():
            award = db.session.scalar(select(Award).where(
                Award.lot_id == lot, Award.status != AwardStatus.withdrawn))
            public_id, award_id = award.public_id, award.id
        if attempt == 0:
            withdraw = _rendered(officer, f"/awards/solicitations/{world['rfr']}",
                                 f"/awards/{public_id}/withdraw")
            withdraw[f"withdraw{award_id}-reason"] = "Proposed before the coverage check."
            assert officer.post(f"/awards/{public_id}/withdraw", withdraw).status_code == 302
    assert "Approve the award" not in officer.get(
        f"/awards/solicitations/{world['rfr']}").get_data(as_text=True)


@pytest.mark.parametrize("amount, message", [
    ("1e100000", "An evaluated cost above $1,000,000,000 a year is beyond any contract here"),
    ("2000000000", "An evaluated cost above $1,000,000,000 a year is beyond any contract here"),
    ("0.000001", "Give the evaluated cost in dollars and cents"),
    ("-5", "An evaluated cost is a positive amount"),
    ("100000.005", "Give the evaluated cost in dollars and cents"),
    ("NaN", None), ("Infinity", None)])
def test_the_cost_correction_is_bounded(app, api, amount, message):
    made, call = api(opened_rfr)
    row_id, public_id = made["responses"]["bidder"]
    status, answer = call("POST", f"/evaluation/responses/{public_id}/cost", "officer",
                          {"amount": amount, "reason": "Typo in the budget total."})
    assert status in (409, 422), answer
    if message:
        assert message in answer["message"], answer
    with app.app_context():
        row = db.session.get(EvaluatedCost, row_id)
        assert row is None or row.source.name != "officer"


def test_the_cost_correction_is_locked_once_the_panel_is_finalized(app, api):
    made, call = api(lambda s: finalized(s)[0])
    (row_id, public_id), rfr = made["responses"]["bidder"], made["rfr"]
    status, answer = call("POST", f"/evaluation/responses/{public_id}/cost", "officer",
                          {"amount": "90000", "reason": "Late correction."})
    assert status == 409 and "is finalized: the evaluated costs" in answer["message"]
    refused = _correct_cost(app, rfr, public_id, "90,000", "Late correction.")
    assert refused.status_code == 409
    assert "is finalized: the evaluated costs its price was scored on no longer change" in _text(
        refused)
    with app.app_context():
        assert db.session.get(EvaluatedCost, row_id).amount == Decimal(
            "100000.00")


def _with_panel(session):
    world = opened_rfr(session)
    formed_panel(session, world)
    return world


def test_the_cost_correction_page_refuses_an_absurd_figure(app, api):
    made, _call = api(_with_panel)
    (_row_id, public_id), rfr = made["responses"]["bidder"], made["rfr"]
    refused = _correct_cost(app, rfr, public_id, "2,000,000,000", "Typo.")
    assert refused.status_code == 409
    assert "An evaluated cost above $1,000,000,000 a year is beyond any contract here" in _text(
        refused)
    assert _correct_cost(app, rfr, public_id, "95,000.50", "Typo.").status_code == 302


def test_each_lot_gets_its_outcome_and_the_rfr_finishes(app, world):
    """Lot 2 (joined areas) drew no bid: it is closed "no award" with the form as rendered;
    lot 1's award becomes final and the RFR is awarded. A lot closed without an award takes
    no proposal."""
    officer, lot = _as(app, "officer"), world["lot"]
    url = f"/awards/solicitations/{world['rfr']}"
    with app.app_context():
        other = db.session.get(Solicitation, world["rfr"]).lots[1].id
    page = _text(officer.get(url))
    assert "Outcome: Open" in page and "Outcome: No responsive bidder" in page
    action = f"/awards/lots/{other}/outcome"
    form = _rendered(officer, url, action)
    refused = officer.post(action, form)
    assert refused.status_code == 400 and "Choose the lot's outcome." in _text(refused)
    form.update({f"close{other}-outcome": "no_award", f"close{other}-reason": "Nobody bid."})
    assert officer.post(action, form).status_code == 302
    assert "Outcome: No award: Nobody bid." in _text(officer.get(url))

    proposal = _rendered(officer, url, f"/awards/lots/{lot}/proposals")
    proposal[f"lot{lot}-amount"] = "100000"
    assert officer.post(f"/awards/lots/{lot}/proposals", proposal).status_code == 302
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.lot_id == lot))
        award_flow.approve(db.session, award, user(db.session, "officer2"))
        award_flow.notify_lot(db.session, award.lot, user(db.session, "officer"))
        award_flow.finalize_due(db.session, award.standstill_ends_at + timedelta(seconds=1))
        db.session.commit()
        assert award.solicitation.status is SolicitationStatus.awarded
    page = _text(officer.get(url))
    assert "Outcome: Awarded" in page and "Outcome: No award: Nobody bid." in page


def test_a_lot_closed_without_an_award_takes_no_proposal(app, api):
    made, call = api(lambda s: finalized(s)[0])
    lot, gamma = made["lot"], made["responses"][RANKED[0]][1]
    status, closed = call("POST", f"/lots/{lot}/outcome", "officer",
                          {"outcome": "reprocure", "reason": "Every bid was above the budget."})
    assert status == 201 and closed["outcome"] == (
        "To be procured again: Every bid was above the budget."), closed
    status, refused = call("POST", f"/solicitations/{made['rfr']}/awards", "officer",
                           {"lot_id": lot, "response_id": gamma, "amount": 100000})
    assert status == 409 and "was closed without an award" in refused["message"]
    assert call("POST", f"/lots/{lot}/outcome", "officer",
                {"outcome": "no_award", "reason": "Again."})[0] == 409
