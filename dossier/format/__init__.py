"""The dossier/1 rules: field checks, ids, the section shape and the JSON Schema; no part of a dossier."""

from __future__ import annotations

import json
from pathlib import Path

from dossier import paths
from dossier.errors import FileProblem

FORMAT = "dossier/1"
# The JSON Schema ships beside this file as dossier-1.schema.json (docs/format.md explains it).


MAX_DEPTH = 64  # a dossier/1 document is at most a few levels deep


def read_document(path: Path):
    """The JSON in a file the coach named; not JSON: FileProblem with the line and column.
    Also refused with one line: nesting deeper than MAX_DEPTH, an integer too long to read, a
    string with a lone surrogate (text that is not Unicode)."""
    try:
        doc = json.loads(paths.read_user_text(path))
    except json.JSONDecodeError as e:
        raise FileProblem(f"{path}: is not JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except RecursionError:
        raise FileProblem(f"{path}: is nested too deeply to be a dossier (more than {MAX_DEPTH} levels)") from None
    except ValueError as e:  # an integer of more than 4,300 digits (Python's limit)
        raise FileProblem(f"{path}: holds a number that is too long ({str(e).split(':')[0][:80]})") from None
    _check_tree(path, doc)
    return doc


def _check_tree(path: Path, doc) -> None:
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FileProblem(f"{path}: is nested too deeply to be a dossier (more than {MAX_DEPTH} levels)")
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise FileProblem(f"{path}: holds text that is not Unicode (a lone surrogate such as \\ud800)") \
                    from None
        elif isinstance(value, dict):
            stack += [(k, depth + 1) for k in value] + [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            stack += [(v, depth + 1) for v in value]
