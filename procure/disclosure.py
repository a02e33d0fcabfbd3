"""Who may know what about a response, and when: disclosure as data, in one place.

Procurement fairness is mostly about information: which bidder wrote a response, what it
costs, how each member scored it, how many there are. `TABLE` says, for each kind of
information about a response, which viewer may see it in which phase of the procurement;
`may_see(viewer, kind, subject)` answers it for a person and a response (or a solicitation,
when the question is about any of its responses); `may_see_each` answers it for a page's
subjects at once, in the same few queries however many, by the same rule. Every page, API
answer, export, audit row, OCDS field and message asks here; no face decides for itself, so
two faces cannot disagree.

Blindness ends at finalization: once every panel that scores the response is finalized, its
evaluators (the chair too) may know the bidders' names, so a chair can take part in the award.

Price is sealed to every evaluator (officers on the panel included) until the technical
consensus is complete and the price step opened on the record (`Phase.price_opened`); officers
off the panel manage costs and see it once the responses are opened. `policy.may_see_price` is
this table's price row; the consensus matrix's scores are its scores row.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, object_session
from sqlalchemy.orm.util import identity_key

from procure.models import (
    Award,
    AwardStatus,
    EvaluationPlan,
    Panel,
    PanelMember,
    PanelStatus,
    Response,
    ResponseStatus,
    Role,
    Solicitation,
    SolicitationStatus,
)
from procure.models.evaluation import panel_lot


class Kind(enum.Enum):
    """Kinds of information about a response."""
    identity = "identity"   # organisation, people, emails, FEIN, file names, cover page,
                            # the questions it asked
    price = "price"         # price documents, the budget section's pages, cover totals,
                            # proposed rates, evaluated cost, the budget record
    scores = "scores"       # each member's points and comments (not one's own)
    counts = "counts"       # how many responses there are
    roster = "roster"       # the bidders' names as one alphabetical list, tied to no response
                            # or code: what a member declares conflicts against


class Viewer(enum.Enum):
    public = "the public"                 # anonymous, or signed in with no part in it
    other_bidder = "another bidder"
    bidder = "the bidder"                 # the response's own organisation's people
    officer = "an officer off the panel"  # an officer who sits on none of its panels
    chair = "the chair"
    member = "a member"
    blind_chair = "the chair, blind"
    blind_member = "a member, blind"
    admin = "the administrator"           # off the panel


class Phase(enum.IntEnum):
    """The procurement's moments, in order (a response's: its lot's panel and awards)."""
    before_opening = 0
    technical_scoring = 1   # panels forming, declaring, scoring
    consensus = 2           # every scoresheet in; technical consensus being recorded
    price_opened = 3        # the technical consensus complete: the price envelope is open
    finalized = 4           # the panel finalized (ranked): blindness ends here
    notified = 5            # the lot's bidders told (standstill)
    final = 6               # awards final (standstill over), or the RFR cancelled


P = Phase
ALWAYS = frozenset(Phase)
NEVER: frozenset[Phase] = frozenset()
OPENED = frozenset(p for p in Phase if p >= P.technical_scoring)
ALL_IN = frozenset(p for p in Phase if p >= P.consensus)
PRICE_OPEN = frozenset(p for p in Phase if p >= P.price_opened)
UNBLINDED = frozenset(p for p in Phase if p >= P.finalized)
NOTIFIED = frozenset(p for p in Phase if p >= P.notified)
FINAL = frozenset({P.final})

V = Viewer
# kind -> viewer -> the phases in which that viewer may see it.
TABLE: dict[Kind, dict[Viewer, frozenset[Phase]]] = {
    Kind.identity: {
        V.public: FINAL,              # the awardees, once standstill is over
        V.other_bidder: FINAL,
        V.bidder: ALWAYS,
        V.officer: OPENED, V.admin: OPENED,
        V.chair: OPENED, V.member: OPENED,
        V.blind_chair: UNBLINDED, V.blind_member: UNBLINDED,
    },
    Kind.price: {
        V.public: NEVER, V.other_bidder: NEVER,
        V.bidder: ALWAYS,
        V.officer: OPENED, V.admin: OPENED,
        V.chair: PRICE_OPEN, V.member: PRICE_OPEN,
        V.blind_chair: PRICE_OPEN, V.blind_member: PRICE_OPEN,
    },
    Kind.scores: {
        V.public: NEVER, V.other_bidder: NEVER,
        V.bidder: NOTIFIED,           # its own scores, in the award notice
        V.officer: ALL_IN, V.admin: ALL_IN,
        V.chair: ALL_IN, V.member: ALL_IN,
        V.blind_chair: ALL_IN, V.blind_member: ALL_IN,
    },
    Kind.roster: {                    # a blind member must know whom they may be conflicted
        V.public: FINAL, V.other_bidder: FINAL,   # with, never which code is whose
        V.bidder: FINAL,
        V.officer: OPENED, V.admin: OPENED,
        V.chair: OPENED, V.member: OPENED,
        V.blind_chair: OPENED, V.blind_member: OPENED,
    },
    Kind.counts: {                    # how many, never who: public at the opening
        V.public: OPENED, V.other_bidder: OPENED,
        V.bidder: OPENED,
        V.officer: OPENED, V.admin: OPENED,
        V.chair: OPENED, V.member: OPENED,
        V.blind_chair: OPENED, V.blind_member: OPENED,
    },
}

