"""Full-text search over clients and sessions (SQLite FTS5 inside the encrypted database).

The index is contentless: it stores which words occur where, not the text. A hit's rowid
says what it points at (clients.n * 2, sessions.n * 2 + 1) and its snippet is cut from the
record itself.
"""

from __future__ import annotations

import re

from dossier.errors import InvalidInput
from dossier.format.fields import fold

_WORD = re.compile(r"\w+", re.UNICODE)
SNIPPET_CHARS = 70  # on each side of the first match


def words(text: str) -> list[str]:
    found = _WORD.findall(text or "")
    if not found:
        raise InvalidInput("TEXT", text, "has no words to search for")
    return found


def fts_query(text: str) -> str:
    """The user's words as an FTS5 query: every word must occur; the last may be a prefix.

    Words are quoted, so FTS5 operators or quotes in the input are never interpreted.
    """
    quoted = [f'"{w}"' for w in words(text)]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def search(db, text: str, limit: int = 50, highlight: bool = False) -> list[dict]:
    """Best matches first: kind ('client' or 'session'), ids, name, date and a snippet.

    With ``highlight``, \\x02 and \\x03 mark the start and end of each matched word in the
    snippet (control characters never occur in stored text, so they cannot be confused with data).
    """
    ranked = [r[0] for r in db.all("SELECT rowid FROM search_index WHERE search_index MATCH ? "
                                   "ORDER BY bm25(search_index) LIMIT ?", (fts_query(text), limit))]
    clients = _rows(db, """SELECT b.n, 'client', c.id, c.id, c.first_name, c.last_name, NULL, b.body
                           FROM client_search_body b JOIN clients c ON c.n = b.n WHERE b.n IN ({})""",
                    [r // 2 for r in ranked if r % 2 == 0])
    sessions = _rows(db, """SELECT s.n, 'session', s.id, s.client_id, c.first_name, c.last_name, s.date,
                                   s.notes || ' ' || s.findings
                            FROM sessions s JOIN clients c ON c.id = s.client_id WHERE s.n IN ({})""",
                     [r // 2 for r in ranked if r % 2 == 1])
    terms = [fold(w) for w in words(text)]
    hits = []
    for rowid in ranked:
        row = (sessions if rowid % 2 else clients).get(rowid // 2)
        if row is None:
            continue
        keys = ("kind", "id", "client_id", "first_name", "last_name", "date")
        marked = snippet(row[7], terms)
        hits.append(dict(zip(keys, row[1:7])) | {"snippet": marked if highlight else re.sub("[\x02\x03]", "", marked)})
    return hits


def _rows(db, sql: str, ns: list[int]) -> dict[int, tuple]:
    if not ns:
        return {}
    return {r[0]: r for r in db.all(sql.format(",".join("?" * len(ns))), ns)}


def _fold_map(text: str) -> tuple[str, list[int]]:
    """Text folded as the tokenizer folds it (case, accents), with each folded character's
    position in the original text."""
    out, where = [], []
    for i, ch in enumerate(text):
        for f in fold(ch):
            out.append(f)
            where.append(i)
    return "".join(out), where


def snippet(text: str, terms: list[str]) -> str:
    """About 140 characters around the first match, matched words between \\x02 and \\x03."""
    folded, where = _fold_map(text)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, terms)) + r")\w*")
    first = pattern.search(folded)
    if first is None:
        return text[: 2 * SNIPPET_CHARS].replace("\n", " ")
    start = max(0, where[first.start()] - SNIPPET_CHARS)
    end = min(len(text), where[first.start()] + SNIPPET_CHARS)
    out, last = [], start
    for m in pattern.finditer(folded):
        a, b = where[m.start()], where[m.end() - 1] + 1
        if a < start or b > end:
            continue
        out += [text[last:a], "\x02", text[a:b], "\x03"]
        last = b
    out.append(text[last:end])
    return ("… " if start else "") + "".join(out).replace("\n", " ").strip() + (" …" if end < len(text) else "")
