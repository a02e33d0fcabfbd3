"""What the faces (the pages in `procure.web`, the JSON API in `procure.api`, the CLI) share
about a request, so that none of them imports another: who is acting, when the service received
the request, bearer-token sign-in, the deployment's upload settings, and sending a stored file.

The faces sit on top of this module; the workflows never import it (they know nothing of Flask).
"""

from __future__ import annotations

import io
from typing import Any

from flask import abort, current_app, g, request, send_file
from flask_login import current_user

from procure import accounts, clock, mail, search
from procure.extensions import db, login_manager
from procure.intake import jobs
from procure.kept_lists import KeptPage, as_asked
from procure.models import Document, User
from procure.storage import store_from_config
from procure.workflows.base import Uploads


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def actor() -> Any:
    """Who is acting: the API's bearer-token user on /api/, the signed-in user elsewhere."""
    if is_api_request():
        return g.get("api_user") or login_manager.anonymous_user()
    return current_user


class InvalidToken(Exception):
    """The request carries credentials that sign nobody in (answered 401, never as the
    public: a client whose token ended learns it at once)."""

    message = ("The API token is not valid: it is unknown, revoked or expired, or its account "
               "is deactivated. Send `Authorization: Bearer <token>` with a working token, or "
               "no Authorization header to act as the public.")


def token_user() -> User | None:
    """The user of the request's `Authorization: Bearer` token (accounts decides; a read-only
    token signs nobody in for a change); None without an Authorization header. Any other
    Authorization, or a token that does not work, raises InvalidToken."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, raw = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise InvalidToken()
    user = accounts.user_for_token(db.session, raw.strip(),
                                   needs_write=request.method not in ("GET", "HEAD", "OPTIONS"))
    if user is None:
        raise InvalidToken()
    return user


def receive() -> None:
    """Note when the service received this request (stamped as it arrived, procure.ops: a
    trusted proxy's X-Request-Start, or when the server accepted it), and who sent it on the
    API."""
    g.received_at = request.environ.get("procure.received_at") or clock.now()  # procure.ops
    if request.endpoint is not None and is_api_request():
        g.api_user = token_user()


def received_at() -> Any:
    """When the service received this request: what counts against a deadline."""
    return g.received_at


def page_of(statement: Any, **filters: Any) -> Any:
    """One page of a list as the request asks (`?q=`, `?status=`, `?page=`; kept_lists.as_asked),
    counted whole (the contracts and the audit trail; the lists of kept_lists count no further
    than the search)."""
    return db.paginate(as_asked(statement, **filters),
                       page=search.page_number(request.args.get("page")),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)


def search_page(found: search.Filters, number: int, size: int) -> KeptPage:
    """One page of the public search (the list's and the API's): at most the first
    `search.LISTED` found, counted no further, the page and the count read at once; `more`
    says whether more were found."""
    read = search.first_found(db.session, found, number, size)
    return KeptPage(page=number, per_page=size, items=read.items, total=read.total,
                    more=read.more)


def uploads() -> Uploads:
    """This deployment's store, upload limits and intake queue, for the upload use cases."""
    config = current_app.config
    return Uploads(store=store_from_config(config), max_bytes=config["MAX_UPLOAD_BYTES"],
                   max_files=config["MAX_FILES_PER_RESPONSE"], read=jobs.enqueue,
                   organization_quota=config["ORGANIZATION_STORAGE_BYTES"])


def send_document(document: Any) -> Any:
    """A stored PDF (a response's document or a solicitation's) as a download."""
    store = store_from_config(current_app.config)
    return send_file(store.open(document.sha256), mimetype="application/pdf",
                     download_name=document.filename, as_attachment=True)


def send_page_image(document: Document, number: int, *, black_out: dict | None = None) -> Any:
    """One page's picture, made by the isolated worker (the web process never opens a PDF).
    ``black_out`` (the intake's ``bidder_marks`` of this page: its size and boxes in points)
    is painted over, for a blind panel: the picture is one this service made, never the PDF.
    Each mark blacks out its whole line, edge to edge: a box as wide as the name would tell
    its length, and so which of the bidders (the panel knows their names) wrote it."""
    images = document.page_images or []
    if not 1 <= number <= len(images):
        abort(404)
    store = store_from_config(current_app.config)
    picture = store.open(images[number - 1])
    if black_out and black_out.get("boxes"):
        from PIL import Image, ImageDraw

        try:
            data = picture.read()
        finally:
            picture.close()
        with Image.open(io.BytesIO(data)) as image:
            page = image.convert("RGB")
        scale = page.width / float(black_out["size"][0])
        draw = ImageDraw.Draw(page)
        for _left, top, _right, bottom in black_out["boxes"]:
            draw.rectangle([0, (top - 1) * scale, page.width, (bottom + 1) * scale],
                           fill="black")
        picture = io.BytesIO()
        page.save(picture, format="PNG")
        picture.seek(0)
    return send_file(picture, mimetype="image/png", download_name=f"page-{number}.png")


def reset_link() -> accounts.ResetLink:
    """How password-reset links are written here (the sign-in pages and the administrator's)."""
    return accounts.ResetLink(current_app.config["SECRET_KEY"], current_app.config["BASE_URL"],
                              current_app.config["PASSWORD_RESET_HOURS"])


def invitation_link() -> accounts.InvitationLink:
    """How staff invitations are written here (the administrator's page and the API)."""
    return accounts.InvitationLink(current_app.config["SECRET_KEY"],
                                   current_app.config["BASE_URL"],
                                   current_app.config["INVITATION_DAYS"])


def send_mail(messages: list[accounts.Mail]) -> None:
    """Queue mail decided by a request (procure.mail) and commit: it goes once that commit is
    done or, if the mail server is down, when the scheduler retries it."""
    if messages:
        mail.queue_all(db.session, messages)
        db.session.commit()
