"""The administrator: users and roles, organisations, the audit-chain check, procedure rules."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from procure import accounts, audit, policy
from procure.extensions import db
from procure.models import Organization, ProcedureRule, Role, SolicitationKind, User
from procure.web import auth
from procure.web.forms import ConfirmForm, RoleForm, RulesForm
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
    role_forms = {}
    for u in rows:
        if u.role in accounts.AGENCY_ROLES and u.id != current_user.id:
            role_forms[u.id] = RoleForm(prefix=f"user{u.id}", formdata=None, role=u.role.name)
    return render_template("admin/users.html", users=rows, role_forms=role_forms)


def _user_action(user_id: int, form_class=ConfirmForm):
    """The user named in the URL and the sent form, or a reason it cannot go on (shown on the
    users page, where the administrator was)."""
    user = db.get_or_404(User, user_id)
    form = form_class(prefix=f"user{user_id}") if form_class is RoleForm else form_class()
    if not form.validate_on_submit():
        if getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
            return user, form, "The form expired: reload the page and try again."
        return user, form, "Tick the box to confirm; nothing was changed."
    return user, form, None


def _back(message: str, category: str):
    db.session.rollback() if category == "danger" else db.session.commit()
    flash(message, category)
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@policy.rule("admin.users")
def change_role(user_id: int):
    user, form, problem = _user_action(user_id, RoleForm)
    if problem:
        return _back(f"{user.name}'s role was not changed: {problem}", "danger")
    try:
        accounts.change_role(db.session, user, Role[form.role.data], current_user)
    except WorkflowError as error:
        return _back(f"{user.name}'s role was not changed: {error.message}", "danger")
    return _back(f"{user.name} ({user.email}) is now {user.role.value.lower()}.", "success")


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@policy.rule("admin.users")
def reactivate(user_id: int):
    user, _, problem = _user_action(user_id)
    if problem:
        return _back(f"{user.name} was not reactivated: {problem}", "danger")
    try:
        accounts.reactivate(db.session, user, current_user)
    except WorkflowError as error:
        return _back(error.message, "danger")
    return _back(f"{user.name} ({user.email}) is active again and can sign in. Their old "
                 "API tokens stay revoked.", "success")


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@policy.rule("admin.users")
def send_reset_link(user_id: int):
    user, _, problem = _user_action(user_id)
    if problem:
        return _back(f"No link was sent: {problem}", "danger")
    try:
        messages = accounts.send_reset_link(db.session, user, current_user, auth.reset_link())
    except WorkflowError as error:
        return _back(error.message, "danger")
    db.session.commit()
    auth.send(messages)
    flash(f"We emailed {user.email} a link to set a new password. Their password stays as it "
          "is until they follow it.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@policy.rule("admin.users")
def deactivate(user_id: int):
    user, _, problem = _user_action(user_id)
    if problem:
        return _back(f"{user.name} was not deactivated: {problem}", "danger")
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
