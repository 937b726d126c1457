"""``python -m commsgov``: the same as the ``commsgov`` command."""

from commsgov.cli.main import main

main()
