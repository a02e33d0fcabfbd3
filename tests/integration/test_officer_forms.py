"""Numbers and form mistakes as a new officer met them: 1e30 accepted, "This field is required"
for 0 or 12.5, a separate "Go back" page, a number hint that was not the next number, amounts
without separators, the same file uploaded twice without a word."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from procure import clock
from procure.extensions import db
from procure.intake import jobs
from procure.models import AreaOffice, Lot
from tests.support.factories import draft_rfr, published_rfr, user
from tests.support.pdfs import complete_response


def _draft(app):
    with app.app_context():
        row = draft_rfr(db.session, user(db.session, "officer"))
        area = db.session.scalar(select(AreaOffice).where(AreaOffice.name == "Brockton"))
        db.session.commit()
        return row.id, area.id


def _lot(area_id, **changes):
    data = {"lot-kind": "lead_agency", "lot-title": "Lead agency: Brockton",
            "lot-area_offices": [str(area_id)], "lot-region": "0", "lot-service_model": "",
            "lot-estimated_annual_value": "100000", "lot-max_awards": "1"}
    data.update({f"lot-{k}": v for k, v in changes.items()})
    return data


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _lots(app, sid) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Lot).where(Lot.solicitation_id == sid)).all())


def test_number_fields_say_what_is_wrong_beside_the_field_keeping_what_was_typed(app, login):
    sid, area = _draft(app)
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    officer.get(url)
    before = _lots(app, sid)
    for value in ("1e30", "NaN", "-5", "12.345", "lots"):
        page = officer.post(url + "/lots", _lot(area, estimated_annual_value=value,
                                                title=f"Typed title {value}"))
        text = _text(page)
        assert page.status_code == 400, value
        assert "This field is required" not in text and "Go back" not in text
        assert re.search(r'is-invalid[^>]*value="' + re.escape(value) + '"|value="'
                         + re.escape(value) + '"[^>]*is-invalid', text), value
        assert f"Typed title {value}" in text          # what was typed stays
        assert "Enter an amount in dollars from $0 to $999,999,999,999.99" in text \
            or "at most two digits after the point" in text
    assert _lots(app, sid) == before
    for value, message in (("0", "Enter a whole number from 1 to 50; 0 is not one."),
                           ("12.5", "Enter a whole number from 1 to 50; 12.5 is not one."),
                           ("", "Enter a whole number from 1 to 50.")):
        text = _text(officer.post(url + "/lots", _lot(area, max_awards=value)))
        assert message in text and "This field is required" not in text
    for weight, message in (("12.5", "Enter a whole number from 1 to 100; 12.5 is not one."),
                            ("0", "Enter a whole number from 1 to 100; 0 is not one.")):
        text = _text(officer.post(url + "/criteria", {
            "criterion-name": "Reach", "criterion-weight": weight,
            "criterion-max_points": "0", "criterion-envelope": "technical"}))
        assert message in text
        assert "Enter a whole number from 1 to 1000; 0 is not one." in text
    # A use case's refusal also lands on the form, with the typed values.
    text = _text(officer.post(url + "/lots", _lot(area, area_offices=[], title="No areas")))
    assert "A lead-agency lot covers one area office" in text and "No areas" in text
    # And a good amount, written as people write it, is read as such.
    assert officer.post(url + "/lots", _lot(area, estimated_annual_value="$700,150.00")
                        ).status_code == 302
    page = _text(officer.get(url))
    assert "$700,150.00" in page and "$100,000.00" in page


def test_the_number_hint_is_the_next_number(app, login):
    with app.app_context():
        officer = user(db.session, "officer")
        for _ in range(3):
            draft_rfr(db.session, officer)
        db.session.commit()
    year = clock.local(clock.now()).year
    page = _text(login("officer").get("/officer/solicitations/new"))
    assert f"the next RFR is DCF-{year}-RFR-004" in page
    assert f"the next RFI DCF-{year}-RFI-001" in page


def test_record_amounts_have_separators_and_the_same_file_twice_gives_a_notice(app, login):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        db.session.commit()
        sid, lot = row.id, row.lots[0].id
    bidder = login("bidder")
    url = bidder.respond(sid, lot)
    data = complete_response()
    bidder.upload(url, data)
    jobs.wait_for_idle()
    again = bidder.upload(url, data, name="copy.pdf")
    assert again.status_code == 302
    page = _text(bidder.get(url))
    assert "copy.pdf is the same file as proposal.pdf" in page and "nothing was added" in page
    assert page.count("The record beside the PDF") == 1
    assert "$100,000.00" in page
