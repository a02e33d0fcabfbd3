"""The administrator: users and roles, organisations, the audit-chain check, procedure rules."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from procure import accounts, config, faces, policy
from procure import audit_check as audit_checks
from procure.extensions import db
from procure.models import Organization, ProcedureRule, Role, SolicitationKind, User
from procure.web.forms import ConfirmForm, InviteForm, RoleForm, RulesForm
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
def users(invite_form: InviteForm | None = None, status: int = 200):
    rows = db.session.scalars(select(User).options(selectinload(User.organization))
                              .order_by(User.role, User.email)).all()
    role_forms = {}
    for u in rows:
        if u.role in accounts.AGENCY_ROLES and u.id != current_user.id:
            role_forms[u.id] = RoleForm(prefix=f"user{u.id}", formdata=None, role=u.role.name)
    return render_template("admin/users.html", users=rows, role_forms=role_forms,
                           invite_form=invite_form or InviteForm(prefix="invite", formdata=None),
                           invitation_days=current_app.config["INVITATION_DAYS"]), status


@bp.route("/users/invite", methods=["POST"])
@policy.rule("admin.users")
def invite():
    """Invite a member of staff by email, with the role chosen here."""
    form = InviteForm(prefix="invite")
    if not form.validate_on_submit():
        return users(form, 400)
    try:
        messages = accounts.invite(
            db.session, current_user, email=form.email.data, name=form.name.data,
            role=Role[form.role.data], link=faces.invitation_link(),
            agency_domains=config.agency_domains(current_app.config))
    except WorkflowError as refused:
        db.session.rollback()
        form.email.errors.append(refused.message)
        return users(form, 409)
    db.session.commit()
    faces.send_mail(messages)
    flash(f"We emailed {form.email.data} an invitation to the agency's procurement service as "
          f"{Role[form.role.data].as_a}. Its link sets their password; it works once, "
          f"within {current_app.config['INVITATION_DAYS']} days.", "success")
    return redirect(url_for("admin.users"))


def _on_user(user_id: int, step, not_done: str, done, form_class=ConfirmForm):
    """One administrator's step on a user, from the users page and back to it: the form sent
    (a ticked box, or the role chosen), then `step(user, form)`, which may refuse; the page
    says what happened, or why not (`not_done` names what did not happen)."""
    user = db.get_or_404(User, user_id)
    form = form_class(prefix=f"user{user_id}") if form_class is RoleForm else form_class()
    if not form.validate_on_submit():
        problem = ("The form expired: reload the page and try again."
                   if form.csrf_token.errors else "Tick the box to confirm; nothing was changed.")
        return _back(f"{not_done.format(user=user)}: {problem}", "danger")
    try:
        after = step(user, form)
    except WorkflowError as error:
        return _back(f"{not_done.format(user=user)}: {error.message}", "danger")
    db.session.commit()
    if after is not None:
        after()                    # mail goes once what decided it is committed
    return _back(done(user), "success")


def _back(message: str, category: str):
    if category == "danger":
        db.session.rollback()
    flash(message, category)
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@policy.rule("admin.users")
def change_role(user_id: int):
    return _on_user(
        user_id, lambda user, form: accounts.change_role(
            db.session, user, Role[form.role.data], current_user),
        "{user.name}'s role was not changed",
        lambda user: f"{user.name} ({user.email}) is now {user.role.value.lower()}.", RoleForm)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@policy.rule("admin.users")
def reactivate(user_id: int):
    return _on_user(
        user_id, lambda user, _: accounts.reactivate(db.session, user, current_user),
        "{user.name} was not reactivated",
        lambda user: f"{user.name} ({user.email}) is active again and can sign in. Their old "
                     "API tokens stay revoked.")


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@policy.rule("admin.users")
def send_reset_link(user_id: int):
    def step(user, _):
        messages = accounts.send_reset_link(db.session, user, current_user, faces.reset_link())
        return lambda: faces.send_mail(messages)
    return _on_user(user_id, step, "No link was sent to {user.email}",
                    lambda user: f"We emailed {user.email} a link to set a new password. Their "
                                 "password stays as it is until they follow it.")


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@policy.rule("admin.users")
def deactivate(user_id: int):
    def step(user, _):
        if user.id == current_user.id:
            raise WorkflowError("You cannot deactivate your own account.")
        accounts.deactivate(db.session, user, current_user)
    return _on_user(user_id, step, "{user.name} was not deactivated",
                    lambda user: f"{user.name} ({user.email}) is deactivated: they can no longer "
                                 "sign in, and their API tokens no longer work.")


@bp.route("/organizations")
@policy.rule("admin.manage")
def organizations():
    rows = db.session.scalars(select(Organization).options(selectinload(Organization.members))
                              .order_by(Organization.legal_name)).all()
    return render_template("admin/organizations.html", organizations=rows)


@bp.route("/audit")
@policy.rule("admin.manage")
def audit_check():
    """The audit-chain checks asked for, newest first: the one running with how far it got,
    the others with what they found."""
    return render_template("admin/audit.html", checks=audit_checks.latest(db.session))


@bp.route("/audit", methods=["POST"])
@policy.rule("admin.manage")
def check_audit_chain():
    """Ask for a check of the whole chain: a worker walks it (it can take minutes)."""
    check = audit_checks.ask(db.session, current_user)
    db.session.commit()
    audit_checks.enqueue(check.id)
    flash("The audit chain is being checked. This page shows how far it has got.", "success")
    return redirect(url_for("admin.audit_check"))


@bp.route("/rules")
@policy.rule("admin.manage")
def rules():
    return _rules_page()


def _rules_page(status: int = 200, **submitted):
    rows = {rule.kind.name: rule for rule in db.session.scalars(
        select(ProcedureRule).order_by(ProcedureRule.kind))}
    forms = {name: _rules_form(name, formdata=None, obj=rule) for name, rule in rows.items()}
    forms.update(submitted)
    return render_template("admin/rules.html", rules=rows, forms=forms), status


def _rules_form(kind: str, **given: Any) -> RulesForm:
    """The rules form of a kind, with only the rules that apply to it."""
    form = RulesForm(prefix=kind, **given)
    for name in set(solicitation_flow.RULE_FIELDS) - set(
            solicitation_flow.rule_fields(SolicitationKind[kind])):
        del form[name]
    return form


@bp.route("/rules/<kind>", methods=["POST"])
@policy.rule("admin.manage")
def save_rules(kind: str):
    if kind not in SolicitationKind.__members__:
        abort(404)
    form = _rules_form(kind)
    if not form.validate_on_submit():
        return _rules_page(400, **{kind: form})
    try:
        values = {name: form[name].data
                  for name in solicitation_flow.rule_fields(SolicitationKind[kind])}
        solicitation_flow.set_rules(db.session, SolicitationKind[kind], current_user, **values)
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _rules_page(409, **{kind: form})
    db.session.commit()
    flash(f"The {kind} rules are saved.", "success")
    return redirect(url_for("admin.rules"))
