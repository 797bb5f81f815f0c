"""The command line: the only package that imports typer. One module per noun.

Each command parses its arguments, makes one call into the core and renders the result.
Errors become one ``dossier: error: …`` line (and a hint) with a documented exit code, in one
place (:class:`DossierGroup`); no traceback reaches a user unless ``--debug`` is given.
"""

from dossier.cli.app import app, cli, main

__all__ = ["app", "cli", "main"]
