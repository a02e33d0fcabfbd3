"""Evaluation in the browser: officers form panels, members declare and score beside the
proposal, the chair follows progress, reaches consensus from the heat map and finalizes; the
report and the score exports."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask import (
    Response as FlaskResponse,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from procure import clock, policy, reports
from procure.extensions import db
from procure.faces import send_page_image
from procure.kept_lists import page_of
from procure.models import (
    Lot,
    MemberKind,
    Panel,
    PanelMember,
    PanelStatus,
    RateUnit,
    Solicitation,
    User,
)
from procure.web.forms import (
    AssignForm,
    CostForm,
    EventForm,
    FinalizeForm,
    PanelForm,
    PanelMemberForm,
    PlanForm,
    RemoveMemberForm,
    ReturnForm,
    WholeNumberField,
)
from procure.workflows import evaluation as flow
from procure.workflows import response as response_flow
from procure.workflows.base import NotFound, WorkflowError, refuse

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


class RateLineForm(FlaskForm):
    service = StringField("Service", validators=[
        DataRequired(message="Name the service the rate is for."), Length(max=200)],
        description="For example “Residential care” or “Family partner visits”.")
    unit = SelectField("Priced", choices=[(u.name, u.value) for u in RateUnit])
    projected_units = WholeNumberField(
        "Projected units a year", minimum=1, maximum=flow.MAX_UNITS,
        description=f"Days, hours or cases the agency expects to buy a year: a whole number "
                    f"from 1 to {flow.MAX_UNITS:,}.")


def _plan_locked(row: Solicitation) -> str | None:
    started = [p for p in flow.panels_of(db.session, row) if p.status.name != "forming"]
    if started:
        return (f"The panel “{started[0].name}” has started: blind evaluation and half points "
                "no longer change.")
    return None


def _panel_refused(row: Solicitation) -> str | None:
    if row.opened_at is None or row.status.name not in ("opened", "in_evaluation"):
        return "Panels are formed after the responses are opened."
    return None


def _solicitation_page(row: Solicitation, *, status: int = 200, plan_form=None,
                       panel_form=None, cost_error: tuple[str, str] | None = None):
    plan = flow.plan_for(db.session, row)
    if panel_form is None:
        panel_form = PanelForm(formdata=None)
    taken = {lot.id for p in flow.panels_of(db.session, row) for lot in p.lots}
    panel_form.lots.choices = [(lot.id, lot.label) for lot in row.lots if lot.id not in taken]
    accepted = [r for r in response_flow.responses_for(db.session, current_user, row)
                if r.status is flow.EVALUATED]
    costs = {r.id: flow.evaluated_cost(db.session, r) for r in accepted
             if policy.may_see_price(current_user, r)}
    return render_template("evaluation/solicitation.html", s=row,
                           plan_form=plan_form or PlanForm(obj=plan), plan=plan,
                           plan_locked=_plan_locked(row), panel_form=panel_form,
                           panel_refused=_panel_refused(row),
                           panels=flow.panels_of(db.session, row), responses=accepted,
                           labels=flow.bidder_labels_each(accepted, current_user), costs=costs,
                           cost_form=CostForm(),
                           cost_error=cost_error, rates=flow.rate_card(db.session, row)), status


@bp.route("/solicitations/<int:solicitation_id>")
@policy.rule("evaluation.manage")
def solicitation(solicitation_id: int):
    return _solicitation_page(_solicitation(solicitation_id))


@bp.route("/solicitations/<int:solicitation_id>/plan", methods=["POST"])
@policy.rule("evaluation.manage")
def plan(solicitation_id: int):
    row = _solicitation(solicitation_id)
    form = PlanForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        flow.set_plan(db.session, row, current_user, blind=form.blind.data,
                      half_points=form.half_points.data)
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _solicitation_page(row, status=409, plan_form=form)
    db.session.commit()
    flash("Evaluation plan saved.", "success")
    return redirect(url_for("evaluation.solicitation", solicitation_id=row.id))


# ---------------------------------------------------------------- the rate card (officers)

def _rates_page(row: Solicitation, *, status: int = 200, line_form=None,
                errors: dict[str, str] | None = None):
    opened = [r for r in response_flow.responses_for(db.session, current_user, row)
              if r.status in (flow.EVALUATED, flow.UNJUDGED)]
    responses = [r for r in opened if policy.may_see_price(current_user, r)]
    return render_template(
        "evaluation/rates.html", s=row, lines=flow.rate_card(db.session, row),
        sealed=len(opened) - len(responses), sealed_message=flow.PRICE_SEALED,
        line_form=line_form or RateLineForm(formdata=None), form=EventForm(),
        locked=flow.rate_card_locked(db.session, row), responses=responses,
        labels=flow.bidder_labels_each(responses, current_user),
        proposed={r.id: flow.proposed_rates(db.session, r) for r in responses},
        from_card={r.id: flow.rate_card_cost(db.session, r) for r in responses},
        costs={r.id: flow.evaluated_cost(db.session, r) for r in responses},
        errors=errors or {}), status


@bp.route("/solicitations/<int:solicitation_id>/rates", methods=["GET", "POST"])
@policy.rule("evaluation.manage")
def rates(solicitation_id: int):
    """The rate card: each service the bidders price, its unit (per diem, hourly, case rate)
    and the units the agency expects to buy a year; POST adds a line."""
    row = _solicitation(solicitation_id)
    if request.method == "GET":
        return _rates_page(row)
    form = RateLineForm()
    if not form.validate_on_submit():
        return _rates_page(row, status=400, line_form=form)
    try:
        line = flow.add_rate_line(db.session, row, current_user, service=form.service.data,
                                  unit=RateUnit[form.unit.data],
                                  projected_units=form.projected_units.data)
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _rates_page(row, status=409, line_form=form)
    db.session.commit()
    flash(f"Rate card line added: {line.service}, {line.unit.value.lower()}, "
          f"{line.projected_units:,} a year.", "success")
    return redirect(url_for("evaluation.rates", solicitation_id=row.id))


@bp.route("/solicitations/<int:solicitation_id>/rates/remove", methods=["POST"])
@policy.rule("evaluation.manage")
def remove_rate(solicitation_id: int):
    row = _solicitation(solicitation_id)
    form = EventForm()
    if not form.validate_on_submit():
        abort(400)
    line_id = request.form.get("line", type=int)
    if line_id is None:
        refuse("Choose the rate card line to remove.")
    try:
        flow.remove_rate_line(db.session, row, current_user, line_id)
    except WorkflowError as error:
        db.session.rollback()
        return _rates_page(row, status=409, errors={"card": error.message})
    db.session.commit()
    flash("Rate card line removed, with the rates proposed for it.", "success")
    return redirect(url_for("evaluation.rates", solicitation_id=row.id))


@bp.route("/solicitations/<int:solicitation_id>/panels", methods=["POST"])
@policy.rule("evaluation.manage")
def new_panel(solicitation_id: int):
    row = _solicitation(solicitation_id)
    form = PanelForm()
    form.lots.choices = [(lot.id, lot.label) for lot in row.lots]
    if not form.validate_on_submit():
        return _solicitation_page(row, status=400, panel_form=form)
    lots = list(db.session.scalars(select(Lot).where(Lot.id.in_(form.lots.data))))
    try:
        panel = flow.create_panel(db.session, row, current_user, name=form.name.data,
                                  lots=lots)
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _solicitation_page(row, status=409, panel_form=form)
    db.session.commit()
    flash(f"Panel “{panel.name}” formed: add its chair and members.", "success")
    return redirect(url_for("evaluation.panel", panel_id=panel.public_id))


@bp.route("/panels/<panel_id>/members", methods=["POST"])
@policy.rule("evaluation.manage")
def add_member(panel_id: str):
    panel = flow.managed_panel(db.session, current_user, panel_id)
    form = _member_form(panel)
    if not form.validate_on_submit():
        refuse("Choose a person and how they sit on the panel.")
    person = db.session.get(User, form.user.data)
    if person is None:
        raise NotFound("No such person.")
    second_chair = bool(form.chair.data) and panel.chair is not None
    try:
        flow.add_member(db.session, panel, current_user, user=person,
                        kind=MemberKind[form.kind.data], chair=form.chair.data)
    except WorkflowError as error:
        db.session.rollback()
        # told beside the field it is about (a second chair beside "Chairs the panel")
        (form.chair if second_chair else form.user).errors.append(error.message)
        return _panel_page(panel, status=409, member_form=form)
    db.session.commit()
    flash(f"{person.name} joins the panel.", "success")
    return redirect(url_for("evaluation.panel", panel_id=panel.public_id))


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
    flash(f"Evaluated cost of {flow.bidder_label(row, current_user)} corrected.", "success")
    return redirect(url_for("evaluation.solicitation", solicitation_id=row.solicitation_id))


@bp.route("/panels/<panel_id>/members/<int:member_id>/remove", methods=["POST"])
@policy.rule("evaluation.manage")
def remove_member(panel_id: str, member_id: int):
    """Take a member off the panel, or replace them, with the reason on the record."""
    panel = flow.managed_panel(db.session, current_user, panel_id)
    member = next((m for m in panel.active_members if m.id == member_id), None)
    if member is None:
        raise NotFound("That person is not on this panel.")
    form = _remove_form(panel, member.id)
    if not form.validate_on_submit():
        return _panel_page(panel, status=400, remove_forms={member.id: form})
    replacement = db.session.get(User, form.replacement.data) if form.replacement.data else None
    try:
        seat = flow.remove_member(db.session, panel, current_user, member=member,
                                  reason=form.reason.data, replacement=replacement,
                                  kind=MemberKind[form.kind.data])
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _panel_page(panel, status=409, remove_forms={member.id: form})
    db.session.commit()
    flash(f"{member.user.name} left the panel"
          + (f"; {seat.user.name} takes their seat" if seat else "") + ".", "success")
    return redirect(url_for("evaluation.panel", panel_id=panel.public_id))


def _remove_form(panel, member_id: int, fresh: bool = False) -> RemoveMemberForm:
    """One form per member on the page, its fields named after the member (m7-reason...)."""
    prefix = f"m{member_id}"
    form = RemoveMemberForm(formdata=None, prefix=prefix) if fresh else \
        RemoveMemberForm(prefix=prefix)
    form.replacement.choices = [(0, "Nobody (remove only)")] + [
        (value, label) for value, label in _member_form(panel, fresh=True).user.choices]
    return form


def _member_form(panel, fresh: bool = False) -> PanelMemberForm:
    form = PanelMemberForm(formdata=None) if fresh else PanelMemberForm()
    seated = {m.user_id for m in panel.members}
    people = db.session.scalars(select(User).where(User.role.in_(flow.EVALUATOR_ROLES),
                                                   User.active.is_(True))
                                .order_by(User.name))
    form.user.choices = [(u.id, f"{u.name} ({u.email})") for u in people if u.id not in seated]
    return form


# ---------------------------------------------------------------- the panel page (chair, officers)

def _panel_page(row, *, status: int = 200, error: str | None = None, member_form=None,
                remove_forms: dict | None = None):
    chairs = policy.allows(current_user, "panel.chair", row)
    done, total, behind = flow.progress(row)
    responses = flow.responses_of(row)
    labels = flow.bidder_labels_each(responses, current_user)
    assign_form = AssignForm()
    assign_form.member.choices = [(m.id, m.user.name) for m in row.active_members]
    assign_form.response.choices = [(r.public_id, labels[r.id]) for r in responses]
    manage = policy.allows(current_user, "evaluation.manage")
    return render_template(
        "evaluation/panel.html", p=row, chairs=chairs, done=done, total=total, behind=behind,
        responses=responses, labels=labels, org_labels=flow.bidder_labels(row, current_user),
        sheets=flow.live_scoresheets(row), member_form=member_form or _member_form(row),
        remove_forms={m.id: (remove_forms or {}).get(m.id) or _remove_form(row, m.id, True)
                      for m in row.active_members} if row.status.name != "finalized" else {},
        removed=[m for m in row.members if m.removed_at is not None],
        assign_form=assign_form, return_form=ReturnForm(), event_form=EventForm(),
        steps=flow.next_steps(row, current_user), event_labels=flow.PANEL_LABELS,
        undeclared=flow.undeclared(row), withdrawn=flow.withdrawn_by_conflict(row),
        ranking=flow.ranking(db.session, row) if row.status.name == "finalized" else None,
        manage=manage, error=error), status


@bp.route("/panels/<panel_id>")
@policy.rule("panel.chair")
def panel(panel_id: str):
    return _panel_page(flow.managed_panel(db.session, current_user, panel_id))


@bp.route("/panels/<panel_id>/events/<event>", methods=["POST"])
@policy.rule("panel.chair")
def fire(panel_id: str, event: str):
    row = flow.managed_panel(db.session, current_user, panel_id)
    form = FinalizeForm() if event == "finalize" else EventForm()
    if not form.validate_on_submit():
        if set(form.errors) == {"confirm"}:
            return _matrix_page(row, status=400, finalize_form=form)
        abort(400)
    try:
        flow.fire(db.session, row, event, current_user, reason=form.reason.data or "")
    except WorkflowError as error:
        db.session.rollback()
        row = flow.managed_panel(db.session, current_user, panel_id)
        if event == "finalize" and row.status.name == "consensus":
            return _matrix_page(row, status=409, error=error.message)
        return _panel_page(row, status=409, error=error.message)
    db.session.commit()
    flash(f"Panel “{row.name}”: {row.status.value.lower()}.", "success")
    if row.status.name == "consensus":
        return redirect(url_for("evaluation.matrix", panel_id=row.public_id))
    return redirect(url_for("evaluation.panel", panel_id=row.public_id))


@bp.route("/panels/<panel_id>/assignments", methods=["POST"])
@policy.rule("panel.chair")
def assign(panel_id: str):
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
    flash(f"Assigned to {member.user.name}: {flow.bidder_label(response, current_user)}.",
          "success")
    return redirect(url_for("evaluation.panel", panel_id=row.public_id))


@bp.route("/scoresheets/<sheet_id>/return", methods=["POST"])
@policy.rule("panel.chair")
def return_sheet(sheet_id: str):
    sheet = flow.chaired_scoresheet(db.session, current_user, sheet_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        refuse("Say why the scoresheet is returned; the member reads it.")
    flow.return_scoresheet(db.session, sheet, current_user, form.reason.data)
    db.session.commit()
    flash(f"Scoresheet returned to {sheet.member.user.name}.", "success")
    return redirect(url_for("evaluation.panel", panel_id=sheet.panel.public_id))


def _matrix_page(row, *, status: int = 200, error: str | None = None,
                 response_error: tuple[str, str] | None = None,
                 entered: dict[str, str] | None = None, finalize_form: FinalizeForm | None = None):
    cells = flow.matrix(db.session, row, current_user)
    plan = flow.plan_for(db.session, row.solicitation)
    responses = flow.responses_of(row)
    members = {s.member_id: s.member for s in flow.live_scoresheets(row)}
    suggested = {key: flow.suggested_consensus(plan, c, cell)
                 for c in flow.technical_criteria(row)
                 for key, cell in cells.items() if key[1] == c.id}
    absent = {(r.id, m.id): "conflict" if flow.is_conflicted(m, r.organization_id)
              else "not assigned" for r in responses for m in members.values()}
    return render_template(
        "evaluation/matrix.html", p=row, cells=cells, responses=responses, absent=absent,
        criteria=row.solicitation.criteria, technical=flow.technical_criteria(row),
        members=sorted(members.values(), key=lambda m: m.id), plan=plan, suggested=suggested,
        labels=flow.bidder_labels_each(responses, current_user),
        chairs=policy.allows(current_user, "panel.chair", row), event_form=EventForm(),
        finalize_form=finalize_form or FinalizeForm(formdata=None),
        technical_complete=flow.technical_complete(row),
        missing=len(flow.missing_technical(row)), missing_all=len(flow.missing_consensus(row)),
        finalize_blocked=flow.why_not(row, "finalize") if row.status.name == "consensus"
        else None, error=error, response_error=response_error, entered=entered or {}), status


@bp.route("/panels/<panel_id>/matrix")
@policy.rule("panel.chair")
def matrix(panel_id: str):
    return _matrix_page(flow.managed_panel(db.session, current_user, panel_id))


@bp.route("/panels/<panel_id>/consensus", methods=["POST"])
@policy.rule("panel.chair")
def consensus(panel_id: str):
    """The chair records the consensus for one response, every technical criterion at once;
    a refusal is shown on that response's form, with what was typed kept."""
    row = flow.managed_panel(db.session, current_user, panel_id)
    if not request.form.get("response"):
        refuse("Say which response the consensus is for.")
    response = next((r for r in flow.responses_of(row)
                     if r.public_id == request.form.get("response", "")), None)
    if response is None:
        raise NotFound("That response is not scored by this panel.")
    technical = flow.technical_criteria(row)
    entered = {key: request.form.get(key, "") for c in technical
               for key in (f"points-{c.id}", f"rationale-{c.id}")}
    try:
        for criterion in technical:
            points = _points(entered[f"points-{criterion.id}"], criterion.name)
            if points is None:
                refuse(f"{criterion.name}: give the panel's points.")
            flow.record_consensus(db.session, row, current_user, response=response,
                                  criterion=criterion, points=points,
                                  rationale=entered[f"rationale-{criterion.id}"])
    except WorkflowError as error:
        db.session.rollback()
        row = flow.managed_panel(db.session, current_user, panel_id)
        return _matrix_page(row, status=409, response_error=(response.public_id, error.message),
                            entered=entered)
    db.session.commit()
    flash(f"Consensus recorded for {flow.bidder_label(response, current_user)}.", "success")
    return redirect(url_for("evaluation.matrix", panel_id=row.public_id)
                    + f"#r-{response.public_id}")


