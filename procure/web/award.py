"""Awards and contracts in the browser: the officers' award page per RFR (each lot's ranking,
proposal, a second officer's approval, the notices, the coverage check, protests decided), the
bidder's award notice with its own scores and a protest while the standstill runs, contracts
from drafting to active with amendments, documents, encumbrances and draw-downs, the bidder's
own contracts, and the public awards page of a solicitation."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from procure import clock, policy, search
from procure.extensions import db
from procure.faces import page_of, send_document, uploads
from procure.kept_lists import page_of as kept_page_of
from procure.public_cache import public_page
from procure.models import (
    AmendmentStatus,
    Award,
    AwardNotice,
    AwardStatus,
    Contract,
    ContractAmendment,
    ContractDocument,
    ContractStatus,
    Encumbrance,
    Lot,
    Organization,
    Protest,
    ProtestDocument,
    RateType,
    Response,
    Solicitation,
)
from procure.web.forms import (
    AmendForm,
    ContractForm,
    DecideProtestForm,
    DocumentForm,
    DrawDownForm,
    EncumberForm,
    ConfirmForm,
    EventForm,
    LotOutcomeForm,
    ProposeForm,
    ProtestForm,
    ReasonForm,
)
from procure.workflows import award as flow
from procure.workflows import contract as contract_flow
from procure.workflows import evaluation as evaluation_flow
from procure.workflows import response as response_flow
from procure.workflows.base import NotFound, WorkflowError
from procure.workflows.labels import weighted_total

bp = Blueprint("award", __name__)
WAITING_SHOWN = 50   # final awards without a contract listed on the contracts page
bp.app_template_filter("long_date")(contract_flow.long_date)      # 'July 1, 2026'


@bp.app_template_filter("long_moment")
def long_moment(moment: Any) -> str:
    """'December 6, 2026, 2:05 PM EST': a contract's dates written one way, with the time."""
    if moment is None:
        return ""
    at = clock.local(moment)
    return f"{contract_flow.long_date(at.date())}, {at:%I:%M %p %Z}".replace(", 0", ", ")


# ---------------------------------------------------------------- finding rows (read only)

def _by_public_id(model: Any, public_id: UUID, what: str) -> Any:
    row = db.session.scalar(select(model).where(model.public_id == str(public_id)))
    if row is None:
        raise NotFound(f"No such {what}.")
    return row


class Refused(Exception):
    """The form came back: its page, with the form's messages and what was typed."""

    def __init__(self, page: Any) -> None:
        super().__init__("refused")
        self.page = page


@bp.errorhandler(Refused)
def refused(error: Refused) -> Any:
    return error.page


def _submit(form: Any, page: Callable[[int], Any], use_case: Callable[[], Any]) -> Any:
    """Check the form, run the one use case and commit; else the same page again with the
    form's messages beside its fields (400) or the use case's refusal at its top (409)."""
    if not form.validate_on_submit():
        raise Refused(page(400))
    try:
        result = use_case()
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        raise Refused(page(409)) from None
    db.session.commit()
    return result


# ---------------------------------------------------------------- officers: the award page

def _propose_form(lot: Lot, ranking: list, live: list[Award], *, formdata: Any = None) -> ProposeForm:
    taken = {a.response_id for a in live}
    open_ = [r for r in ranking if r.response.id not in taken]
    costs = {r.response.id: flow.proposed_amount(db.session, r.response) for r in open_}
    # The amount is left empty: the chosen bidder's figure unless the officer types another
    # (procure.js fills in the chosen bidder's figure as the choice changes).
    form = (ProposeForm(prefix=f"lot{lot.id}") if formdata else ProposeForm(
        prefix=f"lot{lot.id}", formdata=None))
    form.response.choices = [
        (r.response.public_id,
         f"{r.rank}. {r.response.organization.legal_name} ({weighted_total(r.total)} of 100; "
         f"{contract_flow.money(costs[r.response.id])} a year)")
        for r in open_]
    form.amounts = {r.response.public_id: f"{costs[r.response.id]:.2f}" for r in open_}
    return form


def _names_allowed(row: Solicitation) -> Solicitation:
    """The award pages name the bidders: an officer on a blind panel of the RFR is refused."""
    evaluation_flow.refuse_names_to_blind_evaluator(db.session, row, current_user)
    return row


