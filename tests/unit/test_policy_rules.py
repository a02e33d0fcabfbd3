"""The policy's table, action by action and person by person, written out here independently of
procure/policy.py: who may do what, deny by default, and the object checks (own organisation).
The access matrix (tests/integration) checks the same through every endpoint; this is the fast
table mutation testing runs."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from procure import policy
from procure.models import Role, User

ORG_A, ORG_B = 1, 2


def person(role: Role, organization_id: int | None = None, active: bool = True) -> User:
    return User(id=hash((role, organization_id)) % 1000, email=f"{role.name}@example.org",
                name=role.name, role=role, organization_id=organization_id, active=active,
                password_hash="x")


class Owned:
    """Something that belongs to an organisation (a response, an organisation's record)."""

    def __init__(self, organization_id: int | None) -> None:
        self.organization_id = organization_id


PEOPLE = {
    "anonymous": AnonymousUserMixin(),
    "nobody": None,
    "admin": person(Role.admin),
    "officer": person(Role.officer),
    "panelist": person(Role.panelist),
    "bidder": person(Role.bidder, ORG_A),
    "bidder_without_organization": person(Role.bidder, None),
}
EVERYONE = set(PEOPLE)
SIGNED_IN = {"admin", "officer", "panelist", "bidder", "bidder_without_organization"}
AGENCY = {"admin", "officer"}
BIDDERS = {"bidder", "bidder_without_organization"}

# action -> who may, with no object in question
TABLE = {
    "public.browse": EVERYONE,
    "solicitation.view": EVERYONE,            # with no solicitation in question
    "auth.login": EVERYONE,
    "ops.probe": EVERYONE,                    # /health, /ready: public, saying nothing
    "ops.metrics": EVERYONE,                  # the gate; the scrape itself: loopback or token
    "auth.register": EVERYONE,
    "auth.logout": SIGNED_IN,
    "account.tokens": SIGNED_IN,
    "account.manage": SIGNED_IN,
    "solicitation.manage": AGENCY,
    "solicitation.view_internal": AGENCY,
    "question.ask": BIDDERS,
    "rfi.comment": {"bidder"},
    "organization.manage": BIDDERS,
    "response.work": {"bidder"},
    "response.read": SIGNED_IN,
    "response.read_opened": AGENCY,
    "response.judge": AGENCY,
    "audit.view": AGENCY,
    "admin.users": {"admin"},
    "admin.manage": {"admin"},
    # evaluation: with no panel, scoresheet or response in question the gate lets evaluators
    # through; the use cases ask again with the object
    "evaluation.manage": AGENCY,
    "panel.chair": AGENCY | {"panelist"},
    "scoresheet.work": AGENCY | {"panelist"},
    "response.read_assigned": AGENCY | {"panelist"},
    # award and contracts: the agency decides and pays; a bidder of an organisation reads its
    # own notices and contracts and protests
    "award.manage": AGENCY,
    "award.notice": {"bidder"},
    "protest.file": {"bidder"},
    "contract.manage": AGENCY,
    "contract.own": {"bidder"},
}


def test_the_table_names_every_action_of_the_policy():
    assert set(TABLE) == set(policy.RULES)


@pytest.mark.parametrize("action", sorted(TABLE))
@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_who_may_do_what(action, who):
    allowed = who in TABLE[action]
    assert policy.allows(PEOPLE[who], action) is allowed
    if allowed:
        policy.require(PEOPLE[who], action)
    else:
        with pytest.raises(policy.Denied) as refused:
            policy.require(PEOPLE[who], action)
        assert refused.value.message == "You do not have permission to do that."


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_an_unknown_action_is_refused_to_everyone(who):
    assert policy.allows(PEOPLE[who], "solicitation.delete_everything") is False


@pytest.mark.parametrize("action", sorted(TABLE))
def test_a_deactivated_account_may_do_only_what_anyone_may(action):
    for role, org in [(Role.admin, None), (Role.officer, None), (Role.bidder, ORG_A)]:
        assert policy.allows(person(role, org, active=False), action) is (TABLE[action] == EVERYONE)


@pytest.mark.parametrize("action, own, other, unowned", [
    ("response.work", True, False, False),
    ("rfi.comment", True, False, False),
    ("organization.manage", True, False, False),
])
def test_a_bidder_works_only_on_their_own_organisations_things(action, own, other, unowned):
    bidder = PEOPLE["bidder"]
    assert policy.allows(bidder, action, Owned(ORG_A)) is own
    assert policy.allows(bidder, action, Owned(ORG_B)) is other
    assert policy.allows(bidder, action, Owned(None)) is unowned
    assert policy.allows(bidder, action, object()) is False       # no organisation at all
    policy.require(bidder, action, Owned(ORG_A))
    with pytest.raises(policy.Denied):
        policy.require(bidder, action, Owned(ORG_B))
    lonely = PEOPLE["bidder_without_organization"]
    assert policy.allows(lonely, action, Owned(None)) is False     # None is not a match
    assert policy.allows(PEOPLE["officer"], action, Owned(ORG_A)) is False


def test_the_agency_reads_any_opened_response_whoever_owns_it():
    for who in ("officer", "admin"):
        assert policy.allows(PEOPLE[who], "response.read_opened", Owned(ORG_A))
        assert policy.allows(PEOPLE[who], "response.judge", Owned(ORG_B))
    assert not policy.allows(PEOPLE["panelist"], "response.read_opened", Owned(ORG_A))


def test_rule_names_the_action_and_refuses_unknown_ones():
    @policy.rule("audit.view")
    def view():
        return "the trail"
    assert view.policy_action == "audit.view" and view() == "the trail"
    assert policy.action_of(view, "GET") == "audit.view"
    with pytest.raises(KeyError, match="unknown policy action 'audit.erase'"):
        policy.rule("audit.erase")


def test_rule_marks_a_bound_method_through_a_wrapper():
    class Static:
        def send(self, name):
            return f"file {name}"
    bound = Static().send
    marked = policy.rule("public.browse")(bound)
    assert marked is not bound and marked("a.css") == "file a.css"
    assert marked.policy_action == "public.browse" and marked.__name__ == "send"


def test_action_of_a_method_view_asks_its_method():
    class Handler:
        def get(self):
            return "read"
        get.policy_action = "response.read"

        def post(self):
            return "write"

    class View:
        view_class = Handler

    assert policy.action_of(View, "GET") == "response.read"
    assert policy.action_of(View, "HEAD") == "response.read"       # HEAD is a GET
    assert policy.action_of(View, "POST") is None                   # unnamed: the gate refuses
    assert policy.action_of(View, "DELETE") is None

    class PostOnly:
        def post(self):
            return "write"

    class Form:
        view_class = PostOnly

    assert policy.action_of(Form, "HEAD") is None                   # no GET to fall back on
    assert policy.action_of(lambda: None, "GET") is None


@pytest.mark.parametrize("action", sorted(TABLE))
def test_the_system_acting_is_no_person_signed_in(action):
    """The workflows name the clock as an actor ("system (deadline)"): it is nobody signed in."""
    assert policy.allows("system (deadline)", action) is (TABLE[action] == EVERYONE)
