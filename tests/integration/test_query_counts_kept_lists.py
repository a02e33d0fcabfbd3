"""The lists a person keeps (My responses, award notices, My contracts, My panels, the officer's
contracts, and their API lists) make the same number of SQL queries with a few rows of
everything per user as with many: built at two sizes (both within one page), counted, equal."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select

from procure import accounts
from procure.extensions import db
from procure.models import (
    AwardNotice,
    Contract,
    Encumbrance,
    Lot,
    Organization,
    Panel,
    PanelMember,
    PanelStatus,
    Scoresheet,
)
from procure.models.base import new_public_id
from procure.workflows import contract as contract_flow
from procure.workflows import evaluation as evaluation_flow
from tests.integration.test_query_counts import counting
from tests.support import contract as contract_support
from tests.support import evaluation as evaluation_support
from tests.support.factories import user

PAGES = [
    ("bidder", "/bidder/"), ("bidder", "/awards/notices"), ("bidder", "/contracts/mine"),
    ("officer", "/contracts"), ("panelist", "/evaluation/mine"),
]
API_LISTS = [
    ("bidder", "/api/v1/responses/"), ("bidder", "/api/v1/organization/contracts"),
    ("officer", "/api/v1/contracts"), ("panelist", "/api/v1/evaluation/panels"),
    ("panelist", "/api/v1/evaluation/scoresheets"),
]


def _clone(session, row, **changes):
    """A copy of a row with its own key (and public id), changed as asked."""
    mapper = inspect(row).mapper
    values = {attr.key: getattr(row, attr.key) for attr in mapper.column_attrs
              if not any(column.primary_key for column in attr.columns)}
    if "public_id" in values:
        values["public_id"] = new_public_id()
    values.update(changes)
    copy = type(row)(**values)
    session.add(copy)
    session.flush()
    return copy


def _world(app):
    """A finalized RFR, an award to the bidder with its notice and an active contract with a
    year's encumbrance and draw-downs, and the panel the panelist sat on."""
    with app.app_context():
        session = db.session
        world, award = contract_support.final_award(session)
        contract = contract_support.active(session, world, award)
        encumbrance = contract_flow.encumber(session, contract, world.officer, fiscal_year_=2027,
                                             amount=contract.annual_maximum)
        session.commit()
        return {"contract": contract.id, "encumbrance": encumbrance.id,
                "response": world.responses["third_bidder"].id,
                "bidder_response": world.responses["bidder"].id}


def _grow(app, ids, copies: int) -> None:
    """`copies` more of everything per user: the bidder's responses (each on a lot of its own)
    with notices, awards and contracts with encumbrances, and panels the panelist sits on."""
    with app.app_context():
        session = db.session
        contract = session.get(Contract, ids["contract"])
        encumbrance = session.get(Encumbrance, ids["encumbrance"])
        bidder_response = session.get(type(contract.award.response), ids["bidder_response"])
        notice = session.scalar(select(AwardNotice).where(
            AwardNotice.response_id == bidder_response.id))
        panelist = user(session, "panelist")
        member = session.scalar(select(PanelMember).where(PanelMember.user_id == panelist.id))
        sheet = session.scalar(select(Scoresheet).where(Scoresheet.member_id == member.id))
        for _ in range(copies):
            number = session.scalar(select(type(contract.lot).number).order_by(
                type(contract.lot).number.desc()).limit(1)) + 1
            lot = _clone(session, bidder_response.lot, number=number, title=f"Lot {number}")
            response = _clone(session, bidder_response, lot_id=lot.id)
            _clone(session, notice, lot_id=lot.id, response_id=response.id)
            award = _clone(session, contract.award, lot_id=lot.id, response_id=response.id)
            copy = _clone(session, contract, award_id=award.id, lot_id=lot.id,
                          organization_id=response.organization_id,
                          number=f"{contract.number}-{lot.number}")
            year = _clone(session, encumbrance, contract_id=copy.id)
            for draw in encumbrance.draw_downs:
                _clone(session, draw, encumbrance_id=year.id)
            panel = _clone(session, member.panel, name=f"Lot {number} panel")
            panel.lots = [lot]
            seat = _clone(session, member, panel_id=panel.id)
            _clone(session, sheet, panel_id=panel.id, member_id=seat.id, response_id=response.id)
        session.commit()


def _token(app, who: str) -> str:
    with app.app_context():
        token = accounts.issue_token(db.session, user(db.session, who), "counting")
        db.session.commit()
        return token


def _counts(app, login, lists) -> dict[str, list[int]]:
    """Each list's query count with 3, then 9, of everything per user (both within a page)."""
    ids = _world(app)
    with app.app_context():
        contract = db.session.get(Contract, ids["contract"])
        encumbrance = db.session.get(Encumbrance, ids["encumbrance"])
        officer = user(db.session, "officer")
        for month in range(3):
            contract_flow.draw_down(db.session, encumbrance, officer,
                                    service_date=contract.start_date + timedelta(days=30 * month),
                                    amount=Decimal(1000), service="Lead agency functions")
        db.session.commit()
    return _measured(app, login, lists, lambda copies: _grow(app, ids, copies))


