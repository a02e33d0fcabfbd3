"""What the OCDS release says (issue 19): dated and named by its last change, so two fetches with
nothing between them are one release; awards and contracts worth their whole term with the
annual figure beside it; the cancellation's reason, the bidders' conference, each lot's area
offices and region; no budget for an RFI; `procure export ocds` links to the configured address.
Every package validates against the OCDS 1.1 schema (test_ocds.py's validator)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from procure import clock, ocds
from procure.models import SolicitationKind
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from tests.integration.test_ocds import _valid, awarded_with_contract, validator  # noqa: F401
from tests.support.factories import draft_rfr, published_rfr, user

def _api(app, rfr) -> tuple[dict, str]:
    answer = app.test_client().get(f"/api/v1/solicitations/{rfr.id}/ocds")
    assert answer.status_code == 200
    return answer.get_json(), answer.get_data(as_text=True)


def test_two_fetches_with_no_change_between_them_are_one_release(validator, app, ctx, people):
    officer = user(ctx, "officer")
    rfr = published_rfr(ctx, officer)
    ctx.commit()
    first, first_text = _api(app, rfr)
    with time_machine.travel(clock.now() + timedelta(hours=5)):
        second, second_text = _api(app, rfr)
    assert second_text == first_text, "the same package whenever it is fetched"
    release = _valid(validator, first)
    assert release["date"] == ocds._moment(rfr.published_at)
    assert release["id"] == f"ocds-procure-{rfr.number}-{release['date']}"
    assert first["publishedDate"] == release["date"]
    # a change (an addendum) is a new release, dated by the change
    with time_machine.travel(clock.now() + timedelta(days=1)):
        addendum = flow.publish_addendum(ctx, rfr, officer, title="Clarified lot 2",
                                         body="Lot 2 covers both joined areas.")
        ctx.commit()
        third, _ = _api(app, rfr)
    changed = _valid(validator, third)
    assert changed["date"] == ocds._moment(addendum.published_at) != release["date"]
    assert changed["id"] == f"ocds-procure-{rfr.number}-{changed['date']}"


def test_a_submission_before_the_opening_does_not_move_the_release(validator, app, ctx, people,
                                                                   tmp_path):
    """A sealed response changes nothing the public sees, so not the release's date either
    (a new release would say that someone responded)."""
    from tests.support.factories import response_ready_to_submit
    officer = user(ctx, "officer")
    rfr = published_rfr(ctx, officer)
    ctx.commit()
    before, before_text = _api(app, rfr)
    with time_machine.travel(clock.now() + timedelta(days=2)):
        bidder = user(ctx, "bidder")
        response = response_ready_to_submit(ctx, bidder, rfr.lots[0], tmp_path)
        response_flow.fire(ctx, response, "submit", bidder)
        ctx.commit()
        after, after_text = _api(app, rfr)
    assert after_text == before_text


def test_award_and_contract_values_are_the_whole_term_with_the_annual_figure_beside(
        validator, app, ctx, people):
    world, award, contract = awarded_with_contract(ctx)
    release = _valid(validator, _api(app, world.rfr)[0])
    start, end = contract.start_date, contract.end_date
    assert (end - start).days > 3 * 365 - 1, "a three-year term"
    annual = float(contract.annual_maximum)
    [published_contract] = release["contracts"]
    assert published_contract["value"] == {"amount": 3 * annual, "currency": "USD"}
    [item] = published_contract["items"]
    assert item["quantity"] == 3
    assert item["unit"] == {"name": "year", "value": {"amount": annual, "currency": "USD"}}
    assert (f"annual maximum ${contract.annual_maximum:,.2f} a year for 3 years "
            f"(July 1, {start.year} to June 30, {end.year}): "
            f"${3 * contract.annual_maximum:,.2f} in all") in published_contract["description"]
    [published_award] = release["awards"]
    assert published_award["value"] == {"amount": 3 * float(award.amount), "currency": "USD"}
    assert published_award["items"][0]["unit"]["value"]["amount"] == float(award.amount)
    assert published_award["items"][0]["quantity"] == 3
    assert published_award["contractPeriod"]["startDate"].startswith(str(start))


@pytest.mark.parametrize("start,end,years", [
    (date(2026, 7, 1), date(2029, 6, 30), Decimal(3)),
    (date(2026, 7, 1), date(2027, 6, 30), Decimal(1)),
    (date(2027, 1, 1), date(2029, 6, 30), Decimal("2.5")),
    (date(2026, 7, 1), date(2026, 7, 31), Decimal(1) / 12),
    # January 15 to April 24: three whole months (to April 15), then 10 days
    (date(2027, 1, 15), date(2027, 4, 24), Decimal(3) / 12 + Decimal(10) / 365),
    # a month-end start counts to the next month-end: January 31 to February 27 is one month
    (date(2027, 1, 31), date(2027, 2, 27), Decimal(1) / 12),
])
def test_a_terms_years_count_whole_months_then_days(start, end, years):
    assert ocds.term_years(start, end) == years.quantize(Decimal("0.0001"))


def test_a_cancelled_rfr_says_why(validator, app, ctx, people):
    officer = user(ctx, "officer")
    rfr = published_rfr(ctx, officer)
    response_flow.fire_solicitation_event(ctx, rfr, "cancel", officer,
                                          reason="The program's funding was withdrawn.",
                                          cancel_reason="funds_cut")
    ctx.commit()
    release = _valid(validator, _api(app, rfr)[0])
    [details] = [d for d in release["tender"]["documents"]
                 if d["documentType"] == "cancellationDetails"]
    assert details["title"] == "Cancelled: Funding was cut or withdrawn"
    assert details["description"] == "The program's funding was withdrawn."
    assert details["datePublished"] == release["date"], "the cancellation is the last change"


def test_the_bidders_conference_and_each_lots_places(validator, app, ctx, people):
    officer = user(ctx, "officer")
    rfr = draft_rfr(ctx, officer)
    conference = clock.now().replace(microsecond=0) + timedelta(days=10)
    flow.update(ctx, rfr, officer, conference_at=conference,
                conference_location="600 Washington St, Boston, room 2")
    flow.publish(ctx, rfr, officer)
    ctx.commit()
    release = _valid(validator, _api(app, rfr)[0])
    assert release["tender"]["milestones"] == [{
        "id": "bidders-conference", "title": "Bidders' conference", "type": "engagement",
        "dueDate": ocds._moment(conference),
        "description": "600 Washington St, Boston, room 2"}]
    for lot, item in zip(rfr.lots, release["tender"]["items"], strict=True):
        offices = [o.name for o in lot.area_offices]
        regions = sorted({o.region.name for o in lot.area_offices})
        assert item["description"].startswith(lot.label)
        for place in offices + regions:
            assert place in item["description"], (place, item)
    joined = release["tender"]["items"][1]["description"]
    assert "area offices: " + ", ".join(o.name for o in rfr.lots[1].area_offices) in joined


def test_an_rfi_has_no_budget(validator, app, ctx, people):
    officer = user(ctx, "officer")
    rfi = flow.create(ctx, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
                      title="Network services models", deadline=clock.now() + timedelta(days=20))
    flow.publish(ctx, rfi, officer)
    ctx.commit()
    release = _valid(validator, _api(app, rfi)[0])
    assert "budget" not in release.get("planning", {})
    assert "value" not in release["tender"]
    assert '"amount": 0' not in json.dumps(release)


def test_the_cli_links_to_the_configured_address(validator, app, ctx, people, tmp_path,
                                                 monkeypatch):
    rfr = published_rfr(ctx, user(ctx, "officer"))
    ctx.commit()
    monkeypatch.setitem(app.config, "BASE_URL", "https://procure.agency.example.org:8443")
    monkeypatch.setitem(app.config, "OCDS_BASE_URL", "")
    out = tmp_path / "package.json"
    done = app.test_cli_runner().invoke(args=["export", "ocds", rfr.number, "-o", str(out)])
    assert done.exit_code == 0, done.output
    package = json.loads(out.read_text())
    _valid(validator, package)
    text = out.read_text()
    assert package["uri"] == (f"https://procure.agency.example.org:8443/api/v1/solicitations/"
                              f"{rfr.id}/ocds")
    assert ":5000" not in text and "127.0.0.1" not in text
    assert "PROCURE_BASE_URL is not set" not in done.output
    # without any address the CLI says what it wrote and how to fix it
    monkeypatch.setitem(app.config, "BASE_URL", "")
    done = app.test_cli_runner().invoke(args=["export", "ocds", rfr.number, "-o", str(out)])
    assert done.exit_code == 0 and "PROCURE_BASE_URL is not set" in done.output
