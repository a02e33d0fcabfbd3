"""A populated service for the access and leak sweeps: every kind of object, in a given state.

Alpha Care Collaborative has submitted a response (a PDF whose text carries a unique marker) to
an open RFR; Beta Family Services asked a question; there is a draft RFR and an RFI."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from types import SimpleNamespace
from datetime import timedelta

import time_machine
from flask import Flask

from procure import accounts
from procure.extensions import db
from procure.intake import jobs
from procure.storage import store_from_config
from procure.workflows.base import Uploads
from procure.models import DocumentKind, SolicitationKind
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from tests.support.factories import ORG_A, draft_rfr, make_people
from tests.support.pdfs import pdf_with_sections

SECRET_MARKER = "ZEBRA-QUOKKA-7731"          # text inside the sealed response's PDF
SECRET_FILENAME = "alpha-sealed-proposal.pdf"
SCORE_NEEDLE = "OKAPI-SCORE-5150"           # the panelist's comment on their scoresheet

ROLES = ["anonymous", "bidder", "bidder_colleague", "other_bidder", "officer", "panelist", "admin"]


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    deadline: object = None
    confirm_for: tuple = ()      # (secret key, the bidder) for a working confirmation link

    @property
    def confirm_token(self) -> str:
        """An email-confirmation link's token, made now (links expire)."""
        secret, owner = self.confirm_for
        return accounts.ConfirmLink(secret, "").for_user(owner).rsplit("/", 1)[1]

    @property
    def needles(self) -> list[str]:
        """What must not appear anywhere before the opening, for anyone but Alpha's people."""
        return [SECRET_MARKER, SECRET_FILENAME, ORG_A, self.sha256]


def build(app: Flask, *, opened: bool = False, blind: bool = False,
          evaluated: bool = True, scored: bool = False) -> World:
    """Opened: the response is accepted and a panel scores it (the admin chairs, the panelist
    scores it), unless not `evaluated` (then it waits, opened, for the agency to judge it);
    blind: the RFR's evaluation is blind; scored: the panelist has submitted their scoresheet
    (its comment carries SCORE_NEEDLE) while the chair's is still open."""
    world = World()
    with app.app_context():
        session = db.session
        people = make_people(session)
        officer, owner, other = people["officer"], people["bidder"], people["other_bidder"]
        rfr = draft_rfr(session, officer, days_open=31)
        uploads = Uploads(store=store_from_config(app.config), max_bytes=10**8, max_files=20)
        public_pdf = pdf_with_sections(["Request for Responses", "Service description."])
        public_doc = flow.upload_document(session, rfr, officer, stream=io.BytesIO(public_pdf),
                                          filename="rfr.pdf", title="The RFR", uploads=uploads)
        flow.publish(session, rfr, officer)
        draft = draft_rfr(session, officer, title="Draft for later")
        rfi = flow.create(session, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
                          title="Program models", deadline=rfr.deadline)
        flow.publish(session, rfi, officer)
        question = flow.ask_question(session, rfr, other, "Can one provider take two lots?")
        response = response_flow.start(session, owner, rfr.lots[0])
        content = pdf_with_sections(
            ["Organization Name: " + ORG_A, "FEIN: 04-1111111"],
            ["1. Program Design", f"Our approach {SECRET_MARKER} keeps families together."])
        document = response_flow.upload_document(
            session, response, owner, stream=io.BytesIO(content), filename=SECRET_FILENAME,
            kind=DocumentKind.narrative, uploads=uploads)
        session.commit()
        jobs.run(document.id)
        session.refresh(response)
        response_flow.fire(session, response, "submit", owner)
        world.sha256 = hashlib.sha256(content).hexdigest()
        world.deadline = rfr.deadline
        for role in ROLES[1:]:
            world.tokens[role] = accounts.issue_token(session, people[role], "sweep")
        world.ids = {"solicitation": rfr.id, "draft": draft.id, "rfi": rfi.id,
                     "lot": rfr.lots[0].id, "draft_lot": draft.lots[0].id,
                     "draft_other_lot": draft.lots[1].id, "draft_section": draft.sections[0].id,
                     "draft_criterion": draft.criteria[0].id,
                     # parts the API changes in place (the ones above it removes)
                     "draft_kept_section": draft.sections[1].id,
                     "draft_kept_criterion": draft.criteria[1].id,
                     "public_document": public_doc.id, "response": response.public_id,
                     "document": document.public_id, "question": question.id,
                     "token": accounts.token_row(session, accounts.issue_token(
                         session, owner, "to revoke")).id}
        world.confirm_for = (app.config["SECRET_KEY"],
                             SimpleNamespace(id=owner.id, email=owner.email))
        session.commit()
        if opened:
            with time_machine.travel(rfr.deadline + timedelta(seconds=31)):
                response_flow.close_due(session)
                response_flow.open_responses(session, rfr, officer)
                if evaluated:
                    response_flow.fire(session, response, "accept", officer)
                    world.ids.update(_panel(session, rfr, people, blind=blind, scored=scored))
                session.commit()
    return world


def _panel(session, rfr, people, *, blind: bool, scored: bool = False) -> dict[str, int]:
    from procure.models import MemberKind
    from procure.workflows import evaluation as evaluation_flow
    officer = people["officer"]
    evaluation_flow.set_plan(session, rfr, officer, blind=blind, half_points=False)
    panel = evaluation_flow.create_panel(session, rfr, officer, name="Sweep panel",
                                         lots=[rfr.lots[0]])
    evaluation_flow.add_member(session, panel, officer, user=people["admin"],
                               kind=MemberKind.agency_staff, chair=True)
    member = evaluation_flow.add_member(session, panel, officer, user=people["panelist"],
                                        kind=MemberKind.family_representative)
    evaluation_flow.fire(session, panel, "begin_declarations", officer)
    for who in ("admin", "panelist"):
        for org in evaluation_flow.bidders_of(panel):
            evaluation_flow.declare(session, panel, people[who], organization_id=org.id,
                                    has_conflict=False)
    evaluation_flow.fire(session, panel, "begin_scoring", people["admin"])
    sheet = next(s for s in panel.scoresheets if s.member_id == member.id)
    if scored:
        from decimal import Decimal
        evaluation_flow.save_scores(session, sheet, people["panelist"], {
            c.id: (Decimal(7), f"{SCORE_NEEDLE} a clear plan.")
            for c in evaluation_flow.technical_criteria(panel)})
        evaluation_flow.submit(session, sheet, people["panelist"])
    return {"panel": panel.public_id, "sheet": sheet.public_id, "member": member.id}