def _measured(app, login, lists, grow) -> dict[str, list[int]]:
    """Each list's query count after grow(2), then after grow(6) more: those that differ."""
    clients = {who: login(who) for who, _ in lists}
    tokens = {who: _token(app, who) for who, url in lists if url.startswith("/api/")}
    counts: dict[str, list[int]] = {}
    for copies in (2, 6):
        grow(copies)
        for who, url in lists:
            headers = {"Authorization": f"Bearer {tokens[who]}"} if who in tokens else {}
            clients[who].http.get(url, headers=headers)   # warm: the session's user
            with counting(app) as statements:
                answer = clients[who].http.get(url, headers=headers)
            assert answer.status_code == 200, (url, answer.status_code)
            counts.setdefault(url, []).append(len(statements))
    return {url: pair for url, pair in counts.items() if pair[0] != pair[1]}


@pytest.mark.slow
def test_kept_pages_query_the_same_at_two_sizes(app, login):
    growing = _counts(app, login, PAGES)
    assert growing == {}, f"pages whose queries grow with the rows (few, many): {growing}"


@pytest.mark.slow
def test_kept_api_lists_query_the_same_at_two_sizes(app, login):
    growing = _counts(app, login, API_LISTS)
    assert growing == {}, f"API lists whose queries grow with the rows (few, many): {growing}"


BLIND_LISTS = [("panelist", "/evaluation/mine"), ("panelist", "/api/v1/evaluation/panels"),
               ("panelist", "/api/v1/evaluation/scoresheets")]


def _blind_world(app) -> dict[str, int]:
    """A blind RFR whose panel scores three bidders' responses to lot 1, the panelist on it."""
    with app.app_context():
        session = db.session
        world = evaluation_support.opened_rfr(session)
        evaluation_flow.set_plan(session, world.rfr, world.officer, blind=True,
                                 half_points=False)
        panel = evaluation_support.scoring_panel(session, world)
        session.commit()
        return {"panel": panel.id}


def _grow_blind(app, ids, copies: int) -> None:
    """`copies` more lots of the blind RFR, each with the three bidders and one more of its
    own, and a panel on it the panelist sits on, still at work: declaring (nothing declared
    yet) and scoring (declared, a scoresheet per response) in turn."""
    with app.app_context():
        session = db.session
        panel = session.get(Panel, ids["panel"])
        seat = evaluation_flow.member_of(panel, user(session, "panelist"))
        sheet = evaluation_flow.my_scoresheets(session, [seat])[seat.id][0]
        declaration = seat.declarations[0]
        responses = evaluation_flow.responses_of(panel)
        for index in range(copies):
            number = session.scalar(select(Lot.number).where(
                Lot.solicitation_id == panel.solicitation_id).order_by(
                Lot.number.desc()).limit(1)) + 1
            lot = _clone(session, panel.lots[0], number=number, title=f"Lot {number}")
            bidder = _clone(session, responses[0].organization, fein=f"09-{number:07d}",
                            legal_name=f"Bidder of lot {number} Inc.")
            lot_responses = [_clone(session, r, lot_id=lot.id) for r in responses] + [
                _clone(session, responses[0], lot_id=lot.id, organization_id=bidder.id)]
            scoring = index % 2 == 0
            at_work = _clone(session, panel, name=f"Lot {number} panel",
                             status=PanelStatus.scoring if scoring else PanelStatus.declaring)
            at_work.lots = [lot]
            at_work_seat = _clone(session, seat, panel_id=at_work.id)
            for response in lot_responses if scoring else []:
                _clone(session, declaration, member_id=at_work_seat.id,
                       organization_id=response.organization_id)
                _clone(session, sheet, panel_id=at_work.id, member_id=at_work_seat.id,
                       response_id=response.id)
        session.commit()


@pytest.mark.slow
def test_my_panels_on_a_blind_rfr_at_work_query_the_same_at_two_sizes(app, login):
    """My panels and the panelist's API lists, with blind panels still declaring or scoring:
    the page's bidders, declarations and bidder codes come in a fixed number of queries."""
    ids = _blind_world(app)
    growing = _measured(app, login, BLIND_LISTS, lambda copies: _grow_blind(app, ids, copies))
    assert growing == {}, f"lists whose queries grow with the rows (few, many): {growing}"


