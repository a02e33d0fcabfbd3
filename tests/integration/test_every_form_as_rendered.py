"""Every form of every page, as its user sends it (issue 19: "Save draft" under Details always
answered 400 with nothing marked, because the rendered form lacked a field; 831 tests posting
hand-built bodies passed through it).

The walk: for each role, before and after the opening, every HTML page the URL map gives that
role (and the draft editor, which no endpoint names); each POST form on it is read from the HTML
(hidden fields, selects, checkboxes, text, files: exactly the fields the page has), the empty
required ones filled with valid values as a person would, the boxes ticked, and sent. The answer
must be a success (a redirect, or a page without an error) or a message a person can act on
(beside a field, or at the top of the form saying what to do), never a bare 400 or a 500. Each
form is sent in a freshly built world, so what one form changes cannot hide another's answer. A
new form on any page is walked without changing this test."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import time_machine

from procure import clock
from tests.conftest import Client, wipe
from tests.integration.test_access_matrix import EXPECTED, url_for_rule
from tests.support.factories import EMAILS, PASSWORD
from tests.support.pdfs import complete_response
from tests.support.world import build

# The people the forms are for, each form sent as the first of them whose pages hold it (the
# sign-out form once, the officer's pages as the officer, not again as the administrator).
ROLES = ["anonymous", "bidder", "officer", "panelist", "admin"]
# The one message that names no field: it must never come alone.
UNMARKED = "Please correct what is marked below"


@dataclass
class Form:
    action: str
    multipart: bool
    fields: list[dict] = field(default_factory=list)     # name, tag, type, value, required…
    selects: dict[str, dict] = field(default_factory=dict)
    submit: tuple[str, str] | None = None                # the first submit button's name/value

    @property
    def shape(self) -> tuple:
        """What makes two forms the same form (the sign-out form on every page, an edit form
        per lot): the action with its ids taken out, and the names of its fields."""
        action = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", urlsplit(self.action).path)
        return action, tuple(sorted({f["name"] for f in self.fields}))


class FormReader(HTMLParser):
    """The POST forms of a page, with the fields a browser would send."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url, self.forms, self.form = page_url, [], None
        self.select = self.option = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urljoin(self.page_url, a.get("action") or self.page_url).split("#")[0]
                self.form = Form(action, "multipart" in a.get("enctype", ""))
            return
        if self.form is None:
            return
        name, required = a.get("name"), "required" in a or a.get("aria-required") == "true"
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self.form.submit = self.form.submit or (name, a.get("value", ""))
                return
            if kind == "button" or kind == "reset":
                return
            self.form.fields.append({"name": name, "tag": "input", "type": kind,
                                     "value": a.get("value", ""), "checked": "checked" in a,
                                     "required": required, "attrs": a})
        elif tag == "button" and a.get("type", "submit") == "submit":
            if name and self.form.submit is None:
                self.form.submit = (name, a.get("value", ""))
        elif tag == "select" and name and "disabled" not in a:
            self.select = {"name": name, "tag": "select", "multiple": "multiple" in a,
                           "options": [], "required": required, "attrs": a}
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self.select["options"].append(self.option)
        elif tag == "textarea" and name and "disabled" not in a:
            self.textarea = {"name": name, "tag": "textarea", "type": "textarea", "value": "",
                             "required": required, "attrs": a}
            self.form.fields.append(self.textarea)

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None
        elif tag == "select":
            self.select = self.option = None
        elif tag == "option":
            self.option = None
        elif tag == "textarea":
            if self.textarea is not None:
                self.textarea["value"] = self.textarea["value"].lstrip("\n")
            self.textarea = None


def forms_of(url: str, html: str) -> list[Form]:
    reader = FormReader(url)
    reader.feed(html)
    return reader.forms


def _text_value(f: dict, n: int) -> str:
    """What a person types into an empty field, by its kind and name."""
    name, kind, a = f["name"].lower(), f["type"], f["attrs"]
    today = clock.local(clock.now())
    if kind == "email" or "email" in name:
        return f"walker{n}@provider-example.org"
    if kind == "password":
        return PASSWORD if "current" in name or name == "password" and "login" in a.get(
            "autocomplete", "") else "a-new-long-password-2026"
    if kind == "date":
        return (today + timedelta(days=60)).strftime("%Y-%m-%d")
    if kind == "datetime-local":
        return (today + timedelta(days=45)).strftime("%Y-%m-%dT10:00")
    if kind == "number":
        return a.get("min") or "1"
    if "fein" in name:
        return "04-7654321"
    if a.get("inputmode") == "decimal" or "amount" in name or "value" in name:
        return "1000"
    if "phone" in name:
        return "617-555-0100"
    if "points" in name or "weight" in name or "limit" in name or "awards" in name:
        return "1"
    return "Written as a person would"


