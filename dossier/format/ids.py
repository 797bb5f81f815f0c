"""Ids in dossier/1: every client and every item a client holds has a UUID (docs/format.md).

The one UUID pattern, new ids, and the checks shared by every section of the format:
unknown fields are errors (a typo never silently drops data), lists are lists.
"""

from __future__ import annotations

import re
import uuid

from dossier.errors import Ambiguous, InvalidInput, NotFound

UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID = re.compile(UUID_PATTERN)
_PREFIX = re.compile(r"[0-9a-f-]+")


def new_id() -> str:
    return str(uuid.uuid4())


def is_id(value) -> bool:
    """Whether ``value`` is a whole id in its canonical lower-case form."""
    return isinstance(value, str) and UUID.fullmatch(value) is not None


def check_id(field: str, value) -> str:
    """The id of a record in a document (lower-cased), or a new one where it has none."""
    if value is None:
        return new_id()
    if not isinstance(value, str) or not UUID.fullmatch(value.lower()):
        raise InvalidInput(field, value, "is not an id (a UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427)")
    return value.lower()


def no_unknown(obj, allowed, where: str) -> None:
    """InvalidInput unless ``obj`` is an object whose keys are all in ``allowed``."""
    if not isinstance(obj, dict):
        raise InvalidInput(where.rstrip(".") or "record", obj, "must be an object")
    for key in obj:
        if key not in allowed:
            raise InvalidInput(f"{where}{key}", key, "is not a known field",
                               "allowed here: " + ", ".join(allowed))


def list_of(obj: dict, key: str, where: str) -> list:
    """The list under ``key`` (an empty one when absent or null)."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{where}{key}", value, "must be a list")
    return value


def is_prefix(text: str, least: int = 4) -> bool:
    """Whether ``text`` can be an id or the start of one, of at least ``least`` characters."""
    return len(text) >= least and _PREFIX.fullmatch(text) is not None


def by_prefix(db, table: str, columns: tuple[str, ...], query: str, what: str, hint: str) -> dict:
    """The one row of ``table`` whose id is ``query`` or starts with it (4 or more characters)."""
    q = (query or "").strip().lower()
    if not is_prefix(q):
        raise InvalidInput("ID", query, f"is not {what} id or a prefix of 4 or more of its characters", hint)
    rows = db.all(f"SELECT {', '.join(columns)} FROM {table} WHERE substr(id, 1, ?) = ?", (len(q), q))
    if not rows:
        raise NotFound(f"no {what.split()[-1]} with id {query!r}", hint)
    if len(rows) > 1:
        raise Ambiguous(query, [(r[0], what.split()[-1]) for r in rows], table)
    return dict(zip(columns, rows[0]))