def test_my_panels_on_a_blind_rfr_show_codes_and_what_to_declare(app, login):
    """On a blind RFR still at work, My panels and the API's scoresheets show each response
    by the bidder code the scoresheet's own page gives it, never a bidder's name; a panel
    still declaring says how many bidders are left to declare."""
    ids = _blind_world(app)
    _grow_blind(app, ids, 3)
    panelist = login("panelist")
    page = panelist.get("/evaluation/mine").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {_token(app, 'panelist')}"}
    listed = app.test_client().get("/api/v1/evaluation/scoresheets",
                                   query_string={"page_size": 100}, headers=headers).get_json()
    with app.app_context():
        session = db.session
        panelist_row = user(session, "panelist")
        sheets = session.scalars(select(Scoresheet).join(Scoresheet.member).where(
            PanelMember.user_id == panelist_row.id)).all()
        codes = {sheet.public_id: evaluation_flow.bidder_label(sheet.response, panelist_row)
                 for sheet in sheets}
        names = set(session.scalars(select(Organization.legal_name)))
    assert len(codes) == 3 + 4 + 4 and all(c.startswith("Bidder ") for c in codes.values())
    for public_id, code in codes.items():
        assert re.search(rf'/scoresheets/{public_id}">{re.escape(code)}, lot ', page), code
    assert {s["id"]: s["bidder"] for s in listed} == codes
    assert not any(name in page for name in names)
    assert page.count("(4 to declare)") == 1
    assert page.count("Your declarations are complete.") == 3


def test_kept_lists_page_and_filter_as_rendered(app, login):
    """The officer's contracts page: a page at a time with links to the next, and the filter
    form's own fields narrow it (words, status); a status that is none is refused in words."""
    ids = _world(app)
    _grow(app, ids, 4)            # five contracts
    officer = login("officer")
    app.config["PAGE_SIZE"], size = 2, app.config["PAGE_SIZE"]
    try:
        first = officer.get("/contracts").get_data(as_text=True)
        assert first.count('href="/contracts/') - first.count('href="/contracts/mine') == 2
        assert 'href="/contracts?page=3' in first
        third = officer.get("/contracts?page=3").get_data(as_text=True)
        assert third.count('href="/contracts/') - third.count('href="/contracts/mine') == 1

        form = re.search(r'<form method="get" action="/contracts"[^>]*>(.*?)</form>', first, re.DOTALL)
        fields = set(re.findall(r'name="(\w+)"', form.group(1)))
        assert fields == {"q", "status"}
        with app.app_context():
            number = db.session.get(Contract, ids["contract"]).number + "-"
            wanted = db.session.scalars(select(Contract.number).where(
                Contract.number.like(number + "%"))).first()
        found = officer.get("/contracts", query_string={"q": wanted, "status": ""})
        assert found.get_data(as_text=True).count(wanted) >= 1
        assert "No contract matches." not in found.get_data(as_text=True)
        none = officer.get("/contracts", query_string={"q": "", "status": "terminated"})
        assert "No contract matches." in none.get_data(as_text=True)
        bad = officer.get("/contracts", query_string={"status": "lost"})
        assert bad.status_code == 400
        assert "is not a status here" in bad.get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = size


def test_a_list_without_a_status_refuses_one_in_words(app, login):
    bidder = login("bidder")
    answer = bidder.get("/awards/notices", query_string={"status": "0"})
    assert answer.status_code == 400
    assert "not filtered by status" in answer.get_data(as_text=True)


def test_kept_api_lists_come_a_page_at_a_time(app, login):
    """The API's lists page as its public list does: `?page=` and `?page_size=`, with the total
    in the X-Pagination header."""
    ids = _world(app)
    _grow(app, ids, 4)            # five contracts
    client = app.test_client()
    headers = {"Authorization": f"Bearer {_token(app, 'officer')}"}
    seen = []
    for page in (1, 2, 3):
        answer = client.get("/api/v1/contracts", query_string={"page": page, "page_size": 2},
                            headers=headers)
        assert answer.status_code == 200
        assert json.loads(answer.headers["X-Pagination"])["total"] == 5
        seen += [c["id"] for c in answer.get_json()]
    assert len(seen) == len(set(seen)) == 5
    too_many = client.get("/api/v1/contracts", query_string={"page_size": 1000}, headers=headers)
    assert too_many.status_code == 422
    # a procurement's audit trail too, in the chain's order across its pages
    with app.app_context():
        solicitation_id = db.session.get(Contract, ids["contract"]).solicitation_id
    trail = f"/api/v1/solicitations/{solicitation_id}/audit"
    first = client.get(trail, query_string={"page_size": 3}, headers=headers)
    total = json.loads(first.headers["X-Pagination"])["total"]
    assert len(first.get_json()) == 3 < total
    pages = [client.get(trail, query_string={"page": page, "page_size": 3}, headers=headers)
             .get_json() for page in range(1, total // 3 + 2)]
    seqs = [event["seq"] for page in pages for event in page]
    whole = client.get(trail, query_string={"page_size": 100}, headers=headers).get_json()
    assert seqs == sorted(seqs) == [event["seq"] for event in whole] and len(seqs) == total
