"""The ``commsgov`` command line: a thin Typer shell over the core and services."""
