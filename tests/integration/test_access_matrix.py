"""Every endpoint x every role x the states that matter, from Flask's URL map: each cell says
allowed or refused, and a new endpoint without a row fails here. The same sweep searches every
answer for any trace of a sealed response before the opening."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from tests.conftest import Client, wipe
from tests.support.factories import EMAILS, ORG_A, PASSWORD
from tests.support.world import ROLES, SECRET_FILENAME, World, build

ANYONE = set(ROLES)
SIGNED_IN = ANYONE - {"anonymous"}
BIDDERS = {"bidder", "bidder_colleague", "other_bidder"}
OWNERS = {"bidder", "bidder_colleague"}
AGENCY = {"officer", "admin"}
NOBODY: set[str] = set()
EVALUATORS = {"panelist", "officer", "admin"}
CHAIR = {"admin"}          # the sweep's panel: the admin chairs, the panelist scores
MEMBERS = {"admin", "panelist"}

# ---- the API's collections (issue 8: the API does what the pages do) -------------------------
API_OPERATIONS: dict[tuple[str, str], tuple[set[str], set[str]]] = {
    ("api_solicitations.SolicitationItem", "PATCH"): (AGENCY, AGENCY),
    **{(f"api_{collection}", method): (who, who) for collection, method, who in [
        ("lots.Lots", "GET", ANYONE), ("lots.Lots", "POST", AGENCY),
        ("lots.LotItem", "DELETE", AGENCY), ("lots.LotItem", "PATCH", AGENCY),
        ("sections.Sections", "GET", ANYONE), ("sections.Sections", "POST", AGENCY),
        ("sections.SectionItem", "DELETE", AGENCY), ("sections.SectionItem", "PATCH", AGENCY),
        ("criteria.Criteria", "GET", ANYONE), ("criteria.Criteria", "POST", AGENCY),
        ("criteria.CriterionItem", "DELETE", AGENCY),
        ("criteria.CriterionItem", "PATCH", AGENCY),
        ("documents.Documents", "GET", ANYONE), ("documents.Documents", "POST", AGENCY),
        ("documents.DocumentFile", "GET", ANYONE),
        ("addenda.Addenda", "GET", ANYONE), ("addenda.Addenda", "POST", AGENCY),
        ("questions.Questions", "GET", ANYONE), ("questions.Questions", "POST", BIDDERS),
        ("questions.QuestionAnswer", "PUT", AGENCY),
        ("comments.Comments", "GET", AGENCY), ("comments.Comments", "POST", BIDDERS),
        ("audit.AuditTrail", "GET", AGENCY),
        ("responses.ResponseList", "POST", BIDDERS),
        ("response_documents.ResponseDocuments", "POST", OWNERS),
        ("response_documents.ResponseDocument", "PUT", OWNERS),
        ("response_documents.ResponseDocument", "DELETE", OWNERS),
        ("response_documents.ResponseDocumentCorrections", "PUT", OWNERS),
        ("receipts.Receipts", "GET", OWNERS)]},
    # Read: its bidder's people before the opening; the agency too after it.
    **{(f"api_response_documents.{name}", "GET"): (OWNERS, OWNERS | AGENCY)
       for name in ("ResponseDocuments", "ResponseDocument", "ResponseDocumentFile")},
}
# ---- awards, protests, contracts and OCDS (issue 13). The sweep's world has no award or
# contract: an operation on one is refused to everyone (403 at the gate for the roles without
# the action, 404 for the agency, which test_award_api walks with real ones); a body the
# operation needs is refused (422) only once the gate let the caller through.
API_OPERATIONS.update({
    **{(f"api_awards.{name}", method): (AGENCY, AGENCY) for name, method in [
        ("Awards", "GET"), ("Awards", "POST"), ("LotNotices", "POST"), ("Coverage", "GET"),
        ("LotOutcomeItem", "POST"),
        ("ProtestDecision", "POST")]},
    **{(f"api_awards.{name}", method): (NOBODY, NOBODY) for name, method in [
        ("AwardItem", "GET"), ("AwardEvent", "POST"), ("AwardProtests", "GET")]},
    ("api_awards.AwardProtests", "POST"): (BIDDERS, BIDDERS),
    ("api_awards.MyProtests", "GET"): (BIDDERS, BIDDERS),
    # Notices: its bidder's people only (none are sent in the sweep: an empty list).
    ("api_awards.ResponseNotices", "GET"): (OWNERS, OWNERS),
    **{(f"api_contracts.{name}", method): (AGENCY, AGENCY) for name, method in [
        ("Contracts", "GET"), ("Contracts", "POST"), ("ContractItem", "PUT"),
        ("Amendments", "POST"), ("ContractDocuments", "POST"), ("EncumbranceItem", "PUT"),
        ("DrawDowns", "POST")]},
    **{(f"api_contracts.{name}", method): (NOBODY, NOBODY) for name, method in [
        ("ContractItem", "GET"), ("ContractEvent", "POST"), ("Amendments", "GET"),
        ("ContractDocuments", "GET"), ("Encumbrances", "GET"), ("EncumbranceItem", "GET"),
        ("DrawDowns", "GET"), ("MyContract", "GET"), ("AmendmentApproval", "POST"),
        ("AmendmentRefusal", "POST")]},
    ("api_contracts.MyContracts", "GET"): (BIDDERS, BIDDERS),
    ("api_ocds.ReleasePackage", "GET"): (ANYONE, ANYONE),
    # issue 19: the officer's list of an RFR's responses (409 while sealed), its final awards
    ("api_solicitations.SolicitationResponses", "GET"): (AGENCY, AGENCY),
    ("api_solicitations.FinalAwards", "GET"): (ANYONE, ANYONE),
    ("api_organization.OwnOrganization", "GET"): (BIDDERS, BIDDERS),
    ("api_organization.OwnOrganization", "PATCH"): (BIDDERS, BIDDERS),
})
NO_SUCH = "00000000-0000-4000-8000-000000000000"   # an award, protest or contract not there

# Parts removed from the draft (not the lot the pages' row removes; the published RFR's parts
# cannot be removed at all: that is a 409).
API_DRAFT_PARTS = {"api_lots.LotItem", "api_sections.SectionItem", "api_criteria.CriterionItem"}
# ---- end of the API's collections -------------------------------------------------------------

# (endpoint, method) -> who gets through, before the opening (sealed) and after it (opened).
EXPECTED: dict[tuple[str, str], tuple[set[str], set[str]]] = {
    ("static", "GET"): (ANYONE, ANYONE),
    ("bootstrap.static", "GET"): (ANYONE, ANYONE),
    ("public.home", "GET"): (ANYONE, ANYONE),
    ("public.solicitation", "GET"): (ANYONE, ANYONE),
    ("public.document", "GET"): (ANYONE, ANYONE),
    ("public.cover_sheet", "GET"): (ANYONE, ANYONE),
    ("public.ask", "POST"): (BIDDERS, BIDDERS),
    ("public.comment", "POST"): (BIDDERS, BIDDERS),
    ("auth.login", "GET"): (ANYONE, ANYONE),
    ("auth.login", "POST"): (ANYONE, ANYONE),
    ("auth.register", "GET"): (ANYONE, ANYONE),
    ("auth.register", "POST"): (ANYONE, ANYONE),
    ("auth.logout", "POST"): (SIGNED_IN, SIGNED_IN),
    ("auth.organization", "GET"): (BIDDERS, BIDDERS),
    ("auth.organization", "POST"): (BIDDERS, BIDDERS),
    ("auth.change_diversity", "POST"): (BIDDERS, BIDDERS),
    ("auth.tokens", "GET"): (SIGNED_IN, SIGNED_IN),
    ("auth.tokens", "POST"): (SIGNED_IN, SIGNED_IN),
    **{(f"officer.{name}", method): (AGENCY, AGENCY) for name, method in [
        ("dashboard", "GET"), ("new", "GET"), ("new", "POST"), ("solicitation", "GET"),
        ("solicitation", "POST"), ("add_lot", "POST"), ("add_section", "POST"),
        ("add_criterion", "POST"), ("remove_part", "POST"), ("edit_part", "POST"),
        ("attach_document", "POST"),
        ("fire", "POST"), ("publish_addendum", "POST"), ("answer", "POST"),
        ("questions", "GET"), ("comments", "GET"), ("audit_trail", "GET"),
        ("lifecycle", "GET"), ("responses", "GET")]},
    ("officer.below_minimum", "POST"): (AGENCY, AGENCY),   # an empty form: 400, told in words
    ("officer.response", "GET"): (NOBODY, AGENCY),
    ("officer.document", "GET"): (NOBODY, AGENCY),
    ("officer.page_image", "GET"): (NOBODY, AGENCY),
    ("officer.judge", "POST"): (NOBODY, AGENCY),
    ("officer.document_file", "GET"): (NOBODY, AGENCY),
    ("bidder.dashboard", "GET"): (BIDDERS, BIDDERS),
    ("bidder.start", "POST"): (BIDDERS, BIDDERS),
    **{(f"bidder.{name}", method): (OWNERS, OWNERS) for name, method in [
        ("response", "GET"), ("upload", "POST"), ("remove", "POST"), ("fire", "POST"),
        ("receipt", "GET"), ("progress", "GET"), ("document", "GET"),
        ("document_file", "GET"), ("page_image", "GET"), ("rates", "POST"),
        ("correct", "POST")]},
    **{(f"admin.{name}", method): ({"admin"}, {"admin"}) for name, method in [
        ("home", "GET"), ("users", "GET"), ("deactivate", "POST"), ("organizations", "GET"),
        ("audit_check", "GET"), ("check_audit_chain", "POST"), ("rules", "GET"), ("save_rules", "POST"),
        ("change_role", "POST"), ("reactivate", "POST"), ("send_reset_link", "POST")]},
    ("evaluation.solicitation", "GET"): (AGENCY, AGENCY),
    ("evaluation.plan", "POST"): (AGENCY, AGENCY),
    ("evaluation.new_panel", "POST"): (AGENCY, AGENCY),
    **{(f"evaluation.{name}", method): (NOBODY, AGENCY) for name, method in [
        ("add_member", "POST"), ("remove_member", "POST"), ("correct_cost", "POST"),
        ("panel", "GET"), ("fire", "POST"),
        ("assign", "POST"), ("matrix", "GET"), ("consensus", "POST"), ("report", "GET"),
        ("report_pdf", "GET"), ("scores_export", "GET")]},
    # The rate card: the agency sets it (a refusal before the opening still answers the
    # officer: 409); proposed rates name a response, so only after the opening.
    ("evaluation.rates", "GET"): (AGENCY, AGENCY),
    ("evaluation.rates", "POST"): (AGENCY, AGENCY),
    ("evaluation.remove_rate", "POST"): (AGENCY, AGENCY),
    ("evaluation.return_sheet", "POST"): (NOBODY, CHAIR),
    ("evaluation.score_price", "POST"): (NOBODY, CHAIR),
    ("evaluation.mine", "GET"): (EVALUATORS, EVALUATORS),
    ("evaluation.declare", "GET"): (NOBODY, MEMBERS),
    ("evaluation.declare", "POST"): (NOBODY, MEMBERS),
    **{(f"evaluation.{name}", method): (NOBODY, {"panelist"}) for name, method in [
        ("scoresheet", "GET"), ("scoresheet", "POST"), ("draft", "POST"),
        ("confirm_submit", "GET"), ("confirm_submit", "POST")]},
    ("evaluation.page_image", "GET"): (NOBODY, {"panelist"} | AGENCY),
    ("api-docs.openapi_json", "GET"): (ANYONE, ANYONE),
    **{(f"api_evaluation.{name}", method): (EVALUATORS, EVALUATORS) for name, method in [
        ("PanelList", "GET"), ("ScoresheetList", "GET"),
        # the body is checked before the object: an empty one is refused (422) at the door
        ("Declarations", "POST"), ("Assignments", "POST"), ("ScoresheetItem", "PUT"),
        ("ScoresheetReturn", "POST"), ("Consensus", "POST")]},
    ("api_evaluation.PanelCreate", "POST"): (AGENCY, AGENCY),
    ("api_evaluation.PanelMembers", "POST"): (AGENCY, AGENCY),
    ("api_evaluation.PanelMemberRemoval", "POST"): (AGENCY, AGENCY),   # the body is read first
    ("api_evaluation.Cost", "POST"): (AGENCY, AGENCY),
    ("api_evaluation.Plan", "PUT"): (AGENCY, AGENCY),
    ("api_evaluation.RateCard", "GET"): (AGENCY, AGENCY),
    ("api_evaluation.RateCard", "PUT"): (AGENCY, AGENCY),
    # the admin chairs the sweep's panel: price stays sealed to it until the technical consensus
    ("api_evaluation.ProposedRates", "GET"): (NOBODY, {"officer"}),
    ("api_evaluation.Price", "POST"): (NOBODY, CHAIR),
    ("api_evaluation.PanelItem", "GET"): (NOBODY, EVALUATORS),
    ("api_evaluation.PanelEvent", "POST"): (NOBODY, AGENCY),
    ("api_evaluation.Ranking", "GET"): (NOBODY, AGENCY),
    ("api_evaluation.Declarations", "GET"): (NOBODY, MEMBERS),
    ("api_evaluation.ScoresheetItem", "GET"): (NOBODY, {"panelist"}),
    ("api_evaluation.ScoresheetSubmit", "POST"): (NOBODY, {"panelist"}),
    ("api_solicitations.SolicitationList", "GET"): (ANYONE, ANYONE),
    ("api_solicitations.SolicitationList", "POST"): (AGENCY, AGENCY),
    ("api_solicitations.SolicitationItem", "GET"): (ANYONE, ANYONE),
    ("api_solicitations.SolicitationEvent", "POST"): (AGENCY, AGENCY),
    ("api_solicitations.BelowMinimum", "POST"): (AGENCY, AGENCY),
    ("api_responses.ResponseList", "GET"): (BIDDERS, BIDDERS),
    ("api_responses.ResponseItem", "GET"): (OWNERS, OWNERS | AGENCY),
    ("api_responses.ResponseEvent", "POST"): (OWNERS, OWNERS | AGENCY),
    ("api_responses.ResponseRates", "GET"): (OWNERS, OWNERS),
    ("api_responses.ResponseRates", "PUT"): (OWNERS, OWNERS),
    **API_OPERATIONS,
}

# ---- awards and contracts in the browser (issue 13, procure/web/award.py) ---------------------
# The sweep's world has no award, protest or contract: the rows that name one are refused to
# everyone here (the agency finds nothing: 404); tests/integration/test_award_pages.py walks
# them with real ones, and who else is refused.
EXPECTED.update({
    ("award.solicitation", "GET"): (AGENCY, AGENCY),
    ("award.propose", "POST"): (AGENCY, AGENCY),          # an empty form: 400, told in words
    ("award.notify", "POST"): (AGENCY, AGENCY),           # nothing to announce: 409
    ("award.close_lot", "POST"): (AGENCY, AGENCY),        # an empty form: 400
    ("award.contracts", "GET"): (AGENCY, AGENCY),
    ("award.notices", "GET"): (BIDDERS, BIDDERS),
    ("award.my_contracts", "GET"): (BIDDERS, BIDDERS),
    ("award.notice", "GET"): (OWNERS, OWNERS),            # their own response's notices
    ("award.protest", "POST"): (OWNERS, OWNERS),
    ("award.public_awards", "GET"): (ANYONE, ANYONE),
    **{(f"award.{name}", method): (NOBODY, NOBODY) for name, method in [
        ("approve", "POST"), ("withdraw", "POST"), ("decide", "POST"),
        ("protest_document", "GET"), ("new_contract", "GET"), ("new_contract", "POST"),
        ("contract", "GET"), ("edit_contract", "POST"), ("contract_event", "POST"),
        ("amend", "POST"), ("add_document", "POST"), ("contract_document", "GET"),
        ("encumber", "POST"), ("draw_down", "POST"), ("decide_amendment", "POST")]},
})

# Values for the URL's variables: the world's objects (the sealed response where it applies).
EVENTS = {"officer.fire": "close", "evaluation.fire": "begin_declarations",
          "api_evaluation.PanelEvent": "begin_declarations", "officer.judge": "accept", "bidder.fire": "confirm",
          "api_solicitations.SolicitationEvent": "close",
          "api_responses.ResponseEvent": "confirm", "api_awards.AwardEvent": "approve",
          "api_contracts.ContractEvent": "sign"}


def url_for_rule(rule, world: World, role: str, method: str = "GET") -> str:
    ids = world.ids
    values = {"solicitation_id": ids["solicitation"], "lot_id": ids["lot"],
              "response_id": ids["response"], "document_id": ids["document"],
              "question_id": ids["question"], "replaces_id": ids["document"],
              "part": "lot", "part_id": ids["draft_lot"], "filename": "procure.css",
              "number": 1, "token_id": ids["token"], "token": world.confirm_token,
              "user_id": 1, "kind": "csv" if rule.endpoint == "evaluation.scores_export" else "RFR",
              "panel_id": ids.get("panel", 1), "sheet_id": ids.get("sheet", 1),
              "member_id": ids.get("member", 1),
              "event": EVENTS.get(rule.endpoint, "publish"), "award_id": NO_SUCH,
              "protest_id": NO_SUCH, "contract_id": NO_SUCH, "fiscal_year": 2027,
              "encumbrance_id": 1,      # the pages' draw-downs: no such encumbrance either
              "amendment_id": 1,        # nor amendment
              "decision": "approve"}
    if rule.endpoint == "api_responses.ResponseEvent" and role in AGENCY:
        values["event"] = "accept"   # the agency's own event on a response
    if rule.endpoint in ("public.document", "api_documents.DocumentFile"):
        values["document_id"] = ids["public_document"]
    if rule.endpoint in API_DRAFT_PARTS:
        values.update(solicitation_id=ids["draft"], lot_id=ids["draft_other_lot"],
                      section_id=ids["draft_section"], criterion_id=ids["draft_criterion"])
        if method == "PATCH":   # DELETE (sorted first) removed those: change others in place
            values.update(lot_id=ids["draft_lot"], section_id=ids["draft_kept_section"],
                          criterion_id=ids["draft_kept_criterion"])
    if rule.endpoint in ("officer.remove_part", "officer.edit_part"):
        values["solicitation_id"] = ids["draft"]
    if rule.endpoint == "bootstrap.static":
        values["filename"] = "css/bootstrap.min.css"
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(r"<(?:[a-z]+:)?" + name + ">", str(values[name]), path)
    return path


def client_for(app, role: str) -> Client:
    c = Client(app)
    if role != "anonymous":
        assert c.login(EMAILS[role], PASSWORD).status_code == 302
    return c


def sweep(app, state: int, roles=ROLES, blind: bool = False):
    """Every (endpoint, method) as every role, each role in a freshly built world (so what one
    role's requests change cannot hide another's answer): yields (key, role, url, response,
    world)."""
    for role in roles:
        wipe(app)
        world = build(app, opened=bool(state), blind=blind)
        moment = world.deadline + (timedelta(minutes=1) if state else -timedelta(days=2))
        with time_machine.travel(moment):
            yield from walk(app, world, role)


def walk(app, world, role: str):
    """The sweep's walk for one role in a built world: every endpoint and method."""
    c = client_for(app, role)
    c.get("/")  # a page with a CSRF token for this session
    _scheduler_ran(app)   # so /ready answers 200: the sweep asks who may read it
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            key = (rule.endpoint, method)
            url = url_for_rule(rule, world, role, method)
            if rule.endpoint.startswith("api_"):
                headers = ({"Authorization": f"Bearer {world.tokens[role]}"}
                           if role != "anonymous" else {})
                response = c.http.open(url, method=method, headers=headers,
                                       json={} if method == "POST" else None)
            elif method == "POST":
                response = c.post(url, {})
            else:
                response = c.get(url)
            yield key, role, url, response, world
            if key == ("auth.logout", "POST") and role != "anonymous":
                c = client_for(app, role)
                c.get("/")


