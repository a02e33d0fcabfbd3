"""Deny by default: every endpoint names its policy action, and the gate enforces it."""

from __future__ import annotations

from procure import policy


def test_every_endpoint_asks_the_policy(app):
    missing = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            action = policy.action_of(view, method)
            if action is None or action not in policy.RULES:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert missing == [], "endpoints without a policy action: " + ", ".join(missing)


def test_unknown_action_is_refused_to_everyone(ctx, people):
    from tests.support.factories import user
    admin = user(ctx, "admin")
    assert not policy.allows(admin, "no.such.action")


def test_officer_pages_refuse_bidders_and_send_visitors_to_sign_in(app, login):
    anonymous = login("anonymous").get("/officer/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    forbidden = login("bidder").get("/officer/")
    assert forbidden.status_code == 403
    assert "You do not have permission" in forbidden.get_data(as_text=True)
    assert login("officer").get("/officer/").status_code == 200


def test_api_forbidden_is_json(app, login):
    response = app.test_client().post("/api/v1/solicitations/", json={})
    assert response.status_code == 403
    assert response.get_json()["message"] == "You do not have permission to do that."


def test_policy_decides_with_the_object_and_raises_its_own_denied(ctx, people):
    """Whose response and whether it is sealed are policy rules with the object; a refusal is
    policy.Denied (no web exception below the faces), which the faces answer 403."""
    import pytest
    from werkzeug.exceptions import HTTPException

    from procure.workflows import response as response_flow
    from tests.support.factories import draft_rfr, published_rfr, user
    officer, bidder, colleague, other = (user(ctx, k) for k in (
        "officer", "bidder", "bidder_colleague", "other_bidder"))
    rfr = published_rfr(ctx, officer, days_open=31)
    row = response_flow.start(ctx, bidder, rfr.lots[0])
    assert policy.allows(bidder, "response.read", row)
    assert policy.allows(colleague, "response.read", row)      # same organisation
    assert not policy.allows(other, "response.read", row)
    assert not policy.allows(officer, "response.read", row)    # sealed until the opening
    draft = draft_rfr(ctx, officer)      # never published: internal, whatever its state
    assert not policy.allows(None, "solicitation.view", draft)
    assert policy.allows(officer, "solicitation.view", draft)
    assert policy.allows(None, "solicitation.view", rfr)
    with pytest.raises(policy.Denied) as denied:
        policy.require(other, "response.work", row)
    assert not isinstance(denied.value, HTTPException)


def test_an_agency_member_on_a_blind_panel_reads_its_responses_only_through_the_evaluation(
        ctx, people):
    """Once the RFR is evaluated blind, the officer who chairs its panel may no longer read its
    responses (they name the bidders); the officer on no panel of it still may, even when on
    another RFR's panel; a member removed from the panel reads them again."""
    import time_machine
    from procure.models import MemberKind
    from procure.workflows import evaluation as evaluation_flow
    from procure.workflows import response as response_flow
    from procure.workflows import solicitation as solicitation_flow
    from tests.support.evaluation import formed_panel, opened_rfr
    from tests.support.factories import published_rfr
    world = opened_rfr(ctx)
    panel = formed_panel(ctx, world)
    alpha = world.responses["bidder"]
    assert policy.allows(world.chair, "response.read", alpha)          # not blind yet
    evaluation_flow.set_plan(ctx, world.rfr, world.officer, blind=True, half_points=False)
    assert not policy.allows(world.chair, "response.read", alpha)
    assert policy.allows(world.officer, "response.read", alpha)
    assert not policy.evaluates_blind(world.officer, world.rfr)
    assert policy.evaluates_blind(world.chair, world.rfr)
    assert not policy.evaluates_blind(None, world.rfr)
    other = published_rfr(ctx, world.officer)       # the officer sits on another RFR's panel
    with time_machine.travel(solicitation_flow.closes_at(other), tick=False):
        response_flow.close_due(ctx)
        response_flow.open_responses(ctx, other, world.officer)
        elsewhere = evaluation_flow.create_panel(ctx, other, world.officer, name="Other panel",
                                                 lots=[other.lots[0]])
        evaluation_flow.add_member(ctx, elsewhere, world.officer, user=world.officer,
                                   kind=MemberKind.agency_staff, chair=True)
    assert policy.allows(world.officer, "response.read", alpha)
    chair = evaluation_flow.member_of(panel, world.chair)
    chair.removed_at = alpha.submitted_at      # taken off the panel
    ctx.flush()
    assert policy.allows(world.chair, "response.read", alpha)
