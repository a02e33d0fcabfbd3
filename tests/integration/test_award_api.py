"""Award to payment through the API with bearer tokens: an officer proposes, another approves,
the lot's bidders are told (each reads only its own notice and scores), a bidder protests
with documents and the protest is denied, the award becomes final; a contract is drafted,
signed and activated, money encumbered and drawn down until the pace warns and an over-spend
is refused; the provider reads its own contract and balance, and no other."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine

from procure import accounts, clock
from procure.extensions import db
from procure.models import Award, AwardStatus, User
from procure.workflows import award as award_flow
from tests.support.award import RANKED, finalized
from tests.support.evaluation import ORG_C
from tests.support.factories import EMAILS, ORG_A
from tests.support.pdfs import pdf_with_sections

GAMMA = "di@gamma-youth.example.org"
WHO = {"officer": EMAILS["officer"], "chair": EMAILS["officer2"], "alpha": EMAILS["bidder"],
       "beta": EMAILS["other_bidder"], "gamma": GAMMA}


@pytest.fixture
def api(app, people):
    with app.app_context():
        world, _ = finalized(db.session)
        ids = {"rfr": world.rfr.id, "lot": world.rfr.lots[0].id,
               **{key: world.responses[key].public_id for key in world.responses}}
    http = app.test_client()
    tokens: dict[str, str] = {}

    def renew() -> None:
        """Tokens issued now (a token lives at most a year; the contract runs for years)."""
        with app.app_context():
            for key, email in WHO.items():
                person = db.session.scalar(db.select(User).where(User.email == email))
                tokens[key] = accounts.issue_token(db.session, person, "test")
            db.session.commit()
    renew()

    def call(method, url, who, json=None, **kwargs):
        answer = http.open("/api/v1" + url, method=method, json=json,
                           headers={"Authorization": f"Bearer {tokens[who]}"}, **kwargs)
        return answer.status_code, answer.get_json()
    call.renew = renew
    return call, ids


def _final_award(app, call, ids):
    """Propose the top-ranked (Gamma), approve, tell the lot, and let standstill end."""
    status, award = call("POST", f"/solicitations/{ids['rfr']}/awards", "officer",
                         {"lot_id": ids["lot"], "response_id": ids[RANKED[0]],
                          "amount": 100000})
    assert status == 201, award
    assert call("POST", f"/awards/{award['id']}/events/approve", "chair", {})[0] == 200
    assert call("POST", f"/lots/{ids['lot']}/notices", "officer")[0] == 201
    with app.app_context():
        row = db.session.scalar(db.select(Award).where(Award.public_id == award["id"]))
        award_flow.finalize_due(db.session, row.standstill_ends_at + timedelta(seconds=1))
        db.session.commit()
    return award


def test_award_notices_and_a_denied_protest(api, app):
    call, ids = api
    rfr = ids["rfr"]
    # Before any notice: no bidder sees an award or a score.
    assert call("GET", f"/responses/{ids['bidder']}/notices", "alpha") == (200, [])
    assert call("GET", f"/responses/{ids['other_bidder']}/notices", "alpha")[0] == 404
    assert call("GET", f"/solicitations/{rfr}/awards", "alpha")[0] == 403
    assert call("GET", f"/solicitations/{rfr}/awards", "officer") == (200, [])

    status, refused = call("POST", f"/solicitations/{rfr}/awards", "officer",
                           {"lot_id": ids["lot"], "response_id": ids[RANKED[1]]})
    assert status == 409 and "written justification" in refused["message"]
    status, award = call("POST", f"/solicitations/{rfr}/awards", "officer",
                         {"lot_id": ids["lot"], "response_id": ids[RANKED[0]],
                          "amount": 100000})
    assert status == 201 and award["status"] == "proposed" and award["rank"] == 1
    assert award["organization"] == ORG_C and award["allowed_events"] == ["withdraw"]  # proposer
    assert call("GET", f"/awards/{award['id']}", "chair")[1]["allowed_events"] == [
        "approve", "withdraw"]

    status, own = call("POST", f"/awards/{award['id']}/events/approve", "officer", {})
    assert status == 409 and "another officer" in own["message"]
    assert own["allowed"] == ["withdraw"]      # what the proposer can do: as the award says
    status, unknown = call("POST", f"/awards/{award['id']}/events/make_final", "officer", {})
    assert status == 409 and unknown["allowed"] == ["withdraw"]
    status, approved = call("POST", f"/awards/{award['id']}/events/approve", "chair", {})
    assert status == 200 and approved["status"] == "approved"
    assert approved["approved_by"] and approved["allowed_events"] == ["withdraw"]

    status, coverage = call("GET", f"/solicitations/{rfr}/coverage", "officer")
    assert status == 200 and coverage["lead_agencies"]
    assert any("Uncovered" in w for w in coverage["warnings"])   # lot 2 has no award yet

    status, notices = call("POST", f"/lots/{ids['lot']}/notices", "officer")
    assert status == 201 and len(notices) == 3
    assert call("POST", f"/lots/{ids['lot']}/notices", "officer")[0] == 409   # told already

    # Each bidder reads its own notice, with its own scores and the lot's announced award.
    status, mine = call("GET", f"/responses/{ids['bidder']}/notices", "alpha")
    assert status == 200 and len(mine) == 1
    [notice] = mine
    assert notice["selected"] is False and notice["rank"] > 1
    assert notice["organization"] == ORG_A
    assert {s["criterion"] for s in notice["scores"]} and notice["awards"][0]["id"] == award["id"]
    assert call("GET", f"/responses/{ids['third_bidder']}/notices", "gamma")[1][0]["selected"]
    assert call("GET", f"/responses/{ids['third_bidder']}/notices", "alpha")[0] == 404

    # Alpha protests with two documents; Gamma, the awardee, cannot.
    pdf = pdf_with_sections(["Protest", "The price was scored wrongly."])
    status, protest = call("POST", f"/awards/{award['id']}/protests", "alpha", data={
        "grounds": "The price criterion was scored against the wrong total.",
        "documents": [(io.BytesIO(pdf), "grounds.pdf"), (io.BytesIO(pdf + b" "), "table.pdf")]},
        content_type="multipart/form-data")
    assert status == 201, protest
    assert protest["status"] == "open" and len(protest["documents"]) == 2
    status, refused = call("POST", f"/awards/{award['id']}/protests", "gamma",
                           data={"grounds": "No."}, content_type="multipart/form-data")
    assert status == 409 and "selected" in refused["message"]
    status, empty = call("POST", f"/awards/{award['id']}/protests", "beta", data={},
                         content_type="multipart/form-data")
    assert status == 422 and "grounds" in empty["errors"]["form_and_files"]

    assert [p["id"] for p in call("GET", "/protests", "alpha")[1]] == [protest["id"]]
    assert call("GET", "/protests", "beta") == (200, [])
    assert call("GET", f"/awards/{award['id']}/protests", "alpha")[0] == 403
    status, listed = call("GET", f"/awards/{award['id']}/protests", "officer")
    assert status == 200 and listed[0]["organization"] == ORG_A
    status, read = call("GET", f"/awards/{award['id']}", "officer")
    assert status == 200 and read["open_protests"] == 1

    status, refused = call("POST", f"/protests/{protest['id']}/decision", "officer",
                           {"uphold": False, "reasons": " "})
    assert status == 409 and "reasons" in refused["message"]
    status, decided = call("POST", f"/protests/{protest['id']}/decision", "officer",
                           {"uphold": False, "reasons": "The total used is the budget's."})
    assert status == 200 and decided["status"] == "denied"
    assert call("GET", "/protests", "alpha")[1][0]["decision"].startswith("The total")


def test_a_contract_from_award_to_draw_downs(api, app):
    call, ids = api
    award = _final_award(app, call, ids)
    assert call("GET", f"/awards/{award['id']}", "officer")[1]["status"] == "final"
    start = date(clock.today().year + 1, 7, 1)
    terms = {"start_date": start.isoformat(), "end_date": date(start.year + 3, 6, 30).isoformat(),
             "annual_maximum": "100000.00", "rate_type": "per_diem",
             "rates": [{"service": "Family support", "unit": "per_diem", "rate": "180.00"}],
             "measures": []}
    status, contract = call("POST", "/contracts", "officer", {"award_id": award["id"], **terms})
    assert status == 201, contract
    assert contract["status"] == "drafting" and contract["organization"] == ORG_C
    cid = contract["id"]
    status, refused = call("POST", f"/contracts/{cid}/events/sign", "officer", {})
    assert status == 409 and "performance measure" in refused["message"]
    status, edited = call("PUT", f"/contracts/{cid}", "officer", {**terms, "measures": [
        {"name": "Permanency within 12 months", "target": "40%", "incentive": "2% bonus"}]})
    assert status == 200 and edited["measures"][0]["target"] == "40%"
    assert call("GET", "/organization/contracts", "gamma") == (200, [])   # drafting: not yet
    status, signed = call("POST", f"/contracts/{cid}/events/sign", "officer", {})
    assert status == 200 and signed["status"] == "signed"
    status, early = call("POST", f"/contracts/{cid}/events/activate", "officer", {})
    assert status == 409 and "starts on" in early["message"]
    status, amend = call("POST", f"/contracts/{cid}/events/amend", "officer", {})
    assert status == 409 and "amendments" in amend["message"]

    fy = start.year + 1
    with time_machine.travel(clock.from_local(datetime.combine(start + timedelta(days=69),
                                                               time(12)))):
        call.renew()
        assert call("POST", f"/contracts/{cid}/events/activate", "officer", {})[0] == 200
        status, enc = call("PUT", f"/contracts/{cid}/encumbrances/{fy}", "officer",
                           {"amount": "100000.00"})
        assert status == 200 and enc["remaining"] == "100000.00"
        assert call("PUT", f"/contracts/{cid}/encumbrances/{fy}", "officer",
                    {"amount": "150000.00"})[0] == 409    # over the annual maximum
        url = f"/contracts/{cid}/encumbrances/{fy}/draw-downs"
        for day, amount in [(start + timedelta(days=20), "40000.00"),
                            (start + timedelta(days=60), "30000.00")]:
            status, drawn = call("POST", url, "officer", {
                "service_date": day.isoformat(), "amount": amount, "service": "Family support"})
            assert status == 201, drawn
        assert drawn["encumbrance"]["remaining"] == "30000.00"
        assert "runs out on" in drawn["encumbrance"]["pace"]["warning"]
        status, over = call("POST", url, "officer", {
            "service_date": (start + timedelta(days=65)).isoformat(), "amount": "30000.01",
            "service": "Family support"})
        assert status == 409 and "Only $30,000.00 remains" in over["message"]
        status, listed = call("GET", url, "officer")
        assert [d["amount"] for d in listed] == ["40000.00", "30000.00"]

        status, amendment = call("POST", f"/contracts/{cid}/amendments", "officer",
                                 {"reason": "More families referred.",
                                  "annual_maximum": "120000.00"})
        assert status == 201 and amendment["changes"] == [
            {"field": "Annual maximum", "before": "$100,000.00", "after": "$120,000.00"}]
        assert amendment["status"] == "awaiting_approval"      # above the $100,000 award
        assert call("GET", f"/contracts/{cid}", "officer")[1]["annual_maximum"] == "100000.00"
        status, own = call("POST", f"/contracts/{cid}/amendments/1/approval", "officer")
        assert status == 409 and "another officer must approve it" in own["message"]
        status, approved = call("POST", f"/contracts/{cid}/amendments/1/approval", "chair")
        assert status == 200 and approved["status"] == "in_force", approved
        assert len(call("GET", f"/contracts/{cid}/amendments", "officer")[1]) == 1

        status, document = call("POST", f"/contracts/{cid}/documents", "officer", data={
            "title": "Signed contract",
            "file": (io.BytesIO(pdf_with_sections(["Contract"])), "signed.pdf")},
            content_type="multipart/form-data")
        assert status == 201 and document["title"] == "Signed contract"

        # The provider reads its own contract and balance; nobody else's.
        status, theirs = call("GET", "/organization/contracts", "gamma")
        assert status == 200 and [c["id"] for c in theirs] == [cid]
        assert theirs[0]["encumbrances"][0]["remaining"] == "30000.00"
        assert call("GET", f"/organization/contracts/{cid}", "gamma")[0] == 200
        assert call("GET", f"/organization/contracts/{cid}", "alpha")[0] == 404
        assert call("GET", "/organization/contracts", "alpha") == (200, [])
        assert call("GET", f"/contracts/{cid}", "gamma")[0] == 403
        assert call("GET", "/contracts", "officer")[1][0]["annual_maximum"] == "120000.00"

        status, refused = call("POST", f"/contracts/{cid}/events/terminate", "officer", {})
        assert status == 409 and "Say why" in refused["message"]
        status, ended = call("POST", f"/contracts/{cid}/events/terminate", "officer",
                             {"reason": "The provider closed its program."})
        assert status == 200 and ended["status"] == "terminated"


def test_the_new_operations_are_in_the_spec(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path in ["/api/v1/solicitations/{solicitation_id}/awards",
                 "/api/v1/awards/{award_id}/protests", "/api/v1/lots/{lot_id}/notices",
                 "/api/v1/contracts/{contract_id}/encumbrances/{fiscal_year}/draw-downs",
                 "/api/v1/solicitations/{solicitation_id}/ocds"]:
        assert path in spec["paths"], path


def test_cancelling_through_the_api_withdraws_the_awards(app, ctx, people):
    world, _panel = finalized(ctx)
    award = award_flow.propose(ctx, world.rfr.lots[0], world.officer,
                               response=world.responses[RANKED[0]], amount=Decimal(100000))
    token = accounts.issue_token(ctx, world.officer, "cancel")
    ctx.commit()
    answer = app.test_client().post(
        f"/api/v1/solicitations/{world.rfr.id}/events/cancel",
        json={"reason": "The legislature cut the line item.", "cancel_reason": "funds_cut"},
        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (200, 204), answer.get_data(as_text=True)
    ctx.refresh(award)
    assert award.status is AwardStatus.withdrawn
