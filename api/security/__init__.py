"""Sign-in, per-user identity and cross-site request protection for the app.

``install_security(app)`` is the one call ``api.app.create_app`` makes; see
:mod:`api.security.middleware` for what it checks and in which order.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.pages.render import TEMPLATES
from api.security.csrf import csrf_input, signed_in
from api.security.middleware import SecurityMiddleware


def install_security(app: FastAPI) -> None:
    """Add the middleware and the template helpers every page form relies on."""
    TEMPLATES.env.globals.update(csrf_input=csrf_input, signed_in=signed_in)
    app.add_middleware(SecurityMiddleware)


__all__ = ["SecurityMiddleware", "install_security"]
