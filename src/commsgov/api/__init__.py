"""The HTTP API (FastAPI) under ``/api/v1``: a second shell as thin as the command line.

- :mod:`.app`: ``create_app(settings)``, the app factory ``commsgov serve`` runs;
- :mod:`.paths`: ``API_PREFIX`` (``/api/v1``), shared with the web pages;
- :mod:`.deps`: the ``Annotated`` dependencies routes take (``StoreDep``, ``Caller`` via
  ``allowed(action)``, ...); every route names its action in the permission table;
- :mod:`.problems`: errors as RFC 9457 problem details; :mod:`.security`: headers, cookies, CSRF;
- :mod:`.routes`: one module per resource.

Needs the ``server`` extra (``pip install 'commsgov[server]'``).
"""
