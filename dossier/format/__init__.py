"""The dossier/1 rules: field checks, ids, the section shape and the JSON Schema; no part of a dossier."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

from dossier import paths
from dossier.errors import FileProblem

FORMAT = "dossier/1"
SCHEMA_FILE = "dossier-1.schema.json"


def schema() -> dict:
    """The JSON Schema of dossier/1 that ships in the package (docs/format.md explains it)."""
    return json.loads((importlib.resources.files(__package__) / SCHEMA_FILE).read_text(encoding="utf-8"))


def read_document(path: Path):
    """The JSON in a file the coach named; not JSON: FileProblem with the line and column."""
    try:
        return json.loads(paths.read_user_text(path))
    except json.JSONDecodeError as e:
        raise FileProblem(f"{path}: is not JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
