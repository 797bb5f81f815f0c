"""The consent register (CSR 2.5 substitute coach, 6.3-6.4 communication and third parties,
6.8 teaching, TB 2.16 intervision). History is kept: a grant is a row, a withdrawal dates it.
The current state, what later commands check, is the grant without a withdrawal."""

from __future__ import annotations

from dossier import clock
from dossier.errors import InvalidInput, Refused
from dossier.format import fields as F
from dossier.format.ids import new_id
from dossier.format.sections import list_section
from dossier.records.clients import get_summary

TYPES = {
    "substitute": "a substitute coach or successor may see the dossier (CSR 2.5)",
    "email": "contact by e-mail (CSR 6.3, 6.4)",
    "phone": "contact by phone (CSR 6.3, 6.4)",
    "commissioner-report": "reports to the commissioner (CSR 6.1, 6.3)",
    "company-doctor": "contact with the company doctor (CSR 6.3, 9.4)",
    "teaching": "anonymised use in publications or teaching; written only (CSR 6.8)",
    "intervision": "anonymised discussion in intervision or supervision (TB 2.16, CSR 6.9)",
}
HOW = ("written", "email", "verbal")
COLUMNS = ("id", "type", "granted", "how", "scope", "withdrawn")


def check_type(value: str, field: str = "--type") -> str:
    if not isinstance(value, str) or value not in TYPES:
        raise InvalidInput(field, value, "is not a consent type", "types: " + ", ".join(TYPES))
    return value


def check_how(value, ctype: str, field: str = "--how") -> str:
    value = value or ""
    if value and value not in HOW:
        raise InvalidInput(field, value, "must be one of: " + ", ".join(HOW))
    if ctype == "teaching" and value != "written":
        raise Refused("consent for publication or teaching must be written (CSR 6.8)",
                      "record it with --how written once the client has signed it")
    return value


def _current(db, client_id: str, ctype: str, on: str) -> dict | None:
    row = db.one(f"SELECT {', '.join(COLUMNS)} FROM consents WHERE client_id = ? AND type = ? AND granted <= ? "
                 "AND (withdrawn IS NULL OR withdrawn > ?) ORDER BY granted DESC, n DESC LIMIT 1",
                 (client_id, ctype, on, on))
    return dict(zip(COLUMNS, row)) if row else None


def current(db, client_id: str, ctype: str, on: str | None = None) -> dict | None:
    """The consent of this type in force on date ``on`` (today), or None."""
    return _current(db, client_id, check_type(ctype), on or clock.today())


def check_grant(ctype: str, how: str = "", scope: str = "", date: str | None = None) -> tuple[str, str, str, str]:
    """The checked type, how, scope and date of a consent to record (no vault needed)."""
    ctype = check_type(ctype)
    return ctype, check_how(how, ctype), F.check_text("--scope", scope).strip(), F.received_date(date, "--date")


def grant(vault, client_id: str, ctype: str, how: str = "", scope: str = "", date: str | None = None) -> str:
    """Record a consent. One of a type is in force at a time: withdraw it first to change it."""
    ctype, how, scope, date = check_grant(ctype, how, scope, date)
    with vault.write():
        get_summary(vault.db, client_id)
        active = vault.db.one("SELECT granted FROM consents WHERE client_id = ? AND type = ? AND withdrawn IS NULL",
                              (client_id, ctype))
        if active:
            raise Refused(f"a {ctype} consent is already in force (granted {active[0]})",
                          f"to record a changed consent, withdraw it first: dossier consent withdraw CLIENT --type {ctype}")
        cid = new_id()
        vault.db.execute("INSERT INTO consents (id, client_id, type, granted, how, scope, created) VALUES (?,?,?,?,?,?,?)",
                         (cid, client_id, ctype, date, how, scope, clock.now()))
        vault.log("consent.grant", client_id, detail=f"consent {cid}, type {ctype}")
    return cid


def withdraw(vault, client_id: str, ctype: str, date: str | None = None) -> str:
    """Record that the client withdrew a consent; it stays in the history."""
    ctype = check_type(ctype)
    date = F.received_date(date, "--date")
    with vault.write():
        get_summary(vault.db, client_id)
        row = vault.db.one("SELECT id, granted FROM consents WHERE client_id = ? AND type = ? AND withdrawn IS NULL",
                           (client_id, ctype))
        if row is None:
            raise Refused(f"there is no {ctype} consent in force to withdraw")
        if date < row[1]:
            raise InvalidInput("--date", date, f"is before the consent was granted ({row[1]})")
        vault.db.execute("UPDATE consents SET withdrawn = ? WHERE id = ?", (date, row[0]))
        vault.log("consent.withdraw", client_id, detail=f"consent {row[0]}, type {ctype}")
    return row[0]


def client_consents(db, client_id: str, ctype: str | None = None, with_current: bool = False) -> list[dict]:
    """The consent history of a client (canonical shape), oldest first; ``with_current`` adds
    ``current``: whether it is the consent of its type in force today."""
    sql, params = f"SELECT {', '.join(COLUMNS)} FROM consents WHERE client_id = ?", [client_id]
    if ctype:
        sql, params = sql + " AND type = ?", [client_id, check_type(ctype)]
    rows = [dict(zip(COLUMNS, r)) for r in db.all(sql + " ORDER BY granted, n", params)]
    if with_current:
        in_force = {c["id"] for c in (current(db, client_id, t) for t in {r["type"] for r in rows}) if c}
        for r in rows:
            r["current"] = r["id"] in in_force
    return rows


def _check(c: dict, w: str, ids) -> dict:
    out = {"type": check_type(c.get("type"), f"{w}type"),
           "granted": F.check_date(f"{w}granted", c.get("granted"), required=True),
           "how": F.check_enum(f"{w}how", c.get("how") or "", ("", *HOW)),
           "scope": F.check_text(f"{w}scope", c.get("scope")),
           "withdrawn": F.check_date(f"{w}withdrawn", c.get("withdrawn"))}
    if out["withdrawn"] and out["withdrawn"] < out["granted"]:
        raise InvalidInput(f"{w}withdrawn", out["withdrawn"], "is before the consent was granted")
    return out


SECTION = list_section("consents", COLUMNS, _check, client_consents)
