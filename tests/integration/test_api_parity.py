"""The API does what the pages do: every state-changing page endpoint (POST, PUT or DELETE
outside /api/, from Flask's URL map) has its API operation, named here; a new page action
without one fails this test until it gets one (or a reasoned place on the exception list)."""

from __future__ import annotations

import re

from procure import policy

# page endpoint -> the API operations (endpoint, method) that do the same.
PARITY: dict[str, set[tuple[str, str]]] = {
    "public.ask": {("api_questions.Questions", "POST")},
    "public.comment": {("api_comments.Comments", "POST")},
    "officer.new": {("api_solicitations.SolicitationList", "POST")},
    "officer.solicitation": {("api_solicitations.SolicitationItem", "PATCH")},
    "officer.add_lot": {("api_lots.Lots", "POST")},
    "officer.add_section": {("api_sections.Sections", "POST")},
    "officer.add_criterion": {("api_criteria.Criteria", "POST")},
    "officer.remove_part": {("api_lots.LotItem", "DELETE"), ("api_sections.SectionItem", "DELETE"),
                            ("api_criteria.CriterionItem", "DELETE")},
    "officer.attach_document": {("api_documents.Documents", "POST")},
    "officer.fire": {("api_solicitations.SolicitationEvent", "POST")},
    "officer.below_minimum": {("api_solicitations.BelowMinimum", "POST")},
    "officer.publish_addendum": {("api_addenda.Addenda", "POST")},
    "officer.answer": {("api_questions.QuestionAnswer", "PUT")},
    "officer.judge": {("api_responses.ResponseEvent", "POST")},
    "bidder.start": {("api_responses.ResponseList", "POST")},
    "bidder.upload": {("api_response_documents.ResponseDocuments", "POST"),      # a new one
                      ("api_response_documents.ResponseDocument", "PUT")},       # a replacement
    "bidder.remove": {("api_response_documents.ResponseDocument", "DELETE")},
    "bidder.correct": {("api_response_documents.ResponseDocumentCorrections", "PUT")},
    "bidder.fire": {("api_responses.ResponseEvent", "POST")},
    "auth.change_diversity": {("api_organization.OwnOrganization", "PATCH")},
    "auth.revoke_token": {("api_tokens.CurrentToken", "DELETE")},   # the calling token
    "admin.invite": {("api_invitations.Invitations", "POST")},   # officers and panelists only
    "evaluation.plan": {("api_evaluation.Plan", "PUT")},
    "evaluation.new_panel": {("api_evaluation.PanelCreate", "POST")},
    "evaluation.add_member": {("api_evaluation.PanelMembers", "POST")},
    "evaluation.remove_member": {("api_evaluation.PanelMemberRemoval", "POST")},
    "evaluation.fire": {("api_evaluation.PanelEvent", "POST")},
    "evaluation.declare": {("api_evaluation.Declarations", "POST")},
    "evaluation.assign": {("api_evaluation.Assignments", "POST")},
    "evaluation.scoresheet": {("api_evaluation.ScoresheetItem", "PUT")},    # the Save button
    "evaluation.draft": {("api_evaluation.ScoresheetItem", "PUT")},         # saved as one types
    "evaluation.confirm_submit": {("api_evaluation.ScoresheetSubmit", "POST")},
    "evaluation.return_sheet": {("api_evaluation.ScoresheetReturn", "POST")},
    "evaluation.consensus": {("api_evaluation.Consensus", "POST")},
    "evaluation.score_price": {("api_evaluation.Price", "POST")},
    "evaluation.correct_cost": {("api_evaluation.Cost", "POST")},
    "evaluation.rates": {("api_evaluation.RateCard", "PUT")},           # adds a line
    "evaluation.remove_rate": {("api_evaluation.RateCard", "PUT")},     # leaves a line out
    "bidder.rates": {("api_responses.ResponseRates", "PUT")},
    "officer.edit_part": {("api_lots.LotItem", "PATCH"), ("api_sections.SectionItem", "PATCH"),
                          ("api_criteria.CriterionItem", "PATCH")},
}

# Issue 13's pages (procure/web/award.py), held to the operations AWARD_AND_CONTRACT_ACTIONS names.
PARITY.update({
    "award.propose": {("api_awards.Awards", "POST")},
    "award.approve": {("api_awards.AwardEvent", "POST")},
    "award.withdraw": {("api_awards.AwardEvent", "POST")},
    "award.notify": {("api_awards.LotNotices", "POST")},
    "award.close_lot": {("api_awards.LotOutcomeItem", "POST")},
    "award.protest": {("api_awards.AwardProtests", "POST")},
    "award.decide": {("api_awards.ProtestDecision", "POST")},
    "award.new_contract": {("api_contracts.Contracts", "POST")},
    "award.edit_contract": {("api_contracts.ContractItem", "PUT")},
    "award.contract_event": {("api_contracts.ContractEvent", "POST")},
    "award.amend": {("api_contracts.Amendments", "POST")},
    "award.decide_amendment": {("api_contracts.AmendmentApproval", "POST"),
                               ("api_contracts.AmendmentRefusal", "POST")},
    "award.add_document": {("api_contracts.ContractDocuments", "POST")},
    "award.encumber": {("api_contracts.EncumbranceItem", "PUT")},
    "award.draw_down": {("api_contracts.DrawDowns", "POST")},
})