def _scheduler_ran(app) -> None:
    from procure import clock
    from procure.extensions import db
    from procure.models import SchedulerRun
    with app.app_context():
        db.session.merge(SchedulerRun(name="run_due", started_at=clock.now(),
                                      finished_at=clock.now(), failed_jobs=""))
        db.session.commit()


def got_through(response) -> bool:
    if response.status_code in (401, 403, 404):
        return False
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return False
    return response.status_code < 500


@pytest.mark.parametrize("state", [0, 1], ids=["sealed", "opened"])
def test_access_matrix(app, state):
    keys = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert keys - set(EXPECTED) == set(), "endpoints without a row in the access matrix"
    wrong, cells = [], 0
    for key, role, url, response, _ in sweep(app, state):
        cells += 1
        assert response.status_code < 500, f"{role} {key} {url}: {response.status_code}"
        expected = role in EXPECTED[key][state]
        if got_through(response) != expected:
            wrong.append(f"{role:<17} {key[1]:<4} {url} -> {response.status_code} "
                         f"(expected {'allowed' if expected else 'refused'})")
    print(f"\naccess matrix ({['sealed', 'opened'][state]}): {len(keys)} endpoint-methods x "
          f"{len(ROLES)} roles = {cells} cells")
    assert wrong == [], "\n".join(wrong)


