"""The last administrator cannot vanish (issue 18): two administrators demoting or deactivating
each other at the same moment leave one (the administrators' rows are locked while it is
decided), deactivation has the last-administrator check too, and operators have a way back on
the command line (`procure admin create`, `procure admin promote`)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from procure import accounts
from procure.extensions import db
from procure.models import AuditEvent, Role, User
from procure.workflows.base import WorkflowError
from tests.conftest import Client
from tests.integration.test_concurrency import _race
from tests.support.factories import EMAILS, PASSWORD

SECOND = "admin2@agency.example.org"


def _second_admin(app) -> int:
    with app.app_context():
        row = accounts.create_user(db.session, email=SECOND, name="Second Admin",
                                   password=PASSWORD, role=Role.admin, actor="test")
        db.session.commit()
        return row.id


def _admins(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)).where(
            User.role == Role.admin, User.active.is_(True)))


def _step(c: Client, target: int, what: str):
    if what == "demote":
        return lambda: c.post(f"/admin/users/{target}/role", {f"user{target}-role": "officer"},
                              follow_redirects=True)
    return lambda: c.post(f"/admin/users/{target}/deactivate", {"confirm": "y"},
                          follow_redirects=True)


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(4))
@pytest.mark.parametrize("steps", [("demote", "demote"), ("deactivate", "deactivate"),
                                   ("demote", "deactivate")])
def test_two_administrators_removing_each_other_at_once_leave_one(app, people, steps, attempt):
    first, second = people["admin"], _second_admin(app)
    a, b = Client(app), Client(app)
    assert a.login(EMAILS["admin"], PASSWORD).status_code == 302
    assert b.login(SECOND, PASSWORD).status_code == 302
    a.get("/admin/users")
    b.get("/admin/users")
    pages = _race(_step(a, second, steps[0]), _step(b, first, steps[1]))
    texts = [p.get_data(as_text=True) for p in pages]
    assert _admins(app) == 1, texts
    # One went through; the other was refused: told why, or (when the first had committed
    # before the second's request was let in, or before its refusal's page was drawn) no
    # longer an administrator (403), or deactivated and signed out (the sign-in form).
    went_through = [t for t in texts if " is now procurement officer." in t
                    or " is deactivated: they can no longer sign in" in t]
    refused = [t for t in texts if "last active administrator" in t
               or "You do not have permission to do that." in t or 'name="password"' in t]
    assert len(went_through) == 1 and len(refused) == 1, texts


def test_the_last_administrator_cannot_be_deactivated(app, people):
    with app.app_context():
        last, officer = db.session.get(User, people["admin"]), db.session.get(User, people["officer"])
        with pytest.raises(WorkflowError, match="last active administrator"):
            accounts.deactivate(db.session, last, officer)
        db.session.rollback()
    second = _second_admin(app)
    admin = Client(app)
    assert admin.login(EMAILS["admin"], PASSWORD).status_code == 302
    admin.get("/admin/users")
    done = admin.post(f"/admin/users/{second}/deactivate", {"confirm": "y"},
                      follow_redirects=True)
    assert "is deactivated" in done.get_data(as_text=True)
    assert _admins(app) == 1


def test_operators_create_and_promote_administrators_on_the_command_line(app, people):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["admin", "create", "ops@agency.example.org", "--name", "Ops"],
                         input="a-long-operator-password\na-long-operator-password\n")
    assert made.exit_code == 0, made.output
    assert "ops@agency.example.org is an administrator" in made.output
    assert Client(app).login("ops@agency.example.org",
                             "a-long-operator-password").status_code == 302
    again = runner.invoke(args=["admin", "create", "ops@agency.example.org", "--name", "Ops",
                                "--password", "a-long-operator-password"])
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(args=["admin", "create", "x@agency.example.org", "--name", "X",
                                "--password", "short"])
    assert short.exit_code == 1 and "at least 12 characters" in short.output

    with app.app_context():   # the officer was deactivated: promoted, they are back
        accounts.deactivate(db.session, db.session.get(User, people["officer"]), "test")
        db.session.commit()
    promoted = runner.invoke(args=["admin", "promote", EMAILS["officer"]])
    assert promoted.exit_code == 0, promoted.output
    assert "is now an active administrator" in promoted.output
    assert Client(app).login(EMAILS["officer"], PASSWORD).status_code == 302
    bidder = runner.invoke(args=["admin", "promote", EMAILS["bidder"]])
    assert bidder.exit_code == 1 and "bidders do not become administrators" in bidder.output
    nobody = runner.invoke(args=["admin", "promote", "nobody@agency.example.org"])
    assert nobody.exit_code == 1 and "no account" in nobody.output
    with app.app_context():
        assert db.session.get(User, people["officer"]).role is Role.admin
        events = [(e.event, e.actor_label) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.event.in_(["create_user", "change_role"])))]
    assert ("change_role", "command line") in events and ("create_user", "command line") in events


def test_an_invitation_not_yet_accepted_is_no_administrator(app, people):
    """An invited administrator who has not set a password cannot sign in: they do not count
    as the one who stays, and their invitation can be withdrawn by deactivating it."""
    from procure.accounts import InvitationLink
    second = _second_admin(app)
    with app.app_context():
        first = db.session.get(User, people["admin"])
        accounts.invite(db.session, first, email="invited@agency.example.org", name="Invited",
                        role=Role.admin, link=InvitationLink("k", "http://localhost"))
        db.session.commit()
        invited = db.session.scalar(select(User).where(User.email == "invited@agency.example.org"))
        accounts.change_role(db.session, db.session.get(User, second), Role.officer, first)
        db.session.commit()
        with pytest.raises(WorkflowError, match="last active administrator"):
            accounts.change_role(db.session, first, Role.officer, invited)
        db.session.rollback()
        accounts.deactivate(db.session, invited, first)
        db.session.commit()
