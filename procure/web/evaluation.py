"""Evaluation in the browser: officers form panels, members declare and score beside the
proposal, the chair follows progress, reaches consensus from the heat map and finalizes; the
report and the score exports."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import (
    Blueprint,
    Response as FlaskResponse,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from procure import clock, policy, reports
from procure.extensions import db
from procure.models import (
    Lot,
    MemberKind,
    Solicitation,
    User,
)
from procure.faces import send_page_image
from procure.web.forms import (
    AssignForm,
    CostForm,
    EventForm,
    PanelForm,
    PanelMemberForm,
    PlanForm,
    ReturnForm,
)
from procure.workflows import evaluation as flow
from procure.workflows import response as response_flow
from procure.workflows.base import NotFound, refuse

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")


@bp.app_template_filter("points")
def points_filter(value: Decimal | None) -> str:
    """Points as a person writes them: 10, 7.5, 6.67 (never 1E+1 or 7.50)."""
    if value is None:
        return ""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------- officers

def _solicitation(solicitation_id: int) -> Solicitation:
    return db.get_or_404(Solicitation, solicitation_id)


@bp.route("/solicitations/<int:solicitation_id>")
@policy.rule("evaluation.manage")
def solicitation(solicitation_id: int):
    row = _solicitation(solicitation_id)
    plan = flow.plan_for(db.session, row)
    panel_form = PanelForm()
    taken = {lot.id for p in flow.panels_of(db.session, row) for lot in p.lots}
    panel_form.lots.choices = [(lot.id, lot.label) for lot in row.lots if lot.id not in taken]
    accepted = [r for r in response_flow.responses_for(db.session, current_user, row)
                if r.status is flow.EVALUATED]
    costs = {r.id: flow.evaluated_cost(db.session, r) for r in accepted}
    return render_template("evaluation/solicitation.html", s=row,
                           plan_form=PlanForm(obj=plan), panel_form=panel_form,
                           panels=flow.panels_of(db.session, row), responses=accepted,
                           costs=costs, cost_form=CostForm())


@bp.route("/solicitations/<int:solicitation_id>/plan", methods=["POST"])
@policy.rule("evaluation.manage")
def plan(solicitation_id: int):
    row = _solicitation(solicitation_id)
    form = PlanForm()
    if not form.validate_on_submit():
        abort(400)
    flow.set_plan(db.session, row, current_user, blind=form.blind.data,
                  half_points=form.half_points.data)
    db.session.commit()
    flash("Evaluation plan saved.", "success")
    return redirect(url_for("evaluation.solicitation", solicitation_id=row.id))


@bp.route("/solicitations/<int:solicitation_id>/panels", methods=["POST"])
@policy.rule("evaluation.manage")
def new_panel(solicitation_id: int):
    row = _solicitation(solicitation_id)
    form = PanelForm()
    form.lots.choices = [(lot.id, lot.label) for lot in row.lots]
    if not form.validate_on_submit():
        refuse("Name the panel and choose at least one lot.")
    lots = list(db.session.scalars(select(Lot).where(Lot.id.in_(form.lots.data))))
    panel = flow.create_panel(db.session, row, current_user, name=form.name.data, lots=lots)
    db.session.commit()
    flash(f"Panel “{panel.name}” formed: add its chair and members.", "success")
    return redirect(url_for("evaluation.panel", panel_id=panel.id))


@bp.route("/panels/<int:panel_id>/members", methods=["POST"])
@policy.rule("evaluation.manage")
def add_member(panel_id: int):
    panel = flow.managed_panel(db.session, current_user, panel_id)
    form = _member_form(panel)
    if not form.validate_on_submit():
        refuse("Choose a person and how they sit on the panel.")
    person = db.session.get(User, form.user.data)
    if person is None:
        raise NotFound("No such person.")
    flow.add_member(db.session, panel, current_user, user=person,
                    kind=MemberKind[form.kind.data], chair=form.chair.data)
    db.session.commit()
    flash(f"{person.name} joins the panel.", "success")
    return redirect(url_for("evaluation.panel", panel_id=panel.id))


@bp.route("/responses/<response_id>/cost", methods=["POST"])
@policy.rule("evaluation.manage")
def correct_cost(response_id: str):
    row = response_flow.readable_response(db.session, current_user, response_id)
    form = CostForm()
    if not form.validate_on_submit():
        refuse("Give the corrected amount and the reason for the correction.")
    flow.correct_cost(db.session, row, current_user, amount=form.amount.data,
                      reason=form.reason.data)
    db.session.commit()
    flash(f"Evaluated cost of {row.organization.legal_name} corrected.", "success")
    return redirect(url_for("evaluation.solicitation", solicitation_id=row.solicitation_id))


def _member_form(panel) -> PanelMemberForm:
    form = PanelMemberForm()
    seated = {m.user_id for m in panel.active_members}
    people = db.session.scalars(select(User).where(User.role.in_(flow.EVALUATOR_ROLES),
                                                   User.active.is_(True))
                                .order_by(User.name))
    form.user.choices = [(u.id, f"{u.name} ({u.email})") for u in people if u.id not in seated]
    return form


# ---------------------------------------------------------------- the panel page (chair, officers)

@bp.route("/panels/<int:panel_id>")
@policy.rule("panel.chair")
def panel(panel_id: int):
    row = flow.managed_panel(db.session, current_user, panel_id)
    chairs = policy.allows(current_user, "panel.chair", row)
    done, total, behind = flow.progress(row)
    responses = flow.responses_of(row)
    labels = {r.id: flow.bidder_label(row, r, current_user) for r in responses}
    assign_form = AssignForm()
    assign_form.member.choices = [(m.id, m.user.name) for m in row.active_members]
    assign_form.response.choices = [(r.public_id, labels[r.id]) for r in responses]
    manage = policy.allows(current_user, "evaluation.manage")
    events = [e for e in flow.PANEL.allowed_events(row)
              if (manage if e == "begin_declarations" else chairs)]
    return render_template(
        "evaluation/panel.html", p=row, chairs=chairs, done=done, total=total, behind=behind,
        responses=responses, labels=labels, org_labels=flow.bidder_labels(row, current_user),
        sheets=flow.live_scoresheets(row), member_form=_member_form(row),
        assign_form=assign_form, return_form=ReturnForm(), event_form=EventForm(),
        events=events, event_labels=flow.PANEL_LABELS, undeclared=flow.undeclared(row),
        ranking=flow.ranking(db.session, row) if row.status.name == "finalized" else None,
        manage=manage)


@bp.route("/panels/<int:panel_id>/events/<event>", methods=["POST"])
@policy.rule("panel.chair")
def fire(panel_id: int, event: str):
    row = flow.managed_panel(db.session, current_user, panel_id)
    form = EventForm()
    if not form.validate_on_submit():
        abort(400)
    flow.fire(db.session, row, event, current_user, reason=form.reason.data or "")
    db.session.commit()
    flash(f"Panel “{row.name}”: {row.status.value.lower()}.", "success")
    if row.status.name == "consensus":
        return redirect(url_for("evaluation.matrix", panel_id=row.id))
    return redirect(url_for("evaluation.panel", panel_id=row.id))


@bp.route("/panels/<int:panel_id>/assignments", methods=["POST"])
@policy.rule("panel.chair")
def assign(panel_id: int):
    row = flow.managed_panel(db.session, current_user, panel_id)
    if not request.form.get("member") or not request.form.get("response"):
        refuse("Choose a member and the response they are to score.")
    member = next((m for m in row.active_members
                   if str(m.id) == request.form.get("member", "")), None)
    response = next((r for r in flow.responses_of(row)
                     if r.public_id == request.form.get("response", "")), None)
    if member is None or response is None:
        raise NotFound("Choose a member of this panel and a response it scores.")
    flow.assign(db.session, row, current_user, member=member, response=response)
    db.session.commit()
    flash(f"Assigned to {member.user.name}: {flow.bidder_label(row, response, current_user)}.",
          "success")
    return redirect(url_for("evaluation.panel", panel_id=row.id))


@bp.route("/scoresheets/<int:sheet_id>/return", methods=["POST"])
@policy.rule("panel.chair")
def return_sheet(sheet_id: int):
    sheet = flow.chaired_scoresheet(db.session, current_user, sheet_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        refuse("Say why the scoresheet is returned; the member reads it.")
    flow.return_scoresheet(db.session, sheet, current_user, form.reason.data)
    db.session.commit()
    flash(f"Scoresheet returned to {sheet.member.user.name}.", "success")
    return redirect(url_for("evaluation.panel", panel_id=sheet.panel_id))


@bp.route("/panels/<int:panel_id>/matrix")
@policy.rule("panel.chair")
def matrix(panel_id: int):
    row = flow.managed_panel(db.session, current_user, panel_id)
    cells = flow.matrix(db.session, row, current_user)
    plan = flow.plan_for(db.session, row.solicitation)
    responses = flow.responses_of(row)
    members = {s.member_id: s.member for s in flow.live_scoresheets(row)}
    suggested = {key: flow.suggested_consensus(plan, c, cell)
                 for c in flow.technical_criteria(row)
                 for key, cell in cells.items() if key[1] == c.id}
    return render_template(
        "evaluation/matrix.html", p=row, cells=cells, responses=responses,
        criteria=row.solicitation.criteria, technical=flow.technical_criteria(row),
        members=sorted(members.values(), key=lambda m: m.id), plan=plan, suggested=suggested,
        labels={r.id: flow.bidder_label(row, r, current_user) for r in responses},
        chairs=policy.allows(current_user, "panel.chair", row), event_form=EventForm(),
        technical_complete=flow.technical_complete(row), missing=len(flow.missing_consensus(row)))


@bp.route("/panels/<int:panel_id>/consensus", methods=["POST"])
@policy.rule("panel.chair")
def consensus(panel_id: int):
    """The chair records the consensus for one response, every technical criterion at once."""
    row = flow.managed_panel(db.session, current_user, panel_id)
    if not request.form.get("response"):
        refuse("Say which response the consensus is for.")
    response = next((r for r in flow.responses_of(row)
                     if r.public_id == request.form.get("response", "")), None)
    if response is None:
        raise NotFound("That response is not scored by this panel.")
    for criterion in flow.technical_criteria(row):
        points = _points(request.form.get(f"points-{criterion.id}", ""), criterion.name)
        if points is None:
            refuse(f"{criterion.name}: give the panel's points.")
        flow.record_consensus(db.session, row, current_user, response=response,
                              criterion=criterion, points=points,
                              rationale=request.form.get(f"rationale-{criterion.id}", ""))
    db.session.commit()
    flash(f"Consensus recorded for {flow.bidder_label(row, response, current_user)}.", "success")
    return redirect(url_for("evaluation.matrix", panel_id=row.id) + f"#r-{response.public_id}")


@bp.route("/panels/<int:panel_id>/price", methods=["POST"])
@policy.rule("panel.chair")
def score_price(panel_id: int):
    row = flow.managed_panel(db.session, current_user, panel_id)
    flow.score_price(db.session, row, current_user)
    db.session.commit()
    flash("Price scored by the formula on the evaluated costs.", "success")
    return redirect(url_for("evaluation.matrix", panel_id=row.id))


# ---------------------------------------------------------------- the report

def _reported(panel_id: int):
    row = flow.managed_panel(db.session, current_user, panel_id)
    if row.status.name != "finalized":
        refuse("The report is written when the panel is finalized.")
    return row


@bp.route("/panels/<int:panel_id>/report")
@policy.rule("panel.chair")
def report(panel_id: int):
    row = _reported(panel_id)
    return render_template("evaluation/report.html", **reports.report_data(
        db.session, row, current_user))


@bp.route("/panels/<int:panel_id>/report.pdf")
@policy.rule("panel.chair")
def report_pdf(panel_id: int):
    row = _reported(panel_id)
    data = reports.report_pdf(reports.report_data(db.session, row, current_user))
    return send_file(data, mimetype="application/pdf", as_attachment=True,
                     download_name=f"panel-{row.id}-report.pdf")


@bp.route("/panels/<int:panel_id>/scores.<kind>")
@policy.rule("panel.chair")
def scores_export(panel_id: int, kind: str):
    row = _reported(panel_id)
    lines = flow.score_lines(db.session, row, current_user)
    if kind == "csv":
        return FlaskResponse(reports.scores_csv(lines), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=panel-{row.id}-scores.csv"})
    if kind == "xlsx":
        return send_file(reports.scores_xlsx(lines), as_attachment=True,
                         mimetype="application/vnd.openxmlformats-officedocument"
                                  ".spreadsheetml.sheet",
                         download_name=f"panel-{row.id}-scores.xlsx")
    abort(404)


# ---------------------------------------------------------------- members

@bp.route("/mine")
@policy.rule("scoresheet.work")
def mine():
    rows = []
    for panel_row, member in flow.panels_for_member(db.session, current_user):
        sheets = flow.my_scoresheets(member)
        rows.append({"panel": panel_row, "member": member, "sheets": sheets,
                     "labels": {s.id: flow.bidder_label(panel_row, s.response, current_user)
                                for s in sheets},
                     "to_declare": [org for m, org in flow.undeclared(panel_row)
                                    if m.id == member.id]})
    return render_template("evaluation/mine.html", rows=rows)


@bp.route("/panels/<int:panel_id>/declarations", methods=["GET", "POST"])
@policy.rule("scoresheet.work")
def declare(panel_id: int):
    row, member = flow.my_panel(db.session, current_user, panel_id)
    bidders = flow.bidders_of(row)
    labels = flow.bidder_labels(row, current_user)
    if request.method == "POST":
        for index, org in enumerate(bidders):
            choice = request.form.get(f"bidder-{index}", "")
            if not choice:
                continue
            current = flow.current_declaration(member, org.id)
            conflict = choice == "conflict"
            nature = request.form.get(f"nature-{index}", "")
            if current is not None and current.has_conflict == conflict and \
                    current.nature == nature.strip():
                continue       # unchanged: nothing new on the record
            flow.declare(db.session, row, current_user, organization_id=org.id,
                         has_conflict=conflict, nature=nature)
        db.session.commit()
        flash("Your declarations are recorded.", "success")
        return redirect(url_for("evaluation.mine"))
    return render_template(
        "evaluation/declare.html", p=row, member=member, bidders=list(enumerate(bidders)),
        labels=labels, current={org.id: flow.current_declaration(member, org.id)
                                for org in bidders},
        history=[d for d in member.declarations if d.superseded_at is not None],
        blind=flow.is_blind_for(row, current_user))


def _points(raw: str, name: str) -> Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        refuse(f"{name}: points are a number, like 7.")
    if not value.is_finite():
        refuse(f"{name}: points are a number, like 7.")
    return value


def _save_from_form(sheet) -> None:
    scores = {}
    for criterion in flow.technical_criteria(sheet.panel):
        if f"points-{criterion.id}" not in request.form:
            continue
        scores[criterion.id] = (_points(request.form.get(f"points-{criterion.id}", ""),
                                        criterion.name),
                                request.form.get(f"comment-{criterion.id}", ""))
    flow.save_scores(db.session, sheet, current_user, scores)


@bp.route("/scoresheets/<int:sheet_id>", methods=["GET", "POST"])
@policy.rule("scoresheet.work")
def scoresheet(sheet_id: int):
    sheet = flow.my_scoresheet(db.session, current_user, sheet_id)
    if request.method == "POST":
        _save_from_form(sheet)
        db.session.commit()
        if request.form.get("action") == "review":
            return redirect(url_for("evaluation.confirm_submit", sheet_id=sheet.id))
        flash(f"Draft saved at {clock.format_moment(clock.now())}.", "success")
        return redirect(url_for("evaluation.scoresheet", sheet_id=sheet.id,
                                criterion=request.form.get("criterion") or None))
    response = response_flow.readable_response(db.session, current_user,
                                               sheet.response.public_id)
    technical = flow.technical_criteria(sheet.panel)
    wanted = request.args.get("criterion", type=int)
    focus = next((c for c in technical if c.id == wanted), technical[0] if technical else None)
    label = flow.bidder_label(sheet.panel, response, current_user)
    documents = [d for d in response.current_documents if d.kind.name != "budget"]
    opened = {}
    for d in documents:
        sections = (d.record or {}).get("sections") or []
        match = flow.section_for(focus, sections) if focus else None
        opened[d.id] = match or (sections[0] if sections else None)
    return render_template(
        "evaluation/scoresheet.html", sheet=sheet, r=response, label=label,
        technical=technical, focus=focus, documents=documents, opened=opened,
        section_of={c.id: {d.id: flow.section_for(c, (d.record or {}).get("sections") or [])
                           for d in documents} for c in technical},
        scores={s.criterion_id: s for s in sheet.scores}, form=EventForm(),
        editable=sheet.panel.status.name == "scoring"
        and sheet.status.name in ("assigned", "in_progress", "returned"),
        blind=flow.is_blind_for(sheet.panel, current_user),
        step="0.5" if flow.plan_for(db.session, sheet.panel.solicitation).half_points else "1")


@bp.route("/scoresheets/<int:sheet_id>/draft", methods=["POST"])
@policy.rule("scoresheet.work")
def draft(sheet_id: int):
    """The page's script saves the draft as the member types (JSON answer)."""
    sheet = flow.my_scoresheet(db.session, current_user, sheet_id)
    _save_from_form(sheet)
    db.session.commit()
    return jsonify({"saved_at": clock.format_moment(clock.now()),
                    "status": sheet.status.value})


