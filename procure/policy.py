"""Who may do what. Deny by default: an action not listed here is refused to everyone.

Every view and API endpoint names its action with @policy.rule("..."); a before-request hook
refuses any endpoint without one (and tests walk the URL map to prove none is missing).
Object-level answers (this bidder's own response, sealed or not) take the object as a second
argument. `require` raises `Denied`, which the faces turn into 403 (the workflows' sealed reads
answer "not found" instead, so that nothing tells a sealed response exists)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from procure import disclosure
from procure.models import (
    PanelMember,
    ResponseStatus,
    Role,
    Scoresheet,
    ScoresheetStatus,
    Solicitation,
    SolicitationStatus,
)

# The states in which a solicitation can be found (everything but a draft).
PUBLIC_STATES = tuple(s for s in SolicitationStatus if s is not SolicitationStatus.draft)
# Public once published, whatever happened after; never published (a draft, or a draft
# cancelled) stays internal. The same test as a query clause and on a row:
PUBLIC = Solicitation.published_at.is_not(None)


def is_public(solicitation: Any) -> bool:
    return solicitation.published_at is not None


class Denied(Exception):
    """This person may not do that (the faces answer 403 with the message)."""

    def __init__(self, message: str = "You do not have permission to do that.") -> None:
        super().__init__(message)
        self.message = message

ANYONE = "anyone"
SIGNED_IN = "signed_in"

AGENCY = {Role.officer, Role.admin}
EVALUATORS = {Role.panelist, Role.officer, Role.admin}


def _own_organization(user: Any, obj: Any) -> bool:
    return obj is None or (user.organization_id is not None
                           and getattr(obj, "organization_id", None) == user.organization_id)


def _has_organization(user: Any, obj: Any) -> bool:
    return user.organization_id is not None and _own_organization(user, obj)


def _public_or_agency(user: Any, solicitation: Any) -> bool:
    """Anyone sees a published solicitation; a draft, only the agency."""
    return solicitation is None or is_public(solicitation) or (
        _active(user) and user.role in AGENCY)


def _unsealed_for(user: Any, response: Any) -> bool:
    """Who may read a response now: its own bidder's organisation always; the agency only once
    the solicitation is opened, and never a draft or a withdrawn response."""
    if response is None:
        return True
    if user.role is Role.bidder and _has_organization(user, response):
        return True
    return (user.role in AGENCY and response.solicitation.opened_at is not None
            and response.status not in (ResponseStatus.draft, ResponseStatus.withdrawn)
            and not evaluates_blind(user, response.solicitation))


def evaluates_blind(user: Any, solicitation: Any) -> bool:
    """This person sits on a panel (chair included) of an RFR evaluated blind and may not know
    its bidders' names yet (disclosure: until the panels are finalized): they read its responses
    only through the evaluation, by bidder code."""
    if object_session(solicitation) is None or getattr(user, "id", None) is None:
        return False
    return disclosure.blind_now(user, solicitation)


def may_see_price(user: Any, response: Any) -> bool:
    """The price envelope of a response (its price documents, the budget section's pages, the
    cover page's total price, its proposed rates, its evaluated cost): the disclosure table's
    price row (procure.disclosure), asked for this person and this response. Every page, API
    answer, audit row and page picture that shows a price asks this one function."""
    if response is None:
        return True
    if object_session(response) is None:
        return False
    return disclosure.may_see(user, disclosure.Kind.price, response)


def _active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _chairs(user: Any, panel: Any) -> bool:
    if panel is None:       # the gate: any evaluator; the use case asks again with the panel
        return True
    chair = getattr(panel, "chair", None)
    return chair is not None and chair.user_id == user.id


def _own_scoresheet(user: Any, sheet: Any) -> bool:
    if sheet is None:       # the gate: any evaluator; the use case asks again with the sheet
        return True
    return (sheet.member.user_id == user.id
            and sheet.member.removed_at is None and sheet.status is not ScoresheetStatus.withdrawn)


def _assigned(user: Any, response: Any) -> bool:
    """A panel member reads a response only if it is assigned to them and they declared no
    conflict with its bidder (a conflict withdraws the scoresheet)."""
    if response is None:    # the gate: any evaluator; workflows.response asks with the response
        return True
    session = object_session(response)
    if session is None:
        return False
    return session.scalar(select(Scoresheet.id).join(PanelMember).where(
        Scoresheet.response_id == response.id, PanelMember.user_id == user.id,
        PanelMember.removed_at.is_(None), Scoresheet.status != ScoresheetStatus.withdrawn)
        .limit(1)) is not None


def _scraper(user: Any, scrape: Any) -> bool:
    """The metrics go to a scraper on this machine or one with the metrics token (procure.ops)."""
    return scrape is None or scrape.from_loopback or scrape.token_matches


# action -> (roles allowed, or ANYONE / SIGNED_IN; optional check on the object)
RULES: dict[str, tuple[Any, Callable[[Any, Any], bool] | None]] = {
    "public.browse": (ANYONE, None),             # published solicitations, answers, addenda
    "solicitation.view": (ANYONE, _public_or_agency),   # this one: published, or the agency's
    "auth.login": (ANYONE, None),
    "auth.register": (ANYONE, None),             # a provider organisation signs up
    "auth.logout": (SIGNED_IN, None),
    "account.tokens": (SIGNED_IN, None),         # own API tokens
    "account.manage": (SIGNED_IN, None),         # own password and sessions
    "solicitation.manage": (AGENCY, None),       # draft, publish, addenda, answers, open, cancel
    "solicitation.view_internal": (AGENCY, None),  # drafts, audit trail, questions waiting
    "question.ask": ({Role.bidder}, None),
    "rfi.comment": ({Role.bidder}, _has_organization),
    "organization.manage": ({Role.bidder}, _own_organization),
    "response.work": ({Role.bidder}, _has_organization),   # start, upload, submit, withdraw
    "response.read": (SIGNED_IN, _unsealed_for),  # this response: its bidder's, or opened
    "response.read_opened": (AGENCY, None),      # after the opening only (workflows.response)
    "response.judge": (AGENCY, None),            # accept / reject as responsive
    "audit.view": (AGENCY, None),
    "evaluation.manage": (AGENCY, None),         # panels, members, plan, cost corrections
    "panel.chair": (EVALUATORS, _chairs),        # the chair moves the panel on, assigns, consensus
    "scoresheet.work": (EVALUATORS, _own_scoresheet),  # a member's own scoresheet
    "response.read_assigned": (EVALUATORS, _assigned),  # after the opening (workflows.response)
    "award.manage": (AGENCY, None),              # propose, approve (not one's own), notify,
                                                 # decide protests, coverage
    "award.notice": ({Role.bidder}, _has_organization),  # its own notices and scores
    "protest.file": ({Role.bidder}, _has_organization),
    "contract.manage": (AGENCY, None),           # contracts, amendments, encumbrances, draw-downs
    "contract.own": ({Role.bidder}, _has_organization),  # its own contracts and balances
    "admin.users": ({Role.admin}, None),          # users and roles, deactivation
    "admin.manage": ({Role.admin}, None),         # organisations, audit check, procedure rules
    "ops.probe": (ANYONE, None),                  # /health, /ready: public on purpose, say nothing
    "ops.metrics": (ANYONE, _scraper),            # /metrics: loopback or the metrics token
}


def allows(user: Any, action: str, obj: Any = None) -> bool:
    roles, check = RULES.get(action, (frozenset(), None))
    if roles == ANYONE:
        return check is None or check(user, obj)
    if not _active(user):
        return False
    if roles != SIGNED_IN and user.role not in roles:
        return False
    return check is None or check(user, obj)


def require(user: Any, action: str, obj: Any = None) -> None:
    """Raise Denied unless `user` may do `action` (to `obj`)."""
    if not allows(user, action, obj):
        raise Denied()


def rule(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Name the action a view performs; the before-request gate asks `allows` for it."""
    if action not in RULES:
        raise KeyError(f"unknown policy action {action!r}")

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.ismethod(view):  # e.g. Flask's own send_static_file: wrap to mark it
            bound = view

            @functools.wraps(bound)
            def view(*args: Any, **kwargs: Any) -> Any:
                return bound(*args, **kwargs)
        view.policy_action = action  # type: ignore[attr-defined]
        return view
    return mark


def action_of(view: Callable[..., Any], method: str) -> str | None:
    """The action named for a view function (or a MethodView's method), if any."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        return getattr(handler, "policy_action", None)
    return getattr(view, "policy_action", None)