def _award_page(row: Solicitation, status: int = 200, submitted: tuple[str, Any] | None = None):
    if status != 200:
        db.session.rollback()        # nothing of a refused request stays
    awards = flow.awards_of(db.session, row)
    lots, forms = [], {}
    for lot in row.lots:
        ranking = flow.lot_ranking(db.session, lot)
        live = [a for a in awards if a.lot_id == lot.id and a.status in flow.LIVE]
        lots.append({"lot": lot, "ranking": ranking, "live": live,
                     "awards": [a for a in awards if a.lot_id == lot.id],
                     "proposed": {a.response_id: a for a in live}})
        forms[f"propose-{lot.id}"] = _propose_form(lot, ranking, live)
        forms[f"notify-{lot.id}"] = ConfirmForm(prefix=f"notify{lot.id}", formdata=None)
        forms[f"close-{lot.id}"] = LotOutcomeForm(prefix=f"close{lot.id}", formdata=None)
        lots[-1]["outcome"] = flow.lot_outcome(db.session, lot)
    for award in awards:
        forms[f"approve-{award.id}"] = ConfirmForm(prefix=f"approve{award.id}", formdata=None)
        forms[f"withdraw-{award.id}"] = ReasonForm(prefix=f"withdraw{award.id}", formdata=None)
        for protest in award.protests:
            forms[f"decide-{protest.id}"] = DecideProtestForm(prefix=f"decide{protest.id}",
                                                              formdata=None)
    if submitted is not None:
        forms[submitted[0]] = submitted[1]
    return render_template(
        "award/solicitation.html", s=row, lots=lots, forms=forms,
        coverage=flow.coverage(db.session, row), A=AwardStatus,
        approving=any(a.status is AwardStatus.proposed for a in awards)
        or not any(a.status in flow.LIVE for a in awards),
        above={a.id: flow.money_above(db.session, a.response, a.amount) for a in awards
               if a.status is AwardStatus.proposed},
        protests=[p for a in awards for p in a.protests],
        withdrawn=flow.withdrawals(db.session, awards),
        finished=evaluation_flow.evaluation_finished(db.session, row)), status


@bp.route("/awards/solicitations/<int:solicitation_id>")
@policy.rule("award.manage")
def solicitation(solicitation_id: int):
    return _award_page(_names_allowed(db.get_or_404(Solicitation, solicitation_id)))


def _award_form_page(row: Solicitation, key: str, form: Any) -> Callable[[int], Any]:
    return lambda status: _award_page(row, status, (key, form))


def _to_lot(lot: Lot) -> Any:
    return redirect(url_for("award.solicitation", solicitation_id=lot.solicitation_id)
                    + f"#lot-{lot.id}")


@bp.route("/awards/lots/<int:lot_id>/proposals", methods=["POST"])
@policy.rule("award.manage")
def propose(lot_id: int):
    lot = db.get_or_404(Lot, lot_id)
    _names_allowed(lot.solicitation)
    ranking = flow.lot_ranking(db.session, lot)
    # the form's choices are the ranked responses not yet proposed: what it accepts is one
    form = _propose_form(lot, ranking, flow.live_awards(db.session, lot), formdata=True)
    award = _submit(form, _award_form_page(lot.solicitation, f"propose-{lot.id}", form),
                    lambda: flow.propose(
                        db.session, lot, current_user,
                        response=next(r.response for r in ranking
                                      if r.response.public_id == form.response.data),
                        amount=form.amount.data, justification=form.justification.data or ""))
    flash(f"{lot.label}: award to {award.organization.legal_name} proposed. Another officer "
          "approves it.", "success")
    return _to_lot(lot)


@bp.route("/awards/<uuid:award_id>/approve", methods=["POST"])
@policy.rule("award.manage")
def approve(award_id: UUID):
    award = _by_public_id(Award, award_id, "award")
    _names_allowed(award.solicitation)
    form = ConfirmForm(prefix=f"approve{award.id}")
    _submit(form, _award_form_page(award.solicitation, f"approve-{award.id}", form),
            lambda: flow.approve(db.session, award, current_user))
    flash(f"{award.lot.label}: award to {award.organization.legal_name} approved.", "success")
    return _to_lot(award.lot)