@bp.route("/panels/<panel_id>/price", methods=["POST"])
@policy.rule("panel.chair")
def score_price(panel_id: str):
    row = flow.managed_panel(db.session, current_user, panel_id)
    try:
        flow.score_price(db.session, row, current_user)
    except WorkflowError as error:
        db.session.rollback()
        return _matrix_page(flow.managed_panel(db.session, current_user, panel_id), status=409,
                            error=error.message)
    db.session.commit()
    flash("Price scored by the formula on the evaluated costs.", "success")
    return redirect(url_for("evaluation.matrix", panel_id=row.public_id))


# ---------------------------------------------------------------- the report

def _file_stem(row) -> str:
    """Download names by the RFR and its lots (never a key that counts the panels)."""
    return f"{row.solicitation.number}-lots-" + "-".join(str(lot.number) for lot in row.lots)


def _reported(panel_id: str):
    row = flow.managed_panel(db.session, current_user, panel_id)
    if row.status.name != "finalized":
        refuse("The report is written when the panel is finalized.")
    return row


@bp.route("/panels/<panel_id>/report")
@policy.rule("panel.chair")
def report(panel_id: str):
    row = _reported(panel_id)
    return render_template("evaluation/report.html", **reports.report_data(
        db.session, row, current_user))


@bp.route("/panels/<panel_id>/report.pdf")
@policy.rule("panel.chair")
def report_pdf(panel_id: str):
    row = _reported(panel_id)
    data = reports.report_pdf(reports.report_data(db.session, row, current_user))
    return send_file(data, mimetype="application/pdf", as_attachment=True,
                     download_name=f"{_file_stem(row)}-report.pdf")


