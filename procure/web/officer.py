"""Procurement officers: draft, publish, amend, answer, open, cancel; the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from procure import clock, disclosure, policy, search
from procure.extensions import db
from procure.faces import send_document, send_page_image, uploads
from procure.models import (
    Agency,
    AreaOffice,
    CancelReason,
    Criterion,
    Envelope,
    Lot,
    LotKind,
    Question,
    Region,
    RequiredSection,
    ServiceModel,
    Solicitation,
    SolicitationKind,
    SolicitationStatus,
)
from procure.web.forms import (
    EDIT_FORMS,
    AddendumForm,
    AnswerForm,
    BelowMinimumForm,
    CancelForm,
    ConfirmForm,
    CriterionForm,
    DocumentForm,
    DraftCancelForm,
    DraftDetailsForm,
    EventForm,
    JudgeForm,
    LotForm,
    SectionForm,
    SolicitationForm,
)
from procure.workflows import award as award_flow
from procure.workflows import contract as contract_flow
from procure.workflows import diagram
from procure.workflows import evaluation as evaluation_flow
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from procure.workflows.base import NotFound, WorkflowError

bp = Blueprint("officer", __name__, url_prefix="/officer")


def _utc(value: datetime | None) -> datetime | None:
    return clock.from_local(value) if value is not None else None


def _local(value: datetime | None) -> datetime | None:
    return clock.local(value).replace(tzinfo=None) if value is not None else None


def _solicitation_form(row: Solicitation | None = None, *, submitted: bool = False) -> SolicitationForm:
    """The details form (a new solicitation's, or a draft's without its fixed kind and number):
    what was sent when it is the one submitted, else the row's values."""
    submitted = submitted and request.method == "POST"
    form_class = SolicitationForm if row is None else DraftDetailsForm
    form = (form_class() if submitted or row is None
            else form_class(formdata=None, obj=row))
    form.agencies.choices = [(a.code, f"{a.code}: {a.name}")
                             for a in db.session.scalars(select(Agency).order_by(Agency.code))]
    form.informed_by.choices = [(0, "None")] + [
        (rfi.id, f"{rfi.number}: {rfi.title}") for rfi in flow.rfi_choices(db.session)]
    if row is not None and not submitted:
        form.agencies.data = [a.code for a in row.agencies]
        form.informed_by.data = row.informed_by_id or 0
        for name in ("questions_due", "conference_at", "deadline"):
            getattr(form, name).data = _local(getattr(row, name))
    return form


def _fields(form: SolicitationForm) -> dict:
    return {
        "title": form.title.data, "description": form.description.data or "",
        "questions_due": _utc(form.questions_due.data), "conference_at": _utc(form.conference_at.data),
        "conference_location": form.conference_location.data or "",
        "deadline": _utc(form.deadline.data), "expected_award": form.expected_award.data,
        "contract_start": form.contract_start.data,
        "informed_by_id": form.informed_by.data or None,
        "required_document_kinds": form.required_document_kinds.data or [],
    }


