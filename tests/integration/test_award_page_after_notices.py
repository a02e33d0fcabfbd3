"""The award page says where each lot stands (a new user's walk, issue 19): after the notices
the lot read "Outcome: Open" and the coverage check still said "Check before approving"; the
contract read "target No more than one move". Each page is read as its user sees it."""

from __future__ import annotations

import re
from html import unescape

import time_machine

from procure import clock
from procure.extensions import db
from procure.models import Award
from tests.integration import test_award_pages
from tests.integration.test_award_pages import (
    _as,
    _award_page,
    _contract,
    _contract_data,
    _final,
    _propose,
    _text,
    _told,
)
from tests.support.evaluation import ORG_C
from tests.support.factories import EMAILS

world = test_award_pages.world          # the fixture: lot 1's panel finalized, three ranked


def _outcome(page: str) -> str:
    """The "Outcome: …" line of the first lot's section."""
    return unescape(re.search(r'class="lot-outcome">(.*?)</strong>', page).group(1))


def test_before_approval_the_check_is_asked_for_and_the_lot_is_open(app, world):
    officer = _as(app, EMAILS["officer"])
    page = _award_page(officer, world)
    assert "Check before approving" in page and _outcome(page) == "Outcome: Open"
    assert _propose(officer, world).status_code == 302
    page = _award_page(officer, world)
    assert "Check before approving" in page
    assert _outcome(page) == f"Outcome: {ORG_C} proposed, to be approved"


def test_after_the_notices_the_lot_is_in_standstill_and_the_check_is_done(app, world):
    officer, _, award = _told(app, world)
    with app.app_context():
        ends = clock.format_moment(db.session.get(Award, award.id).standstill_ends_at)
    page = _award_page(officer, world)
    assert _outcome(page) == f"Outcome: Awarded to {ORG_C}, in standstill until {ends}"
    assert "Check before approving" not in page and "Outcome: Open" not in page
    assert "Every area office needs one lead agency" in page     # the coverage itself stays


def test_a_final_award_reads_final(app, world):
    officer, _ = _final(app, world)
    page = _award_page(officer, world)
    assert _outcome(page) == f"Outcome: Awarded to {ORG_C}, final"
    assert "Check before approving" not in page


@time_machine.travel("2026-09-15 14:00:00+00:00", tick=False)
def test_the_contract_reads_its_measures_in_sentences(app, world):
    officer, award = _final(app, world)
    data = _contract_data("contract", **{"measures-0-name": "Placement stability",
                                         "measures-0-target": "No more than one move",
                                         "measures-0-incentive": "2% bonus"})
    assert officer.post(f"/awards/{award.public_id}/contract", data).status_code == 302
    page = _text(officer.get(f"/contracts/{_contract(app).public_id}"))
    assert "Placement stability. Target: No more than one move. Incentive: 2% bonus" in page
    assert "target No more" not in page
