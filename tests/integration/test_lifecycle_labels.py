"""Every step of every lifecycle is said in words on the lifecycle page (a new user's walk,
issue 19: "begin_awarding" and "complete_award" were listed raw among the labels)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from procure.extensions import db
from procure.models import SolicitationKind
from procure.workflows import award, contract, evaluation, response
from procure.workflows import solicitation as flow
from procure.workflows.base import Workflow
from tests.support.factories import draft_rfr, user

HELD = [response.RESPONSE, evaluation.PANEL, evaluation.SCORESHEET, award.AWARD, award.PROTEST,
        contract.CONTRACT]


def _text_of(html: str) -> str:
    """What a person reads (the drawings' words too): the page without its tags."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_every_machine_of_the_module_is_walked():
    """A new lifecycle is walked below (held by an RFR, or the RFR's or the RFI's own)."""
    import importlib
    import pkgutil

    import procure.workflows as package
    found = {id(w) for m in pkgutil.iter_modules(package.__path__)
             for w in vars(importlib.import_module(f"procure.workflows.{m.name}")).values()
             if isinstance(w, Workflow)}
    assert found == {id(w) for w in [flow.RFR, flow.RFI, *HELD]}


@pytest.mark.parametrize("kind", [SolicitationKind.RFR, SolicitationKind.RFI])
def test_each_transition_is_shown_by_its_label(app, login, kind):
    with app.app_context():
        officer = user(db.session, "officer")
        row = draft_rfr(db.session, officer) if kind is SolicitationKind.RFR else flow.create(
            db.session, officer, kind=kind, agencies=["DCF"], title="Program models")
        db.session.commit()
        sid = row.id
    html = login("officer").get(f"/officer/solicitations/{sid}/lifecycle").get_data(as_text=True)
    steps = [unescape(re.sub(r"<[^>]+>", "", li)).strip()
             for li in re.findall(r"<li>(.*?)</li>", html, re.DOTALL)]
    machines = [flow.RFR, *HELD] if kind is SolicitationKind.RFR else [flow.RFI]
    for machine in machines:
        for t in machine.transitions:
            label = machine.labels.get(t["trigger"])
            assert label, f"{machine.name}: {t['trigger']} has no label"
            dest = machine.states[t["dest"]].value
            assert any(s.startswith(f"{label}: ") and s.endswith(f"→ {dest}") for s in steps), \
                (machine.name, label, dest)
    listed = _text_of(html.split("Lifecycle of", 1)[1])
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", listed), re.findall(r"\b[a-z]+_[a-z_]+\b", listed)
