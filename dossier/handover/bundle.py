"""The ``dossier-handover/1`` bundle: member names, size limits and the signed manifest.

A bundle is one age file (X25519, to the recipient's ``age1…`` key) holding an uncompressed
ustar archive. docs/handover-format.md describes it for other implementations; this module
is the one place the rules live.
"""

from __future__ import annotations

import re

from dossier.format.ids import UUID_PATTERN
from dossier.handover.tar import TarError
from dossier.records.attachments import MAX_BYTES

FORMAT = "dossier-handover/1"
FORMAT_PREFIX = "dossier-handover/"
# The signature covers these bytes followed by manifest.json exactly as stored.
SIGNATURE_CONTEXT = b"dossier-handover/1 manifest signature\n"
REASONS = ("closure", "incapacity", "referral")
CONSENT = "substitute"  # CSR 2.5: a substitute coach only if the client knows and agrees

MiB = 1024 * 1024
_ID = UUID_PATTERN
_CLIENT = re.compile(rf"clients/({_ID})/(dossier\.json|dossier\.pdf|attachments/({_ID}))")
_FIXED = {"FORMAT": "format", "README.txt": "readme", "README.pdf": "readme", "manifest.json": "manifest",
          "manifest.sig": "signature"}
LIMITS = {"format": 64, "readme": 16 * MiB, "manifest": 64 * MiB, "signature": 256,
          "json": 64 * MiB, "pdf": 256 * MiB, "attachment": MAX_BYTES}


def member_kind(name: str) -> tuple[str, str | None, str | None]:
    """``(kind, client id, attachment id)`` of a member name, or TarError for any other name."""
    if name in _FIXED:
        return _FIXED[name], None, None
    m = _CLIENT.fullmatch(name)
    if not m:
        raise TarError(f"member {name!r} is not part of a handover bundle")
    kind = {"dossier.json": "json", "dossier.pdf": "pdf"}.get(m.group(2), "attachment")
    return kind, m.group(1), m.group(3)


def client_folder(client_id: str) -> str:
    return f"clients/{client_id}/"


def format_line() -> bytes:
    return FORMAT.encode() + b"\n"
