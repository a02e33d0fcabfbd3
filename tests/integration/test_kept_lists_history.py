"""The lists a person keeps, with a long history: like the public search, My responses, award
notices and My panels, and the API's responses, panels and scoresheets, list at most the first
1,000 and say when there are more (the page's words, X-Pagination's `total` and `more_found`),
the same on SQLite and PostgreSQL; on PostgreSQL each page is read from an index in the list's
order, and stops when full (no Sort of the person's whole history)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import event, insert, inspect, select, text

from procure import accounts, search
from procure.extensions import db
from procure.models import AwardNotice, Lot, Panel, PanelMember, Response, Scoresheet
from procure.models.base import new_public_id
from tests.integration.test_query_counts_kept_lists import _world
from tests.support.factories import user

LISTED = search.LISTED
PAGES = [("bidder", "/bidder/", "responses"), ("bidder", "/awards/notices", "award notices"),
         ("panelist", "/evaluation/mine", "panels")]
API_LISTS = [("bidder", "/api/v1/responses/"), ("panelist", "/api/v1/evaluation/panels"),
             ("panelist", "/api/v1/evaluation/scoresheets")]


def _values(row, **changes) -> dict:
    """A row's column values but its key (a new public id), changed as asked."""
    mapper = inspect(row).mapper
    values = {attr.key: getattr(row, attr.key) for attr in mapper.column_attrs
              if not any(column.primary_key for column in attr.columns)}
    if "public_id" in values:
        values["public_id"] = new_public_id()
    return {**values, **changes}


def _inserted(session, model, rows: list[dict]) -> list[int]:
    return list(session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True),
                                rows))


def _history(app, copies: int) -> None:
    """`copies` more of the bidder's responses (each on a lot of its own) with their notices,
    and as many panels the panelist sits on, each with the panelist's scoresheet: bulk-inserted
    copies of the world's own."""
    ids = _world(app)
    with app.app_context():
        session = db.session
        response = session.get(Response, ids["bidder_response"])
        notice = session.scalar(select(AwardNotice).where(
            AwardNotice.response_id == response.id))
        member = session.scalar(select(PanelMember).where(
            PanelMember.user_id == user(session, "panelist").id))
        sheet = session.scalar(select(Scoresheet).where(Scoresheet.member_id == member.id))
        top = session.scalar(select(Lot.number).order_by(Lot.number.desc()).limit(1))
        lots = _inserted(session, Lot, [_values(response.lot, number=top + k + 1,
                                                title=f"Lot {top + k + 1}")
                                        for k in range(copies)])
        responses = _inserted(session, Response, [_values(response, lot_id=lot) for lot in lots])
        session.execute(insert(AwardNotice), [_values(notice, lot_id=lot, response_id=made)
                                              for lot, made in zip(lots, responses)])
        panels = _inserted(session, Panel, [_values(member.panel, name=f"Panel {k}")
                                            for k in range(copies)])
        seats = _inserted(session, PanelMember, [_values(member, panel_id=panel)
                                                 for panel in panels])
        session.execute(insert(Scoresheet), [
            _values(sheet, panel_id=panel, member_id=seat, response_id=made)
            for panel, seat, made in zip(panels, seats, responses)])
        session.commit()
        if db.engine.dialect.name == "postgresql":      # as autovacuum leaves a database
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(
                    "VACUUM ANALYZE response, award_notice, panel, panel_member, scoresheet"))


def _bearer(app, who: str) -> dict[str, str]:
    with app.app_context():
        token = accounts.issue_token(db.session, user(db.session, who), "kept lists")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _api(app, login, who: str, url: str, **query) -> tuple[list, dict]:
    answer = login(who).get(url, query_string=query, headers=_bearer(app, who))
    assert answer.status_code == 200, (url, answer.get_json())
    return answer.get_json(), json.loads(answer.headers["X-Pagination"])


@pytest.mark.slow
def test_kept_lists_finding_more_than_they_list_say_so(app, login):
    _history(app, LISTED + 5)
    for who, url, what in PAGES:
        client = login(who)
        page = client.get(url).get_data(as_text=True)
        assert (f"More than 1,000 {what} found; the first 1,000 are listed.") in page, url
        assert "page=50" in page and "page=51" not in page, url      # 20 a page: 50 pages
        assert "<h1>" in client.get(url, query_string={"page": 51}).get_data(as_text=True)
    for who, url in API_LISTS:
        items, pages = _api(app, login, who, url, page_size=100)
        assert len(items) == 100, url
        assert pages["total"] == 1000 and pages["total_pages"] == 10, (url, pages)
        assert pages["more_found"] is True, (url, pages)
        last, pages = _api(app, login, who, url, page_size=100, page=10)
        assert len(last) == 100 and "next_page" not in pages, (url, pages)
        assert _api(app, login, who, url, page_size=100, page=11)[0] == [], url


def test_kept_lists_no_longer_than_they_list_count_them_all(app, login):
    _history(app, 3)
    for who, url, _ in PAGES:
        page = login(who).get(url).get_data(as_text=True)
        assert "More than" not in page, url
    for who, url in API_LISTS:
        items, pages = _api(app, login, who, url)
        assert pages["total"] == len(items) >= 4 and pages["more_found"] is False, (url, pages)


def _page_plans(app, login, who: str, url: str, table: str) -> list[str]:
    """PostgreSQL's plans for the statements a page sends that read its list (FROM `table`,
    in order, a page at a time), as it sent them."""
    sent: list = []

    def note(conn, cursor, statement, parameters, *args):
        if re.search(rf"\bFROM {table}\b", statement) and "ORDER BY" in statement \
                and "LIMIT" in statement:
            sent.append((statement, parameters))
    client = login(who)
    headers = _bearer(app, who) if url.startswith("/api/") else {}
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(url, headers=headers).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", note)
    with engine.connect() as conn:
        return ["\n".join(conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
                for statement, parameters in sent]


@pytest.mark.slow
@pytest.mark.postgres(reason="the indexes and the planner's choice are PostgreSQL's")
def test_postgresql_reads_each_kept_list_from_its_index(app, login):
    _history(app, 2_000)
    for who, url, table, index in (
            ("bidder", "/bidder/", "response", "ix_response_organization_listing"),
            ("bidder", "/api/v1/responses/", "response", "ix_response_organization_listing"),
            ("bidder", "/awards/notices", "award_notice", "pk_award_notice"),
            ("panelist", "/evaluation/mine", "panel_member", "ix_panel_listing"),
            ("panelist", "/api/v1/evaluation/panels", "panel", "ix_panel_listing"),
            ("panelist", "/api/v1/evaluation/scoresheets", "scoresheet", "ix_panel_listing")):
        plans = _page_plans(app, login, who, url, table)
        assert len(plans) == 1, (url, plans)
        plan = plans[0]
        assert index in plan and "Limit" in plan, (url, plan)
        # no Sort of the whole list: at most an incremental one within a panel's scoresheets
        assert not re.search(r"(^|->)\s*Sort\s+\(", plan, re.MULTILINE), (url, plan)
