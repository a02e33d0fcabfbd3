"""The administrator: users and roles, organisations, the audit-chain check, procedure rules."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from procure import accounts, audit, policy
from procure.extensions import db
from procure.models import Organization, ProcedureRule, SolicitationKind, User
from procure.web.forms import EventForm, RulesForm
from procure.workflows import solicitation as solicitation_flow
from procure.workflows.base import WorkflowError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@policy.rule("admin.manage")
def home():
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    organizations = db.session.scalar(select(func.count()).select_from(Organization))
    return render_template("admin/home.html", counts=counts, organizations=organizations)


@bp.route("/users")
@policy.rule("admin.users")
def users():
    rows = db.session.scalars(select(User).options(selectinload(User.organization))
                              .order_by(User.role, User.email)).all()
    return render_template("admin/users.html", users=rows, event_form=EventForm())


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@policy.rule("admin.users")
def deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EventForm()
    if not form.validate_on_submit():
        flash("The user was not deactivated: reload the page and try again.", "danger")
        return redirect(url_for("admin.users"))
    if user.id == current_user.id:
        flash("You cannot deactivate your own account.", "danger")
        return redirect(url_for("admin.users"))
    accounts.deactivate(db.session, user, current_user)
    db.session.commit()
    flash(f"{user.name} ({user.email}) is deactivated: they can no longer sign in, and their "
          "API tokens no longer work.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/organizations")
@policy.rule("admin.manage")
def organizations():
    rows = db.session.scalars(select(Organization).options(selectinload(Organization.members))
                              .order_by(Organization.legal_name)).all()
    return render_template("admin/organizations.html", organizations=rows)


@bp.route("/audit")
@policy.rule("admin.manage")
def audit_check():
    return render_template("admin/audit.html", result=audit.verify(db.session))


@bp.route("/rules")
@policy.rule("admin.manage")
def rules():
    return _rules_page()


def _rules_page(status: int = 200, **submitted):
    rows = {rule.kind.name: rule for rule in db.session.scalars(
        select(ProcedureRule).order_by(ProcedureRule.kind))}
    forms = {name: RulesForm(prefix=name, formdata=None, obj=rule) for name, rule in rows.items()}
    forms.update(submitted)
    return render_template("admin/rules.html", rules=rows, forms=forms), status


@bp.route("/rules/<kind>", methods=["POST"])
@policy.rule("admin.manage")
def save_rules(kind: str):
    if kind not in SolicitationKind.__members__:
        abort(404)
    form = RulesForm(prefix=kind)
    if not form.validate_on_submit():
        return _rules_page(400, **{kind: form})
    try:
        solicitation_flow.set_rules(db.session, SolicitationKind[kind], current_user,
                                    **{name: form[name].data for name in solicitation_flow.RULE_FIELDS})
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _rules_page(409, **{kind: form})
    db.session.commit()
    flash(f"The {kind} rules are saved.", "success")
    return redirect(url_for("admin.rules"))
