"""dossier: a local-first, encrypted client-dossier vault for coaches.

The library is usable without the command line: :class:`dossier.vault.Vault` is the front
door, :mod:`dossier.records` holds the dossier one section per module, and
:mod:`dossier.records.document` the canonical ``dossier/1`` document format (docs/architecture.md
draws the layers).
"""

__version__ = "0.1.0"
