"""Seating panel members through the panel page as rendered: a second chair is told beside the
"Chairs the panel" box, on the panel page, with the rest of the form as it was."""

from __future__ import annotations

import re

from procure import accounts
from procure.extensions import db
from procure.models import Role
from procure.workflows import evaluation as flow
from tests.support.evaluation import formed_panel, opened_rfr, scoring_panel
from tests.support.factories import EMAILS, PASSWORD


def _panel(app, *, scoring: bool) -> tuple[str, int, int]:
    """Lot 1's panel (forming, or scoring), the panelist's seat on it, and a panelist not yet
    on any panel: their ids."""
    with app.app_context():
        made = opened_rfr(db.session)
        panel = (scoring_panel if scoring else formed_panel)(db.session, made)
        newcomer = accounts.create_user(db.session, email="reviewer2@agency.example.org",
                                        name="Robin Reviewer", password=PASSWORD,
                                        role=Role.panelist, actor="test")
        db.session.commit()
        seat = next(m for m in panel.active_members if m.user_id == made.evaluator.id)
        return panel.public_id, seat.id, newcomer.id


def test_a_second_chair_is_told_beside_the_chair_box(app, people, login):
    panel_id, _seat, newcomer_id = _panel(app, scoring=False)
    officer = login("officer")
    page = officer.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    form = page[page.index('action="/evaluation/panels/' + panel_id + '/members"'):]
    form = form[:form.index("</form>")]
    assert 'name="user"' in form and 'name="kind"' in form and 'name="chair"' in form
    assert re.search(rf'<option[^>]*value="{newcomer_id}"', form)

    refused = officer.post(f"/evaluation/panels/{panel_id}/members",
                           {"user": str(newcomer_id), "kind": "external_reviewer",
                            "chair": "y"})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "Add a member" in text                         # the panel page, not an error page
    feedback = re.search(r'<div class="invalid-feedback d-block" id="chair-error">([^<]+)',
                         text)
    assert feedback and "already chairs this panel" in feedback.group(1)
    assert 'aria-describedby="chair-error"' in text
    assert re.search(rf'<option selected value="{newcomer_id}"|<option value="{newcomer_id}" '
                     r'selected', text)                    # the choice is kept

    seated = officer.post(f"/evaluation/panels/{panel_id}/members",
                          {"user": str(newcomer_id), "kind": "external_reviewer"})
    assert seated.status_code == 302
    assert "Robin Reviewer" in officer.get(seated.headers["Location"]).get_data(as_text=True)


def _form_fields(page: str, action: str) -> str:
    form = page[page.index(f'action="{action}"'):]
    return form[:form.index("</form>")]


def test_an_officer_replaces_a_member_after_scoring_began_on_the_record(app, people, login):
    panel_id, member_id, newcomer_id = _panel(app, scoring=True)
    with app.app_context():
        from procure.models import Scoresheet
        sheets = list(db.session.scalars(db.select(Scoresheet.public_id).where(
            Scoresheet.member_id == member_id)))
    officer = login("officer")
    page = officer.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    action = f"/evaluation/panels/{panel_id}/members/{member_id}/remove"
    form = _form_fields(page, action)
    prefix = f"m{member_id}-"
    for name in ("reason", "replacement", "kind"):
        assert f'name="{prefix}{name}"' in form, name

    # No reason: told on the form, nobody leaves.
    bare = officer.post(action, {f"{prefix}replacement": "0", f"{prefix}kind": "agency_staff"})
    assert bare.status_code == 400 and "Say why the member leaves the panel." in bare.get_data(
        as_text=True)
    replaced = officer.post(action, {f"{prefix}reason": "Moved to another department.",
                                     f"{prefix}replacement": str(newcomer_id),
                                     f"{prefix}kind": "external_reviewer"})
    assert replaced.status_code == 302, replaced.get_data(as_text=True)
    page = officer.get(replaced.headers["Location"]).get_data(as_text=True)
    assert "takes their seat" in page and "Robin Reviewer, external reviewer" in page
    assert "Taken off the panel (on the record): " in page

    # The member's scoresheets are withdrawn (on the record) and no longer theirs to open.
    panelist = login("panelist")
    for sheet in sheets:
        assert panelist.get(f"/evaluation/scoresheets/{sheet}").status_code == 404
    with app.app_context():
        from procure.models import Panel, ScoresheetStatus
        row = db.session.scalar(db.select(Panel).where(Panel.public_id == panel_id))
        statuses = {s.status for s in row.scoresheets if s.public_id in sheets}
        assert statuses == {ScoresheetStatus.withdrawn}
        assert flow.progress(row)[1] == 3 * 3 - len(sheets)      # what is left to score
    trail = officer.get(f"/officer/solicitations/{made_rfr(app, panel_id)}/audit").get_data(
        as_text=True)
    assert "remove member" in trail and "Moved to another department." in trail


def made_rfr(app, panel_id: str) -> int:
    with app.app_context():
        from procure.models import Panel
        return db.session.scalar(db.select(Panel.solicitation_id).where(
            Panel.public_id == panel_id))


def test_the_chair_is_replaced_not_only_removed_and_through_the_api(app, people, login):
    with app.app_context():
        made = opened_rfr(db.session)
        panel = formed_panel(db.session, made)
        chair = panel.chair
        token = accounts.issue_token(db.session, made.officer, "test")
        db.session.commit()
        panel_id, chair_id = panel.public_id, chair.id
    http = app.test_client()
    url = f"/api/v1/evaluation/panels/{panel_id}/members/{chair_id}/removal"
    auth = {"Authorization": f"Bearer {token}"}
    refused = http.post(url, json={"reason": "Leave."}, headers=auth)
    assert refused.status_code == 409 and "choose who chairs" in refused.get_json()["message"]
    done = http.post(url, json={"reason": "Leave.", "replacement_email": EMAILS["officer"]},
                     headers=auth)
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["replacement"]["chair"] is True and body["removed"]["chair"] is True
    page = login("officer").get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert "(<strong>chair</strong>)" in page
