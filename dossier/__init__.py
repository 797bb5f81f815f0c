"""dossier: a local-first, encrypted client-dossier vault for coaches.

The library is usable without the command line: :class:`dossier.vault.Vault` is the front
door, :mod:`dossier.records` holds the client record, :mod:`dossier.jsonformat` the
canonical ``dossier/1`` document format.
"""

__version__ = "0.1.0"