@bp.route("/panels/<panel_id>/scores.<kind>")
@policy.rule("panel.chair")
def scores_export(panel_id: str, kind: str):
    row = _reported(panel_id)
    data = reports.report_data(db.session, row, current_user)
    if kind == "csv":
        return FlaskResponse(reports.scores_csv(data["lines"]), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename={_file_stem(row)}-scores.csv"})
    if kind == "xlsx":
        return send_file(reports.scores_xlsx(data["lines"], reports.ranking_rows(data)),
                         as_attachment=True,
                         mimetype="application/vnd.openxmlformats-officedocument"
                                  ".spreadsheetml.sheet",
                         download_name=f"{_file_stem(row)}-scores.xlsx")
    abort(404)


# ---------------------------------------------------------------- members

@bp.route("/mine")
@policy.rule("scoresheet.work")
def mine():
    """My panels, a page at a time (those at work first), filtered by words and status."""
    page = page_of(
        select(PanelMember).join(PanelMember.panel).join(Panel.solicitation)
        .where(PanelMember.user_id == current_user.id, PanelMember.removed_at.is_(None))
        .options(contains_eager(PanelMember.panel).contains_eager(Panel.solicitation),
                 selectinload(PanelMember.declarations))
        .order_by(*flow.AT_WORK_FIRST),
        status_column=Panel.status, statuses=PanelStatus,
        text_columns=(Panel.name, Solicitation.number, Solicitation.title))
    # The page's scoresheets, bidder labels (codes on a blind RFR) and bidders to declare, in
    # a few queries however many panels, scoresheets and bidders the page has.
    sheets = flow.my_scoresheets(db.session, page.items)
    labels = flow.bidder_labels_each([s.response for rows in sheets.values() for s in rows],
                                     current_user)
    at_work = [member for member in page.items if member.panel.status in (
        PanelStatus.declaring, PanelStatus.scoring, PanelStatus.consensus)]  # asked to declare
    bidders = flow.bidders_of_each([member.panel for member in at_work])
    rows = [{"panel": member.panel, "member": member, "sheets": sheets[member.id],
             "labels": {s.id: labels[s.response_id] for s in sheets[member.id]},
             "to_declare": flow.to_declare(member, bidders[member.panel_id])
             if member in at_work else []}
            for member in page.items]
    return render_template("evaluation/mine.html", rows=rows, page=page,
                           statuses=list(PanelStatus))


@bp.route("/panels/<panel_id>/declarations", methods=["GET", "POST"])
@policy.rule("scoresheet.work")
def declare(panel_id: str):
    """Declarations, one per bidder. A new conflict with a bidder whose response the member
    already scores asks first (the scoresheet is withdrawn, the chair is told); a refusal is
    shown on the form with what was chosen and typed kept."""
    row, member = flow.my_panel(db.session, current_user, panel_id)
    bidders = flow.bidders_of(row)
    if request.method == "GET":
        return _declare_page(row, member, bidders)
    entered = {index: (request.form.get(f"bidder-{index}", ""),
                       request.form.get(f"nature-{index}", "")) for index in range(len(bidders))}
    changes = []
    for index, org in enumerate(bidders):
        choice, nature = entered[index]
        if not choice:
            continue
        current = flow.current_declaration(member, org.id)
        conflict = choice == "conflict"
        if current is not None and current.has_conflict == conflict and \
                current.nature == nature.strip():
            continue       # unchanged: nothing new on the record
        changes.append((org, conflict, nature))
    problem = next((why for _, conflict, nature in changes
                    for why in [flow.declaration_problem(conflict, nature)] if why), None)
    if problem:
        return _declare_page(row, member, bidders, entered=entered, error=problem, status=409)
    withdrawing = [(org, sheet) for org, conflict, _ in changes if conflict
                   for sheet in flow.would_withdraw(row, member, org.id)]
    if withdrawing and request.form.get("confirm") != "withdraw":
        return _declare_page(row, member, bidders, entered=entered, withdrawing=withdrawing)
    try:
        for org, conflict, nature in changes:
            flow.declare(db.session, row, current_user, organization_id=org.id,
                         has_conflict=conflict, nature=nature, confirmed=True)
    except WorkflowError as error:
        db.session.rollback()
        row, member = flow.my_panel(db.session, current_user, panel_id)
        return _declare_page(row, member, flow.bidders_of(row), entered=entered,
                             error=error.message, status=409)
    db.session.commit()
    if withdrawing:
        flash(f"Your declarations are recorded. {len(withdrawing)} scoresheet"
              f"{'s were' if len(withdrawing) > 1 else ' was'} withdrawn; the chair is told.",
              "success")
    else:
        flash("Your declarations are recorded.", "success")
    return redirect(url_for("evaluation.mine"))


def _declare_page(row, member, bidders, *, entered=None, withdrawing=(), error=None,
                  status: int = 200):
    labels = flow.declaration_labels(row, current_user)
    return render_template(
        "evaluation/declare.html", p=row, member=member, bidders=list(enumerate(bidders)),
        labels=labels, current={org.id: flow.current_declaration(member, org.id)
                                for org in bidders},
        history=[d for d in member.declarations if d.superseded_at is not None],
        blind=flow.is_blind_for(row, current_user), entered=entered, error=error,
        withdrawing=[sheet for _, sheet in withdrawing]
    ), status


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


@bp.route("/scoresheets/<sheet_id>", methods=["GET", "POST"])
@policy.rule("scoresheet.work")
def scoresheet(sheet_id: str):
    sheet = flow.my_scoresheet(db.session, current_user, sheet_id)
    if request.method == "POST":
        try:
            _save_from_form(sheet)
        except WorkflowError as error:
            db.session.rollback()
            sheet = flow.my_scoresheet(db.session, current_user, sheet_id)
            return _scoresheet_page(sheet, error=error.message, status=409,
                                    entered=request.form.to_dict())
        db.session.commit()
        if request.form.get("action") == "review":
            return redirect(url_for("evaluation.confirm_submit", sheet_id=sheet.public_id))
        flash(f"Draft saved at {clock.format_moment(clock.now())}.", "success")
        return redirect(url_for("evaluation.scoresheet", sheet_id=sheet.public_id,
                                criterion=request.form.get("criterion") or None))
    return _scoresheet_page(sheet)


def _scoresheet_page(sheet, *, error: str | None = None, status: int = 200,
                     entered: dict[str, str] | None = None):
    response = response_flow.readable_response(db.session, current_user,
                                               sheet.response.public_id)
    technical = flow.technical_criteria(sheet.panel)
    wanted = request.args.get("criterion", type=int) or (
        request.form.get("criterion", type=int) if entered else None)
    focus = next((c for c in technical if c.id == wanted), technical[0] if technical else None)
    label = flow.bidder_label(response, current_user)
    documents = [d for d in response.current_documents
                 if not flow.price_withheld(current_user, d)]
    withheld = {d.id: flow.price_pages(d) or set() for d in documents} \
        if not policy.may_see_price(current_user, response) else {}
    opened = {}
    for d in documents:
        sections = (d.confirmed_record or {}).get("sections") or []
        match = flow.section_for(focus, sections) if focus else None
        opened[d.id] = match or (sections[0] if sections else None)
    return render_template(
        "evaluation/scoresheet.html", sheet=sheet, r=response, label=label,
        withheld=withheld, sealed_message=flow.PRICE_SEALED,
        shown_blind={d.id: flow.blind_pages(d) for d in documents},
        ocr={d.id: flow.ocr_text(d, blind=label != response.organization.legal_name)
             for d in documents},
        technical=technical, focus=focus, documents=documents, opened=opened,
        section_of={c.id: {d.id: flow.section_for(c, (d.confirmed_record or {}).get("sections") or [])
                           for d in documents} for c in technical},
        scores={s.criterion_id: s for s in sheet.scores}, form=EventForm(),
        editable=sheet.panel.status.name == "scoring"
        and sheet.status.name in ("assigned", "in_progress", "returned"),
        blind=flow.is_blind_for(sheet.panel, current_user), error=error, entered=entered,
        step="0.5" if flow.plan_for(db.session, sheet.panel.solicitation).half_points else "1"
    ), status


@bp.route("/scoresheets/<sheet_id>/draft", methods=["POST"])
@policy.rule("scoresheet.work")
def draft(sheet_id: str):
    """The page's script saves the draft as the member types (JSON answer)."""
    sheet = flow.my_scoresheet(db.session, current_user, sheet_id)
    _save_from_form(sheet)
    db.session.commit()
    return jsonify({"saved_at": clock.format_moment(clock.now()),
                    "status": sheet.status.value})


@bp.route("/scoresheets/<sheet_id>/submit", methods=["GET", "POST"])
@policy.rule("scoresheet.work")
def confirm_submit(sheet_id: str):
    sheet = flow.my_scoresheet(db.session, current_user, sheet_id)
    refusal, status = None, 200
    if request.method == "POST":
        try:
            flow.submit(db.session, sheet, current_user)
        except WorkflowError as error:   # told here, above the button, not on a page apart
            db.session.rollback()
            refusal, status = error.message, 409
        else:
            db.session.commit()
            flash("Scoresheet submitted. Thank you.", "success")
            return redirect(url_for("evaluation.mine"))
    return render_template("evaluation/confirm.html", sheet=sheet,
                           label=flow.bidder_label(sheet.response, current_user),
                           technical=flow.technical_criteria(sheet.panel),
                           scores={s.criterion_id: s for s in sheet.scores}, form=EventForm(),
                           refusal=refusal), status


@bp.route("/documents/<document_id>/pages/<int:number>.png")
@policy.rule("response.read_assigned")
def page_image(document_id: str, number: int):
    document = response_flow.readable_document(db.session, current_user, document_id)
    blind = flow.bidder_label(document.response, current_user) \
        != document.response.organization.legal_name
    if blind and number not in flow.blind_pages(document):
        # blind: only the pages of the proposal's sections (or of an attachment, but the
        # page that names the bidder), never the cover page that names it
        raise NotFound("No such page.")
    if flow.price_withheld(current_user, document, number):
        raise NotFound("No such page.")     # the price envelope: sealed until the price step
    # blind: the bidder's own names on those pages are blacked out
    return send_page_image(document, number,
                           black_out=flow.bidder_marks(document, number) if blind else None)

