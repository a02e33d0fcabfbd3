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