def fill(form: Form, n: int) -> dict:
    """The form's fields as a browser sends them: what the page holds, the required empty ones
    filled, every box ticked (the confirmations a person ticks), a PDF in every file field."""
    data: dict[str, list] = {}
    for f in form.fields:
        name = f["name"]
        if f["tag"] == "select":
            options = [o["value"] for o in f["options"] if o["value"] is not None]
            useful = [v for v in options if v not in ("", "0")]
            chosen = [o["value"] for o in f["options"] if o["selected"]]
            if f["multiple"] and not chosen:
                chosen = useful[:1]           # a joint field needs one: the first
            elif not f["multiple"] and not chosen:
                chosen = (useful[:1] if f["required"] else options[:1]) or options[:1]
            data.setdefault(name, []).extend(chosen)
        elif f["type"] in ("checkbox", "radio"):
            if f["type"] == "radio" and name in data:
                continue
            if f["type"] == "checkbox" or f["checked"] or not any(
                    g["name"] == name and g.get("checked") for g in form.fields):
                data.setdefault(name, []).append(f["value"] or "y")
        elif f["type"] == "file":
            data.setdefault(name, []).append((io.BytesIO(complete_response()), "walk.pdf"))
        else:
            value = f["value"]
            if not value.strip() and (f["required"] or f["type"] in ("password", "email")
                                      or name.split("-")[-1] in ("title", "name", "reason",
                                                                 "text", "body", "answer")):
                value = _text_value(f, n)
            data.setdefault(name, []).append(value)
    if form.submit:
        data.setdefault(form.submit[0], []).append(form.submit[1])
    return data


def _told(body: str) -> str | None:
    """The message a refused form shows a person: beside a field, or at its top saying what
    to do (the generic "correct what is marked" only counts with something marked)."""
    beside = [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(
        r'class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', body, re.S)]
    beside = [m for m in beside if m]
    if beside:
        return beside[0]
    for alert in re.findall(r'class="alert alert-(?:danger|warning)[^"]*"[^>]*>(.*?)</div>',
                            body, re.S):
        text = unescape(re.sub(r"<[^>]+>", "", alert)).strip()
        if text and UNMARKED not in text:
            return text
    return None


def verdict(response) -> str | None:
    """None when a person can go on from this answer; else what went wrong."""
    status = response.status_code
    if status in (301, 302, 303):
        return None
    if status >= 500:
        return f"{status}: the server failed"
    body = response.get_data(as_text=True)
    if response.mimetype != "text/html":
        return None if status < 400 else f"{status}: {body[:160]!r}"
    if status < 400 and ("is-invalid" not in body or _told(body)):
        return None
    told = _told(body)
    if told is None:
        return f"{status} with no message beside any field"
    if status in (403, 404, 405):
        return f"{status} for a form the page offered ({told[:120]})"
    return None


def pages_for(app, world, role: str, opened: bool) -> list[tuple[str, object]]:
    """(label, rule or fixed url) for each GET page this role may open."""
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        key = (rule.endpoint, "GET")
        if ("GET" not in rule.methods or rule.endpoint.startswith(("api", "static"))
                or "static" in rule.endpoint or key not in EXPECTED
                or role not in EXPECTED[key][opened]):
            continue
        pages.append((rule.endpoint, rule))
    if role in ("officer", "admin"):
        pages.append(("officer.draft", "draft"))
    return pages


def _url(page, world, role) -> str:
    label, target = page
    if target == "draft":
        return f"/officer/solicitations/{world.ids['draft']}"
    return url_for_rule(target, world, role)


def _signed_in(app, role: str) -> Client:
    c = Client(app)
    if role != "anonymous":
        assert c.login(EMAILS[role], PASSWORD).status_code == 302
    return c


def _moment(world, opened: bool):
    return world.deadline + (timedelta(minutes=1) if opened else -timedelta(days=2))


def _fingerprint(app) -> tuple:
    """How many rows each table holds: a form that changed them (every change of state is
    audited, a row) leaves a world the next form is not sent in; one that changed nothing
    leaves it as it was, and the next form is sent in it without building it again."""
    from sqlalchemy import func, select

    from procure.extensions import db
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(table))
                     for table in db.metadata.sorted_tables)


