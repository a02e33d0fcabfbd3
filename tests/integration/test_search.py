"""One search for the public list and the API: the same answers, `%` and `_` matched as
themselves, values that cannot be filters answered 400 with a message, filters naming nothing and
pages past any list simply empty (never 500), and no query string makes any page fail."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlalchemy import select

from procure.extensions import db
from procure.models import Solicitation
from procure.workflows import solicitation as flow
from tests.support.factories import published_rfr, user

HUGE = "2822924083145103900672"


@pytest.fixture
def listed(app, people):
    with app.app_context():
        officer = user(db.session, "officer")
        first = published_rfr(db.session, officer, title="Family stabilization services")
        second = published_rfr(db.session, officer, title="Regional resource centers")
        flow.update(db.session, flow.create(db.session, officer, kind=first.kind,
                                            agencies=["DCF"], title="Draft: 100% new"),
                    officer, description="kept back")
        db.session.commit()
        return {"first": first.number, "second": second.number}


def _api_numbers(client, query: str) -> set[str]:
    answer = client.get("/api/v1/solicitations/" + query)
    assert answer.status_code == 200, answer.get_json()
    return {row["number"] for row in answer.get_json()}


def test_percent_and_underscore_are_matched_as_themselves(client, listed):
    for word in ("%", "_", "%25", "100%"):
        page = client.get("/", query_string={"q": word}).get_data(as_text=True)
        assert listed["first"] not in page and listed["second"] not in page, word
        assert _api_numbers(client, f"?q={word}") == set(), word
    page = client.get("/", query_string={"q": "stabilization"}).get_data(as_text=True)
    assert listed["first"] in page and listed["second"] not in page


def test_the_pages_and_the_api_find_the_same(client, listed):
    for words in ("", "resource", "services", "centers regional", "nothing-like-this"):
        page = client.get("/", query_string={"q": words}).get_data(as_text=True)
        on_page = {n for n in listed.values() if n in page}
        assert _api_numbers(client, f"?q={words}") == on_page, words


@pytest.mark.parametrize("query, says", [
    ("status=bogus", "bogus"), ("status=draft", "draft"), ("region=abc", "abc"),
    ("status=bogus", "choose one from the search form&#39;s list (the API takes published, "),
    ("page=0", "no page"), ("page=-3", "no page"), ("page=two", "two"),
])
def test_values_that_cannot_be_filters_are_a_clear_400(client, listed, query, says):
    answer = client.get("/?" + query)
    assert answer.status_code == 400
    assert says in answer.get_data(as_text=True)


def _way_back(answer) -> str:
    """The address of the error page's "Go back" link, as the browser follows it."""
    found = re.search(r'<a href="([^"]*)"[^>]*>Go back', answer.get_data(as_text=True))
    assert found, "the error page has no way back"
    return html.unescape(found.group(1))


@pytest.mark.parametrize("query", ["status=bogus", "region=abc", "page=two", "page=0"])
def test_a_search_that_cannot_be_run_goes_back_with_its_words(client, listed, query):
    """A walker searched with words and a value that cannot be a filter: the 400 page's "Go
    back" led to the page they came from, without the words they had typed."""
    client.get("/")
    refused = client.get("/?q=Family+stabilization&" + query,
                         headers={"Referer": "http://localhost/"})   # the page before: no words
    assert refused.status_code == 400
    back = _way_back(refused)
    assert back == "/?q=Family+stabilization"                 # the words, not what was refused
    again = client.get(back)
    assert again.status_code == 200
    page = again.get_data(as_text=True)
    assert 'value="Family stabilization"' in page              # the search form, filled
    assert listed["first"] in page and listed["second"] not in page


@pytest.mark.parametrize("query, back", [
    ("status=published&page=two", "/?q=Family+stabilization&status=published"),
    ("region=abc&status=published", "/?q=Family+stabilization&status=published"),
    ("agency=DCF&status=bogus&page=2", "/?q=Family+stabilization&agency=DCF"),
])
def test_the_way_back_keeps_every_filter_but_the_one_refused(client, listed, query, back):
    """A walker's filters were dropped with the refused one: only what was refused goes."""
    refused = client.get("/?q=Family+stabilization&" + query)
    assert refused.status_code == 400
    assert _way_back(refused) == back
    assert client.get(back).status_code == 200