# The administrator's registers of users and organisations name every provider that registered.
REGISTERS = {"admin.users", "admin.organizations", "admin.invite"}   # the invite form: on Users


def test_nothing_of_a_sealed_response_leaks_before_the_opening(app):
    leaks, probes, seen_by_owners = [], 0, set()
    for key, role, url, response, world in sweep(app, 0):
        body = response.get_data().decode("latin-1") + str(response.headers)
        if role in OWNERS:   # the probes can see: Alpha's own people do find their response
            seen_by_owners.update(label for label, needle in
                                  [("file name", SECRET_FILENAME), ("sha256", world.sha256)]
                                  if needle in body)
            continue
        for needle in world.needles:
            if needle == ORG_A and key[0] in REGISTERS:
                continue   # the register of organisations says who registered, not who responded
            probes += 1
            if needle in body:
                leaks.append(f"{role} {key[1]} {url}: contains {needle!r}")
    print(f"\nleak probes: {probes} (requests x needles), leaks: {len(leaks)}")
    assert leaks == []
    assert seen_by_owners == {"file name", "sha256"}



# --- Accounts and tokens (security, issue 7): the rows of the account pages, and the same sweep
# with a revoked token, an expired token, a read-only token and a deactivated user. ------------

EXPECTED.update({
    # Operations (issue 21): the probes are public; the metrics answer loopback (the test
    # client's address) or the metrics token, whoever is signed in.
    ("ops.health", "GET"): (ANYONE, ANYONE),
    ("ops.ready", "GET"): (ANYONE, ANYONE),
    ("ops.metrics", "GET"): (ANYONE, ANYONE),
    ("auth.account", "GET"): (SIGNED_IN, SIGNED_IN),
    ("auth.password", "GET"): (SIGNED_IN, SIGNED_IN),
    ("auth.password", "POST"): (SIGNED_IN, SIGNED_IN),
    ("auth.sign_out_everywhere", "POST"): (SIGNED_IN, SIGNED_IN),
    ("auth.verify_email", "GET"): (ANYONE, ANYONE),
    ("auth.forgot_password", "GET"): (ANYONE, ANYONE),
    ("auth.forgot_password", "POST"): (ANYONE, ANYONE),
    # The sweep's token is an email-confirmation link, not a reset link: it opens nothing.
    ("auth.reset_password", "GET"): (NOBODY, NOBODY),
    ("auth.reset_password", "POST"): (NOBODY, NOBODY),
    ("auth.revoke_token", "POST"): ({"bidder"}, {"bidder"}),   # the bidder's own token only
    ("api_tokens.CurrentToken", "DELETE"): (SIGNED_IN, SIGNED_IN),
    # Staff invitations (issue 18): the administrator invites (an empty form: 400, told in
    # words; an empty body: 422); the sweep's token is no invitation link: it opens nothing.
    ("admin.invite", "POST"): ({"admin"}, {"admin"}),
    ("api_invitations.Invitations", "POST"): ({"admin"}, {"admin"}),
    ("auth.accept_invitation", "GET"): (NOBODY, NOBODY),
    ("auth.accept_invitation", "POST"): (NOBODY, NOBODY),
})