# Page actions the API deliberately does not offer, and why.
EXCEPTIONS = {
    # The API signs nobody in or out: each request carries its bearer token.
    "auth.login": "signing in by password makes a browser session; API callers send a token",
    "auth.logout": "ends the browser session; an API client simply stops sending its token",
    # What a token may not do: whoever holds a leaked token must not be able to make more ways
    # in (accounts, tokens) that outlive revoking it. These stay with a person signed in by
    # password, on forms bound to their session (CSRF).
    "auth.register": "creates an organisation and its first account, with a password",
    "auth.organization": "adds a colleague's account, with a password",
    "auth.tokens": "issues API tokens",
    "auth.password": "changes the password: a token must never be a way to take an account over",
    # Administration of accounts and of the procedure rules stays with an administrator signed
    # in by password, for the same reason: a leaked token must not disarm the agency's rules
    # or its people.
    "admin.deactivate": "deactivates an account (administrators, signed in by password)",
    "admin.reactivate": "lets a deactivated account sign in again (administrators, by password)",
    "admin.change_role": "changes what a person may do (administrators, signed in by password)",
    "admin.send_reset_link": "emails a person a link to set a new password",
    "auth.forgot_password": "a forgotten password is reset in the browser by an emailed link; "
                            "an API caller holds a token, not a password",
    "auth.reset_password": "sets a new password from an emailed link",
    "auth.accept_invitation": "an invited person sets their first password from an emailed link",
    "admin.save_rules": "changes the procedure rules every solicitation is held to",
    "admin.check_audit_chain": "asks for the audit-chain check, a job whose progress and result "
                               "the administrator's audit page shows",
    "auth.sign_out_everywhere": "ends the person's browser sessions; tokens are revoked one by "
                                "one (DELETE /api/v1/tokens/current)",
}

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Issue 13's actions, offered by the API ahead of their pages: when a page for one lands, its
# endpoint goes into PARITY with these operations (the test above then holds it to them).
AWARD_AND_CONTRACT_ACTIONS: dict[str, set[tuple[str, str]]] = {
    "propose an award": {("api_awards.Awards", "POST")},
    "approve or withdraw an award": {("api_awards.AwardEvent", "POST")},
    "tell a lot's bidders": {("api_awards.LotNotices", "POST")},
    "file a protest": {("api_awards.AwardProtests", "POST")},
    "decide a protest": {("api_awards.ProtestDecision", "POST")},
    "make a contract from a final award": {("api_contracts.Contracts", "POST")},
    "edit a draft contract": {("api_contracts.ContractItem", "PUT")},
    "sign, activate, terminate": {("api_contracts.ContractEvent", "POST")},
    "amend a contract": {("api_contracts.Amendments", "POST")},
    "attach a contract document": {("api_contracts.ContractDocuments", "POST")},
    "encumber a fiscal year": {("api_contracts.EncumbranceItem", "PUT")},
    "record a draw-down": {("api_contracts.DrawDowns", "POST")},
}


def _operations(app) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        found.setdefault(rule.endpoint, set()).update(rule.methods or ())
    return found


def test_every_page_action_has_an_api_operation(app):
    operations = _operations(app)
    page_actions = {rule.endpoint for rule in app.url_map.iter_rules()
                    if not rule.rule.startswith("/api/") and rule.methods & STATE_CHANGING}
    missing = sorted(page_actions - set(PARITY) - set(EXCEPTIONS))
    assert missing == [], f"page actions without an API operation: {missing}"
    # The lists name only what exists (no stale rows hiding a removed action).
    assert set(PARITY) | set(EXCEPTIONS) <= page_actions
    absent = sorted(f"{method} {endpoint}" for mapped in PARITY.values()
                    for endpoint, method in mapped if method not in operations.get(endpoint, ()))
    assert absent == [], f"API operations named here but not served: {absent}"
    assert set(PARITY).isdisjoint(EXCEPTIONS)


def test_every_api_operation_is_in_the_spec_and_names_its_policy_action(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, item in spec["paths"].items()
                  for method in item if method.upper() in STATE_CHANGING | {"GET"}}
    unnamed, undocumented = [], []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api_"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if policy.action_of(app.view_functions[rule.endpoint], method) is None:
                unnamed.append(f"{method} {rule.rule}")
            if (path, method) not in documented:
                undocumented.append(f"{method} {path}")
    assert unnamed == [] and undocumented == []
    # Every mapped page action's operation documents its refusals in the one problem shape.
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method.upper() in STATE_CHANGING:
                refusals = {code for code in operation["responses"] if code.startswith("4")}
                assert {"403", "404"} & refusals, f"{method.upper()} {path}: no refusal documented"


def test_the_award_and_contract_actions_are_served(app):
    operations = _operations(app)
    absent = sorted(f"{action}: {method} {endpoint}"
                    for action, mapped in AWARD_AND_CONTRACT_ACTIONS.items()
                    for endpoint, method in mapped if method not in operations.get(endpoint, ()))
    assert absent == []
