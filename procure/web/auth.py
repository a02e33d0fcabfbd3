"""Sign in, sign out, register a provider organisation, manage its members and API tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from procure import accounts, policy
from procure.extensions import db, limiter
from procure.models import ApiToken, Role, SupplierDiversity
from procure.web.forms import LoginForm, MemberForm, RegisterForm
from procure.workflows.base import WorkflowError

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@policy.rule("auth.login")
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(
            db.session, form.email.data, form.password.data,
            lockout_failures=current_app.config["LOGIN_LOCKOUT_FAILURES"],
            lockout_minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
        db.session.commit()
        if user is not None:
            login_user(user)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("public.home")
            return redirect(target)
        flash(accounts.SIGN_IN_REFUSED, "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@policy.rule("auth.logout")
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@policy.rule("auth.register")
@limiter.limit(_login_limit, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_organization(
                db.session, legal_name=form.legal_name.data, fein=form.fein.data,
                address=form.address.data, contact_phone=form.contact_phone.data or "",
                diversity=SupplierDiversity[form.diversity.data], name=form.name.data,
                email=form.email.data, password=form.password.data)
        except WorkflowError as refused:
            db.session.rollback()
            form.legal_name.errors.append(refused.message)
        else:
            db.session.commit()
            login_user(user)
            flash(f"{user.organization.legal_name} is registered. You can respond to open RFRs.",
                  "success")
            return redirect(url_for("bidder.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/organization", methods=["GET", "POST"])
@policy.rule("organization.manage")
def organization():
    org = current_user.organization
    form = MemberForm()
    if form.validate_on_submit():
        try:
            accounts.create_user(db.session, email=form.email.data, name=form.name.data,
                                 password=form.password.data, role=Role.bidder, organization=org,
                                 actor=current_user)
        except WorkflowError as refused:
            db.session.rollback()
            form.email.errors.append(refused.message)
        else:
            db.session.commit()
            flash(f"{form.name.data} can now sign in and work on {org.legal_name}'s responses.",
                  "success")
            return redirect(url_for("auth.organization"))
    return render_template("auth/organization.html", org=org, form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
@policy.rule("account.tokens")
def tokens():
    new_token = None
    if request.method == "POST":
        new_token = accounts.issue_token(db.session, current_user,
                                         request.form.get("name", "")[:100])
        db.session.commit()
    mine = db.session.query(ApiToken).filter_by(user_id=current_user.id, revoked=False).all()
    return render_template("auth/tokens.html", tokens=mine, new_token=new_token)