def _api_call(c: Client, rule, method: str, url: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return c.http.open(url, method=method, headers=headers,
                       json={} if method in ("POST", "PUT", "PATCH") else None)


def _rules(app, api: bool):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if rule.endpoint.startswith("api_") == api:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_tokens_revoked_expired_or_read_only_and_deactivated_users(app):
    """For every signed-in role: a revoked token and an expired one are refused everywhere (401,
    never served as the public: issue 18); a read-only token reads what the role reads and
    writes nothing; once the user is deactivated, their cookie gets what anonymous gets and
    their token is refused everywhere."""
    from procure import accounts, clock
    from procure.extensions import db
    from procure.models import Role
    from tests.support.factories import user as person
    wrong, cells = [], 0
    for role in ROLES[1:]:
        wipe(app)
        world = build(app)
        with app.app_context():
            who = person(db.session, role)
            revoked = accounts.issue_token(db.session, who, "revoked")
            accounts.revoke_token(db.session, who, accounts.token_row(db.session, revoked).id)
            expired = accounts.issue_token(db.session, who, "expired", days=1)
            read_only = accounts.issue_token(db.session, who, "reader", read_only=True)
            db.session.commit()
        moment = world.deadline - timedelta(days=2)
        c = client_for(app, role)
        for rule, method in _rules(app, api=True):
            key, url = (rule.endpoint, method), url_for_rule(rule, world, role)
            allowed = role in EXPECTED[key][0]
            with time_machine.travel(moment):
                checks = [("revoked", _api_call(c, rule, method, url, revoked), False),
                          ("read-only", _api_call(c, rule, method, url, read_only),
                           allowed and method == "GET")]
            with time_machine.travel(clock.now() + timedelta(days=2)):
                checks.append(("expired", _api_call(c, rule, method, url, expired), False))
            for label, response, expected in checks:
                cells += 1
                if label != "read-only" and (response.status_code != 401
                                             or "WWW-Authenticate" not in response.headers):
                    wrong.append(f"{role} {label} token {method} {url} -> "
                                 f"{response.status_code}, not 401 with WWW-Authenticate")
                if got_through(response) != expected:
                    wrong.append(f"{role} {label} token {method} {url} -> "
                                 f"{response.status_code}")
        with app.app_context():
            if role == "admin":   # the last administrator cannot be deactivated: add another
                accounts.create_user(db.session, email="standby@agency.example.org",
                                     name="Standby", password=PASSWORD, role=Role.admin,
                                     actor="test")
            accounts.deactivate(db.session, person(db.session, role), "test")
            db.session.commit()
        with time_machine.travel(moment):
            _scheduler_ran(app)   # so /ready answers 200: the sweep asks who may read it
            for api in (False, True):
                for rule, method in _rules(app, api):
                    key, url = (rule.endpoint, method), url_for_rule(rule, world, role)
                    if api:
                        response = _api_call(c, rule, method, url, world.tokens[role])
                    elif method == "POST":
                        response = c.post(url, {})
                    else:
                        response = c.get(url)
                    cells += 1
                    if got_through(response) != (not api and "anonymous" in EXPECTED[key][0]):
                        wrong.append(f"{role} deactivated {method} {url} -> "
                                     f"{response.status_code}")
    print(f"\ntoken and deactivation sweep: {cells} cells")
    assert wrong == [], "\n".join(wrong)


def test_a_blind_evaluation_names_no_bidder_to_a_panelist(app):
    """On a blind RFR the panelist scores the response and the administrator chairs its panel:
    by every route (pages, the officer's pages too, the API) neither meets the bidder's name or
    its file's name."""
    leaks, probes, scored = [], 0, False
    for key, role, url, response, _ in sweep(app, 1, roles=["panelist", "admin"], blind=True):
        if role == "admin" and url.startswith("/admin/"):
            continue    # the registers of every organisation and user: not who bid on what
        if key[0] in ROSTER_ROUTES:
            continue    # the bidders' names, alphabetical and tied to no code (test below)
        body = response.get_data().decode("latin-1") + str(response.headers)
        scored = scored or (key == ("evaluation.scoresheet", "GET") and "Bidder 1-A" in body)
        for needle in (ORG_A, SECRET_FILENAME):
            probes += 1
            if needle in body:
                leaks.append(f"{role} {key[1]} {url}: contains {needle!r}")
    print(f"\nblind probes: {probes}, leaks: {len(leaks)}")
    assert scored, "the panelist saw the response by its code"
    assert leaks == []


# The award and contract operations on one object, refused to everyone in the matrix above
# (the sweep's world has none): the gate still tells the roles apart. Those without the action
# are refused at the door (403) before anything is looked for; those with it are told there is
# no such award or contract (404).
OBJECT_GATES = {
    ("api_awards.AwardItem", "GET"): AGENCY, ("api_awards.AwardEvent", "POST"): AGENCY,
    ("api_awards.AwardProtests", "GET"): AGENCY,
    **{(f"api_contracts.{name}", method): AGENCY for name, method in [
        ("ContractItem", "GET"), ("ContractEvent", "POST"), ("Amendments", "GET"),
        ("ContractDocuments", "GET"), ("Encumbrances", "GET"), ("EncumbranceItem", "GET"),
        ("DrawDowns", "GET"), ("AmendmentApproval", "POST"), ("AmendmentRefusal", "POST")]},
    ("api_contracts.MyContract", "GET"): BIDDERS,
}


def test_award_and_contract_objects_are_gated_before_they_are_looked_for(app):
    world = build(app)
    wrong = []
    rules = {(r.endpoint, m): r for r in app.url_map.iter_rules() for m in r.methods}
    assert set(OBJECT_GATES) <= set(rules)
    c = Client(app)
    for role in ROLES:
        for key, allowed in OBJECT_GATES.items():
            url = url_for_rule(rules[key], world, role, key[1])
            answer = _api_call(c, rules[key], key[1], url,
                               world.tokens[role] if role != "anonymous" else None)
            expected = 404 if role in allowed else 403
            if answer.status_code != expected:
                wrong.append(f"{role} {key[1]} {url} -> {answer.status_code} (not {expected})")
    assert wrong == [], "\n".join(wrong)


# --- Disclosure (issue 17): the one table (procure.disclosure), walked. Needles of each kind are
# planted in the response, its file, the question a bidder asked and a member's scoresheet; every
# route x role is walked in two phases (before the opening; technical scoring on a blind RFR,
# the panelist's scoresheet in, the chair's not). No needle may appear where the table forbids
# it, and each appears (by some route) where the table allows it and a route exists. ----------

# Conflict declarations: the bidders' names as one alphabetical list, tied to no code
# (disclosure.Kind.roster); the name is checked against that row of the table there.
ROSTER_ROUTES = {"evaluation.declare", "api_evaluation.Declarations"}

# Where a role has a route to the kind at all (the table may allow what no page shows: a panelist
# has no page of the RFR's questions).
ROUTED = {"alpha": {"bidder", "bidder_colleague", "officer", "admin"},
          "asker": {"officer", "admin"}, "scores": {"panelist"}, "roster": set()}
# The two faces of the award must agree for every role: (page, API) pairs.
TWIN_FACES = [(("award.solicitation", "GET"), ("api_awards.Awards", "GET")),
              (("award.solicitation", "GET"), ("api_awards.Coverage", "GET"))]


def _needles(world) -> dict[str, tuple[str, list[str]]]:
    from tests.support.factories import ORG_B
    from tests.support.world import SCORE_NEEDLE
    return {"alpha": ("identity", [ORG_A, SECRET_FILENAME, EMAILS["bidder"], "04-1111111",
                                   world.sha256]),
            "asker": ("identity", [ORG_B, EMAILS["other_bidder"]]),
            "scores": ("scores", [SCORE_NEEDLE])}


def _allowed_by_table(app, world, role: str, group: str, kind: str) -> bool:
    """What procure.disclosure says for this role (the asker's identity: as for questions, the
    agency reads who asked unless it evaluates blind now)."""
    from procure import disclosure
    from procure.extensions import db
    from procure.models import Response, Solicitation
    from tests.support.factories import user as person
    with app.app_context():
        who = None if role == "anonymous" else person(db.session, role)
        solicitation = db.session.get(Solicitation, world.ids["solicitation"])
        if group == "asker":
            return role in AGENCY and not disclosure.blind_now(who, solicitation)
        if group == "roster":
            return disclosure.may_see(who, kind, solicitation)
        response = db.session.scalar(db.select(Response).where(
            Response.public_id == world.ids["response"]))
        if group == "scores" and role == "panelist":
            return True     # their own scoresheet
        return disclosure.may_see(who, kind, response)


def _extra_requests(app, world, role: str):
    """Requests the sweep's empty bodies do not make: the chair returns the member's submitted
    scoresheet (the API's answer must not carry the member's scores)."""
    if "sheet" not in world.ids or role == "anonymous":
        return []
    from procure import accounts
    from procure.extensions import db
    from tests.support.factories import user as person
    with app.app_context():     # the walk revoked the sweep's token (DELETE tokens/current)
        token = accounts.issue_token(db.session, person(db.session, role), "extra")
        db.session.commit()
    answer = app.test_client().post(f"/api/v1/evaluation/scoresheets/{world.ids['sheet']}/return",
                                    headers={"Authorization": f"Bearer {token}"},
                                    json={"reason": "Please look again at the outcomes."})
    return [(("api_evaluation.ScoresheetReturn", "POST+reason"), answer)]


@pytest.mark.parametrize("phase", ["before_opening", "technical_scoring_blind"])
def test_disclosure_sweep_every_route_role_and_phase_asks_the_table(app, phase):
    state, blind = (0, False) if phase == "before_opening" else (1, True)
    leaks, missing, faces, probes = [], set(), {}, 0
    shown: dict[tuple[str, str], bool] = {}
    expected: dict[tuple[str, str], bool] = {}
    for role in ROLES:
        wipe(app)
        world = build(app, opened=bool(state), blind=blind, scored=bool(state))
        for group, (kind, _) in _needles(world).items():
            expected[(role, group)] = _allowed_by_table(app, world, role, group, kind)
        expected[(role, "roster")] = _allowed_by_table(app, world, role, "roster", "roster")
        moment = world.deadline + (timedelta(minutes=1) if state else -timedelta(days=2))
        with time_machine.travel(moment):
            walked = [(key, url, response) for key, r, url, response, _ in
                      walk(app, world, role)]
            walked += [(key, "(extra)", response)
                       for key, response in _extra_requests(app, world, role)]
        for key, url, response in walked:
            faces[(role, key)] = got_through(response)
            if role == "admin" and url.startswith("/admin/"):
                continue    # the registers of every organisation and user: not who bid on what
            body = response.get_data().decode("latin-1") + str(response.headers)
            for group, (_, needles) in _needles(world).items():
                if group == "asker" and role == "other_bidder":
                    continue    # their own organisation, on their own pages
                for needle in needles:
                    probes += 1
                    if needle in body:
                        cell = ("roster" if key[0] in ROSTER_ROUTES and needle == ORG_A
                                else group)
                        shown[(role, cell)] = True
                        if not expected[(role, cell)]:
                            leaks.append(f"{phase} {role} {key[1]} {url}: {group} {needle!r}")
    for (role, group), allowed in expected.items():
        if allowed and role in ROUTED[group] and not shown.get((role, group)) \
                and not (group == "scores" and not state):
            missing.add(f"{phase} {role}: no route shows the {group} the table allows")
    disagree = [f"{role}: {page} {faces.get((role, page))} but {api} {faces.get((role, api))}"
                for role in ROLES for page, api in TWIN_FACES
                if faces.get((role, page)) != faces.get((role, api))]
    print(f"\ndisclosure probes ({phase}): {probes}, leaks: {len(leaks)}")
    assert leaks == [], "\n".join(leaks)
    assert missing == set(), "\n".join(sorted(missing))
    assert disagree == [], "\n".join(disagree)
