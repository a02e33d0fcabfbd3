"""procure: procurement and RFR lifecycle workflow service.

Importing the package loads nothing else: the intake parse child and `procure intake parse`
import only what they need. The web application comes from ``create_app`` (``procure.app``).
"""

from __future__ import annotations

from typing import Any


def create_app(config: dict[str, Any] | None = None):
    """The app factory (see ``procure.app.create_app``)."""
    from procure.app import create_app as factory
    return factory(config)
