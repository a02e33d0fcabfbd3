"""Awards, protests and contracts through the pages: an officer proposes, another approves (the
proposer cannot, and is told why), the bidders are told with their own scores, a losing bidder
protests with a PDF, the officer decides; then the contract, its amendments and its money. What
each person must not see or do."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from procure.extensions import db
from procure.models import Award, AwardStatus, Contract, OutgoingMail, Protest, Solicitation
from procure.workflows import award as award_flow
from tests.conftest import Client
from tests.support.award import finalized
from tests.support.evaluation import ORG_C
from tests.support.factories import EMAILS, ORG_A, ORG_B, PASSWORD
from tests.support.pdfs import pdf_with_sections

GAMMA = "di@gamma-youth.example.org"


@pytest.fixture
def world(app, people):
    with app.app_context():
        made, _ = finalized(db.session)
        return {"rfr": made.rfr.id, "lot": made.rfr.lots[0].id,
                "responses": {k: r.public_id for k, r in made.responses.items()}}


def _as(app, email: str) -> Client:
    c = Client(app)
    assert c.login(email, PASSWORD).status_code == 302
    return c


def _html(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _text(response) -> str:
    """What a person reads: the page without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _award_page(c: Client, world) -> str:
    page = c.get(f"/awards/solicitations/{world['rfr']}")
    assert page.status_code == 200, page.status_code
    return _html(page)


def _award(app, lot_id: int) -> Award:
    with app.app_context():
        row = db.session.scalar(select(Award).where(Award.lot_id == lot_id,
                                                    Award.status != AwardStatus.withdrawn))
        db.session.expunge(row)
        return row


def _propose(c: Client, world, key: str = "third_bidder", **extra):
    lot = world["lot"]
    _award_page(c, world)
    data = {f"lot{lot}-response": world["responses"][key], f"lot{lot}-amount": "100,000.00",
            f"lot{lot}-justification": ""}
    data.update({f"lot{lot}-{k}": v for k, v in extra.items()})
    return c.post(f"/awards/lots/{lot}/proposals", data)


def _approve(c: Client, world, award: Award, confirm: bool = True):
    _award_page(c, world)
    return c.post(f"/awards/{award.public_id}/approve",
                  {f"approve{award.id}-confirm": "y"} if confirm else {})


def _notify(c: Client, world, confirm: bool = True):
    _award_page(c, world)
    return c.post(f"/awards/lots/{world['lot']}/notices",
                  {f"notify{world['lot']}-confirm": "y"} if confirm else {})


def test_approving_and_notifying_wait_for_the_box_to_be_ticked(app, world):
    officer, second = _as(app, EMAILS["officer"]), _as(app, EMAILS["officer2"])
    assert _propose(officer, world).status_code == 302
    award = _award(app, world["lot"])
    unticked = _approve(second, world, award, confirm=False)
    assert unticked.status_code == 400 and "nothing was changed" in _text(unticked)
    assert _award(app, world["lot"]).status is AwardStatus.proposed
    assert _approve(second, world, award).status_code == 302
    unticked = _notify(officer, world, confirm=False)
    assert unticked.status_code == 400 and "nothing was changed" in _text(unticked)
    assert _award(app, world["lot"]).status is AwardStatus.approved


def _told(app, world) -> tuple[Client, Client, Award]:
    officer, second = _as(app, EMAILS["officer"]), _as(app, EMAILS["officer2"])
    assert _propose(officer, world).status_code == 302
    award = _award(app, world["lot"])
    assert _approve(second, world, award).status_code == 302
    assert _notify(officer, world).status_code == 302
    return officer, second, award


def test_the_award_page_shows_the_ranking_and_the_coverage_check(app, world):
    page = _award_page(_as(app, EMAILS["officer"]), world)
    ranking = page[page.index("Ranking of Lot 1"):page.index("Propose an award")]
    assert "Arlington: Uncovered: no award" in page    # lot 1's area office, before any award
    assert ranking.index(ORG_C) < ranking.index(ORG_A) and ORG_B in ranking
    assert "<td>1</td><td>Gamma Youth Partners</td><td>80.68</td>" in ranking
    assert "Coverage check" in page
    # every total to the cent, as the panel's ranking and report write it: the drop-down and
    # the table agree (walkers read 81.5 beside 81.50, then 70 here and 70.00 on the ranking)
    shown = dict(re.findall(r"<td>\d+</td><td>([^<]+)</td><td>([\d.]+)</td>", ranking))
    offered = dict(re.findall(r"<option[^>]*>\d+\. ([^<(]+) \(([\d.]+) of 100;", page))
    assert shown == offered == {ORG_C: "80.68", ORG_A: "80.00", ORG_B: "76.00"}