@bp.route("/awards/<uuid:award_id>/withdraw", methods=["POST"])
@policy.rule("award.manage")
def withdraw(award_id: UUID):
    award = _by_public_id(Award, award_id, "award")
    _names_allowed(award.solicitation)
    form = ReasonForm(prefix=f"withdraw{award.id}")
    _submit(form, _award_form_page(award.solicitation, f"withdraw-{award.id}", form),
            lambda: flow.withdraw(db.session, award, current_user, form.reason.data))
    flash(f"{award.lot.label}: award to {award.organization.legal_name} withdrawn.", "info")
    return _to_lot(award.lot)


@bp.route("/awards/lots/<int:lot_id>/notices", methods=["POST"])
@policy.rule("award.manage")
def notify(lot_id: int):
    lot = db.get_or_404(Lot, lot_id)
    _names_allowed(lot.solicitation)
    form = ConfirmForm(prefix=f"notify{lot.id}")
    told = _submit(form, _award_form_page(lot.solicitation, f"notify-{lot.id}", form),
                   lambda: flow.notify_lot(db.session, lot, current_user))
    flash(f"{lot.label}: {len(told)} bidder{'s' if len(told) != 1 else ''} told, each with "
          "their own scores. The standstill period has begun.", "success")
    return _to_lot(lot)


@bp.route("/awards/lots/<int:lot_id>/outcome", methods=["POST"])
@policy.rule("award.manage")
def close_lot(lot_id: int):
    lot = db.get_or_404(Lot, lot_id)
    _names_allowed(lot.solicitation)
    form = LotOutcomeForm(prefix=f"close{lot.id}")
    _submit(form, _award_form_page(lot.solicitation, f"close-{lot.id}", form),
            lambda: flow.close_lot(db.session, lot, current_user, outcome=form.outcome.data,
                                   reason=form.reason.data))
    flash(f"{lot.label}: {flow.lot_outcome(db.session, lot)}.", "success")
    return _to_lot(lot)


@bp.route("/awards/protests/<uuid:protest_id>/decision", methods=["POST"])
@policy.rule("award.manage")
def decide(protest_id: UUID):
    protest = _by_public_id(Protest, protest_id, "protest")
    form = DecideProtestForm(prefix=f"decide{protest.id}")
    row = _names_allowed(protest.award.solicitation)
    _submit(form, _award_form_page(row, f"decide-{protest.id}", form),
            lambda: flow.decide_protest(db.session, protest, current_user,
                                        uphold=form.decision.data == "uphold",
                                        reasons=form.reasons.data))
    flash(f"The protest of {protest.organization.legal_name} was "
          f"{protest.status.value.lower()}; they are told the reasons.", "success")
    return redirect(url_for("award.solicitation", solicitation_id=row.id) + "#protests")


@bp.route("/awards/protest-documents/<uuid:document_id>")
@policy.rule("award.manage")
def protest_document(document_id: UUID):
    document = _by_public_id(ProtestDocument, document_id, "document")
    _names_allowed(document.protest.award.solicitation)
    return send_document(document)


# ---------------------------------------------------------------- bidders: notices and protests

@bp.route("/awards/notices")
@policy.rule("award.notice")
def notices():
    """Award notices: the latest notice of each of my organisation's responses, a page at a
    time, filtered by words of the RFR."""
    # the latest of each response's notices: none later for the same response; newest first,
    # a page read backwards along the notices' key that stops when full, counted no further
    # than search.LISTED (procure.kept_lists)
    later = aliased(AwardNotice)
    notices = select(AwardNotice).join(AwardNotice.response).join(Response.solicitation).where(
        Response.organization_id == current_user.organization_id,
        ~exists().where(later.response_id == AwardNotice.response_id, later.id > AwardNotice.id))
    page = kept_page_of(notices.options(
        contains_eager(AwardNotice.response).contains_eager(Response.solicitation),
        joinedload(AwardNotice.response, Response.lot)).order_by(AwardNotice.id.desc()),
        text_columns=(Solicitation.number, Solicitation.title))
    return render_template("award/notices.html", page=page,
                           rows=[(n.response, n) for n in page.items])


def _own_protests(response: Any) -> list[Protest]:
    return list(db.session.scalars(select(Protest).join(Award).where(
        Award.lot_id == response.lot_id, Protest.organization_id == response.organization_id)
        .order_by(Protest.id)))


