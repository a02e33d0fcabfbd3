"""Pages make a bounded number of SQL queries whatever the data size: the count with many rows
equals the count with few."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from procure.extensions import db
from procure.models import AreaOffice, LotKind
from procure.workflows import solicitation as flow
from tests.support.factories import draft_rfr, published_rfr, user


@contextmanager
def counting(app):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _grow(app, extra_solicitations: int, extra_lots: int) -> int:
    with app.app_context():
        officer = user(db.session, "officer")
        areas = db.session.scalars(select(AreaOffice)).all()
        row = draft_rfr(db.session, officer)
        for i in range(extra_lots):
            flow.add_lot(db.session, row, officer, kind=LotKind.lead_agency, title=f"Lot {i}",
                         estimated_annual_value=Decimal(100000),
                         area_office_ids=[areas[i % 29].id, areas[(i + 1) % 29].id])
        flow.publish(db.session, row, officer)
        for _ in range(extra_solicitations):
            published_rfr(db.session, officer)
        db.session.commit()
        return row.id


@pytest.mark.parametrize("who, page", [
    ("anonymous", "/"), ("anonymous", "/solicitations/{id}"), ("officer", "/officer/"),
    ("officer", "/officer/solicitations/{id}"), ("bidder", "/bidder/"),
])
def test_queries_do_not_grow_with_the_data(app, login, who, page):
    client = login(who)
    counts = []
    for extra in (0, 12):
        sid = _grow(app, extra, extra)
        url = page.format(id=sid)
        client.get(url)   # warm: the session's user, the CSRF token
        with counting(app) as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], f"{page}: {counts[0]} queries with little data, {counts[1]} with more"


def test_the_public_awards_and_the_ocds_package_read_each_kind_of_row_once(app):
    """The demo's awarded RFR (three final awards, three contracts drawn down month by month):
    its public awards page and its OCDS package read the awardees, contracts, draw-downs,
    amendments and documents in one query each, never one per award or contract (the same
    statement run again is a query per row; the disclosure table knows a finished RFR is in
    its final phase without reading its awards again for each response)."""
    from collections import Counter

    from procure.models import Solicitation, SolicitationStatus
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        awarded = db.session.scalar(select(Solicitation.id).where(
            Solicitation.status == SolicitationStatus.awarded))
    client = app.test_client()
    for url in (f"/solicitations/{awarded}/awards", f"/api/v1/solicitations/{awarded}/ocds"):
        page = client.get(url)
        assert page.status_code == 200
        with counting(app) as statements:
            assert client.get(url).status_code == 200
        again = {s.split("\n")[0][:80]: n for s, n in Counter(statements).items() if n > 1}
        assert not again, f"{url}: a query per row: {again}"