def test_passing_over_the_top_needs_a_justification_shown_on_the_form(app, world):
    officer = _as(app, EMAILS["officer"])
    refused = _propose(officer, world, "other_bidder")
    assert refused.status_code == 409
    page = _text(refused)
    assert re.search(r"Beta Family Services ranked \d; choosing other than the top-ranked "
                     r"bidder needs a written justification", page)
    assert 'value="100,000.00"' in _html(refused)     # what was typed is kept
    done = _propose(officer, world, "other_bidder",
                    justification="The top-ranked bidder lost its license on 1 May.")
    assert done.status_code == 302
    page = _award_page(officer, world)
    assert "Justification:</strong> The top-ranked bidder lost its license on 1 May." in page


def test_a_bad_amount_is_told_in_words(app, world):
    officer = _as(app, EMAILS["officer"])
    refused = _propose(officer, world, amount="a lot")
    assert refused.status_code == 400
    assert "a lot is not one" in _text(refused)


def test_the_proposer_cannot_approve_and_sees_why_another_officer_can(app, world):
    officer, second = _as(app, EMAILS["officer"]), _as(app, EMAILS["officer2"])
    assert _propose(officer, world).status_code == 302
    award = _award(app, world["lot"])
    page = _award_page(officer, world)
    assert "You proposed this award: another officer must approve it." in page
    assert "Approve the award to" not in page
    refused = _approve(officer, world, award)        # even by hand
    assert refused.status_code == 409
    # said once, as the refusal (a walker read the quiet line and the refusal under it)
    assert _text(refused).count("another officer must approve it") == 1
    assert re.search(r'<div class="alert alert-danger" role="alert">\s*You proposed this award: '
                     r'another officer must approve it\.', refused.get_data(as_text=True))
    unticked = _approve(officer, world, award, confirm=False)
    assert unticked.status_code == 400
    assert _text(unticked).count("another officer must approve it") == 1
    assert "Approve the award to" in _award_page(second, world)
    assert _approve(second, world, award).status_code == 302
    page = _award_page(officer, world)
    assert "approved by Officer2" in page and "Notify the bidders of lot 1" in page
    assert "Arlington: Uncovered" not in page and "Covered once" in page


def test_withdraw_needs_a_reason(app, world):
    officer = _as(app, EMAILS["officer"])
    assert _propose(officer, world).status_code == 302
    award = _award(app, world["lot"])
    _award_page(officer, world)
    refused = officer.post(f"/awards/{award.public_id}/withdraw", {})
    assert refused.status_code == 400
    assert "Give the reason: it stays on the record." in _text(refused)
    done = officer.post(f"/awards/{award.public_id}/withdraw",
                        {f"withdraw{award.id}-reason": "Proposed in error."})
    assert done.status_code == 302
    # the withdrawn award's card says who withdrew it, when and why (a walker found only
    # "Withdrawn" beside the old proposed and approved lines)
    card = _award_page(officer, world)
    assert re.search(r"<strong>Withdrawn</strong> by Officer, [^<]+ E[SD]T: Proposed in error\.",
                     card)


def test_notices_tell_each_bidder_only_their_own_scores(app, world):
    _told(app, world)
    with app.app_context():        # and by mail, to every person of each bidder
        told = {m.to for m in db.session.scalars(select(OutgoingMail))
                if m.subject.endswith("Lot 1: Lead agency: Holyoke: award notice")}
    assert {EMAILS["bidder"], EMAILS["bidder_colleague"], EMAILS["other_bidder"], GAMMA} <= told
    alpha = _as(app, EMAILS["bidder"])
    listing = _text(alpha.get("/awards/notices"))
    assert "Not selected" in listing and re.search(r"ranked [23]", listing)
    page = _text(alpha.get(f"/awards/responses/{world['responses']['bidder']}"))
    assert "Your response was not selected" in page
    assert re.search(r"Ranked [23] with [\d.]+ of 100 points", page)
    assert "Program design" in page and "Agreed by the panel." in page
    assert "80.68" not in page                   # nobody else's total
    assert "File the protest" in page            # standstill runs
    gamma = _as(app, GAMMA)
    page = _text(gamma.get(f"/awards/responses/{world['responses']['third_bidder']}"))
    assert "Your response was selected for award" in page and "File the protest" not in page
    # Another organisation's notice is not found.
    assert alpha.get(f"/awards/responses/{world['responses']['third_bidder']}").status_code \
        == 404


