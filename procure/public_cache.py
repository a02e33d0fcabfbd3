"""Public pages kept for the public (Flask-Caching): the home page and search, an RFR's page,
its awards, and the API's public list, item and OCDS package, as a visitor who is not signed
in sees them.

What such a page shows changes only by a recorded act: every change anyone can see there is an
audited transition, and each one moves the audit chain's head. So a kept page is filed under
the head's hash and is read again as soon as anything is recorded; nothing else has
to be told. What changes with the clock alone (a deadline or the questions' closing passing
before the scheduler records it) is covered by keeping a page at most `PUBLIC_PAGE_SECONDS`,
in slices of the clock that long: a page read in one slice is never shown in the next.

Only a visitor who is nobody (not signed in, no API token) with no message waiting is given a
kept page, and a page is kept only when it was a 200 that put nothing in the visitor's session
(no form token, no message): a signed-in person always gets the page made for them.

Kept in the web process by default (one store per process); in Redis when `REDIS_URL` is set
(one store for every process). `PUBLIC_PAGE_SECONDS = 0` keeps nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session
from flask_caching import Cache
from sqlalchemy import select

from procure import clock
from procure.extensions import db
from procure.faces import actor
from procure.models import AuditHead

pages = Cache()

View = TypeVar("View", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """The store: the web process's memory, or Redis where REDIS_URL is set. Whether pages are
    kept, and how long at most, is read per request (PUBLIC_PAGE_SECONDS)."""
    settings: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": max(int(app.config["PUBLIC_PAGE_SECONDS"] or 0), 1),
        "CACHE_KEY_PREFIX": "procure-page:"}
    if app.config.get("REDIS_URL"):
        settings.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=app.config["REDIS_URL"])
    else:
        settings.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=2000)
    pages.init_app(app, config=settings)


def public_page(view: View) -> View:
    """The view's page, kept for the public until the record changes (see the module)."""
    return pages.cached(make_cache_key=_key, unless=_made_for_this_visitor,
                        response_filter=_keepable)(view)


def _made_for_this_visitor() -> bool:
    """True where the page must be made afresh: caching off, someone signed in, a message."""
    if not current_app.config["PUBLIC_PAGE_SECONDS"]:
        return True
    return bool(actor().is_authenticated or "_flashes" in session)


def _key(*args: Any, **kwargs: Any) -> str:
    seconds = int(current_app.config["PUBLIC_PAGE_SECONDS"])
    head = db.session.scalar(select(AuditHead.hash).where(AuditHead.id == 1)) or "none"
    moment = int(clock.now().timestamp()) // seconds
    return f"{request.host}{request.full_path}|{head}|{moment}"


def _keepable(answer: Any) -> bool:
    """A page as anyone would see it: a 200 (a page, not a (body, status) pair) that left the
    visitor's session as it was and holds no form token."""
    if isinstance(answer, tuple) or getattr(answer, "status_code", 200) != 200:
        return False
    return not session.modified and "csrf_token" not in g
