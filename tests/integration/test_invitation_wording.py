"""The staff invitation names the service, not the verb (a new user's walk, issue 19: "You are
invited to procure" and "invited you to procure, the agency's procurement service, as
panelist" read as "to procure" something)."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.header import decode_header, make_header
from html import unescape
from pathlib import Path

import pytest

from tests.integration.test_every_form_as_rendered import fill, forms_of
from tests.support.outbox import outbox_reader


@pytest.mark.parametrize("role, as_a", [("panelist", "a panelist"),
                                        ("admin", "an administrator"),
                                        ("officer", "a procurement officer")])
def test_the_invitation_reads_as_an_invitation_to_the_service(app, login, role, as_a):
    read = outbox_reader(app)
    admin = login("admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    [form] = [f for f in forms_of("/admin/users", page) if f.action.endswith("/admin/users/invite")]
    data = fill(form, 1)
    data.update({"invite-name": ["Dana Staff"], "invite-email": ["dana@agency.example.org"],
                 "invite-role": [role]})
    sent = admin.post("/admin/users/invite", data)
    assert sent.status_code == 302
    told = unescape(admin.get(sent.headers["Location"]).get_data(as_text=True))
    assert ("We emailed dana@agency.example.org an invitation to the agency's procurement "
            f"service as {as_a}.") in told
    [body] = read()
    [eml] = (Path(app.instance_path) / "outbox").glob("*.eml")
    subject = str(make_header(decode_header(message_from_bytes(eml.read_bytes())["Subject"])))
    assert subject == "You are invited to the agency's procurement service"
    assert ("invited you to the agency's procurement service (procure) as "
            f"{as_a}.") in " ".join(body.split())
    assert "to procure" not in subject + body
    link = re.search(r"https?://[^/\s]+(/invitation/\S+)", body).group(1)
    landing = unescape(re.sub(r"<[^>]+>", "", type(admin)(app).get(link).get_data(as_text=True)))
    assert f"You were invited to the agency's procurement service (procure) as {as_a}" in landing