def _protest(c: Client, world, key: str = "bidder", files=None, grounds="Scored unfairly."):
    url = f"/awards/responses/{world['responses'][key]}"
    page = c.get(url).get_data(as_text=True)
    award = re.search(r'name="protest-award"[^>]*>\s*<option[^>]*value="([^"]+)"', page)
    data = {"protest-award": award.group(1) if award else "", "protest-grounds": grounds}
    if files is not None:
        data["protest-documents"] = files
    return c.post(url + "/protests", data, content_type="multipart/form-data")


def test_a_losing_bidder_protests_with_a_pdf_and_the_officer_denies_it(app, world):
    officer, _, _ = _told(app, world)
    alpha = _as(app, EMAILS["bidder"])
    pdf = pdf_with_sections(["Protest", "The price score was miscalculated."])
    refused = _protest(alpha, world, grounds="")
    assert refused.status_code == 400 and "State the grounds of the protest." in _text(refused)
    wrong = _protest(alpha, world, files=[(io.BytesIO(b"hello"), "notes.txt")])
    assert wrong.status_code == 400 and "notes.txt: upload PDF files only." in _text(wrong)
    posing = _protest(alpha, world, files=[(io.BytesIO(b"hello"), "fake.pdf")])
    assert posing.status_code == 400 and "fake.pdf: upload PDF files only." in _text(posing)
    assert "Scored unfairly." in _text(posing)              # the grounds typed are kept
    filed = _protest(alpha, world, files=[(io.BytesIO(pdf), "protest.pdf")])
    assert filed.status_code == 302, _text(filed)
    page = _text(alpha.get(filed.headers["Location"]))
    assert "Your protest was filed with 1 document" in page and "Open" in page

    page = _text(officer.get(f"/awards/solicitations/{world['rfr']}"))
    assert f"{ORG_A} protests the award of" in page and "Scored unfairly." in page
    with app.app_context():
        protest = db.session.scalars(select(Protest)).one()
        pid, doc, number = protest.public_id, protest.documents[0].public_id, protest.id
    download = officer.get(f"/awards/protest-documents/{doc}")
    assert download.status_code == 200 and download.data == pdf
    assert alpha.get(f"/awards/protest-documents/{doc}").status_code == 403
    no_reason = officer.post(f"/awards/protests/{pid}/decision", {f"decide{number}-decision":
                                                                  "deny"})
    assert no_reason.status_code == 400
    assert "Give the reasons for the decision." in _text(no_reason)
    denied = officer.post(f"/awards/protests/{pid}/decision",
                          {f"decide{number}-decision": "deny",
                           f"decide{number}-reasons": "The formula was applied as published."})
    assert denied.status_code == 302
    assert "was denied" in _text(officer.get(denied.headers["Location"]))
    page = _text(alpha.get(f"/awards/responses/{world['responses']['bidder']}"))
    assert "The formula was applied as published." in page and "Denied" in page


def test_an_upheld_protest_sends_the_award_back_to_proposed(app, world):
    officer, _, _ = _told(app, world)
    alpha = _as(app, EMAILS["bidder"])
    assert _protest(alpha, world).status_code == 302
    with app.app_context():
        protest = db.session.scalars(select(Protest)).one()
        pid, number = protest.public_id, protest.id
    _award_page(officer, world)
    upheld = officer.post(f"/awards/protests/{pid}/decision",
                          {f"decide{number}-decision": "uphold",
                           f"decide{number}-reasons": "The price was mis-scored."})
    assert upheld.status_code == 302
    assert _award(app, world["lot"]).status is AwardStatus.proposed


def _final(app, world) -> tuple[Client, Award]:
    officer, _, award = _told(app, world)
    with app.app_context():
        row = db.session.get(Award, award.id)
        moment = row.standstill_ends_at + timedelta(minutes=1)
        assert award_flow.finalize_due(db.session, moment)
        db.session.commit()
    return officer, _award(app, world["lot"])