def _protest_form(response: Any, *, submitted: bool = False) -> ProtestForm:
    form = ProtestForm(prefix="protest") if submitted else ProtestForm(prefix="protest",
                                                                     formdata=None)
    form.award.choices = [
        (a.public_id, (f"{a.lot.label}: award to {a.organization.legal_name} "
                       f"(standstill until {clock.format_moment(a.standstill_ends_at)})"))
        for a in flow.live_awards(db.session, response.lot)
        if a.status is AwardStatus.standstill and a.response_id != response.id
        and a.standstill_ends_at is not None and a.standstill_ends_at > clock.now()]
    return form


def _notice_page(response: Any, status: int = 200, form: ProtestForm | None = None):
    if status != 200:
        db.session.rollback()
    return render_template("award/notice.html", r=response,
                           notices=flow.notices_for(db.session, response),
                           protests=_own_protests(response),
                           form=form or _protest_form(response)), status


@bp.route("/awards/responses/<uuid:response_id>")
@policy.rule("award.notice")
def notice(response_id: UUID):
    return _notice_page(response_flow.own_response(db.session, current_user, response_id))


@bp.route("/awards/responses/<uuid:response_id>/protests", methods=["POST"])
@policy.rule("protest.file")
def protest(response_id: UUID):
    response = response_flow.own_response(db.session, current_user, response_id)
    form = _protest_form(response, submitted=True)
    filed = _submit(form, lambda status: _notice_page(response, status, form),
                    lambda: flow.file_protest(
                        db.session, _by_public_id(Award, UUID(form.award.data), "award"),
                        current_user, grounds=form.grounds.data, uploads=uploads(),
                        files=[(f.stream, f.filename) for f in form.documents.data or []
                               if f and f.filename]))
    count = len(filed.documents)
    flash(f"Your protest was filed with {count} document{'s' if count != 1 else ''}. The award "
          "waits for the decision.", "success")
    return redirect(url_for("award.notice", response_id=response.public_id) + "#protests")


# ---------------------------------------------------------------- officers: contracts

def _rows(items: list, blank: int, **empty: Any) -> list[SimpleNamespace]:
    return [*items, *(SimpleNamespace(**empty) for _ in range(blank))]


def _rate_rows(rates: list, blank: int = 2) -> list[SimpleNamespace]:
    return _rows([SimpleNamespace(service=r.service, unit=r.unit.name,
                                  rate=None if r.unit is RateType.cost_reimbursement else r.rate)
                  for r in rates], blank)


def _measure_rows(measures: list, blank: int = 2) -> list[SimpleNamespace]:
    return _rows([SimpleNamespace(name=m.name, target=m.target, incentive=m.incentive)
                  for m in measures], blank)


def _rates(form: Any) -> list[contract_flow.Rate]:
    return [contract_flow.Rate(service=e.form.service.data.strip(),
                               unit=RateType[e.form.unit.data], rate=e.form.rate.data)
            for e in form.rates if (e.form.service.data or "").strip()]


def _measures(form: Any) -> list[contract_flow.Measure]:
    return [contract_flow.Measure(name=e.form.name.data.strip(), target=e.form.target.data,
                                  incentive=e.form.incentive.data or "")
            for e in form.measures if (e.form.name.data or "").strip()]


def _terms(form: ContractForm) -> dict[str, Any]:
    return {"start_date": form.start_date.data, "end_date": form.end_date.data,
            "annual_maximum": form.annual_maximum.data,
            "rate_type": RateType[form.rate_type.data], "rates": _rates(form),
            "measures": _measures(form)}


@bp.route("/contracts")
@policy.rule("contract.manage")
def contracts():
    """Contracts a page at a time (filtered by number, contractor, status), with the final
    awards still waiting for theirs (the first WAITING_SHOWN)."""
    page = page_of(select(Contract).join(Contract.organization)
                   .options(contains_eager(Contract.organization),
                            selectinload(Contract.encumbrances))
                   .order_by(Contract.number),
                   status_column=Contract.status, statuses=ContractStatus,
                   text_columns=(Contract.number, Organization.legal_name))
    rows = page.items
    without_contract = select(Award).where(Award.status == AwardStatus.final, ~exists().where(
        Contract.award_id == Award.id))
    waiting = list(db.session.scalars(without_contract.options(
        joinedload(Award.solicitation), joinedload(Award.lot),
        joinedload(Award.response).joinedload(Response.organization))
        .order_by(Award.solicitation_id, Award.lot_id).limit(WAITING_SHOWN)))
    more = db.session.scalar(select(func.count()).select_from(without_contract.subquery())) \
        if len(waiting) == WAITING_SHOWN else len(waiting)
    return render_template("award/contracts.html", page=page, contracts=rows, waiting=waiting,
                           waiting_total=more, statuses=list(ContractStatus),
                           balances={c.id: _balance(c) for c in rows})


