"""Bidders: my responses, upload with progress, the record read from each PDF, submit, receipt."""

from __future__ import annotations

from uuid import UUID

from flask import (
    Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload
from wtforms import IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from procure import clock, policy
from procure.extensions import db, limiter
from procure.faces import received_at, send_document, send_page_image, uploads
from procure.kept_lists import page_of
from procure.models import DocumentKind, Response, ResponseStatus, Solicitation
from procure.web.forms import ConfirmForm, EventForm, UploadForm
from procure.workflows import evaluation as evaluation_flow
from procure.workflows import response as flow
from procure.workflows import solicitation as solicitation_flow
from procure.workflows.base import WorkflowError

bp = Blueprint("bidder", __name__, url_prefix="/bidder")


@bp.route("/")
@policy.rule("response.work")
def dashboard():
    """My responses: a page at a time, filtered by words of the RFR and by status."""
    page = page_of(select(Response).join(Response.solicitation).where(
        Response.organization_id == current_user.organization_id)
        .options(contains_eager(Response.solicitation), joinedload(Response.lot))
        .order_by(Response.created_at.desc(), Response.id.desc()),
        status_column=Response.status, statuses=ResponseStatus,
        text_columns=(Solicitation.number, Solicitation.title))
    return render_template("bidder/dashboard.html", page=page, responses=page.items,
                           statuses=list(ResponseStatus),
                           outcomes=flow.outcomes(db.session, page.items),
                           time_left=solicitation_flow.time_left)


@bp.route("/lots/<int:lot_id>/respond", methods=["POST"])
@policy.rule("response.work")
def start(lot_id: int):
    lot = flow.lot_to_respond_to(db.session, current_user, lot_id)
    row = flow.start(db.session, current_user, lot)
    db.session.commit()
    return redirect(url_for("bidder.response", response_id=row.public_id))


def _my_response(response_id: UUID):
    return flow.own_response(db.session, current_user, response_id)


@bp.route("/responses/<uuid:response_id>")
@policy.rule("response.work")
def response(response_id: UUID):
    row = _my_response(response_id)
    return _response_page(row, refusal=session.pop(_REFUSAL.format(row.public_id), None))


_REFUSAL = "refused:{}"   # the session key of a refused event's reason, shown once


def _response_page(row, status: int = 200, *, refusal: str | None = None,
                   remove_error: tuple[str | None, str | None] = (None, None),
                   rates_error: str | None = None, typed_rates: dict[str, str] | None = None,
                   rate_errors: dict[str, str] | None = None):
    """The bidder's response; a refused submit (a rejected file, a document still being read)
    or a removal sent unticked comes back here, beside its button, with the reason."""
    if status != 200:
        db.session.rollback()
        db.session.refresh(row)
    return render_template("bidder/response.html", r=row, form=UploadForm(),
                           event_form=EventForm(), events=flow.allowed_events(row, current_user),
                           labels=flow.LABELS, consequences=flow.CONSEQUENCES,
                           problems=flow.completeness(row), refusal=refusal,
                           changeable=flow.can_change(row, received_at()),
                           remove_error=remove_error,
                           rate_lines=evaluation_flow.rate_card(db.session, row.solicitation),
                           my_rates=evaluation_flow.proposed_rates(db.session, row),
                           rates_locked=evaluation_flow.rates_locked(db.session, row),
                           rates_error=rates_error, typed_rates=typed_rates or {},
                           rate_errors=rate_errors or {},
                           accepting=solicitation_flow.is_accepting(row.solicitation)), status


@bp.route("/responses/<uuid:response_id>/documents", methods=["POST"])
@bp.route("/responses/<uuid:response_id>/documents/<uuid:replaces_id>", methods=["POST"])
@policy.rule("response.work")
@limiter.limit(lambda: current_app.config["UPLOAD_RATE_LIMIT"],
               key_func=lambda: f"upload:{current_user.id}")
def upload(response_id: UUID, replaces_id: UUID | None = None):
    row = _my_response(response_id)
    form = UploadForm()
    if not form.validate_on_submit():
        message = "; ".join(m for messages in form.errors.values() for m in messages)
        flash("Nothing was uploaded: " + (message or "choose a PDF file to upload."), "danger")
        return redirect(url_for("bidder.response", response_id=row.public_id) + "#upload")
    try:
        document = flow.upload_document(
            db.session, row, current_user, stream=form.file.data.stream,
            filename=form.file.data.filename, kind=DocumentKind[form.kind.data],
            uploads=uploads(), replaces_id=replaces_id, received_at=received_at())
    except flow.DuplicateFile as duplicate:
        db.session.rollback()
        flash(duplicate.message, "warning")
        return redirect(url_for("bidder.response", response_id=row.public_id))
    db.session.commit()
    flash(f"{document.filename} was received and is being read.", "success")
    return redirect(url_for("bidder.response", response_id=row.public_id) + f"#document-{document.public_id}")


@bp.route("/responses/<uuid:response_id>/documents/<uuid:document_id>/remove", methods=["POST"])
@policy.rule("response.work")
def remove(response_id: UUID, document_id: UUID):
    row = _my_response(response_id)
    document = flow.document_of(row, document_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        message = ("The form expired: reload the page and send it again."
                   if form.csrf_token.errors else "Tick the box to confirm; nothing was removed.")
        return _response_page(row, 400, remove_error=(document.public_id, message))
    try:
        flow.remove_document(db.session, row, current_user, document)
    except WorkflowError as error:
        return _response_page(row, 409, remove_error=(document.public_id, error.message))
    db.session.commit()
    flash(f"{document.filename} was removed from the response (it stays in its history).", "info")
    return redirect(url_for("bidder.response", response_id=row.public_id))


@bp.route("/responses/<uuid:response_id>/rates", methods=["POST"])
@policy.rule("response.work")
def rates(response_id: UUID):
    """The bidder's rates for the RFR's rate card, saved with the response before submitting."""
    row = _my_response(response_id)
    form = EventForm()
    lines = evaluation_flow.rate_card(db.session, row.solicitation)
    typed = {f"rate-{line.id}": request.form.get(f"rate-{line.id}", "") for line in lines}
    if not form.validate_on_submit():
        return _response_page(row, 400, rates_error="The form expired: send it again.",
                              typed_rates=typed)
    try:
        evaluation_flow.set_proposed_rates(
            db.session, row, current_user,
            evaluation_flow.read_rates(lines, {line.id: typed[f"rate-{line.id}"]
                                               for line in lines}),
            received_at=received_at())
    except WorkflowError as error:
        marked = evaluation_flow.rate_problems(lines, {line.id: typed[f"rate-{line.id}"]
                                                       for line in lines})
        return _response_page(row, 409, rates_error=error.message, typed_rates=typed,
                              rate_errors={f"rate-{k}": why for k, why in marked.items()})
    db.session.commit()
    flash("Your rates were saved with the response.", "success")
    return redirect(url_for("bidder.response", response_id=row.public_id) + "#rates")


@bp.route("/responses/<uuid:response_id>/events/<event>", methods=["POST"])
@policy.rule("response.work")
def fire(response_id: UUID, event: str):
    row = _my_response(response_id)
    try:
        flow.fire(db.session, row, event, current_user, received_at=received_at())
    except WorkflowError as error:
        # Told on the response's own page (its URL: a reload shows the page, never a 405),
        # beside the button that was refused.
        db.session.rollback()
        session[_REFUSAL.format(row.public_id)] = error.message
        return redirect(url_for("bidder.response", response_id=row.public_id) + "#act-h")
    db.session.commit()
    flash(flow.DONE.get(event, "Done."), "success")
    if event == "submit":
        return redirect(url_for("bidder.receipt", response_id=row.public_id))
    return redirect(url_for("bidder.response", response_id=row.public_id))


@bp.route("/responses/<uuid:response_id>/receipt")
@policy.rule("response.work")
def receipt(response_id: UUID):
    row = _my_response(response_id)
    if not row.receipts:
        abort(404)
    return render_template("bidder/receipt.html", r=row, receipt=row.last_receipt)


@bp.route("/responses/<uuid:response_id>/progress")
@policy.rule("response.work")
def progress(response_id: UUID):
    """Intake progress for the page's script (polled; no reload)."""
    row = _my_response(response_id)
    return jsonify({"documents": [
        {"id": d.public_id, "status": d.intake_status.name, "label": d.intake_status.value,
         "pages_done": d.pages_done, "pages_total": d.pages_total}
        for d in row.current_documents], "now": clock.now().isoformat()})


COVER_FIELDS = (("organization_name", "Organization"), ("tax_id", "Tax ID (FEIN)"),
                ("contact_name", "Contact"), ("contact_email", "Contact email"), ("lot", "Lot"),
                ("total_price", "Total price"))


def corrections_form(document, formdata=None) -> FlaskForm:
    """The bidder's check of what was read: each required section's start page, the budget's
    total, the cover fields; filled with the record as confirmed so far."""
    record = document.confirmed_record or {}
    pages = int(record.get("pages") or 1)

    class CorrectionsForm(FlaskForm):
        budget_total = StringField("Budget total ($)", validators=[Optional(), Length(max=40)])

    starts = {s["id"]: s["start_page"] for s in record.get("sections") or []}
    data = {"budget_total": (record.get("budget") or {}).get("stated_total")
            or (record.get("budget") or {}).get("total") or ""}
    for sec in document.response.solicitation.sections:
        setattr(CorrectionsForm, f"section_{sec.id}", IntegerField(
            f"{sec.title}: starts on page", validators=[Optional(), NumberRange(
                1, pages, message=f"A page of this document: 1 to {pages}.")]))
        data[f"section_{sec.id}"] = starts.get(str(sec.id))
    for key, label in COVER_FIELDS:
        setattr(CorrectionsForm, f"cover_{key}", StringField(label, validators=[Optional(), Length(max=200)]))
        data[f"cover_{key}"] = (record.get("cover") or {}).get(key) or ""
    return CorrectionsForm(formdata=formdata, data=data) if formdata is not None else CorrectionsForm(data=data)


def _changes(document, form) -> dict:
    """What the form changes against what was read: a value equal to what was read takes a
    correction back."""
    read = document.record or {}
    corrected = document.corrections or {}
    read_starts = {s["id"]: s["start_page"] for s in read.get("sections") or []}
    sections = {}
    for sec in document.response.solicitation.sections:
        sid = str(sec.id)
        value = form[f"section_{sec.id}"].data
        if value is None or value == read_starts.get(sid):
            if sid in (corrected.get("sections") or {}):
                sections[sid] = ""
        elif value != ((corrected.get("sections") or {}).get(sid) or {}).get("value"):
            sections[sid] = value
    cover = {}
    for key, _ in COVER_FIELDS:
        value = " ".join((form[f"cover_{key}"].data or "").split())
        was = ((corrected.get("cover") or {}).get(key) or {}).get("value")
        if value == ((read.get("cover") or {}).get(key) or ""):
            if was is not None:
                cover[key] = ""
        elif value != was:
            cover[key] = value
    budget = read.get("budget") or {}
    read_total = flow.amount_of(budget.get("stated_total") or budget.get("total"))
    value = (form.budget_total.data or "").strip()
    was = (corrected.get("budget_total") or {}).get("value")
    total = None
    if value and flow.amount_of(value) is None:
        total = value  # not an amount: the use case says so
    elif not value or flow.amount_of(value) == read_total:
        if was is not None:
            total = ""
    elif flow.amount_of(value) != flow.amount_of(was):
        total = value
    return {"sections": sections, "cover": cover, "budget_total": total}


def _document_page(document, form=None, status: int = 200, error: str | None = None):
    r = document.response
    editable = flow.can_change(r) and document.record is not None
    return render_template("document.html", d=document, r=r, area="bidder",
                           back=url_for("bidder.response", response_id=r.public_id),
                           form=(form or corrections_form(document)) if editable else None,
                           correction_error=error, cover_fields=COVER_FIELDS), status


@bp.route("/documents/<uuid:document_id>")
@policy.rule("response.work")
def document(document_id: int):
    return _document_page(flow.own_document(db.session, current_user, document_id))


@bp.route("/documents/<uuid:document_id>/corrections", methods=["POST"])
@policy.rule("response.work")
def correct(document_id: int):
    """The bidder corrects what was read (section start pages, the budget total, cover fields)."""
    document = flow.own_document(db.session, current_user, document_id)
    form = corrections_form(document, formdata=None)
    if not form.validate_on_submit():
        message = ("The form expired: reload the page and send it again." if form.csrf_token.errors
                   else "Nothing was changed: check the fields marked below.")
        return _document_page(document, form, 400, message)
    try:
        flow.correct_record(db.session, document.response, current_user, document,
                            **_changes(document, form))
    except WorkflowError as error:
        db.session.rollback()
        return _document_page(document, form, 409, error.message)
    db.session.commit()
    flash("Your corrections are saved beside what was read; the checks now use them.", "success")
    return redirect(url_for("bidder.document", document_id=document.public_id) + "#check")


@bp.route("/documents/<uuid:document_id>/pages/<int:number>.png")
@policy.rule("response.work")
def page_image(document_id: int, number: int):
    document = flow.own_document(db.session, current_user, document_id)
    return send_page_image(document, number)


@bp.route("/documents/<uuid:document_id>/file")
@policy.rule("response.work")
def document_file(document_id: int):
    document = flow.own_document(db.session, current_user, document_id)
    return send_document(document)