def test_the_public_awards_page_shows_only_final_awards_and_no_scores(app, world):
    anyone = Client(app)
    _, _, award = _told(app, world)
    page = _text(anyone.get(f"/solicitations/{world['rfr']}/awards"))
    assert "No award of this solicitation is final yet" in page and ORG_C not in page
    with app.app_context():
        row = db.session.get(Award, award.id)
        award_flow.finalize_due(db.session, row.standstill_ends_at + timedelta(minutes=1))
        db.session.commit()
    page = _text(anyone.get(f"/solicitations/{world['rfr']}/awards"))
    assert ORG_C in page and "$100,000.00" in page
    assert "80.68" not in page and ORG_A not in page and ORG_B not in page


def _contract_data(prefix: str, **values) -> dict:
    data = {"start_date": "2026-07-01", "end_date": "2029-06-30", "annual_maximum": "100000",
            "rate_type": "per_diem", "rates-0-service": "Family stabilization",
            "rates-0-unit": "per_diem", "rates-0-rate": "85.50",
            "measures-0-name": "Children safely at home", "measures-0-target": "90%",
            "measures-0-incentive": "2% bonus"}
    data.update(values)
    return {f"{prefix}-{k}": v for k, v in data.items()}


def _contract(app) -> Contract:
    with app.app_context():
        row = db.session.scalars(select(Contract)).one()
        db.session.expunge(row)
        return row


