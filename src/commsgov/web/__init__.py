"""The web app: server-rendered pages on the Scottish Government Design System.

Its front-end assets are vendored under ``static/vendor/`` by ``scripts/vendor_web_assets.py``
(see ``VENDORED.json`` there for each file's package, version and hash).
"""