@bp.route("/scoresheets/<int:sheet_id>/submit", methods=["GET", "POST"])
@policy.rule("scoresheet.work")
def confirm_submit(sheet_id: int):
    sheet = flow.my_scoresheet(db.session, current_user, sheet_id)
    if request.method == "POST":
        flow.submit(db.session, sheet, current_user)
        db.session.commit()
        flash("Scoresheet submitted. Thank you.", "success")
        return redirect(url_for("evaluation.mine"))
    return render_template("evaluation/confirm.html", sheet=sheet,
                           label=flow.bidder_label(sheet.panel, sheet.response, current_user),
                           technical=flow.technical_criteria(sheet.panel),
                           scores={s.criterion_id: s for s in sheet.scores}, form=EventForm())


@bp.route("/documents/<document_id>/pages/<int:number>.png")
@policy.rule("response.read_assigned")
def page_image(document_id: str, number: int):
    document = response_flow.readable_document(db.session, current_user, document_id)
    if flow.bidder_label(document.response.solicitation, document.response, current_user) != \
            document.response.organization.legal_name:
        # blind: only the pages of the proposal's sections, never the cover page that names it
        sections = (document.record or {}).get("sections") or []
        if not any(sec["start_page"] <= number <= sec["end_page"] for sec in sections):
            raise NotFound("No such page.")
    return send_page_image(document, number)

