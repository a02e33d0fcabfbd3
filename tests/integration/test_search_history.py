"""Search with a long history: a search that finds more than it lists says so, on the page and in
the API's X-Pagination, and lists the first 1,000 in the list's order, the same on SQLite and
PostgreSQL; on PostgreSQL the search words are served by trigram indexes and the list's order by
an index, once the history is long enough for the planner to prefer them."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select, text

from procure import search
from procure.extensions import db
from procure.models import Lot, Solicitation
from procure.models import SolicitationStatus as S
from tests.integration.test_query_counts import counting
from tests.support.factories import published_rfr, user

API = "/api/v1/solicitations/"


DESCRIPTION = ("Area-based lead agencies provide case management, family support and "
               "stabilization services to children and families referred by the area office, "
               "coordinate with network providers, and report monthly on outcomes. ") * 2


def _copies(app, titles: list[str], *, lot_titles: dict[int, str] | None = None) -> list[dict]:
    """A published RFR and copies of it bulk-inserted (the history), the k-th titled
    `titles[k]` and numbered `<number>-k`; every third closed, deadlines a day apart in threes
    (ties fall to the id). `lot_titles`: a lot for the k-th copy. Returns every published one
    (number, and the words a search reads) in the list's order: open first, latest deadline
    first, the latest made first."""
    with app.app_context():
        first = published_rfr(db.session, user(db.session, "officer"), title="The original")
        db.session.commit()
        original = {a.key: getattr(first, a.key) for a in Solicitation.__mapper__.column_attrs
                    if a.key != "id"}
        lot = {a.key: getattr(first.lots[0], a.key) for a in Lot.__mapper__.column_attrs
               if a.key not in ("id", "solicitation_id")}
        db.session.execute(insert(Solicitation), [
            {**original, "number": f"{first.number}-{k}", "title": title, "description": DESCRIPTION,
             "status": S.closed if k % 3 == 0 else S.published,
             "deadline": first.deadline - timedelta(days=k // 3)}
            for k, title in enumerate(titles)])
        if lot_titles:
            ids = dict(db.session.execute(select(Solicitation.number, Solicitation.id)).all())
            db.session.execute(insert(Lot), [
                {**lot, "title": title, "solicitation_id": ids[f"{first.number}-{k}"]}
                for k, title in lot_titles.items()])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":      # as autovacuum leaves a database
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE solicitation, lot"))
        rows = db.session.scalars(select(Solicitation)).all()
        rows.sort(key=lambda r: (r.status is not S.published, -r.deadline.timestamp(), -r.id))
        return [{"number": r.number, "words": " ".join(
            [r.title, r.number, r.description] + [lot.title for lot in r.lots]
            + [f"{o.name} {o.region.name}" for lot in r.lots for o in lot.area_offices]
            + [lot.region.name for lot in r.lots if lot.region]).lower()} for r in rows]


def _finding(listed: list[dict], q: str) -> list[str]:
    """What a search should find, in order: every word somewhere in what it reads."""
    return [r["number"] for r in listed if all(w.lower() in r["words"] for w in q.split())]


def _api(client, **query):
    answer = client.get(API, query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return [s["number"] for s in answer.get_json()], json.loads(answer.headers["X-Pagination"])


def test_a_search_finding_more_than_it_lists_says_so(app, client, people):
    respite = _finding(_copies(app, ["Respite care"] * (search.LISTED + 5)), "respite")
    assert len(respite) == 1005
    page = client.get("/", query_string={"q": "respite"}).get_data(as_text=True)
    assert "More than 1,000 solicitations found; the first 1,000 are listed." in page
    assert "Add a word or choose a filter to narrow your search." in page
    assert "page=50" in page and "page=51" not in page          # 20 a page: 50 pages listed
    past = client.get("/", query_string={"q": "respite", "page": 51}).get_data(as_text=True)
    assert "Only the first 1,000 found are listed, on pages 1 to 50." in past
    assert "<tbody>" not in past

    numbers, pages = _api(client, q="respite", page_size=100)
    assert pages["total"] == 1000 and pages["total_pages"] == 10 and pages["more_found"] is True
    assert numbers == respite[:100]
    last, pages = _api(client, q="respite", page_size=100, page=10)
    assert last == respite[900:1000] and "next_page" not in pages
    assert _api(client, q="respite", page_size=100, page=11)[0] == []
    uneven, pages = _api(client, q="respite", page_size=30, page=34)    # 34 x 30 > 1,000
    assert uneven == respite[990:1000] and pages["last_page"] == 34


def test_a_search_finding_no_more_than_it_lists_counts_them_all(app, client, people):
    listed = _copies(app, ["Respite care"] * search.LISTED + ["Foster care"] * 3)
    page = client.get("/", query_string={"q": "respite"}).get_data(as_text=True)
    assert "1000 solicitations found." in page and "More than" not in page
    numbers, pages = _api(client, q="respite", page_size=100, page=10)
    assert pages["total"] == 1000 and pages["more_found"] is False
    assert numbers == _finding(listed, "respite")[900:]
    foster, pages = _api(client, q="foster")
    assert foster == _finding(listed, "foster") and len(foster) == 3
    assert pages["total"] == 3 and pages["more_found"] is False
    assert "3 solicitations found." in client.get("/?q=foster").get_data(as_text=True)
    # the whole list (1,004 with the original): the first 1,000, in order, and more found
    everything = [n for p in range(1, 12) for n in _api(client, page_size=100, page=p)[0]]
    assert everything == [r["number"] for r in listed][:1000]
    assert _api(client)[1]["more_found"] is True


def test_words_find_the_same_in_the_same_order_on_every_database(app, client, people):
    titles = [f"Family services round {k}" for k in range(300)]
    titles[123] = "Shellfish Quahog survey"
    listed = _copies(app, titles, lot_titles={200: "Lot for Nantucket ferries"})
    for q in ("quahog", "NANTUCKET", "round 12", "-1", "holyoke", "Western", "nothing-like-it"):
        expected = _finding(listed, q)
        numbers, pages = _api(client, q=q, page_size=100)
        assert numbers == expected[:100] and pages["total"] == len(expected), q
        assert pages["more_found"] is False
    assert len(_finding(listed, "round 12")) > 10 and len(_finding(listed, "quahog")) == 1


def _reading_the_list(app, client, url: str) -> list[str]:
    """The statements a request sends that read solicitations (not their agencies, not the
    form's choices)."""
    with counting(app) as sent:
        assert client.get(url).status_code == 200, url
    return [s for s in sent if re.search(r"\bFROM solicitation\b", s)]


def test_a_page_and_its_count_are_one_reading_of_what_the_words_find(app, client, people):
    """A full page needs the count too: both come from one statement, which matches the
    words once (a word found in most solicitations was matched twice, for the page and again
    for the count); the list without words likewise sends one statement."""
    listed = _copies(app, ["Respite care"] * 45)
    respite = _finding(listed, "respite")
    for url in ("/?q=respite", "/?q=respite&page=2", f"{API}?q=respite", "/", API):
        statements = _reading_the_list(app, client, url)
        assert len(statements) == 1, (url, statements)
    assert len([s for s in _reading_the_list(app, client, "/?q=respite")
                if "lot_area_office" in s]) == 1         # the words' places: matched once
    numbers, pages = _api(client, q="respite", page=2)
    assert numbers == respite[10:20] and pages["total"] == len(respite) == 45
    # a page past the last finds no rows to read the count from: it reads the count alone
    past = _reading_the_list(app, client, "/?q=respite&page=4")
    assert len(past) == 2 and "past the last page of this search (3)" in client.get(
        "/?q=respite&page=4").get_data(as_text=True)


def _plan(statement) -> str:
    """PostgreSQL's plan for a statement as the app sends it (its values bound)."""
    with db.engine.connect() as conn:
        compiled = statement.compile(dialect=conn.dialect)
        return "\n".join(conn.exec_driver_sql("EXPLAIN " + str(compiled),
                                               compiled.params).scalars())


def _sent_plan(read) -> str:
    """PostgreSQL's plan for the first statement `read()` sends, as it sent it."""
    sent: list = []

    def note(conn, cursor, statement, parameters, *args):
        sent.append((statement, parameters))
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    with db.engine.connect() as conn:
        return "\n".join(conn.exec_driver_sql("EXPLAIN " + sent[0][0], sent[0][1]).scalars())


@pytest.mark.postgres(reason="the trigram indexes and the planner's choice are PostgreSQL's")
def test_postgresql_serves_search_words_and_the_list_from_indexes(app, people):
    titles = [f"Family services round {k}" for k in range(5_000)]
    titles[4321] = "Shellfish Quahog survey"
    lots = {k: f"Lead agency, round {k}" for k in range(len(titles))}
    _copies(app, titles, lot_titles={**lots, 17: "Lot for Nantucket ferries"})
    with app.app_context():
        statement = search.solicitations(search.filters(q="Quahog"))
        plan = _plan(statement.limit(20))
        assert "ix_solicitation_title_trigram" in plan, plan
        plan = _plan(search.solicitations(search.filters(q="Nantucket")).limit(20))
        assert "ix_lot_title_trigram" in plan, plan
        home = search.solicitations(search.filters())
        plan = _plan(home.limit(20))
        assert "ix_solicitation_listing" in plan and "Sort" not in plan, plan
        count = _plan(select(db.func.count()).select_from(
            home.order_by(None).limit(search.LISTED + 1).subquery()))
        assert "Limit" in count, count
        # the page as it is read, with its count, in one statement
        for q, index in (("Quahog", "ix_solicitation_title_trigram"),
                         ("Nantucket", "ix_lot_title_trigram"), ("", "ix_solicitation_listing")):
            plan = _sent_plan(lambda: search.first_found(db.session, search.filters(q=q), 1, 20))
            assert index in plan and "Limit" in plan, (q, plan)
            assert q or "Sort" not in plan, plan
