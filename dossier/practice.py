"""The practice's own details: who the coach is and how a client reaches them. The client copy
and letters print them, so that the client knows where to ask for inspection, correction or
destruction (CSR 5.1-5.4; GDPR Art. 12, 13)."""

from __future__ import annotations

import json

from dossier.errors import InvalidInput
from dossier.format import fields as F

FIELDS = {"coach": F.check_line, "practice": F.check_line, "email": F.check_email, "phone": F.check_phone,
          "address": F.check_line, "postcode": F.check_line, "city": F.check_line, "website": F.check_line,
          "letters": F.check_line}  # the folder letters go to by default (destroy run); never printed


def get_practice(db) -> dict:
    row = db.one("SELECT value FROM meta WHERE key = 'practice'")
    stored = json.loads(row[0]) if row else {}
    return {k: stored.get(k, "") for k in FIELDS}


def check_practice(values: dict[str, str]) -> dict[str, str]:
    """The practice details to set, checked (no vault needed)."""
    if not values:
        raise InvalidInput("details", "", "are empty: nothing to change", "use KEY=VALUE, keys: " + ", ".join(FIELDS))
    checked = {}
    for key, value in values.items():
        if key not in FIELDS:
            raise InvalidInput(key, key, "is not a practice detail", "keys: " + ", ".join(FIELDS))
        checked[key] = FIELDS[key](key, value)
    return checked


def set_practice(vault, values: dict[str, str]) -> list[str]:
    """Change practice details by name; returns the names changed (the audit names, never values)."""
    checked = check_practice(values)
    with vault.write():
        details = get_practice(vault.db) | checked
        vault.db.set_meta("practice", json.dumps(details))
        vault.log("practice.edit", detail="fields: " + ", ".join(sorted(checked)))
    return sorted(checked)