def _balance(contract: Contract) -> dict[str, Any]:
    return {"encumbered": sum((e.amount for e in contract.encumbrances), start=0),
            "drawn": sum((e.drawn for e in contract.encumbrances), start=0),
            "remaining": sum((e.remaining for e in contract.encumbrances), start=0),
            "warnings": [w for e in contract.encumbrances
                         if (w := contract_flow.pace(e).warning)]}


def _new_contract_page(award: Award, form: ContractForm, status: int = 200):
    if status != 200:
        db.session.rollback()
    return render_template("award/new_contract.html", a=award, form=form), status


@bp.route("/awards/<uuid:award_id>/contract", methods=["GET", "POST"])
@policy.rule("contract.manage")
def new_contract(award_id: UUID):
    award = _by_public_id(Award, award_id, "award")
    existing = db.session.scalar(select(Contract).where(Contract.award_id == award.id))
    if existing is not None:
        return redirect(url_for("award.contract", contract_id=existing.public_id))
    form = ContractForm(prefix="contract")
    if form.is_submitted():
        row = _submit(form, lambda status: _new_contract_page(award, form, status),
                      lambda: contract_flow.create(db.session, award, current_user,
                                                   **_terms(form)))
        flash(f"Contract {row.number} drafted. Record the signature when it is signed.",
              "success")
        return redirect(url_for("award.contract", contract_id=row.public_id))
    start, end = contract_flow.default_term(award)
    form = ContractForm(prefix="contract", formdata=None, start_date=start, end_date=end,
                        annual_maximum=award.amount, rates=_rate_rows([], 3),
                        measures=_measure_rows([], 3))
    return _new_contract_page(award, form)


def _contract_forms(contract: Contract) -> dict[str, Any]:
    forms: dict[str, Any] = {
        "events": EventForm(prefix="event", formdata=None),
        "terminate": ReasonForm(prefix="terminate", formdata=None),
        "document": DocumentForm(prefix="document", formdata=None),
        # never pre-filled: the annual maximum is a ceiling, not what a year needs
        "encumber": EncumberForm(prefix="encumber", formdata=None)}
    if contract.status is ContractStatus.drafting:
        forms["edit"] = ContractForm(
            prefix="edit", formdata=None, start_date=contract.start_date,
            end_date=contract.end_date, annual_maximum=contract.annual_maximum,
            rate_type=contract.rate_type.name, rates=_rate_rows(contract.rates),
            measures=_measure_rows(contract.measures))
    if contract.status is ContractStatus.active:
        forms["amend"] = AmendForm(
            prefix="amend", formdata=None, annual_maximum=contract.annual_maximum,
            end_date=contract.end_date, rates=_rate_rows(contract.rates, 1),
            measures=_measure_rows(contract.measures, 1))
    for encumbrance in contract.encumbrances:
        forms[f"draw-{encumbrance.id}"] = DrawDownForm(prefix=f"draw{encumbrance.id}",
                                                       formdata=None)
    for amendment in contract.amendments:
        if amendment.status is AmendmentStatus.awaiting_approval:
            forms[f"approve-{amendment.id}"] = ConfirmForm(prefix=f"approve{amendment.id}",
                                                           formdata=None)
            forms[f"refuse-{amendment.id}"] = ReasonForm(prefix=f"refuse{amendment.id}",
                                                         formdata=None)
    return forms


def _encumber_choices(form: EncumberForm, contract: Contract) -> EncumberForm:
    form.fiscal_year.choices = [
        (year, f"FY{year} ({contract_flow.long_date(start)} to {contract_flow.long_date(end)})")
        for year in contract_flow.fiscal_years(contract)
        for start, end in [contract_flow.fiscal_year_bounds(year)]]
    return form


