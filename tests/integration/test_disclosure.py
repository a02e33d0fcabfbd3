"""Fair evaluation (issue 17): what a blind evaluator, a bidder and the public are told, decided
by the one table (procure.disclosure) and met through the pages and the API as rendered."""

from __future__ import annotations

import re
from decimal import Decimal

from procure import accounts
from procure.extensions import db
from procure.models import (
    AuditEvent,
    Panel,
    Scoresheet,
    Solicitation,
    SolicitationStatus,
    User,
)
from procure.workflows import evaluation as flow
from procure.workflows import response as response_flow
from procure.workflows import solicitation as solicitation_flow
from tests.integration.test_evaluation_forms import _get, _scoring, _world, world  # noqa: F401
from tests.support.evaluation import ORG_C, formed_panel
from tests.support.factories import EMAILS, ORG_A, ORG_B

LEGEND = re.compile(r'<legend[^>]*>([^<]+)</legend>')


def _token(email: str) -> str:
    person = db.session.scalar(db.select(User).where(User.email == email))
    token = accounts.issue_token(db.session, person, "test")
    db.session.commit()
    return token


def test_a_blind_member_declares_against_names_in_alphabetical_order_tied_to_no_code(
        app, world, login):  # noqa: F811
    panel_id = _scoring(app, world["rfr"], blind=True)
    with app.app_context():      # the codes run Gamma, Beta, Alpha: not the names' order
        panel = _get(panel_id)
        for response in flow.responses_of(panel):
            first = {ORG_C: "0", ORG_B: "8", ORG_A: "f"}[response.organization.legal_name]
            response.public_id = first * 8 + response.public_id[8:]
        db.session.commit()
        assert flow.bidder_labels(panel, panel.chair.user)[
            next(o.id for o in flow.bidders_of(panel) if o.legal_name == ORG_C)] == "Bidder 1-A"
    member = login("panelist")
    page = member.get(f"/evaluation/panels/{panel_id}/declarations")
    text = page.get_data(as_text=True)
    assert LEGEND.findall(text) == [ORG_A, ORG_B, ORG_C]
    assert "Bidder 1-" not in text and "in no way tied to the codes" in text
    scoring = member.get("/evaluation/mine").get_data(as_text=True)
    assert ORG_A not in scoring and "Bidder 1-" in scoring      # the responses: codes only

    # A conflict with Beta, as the form offers it: the member is asked first, never told which
    # code it was, and taken off Beta's response.
    with app.app_context():
        panel = _get(panel_id)
        panelist = db.session.scalar(db.select(User).where(User.email == EMAILS["panelist"]))
        beta = next(o for o in flow.bidders_of(panel) if o.legal_name == ORG_B)
        sheet = next(s for s in flow.live_scoresheets(panel)
                     if s.member.user_id == panelist.id and s.response.organization_id == beta.id)
        flow.save_scores(db.session, sheet, panelist, {
            flow.technical_criteria(panel)[0].id: (Decimal(7), "Clear.")})
        db.session.commit()
        sheet_key, beta_code = sheet.id, flow.bidder_label(sheet.response, panelist)
    fields = dict.fromkeys(re.findall(r'name="(bidder-\d+)"', text), "none")
    fields[f"bidder-{LEGEND.findall(text).index(ORG_B)}"] = "conflict"
    fields[f"nature-{LEGEND.findall(text).index(ORG_B)}"] = "I sat on its board until 2024."
    asked = member.post(f"/evaluation/panels/{panel_id}/declarations", fields)
    asked_text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "One of your scoresheets will be withdrawn" in asked_text
    assert beta_code not in asked_text and "Bidder 1-" not in asked_text
    done = member.post(f"/evaluation/panels/{panel_id}/declarations",
                       {**fields, "confirm": "withdraw"})
    assert done.status_code == 302
    after = member.get(done.headers["Location"]).get_data(as_text=True)
    assert beta_code not in after and "1 scoresheet was withdrawn" in after
    with app.app_context():
        assert db.session.get(Scoresheet, sheet_key).status.name == "withdrawn"
        token = _token(EMAILS["panelist"])
    listed = app.test_client().get(f"/api/v1/evaluation/panels/{panel_id}/declarations",
                                   headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [d["bidder"] for d in listed] == [ORG_A, ORG_B, ORG_C]
    assert [d["conflict"] for d in listed] == [False, True, False]


def test_a_blind_chair_reads_no_bidder_in_the_audit_trail_questions_or_awards(
        app, world, login):  # noqa: F811
    """officer2 chairs the blind panel: the RFR's audit trail (page and API) and its questions
    page name no bidder; the award page and the award API both refuse; once the panel is
    finalized blindness ends and both let the chair in."""
    with app.app_context():
        rfr = db.session.get(Solicitation, world["rfr"])
        asker = db.session.scalar(db.select(User).where(User.email == EMAILS["other_bidder"]))
        from datetime import timedelta

        import time_machine
        with time_machine.travel(rfr.published_at + timedelta(hours=1)):
            rfr.status = SolicitationStatus.published    # a question asked while it was open
            solicitation_flow.ask_question(db.session, rfr, asker, "May we subcontract?")
            rfr.status = SolicitationStatus.opened
        db.session.commit()
    panel_id = _scoring(app, world["rfr"], blind=True)
    chair = login("officer2")
    with app.app_context():
        token = _token(EMAILS["officer2"])
    auth = {"Authorization": f"Bearer {token}"}
    http = app.test_client()
    trail = chair.get(f"/officer/solicitations/{world['rfr']}/audit").get_data(as_text=True)
    api_trail = http.get(f"/api/v1/solicitations/{world['rfr']}/audit?page_size=100",
                         headers=auth)
    questions = chair.get(f"/officer/solicitations/{world['rfr']}/questions").get_data(
        as_text=True)
    assert api_trail.status_code == 200 and "a bidder" in trail and "a bidder" in questions
    for text in (trail, api_trail.get_data(as_text=True), questions):
        for needle in (ORG_A, ORG_B, ORG_C, EMAILS["bidder"], EMAILS["other_bidder"],
                       "alpha-care", "gamma-youth"):
            assert needle not in text
    assert [e for e in api_trail.get_json() if e["entity_type"] == "response"] == []
    assert chair.get(f"/awards/solicitations/{world['rfr']}").status_code == 403
    assert http.get(f"/api/v1/solicitations/{world['rfr']}/awards",
                    headers=auth).status_code == 403
    officer_questions = login("officer").get(
        f"/officer/solicitations/{world['rfr']}/questions").get_data(as_text=True)
    assert ORG_B in officer_questions            # an officer off the panel reads who asked

    from tests.integration.test_evaluation_forms import _finalized
    _finalized(app, panel_id)
    assert chair.get(f"/awards/solicitations/{world['rfr']}").status_code == 200
    assert http.get(f"/api/v1/solicitations/{world['rfr']}/awards",
                    headers=auth).status_code == 200
    assert ORG_B in chair.get(f"/officer/solicitations/{world['rfr']}/questions").get_data(
        as_text=True)


def test_the_chair_returning_a_scoresheet_is_not_shown_the_members_scores(
        app, world, login):  # noqa: F811
    panel_id = _scoring(app, world["rfr"])
    with app.app_context():
        panel = _get(panel_id)
        sheet = next(s for s in flow.live_scoresheets(panel)
                     if s.member.user.email == EMAILS["panelist"])
        flow.save_scores(db.session, sheet, sheet.member.user, {
            flow.technical_criteria(panel)[0].id: (Decimal(7), "WOMBAT-COMMENT")})
        flow.submit(db.session, sheet, sheet.member.user)
        db.session.commit()
        sheet_id, token = sheet.public_id, _token(EMAILS["officer2"])
    answer = app.test_client().post(f"/api/v1/evaluation/scoresheets/{sheet_id}/return",
                                    json={"reason": "Please say more on outcomes."},
                                    headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "returned" and answer.get_json()["scores"] == []
    assert "WOMBAT-COMMENT" not in answer.get_data(as_text=True)


# ---------------------------------------------------------------- ids that count nothing

def _without_csrf_token(page: str) -> str:
    """The page but for its CSRF token, which carries the second it was made in (two pages a
    second apart differ there and nowhere else)."""
    return re.sub(r'(csrf[-_]token"[^>]*?(?:value|content)=")[^"]+', r"\1", page)


def test_a_drafts_lot_is_answered_exactly_as_a_missing_one(app, people, login):
    from tests.support.factories import draft_rfr, published_rfr
    with app.app_context():
        officer = db.session.scalar(db.select(User).where(User.email == EMAILS["officer"]))
        published_rfr(db.session, officer)
        draft = draft_rfr(db.session, officer, title="Not yet announced")
        db.session.commit()
        draft_lot, missing = draft.lots[0].id, draft.lots[-1].id + 1000
        token = _token(EMAILS["bidder"])
    http = app.test_client()
    answers = [http.post("/api/v1/responses/", json={"lot_id": lot},
                         headers={"Authorization": f"Bearer {token}"}) for lot in (draft_lot,
                                                                                   missing)]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].get_json() == answers[1].get_json()
    assert "RFR" not in answers[0].get_data(as_text=True)
    bidder = login("bidder")
    bidder.get("/")
    pages = [bidder.post(f"/bidder/lots/{lot}/respond", {}) for lot in (draft_lot, missing)]
    assert [p.status_code for p in pages] == [404, 404]
    seen = [_without_csrf_token(p.get_data(as_text=True)) for p in pages]
    assert seen[0] == seen[1] and "Not yet announced" not in seen[0]


# ---------------------------------------------------------------- the minimum of responses

def test_below_the_minimum_the_officer_decides_with_a_reason_on_the_record(
        app, world, login):  # noqa: F811
    """Three responses accepted, the procedure asks for four: evaluation cannot begin until an
    officer decides, on the responses page as rendered, to evaluate anyway (with a reason)."""
    from procure.models import SolicitationKind
    from procure.workflows.base import WorkflowError
    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.email == EMAILS["admin"]))
        solicitation_flow.set_rules(db.session, SolicitationKind.RFR, admin, min_responses=4)
        officer = db.session.scalar(db.select(User).where(User.email == EMAILS["officer"]))
        panel = formed_panel(db.session, _world(world["rfr"]))
        db.session.commit()
        try:
            flow.fire(db.session, panel, "begin_declarations", officer)
        except WorkflowError as refused:
            message = refused.message
        else:
            raise AssertionError("evaluation began below the minimum")
        db.session.rollback()
    assert "3 responsive responses; the procedure asks for at least 4" in message
    officer = login("officer")
    page = officer.get(f"/officer/solicitations/{world['rfr']}/responses")
    text = page.get_data(as_text=True)
    assert "Fewer responses than the minimum" in text
    names = set(re.findall(r'name="(\w+)"', text.split('id="below-minimum"', 1)[1]
                           .split("</form>", 1)[0]))
    assert names == {"csrf_token", "decision", "reason", "submit"}
    url = f"/officer/solicitations/{world['rfr']}/below-minimum"
    blank = officer.post(url, {"decision": "evaluate", "reason": ""})
    assert blank.status_code == 400 and "This field is required" in blank.get_data(as_text=True)
    done = officer.post(url, {"decision": "evaluate",
                              "reason": "Only three providers serve this area; re-advertising "
                                        "would not bring a fourth."})
    assert done.status_code == 302
    assert "Fewer responses than the minimum" not in officer.get(
        done.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.event == "evaluate_below_minimum"))
        assert event.reason.startswith("Only three providers") and event.data == {
            "responses": 3, "minimum": 4}
        panel = db.session.scalar(db.select(Panel).where(
            Panel.solicitation_id == world["rfr"]))
        officer_row = db.session.scalar(db.select(User).where(User.email == EMAILS["officer"]))
        flow.fire(db.session, panel, "begin_declarations", officer_row)    # now it may begin
        assert db.session.get(Solicitation, world["rfr"]).status.name == "in_evaluation"
    again = officer.post(url, {"decision": "evaluate", "reason": "Again."})
    assert again.status_code == 409 and "needs no decision" in again.get_data(as_text=True)