def walk(app, opened: bool, roles=ROLES) -> tuple[int, list[str]]:
    """Send every distinct form once, as the first role (in ROLES' order) whose pages hold it;
    (forms sent, problems)."""
    problems, sent, seen = [], 0, set()
    for role in roles:
        wipe(app)
        world = build(app, opened=opened)
        todo = []     # (page, index of the form on it)
        with time_machine.travel(_moment(world, opened)):
            c = _signed_in(app, role)
            for page in pages_for(app, world, role, opened):
                url = _url(page, world, role)
                answer = c.get(url)
                if answer.status_code != 200 or answer.mimetype != "text/html":
                    continue
                for index, form in enumerate(forms_of(url, answer.get_data(as_text=True))):
                    if form.shape not in seen:
                        seen.add(form.shape)
                        todo.append((page, index))
        dirty = False
        for page, index in todo:
            if dirty:
                wipe(app)
                world = build(app, opened=opened)
            with time_machine.travel(_moment(world, opened)):
                url = _url(page, world, role)
                sent += 1
                form, data, wrong, dirty = send_as_rendered(app, _signed_in(app, role), url,
                                                            index, sent)
                if wrong:
                    problems.append(f"{role} on {page[0]} ({url}): form to {form.action} "
                                    f"{sorted(data)}: {wrong}")
    return sent, problems


def send_as_rendered(app, c: Client, url: str, index: int, n: int) -> tuple[Form, dict,
                                                                             str | None, bool]:
    """Open the page, send its `index`th form as rendered (filled as the `n`th form sent):
    (the form, what was sent, what went wrong or None, whether the database changed)."""
    form = forms_of(url, c.get(url).get_data(as_text=True))[index]
    data = fill(form, n)
    before = _fingerprint(app)
    answer = c.post(urlsplit(form.action).path, data, csrf=False,
                    content_type="multipart/form-data" if form.multipart else None)
    return form, data, verdict(answer), _fingerprint(app) != before


def test_every_form_before_the_opening_answers_success_or_a_message(app):
    sent, problems = walk(app, opened=False)
    print(f"\nforms sent as rendered (before the opening): {sent}, problems: {len(problems)}")
    assert sent >= 25, sent
    assert problems == [], "\n".join(problems)


def test_every_form_after_the_opening_answers_success_or_a_message(app):
    sent, problems = walk(app, opened=True)
    print(f"\nforms sent as rendered (after the opening): {sent}, problems: {len(problems)}")
    assert sent >= 25, sent
    assert problems == [], "\n".join(problems)


def test_a_drafts_details_are_saved_from_the_page_as_rendered(app, login):
    """The officer changes a draft's title and deadline under Details and saves: the draft
    has them (it answered 400 "Please correct what is marked below", nothing marked)."""
    from procure.extensions import db
    from procure.models import Solicitation
    from tests.support.factories import draft_rfr, user
    with app.app_context():
        draft_id = draft_rfr(db.session, user(db.session, "officer")).id
        db.session.commit()
    officer = login("officer")
    url = f"/officer/solicitations/{draft_id}"
    page = officer.get(url).get_data(as_text=True)
    details = next(f for f in forms_of(url, page) if urlsplit(f.action).path == url)
    data = fill(details, 1)
    data["title"] = ["Family support, renamed"]
    moved = clock.local(clock.now()) + timedelta(days=50)
    data["deadline"] = [moved.strftime("%Y-%m-%dT14:00")]
    saved = officer.post(url, data, csrf=False)
    assert saved.status_code == 302, verdict(saved)
    assert "Draft saved." in officer.get(url).get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Solicitation, draft_id)
        assert row.title == "Family support, renamed"
        assert clock.local(row.deadline).strftime("%Y-%m-%d %H:%M") == moved.strftime(
            "%Y-%m-%d 14:00")


# ---------------------------------------------------------------- awards and contracts
# The award and contract pages hold their forms only at their moment (approve once proposed,
# notify once approved, protest during standstill, decide once protested, draft a contract
# once final, sign, amend, encumber, draw down once active): the walk builds each moment and
# opens the pages there, as each person who sees them.

THIRD = "di@gamma-youth.example.org"       # Gamma, ranked first (tests.support.evaluation)
AWARD_ROLES = ["officer", "officer2", "admin", "panelist", "bidder", "third_bidder"]
STAGES = ["finalized", "proposed", "approved", "standstill", "protested", "final", "drafted",
          "active"]