def _contract_page(contract: Contract, status: int = 200,
                   submitted: tuple[str, Any] | None = None):
    if status != 200:
        db.session.rollback()
    forms = _contract_forms(contract)
    if submitted is not None:
        forms[submitted[0]] = submitted[1]
    _encumber_choices(forms["encumber"], contract)
    events = [e for e in contract_flow.CONTRACT.allowed_events(contract)
              if e in ("sign", "activate")]
    return render_template(
        "award/contract.html", c=contract, forms=forms, events=events,
        labels=contract_flow.CONTRACT_LABELS, C=ContractStatus, balance=_balance(contract),
        paces={e.id: contract_flow.pace(e) for e in contract.encumbrances},
        can_terminate="terminate" in contract_flow.CONTRACT.allowed_events(contract)), status


def _contract(contract_id: UUID) -> Contract:
    return _by_public_id(Contract, contract_id, "contract")


@bp.route("/contracts/<uuid:contract_id>")
@policy.rule("contract.manage")
def contract(contract_id: UUID):
    return _contract_page(_contract(contract_id))


def _back(contract: Contract, anchor: str = "") -> Any:
    return redirect(url_for("award.contract", contract_id=contract.public_id) + anchor)


def _contract_form_page(row: Contract, key: str, form: Any) -> Callable[[int], Any]:
    return lambda status: _contract_page(row, status, (key, form))


@bp.route("/contracts/<uuid:contract_id>/terms", methods=["POST"])
@policy.rule("contract.manage")
def edit_contract(contract_id: UUID):
    row = _contract(contract_id)
    form = ContractForm(prefix="edit")
    _submit(form, _contract_form_page(row, "edit", form),
            lambda: contract_flow.edit_draft(db.session, row, current_user, **_terms(form)))
    flash("The draft's terms are saved.", "success")
    return _back(row, "#terms")


@bp.route("/contracts/<uuid:contract_id>/events/<event>", methods=["POST"])
@policy.rule("contract.manage")
def contract_event(contract_id: UUID, event: str):
    """Sign, activate (a button each) or terminate (with the reason)."""
    row = _contract(contract_id)
    key = "terminate" if event == "terminate" else "events"
    form = ReasonForm(prefix="terminate") if key == "terminate" else EventForm(prefix="event")
    _submit(form, _contract_form_page(row, key, form),
            lambda: contract_flow.fire(db.session, row, event, current_user,
                                       reason=form.reason.data or ""))
    flash(f"Contract {row.number}: {row.status.value.lower()}.", "success")
    return _back(row)


@bp.route("/contracts/<uuid:contract_id>/amendments", methods=["POST"])
@policy.rule("contract.manage")
def amend(contract_id: UUID):
    row = _contract(contract_id)
    form = AmendForm(prefix="amend")
    amendment = _submit(form, _contract_form_page(row, "amend", form),
                        lambda: contract_flow.amend(
                            db.session, row, current_user, reason=form.reason.data,
                            annual_maximum=form.annual_maximum.data,
                            end_date=form.end_date.data, rates=_rates(form),
                            measures=_measures(form)))
    if amendment.status is AmendmentStatus.awaiting_approval:
        flash(f"Amendment {amendment.number} raises the annual maximum above the award: it is "
              "recorded and waits for another officer's approval.", "info")
    else:
        flash(f"Amendment {amendment.number} recorded: "
              f"{', '.join(c['field'].lower() for c in amendment.changes)}.", "success")
    return _back(row, "#amendments")


def _amendment(amendment_id: int) -> ContractAmendment:
    return db.get_or_404(ContractAmendment, amendment_id)


@bp.route("/contracts/amendments/<int:amendment_id>/<any(approve, refuse):decision>",
          methods=["POST"])
@policy.rule("contract.manage")
def decide_amendment(amendment_id: int, decision: str):
    """Another officer approves an amendment raising the maximum above the award (a ticked
    box), or any officer refuses it (with the reason)."""
    amendment = _amendment(amendment_id)
    approve = decision == "approve"
    form = (ConfirmForm if approve else ReasonForm)(prefix=f"{decision}{amendment.id}")
    _submit(form, _contract_form_page(amendment.contract, f"{decision}-{amendment.id}", form),
            lambda: contract_flow.approve_amendment(db.session, amendment, current_user)
            if approve else contract_flow.refuse_amendment(db.session, amendment, current_user,
                                                           reason=form.reason.data))
    flash(f"Amendment {amendment.number} approved: the annual maximum is now "
          f"{contract_flow.money(amendment.contract.annual_maximum)}." if approve
          else f"Amendment {amendment.number} refused; the contract is unchanged.", "success")
    return _back(amendment.contract, "#amendments")