def test_below_the_minimum_the_api_readvertises_or_cancels(app, people):
    from procure.models import CancelReason, SolicitationKind
    from tests.support.evaluation import opened_rfr
    with app.app_context():
        made = opened_rfr(db.session)
        admin = db.session.scalar(db.select(User).where(User.email == EMAILS["admin"]))
        solicitation_flow.set_rules(db.session, SolicitationKind.RFR, admin, min_responses=5)
        db.session.commit()
        rfr_id, token = made.rfr.id, _token(EMAILS["officer"])
    http = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/solicitations/{rfr_id}/below-minimum"
    unsaid = http.post(url, json={"decision": "readvertise", "reason": ""}, headers=auth)
    assert unsaid.status_code == 422
    wrong = http.post(url, json={"decision": "extend", "reason": "x"}, headers=auth)
    assert wrong.status_code == 422
    done = http.post(url, json={"decision": "readvertise", "reason": "Three of five: we will "
                                "advertise again with a longer period."}, headers=auth)
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    with app.app_context():
        rfr = db.session.get(Solicitation, rfr_id)
        assert rfr.cancel_reason is CancelReason.readvertise
        assert rfr.cancel_text.startswith("Three of five")
        officer = db.session.scalar(db.select(User).where(User.email == EMAILS["officer"]))
        assert response_flow.audit_trail(db.session, officer, rfr)[-1].event == "cancel"


