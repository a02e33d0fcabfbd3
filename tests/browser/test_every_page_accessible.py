"""axe-core (WCAG 2.1 A and AA) on every page of the service, as the people who see it: every
GET endpoint of the URL map that answers HTML, for a visitor, a bidder, an officer, a panelist
and the administrator, before and after the opening; and each page again on a 390 px phone,
where nothing may scroll sideways and the header keeps to one bar. A new page is swept without
changing this test."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from tests.browser.conftest import sign_in
from tests.conftest import wipe
from tests.integration.test_access_matrix import EXPECTED, url_for_rule
from tests.support.factories import EMAILS, PASSWORD
from tests.support.world import build

ROLES = ["anonymous", "bidder", "officer", "panelist", "admin"]
PHONE = {"width": 390, "height": 844}
# The page is wider than the screen, or the header grew past one bar (its menu folds away).
MEASURE = """() => ({
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  header: Math.round(document.querySelector('header').getBoundingClientRect().height),
  wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right >
        document.documentElement.clientWidth + 1).slice(0, 3).map(e => e.tagName + '.' +
        e.className).join(', ')
})"""


class Phone:
    """The same pages on a 390 px phone: what scrolls sideways, and a header that broke."""

    def __init__(self, context, look) -> None:
        self.page, self.look, self.problems = context.new_page(), look, []

    def check(self, url: str, label: str) -> None:
        self.page.goto(url)
        found = self.page.evaluate(MEASURE)
        if label.endswith(("officer.solicitation", "officer.draft")) and not hasattr(self, "shot"):
            self.shot = True
            from tests.browser.conftest import ARTIFACTS
            self.page.screenshot(path=str(ARTIFACTS / f"{self.look.name}-phone-{label}.png"),
                                 full_page=True)
        if found["overflow"] > 0:
            self.problems.append(f"{label}: scrolls {found['overflow']} px sideways at 390 px "
                                 f"({found['wide']})")
        if found["header"] > 80:
            self.problems.append(f"{label}: the header is {found['header']} px high at 390 px")


def test_every_html_page_has_no_axe_violations(app, live_server, browser, visit):
    checked = set()
    look = None
    narrow: list[str] = []
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
                phone_context = browser.new_context(viewport=PHONE, is_mobile=True)
                phone = Phone(phone_context, look)
                if role != "anonymous":
                    sign_in(page, live_server, EMAILS[role], PASSWORD)
                    sign_in(phone.page, live_server, EMAILS[role], PASSWORD)
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
                    phone.check(live_server + url, f"{role}-{rule.endpoint}")
                    checked.add(rule.endpoint)
                # Pages no endpoint names: the error page, and the draft editor's form.
                extra = {"error-page": "/no-such-page"}
                if role == "officer":
                    extra["officer.draft"] = f"/officer/solicitations/{world.ids['draft']}"
                for label, url in extra.items():
                    page.goto(live_server + url)
                    look.check(f"{role}-{label}")
                    phone.check(live_server + url, f"{role}-{label}")
                    checked.add(label)
                context.close()
                narrow.extend(phone.problems)
                phone_context.close()
    print(f"\naxe-core checked {len(checked)} distinct pages: {sorted(checked)}")
    assert len(checked) >= 27
    look.assert_accessible()
    assert narrow == [], "\n".join(narrow)
