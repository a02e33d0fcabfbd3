"""What a person meets on the evaluation pages: only the steps allowed now (else why not), a
conflict that would withdraw a scoresheet asked first and told to the chair, refusals shown on
the form with what was typed kept, the progress drawn without inline style, the consensus
count, the matrix legend, the exports' weights, totals and ranks, the PDF's declaration times
and page numbers, and bidder names kept from an officer who evaluates blind."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from procure import accounts, clock, policy
from procure.extensions import db
from procure.models import Panel, Scoresheet, Solicitation, User
from procure.workflows import evaluation as flow
from tests.support.evaluation import Evaluation, declare_none, formed_panel, opened_rfr
from tests.support.factories import EMAILS, ORG_A, ORG_B, published_rfr
from tests.support.factories import user as person

PARENT = "parent@families.example.org"


@pytest.fixture
def world(app, people):
    with app.app_context():
        made = opened_rfr(db.session)
        db.session.commit()
        return {"rfr": made.rfr.id}


def _world(rfr_id: int) -> Evaluation:
    rfr = db.session.get(Solicitation, rfr_id)
    people = {u.email: u for u in db.session.query(User)}
    return Evaluation(rfr=rfr, responses={}, officer=people[EMAILS["officer"]],
                      chair=people[EMAILS["officer2"]], evaluator=people[EMAILS["panelist"]],
                      family=people[PARENT])


def _scoring(app, rfr_id: int, *, blind: bool = False) -> int:
    with app.app_context():
        w = _world(rfr_id)
        if blind:
            flow.set_plan(db.session, w.rfr, w.officer, blind=True, half_points=False)
        panel = formed_panel(db.session, w)
        flow.fire(db.session, panel, "begin_declarations", w.officer)
        declare_none(db.session, panel, w.chair, w.evaluator, w.family)
        flow.fire(db.session, panel, "begin_scoring", w.chair)
        db.session.commit()
        return panel.public_id


def _get(public_id: str) -> Panel:
    return db.session.scalar(db.select(Panel).where(Panel.public_id == public_id))


def _submit_all(app, panel_id: int, points=(6, 8, 3)) -> None:
    with app.app_context():
        panel = _get(panel_id)
        technical = flow.technical_criteria(panel)[0]
        for i, sheet in enumerate(flow.live_scoresheets(panel)):
            if sheet.status.name != "submitted":
                flow.save_scores(db.session, sheet, sheet.member.user, {
                    technical.id: (Decimal(points[i % 3]), f"Reason {i}.")})
                flow.submit(db.session, sheet, sheet.member.user)
        db.session.commit()


def _finalized(app, panel_id: int) -> None:
    _submit_all(app, panel_id)
    with app.app_context():
        panel = _get(panel_id)
        chair = panel.chair.user
        flow.fire(db.session, panel, "begin_consensus", chair)
        technical = flow.technical_criteria(panel)[0]
        for response in flow.responses_of(panel):   # (in the order of their random codes)
            points = 5 if response.organization.legal_name == ORG_B else 7
            flow.record_consensus(db.session, panel, chair, response=response,
                                  criterion=technical, points=Decimal(points),
                                  rationale="The panel agreed.")
        flow.score_price(db.session, panel, chair)
        flow.fire(db.session, panel, "finalize", chair)
        db.session.commit()


def test_only_the_steps_allowed_now_are_offered_else_the_page_says_why(app, people, login):
    with app.app_context():
        draft = published_rfr(db.session, person(db.session, "officer"))
        db.session.commit()
        sealed = draft.id
    officer = login("officer")
    page = officer.get(f"/evaluation/solicitations/{sealed}").get_data(as_text=True)
    assert "Panels are formed after the responses are opened." in page
    assert "Form the panel" not in page

    with app.app_context():
        w = opened_rfr(db.session)
        db.session.commit()
        rid = w.rfr.id
    page = officer.get(f"/evaluation/solicitations/{rid}").get_data(as_text=True)
    assert "Form the panel" in page and "Save the plan" in page
    made = officer.post(f"/evaluation/solicitations/{rid}/panels",
                        {"name": "Lot 1 panel", "lots": str(w.rfr.lots[0].id)})
    panel_id = made.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}",
                        panel_id), "panels are named by public ids, never keys that count"
    with app.app_context():
        key = _get(panel_id).id
    assert officer.get(f"/evaluation/panels/{key}").status_code == 404
    page = officer.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert "Start declarations</strong>: not yet. Name a chair" in page
    assert "events/begin_declarations" not in page

    with app.app_context():
        panel = _get(panel_id)
        w = _world(rid)
        for who, kind, chair in [(w.chair, "agency_staff", True),
                                 (w.evaluator, "external_reviewer", False)]:
            flow.add_member(db.session, panel, w.officer, user=who,
                            kind=flow.MemberKind[kind], chair=chair)
        db.session.commit()
    page = officer.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert "events/begin_declarations" in page and "not yet" not in page
    assert officer.post(f"/evaluation/panels/{panel_id}/events/begin_declarations",
                        {}).status_code == 302

    # The plan is fixed once a panel starts: no button, the reason instead; a forced POST is
    # answered on the same page.
    page = officer.get(f"/evaluation/solicitations/{rid}").get_data(as_text=True)
    assert "Save the plan" not in page and "has started" in page
    late = officer.post(f"/evaluation/solicitations/{rid}/plan", {"blind": "y"})
    assert late.status_code == 409
    assert "<h1>Evaluation of" in late.get_data(as_text=True)

    # The chair: no Start scoring while declarations are missing; no Start consensus before
    # every scoresheet is in.
    chair = login("officer2")
    page = chair.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert "Start scoring</strong>: not yet." in page and "declarations are missing" in page
    forced = chair.post(f"/evaluation/panels/{panel_id}/events/begin_scoring", {})
    assert forced.status_code == 409
    assert "declarations are missing" in forced.get_data(as_text=True)
    assert "<h1>Lot 1 panel</h1>" in forced.get_data(as_text=True)       # the same page
    with app.app_context():
        panel = _get(panel_id)
        w = _world(rid)
        declare_none(db.session, panel, w.chair, w.evaluator)
        flow.fire(db.session, panel, "begin_scoring", w.chair)
        db.session.commit()
    page = chair.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert "Start consensus</strong>: not yet. 0 of 6 scoresheets are not submitted" not in page
    assert "Start consensus</strong>: not yet. 6 of 6 scoresheets are not submitted yet." in page
    assert "events/begin_consensus" not in page


def test_a_conflict_that_would_withdraw_a_submitted_scoresheet_is_asked_first_and_told_to_the_chair(
        app, world, login):
    panel_id = _scoring(app, world["rfr"])
    with app.app_context():
        panel = _get(panel_id)
        org = flow.bidders_of(panel)[0]
        panelist = db.session.scalar(db.select(User).where(User.email == EMAILS["panelist"]))
        sheet = next(s for s in flow.live_scoresheets(panel)
                     if s.member.user_id == panelist.id and s.response.organization_id == org.id)
        flow.save_scores(db.session, sheet, panelist, {
            flow.technical_criteria(panel)[0].id: (Decimal(7), "Clear.")})
        flow.submit(db.session, sheet, panelist)
        db.session.commit()
        sheet_id, key, name = sheet.public_id, sheet.id, org.legal_name
    member = login("panelist")
    choices = {"bidder-0": "conflict", "nature-0": "My cousin runs its intake team.",
               "bidder-1": "none", "bidder-2": "none"}
    asked = member.post(f"/evaluation/panels/{panel_id}/declarations", choices)
    assert asked.status_code == 200
    text = asked.get_data(as_text=True)
    assert f"Your submitted scoresheet for {name} will be withdrawn" in text
    assert "Declare and withdraw my scoresheet" in text and "My cousin runs its intake" in text
    with app.app_context():
        assert db.session.get(Scoresheet, key).status.name == "submitted"   # not yet

    done = member.post(f"/evaluation/panels/{panel_id}/declarations",
                       {**choices, "confirm": "withdraw"})
    assert done.status_code == 302
    assert "1 scoresheet was withdrawn; the chair is told" in member.get(
        done.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Scoresheet, key).status.name == "withdrawn"
    page = login("officer2").get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert "Withdrawn after a conflict was declared" in page
    assert (f"<strong>Panelist</strong> declared a conflict with {name}" in page
            and "their submitted scoresheet was withdrawn" in page
            and "My cousin runs its intake team." in page)

    # The API asks for the same confirmation.
    with app.app_context():
        token = accounts.issue_token(db.session, db.session.scalar(
            db.select(User).where(User.email == PARENT)), "test")
        db.session.commit()
    http = app.test_client()
    body = {"bidder_index": 1, "conflict": True, "nature": "I volunteer there."}
    refused = http.post(f"/api/v1/evaluation/panels/{panel_id}/declarations", json=body,
                        headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 409 and "withdraws your 1 scoresheet" in refused.get_json()[
        "message"]
    confirmed = http.post(f"/api/v1/evaluation/panels/{panel_id}/declarations",
                          json={**body, "withdraw_scoresheets": True},
                          headers={"Authorization": f"Bearer {token}"})
    assert confirmed.status_code == 201


def test_refusals_are_shown_on_the_form_with_what_was_typed(app, world, login):
    panel_id = _scoring(app, world["rfr"])
    member = login("panelist")
    # A declaration of a conflict without its nature.
    refused = member.post(f"/evaluation/panels/{panel_id}/declarations",
                          {"bidder-0": "none", "bidder-1": "conflict", "nature-1": " ",
                           "bidder-2": "none"})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "Say what the conflict is" in text and "Conflicts of interest:" in text
    assert re.search(r'id="conflict-1" value="conflict" checked', text)

    # Points out of range on the scoresheet.
    with app.app_context():
        sheet = next(s for s in flow.live_scoresheets(_get(panel_id))
                     if s.member.user.email == EMAILS["panelist"])
        sheet_id, cid = sheet.public_id, flow.technical_criteria(sheet.panel)[0].id
    refused = member.post(f"/evaluation/scoresheets/{sheet_id}",
                          {"action": "save", f"points-{cid}": "11",
                           f"comment-{cid}": "Strong weekly teaming, pages 2-3."})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "from 0 to 10 points" in text and "<h1>Scoring" in text
    assert 'value="11"' in text and "Strong weekly teaming, pages 2-3." in text

    # A consensus out of range, and one without its rationale.
    _submit_all(app, panel_id)
    chair = login("officer2")
    assert chair.post(f"/evaluation/panels/{panel_id}/events/begin_consensus",
                      {}).status_code == 302
    heat = chair.get(f"/evaluation/panels/{panel_id}/matrix").get_data(as_text=True)
    first = re.findall(r'name="response" value="([^"]+)"', heat)[0]
    refused = chair.post(f"/evaluation/panels/{panel_id}/consensus",
                         {"response": first, f"points-{cid}": "12",
                          f"rationale-{cid}": "Weekly teams, discussed at length."})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert f'id="refused-{first}"' in text and "from 0 to 10 points" in text
    assert 'value="12"' in text and "Weekly teams, discussed at length." in text
    refused = chair.post(f"/evaluation/panels/{panel_id}/consensus",
                         {"response": first, f"points-{cid}": "7", f"rationale-{cid}": ""})
    assert refused.status_code == 409
    assert "Write the panel&#39;s rationale" in refused.get_data(as_text=True)


def test_progress_count_legend_exports_and_the_pdf(app, world, login):
    panel_id = _scoring(app, world["rfr"])
    chair = login("officer2")
    page = chair.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert '<progress class="w-100 mb-2" id="progress-bar" max="9" value="0"' in page
    assert "style=" not in page                  # the CSP allows no inline style
    _submit_all(app, panel_id)
    page = chair.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert 'max="9" value="9"' in page and "9 of 9 scoresheets submitted" in page
    chair.post(f"/evaluation/panels/{panel_id}/events/begin_consensus", {})
    heat = chair.get(f"/evaluation/panels/{panel_id}/matrix").get_data(as_text=True)
    # Three responses x one technical criterion: price is filled by the formula.
    assert "3 technical consensus scores still to record." in heat
    # the chair is told, before the forms, that the last technical score opens the prices
    assert ("Recording the last technical score opens the price envelope, on the record, and the "
            "technical consensus is then final") in heat
    assert "Finalize and rank</strong>: not yet." in heat
    legend = re.search(r'<p class="small" id="members-legend">(.*?)</p>', heat).group(1)
    assert legend.count("family representative") == 1 and "Pat Parent" in legend

    with app.app_context():   # back to scoring, then through to the end by the use cases
        panel = _get(panel_id)
        flow.fire(db.session, panel, "reopen_scoring", panel.chair.user)
        db.session.commit()
    with app.app_context():
        panel = _get(panel_id)
        chair_user = panel.chair.user
        flow.fire(db.session, panel, "begin_consensus", chair_user)
        db.session.commit()
    with app.app_context():
        panel = _get(panel_id)
        technical = flow.technical_criteria(panel)[0]
        for response in flow.responses_of(panel):   # (in the order of their random codes)
            points = 5 if response.organization.legal_name == ORG_B else 7
            flow.record_consensus(db.session, panel, panel.chair.user, response=response,
                                  criterion=technical, points=Decimal(points),
                                  rationale="The panel agreed.")
        flow.score_price(db.session, panel, panel.chair.user)
        db.session.commit()
    heat = chair.get(f"/evaluation/panels/{panel_id}/matrix").get_data(as_text=True)
    assert "Every consensus score is recorded." in heat and "Finalize and rank</button>" in heat
    assert "Recording the last technical score" not in heat, "the prices are open already"
    # finalizing ranks for good: without its box ticked nothing happens, and the page says so
    unticked = chair.post(f"/evaluation/panels/{panel_id}/events/finalize", {})
    assert unticked.status_code == 400
    refused = unticked.get_data(as_text=True)
    assert "<strong>Not finalized.</strong> Tick the box to confirm; nothing was changed." in refused
    assert "That cannot be done now" not in refused
    with app.app_context():
        assert _get(panel_id).status.name == "consensus"
    assert chair.post(f"/evaluation/panels/{panel_id}/events/finalize",
                      {"confirm": "y"}).status_code == 302

    rows = list(csv.DictReader(io.StringIO(chair.get(
        f"/evaluation/panels/{panel_id}/scores.csv").get_data(as_text=True))))
    consensus = [r for r in rows if r["Evaluator"] == "Panel consensus"]
    program = next(r for r in consensus if r["Criterion"] == "Program design"
                   and r["Points"] == "7.00")
    assert program["Weight"] == "60" and program["Max points"] == "10"
    assert program["Weighted points"] == "42.00"           # 60 x 7 / 10
    totals = {r["Bidder"]: (r["Bidder's weighted total"], r["Rank in lot"]) for r in rows}
    # Cost: 80,000 lowest; 80/100 x 10 = 8; 80/120 x 10 = 6.67 (40 weight)
    assert totals[ORG_A] == ("74.00", "1")                  # 7 -> 42, $100,000 -> 8 -> 32
    assert totals[ORG_B] == ("70.00", "2")                  # 5 -> 30, $80,000 -> 10 -> 40
    book = load_workbook(io.BytesIO(chair.get(
        f"/evaluation/panels/{panel_id}/scores.xlsx").data))
    assert book.sheetnames == ["Scores", "Ranking"]
    ranking = list(book["Ranking"].iter_rows(values_only=True))
    assert ranking[0] == ("Lot", "Rank", "Tied", "Bidder", "Weighted total (of 100)")
    assert ranking[1][1:] == (1, None, ORG_A, 74.0)          # the rank a number
    header = next(book["Scores"].iter_rows(values_only=True))
    assert {"Weight", "Weighted points", "Bidder's weighted total", "Rank in lot"} <= set(header)

    pdf = chair.get(f"/evaluation/panels/{panel_id}/report.pdf")
    assert "-lots-1-report.pdf" in pdf.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(pdf.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert ".." not in text                      # one full stop a sentence, "Inc." too
    with app.app_context():
        declared = _get(panel_id).members[0].declarations[0].declared_at
        assert clock.format_moment(declared) in text.replace("\n", " ")
        # the file says what it is where a reader's title bar and a records system look
        assert reader.metadata.title == f"Evaluation report: {_get(panel_id).name}"


def test_an_officer_on_a_blind_panel_is_not_shown_bidder_names(app, world, login):
    panel_id = _scoring(app, world["rfr"], blind=True)
    chair = login("officer2")           # an officer who chairs the blind panel
    page = chair.get(f"/evaluation/solicitations/{world['rfr']}").get_data(as_text=True)
    assert "Bidder 1-A" in page and ORG_A not in page and ORG_B not in page
    page = chair.get(f"/evaluation/solicitations/{world['rfr']}/rates").get_data(as_text=True)
    assert ORG_A not in page
    page = login("officer").get(f"/evaluation/solicitations/{world['rfr']}").get_data(
        as_text=True)
    assert ORG_A in page                # the officer who does not evaluate sees names
    with app.app_context():
        rfr = db.session.get(Solicitation, world["rfr"])
        people = {u.email: u for u in db.session.query(User)}
        assert flow.names_hidden_from(db.session, rfr, people[EMAILS["officer2"]])
        assert not flow.names_hidden_from(db.session, rfr, people[EMAILS["officer"]])
        with pytest.raises(policy.Denied, match="blind evaluation panel"):
            flow.refuse_names_to_blind_evaluator(db.session, rfr, people[EMAILS["officer2"]])
        flow.refuse_names_to_blind_evaluator(db.session, rfr, people[EMAILS["officer"]])
        assert _get(panel_id).status.name == "scoring"
