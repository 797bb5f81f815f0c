"""The canonical dossier/1 format: the shipped JSON Schema agrees with the code."""

import importlib.resources
import json

import jsonschema

import re
from pathlib import Path

from dossier.records.document import CLIENT_KEYS, ID_LISTS, SECTIONS, check_document, export_document, import_document

FORMAT_DOC = Path(__file__).resolve().parents[1] / "docs" / "format.md"


def schema() -> dict:
    return json.loads((importlib.resources.files("dossier.format") / "dossier-1.schema.json").read_text())


def _client_schema(s: dict) -> dict:
    item = s["properties"]["clients"]["items"]
    return s["$defs"][item["$ref"].rsplit("/", 1)[1]] if "$ref" in item else item


def test_schema_is_valid_and_lists_exactly_the_fields_the_code_accepts():
    s = schema()
    jsonschema.Draft202012Validator.check_schema(s)
    assert set(_client_schema(s)["properties"]) == set(CLIENT_KEYS)


def test_the_sections_in_order_are_the_clients_keys_in_the_schema():
    """records/document.py assembles a client from SECTIONS; their keys, in order, are the
    client's properties in the schema, and the key order of every export."""
    keys = [k for section in SECTIONS for k in section.keys]
    assert keys == list(_client_schema(schema())["properties"])
    assert len(keys) == len(set(keys))  # no key is held by two sections


def _schema_fields(node, s, seen=None) -> set[str]:
    """Every property name anywhere below ``node`` (following $ref)."""
    seen = seen if seen is not None else set()
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name in seen:
                return set()
            seen.add(name)
            return _schema_fields(s["$defs"][name], s, seen)
        out = set(node.get("properties", {}))
        for value in node.values():
            out |= _schema_fields(value, s, seen)
        return out
    if isinstance(node, list):
        return set().union(*(_schema_fields(v, s, seen) for v in node)) if node else set()
    return set()


def test_docs_format_names_every_section_and_every_field():
    text = FORMAT_DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_0-9]+)(?:\[\])?`", text))
    s = schema()
    fields = _schema_fields(_client_schema(s), s)
    assert {"company_doctor", "content_base64", "legal_basis", "duration_min"} <= fields  # the walk goes deep
    assert set(CLIENT_KEYS) - named == set()
    assert fields - named == set()
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    for key in (*ID_LISTS, "persons"):  # every list of a client has a table of its own
        assert any(f"`{key}[]`" in h for h in headings), key
    assert "## Compatibility promise" in text


def test_example_and_exports_validate(vault, example, tmp_path):
    jsonschema.validate(example, schema())
    check_document(example)
    import_document(vault, example)
    f = tmp_path / "brief.pdf"
    f.write_bytes(b"%PDF-1.4 fictional")
    from dossier.records.attachments import attach

    attach(vault, example["clients"][0]["id"], f, "letter")
    exported = export_document(vault)
    jsonschema.validate(exported, schema())
    assert any(c["attachments"] for c in exported["clients"])


def test_schema_rejects_unknown_fields(example):
    example["clients"][0]["shoesize"] = 42
    try:
        jsonschema.validate(example, schema())
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted an unknown field")
