"""The dossier/1 rules: field checks, ids, the section shape and the JSON Schema; no part of a dossier."""

from __future__ import annotations

import json
from pathlib import Path

from dossier import paths
from dossier.errors import FileProblem

FORMAT = "dossier/1"
# The JSON Schema ships beside this file as dossier-1.schema.json (docs/format.md explains it).


def read_document(path: Path):
    """The JSON in a file the coach named; not JSON: FileProblem with the line and column."""
    try:
        return json.loads(paths.read_user_text(path))
    except json.JSONDecodeError as e:
        raise FileProblem(f"{path}: is not JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
