"""An officer drafts and publishes an RFR in the browser's forms; the public finds it."""

from __future__ import annotations

import re
from html import unescape

from datetime import timedelta

from sqlalchemy import func, select

from procure import clock
from procure.extensions import db
from procure.models import AreaOffice, Solicitation, SolicitationStatus
from tests.support.factories import published_rfr, user


def _local(moment):
    return clock.local(moment).strftime("%Y-%m-%dT%H:%M")


def test_officer_creates_and_publishes_rfr_public_finds_it(app, login):
    officer = login("officer")
    deadline = clock.now() + timedelta(days=45)
    page = officer.post("/officer/solicitations/new", {
        "kind": "RFR", "title": "Family-based services in the Southeast",
        "agencies": ["DCF", "DMH"], "description": "Family stabilization and reunification.",
        "deadline": _local(deadline)})
    assert page.status_code == 302
    url = page.headers["Location"]
    officer.get(url)
    with app.app_context():
        row = db.session.scalar(select(Solicitation))
        area = db.session.scalar(select(AreaOffice).where(AreaOffice.name == "Brockton"))
        number, area_id = row.number, area.id
    assert number.startswith("DCF-") and "-RFR-" in number
    assert officer.post(url + "/lots", {
        "lot-kind": "lead_agency", "lot-title": "Lead agency: Brockton",
        "lot-area_offices": [str(area_id)], "lot-region": "0", "lot-service_model": "",
        "lot-estimated_annual_value": "100000", "lot-max_awards": "1"}).status_code == 302
    assert officer.post(url + "/sections", {"section-title": "Program Design",
                                            "section-aliases": "Program Model",
                                            "section-page_limit": "10"}).status_code == 302
    for name, weight in [("Program design", "70"), ("Cost", "30")]:
        assert officer.post(url + "/criteria", {
            "criterion-name": name, "criterion-weight": weight, "criterion-max_points": "10",
            "criterion-envelope": "technical"}).status_code == 302
    published = officer.post(url + "/events/publish", {}, follow_redirects=True)
    assert published.status_code == 200
    assert "it is now open" in published.get_data(as_text=True)

    visitor = login("anonymous")
    listing = visitor.get("/?q=Southeast&agency=DMH").get_data(as_text=True)
    assert "Family-based services in the Southeast" in listing and "1 solicitation found" in listing
    detail = visitor.get(f"/solicitations/{url.rsplit('/', 1)[1]}").get_data(as_text=True)
    assert "Lead agency: Brockton" in detail and "Program Design" in detail
    assert "DCF and DMH" in detail


def test_publish_refused_with_reason_and_nothing_changes(app, login):
    officer = login("officer")
    page = officer.post("/officer/solicitations/new", {
        "kind": "RFR", "title": "Incomplete", "agencies": ["DCF"],
        "deadline": _local(clock.now() + timedelta(days=45))})
    url = page.headers["Location"]
    refused = officer.post(url + "/events/publish", {})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "add at least one lot" in text and "add evaluation criteria" in text
    with app.app_context():
        assert db.session.scalar(select(Solicitation.status)) is SolicitationStatus.draft


def test_invalid_input_gives_field_errors_and_saves_nothing(app, login):
    officer = login("officer")
    page = officer.post("/officer/solicitations/new", {"kind": "RFR", "title": "",
                                                       "number": "bad number"})
    assert page.status_code == 400   # sent back with the mistakes marked
    text = page.get_data(as_text=True)
    assert "This field is required." in text and "Use the form DCF-2026-RFR-014." in text
    assert "Choose at least one agency." in text
    with app.app_context():
        assert db.session.scalar(select(func.count(Solicitation.id))) == 0


def test_forms_without_csrf_token_are_refused(app, login):
    officer = login("officer")
    refused = officer.post("/officer/solicitations/new", {"kind": "RFR", "title": "x",
                                                          "agencies": ["DCF"]}, csrf=False)
    assert refused.status_code == 400
    assert "The form expired" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Solicitation.id))) == 0


