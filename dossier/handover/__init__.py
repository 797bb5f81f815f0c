"""Handing clients over to a colleague (TB 2.28; CSR 2.5): one age-encrypted, signed bundle.

:func:`create` writes it on the sender's side; :func:`verify` and :func:`import_bundle` read
it on the recipient's side. The format is ``dossier-handover/1`` (docs/handover-format.md).
"""

from dossier.handover.create import create
from dossier.handover.read import import_bundle, provenance, verify

__all__ = ["create", "verify", "import_bundle", "provenance"]