# ---------------------------------------------------------------- the table's promises

def test_the_table_keeps_the_promises_the_readme_makes():
    """The sweep checks every face against the table; this pins the rows the README promises,
    so loosening the table itself fails too: price sealed to every evaluator until the price
    step, blindness ending at finalization, names public only once the awards are final,
    members' scores only once every scoresheet is in, nothing before the opening."""
    from procure.disclosure import TABLE, Kind, Phase, Viewer
    evaluators = (Viewer.chair, Viewer.member, Viewer.blind_chair, Viewer.blind_member)
    for viewer in evaluators:
        assert min(TABLE[Kind.price][viewer]) == Phase.price_opened
        assert min(TABLE[Kind.scores][viewer]) == Phase.consensus
    for viewer in (Viewer.blind_chair, Viewer.blind_member):
        assert min(TABLE[Kind.identity][viewer]) == Phase.finalized
    for viewer in (Viewer.public, Viewer.other_bidder):
        assert TABLE[Kind.identity][viewer] == {Phase.final}
        assert TABLE[Kind.price][viewer] == set() and TABLE[Kind.scores][viewer] == set()
    assert min(TABLE[Kind.scores][Viewer.bidder]) == Phase.notified
    for kind, rows in TABLE.items():
        for viewer, phases in rows.items():
            if viewer is not Viewer.bidder:
                assert Phase.before_opening not in phases, (kind, viewer)
