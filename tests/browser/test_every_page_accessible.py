"""axe-core (WCAG 2.1 A and AA) on every page of the service, as the people who see it: every
GET endpoint of the URL map that answers HTML, for a visitor, a bidder and an officer, before
and after the opening. A new page is swept without changing this test."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from tests.browser.conftest import sign_in
from tests.conftest import wipe
from tests.integration.test_access_matrix import EXPECTED, url_for_rule
from tests.support.factories import EMAILS, PASSWORD
from tests.support.world import build

ROLES = ["anonymous", "bidder", "officer", "panelist", "admin"]


def test_every_html_page_has_no_axe_violations(app, live_server, browser, visit):
    checked = set()
    look = None
    for opened in (False, True):
        wipe(app)
        world = build(app, opened=opened)
        moment = world.deadline + (timedelta(minutes=1) if opened else -timedelta(days=2))
        with time_machine.travel(moment):
            for role in ROLES:
                context = browser.new_context()
                page = context.new_page()
                look = look or visit(page)
                look.page = page
                if role != "anonymous":
                    sign_in(page, live_server, EMAILS[role], PASSWORD)
                for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
                    key = (rule.endpoint, "GET")
                    if ("GET" not in rule.methods or rule.endpoint.startswith(("api", "static"))
                            or "static" in rule.endpoint or role not in EXPECTED[key][opened]):
                        continue
                    url = url_for_rule(rule, world, role)
                    probe = page.request.get(live_server + url)   # same cookies; downloads skip
                    if "text/html" not in (probe.headers.get("content-type") or ""):
                        continue
                    page.goto(live_server + url)
                    look.check(f"{role}-{rule.endpoint}")
                    checked.add(rule.endpoint)
                # Pages no endpoint names: the error page, and the draft editor's form.
                extra = {"error-page": "/no-such-page"}
                if role == "officer":
                    extra["officer.draft"] = f"/officer/solicitations/{world.ids['draft']}"
                for label, url in extra.items():
                    page.goto(live_server + url)
                    look.check(f"{role}-{label}")
                    checked.add(label)
                context.close()
    print(f"\naxe-core checked {len(checked)} distinct pages: {sorted(checked)}")
    assert len(checked) >= 21
    look.assert_accessible()