@bp.route("/contracts/<uuid:contract_id>/documents", methods=["POST"])
@policy.rule("contract.manage")
def add_document(contract_id: UUID):
    row = _contract(contract_id)
    form = DocumentForm(prefix="document")
    document = _submit(form, _contract_form_page(row, "document", form),
                       lambda: contract_flow.add_document(
                           db.session, row, current_user, uploads(), title=form.title.data,
                           stream=form.file.data.stream, filename=form.file.data.filename))
    flash(f"{document.title} ({document.filename}) is kept with the contract.", "success")
    return _back(row, "#documents")


@bp.route("/contracts/documents/<uuid:document_id>")
@policy.rule("contract.manage")
def contract_document(document_id: UUID):
    return send_document(_by_public_id(ContractDocument, document_id, "document"))


@bp.route("/contracts/<uuid:contract_id>/encumbrances", methods=["POST"])
@policy.rule("contract.manage")
def encumber(contract_id: UUID):
    row = _contract(contract_id)
    form = _encumber_choices(EncumberForm(prefix="encumber"), row)
    _submit(form, _contract_form_page(row, "encumber", form),
            lambda: contract_flow.encumber(db.session, row, current_user,
                                           fiscal_year_=form.fiscal_year.data,
                                           amount=form.amount.data))
    flash(f"FY{form.fiscal_year.data}: {contract_flow.money(form.amount.data)} encumbered.",
          "success")
    return _back(row, "#money")


@bp.route("/encumbrances/<int:encumbrance_id>/draw-downs", methods=["POST"])
@policy.rule("contract.manage")
def draw_down(encumbrance_id: int):
    encumbrance = db.get_or_404(Encumbrance, encumbrance_id)
    form = DrawDownForm(prefix=f"draw{encumbrance.id}")
    _submit(form, _contract_form_page(encumbrance.contract, f"draw-{encumbrance.id}", form),
            lambda: contract_flow.draw_down(
                db.session, encumbrance, current_user, service_date=form.service_date.data,
                amount=form.amount.data, service=form.service.data,
                family_reference=form.family_reference.data or "",
                flexible_funds=form.flexible_funds.data))
    flash(f"{contract_flow.money(form.amount.data)} drawn down; "
          f"{contract_flow.money(encumbrance.remaining)} remains in FY{encumbrance.fiscal_year}.",
          "success")
    return _back(encumbrance.contract, f"#fy-{encumbrance.fiscal_year}")


# ---------------------------------------------------------------- bidders: their contracts

@bp.route("/contracts/mine")
@policy.rule("contract.own")
def my_contracts():
    """My contracts, a page at a time, filtered by number and status."""
    page = page_of(select(Contract).where(
        Contract.organization_id == current_user.organization_id,
        Contract.status != ContractStatus.drafting).order_by(Contract.number)
        .options(joinedload(Contract.lot), joinedload(Contract.organization),
                 selectinload(Contract.area_offices), selectinload(Contract.rates),
                 selectinload(Contract.measures), selectinload(Contract.amendments),
                 selectinload(Contract.encumbrances).selectinload(Encumbrance.draw_downs)),
        status_column=Contract.status, statuses=ContractStatus,
        text_columns=(Contract.number,))
    rows = page.items
    return render_template("award/my_contracts.html", page=page, contracts=rows,
                           statuses=[s for s in ContractStatus if s is not ContractStatus.drafting],
                           balances={c.id: _balance(c) for c in rows},
                           paces={e.id: contract_flow.pace(e)
                                  for c in rows for e in c.encumbrances})


# ---------------------------------------------------------------- anyone: the awards made

@bp.route("/solicitations/<int:solicitation_id>/awards")
@policy.rule("public.browse")
@public_page
def public_awards(solicitation_id: int):
    row = search.visible_solicitation(db.session, None, solicitation_id)
    final = [a for a in flow.awards_of(db.session, row, selectinload(Award.response)
                                       .selectinload(Response.organization))
             if a.status is AwardStatus.final]
    return render_template("award/public.html", s=row, awards=final)