def test_the_way_back_from_a_refused_search_reflects_nothing_unsafely(client, listed):
    words = '"><script src=/x.js></script><img src=x onerror=alert(1)>'
    refused = client.get("/", query_string={"q": words, "page": "two"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "<script src=/x.js>" not in page and "<img src=x" not in page
    back = _way_back(refused)
    assert back.startswith("/?q=") and '"' not in back and "<" not in back
    assert client.get(back).status_code == 200
    # url_for's own arguments are never taken from the address: no other scheme or host
    forged = client.get("/?q=x&page=two&_external=1&_scheme=javascript&_anchor=y")
    assert _way_back(forged) == "/?q=x"


def test_a_kept_list_refused_goes_back_with_its_words(login, listed):
    bidder = login("bidder")
    refused = bidder.get("/bidder/?q=stabilization&status=bogus")
    assert refused.status_code == 400 and "bogus" in refused.get_data(as_text=True)
    assert _way_back(refused) == "/bidder/?q=stabilization"


@pytest.mark.parametrize("query", [
    "region=" + HUGE, "region=999999", "region=-1", "agency=XYZ", "service_model=nope",
    "page=" + HUGE, "page=100001",
])
def test_filters_naming_nothing_and_pages_past_the_end_find_nothing(client, listed, query):
    answer = client.get("/?" + query)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert listed["first"] not in page and listed["second"] not in page
    api = client.get("/api/v1/solicitations/?" + query)
    assert api.status_code == 200 and api.get_json() == []


def test_a_page_past_the_last_says_so_and_leads_back(client, listed):
    """A walker's ?page=2 of a one-page search read "4 solicitations found. No solicitation
    matches.", and offered no way back."""
    seen = client.get("/?q=Family&page=2").get_data(as_text=True)
    assert "1 solicitation found." in seen and "No solicitation matches" not in seen
    assert "Page 2 is past the last page of this search (1)." in seen
    assert 'href="/?q=Family&amp;agency=&amp;region=&amp;service_model=&amp;status=">Back to the ' \
           'first page</a>' in seen
    # a walker's ?page=99999999999999999999 was told "Page 100000 is past the last page"
    huge = client.get("/?q=Family&page=" + HUGE).get_data(as_text=True)
    assert f"Page {HUGE} is past the last page of this search (1)." in huge


def test_the_officers_list_past_the_end_is_empty(login, listed):
    answer = login("officer").get("/officer/?page=" + HUGE)
    assert answer.status_code == 200 and listed["first"] not in answer.get_data(as_text=True)


@pytest.mark.parametrize("query", ["status=bogus", "region=abc", "page=0", "page=x"])
def test_the_api_refuses_values_that_cannot_be_filters(client, listed, query):
    answer = client.get("/api/v1/solicitations/?" + query)
    assert answer.status_code in (400, 422), (query, answer.status_code)
    assert answer.get_json()["message"]


PARAMETERS = ["q", "agency", "region", "service_model", "status", "page", "page_size", "next",
              "per_page"]
VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-2**80, max_value=2**80).map(str),
    st.sampled_from(["%", "_", "\\", "'", "\"", "DCF", "published", "draft", "1", "0", "-1",
                     "1e9", "NaN", "%00", "\x00", HUGE]),
)
QUERIES = st.dictionaries(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=10)), VALUES,
                          max_size=5)


def _pages_without_ids(app) -> list[str]:
    """Every GET page whose address takes no id (each reads its query string, if any)."""
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments
                   and "static" not in rule.endpoint and "openapi" not in rule.rule
                   # /ready answers 503 by design until the scheduler has run (test_ops)
                   and rule.endpoint not in ("auth.logout", "ops.ready")})


def test_no_query_string_makes_a_page_fail(app, login, listed):
    people = {who: login(who) for who in ("anonymous", "bidder", "officer")}
    pages = _pages_without_ids(app)
    assert "/" in pages and "/officer/" in pages and "/api/v1/solicitations/" in pages

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(who=st.sampled_from(sorted(people)), page=st.sampled_from(pages), query=QUERIES)
    def fuzz(who: str, page: str, query: dict[str, str]) -> None:
        answer = people[who].http.get(page, query_string=query)
        assert answer.status_code < 500, (who, page, query, answer.status_code)

    fuzz()


def test_a_provider_finds_solicitations_by_the_places_their_lots_cover(app, client, listed):
    with app.app_context():
        rfr = db.session.scalar(select(Solicitation).where(
            Solicitation.number == listed["first"]))
        area = rfr.lots[1].area_offices[1]          # an area office of the joined lot
        place, region = area.name, area.region.name
    for word in (place, place.upper(), region):
        assert _api_numbers(client, f"?q={word}") == {listed["first"], listed["second"]}, word
        assert listed["first"] in client.get(f"/?q={word}").get_data(as_text=True)
    assert _api_numbers(client, "?q=Nantucket") == set()