Subject = Response | Solicitation | Panel


def may_see(viewer: Any, kind: Kind | str, subject: Subject) -> bool:
    """May this person (a User, an anonymous user or None) see this kind of information about
    this response (or, given a solicitation, about any of its responses; given a panel, about
    the responses it scores) now? An evaluator is asked in the least advanced phase of the
    subject and of the panels they sit on: a member of two panels sees nothing of the one that
    moved on before the other has."""
    return may_see_each(viewer, kind, [subject])[0]


def may_see_each(viewer: Any, kind: Kind | str, subjects: Sequence[Subject]) -> list[bool]:
    """`may_see` for each of several subjects (a page's responses), in the same few queries
    however many there are."""
    kind = Kind(kind)
    facts = _Facts.read(viewer, subjects, who=True, when=True)
    return [_answer(viewer, kind, subject, facts) for subject in subjects]


def _answer(viewer: Any, kind: Kind, subject: Subject, facts: _Facts) -> bool:
    who = _viewer(viewer, subject, facts)
    phase = _phase(subject, facts)
    if who in EVALUATORS and phase > P.before_opening:
        phase = min(phase, *(_panel_phase(m.panel)
                             for m in facts.seats[_solicitation(subject).id]))
    return phase in TABLE[kind][who]


EVALUATORS = (V.chair, V.member, V.blind_chair, V.blind_member)


def blind_now(viewer: Any, subject: Subject) -> bool:
    """This person evaluates blind and may not know the bidders' names now."""
    return viewer_of(viewer, subject) in (V.blind_chair, V.blind_member) \
        and not may_see(viewer, Kind.identity, subject)


# Audit events whose data (and reason) carry a kind of information about their response: the
# audit trail (page and API) shows them only to whom the table allows it.
AUDIT_DATA: dict[str, Kind] = {
    "correct_cost": Kind.price,         # the evaluated cost, from and to, and why
}


# ---------------------------------------------------------------- who is looking

def _solicitation(subject: Subject) -> Solicitation:
    return subject if isinstance(subject, Solicitation) else subject.solicitation


def _active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and \
        getattr(user, "is_active", False)


def viewer_of(user: Any, subject: Subject) -> Viewer:
    """Which viewer this person is for this response (or this solicitation's responses)."""
    return _viewer(user, subject, _Facts.read(user, [subject], who=True, when=False))


def _viewer(user: Any, subject: Subject, facts: _Facts) -> Viewer:
    if not _active(user):
        return V.public
    solicitation = _solicitation(subject)
    if user.role is Role.bidder:
        if isinstance(subject, Response) and user.organization_id is not None \
                and subject.organization_id == user.organization_id:
            return V.bidder
        return V.other_bidder
    rows = facts.seats[solicitation.id]
    seat = next((m for m in rows if m.is_chair), rows[0] if rows else None)
    if seat is not None:
        blind = solicitation.id in facts.blind
        if seat.is_chair:
            return V.blind_chair if blind else V.chair
        return V.blind_member if blind else V.member
    if user.role is Role.officer:
        return V.officer
    if user.role is Role.admin:
        return V.admin
    return V.public       # a panelist who does not sit on its panels


def blind_plans(session: Session, solicitation_ids: Iterable[int]) -> set[int]:
    """Which of these solicitations are evaluated blind (their evaluation plan says so; no plan:
    not blind): the plans already in the session, the rest in one query."""
    ids = set(solicitation_ids)
    known = {sid: session.identity_map.get(identity_key(EvaluationPlan, sid)) for sid in ids}
    plans = [plan for plan in known.values() if plan is not None]
    missing = [sid for sid, plan in known.items() if plan is None]
    if missing:
        plans += session.scalars(select(EvaluationPlan).where(
            EvaluationPlan.solicitation_id.in_(missing)))
    return {plan.solicitation_id for plan in plans if plan.blind}


