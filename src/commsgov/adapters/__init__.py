"""Adapters: commsgov's side of an outside format or system, with the I/O that takes.

- :mod:`commsgov.adapters.bagit`: transfer packages for an archive (BagIt bags, ``.tar.gz``).

An adapter may write files and call third-party libraries; it holds no policy and no database
access (``services/`` calls it with plain data).
"""
