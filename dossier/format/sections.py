"""The shape of a dossier/1 section: one part of a client (its record, its sessions, its
consents, ...), the keys it holds in the document, and how it is checked, stored and loaded.

``records/document.py`` assembles a client from an explicit, ordered tuple of sections, one
per module of ``records/``; their keys, in that order, are the keys of a client in every
export (docs/format.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dossier.format.ids import check_id, list_of, no_unknown


@dataclass(frozen=True)
class Section:
    """One part of a client in dossier/1.

    ``check(doc, checked, where, with_content)`` returns the section's keys checked and
    normalised (``checked`` holds what the sections before it returned); ``insert(db,
    client, now)`` stores them (inside a write); ``load(db, client_id, with_content)``
    returns them in the canonical shape. ``with_content``: attachments carry their bytes.
    """

    keys: tuple[str, ...]
    check: Callable[[dict, dict, str, bool], dict]
    insert: Callable[..., None]
    load: Callable[[object, str, bool], dict]


def stored(value):
    """A value as SQLite stores it (yes/no as 1/0)."""
    return int(value) if isinstance(value, bool) else value


def list_section(key: str, fields: tuple[str, ...], check_item: Callable, load: Callable[[object, str], list],
                 context: Callable[[dict, dict, str], object] = lambda doc, checked, where: None,
                 column: Callable[[str], str] = lambda field: field) -> Section:
    """A section that is one list of items with ids, a row each in the table named ``key``
    (with ``client_id`` and ``created``): ``check_item(item, where, ctx)`` checks the fields
    of one item besides its id, ``ctx`` is ``context(doc, checked, where)`` computed once per
    client, and ``column`` names the table column of a field."""

    def check(doc: dict, checked: dict, where: str, with_content: bool) -> dict:
        ctx = context(doc, checked, where)
        out = []
        for i, item in enumerate(list_of(doc, key, where)):
            w = f"{where}{key}[{i}]."
            no_unknown(item, fields, w)
            out.append({"id": check_id(f"{w}id", item.get("id")), **check_item(item, w, ctx)})
        return {key: out}

    def insert(db, client: dict, now: str) -> None:
        cols = [column(f) for f in fields]
        rows = [[client["id"], now, *(stored(x[f]) for f in fields)] for x in client.get(key, [])]
        db.executemany(f"INSERT INTO {key} (client_id, created, {', '.join(cols)}) "
                       f"VALUES ({', '.join('?' * (len(cols) + 2))})", rows)

    return Section((key,), check, insert, lambda db, client_id, with_content: {key: load(db, client_id)})