@dataclass
class _Facts:
    """What the table's answers about some subjects rest on, read in a few queries whatever
    their number: who the person is to them (`who`) and the phase they are in (`when`)."""
    seats: dict[int, list[PanelMember]] = field(default_factory=lambda: defaultdict(list))
    blind: set[int] = field(default_factory=set)          # solicitation ids evaluated blind
    lots: dict[Any, list[int]] = field(default_factory=dict)    # subject -> its lots
    awards: dict[int, list[Award]] = field(default_factory=lambda: defaultdict(list))
    panels: dict[int, list[Panel]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def read(cls, user: Any, subjects: Sequence[Subject], *, who: bool,
             when: bool) -> _Facts:
        facts = cls()
        solicitations = {_solicitation(subject) for subject in subjects}
        session = next((object_session(s) for s in solicitations
                        if object_session(s) is not None), None)
        if session is None:
            return facts
        ids = {s.id for s in solicitations}
        if who and _active(user) and user.role is not Role.bidder \
                and getattr(user, "id", None) is not None:
            for seat in session.scalars(
                    select(PanelMember).join(PanelMember.panel)
                    .where(Panel.solicitation_id.in_(ids), PanelMember.user_id == user.id,
                           PanelMember.removed_at.is_(None))
                    .options(contains_eager(PanelMember.panel)).order_by(PanelMember.id)):
                facts.seats[seat.panel.solicitation_id].append(seat)
            if facts.seats:
                facts.blind = blind_plans(session, facts.seats)
        if when:
            facts._read_phases(session, subjects)
        return facts

    def _read_phases(self, session: Session, subjects: Sequence[Subject]) -> None:
        # a finished RFR is in its final phase whatever its lots hold (_phase): nothing to read
        opened = [s for s in subjects if _solicitation(s).opened_at is not None
                  and _solicitation(s).status not in FINISHED]
        asked = {s.id for s in opened if isinstance(s, Solicitation)}
        evaluated: dict[int, list[int]] = defaultdict(list)   # the lots with something to
        if asked:                                              # evaluate
            for solicitation_id, lot_id in session.execute(
                    select(Response.solicitation_id, Response.lot_id).where(
                        Response.solicitation_id.in_(asked),
                        Response.status == ResponseStatus.accepted).distinct()):
                evaluated[solicitation_id].append(lot_id)
        for subject in opened:
            if isinstance(subject, Response):
                self.lots[subject] = [subject.lot_id]
            elif isinstance(subject, Panel):
                self.lots[subject] = [lot.id for lot in subject.lots]
            else:
                self.lots[subject] = evaluated[subject.id]
        lot_ids = {lot_id for lots in self.lots.values() for lot_id in lots}
        if not lot_ids:
            return
        for award in session.scalars(select(Award).where(
                Award.lot_id.in_(lot_ids), Award.status != AwardStatus.withdrawn)):
            self.awards[award.lot_id].append(award)
        for lot_id, panel in session.execute(
                select(panel_lot.c.lot_id, Panel).join(Panel, Panel.id == panel_lot.c.panel_id)
                .where(panel_lot.c.lot_id.in_(lot_ids))):
            self.panels[lot_id].append(panel)


# ---------------------------------------------------------------- when

FINISHED = (SolicitationStatus.awarded, SolicitationStatus.archived,
            SolicitationStatus.cancelled)


def phase_of(subject: Subject) -> Phase:
    """The phase of a response (its lot's panel and awards), of a panel (its lots'), or of a
    solicitation (its least advanced part: what holds for every response). A response never
    submitted (a draft, or withdrawn) is never opened: only its bidder knows it."""
    return _phase(subject, _Facts.read(None, [subject], who=False, when=True))


def _phase(subject: Subject, facts: _Facts) -> Phase:
    solicitation = _solicitation(subject)
    if solicitation.opened_at is None:
        return P.before_opening
    if isinstance(subject, Response) and \
            subject.status in (ResponseStatus.draft, ResponseStatus.withdrawn):
        return P.before_opening
    lot_ids = facts.lots.get(subject, [])
    if not lot_ids and solicitation.status not in FINISHED:
        return P.technical_scoring
    awards = [award for lot_id in lot_ids for award in facts.awards[lot_id]]
    awarded = {a.lot_id for a in awards}
    if solicitation.status in FINISHED or (
            awards and awarded >= set(lot_ids)
            and all(a.status is AwardStatus.final for a in awards)):
        return P.final
    if awards and awarded >= set(lot_ids) and all(
            a.status in (AwardStatus.standstill, AwardStatus.final) for a in awards):
        return P.notified
    panels = {panel.id: panel for lot_id in lot_ids for panel in facts.panels[lot_id]}
    covered = {lot_id for lot_id in lot_ids if facts.panels[lot_id]}
    if not panels or covered != set(lot_ids):
        return P.technical_scoring
    return min(_panel_phase(panel) for panel in panels.values())


def _panel_phase(panel: Panel) -> Phase:
    """A panel's phase: the price envelope opens on the record (`price_opened_at`, set by the
    price step once every technical consensus score is in) and, once open, stays open (scoring
    cannot reopen then: evaluation._prices_not_seen)."""
    if panel.status is PanelStatus.finalized:
        return P.finalized
    if panel.price_opened_at is not None:
        return P.price_opened
    if panel.status is PanelStatus.consensus:
        return P.consensus
    return P.technical_scoring