@time_machine.travel("2026-09-15 14:00:00+00:00", tick=False)
def test_the_contract_from_drafting_to_money(app, world):
    officer, award = _final(app, world)
    listing = _text(officer.get("/contracts"))
    assert "Final awards without a contract" in listing and ORG_C in listing
    form = _html(officer.get(f"/awards/{award.public_id}/contract"))
    assert 'value="100000.00"' in form
    assert "Draft the contract" in form
    half = _contract_data("contract", **{"rates-1-service": "Respite", "rates-1-rate": ""})
    refused = officer.post(f"/awards/{award.public_id}/contract", half)
    assert refused.status_code == 400 and "Give the rate for Respite." in _text(refused)
    backwards = officer.post(f"/awards/{award.public_id}/contract",
                             _contract_data("contract", end_date="2026-01-01"))
    assert backwards.status_code == 409, _text(backwards)
    assert "The contract must end after it starts." in _text(backwards)
    made = officer.post(f"/awards/{award.public_id}/contract", _contract_data("contract"))
    assert made.status_code == 302, _text(made)
    contract = _contract(app)
    url = f"/contracts/{contract.public_id}"
    page = _text(officer.get(url))
    assert "Drafting" in page and "Family stabilization: $85.50 (per diem)" in page
    edited = officer.post(url + "/terms", _contract_data("edit", annual_maximum="95000"))
    assert edited.status_code == 302
    assert "$95,000.00" in _text(officer.get(url))
    for event in ("sign", "activate"):
        assert officer.post(url + f"/events/{event}", {}).status_code == 302
    page = _text(officer.get(url))
    assert "Active" in page and "Amend the contract" in page

    # Money: encumber FY2027, two draw-downs; the pace warning shows; never beyond what remains.
    assert officer.post(url + "/encumbrances", {"encumber-fiscal_year": "2027",
                                                "encumber-amount": "90000"}).status_code == 302
    contract = _contract(app)
    with app.app_context():
        enc_id = db.session.get(Contract, contract.id).encumbrances[0].id
    draw = f"/encumbrances/{enc_id}/draw-downs"
    for day, amount in (("2026-07-20", "30000"), ("2026-08-25", "25000")):
        done = officer.post(draw, {f"draw{enc_id}-service_date": day,
                                   f"draw{enc_id}-amount": amount,
                                   f"draw{enc_id}-service": "Family stabilization"})
        assert done.status_code == 302, _text(done)
    page = _text(officer.get(url))
    assert "remaining $35,000.00" in page
    assert "Spending too fast in FY2027." in page and "runs out on" in page
    over = officer.post(draw, {f"draw{enc_id}-service_date": "2026-09-01",
                               f"draw{enc_id}-amount": "40000",
                               f"draw{enc_id}-service": "Respite"})
    assert over.status_code == 409
    page = _text(over)
    assert "Only $35,000.00 remains of the FY2027 encumbrance" in page
    assert 'value="Respite"' in _html(over)
    flexible = officer.post(draw, {f"draw{enc_id}-service_date": "2026-09-01",
                                   f"draw{enc_id}-amount": "600",
                                   f"draw{enc_id}-service": "Rent", f"draw{enc_id}-family_reference": "F-12",
                                   f"draw{enc_id}-flexible_funds": "y"})
    assert flexible.status_code == 409 and "capped at $500.00 per family" in _text(flexible)

    # An amendment keeps every figure before and after.
    nothing = officer.post(url + "/amendments", _contract_data(
        "amend", reason="No change", annual_maximum="95000", end_date="2029-06-30"))
    assert nothing.status_code == 409 and "The amendment changes nothing" in _text(nothing)
    amended = officer.post(url + "/amendments", _contract_data(
        "amend", reason="More families referred", annual_maximum="100000",
        end_date="2029-06-30", **{"rates-0-rate": "90"}))
    assert amended.status_code == 302, _text(amended)
    page = _text(officer.get(url))
    assert "More families referred" in page
    assert "Annual maximum $95,000.00 $100,000.00" in page
    assert "Family stabilization: $85.50 per diem" in page and "$90.00 per diem" in page
    # Above the $100,000 award: the amendment waits for another officer.
    asked = officer.post(url + "/amendments", _contract_data(
        "amend", reason="Two areas joined", annual_maximum="120000", end_date="2029-06-30",
        **{"rates-0-rate": "90"}))
    assert asked.status_code == 302, _text(asked)
    page = _text(officer.get(url))
    assert "Amendment 2 waits for approval" in page and "Annual maximum $100,000.00" in page
    assert "You proposed this amendment: another officer must approve it." in page
    with app.app_context():
        amendment_id = db.session.get(Contract, contract.id).amendments[1].id
    forced = officer.post(f"/contracts/amendments/{amendment_id}/approve",   # by hand: refused,
                          {f"approve{amendment_id}-confirm": "y"})          # and said once
    assert forced.status_code == 409
    assert _text(forced).count("You proposed this amendment: another officer must approve "
                               "it.") == 1
    chair = _as(app, EMAILS["officer2"])
    chair.get(url)
    approved = chair.post(f"/contracts/amendments/{amendment_id}/approve",
                          {f"approve{amendment_id}-confirm": "y"})
    assert approved.status_code == 302, _text(approved)
    assert "Annual maximum $120,000.00" in _text(officer.get(url))

    # Documents: a PDF with a title.
    pdf = pdf_with_sections(["Signed contract"])
    uploaded = officer.post(url + "/documents", {"document-title": "Signed contract",
                                                 "document-file": (io.BytesIO(pdf), "signed.pdf")},
                            content_type="multipart/form-data")
    assert uploaded.status_code == 302
    with app.app_context():
        doc = db.session.get(Contract, contract.id).documents[0].public_id
    assert officer.get(f"/contracts/documents/{doc}").data == pdf

    # The contractor sees its contract and balance read-only; nobody else does.
    gamma = _as(app, GAMMA)
    mine = _text(gamma.get("/contracts/mine"))
    assert contract.number in mine and "$35,000.00" in mine
    assert "Spending too fast in FY2027." in mine
    assert "Payments drawn down in FY2027" in mine and "Family stabilization" in mine
    assert "Record the draw-down" not in mine
    assert gamma.get(url).status_code == 403
    alpha = _as(app, EMAILS["bidder"])
    assert contract.number not in _text(alpha.get("/contracts/mine"))

    # Terminate, with a reason.
    refused = officer.post(url + "/events/terminate", {})
    assert refused.status_code == 400
    assert officer.post(url + "/events/terminate",
                        {"terminate-reason": "Provider closed."}).status_code == 302
    assert "Provider closed." in _text(officer.get(url))


def test_bidders_and_the_public_cannot_reach_the_officers_pages(app, world):
    alpha, anyone = _as(app, EMAILS["bidder"]), Client(app)
    assert alpha.get(f"/awards/solicitations/{world['rfr']}").status_code == 403
    assert alpha.get("/contracts").status_code == 403
    assert anyone.get(f"/awards/solicitations/{world['rfr']}").status_code == 302
    assert anyone.get("/awards/notices").status_code == 302
    officer = _as(app, EMAILS["officer"])
    assert officer.get("/awards/notices").status_code == 403
    assert officer.get(f"/awards/{'0' * 8}-0000-4000-8000-{'0' * 12}/contract").status_code == 404