@bp.route("/")
@policy.rule("solicitation.view_internal")
def dashboard():
    query = select(Solicitation).options(selectinload(Solicitation.agencies)).order_by(
        Solicitation.deadline.is_(None), Solicitation.deadline.desc(), Solicitation.id.desc())
    page = db.paginate(query, page=search.page_number(request.args.get("page")),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    ids = [s.id for s in page.items]
    waiting = dict(db.session.execute(
        select(Question.solicitation_id, func.count()).where(
            Question.solicitation_id.in_(ids), Question.answer.is_(None))
        .group_by(Question.solicitation_id)).all()) if ids else {}
    return render_template("officer/dashboard.html", page=page, waiting=waiting,
                           next_deadline=flow.next_deadline)


@bp.route("/solicitations/new", methods=["GET", "POST"])
@policy.rule("solicitation.manage")
def new():
    form = _solicitation_form()
    year = clock.local(clock.now()).year
    rfr, rfi = (flow.next_number(db.session, "DCF", kind, year)
                for kind in (SolicitationKind.RFR, SolicitationKind.RFI))
    form.number.description = (f"Leave empty to number it automatically: the next RFR is {rfr}, "
                               f"the next RFI {rfi} (the first issuing agency's code comes first).")
    if form.validate_on_submit():
        try:
            row = flow.create(db.session, current_user, kind=SolicitationKind[form.kind.data],
                              agencies=form.agencies.data, number=form.number.data or None,
                              **_fields(form))
        except WorkflowError as error:
            db.session.rollback()
            _refused(form, error)
            return render_template("officer/new.html", form=form), 409
        db.session.commit()
        flash(f"Draft {row.number} created. Add its lots, sections and criteria, then publish.",
              "success")
        return redirect(url_for("officer.solicitation", solicitation_id=row.id))
    return render_template("officer/new.html", form=form), 400 if form.errors else 200


def _lot_form(submitted: bool = False) -> LotForm:
    return _lot_choices(LotForm(prefix="lot") if submitted else LotForm(prefix="lot", formdata=None))


def _lot_choices(lot_form):
    """The area offices, regions and service models a lot (new or edited) may cover; read once
    a request, however many lots the page edits."""
    if "lot_choices" not in g:
        areas = db.session.scalars(select(AreaOffice).options(selectinload(AreaOffice.region))
                                   .order_by(AreaOffice.name)).all()
        g.lot_choices = (
            [(a.id, f"{a.name} ({a.region.name})") for a in areas],
            [(0, "—")] + [(r.id, r.name)
                          for r in db.session.scalars(select(Region).order_by(Region.name))],
            [("", "—")] + [(m.code, m.name) for m in db.session.scalars(
                select(ServiceModel).order_by(ServiceModel.name))])
    (lot_form.area_offices.choices, lot_form.region.choices,
     lot_form.service_model.choices) = g.lot_choices
    return lot_form


def _cancel_form(row: Solicitation, submitted: bool = False):
    """A draft never published is cancelled without a coded reason; anything once public with
    one and an explanation for bidders."""
    kind = DraftCancelForm if row.published_at is None else CancelForm
    return kind(prefix="cancel") if submitted else kind(prefix="cancel", formdata=None)


def _draft_forms(row: Solicitation) -> dict:
    """The forms that add parts to a draft (none once published: it changes by addendum)."""
    if row.status is not SolicitationStatus.draft:
        return {}
    return {"lot_form": _lot_form(), "section_form": SectionForm(prefix="section", formdata=None),
            "criterion_form": CriterionForm(prefix="criterion", formdata=None),
            "document_form": DocumentForm(prefix="document", formdata=None)}


def _edit_forms(row: Solicitation) -> dict:
    """A form per lot, section and criterion, filled with its values: in place on a draft, by
    addendum while open; none after."""
    if row.kind is not SolicitationKind.RFR or row.status not in (
            SolicitationStatus.draft, SolicitationStatus.published):
        return {}
    forms = {}
    for part, items in (("lot", row.lots), ("section", row.sections), ("criterion", row.criteria)):
        for item in items:
            form = EDIT_FORMS[part](prefix=f"{part}{item.id}", formdata=None, obj=item)
            if part == "section":
                form.aliases.data = ", ".join(item.aliases or [])
            if part == "criterion":
                form.envelope.data = item.envelope.name
            if part == "lot":
                _lot_choices(form)
                form.kind.data = item.kind.name
                form.area_offices.data = [a.id for a in item.area_offices]
                form.region.data = item.region_id or 0
                form.service_model.data = item.service_model_code or ""
            forms[f"{part}-{item.id}"] = form
    return forms


def _page(row: Solicitation, status: int = 200, edit_form: tuple | None = None, **submitted):
    """The RFR's page; a form that was sent with mistakes comes back in place, with what was
    typed and each message beside its field; a refused action (`refusal`) says why where its
    button is; a removal sent without its box ticked comes back open (`remove_error`)."""
    if status != 200:
        db.session.rollback()   # nothing of a refused request stays
    context = dict(
        form=_solicitation_form(row), **_draft_forms(row), event_form=EventForm(formdata=None),
        cancel_form=_cancel_form(row), refusal=None, remove_error=(None, None),
        addendum_form=AddendumForm(prefix="addendum", formdata=None),
        edit_forms=_edit_forms(row))
    context.update(submitted)
    if edit_form is not None:
        context["edit_forms"][edit_form[0]] = edit_form[1]
    return render_template(
        "officer/solicitation.html", s=row, events=flow.allowed_events(row),
        addendum_rules=(flow.addendum_rules(db.session, row)
                        if row.status is SolicitationStatus.published else None),
        labels=flow.LABELS, counts=response_flow.opening_counts(db.session, row),
        sealed_count=response_flow.sealed_count(db.session, row),
        consequences=flow.consequences(row),
        not_yet={"publish": flow.publish_problems(row)} if row.status is SolicitationStatus.draft
        else {},
        rfi_comments=flow.rfi_comments(db.session, row) if row.status is SolicitationStatus.draft else [],
        unanswered=[q for q in row.questions if q.answer is None], **context), status


def _refused(form, error: WorkflowError) -> None:
    """A refusal of the use case, shown at the top of the form that asked."""
    form.form_errors.append(error.message)


@bp.route("/solicitations/<int:solicitation_id>", methods=["GET", "POST"])
@policy.rule("solicitation.manage")
def solicitation(solicitation_id: int):
    row = db.get_or_404(Solicitation, solicitation_id)
    if request.method == "GET":
        return _page(row)
    form = _solicitation_form(row, submitted=True)
    if not form.validate_on_submit():
        return _page(row, 400, form=form)
    try:
        flow.update(db.session, row, current_user, agencies=form.agencies.data, **_fields(form))
    except WorkflowError as error:
        _refused(form, error)
        return _page(row, 409, form=form)
    db.session.commit()
    flash("Draft saved.", "success")
    return redirect(url_for("officer.solicitation", solicitation_id=row.id))


@bp.route("/solicitations/<int:solicitation_id>/lots", methods=["POST"])
@policy.rule("solicitation.manage")
def add_lot(solicitation_id: int):
    row = db.get_or_404(Solicitation, solicitation_id)
    form = _lot_form(submitted=True)
    if not form.validate_on_submit():
        return _page(row, 400, lot_form=form)
    try:
        flow.add_lot(db.session, row, current_user, kind=LotKind[form.kind.data],
                     title=form.title.data,
                     estimated_annual_value=form.estimated_annual_value.data,
                     max_awards=form.max_awards.data,
                     area_office_ids=form.area_offices.data or [],
                     region_id=form.region.data or None,
                     service_model_code=form.service_model.data or None)
    except WorkflowError as error:
        _refused(form, error)
        return _page(row, 409, lot_form=form)
    db.session.commit()
    flash("Lot added.", "success")
    return redirect(url_for("officer.solicitation", solicitation_id=row.id) + "#lots")


@bp.route("/solicitations/<int:solicitation_id>/sections", methods=["POST"])
@policy.rule("solicitation.manage")
def add_section(solicitation_id: int):
    row = db.get_or_404(Solicitation, solicitation_id)
    form = SectionForm(prefix="section")
    if not form.validate_on_submit():
        return _page(row, 400, section_form=form)
    try:
        flow.add_section(db.session, row, current_user, title=form.title.data,
                         aliases=(form.aliases.data or "").split(","),
                         page_limit=form.page_limit.data)
    except WorkflowError as error:
        _refused(form, error)
        return _page(row, 409, section_form=form)
    db.session.commit()
    flash("Section added.", "success")
    return redirect(url_for("officer.solicitation", solicitation_id=row.id) + "#sections")


@bp.route("/solicitations/<int:solicitation_id>/criteria", methods=["POST"])
@policy.rule("solicitation.manage")
def add_criterion(solicitation_id: int):
    row = db.get_or_404(Solicitation, solicitation_id)
    form = CriterionForm(prefix="criterion")
    if not form.validate_on_submit():
        return _page(row, 400, criterion_form=form)
    try:
        flow.add_criterion(db.session, row, current_user, name=form.name.data,
                           weight=form.weight.data, max_points=form.max_points.data,
                           description=form.description.data or "",
                           envelope=Envelope[form.envelope.data])
    except WorkflowError as error:
        _refused(form, error)
        return _page(row, 409, criterion_form=form)
    db.session.commit()
    flash(f"Criterion added. Weights now total {row.criteria_weight}.", "success")
    return redirect(url_for("officer.solicitation", solicitation_id=row.id) + "#criteria")


PARTS = {"lot": Lot, "section": RequiredSection, "criterion": Criterion}


def _part(solicitation_id: int, part: str, part_id: int):
    """The solicitation and one of its lots, sections or criteria named in the URL."""
    row = db.get_or_404(Solicitation, solicitation_id)
    if part not in PARTS:
        abort(404)
    return row, db.get_or_404(PARTS[part], part_id)


@bp.route("/solicitations/<int:solicitation_id>/<part>/<int:part_id>/remove", methods=["POST"])
@policy.rule("solicitation.manage")
def remove_part(solicitation_id: int, part: str, part_id: int):
    row, item = _part(solicitation_id, part, part_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(row, 400, remove_error=(f"{part}-{part_id}", _first_error(form)))
    label = flow.part_label(item)
    try:
        flow.remove_part(db.session, row, current_user, item)
    except WorkflowError as error:
        return _page(row, 409, remove_error=(f"{part}-{part_id}", error.message))
    db.session.commit()
    flash(f"{label}: removed.", "info")
    return redirect(url_for("officer.solicitation", solicitation_id=row.id) + f"#{PLURAL[part]}")


PLURAL = {"lot": "lots", "section": "sections", "criterion": "criteria"}


def _first_error(form) -> str:
    """The first message of a form that did not validate (a confirmation box, its CSRF)."""
    if form.csrf_token.errors:
        return "The form expired or came from elsewhere: reload the page and send it again."
    return next((m for messages in form.errors.values() for m in messages),
                "Tick the box to confirm; nothing was changed.")


@bp.route("/solicitations/<int:solicitation_id>/<part>/<int:part_id>/edit", methods=["POST"])
@policy.rule("solicitation.manage")
def edit_part(solicitation_id: int, part: str, part_id: int):
    row, item = _part(solicitation_id, part, part_id)
    key, form = f"{part}-{part_id}", EDIT_FORMS[part](prefix=f"{part}{part_id}")
    if part == "lot":
        _lot_choices(form)
    if not form.validate_on_submit():
        return _page(row, 400, edit_form=(key, form))
    if row.status is SolicitationStatus.published and (form.addendum_title.data or "").strip() \
            and not form.confirm.data:   # an addendum is published once the officer ticks it
        form.confirm.errors = ["Tick the box to confirm; nothing was published."]
        return _page(row, 400, edit_form=(key, form))
    if part == "lot":
        values = {"title": form.title.data, "kind": LotKind[form.kind.data],
                  "area_offices": form.area_offices.data or [],
                  "region_id": form.region.data or None,
                  "service_model_code": form.service_model.data or None,
                  "estimated_annual_value": form.estimated_annual_value.data,
                  "max_awards": form.max_awards.data}
    else:
        values = {name: form[name].data for name in flow.PART_FIELDS[PARTS[part]]}
    if part == "section":
        values["aliases"] = (values["aliases"] or "").split(",")
    if part == "criterion":
        values.update(envelope=Envelope[values["envelope"]], description=values["description"] or "")
    try:
        addendum = response_flow.edit_part(db.session, row, current_user, item, values,
                                  addendum_title=form.addendum_title.data or "",
                                  addendum_body=form.addendum_body.data or "")
    except WorkflowError as error:
        _refused(form, error)
        return _page(row, 409, edit_form=(key, form))
    db.session.commit()
    flash(f"Addendum {addendum.number} published with the change." if addendum else
          f"{flow.part_label(item)}: saved.", "success")
    return redirect(url_for("officer.solicitation", solicitation_id=row.id)
                    + ("#addenda" if addendum else f"#{part}-{part_id}"))


@bp.route("/solicitations/<int:solicitation_id>/documents", methods=["POST"])
@policy.rule("solicitation.manage")
def attach_document(solicitation_id: int):
    row = db.get_or_404(Solicitation, solicitation_id)
    form = DocumentForm(prefix="document")
    if not form.validate_on_submit():
        return _page(row, 400, document_form=form)
    flow.upload_document(db.session, row, current_user, stream=form.file.data.stream,
                         filename=form.file.data.filename, title=form.title.data,
                         uploads=uploads())
    db.session.commit()
    flash("Document attached.", "success")
    return redirect(url_for("officer.solicitation", solicitation_id=row.id) + "#documents")


@bp.route("/solicitations/<int:solicitation_id>/events/<event>", methods=["POST"])
@policy.rule("solicitation.manage")
def fire(solicitation_id: int, event: str):
    row = db.get_or_404(Solicitation, solicitation_id)
    if event == "cancel":
        form = _cancel_form(row, submitted=True)
        if not form.validate_on_submit():
            return _page(row, 400, cancel_form=form)
        reason = getattr(form, "cancel_reason", None)
        try:
            award_flow.fire_solicitation_event(
                db.session, row, "cancel", current_user, reason=form.text.data or "",
                cancel_reason=CancelReason[reason.data] if reason is not None else None)
        except WorkflowError as error:
            _refused(form, error)
            return _page(row, 409, cancel_form=form)
    else:
        form = EventForm()
        if not form.validate_on_submit():
            return _page(row, 400, refusal=_first_error(form))
        try:
            award_flow.fire_solicitation_event(db.session, row, event, current_user,
                                               reason=form.reason.data or "")
        except WorkflowError as error:
            return _page(row, 409, refusal=error.message)
    db.session.commit()
    flash(flow.done_message(row, event), "success")
    return redirect(url_for("officer.solicitation", solicitation_id=row.id))


@bp.route("/solicitations/<int:solicitation_id>/addenda", methods=["POST"])
@policy.rule("solicitation.manage")
def publish_addendum(solicitation_id: int):
    row = db.get_or_404(Solicitation, solicitation_id)
    form = AddendumForm(prefix="addendum")
    if not form.validate_on_submit():
        return _page(row, 400, addendum_form=form)
    try:
        addendum = response_flow.publish_addendum(
            db.session, row, current_user, title=form.title.data, body=form.body.data,
            new_deadline=_utc(form.new_deadline.data),
            shorten_reason=form.shorten_reason.data or "")
    except WorkflowError as error:
        _refused(form, error)
        return _page(row, 409, addendum_form=form)
    if form.file.data:
        flow.upload_document(db.session, row, current_user, stream=form.file.data.stream,
                             filename=form.file.data.filename, title=form.title.data,
                             uploads=uploads(), addendum=addendum)
    db.session.commit()
    flash(f"Addendum {addendum.number} published. Deadline: {clock.format_moment(row.deadline)}.",
          "success")
    return redirect(url_for("officer.solicitation", solicitation_id=row.id) + "#addenda")


@bp.route("/questions/<int:question_id>/answer", methods=["POST"])
@policy.rule("solicitation.manage")
def answer(question_id: int):
    question = db.get_or_404(Question, question_id)
    form = AnswerForm(prefix=f"q{question.id}")
    if not form.validate_on_submit():
        return _questions_page(question.solicitation, 400, {question.id: form})
    flow.answer_question(db.session, question, current_user, form.answer.data)
    db.session.commit()
    flash("The answer is published to everyone, without the asker's name.", "success")
    return redirect(url_for("officer.questions", solicitation_id=question.solicitation_id))


@bp.route("/solicitations/<int:solicitation_id>/questions")
@policy.rule("solicitation.view_internal")
def questions(solicitation_id: int):
    return _questions_page(db.get_or_404(Solicitation, solicitation_id))


def _questions_page(row: Solicitation, status: int = 200, submitted: dict | None = None):
    forms = {q.id: AnswerForm(prefix=f"q{q.id}", answer=q.answer, formdata=None)
             for q in row.questions}
    forms.update(submitted or {})
    # who asked is a bidder's identity: hidden from an evaluator who may not know the bidders
    # (before the opening there is no panel: the agency reads who asked, as it always has)
    names = not disclosure.blind_now(current_user, row)
    return render_template("officer/questions.html", s=row, forms=forms, names=names), status


@bp.route("/solicitations/<int:solicitation_id>/comments")
@policy.rule("solicitation.view_internal")
def comments(solicitation_id: int):
    row = db.get_or_404(Solicitation, solicitation_id)
    return render_template("officer/comments.html", s=row,
                           comments=flow.comments_on(db.session, row))


@bp.route("/solicitations/<int:solicitation_id>/audit")
@policy.rule("audit.view")
def audit_trail(solicitation_id: int):
    row = db.get_or_404(Solicitation, solicitation_id)
    events = response_flow.audit_trail(db.session, current_user, row)
    return render_template("officer/audit.html", s=row, events=events)


@bp.route("/solicitations/<int:solicitation_id>/lifecycle")
@policy.rule("solicitation.view_internal")
def lifecycle(solicitation_id: int):
    row = db.get_or_404(Solicitation, solicitation_id)
    workflow = flow.workflow_for(row)
    held = [] if row.kind is SolicitationKind.RFI else [
        ("Each response", response_flow.RESPONSE), ("Each panel", evaluation_flow.PANEL),
        ("Each scoresheet", evaluation_flow.SCORESHEET), ("Each award", award_flow.AWARD),
        ("Each protest", award_flow.PROTEST), ("Each contract", contract_flow.CONTRACT)]
    return render_template(
        "officer/lifecycle.html", s=row, workflow=workflow,
        drawing=Markup(diagram.svg(workflow, row.status, key="lc-solicitation")),
        held=[(caption, w, Markup(diagram.svg(w, key=f"lc-{i}"))) for i, (caption, w)
              in enumerate(held)])


@bp.route("/solicitations/<int:solicitation_id>/responses")
@policy.rule("response.read_opened")
def responses(solicitation_id: int):
    return _responses_page(db.get_or_404(Solicitation, solicitation_id))


def _responses_page(row: Solicitation, status: int = 200, minimum_form: Any = None):
    """The responses page names the bidders: refused to an officer who evaluates blind."""
    evaluation_flow.refuse_names_to_blind_evaluator(db.session, row, current_user)
    rows = response_flow.responses_for(db.session, current_user, row)
    return render_template("officer/responses.html", s=row, responses=rows,
                           counts=response_flow.opening_counts(db.session, row),
                           sealed_count=response_flow.sealed_count(db.session, row),
                           event_form=EventForm(), events=flow.allowed_events(row),
                           consequences=flow.consequences(row),
                           below_minimum=flow.below_minimum(db.session, row),
                           minimum_form=minimum_form or BelowMinimumForm(formdata=None)), status


@bp.route("/solicitations/<int:solicitation_id>/below-minimum", methods=["POST"])
@policy.rule("solicitation.manage")
def below_minimum(solicitation_id: int):
    """Opened below the procedure's minimum: evaluate anyway, re-advertise or cancel."""
    row = db.get_or_404(Solicitation, solicitation_id)
    form = BelowMinimumForm()
    if not form.validate_on_submit():
        return _responses_page(row, 400, form)
    try:
        response_flow.decide_below_minimum(db.session, row, current_user, form.decision.data,
                                           form.reason.data)
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _responses_page(row, 409, form)
    db.session.commit()
    flash(f"{row.number}: {dict(form.decision.choices)[form.decision.data].lower()}, "
          "on the record.", "success")
    return redirect(url_for("officer.responses", solicitation_id=row.id))


@bp.route("/responses/<uuid:response_id>")
@policy.rule("response.read_opened")
def response(response_id: UUID):
    return _response_page(_readable_response(response_id))


def _readable_response(response_id: UUID):
    """A response as an officer may read it here: opened, and not to a member of a blind panel
    of its RFR (names never reach such an evaluator; they read it through the evaluation)."""
    row = response_flow.readable_response(db.session, current_user, response_id)
    evaluation_flow.refuse_names_to_blind_evaluator(db.session, row.solicitation, current_user)
    return row


def _readable_document(document_id: UUID):
    document = response_flow.readable_document(db.session, current_user, document_id)
    evaluation_flow.refuse_names_to_blind_evaluator(db.session, document.response.solicitation,
                                                    current_user)
    return document


def _response_page(row, status: int = 200, form: JudgeForm | None = None, event: str = ""):
    """A response as the officer reads it; a judgement sent with a mistake (no reason for a
    rejection, acceptance not ticked) comes back beside its button, with what was typed."""
    if status != 200:
        db.session.rollback()
        db.session.refresh(row)
    blank = JudgeForm(formdata=None)
    forms = {e: (form if e == event and form is not None else blank)
             for e in response_flow.OFFICER_EVENTS}
    return render_template("officer/response.html", r=row, forms=forms,
                           events=response_flow.allowed_events(row, current_user),
                           labels=response_flow.LABELS), status


@bp.route("/responses/<uuid:response_id>/events/<event>", methods=["POST"])
@policy.rule("response.judge")
def judge(response_id: UUID, event: str):
    row = _readable_response(response_id)
    form = JudgeForm()
    if not form.validate_on_submit():
        return _response_page(row, 400, form, event)
    if event == "accept" and not form.confirm.data:
        form.confirm.errors = ["Tick the box to accept it as responsive; nothing was changed."]
        return _response_page(row, 400, form, event)
    try:
        response_flow.fire(db.session, row, event, current_user, reason=form.reason.data or "")
    except WorkflowError as error:
        (form.reason if event == "reject" else form.confirm).errors = [error.message]
        return _response_page(row, 409, form, event)
    db.session.commit()
    flash(f"{row.organization.legal_name}: {response_flow.DONE.get(event, 'done.')}", "success")
    return redirect(url_for("officer.response", response_id=row.public_id))


@bp.route("/documents/<uuid:document_id>")
@policy.rule("response.read_opened")
def document(document_id: UUID):
    document = _readable_document(document_id)
    sealed = not policy.may_see_price(current_user, document.response)
    pages = evaluation_flow.price_pages(document) if sealed else set()
    return render_template("document.html", d=document, r=document.response, area="officer",
                           withheld=set(range(1, len(document.page_images or []) + 1))
                           if pages is None else pages, price_sealed=sealed,
                           back=url_for("officer.response", response_id=document.response.public_id))


@bp.route("/documents/<uuid:document_id>/file")
@policy.rule("response.read_opened")
def document_file(document_id: UUID):
    document = _readable_document(document_id)
    if evaluation_flow.file_withheld(current_user, document):
        raise NotFound("No such document.")    # its price is sealed to this evaluator
    return send_document(document)


@bp.route("/documents/<uuid:document_id>/pages/<int:number>.png")
@policy.rule("response.read_opened")
def page_image(document_id: UUID, number: int):
    document = _readable_document(document_id)
    if evaluation_flow.price_withheld(current_user, document, number):
        raise NotFound("No such page.")        # the price envelope, sealed to this evaluator
    return send_page_image(document, number)
