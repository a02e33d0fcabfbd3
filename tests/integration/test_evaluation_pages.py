"""The whole evaluation through the pages: the officer forms a panel, members declare and score
beside the proposal (drafts saved as they type), the chair returns one, reaches consensus from
the heat map, prices, finalizes and downloads the report; what each person must not see."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from procure.extensions import db
from procure.models import Panel, Scoresheet
from tests.conftest import Client
from tests.support.evaluation import ORG_C, opened_rfr
from tests.support.factories import EMAILS, ORG_A, ORG_B, PASSWORD

NAMES = [ORG_A, ORG_B, ORG_C]


@pytest.fixture
def world(app, people):
    with app.app_context():
        made = opened_rfr(db.session)
        db.session.commit()
        return {"rfr": made.rfr.id, "lot": made.rfr.lots[0].id,
                "names": {k: r.organization.legal_name for k, r in made.responses.items()}}


def _sign_in(app, email: str) -> Client:
    c = Client(app)
    assert c.login(email, PASSWORD).status_code == 302
    return c


def _people(app):
    return {"officer": _sign_in(app, EMAILS["officer"]),
            "chair": _sign_in(app, EMAILS["officer2"]),
            "panelist": _sign_in(app, EMAILS["panelist"]),
            "family": _sign_in(app, "parent@families.example.org")}


def _form_panel(app, world, c, *, blind: bool) -> str:
    officer = c["officer"]
    page = officer.get(f"/evaluation/solicitations/{world['rfr']}")
    assert page.status_code == 200
    if blind:
        assert officer.post(f"/evaluation/solicitations/{world['rfr']}/plan",
                            {"blind": "y"}).status_code == 302
    made = officer.post(f"/evaluation/solicitations/{world['rfr']}/panels",
                        {"name": "Lot 1 panel", "lots": str(world["lot"])})
    assert made.status_code == 302, made.get_data(as_text=True)
    with app.app_context():
        panel_id = db.session.query(Panel).one().public_id
        from procure.models import User
        ids = {u.email: u.id for u in db.session.query(User)}
    for email, kind, chair in [(EMAILS["officer2"], "agency_staff", True),
                               (EMAILS["panelist"], "external_reviewer", False),
                               ("parent@families.example.org", "family_representative", False)]:
        data = {"user": str(ids[email]), "kind": kind}
        if chair:
            data["chair"] = "y"
        added = officer.post(f"/evaluation/panels/{panel_id}/members", data)
        assert added.status_code == 302, added.get_data(as_text=True)
    page = officer.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert "Family representative".lower() in page.lower()
    assert officer.post(f"/evaluation/panels/{panel_id}/events/begin_declarations",
                        {}).status_code == 302
    return panel_id


def _declare(c: Client, panel_id: str, conflict_with: int | None = None) -> None:
    page = c.get(f"/evaluation/panels/{panel_id}/declarations")
    assert page.status_code == 200
    data = {f"bidder-{i}": "none" for i in range(3)}
    if conflict_with is not None:
        data[f"bidder-{conflict_with}"] = "conflict"
        data[f"nature-{conflict_with}"] = "My sister works there as a case manager."
    assert c.post(f"/evaluation/panels/{panel_id}/declarations", data).status_code == 302


def _sheet_ids(app, email: str) -> list[str]:
    with app.app_context():
        from procure.models import PanelMember, ScoresheetStatus, User
        return [s.public_id for s in db.session.query(Scoresheet).join(PanelMember).join(User)
                .filter(User.email == email, Scoresheet.status != ScoresheetStatus.withdrawn)
                .order_by(Scoresheet.id)]


def _criterion_ids(page: str) -> list[str]:
    return re.findall(r'name="points-(\d+)"', page)


def _score(c: Client, sheet_id: int, points: str, comment: str, *, submit: bool = True):
    page = c.get(f"/evaluation/scoresheets/{sheet_id}").get_data(as_text=True)
    data = {"action": "review" if submit else "save"}
    for cid in _criterion_ids(page):
        data[f"points-{cid}"], data[f"comment-{cid}"] = points, comment
    saved = c.post(f"/evaluation/scoresheets/{sheet_id}", data)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    if submit:
        assert saved.headers["Location"].endswith(f"/scoresheets/{sheet_id}/submit")
        assert "Submit your scores" in c.get(saved.headers["Location"]).get_data(as_text=True)
        done = c.post(f"/evaluation/scoresheets/{sheet_id}/submit", {})
        assert done.status_code == 302, done.get_data(as_text=True)


def test_the_whole_evaluation_through_the_pages(app, world, login):
    c = _people(app)
    panel_id = _form_panel(app, world, c, blind=False)

    # Before declaring, the panelist has work waiting but sees no response.
    mine = c["panelist"].get("/evaluation/mine").get_data(as_text=True)
    assert "Declare conflicts" in mine and "My panels" in mine
    _declare(c["panelist"], panel_id)
    _declare(c["chair"], panel_id)
    _declare(c["family"], panel_id, conflict_with=0)
    assert c["chair"].post(f"/evaluation/panels/{panel_id}/events/begin_scoring",
                           {}).status_code == 302

    # The panelist scores beside the proposal; the draft is saved as they type (JSON).
    sheets = _sheet_ids(app, EMAILS["panelist"])
    assert len(sheets) == 3
    page = c["panelist"].get(f"/evaluation/scoresheets/{sheets[0]}").get_data(as_text=True)
    assert "Program design" in page and "Cost" not in _criterion_ids(page)
    images = re.findall(r'src="(/evaluation/documents/[^"]+\.png)"', page)
    assert images, "the proposal's pages are shown beside the form"
    assert "<details class=\"section mb-2\"" in page and " open>" in page
    picture = c["panelist"].get(images[0])
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    cid = _criterion_ids(page)[0]
    draft = c["panelist"].http.post(
        f"/evaluation/scoresheets/{sheets[0]}/draft",
        data={f"points-{cid}": "7", f"comment-{cid}": "Weekly teams; half-finished thought"},
        headers={"X-CSRFToken": c["panelist"].token, "Accept": "application/json"})
    assert draft.status_code == 200, draft.get_data(as_text=True)
    again = c["panelist"].get(f"/evaluation/scoresheets/{sheets[0]}").get_data(as_text=True)
    assert 'value="7"' in again and "half-finished thought" in again
    bad = c["panelist"].http.post(
        f"/evaluation/scoresheets/{sheets[0]}/draft", data={f"points-{cid}": "11"},
        headers={"X-CSRFToken": c["panelist"].token, "Accept": "application/json"})
    assert bad.status_code == 409 and "from 0 to 10" in bad.get_json()["message"]
    assert 'value="7"' in c["panelist"].get(
        f"/evaluation/scoresheets/{sheets[0]}").get_data(as_text=True)

    # Nobody reads another member's scoresheet; the family member never reads the response
    # they declared a conflict with; nobody sees the matrix before all are in.
    family_sheets = _sheet_ids(app, "parent@families.example.org")
    assert len(family_sheets) == 2
    assert c["family"].get(f"/evaluation/scoresheets/{sheets[0]}").status_code == 404
    with app.app_context():
        from procure.workflows import evaluation as flow
        panel = db.session.scalar(db.select(Panel).where(Panel.public_id == panel_id))
        conflicted = flow.bidders_of(panel)[0]
        document = next(r for r in flow.responses_of(panel)
                        if r.organization_id == conflicted.id).current_documents[0].public_id
    assert c["family"].get(f"/evaluation/documents/{document}/pages/2.png").status_code == 404
    assert c["panelist"].get(f"/evaluation/documents/{document}/pages/2.png").status_code == 200
    assert c["chair"].get(f"/evaluation/panels/{panel_id}/matrix").status_code == 409
    assert c["panelist"].get(f"/evaluation/panels/{panel_id}").status_code == 404
    progress = c["chair"].get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert "0 of 8 scoresheets submitted" in progress and "Panelist" in progress

    for who, email, points in [("panelist", EMAILS["panelist"], "7"),
                               ("chair", EMAILS["officer2"], "8"),
                               ("family", "parent@families.example.org", "4")]:
        for sheet in _sheet_ids(app, email):
            _score(c[who], sheet, points, f"{who} reasons")
    assert "8 of 8 scoresheets submitted" in c["chair"].get(
        f"/evaluation/panels/{panel_id}").get_data(as_text=True)

    # The chair returns one with a reason; the member reads it and submits again.
    returned = c["chair"].post(f"/evaluation/scoresheets/{sheets[1]}/return",
                               {"reason": "Say which pages support the 7."})
    assert returned.status_code == 302
    assert "Say which pages support the 7." in c["panelist"].get(
        "/evaluation/mine").get_data(as_text=True)
    assert "Returned by the chair" in c["panelist"].get(
        f"/evaluation/scoresheets/{sheets[1]}").get_data(as_text=True)
    _score(c["panelist"], sheets[1], "7", "Pages 2 and 3 show weekly case teams.")

    # Consensus from the heat map, price by formula, finalize, the ranking and the report.
    assert c["chair"].post(f"/evaluation/panels/{panel_id}/events/begin_consensus",
                           {}).status_code == 302
    heat = c["chair"].get(f"/evaluation/panels/{panel_id}/matrix").get_data(as_text=True)
    assert "spread 4" in heat and "far apart" in heat and "spread 1" in heat
    for public_id in re.findall(r'name="response" value="([^"]+)"', heat):
        done = c["chair"].post(f"/evaluation/panels/{panel_id}/consensus",
                               {"response": public_id, f"points-{cid}": "7",
                                f"rationale-{cid}": "Clear weekly teaming."})
        assert done.status_code == 302, done.get_data(as_text=True)
    assert c["chair"].post(f"/evaluation/panels/{panel_id}/price", {}).status_code == 302
    assert c["chair"].post(f"/evaluation/panels/{panel_id}/events/finalize",
                           {"confirm": "y"}).status_code == 302
    ranked = c["chair"].get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert "1.</strong> " + world["names"]["other_bidder"] in ranked   # lowest price

    report = c["chair"].get(f"/evaluation/panels/{panel_id}/report").get_data(as_text=True)
    assert "Recommended:" in report and "My sister works there" in report
    assert "Clear weekly teaming." in report and "Pages 2 and 3 show" in report
    assert "<td>10</td>" in report and "E+" not in report     # the lowest price: 10 points
    pdf = c["chair"].get(f"/evaluation/panels/{panel_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    csv_text = c["chair"].get(f"/evaluation/panels/{panel_id}/scores.csv").get_data(as_text=True)
    assert "Panel consensus" in csv_text and "family reasons" in csv_text
    xlsx = c["chair"].get(f"/evaluation/panels/{panel_id}/scores.xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    evaluator = rows[0].index("Evaluator")
    assert rows[0][0] == "Lot" and any(r[evaluator] == "Panel consensus" for r in rows)

    # A bidder sees no score by any page.
    bidder = login("bidder")
    for url in (f"/evaluation/panels/{panel_id}", f"/evaluation/panels/{panel_id}/matrix",
                f"/evaluation/panels/{panel_id}/report", f"/evaluation/scoresheets/{sheets[0]}",
                f"/evaluation/panels/{panel_id}/scores.csv"):
        assert bidder.get(url).status_code in (403, 404), url


def test_a_blind_evaluation_shows_no_bidder_name_to_evaluators(app, world):
    c = _people(app)
    panel_id = _form_panel(app, world, c, blind=True)
    _declare(c["panelist"], panel_id)
    _declare(c["chair"], panel_id)
    _declare(c["family"], panel_id)
    c["chair"].post(f"/evaluation/panels/{panel_id}/events/begin_scoring", {})
    pages, rosters = [], []
    for who, email in [("panelist", EMAILS["panelist"]), ("chair", EMAILS["officer2"]),
                       ("family", "parent@families.example.org")]:
        pages.append(c[who].get("/evaluation/mine").get_data(as_text=True))
        # declarations: the names, alphabetical and tied to no code (procure.disclosure)
        rosters.append(c[who].get(f"/evaluation/panels/{panel_id}/declarations")
                       .get_data(as_text=True))
        for sheet in _sheet_ids(app, email):
            pages.append(c[who].get(f"/evaluation/scoresheets/{sheet}").get_data(as_text=True))
            _score(c[who], sheet, "6", "Solid.")
            pages.append(c[who].get(f"/evaluation/scoresheets/{sheet}/submit")
                         .get_data(as_text=True))
    pages.append(c["chair"].get(f"/evaluation/panels/{panel_id}").get_data(as_text=True))
    c["chair"].post(f"/evaluation/panels/{panel_id}/events/begin_consensus", {})
    heat = c["chair"].get(f"/evaluation/panels/{panel_id}/matrix").get_data(as_text=True)
    pages.append(heat)
    cid = _criterion_ids(pages[1])[0]
    for public_id in re.findall(r'name="response" value="([^"]+)"', heat):
        c["chair"].post(f"/evaluation/panels/{panel_id}/consensus",
                        {"response": public_id, f"points-{cid}": "6", f"rationale-{cid}": "Ok."})
    c["chair"].post(f"/evaluation/panels/{panel_id}/price", {})
    for url in ("", "/report", "/scores.csv"):
        pages.append(c["chair"].get(f"/evaluation/panels/{panel_id}{url}").get_data(as_text=True))
    assert "Bidder 1-A" in heat and "Bidder 1-A" in pages[0] + pages[1]
    images = re.findall(r'src="(/evaluation/documents/[^"]+)/pages/(\d+)\.png"', pages[1])
    assert images and "1" not in {n for _, n in images}          # the cover page is not shown
    assert c["panelist"].get(images[0][0] + "/pages/1.png").status_code == 404
    assert c["panelist"].get(f"{images[0][0]}/pages/{images[0][1]}.png").status_code == 200
    for page in pages:
        for name in NAMES:
            assert name not in page
    for roster in rosters:
        assert all(name in roster for name in NAMES) and "Bidder 1-" not in roster
    # Blindness ends at finalization (procure.disclosure): the chair then reads the names.
    c["chair"].post(f"/evaluation/panels/{panel_id}/events/finalize", {"confirm": "y"})
    pdf = c["chair"].get(f"/evaluation/panels/{panel_id}/report.pdf").data
    assert pdf.startswith(b"%PDF")
    report = c["chair"].get(f"/evaluation/panels/{panel_id}/report").get_data(as_text=True)
    assert all(name in report for name in NAMES) and "Bidder 1-A" not in report
    # The officer who manages but does not sit on the panel sees names.
    assert NAMES[0] in c["officer"].get(f"/evaluation/panels/{panel_id}/report").get_data(
        as_text=True)