def test_no_contract_before_the_award_is_final(app, world):
    officer, _, award = _told(app, world)
    url = f"/awards/{award.public_id}/contract"
    page = _text(officer.get(url))
    assert "This award is notified (standstill): a contract is made once the award is final" \
        in page
    refused = officer.post(url, _contract_data("contract"))
    assert refused.status_code == 409
    page = _text(refused)
    assert "A contract is made from a final award (after the standstill period)." in page
    assert 'value="Family stabilization"' in _html(refused)
    assert "No contract yet" in _text(officer.get("/contracts"))


def test_blindness_ends_at_finalization_so_the_blind_chair_takes_part_in_the_award(app, world):
    """The RFR's panel is finalized (tests/support): its chair, who evaluated blind, may now
    know the bidders (procure.disclosure), so the award pages let them in; while the panel
    scores they are refused (tests/integration/test_disclosure.py)."""
    from procure.workflows import evaluation as evaluation_flow
    with app.app_context():     # the plan made blind (the panel is finalized: set in place)
        rfr = db.session.get(Solicitation, world["rfr"])
        evaluation_flow.plan_for(db.session, rfr).blind = True
        db.session.commit()
    chair = _as(app, EMAILS["officer2"])     # chairs the RFR's panel (tests/support)
    page = chair.get(f"/awards/solicitations/{world['rfr']}")
    assert page.status_code == 200 and ORG_C in _text(page)
    assert _propose(_as(app, EMAILS["officer"]), world).status_code == 302   # not on a panel


def test_each_person_finds_the_award_pages_from_their_menu_and_pages(app, world):
    officer, _second, _award_ = _told(app, world)
    page = _html(officer.get(f"/officer/solicitations/{world['rfr']}"))
    assert f'href="/awards/solicitations/{world["rfr"]}"' in page
    assert 'href="/contracts"' in page                                  # the officers' menu
    bidder = _html(_as(app, EMAILS["bidder"]).get("/"))
    assert 'href="/awards/notices"' in bidder and 'href="/contracts/mine"' in bidder
    public = _html(Client(app).get(f"/solicitations/{world['rfr']}"))
    assert f'href="/solicitations/{world["rfr"]}/awards"' in public


def test_after_standstill_the_notice_says_why_no_protest_can_be_filed(app, world):
    _told(app, world)
    award = _award(app, world["lot"])                       # as notified: standstill set
    alpha = _as(app, EMAILS["bidder"])
    url = f"/awards/responses/{world['responses']['bidder']}"
    assert "File the protest" in _text(alpha.get(url))
    with time_machine.travel(award.standstill_ends_at + timedelta(minutes=1)):
        page = _text(alpha.get(url))
    assert "File the protest" not in page
    assert "which ended" in page and "can no longer be protested" in page
    winner = _text(_as(app, GAMMA).get(f"/awards/responses/{world['responses']['third_bidder']}"))
    assert "was selected: there is no award of this lot for it to protest" in winner


@time_machine.travel("2026-09-15 14:00:00+00:00", tick=False)
def test_a_cost_reimbursement_rate_row_needs_no_rate(app, world):
    officer, award = _final(app, world)
    form = _html(officer.get(f"/awards/{award.public_id}/contract"))
    assert 'name="contract-rates-1-unit"' in form and "Cost reimbursement" in form
    data = _contract_data("contract", **{"rates-1-service": "Flexible family funds",
                                         "rates-1-unit": "cost_reimbursement",
                                         "rates-1-rate": ""})
    made = officer.post(f"/awards/{award.public_id}/contract", data)
    assert made.status_code == 302, _text(made)
    page = _text(officer.get(made.headers["Location"]))
    assert "Flexible family funds: reimbursed at cost" in page
    assert "Family stabilization: $85.50 (per diem)" in page
    # A per diem row still needs its rate.
    contract = _contract(app)
    refused = officer.post(f"/contracts/{contract.public_id}/terms", _contract_data(
        "edit", **{"rates-1-service": "Respite", "rates-1-unit": "per_diem",
                   "rates-1-rate": ""}))
    assert refused.status_code == 400 and "Give the rate for Respite." in _text(refused)
