"""The public's pages are kept until something is recorded (procure.public_cache): a visitor who
is not signed in gets the page made for the last visitor as long as the audit chain's head has
not moved and the clock's slice has not passed; a signed-in person, a visitor with a message
waiting, or anything recorded gets a page made afresh."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import time_machine

from procure import accounts, clock, create_app, public_cache
from procure.extensions import db
from procure.models import Solicitation
from tests.conftest import Client, require_or_skip
from tests.integration.test_query_counts import counting
from tests.support.factories import EMAILS, PASSWORD, published_rfr, user

REDIS_URL = os.environ.get("PROCURE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def keeping(app):
    """The app with the public's pages kept, as it runs by default (the tests' app does not)."""
    app.config["PUBLIC_PAGE_SECONDS"] = 10
    yield app
    app.config["PUBLIC_PAGE_SECONDS"] = 0


def _rfr(app, title: str) -> int:
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), title=title)
        db.session.commit()
        return row.id


def _rename_unrecorded(app, solicitation_id: int, title: str) -> None:
    """A change no workflow makes: nothing recorded, so a kept page does not see it."""
    with app.app_context():
        db.session.get(Solicitation, solicitation_id).title = title
        db.session.commit()


def test_the_public_gets_a_kept_page_until_something_is_recorded(keeping, people):
    visitor = keeping.test_client()
    moment = clock.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        first = _rfr(keeping, "Family preservation services")
        assert "Family preservation services" in visitor.get("/").get_data(as_text=True)

        _rename_unrecorded(keeping, first, "Renamed without a record")
        with counting(keeping) as statements:
            kept = visitor.get("/").get_data(as_text=True)
        assert "Family preservation services" in kept
        assert "Renamed without a record" not in kept
        assert len(statements) == 1, statements    # the audit head, nothing else

        _rfr(keeping, "Independent living supports")     # published: recorded
        fresh = visitor.get("/").get_data(as_text=True)
        assert "Independent living supports" in fresh
        assert "Renamed without a record" in fresh       # the whole page is made again

        assert "Renamed without a record" in visitor.get(f"/solicitations/{first}").get_data(
            as_text=True)
        _rename_unrecorded(keeping, first, "Renamed again without a record")
        assert "Renamed again" not in visitor.get(f"/solicitations/{first}").get_data(as_text=True)
    # The clock's slice has passed: what the clock alone changes is never kept longer.
    with time_machine.travel(moment + timedelta(seconds=11), tick=False):
        assert "Renamed again without a record" in visitor.get(
            f"/solicitations/{first}").get_data(as_text=True)


def test_a_signed_in_bidder_gets_their_own_page_and_never_leaves_it_for_the_public(
        keeping, login):
    rfr = _rfr(keeping, "Regional resource center")
    public_page = keeping.test_client().get(f"/solicitations/{rfr}").get_data(as_text=True)
    assert "Respond to lot 1" not in public_page and "Sign in" in public_page

    bidder = login("bidder")
    theirs = bidder.get(f"/solicitations/{rfr}").get_data(as_text=True)
    assert "Respond to lot 1" in theirs and 'name="csrf_token"' in theirs
    assert "Sign in" not in theirs

    again = keeping.test_client().get(f"/solicitations/{rfr}").get_data(as_text=True)
    assert "Respond to lot 1" not in again and 'name="csrf_token"' not in again


def test_a_message_waiting_is_shown_on_a_page_made_for_it(keeping, people):
    _rfr(keeping, "Network provider services")
    visitor = Client(keeping)
    assert "You are signed out." not in visitor.get("/").get_data(as_text=True)   # kept now
    visitor.login(EMAILS["bidder"], PASSWORD)
    signed_out = visitor.post("/logout", follow_redirects=True).get_data(as_text=True)
    assert "You are signed out." in signed_out
    assert "You are signed out." not in keeping.test_client().get("/").get_data(as_text=True)


def test_the_apis_public_list_item_and_ocds_are_kept_whole_and_an_officer_gets_theirs(
        keeping, people):
    rfr = _rfr(keeping, "Community mental health")
    with keeping.app_context():
        value = accounts.issue_token(db.session, user(db.session, "officer"), "test")
        db.session.commit()
    visitor = keeping.test_client()
    for url in ("/api/v1/solicitations/", f"/api/v1/solicitations/{rfr}",
                f"/api/v1/solicitations/{rfr}/ocds", f"/solicitations/{rfr}/awards"):
        made = visitor.get(url)
        with counting(keeping) as statements:
            kept = visitor.get(url)
        assert kept.status_code == 200 and kept.get_data() == made.get_data(), url
        assert kept.headers.get("X-Pagination") == made.headers.get("X-Pagination"), url
        assert ("X-Pagination" in kept.headers) == url.endswith("solicitations/"), url
        assert len(statements) == 1, (url, statements)
    public_item = visitor.get(f"/api/v1/solicitations/{rfr}").get_json()
    officers = visitor.get(f"/api/v1/solicitations/{rfr}",
                           headers={"Authorization": f"Bearer {value}"}).get_json()
    assert public_item["allowed_events"] == []
    assert "cancel" in officers["allowed_events"]


def test_pages_not_found_are_not_kept(keeping, people):
    visitor = keeping.test_client()
    assert visitor.get("/solicitations/999999").status_code == 404
    rfr = _rfr(keeping, "Kinship care supports")
    assert rfr != 999999
    with counting(keeping) as statements:
        assert visitor.get("/api/v1/solicitations/999999").status_code == 404
    assert len(statements) > 1      # looked for again, not answered from a kept 404


def test_several_processes_keep_one_page_in_redis(database_url, app, people):
    import redis
    try:
        up = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        up = False
    require_or_skip(up, f"needs Redis at {REDIS_URL} (set PROCURE_TEST_REDIS_URL)")
    settings = {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                "REDIS_URL": REDIS_URL, "PUBLIC_PAGE_SECONDS": 10,
                "PASSWORD_HASH_PROFILE": "CHEAPEST"}
    one, two = create_app(dict(settings)), create_app(dict(settings))
    with one.app_context():
        public_cache.pages.clear()
    try:
        rfr = _rfr(app, "Foster care recruitment")
        assert "Foster care recruitment" in one.test_client().get("/").get_data(as_text=True)
        _rename_unrecorded(app, rfr, "Renamed without a record")
        with counting(two) as statements:
            kept = two.test_client().get("/").get_data(as_text=True)
        assert "Foster care recruitment" in kept and len(statements) == 1
        _rfr(app, "Adoption support")
        fresh = two.test_client().get("/").get_data(as_text=True)
        assert "Adoption support" in fresh and "Renamed without a record" in fresh
    finally:
        with one.app_context():
            public_cache.pages.clear()
            db.engine.dispose()
        with two.app_context():
            db.engine.dispose()
