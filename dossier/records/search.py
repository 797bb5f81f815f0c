"""Full-text search over clients and sessions (SQLite FTS5 inside the encrypted database)."""

from __future__ import annotations

import re

from dossier.errors import InvalidInput

_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str:
    """The user's words as an FTS5 query: every word must occur; the last may be a prefix.

    Words are quoted, so FTS5 operators or quotes in the input are never interpreted.
    """
    words = _WORD.findall(text or "")
    if not words:
        raise InvalidInput("TEXT", text, "has no words to search for")
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def search(db, text: str, limit: int = 50) -> list[dict]:
    """Best matches first: kind ('client' or 'session'), ids, name, date and a snippet.

    In the snippet, \\x02 and \\x03 mark the start and end of a matched word (control
    characters never occur in stored text, so they cannot be confused with data).
    """
    rows = db.all(
        """SELECT f.kind, f.ref, f.client_id, c.first_name, c.last_name, s.date,
                  snippet(search_index, 3, char(2), char(3), ' … ', 12)
           FROM search_index f JOIN clients c ON c.id = f.client_id
           LEFT JOIN sessions s ON f.kind = 'session' AND s.id = f.ref
           WHERE search_index MATCH ? ORDER BY bm25(search_index) LIMIT ?""",
        (fts_query(text), limit))
    keys = ("kind", "id", "client_id", "first_name", "last_name", "date", "snippet")
    return [dict(zip(keys, r)) for r in rows]
