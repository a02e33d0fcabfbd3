"""The service with two more public pages, for `bench/throughput.py --floor` and
`bench/profile_pages.py`: what the cheapest page of this app costs, measured beside the real ones.

- `/_floor/page`: base.html (the menu, the footer) around one paragraph, no query;
- `/_floor/page10`: the same with ten small ORM queries (five regions each) shown in it.

Only benchmarks serve this (`gunicorn 'floor_app:create()'` with bench/ on the path); the service
itself has neither page."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from sqlalchemy import select

from procure import create_app, policy
from procure.extensions import db
from procure.models import Region

PAGE = '{% extends "base.html" %}{% block content %}<p>floor</p>{% endblock %}'
PAGE_10 = ('{% extends "base.html" %}{% block content %}{% for regions in rows %}'
           '<p>{{ regions|map(attribute="name")|join(", ") }}</p>{% endfor %}{% endblock %}')


def with_floor_pages(app: Flask) -> Flask:
    page, page_10 = app.jinja_env.from_string(PAGE), app.jinja_env.from_string(PAGE_10)

    @app.get("/_floor/page")
    @policy.rule("public.browse")
    def floor_page() -> Any:
        return render_template(page)

    @app.get("/_floor/page10")
    @policy.rule("public.browse")
    def floor_page_10() -> Any:
        rows = [db.session.scalars(select(Region).order_by(Region.id).limit(5)).all()
                for _ in range(10)]
        return render_template(page_10, rows=rows)
    return app


def create() -> Flask:
    return with_floor_pages(create_app())