def _award_stage(app, stage: str) -> list[str]:
    """The world at one moment of the award and the contract; the pages that show it."""
    from decimal import Decimal

    from procure.extensions import db
    from procure.workflows import award as award_flow
    from procure.workflows import contract as contract_flow
    from tests.support.award import RANKED, finalized
    from tests.support.contract import active, drafted, final_award
    from tests.support.factories import make_people, user
    with app.app_context():
        session = db.session
        make_people(session)
        session.commit()
        if stage in ("final", "drafted", "active"):
            made, award = final_award(session)
        else:
            made, _ = finalized(session)
            lot, award = made.rfr.lots[0], None
            if stage != "finalized":
                award = award_flow.propose(session, lot, made.officer,
                                           response=made.responses[RANKED[0]],
                                           amount=Decimal(100000), justification="")
            if stage in ("approved", "standstill", "protested"):
                award_flow.approve(session, award, made.chair)
            if stage in ("standstill", "protested"):
                award_flow.notify_lot(session, lot, made.officer)
            if stage == "protested":
                award_flow.file_protest(session, award, user(session, "bidder"),
                                        grounds="The price score was miscalculated.")
        pages = [f"/awards/solicitations/{made.rfr.id}", f"/solicitations/{made.rfr.id}/awards",
                 "/awards/notices", "/contracts", "/contracts/mine"]
        pages += [f"/awards/responses/{r.public_id}" for r in made.responses.values()]
        if stage == "final":
            pages.append(f"/awards/{award.public_id}/contract")
        if stage == "drafted":
            pages.append(f"/contracts/{drafted(session, made, award).public_id}")
        if stage == "active":
            contract = active(session, made, award)
            contract_flow.encumber(session, contract, made.officer, fiscal_year_=2027,
                                   amount=Decimal(50000))
            # raising the maximum above the award waits for a second officer's decision
            contract_flow.amend(session, contract, made.officer, reason="More families.",
                                annual_maximum=Decimal(150000))
            pages.append(f"/contracts/{contract.public_id}")
        session.commit()
    return pages


def _award_person(app, role: str) -> Client:
    c = Client(app)
    assert c.login(THIRD if role == "third_bidder" else EMAILS[role], PASSWORD).status_code == 302
    return c


def walk_awards(app, stages=STAGES, roles=AWARD_ROLES) -> tuple[int, list[str], set]:
    """Each stage: every form of the award and contract pages once per person whose pages hold
    it, sent as rendered in a freshly built stage; (forms sent, problems, forms' actions)."""
    problems, sent, actions = [], 0, set()
    for stage in stages:
        wipe(app)
        pages = _award_stage(app, stage)
        todo, seen = [], set()      # (role, the page's place in pages, the form's on the page)
        for role in roles:
            c = _award_person(app, role)
            for place, url in enumerate(pages):
                answer = c.get(url)
                if answer.status_code != 200 or answer.mimetype != "text/html":
                    continue
                for index, form in enumerate(forms_of(url, answer.get_data(as_text=True))):
                    if "/logout" in form.action or (role, form.shape) in seen:
                        continue
                    seen.add((role, form.shape))
                    todo.append((role, place, index))
        dirty = False
        for role, place, index in todo:
            if dirty:             # built again: its ids are new, the pages' places are not
                wipe(app)
                pages = _award_stage(app, stage)
            url = pages[place]
            sent += 1
            form, data, wrong, dirty = send_as_rendered(app, _award_person(app, role), url,
                                                        index, sent)
            actions.add(form.shape[0])
            if wrong:
                problems.append(f"{stage}: {role} on {url}: form to {form.action} "
                                f"{sorted(data)}: {wrong}")
    return sent, problems, actions


def test_every_award_and_contract_form_answers_success_or_a_message(app):
    sent, problems, actions = walk_awards(app)
    print(f"\naward and contract forms sent as rendered: {sent}, problems: {len(problems)}")
    for action in sorted(actions):
        print("  ", action)
    # every kind of form the brief names was reached
    for needed in ("/awards/lots/N/proposals", "/awards/N/approve", "/awards/N/withdraw",
                   "/awards/lots/N/notices", "/awards/responses/N/protests",
                   "/awards/protests/N/decision", "/awards/N/contract",
                   "/contracts/N/events/", "/contracts/N/terms", "/contracts/N/amendments",
                   "/contracts/amendments/N/", "/contracts/N/encumbrances",
                   "/encumbrances/N/draw-downs"):
        assert any(a.startswith(needed) for a in actions), (needed, sorted(actions))
    assert problems == [], "\n".join(problems)
