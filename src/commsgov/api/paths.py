"""Where the API lives: the one constant the app and the web pages' error handlers share (it
sits apart from :mod:`.app` so that :mod:`commsgov.web` can import it without a circle)."""

from __future__ import annotations

#: every API route is under this path; anything else is a page
API_PREFIX = "/api/v1"
#: the API's version, as the OpenAPI document states it
VERSION = "1"