def test_cancel_needs_reason_and_is_shown_publicly(app, login):
    officer = login("officer")
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid = row.id
    assert officer.post(f"/officer/solicitations/{sid}/events/cancel",
                        {"cancel-cancel_reason": "funds_cut", "cancel-text": ""}).status_code == 400
    done = officer.post(f"/officer/solicitations/{sid}/events/cancel",
                        {"cancel-cancel_reason": "funds_cut",
                         "cancel-text": "The appropriation was cut."})
    assert done.status_code == 302
    public = login("anonymous").get(f"/solicitations/{sid}").get_data(as_text=True)
    assert "Funding was cut or withdrawn" in public and "The appropriation was cut." in public


def test_addendum_question_answer_flow(app, login):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid = row.id
    bidder = login("bidder")
    bidder.get(f"/solicitations/{sid}")
    assert bidder.post(f"/solicitations/{sid}/questions",
                       {"body": "Is a joined lot one on-site team?"}).status_code == 302
    other = login("other_bidder").get(f"/solicitations/{sid}").get_data(as_text=True)
    assert "one on-site team" not in other          # private until answered
    officer = login("officer")
    questions = officer.get(f"/officer/solicitations/{sid}/questions").get_data(as_text=True)
    assert "Alpha Care Collaborative" in questions   # the officer sees who asked
    with app.app_context():
        from procure.models import Question
        qid = db.session.scalar(select(Question.id))
    assert officer.post(f"/officer/questions/{qid}/answer",
                        {f"q{qid}-answer": "One team per joined lot."}).status_code == 302
    assert officer.post(f"/officer/solicitations/{sid}/addenda", {
        "addendum-title": "Budget form", "addendum-body": "Use the new budget form.",
            "addendum-confirm": "y"}
    ).status_code == 302
    public = login("anonymous").get(f"/solicitations/{sid}").get_data(as_text=True)
    assert "One team per joined lot." in public and "one on-site team" in public
    assert "Alpha Care" not in public                # the answer hides the asker
    assert "Addendum 1: Budget form" in public
    audit = officer.get(f"/officer/solicitations/{sid}/audit").get_data(as_text=True)
    for event in ("publish", "ask question", "answer question", "publish addendum"):
        assert event in audit


def test_lifecycle_picture_highlights_current_state(app, login):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid = row.id
    page = login("officer").get(f"/officer/solicitations/{sid}/lifecycle").get_data(as_text=True)
    # Issue 19: a drawing (SVG, server-side, no script), from the machine's own states and
    # transitions, the current state marked; no Mermaid source shown.
    from procure.workflows import diagram
    from procure.workflows import response as response_flow
    from procure.workflows import solicitation as flow
    assert "stateDiagram" not in page and "Mermaid" not in page and "<script" not in \
        page.split("<main", 1)[1].split("</main>", 1)[0]
    drawing = page.split('<figure class="lifecycle-figure"', 1)[1].split("</figure>", 1)[0]
    assert "<svg" in drawing and "</svg>" in drawing
    states = re.findall(r'<g class="state( current)?">(.*?)</g>', drawing, re.S)
    names = {" ".join(re.findall(r">([^<]+)</text>", body)) for _, body in states}
    assert names == {s.value + (" (now)" if s.name == "published" else "")
                     for s in diagram._states(flow.RFR)}
    assert [(" ".join(re.findall(r">([^<]+)</text>", body))) for current, body in states
            if current] == ["Open (now)"]
    edges = diagram._edges(flow.RFR)
    assert len(edges) >= len(flow.RFR.transitions)
    for _source, _dest, label in edges:
        assert label in unescape(drawing)
    assert "Accepted as responsive" in page        # each response's lifecycle too
    assert len(diagram._states(response_flow.RESPONSE)) == len(response_flow.RESPONSE.states)
