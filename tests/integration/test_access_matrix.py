"""Every endpoint x every role x the states that matter, from Flask's URL map: each cell says
allowed or refused, and a new endpoint without a row fails here. The same sweep searches every
answer for any trace of a sealed response before the opening."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine

from tests.conftest import Client, wipe
from tests.support.factories import EMAILS, ORG_A, ORG_B, PASSWORD
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

# The ladder's tracks (below): each a world moved through its phases.
LADDER_TRACKS = ["sealed", "cancelled_while_published", "evaluated", "evaluated_blind"]

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


@pytest.mark.parametrize("phase", ["before_opening", "technical_scoring_blind",
                                   *LADDER_TRACKS])
def test_disclosure_sweep_every_route_role_and_phase_asks_the_table(app, phase):
    """Two phases with every form sent as well (before the opening; blind technical scoring,
    the member's scoresheet in); then every phase of four tracks, read (`_ladder` below)."""
    if phase in LADDER_TRACKS:
        _ladder(app, phase)
        return
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


# --- The disclosure ladder (issue 17): every phase, one world per track, moved on step by step
# through the use cases. At each step every page and API answer a person can read (each GET of
# the URL map, the page pictures of the cover and of the budget, the scores as CSV and XLSX,
# the lists searched) is read by every role, and the mail sent since the last step is read as
# its recipients: each needle shows exactly where the table allows it. (The forms, whose
# empty-bodied answers change the world, are walked above in their two phases.) --------------

LADDER_ROLES = ["anonymous", "bidder", "other_bidder", "officer", "chair", "panelist",
                "conflicted", "admin"]
CONFLICTED = "pat@families.example.org"     # a parent representative, conflicted with Alpha
GAMMA = "Gamma Youth Partners"
GAMMA_EMAIL = "di@gamma-youth.example.org"
LADDER_FILE = "alpha-ladder-proposal.pdf"
PRICE = ("91,357.24", "91357.24")                        # Alpha's total price, as it reads
CORRECTION = ("88,642.17", "88642.17", "KUDU-COST-REASON")   # the officer's correction
RATE = "212.57"                       # Alpha's proposed rate (x 100 projected units)
RATES = (RATE, "21,257.00", "21257.00")
LADDER_SCORE = "OKAPI-SCORE-5150"             # the panelist's comment on Alpha's response
BUDGET_PAGE = 4


def _ladder_needles(world) -> dict[str, tuple[str, list[str]]]:
    return {"identity": ("identity", [ORG_A, "04-1111111", EMAILS["bidder"], LADDER_FILE,
                                      world.sha256]),
            "price": ("price", [*PRICE, *CORRECTION, *RATES]),
            "scores": ("scores", [LADDER_SCORE]),
            "asker": ("identity", [ORG_B, EMAILS["other_bidder"]]),
            "content": ("identity", [SECRET_MARKER_LADDER])}


SECRET_MARKER_LADDER = "ZEBRA-QUOKKA-7731"


def _ladder_email(role: str) -> str | None:
    return {"anonymous": None, "chair": EMAILS["officer2"], "conflicted": CONFLICTED}.get(
        role, EMAILS.get(role))


class Ladder:
    """An RFR with Alpha's and Gamma's responses to lot 1 (Beta asked a question), moved on
    through the lifecycle one step at a time by `step(name)`."""

    SEALED = ("published", "closed", "cancelled_after_close")
    CANCELLED = ("cancelled_while_published",)
    EVALUATED = ("opened_no_panel", "technical_scoring", "consensus", "price_opened",
                 "finalized", "award_proposed", "award_approved", "standstill", "final")

    def __init__(self, app, blind: bool = False):
        import hashlib
        import io
        from decimal import Decimal

        from procure import accounts
        from procure.extensions import db
        from procure.intake import jobs
        from procure.models import DocumentKind, Role
        from procure.storage import store_from_config
        from procure.workflows import response as response_flow
        from procure.workflows import solicitation as flow
        from procure.workflows.base import Uploads
        from tests.support.evaluation import third_bidder
        from tests.support.factories import draft_rfr, make_people
        from tests.support.pdfs import pdf_with_sections
        self.app, self.blind, self.world = app, blind, World()
        with app.app_context():
            session = db.session
            people = make_people(session)
            people["chair"] = people["officer2"]
            people["conflicted"] = accounts.create_user(
                session, email=CONFLICTED, name="Pat Parent", password=PASSWORD,
                role=Role.panelist, actor="test")
            officer = people["officer"]
            rfr = draft_rfr(session, officer, days_open=31)
            uploads = Uploads(store=store_from_config(app.config), max_bytes=10**8,
                              max_files=20)
            public_doc = flow.upload_document(
                session, rfr, officer, stream=io.BytesIO(pdf_with_sections(["The RFR"])),
                filename="rfr.pdf", title="The RFR", uploads=uploads)
            from procure.models import RateUnit
            from procure.workflows import evaluation as ev
            line = ev.add_rate_line(session, rfr, officer, service="Residential care",
                                    unit=RateUnit.per_diem, projected_units=100)
            flow.publish(session, rfr, officer)
            draft = draft_rfr(session, officer, title="Draft for later")
            question = flow.ask_question(session, rfr, people["other_bidder"],
                                         "Can one provider take two lots?")
            documents = {}
            for key, who, org, fein, price, filename in [
                    ("alpha", people["bidder"], ORG_A, "04-1111111", PRICE[0], LADDER_FILE),
                    ("gamma", third_bidder(session), GAMMA, "04-3333333", "95,000.00",
                     "gamma-proposal.pdf")]:
                response = response_flow.start(session, who, rfr.lots[0])
                content = pdf_with_sections(
                    ["Organization Name: " + org, f"FEIN: {fein}", "Lot: 1",
                     f"Total Price: ${price}"],
                    ["1. Organizational Capacity", "Lead-agency functions since 1998."],
                    ["2. Program Design", ("Our approach "
                     f"{SECRET_MARKER_LADDER if key == 'alpha' else 'works'} keeps families.")],
                    ["3. Budget", f"Lead agency staff    ${price}", f"Total    ${price}"])
                document = response_flow.upload_document(
                    session, response, who, stream=io.BytesIO(content), filename=filename,
                    kind=DocumentKind.narrative, uploads=uploads)
                session.commit()
                jobs.run(document.id)
                session.refresh(response)
                ev.set_proposed_rates(session, response, who, {
                    line.id: Decimal(RATE if key == "alpha" else "230")})
                response_flow.fire(session, response, "submit", who)
                documents[key] = (response, document, content)
            alpha, document, content = documents["alpha"]
            self.world.sha256 = hashlib.sha256(content).hexdigest()
            self.world.deadline = rfr.deadline
            for role in LADDER_ROLES[1:]:
                self.world.tokens[role] = accounts.issue_token(session, people[role], "ladder")
            self.world.ids = {
                "solicitation": rfr.id, "draft": draft.id, "lot": rfr.lots[0].id,
                "draft_lot": draft.lots[0].id, "draft_other_lot": draft.lots[1].id,
                "draft_section": draft.sections[0].id, "draft_criterion": draft.criteria[0].id,
                "draft_kept_section": draft.sections[1].id,
                "draft_kept_criterion": draft.criteria[1].id, "public_document": public_doc.id,
                "response": alpha.public_id, "document": document.public_id,
                "question": question.id, "token": 1}
            self.world.confirm_for = (app.config["SECRET_KEY"],
                                      SimpleNamespace(id=0, email="nobody@example.org"))
            self.alpha_id, self.award = alpha.id, None
            self.moment = rfr.deadline - timedelta(days=2)
            session.commit()

    def step(self, name: str) -> None:
        """Move the world on to the named step (each after the one before it)."""
        from decimal import Decimal

        from procure.extensions import db
        from procure.models import Response, Solicitation
        from procure.workflows import award as award_flow
        from procure.workflows import evaluation as ev
        from procure.workflows import response as response_flow
        from procure.workflows import solicitation as flow
        from tests.support.factories import user as person
        with self.app.app_context(), time_machine.travel(self.moment):
            session = db.session
            rfr = session.get(Solicitation, self.world.ids["solicitation"])
            alpha = session.get(Response, self.alpha_id)
            officer, chair = person(session, "officer"), person(session, "officer2")
            panelist = person(session, "panelist")
            conflicted = session.scalar(db.select(type(officer)).where(
                type(officer).email == CONFLICTED))
            panel = ev.panels_of(session, rfr)[0] if name not in (
                "published", "closed", "cancelled_after_close", "cancelled_while_published",
                "opened_no_panel", "technical_scoring") else None
            if name == "published":
                pass
            elif name == "closed":
                self.moment = rfr.deadline + timedelta(seconds=31)
                with time_machine.travel(self.moment):
                    response_flow.close_due(session)
            elif name.startswith("cancelled"):
                flow.cancel(session, rfr, officer, "other", "The service is redesigned.")
            elif name == "opened_no_panel":
                self.moment = rfr.deadline + timedelta(seconds=31)
                with time_machine.travel(self.moment):
                    response_flow.close_due(session)
                    response_flow.open_responses(session, rfr, officer)
                    for response in session.scalars(db.select(Response).where(
                            Response.solicitation_id == rfr.id)):
                        response_flow.fire(session, response, "accept", officer)
                    ev.set_plan(session, rfr, officer, blind=self.blind, half_points=False)
                self.moment += timedelta(minutes=1)
            elif name == "technical_scoring":
                from tests.support.evaluation import formed_panel
                panel = formed_panel(session, SimpleNamespace(
                    rfr=rfr, officer=officer, chair=chair, evaluator=panelist,
                    family=conflicted))
                member = next(m for m in panel.members if m.user_id == panelist.id)
                ev.fire(session, panel, "begin_declarations", officer)
                for who in (chair, panelist, conflicted):
                    for org in ev.bidders_of(panel):
                        mine = who is conflicted and org.legal_name == ORG_A
                        ev.declare(session, panel, who, organization_id=org.id,
                                   has_conflict=mine,
                                   nature="I sat on its board." if mine else "")
                ev.fire(session, panel, "begin_scoring", chair)
                sheet = next(s for s in ev.live_scoresheets(panel)
                             if s.member_id == member.id and s.response_id == alpha.id)
                ev.save_scores(session, sheet, panelist, {
                    c.id: (Decimal(7), f"{LADDER_SCORE} a clear plan.")
                    for c in ev.technical_criteria(panel)})
                ev.submit(session, sheet, panelist)
                ev.correct_cost(session, alpha, officer, amount=Decimal("88642.17"),
                                reason=f"Budget total misread {CORRECTION[2]}.")
                self.world.ids.update(panel=panel.public_id, sheet=sheet.public_id,
                                      member=member.id)
            elif name == "consensus":
                for sheet in ev.live_scoresheets(panel):
                    if sheet.status.name != "submitted":
                        ev.save_scores(session, sheet, sheet.member.user, {
                            c.id: (Decimal(6), "Sound.") for c in ev.technical_criteria(panel)})
                        ev.submit(session, sheet, sheet.member.user)
                ev.fire(session, panel, "begin_consensus", chair)
            elif name == "price_opened":
                for response in ev.responses_of(panel):
                    for criterion in ev.technical_criteria(panel):
                        ev.record_consensus(session, panel, chair, response=response,
                                            criterion=criterion,
                                            points=Decimal(9 if response.id == alpha.id else 5),
                                            rationale="Agreed.")
            elif name == "finalized":
                ev.score_price(session, panel, chair)
                ev.fire(session, panel, "finalize", chair)
            elif name == "award_proposed":
                # at an amount of its own: the award's value is public once final, the
                # bidder's price and evaluated cost never are
                self.award = award_flow.propose(session, rfr.lots[0], officer, response=alpha,
                                                amount=Decimal(85000),
                                                justification="Ranked first.")
                self.world.ids["award"] = self.award.public_id
            elif name == "award_approved":
                award_flow.approve(session, session.merge(self.award), chair)
            elif name == "standstill":
                award_flow.notify_lot(session, rfr.lots[0], officer)
            elif name == "final":
                award = session.merge(self.award)
                self.moment = award.standstill_ends_at + timedelta(minutes=1)
                award_flow.finalize_due(session, self.moment)
            else:
                raise AssertionError(name)
            session.commit()

    def expected(self, role: str, group: str, kind: str, session) -> bool:
        """What procure.disclosure says for this role about Alpha (the asker, Beta: the agency
        reads who asked unless it evaluates blind now)."""
        from procure import disclosure
        from procure.models import Response, Solicitation, User
        email = _ladder_email(role)
        who = None if email is None else session.scalar(
            db_select(User).where(User.email == email))
        solicitation = session.get(Solicitation, self.world.ids["solicitation"])
        alpha = session.get(Response, self.alpha_id)
        if group == "asker":
            return role in ("officer", "admin", "chair") and not disclosure.blind_now(
                who, solicitation)
        if group == "roster":
            return disclosure.may_see(who, kind, solicitation)
        if group == "scores" and role == "panelist":
            return self.world.ids.get("sheet") is not None      # their own scoresheet
        if group == "content":      # the response itself: its bidder; after the opening the
            return role == "bidder" or (     # agency, and the members it is assigned to
                disclosure.phase_of(alpha) > disclosure.Phase.before_opening
                and role in ("officer", "admin", "chair", "panelist"))
        return disclosure.may_see(who, kind, alpha)


def db_select(*args):
    from procure.extensions import db
    return db.select(*args)


def _readable_text(response) -> str:
    """What a person reads in an answer: the text, the headers, and the text inside a PDF or
    an XLSX it carries."""
    import io
    import zipfile
    data = response.get_data()
    kind = response.headers.get("Content-Type", "")
    text = data.decode("latin-1") + str(response.headers)
    if response.status_code == 200 and kind.startswith("application/pdf"):
        from pypdf import PdfReader
        text += "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    elif response.status_code == 200 and "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            text += "\n".join(book.read(name).decode("utf-8", "replace")
                              for name in book.namelist() if name.endswith(".xml"))
    return text


PICTURES = {"officer.page_image", "evaluation.page_image", "bidder.page_image"}
SEARCHED = {"public.home", "api_solicitations.SolicitationList", "evaluation.mine",
            "bidder.dashboard", "officer.dashboard", "award.notices", "award.contracts",
            "award.my_contracts", "api_responses.ResponseList", "api_evaluation.PanelList",
            "api_evaluation.ScoresheetList", "api_contracts.Contracts"}
SKIPPED = ("static", "bootstrap.", "ops.", "auth.", "admin.", "api-docs.", "api_tokens.")


def _ladder_walk(app, ladder: Ladder, role: str):
    """Every readable answer for one role now: (key, url, readable text)."""
    world = ladder.world
    c = client_for_email(app, _ladder_email(role))
    token = world.tokens.get(role)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if "GET" not in rule.methods or rule.endpoint.startswith(SKIPPED):
            continue
        url = url_for_rule(rule, world, role)
        if "award" in world.ids:
            url = url.replace(NO_SUCH, str(world.ids["award"]))
        urls = [url]
        if rule.endpoint in PICTURES:
            urls = [url.replace("/pages/1.png", f"/pages/{n}.png") for n in (1, BUDGET_PAGE)]
        elif rule.endpoint == "evaluation.scores_export":
            urls = [url, url.replace(".csv", ".xlsx")]
        elif rule.endpoint in SEARCHED:
            urls = [url, url + "?q=Alpha"]
        for one in urls:
            answer = c.http.get(one, headers=headers) if rule.endpoint.startswith("api_") \
                else c.get(one)
            assert answer.status_code < 500, f"{role} GET {one}: {answer.status_code}"
            text = _readable_text(answer)
            if rule.endpoint in PICTURES and answer.status_code == 200:
                # a page picture shows what is printed on it: the cover names the bidder
                # and its price, the budget page the price
                text += (f" {ORG_A} {PRICE[0]}" if one.endswith("/pages/1.png")
                         else f" {PRICE[0]}")
            yield (rule.endpoint, "GET"), one, text


def client_for_email(app, email: str | None) -> Client:
    c = Client(app)
    if email is not None:
        assert c.login(email, PASSWORD).status_code == 302
    c.get("/")
    return c


def _mail_since(app, last: int) -> tuple[int, list[tuple[str, str]]]:
    from procure.extensions import db
    from procure.models import OutgoingMail
    with app.app_context():
        rows = db.session.scalars(db.select(OutgoingMail).where(OutgoingMail.id > last)
                                  .order_by(OutgoingMail.id)).all()
        return (rows[-1].id if rows else last,
                [(r.to, f"{r.subject}\n{r.body}") for r in rows])


def _ladder(app, track: str):
    from procure import disclosure
    from procure.extensions import db
    from procure.models import Response
    ladder = Ladder(app, blind=(track == "evaluated_blind"))
    steps = {"sealed": Ladder.SEALED, "cancelled_while_published": ("published",
                                                                    *Ladder.CANCELLED),
             "evaluated": Ladder.EVALUATED, "evaluated_blind": Ladder.EVALUATED}[track]
    leaks, missing, probes, last_mail = [], [], 0, 0
    roles_by_email = {_ladder_email(r): r for r in LADDER_ROLES}
    roles_by_email[GAMMA_EMAIL] = "other_bidder"     # Gamma bid too: told of the outcome
    mails, found = 0, set()
    for step in steps:
        ladder.step(step)
        needles = _ladder_needles(ladder.world)
        with app.app_context():
            expected = {(role, group): ladder.expected(role, group, kind, db.session)
                        for role in LADDER_ROLES for group, (kind, _) in
                        [*needles.items(), ("roster", ("roster", []))]}
        shown: set[tuple[str, str]] = set()
        with time_machine.travel(ladder.moment):
            _scheduler_ran(app)
            last_mail, mail = _mail_since(app, last_mail)
            answers = [(role, key, url, text) for role in LADDER_ROLES
                       for key, url, text in _ladder_walk(app, ladder, role)]
        answers += [(roles_by_email[to], ("mail", to), f"(mail to {to})", text)
                    for to, text in mail if to in roles_by_email]
        mails += sum(to in roles_by_email for to, _ in mail)
        for role, key, url, text in answers:
            for group, (_, words) in needles.items():
                if group == "asker" and role == "other_bidder":
                    continue    # their own organisation, on their own pages
                for needle in words:
                    probes += 1
                    if needle not in text:
                        continue
                    found.add(needle)
                    cell = ("roster" if key[0] in ROSTER_ROUTES and needle == ORG_A
                            else group)
                    shown.add((role, cell))
                    if not expected[(role, cell)]:
                        leaks.append(f"{track}/{step} {role} {key[1]} {url}: {group} "
                                     f"{needle!r}")
        with app.app_context():
            phase = disclosure.phase_of(db.session.get(Response, ladder.alpha_id))
        for (role, group), since in LADDER_ROUTED.items():
            if expected[(role, group)] and (role, group) not in shown \
                    and phase >= disclosure.Phase[since]:
                missing.append(f"{track}/{step} {role}: no route shows the {group} "
                               "the table allows")
    print(f"\ndisclosure ladder ({track}): {len(steps)} steps, {probes} probes, "
          f"{mails} messages read, {len(leaks)} leaks")
    assert mails > 0, "no mail was read"
    if track.startswith("evaluated"):   # every needle is met by someone: none is planted dead
        dead = {n for _, words in needles.values() for n in words} - found
        assert dead == set(), f"needles no route shows: {dead}"
    assert leaks == [], "\n".join(leaks)
    assert missing == [], "\n".join(missing)


# (role, group) -> from which phase some route shows what the table allows whenever it allows
# it. (A member's comment is shown to the chair and the officers in the report, from the
# finalization; during consensus the matrix shows points, which no needle can single out.)
LADDER_ROUTED = {**{(role, group): "before_opening" for role, group in [
    ("bidder", "identity"), ("officer", "identity"), ("admin", "identity"),
    ("chair", "identity"), ("panelist", "identity"), ("anonymous", "identity"),
    ("officer", "price"), ("chair", "price"), ("panelist", "price"), ("panelist", "scores"),
    ("officer", "asker"), ("panelist", "roster"), ("conflicted", "roster")]},
    ("officer", "scores"): "finalized", ("chair", "scores"): "finalized"}


