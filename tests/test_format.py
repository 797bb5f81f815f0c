"""The canonical dossier/1 format: the shipped JSON Schema agrees with the code."""

import importlib.resources
import json

import jsonschema

from dossier.records.document import check_document, export_document, import_document
from dossier.records.document import CLIENT_KEYS


def schema() -> dict:
    return json.loads((importlib.resources.files("dossier.format") / "dossier-1.schema.json").read_text())


def _client_schema(s: dict) -> dict:
    item = s["properties"]["clients"]["items"]
    return s["$defs"][item["$ref"].rsplit("/", 1)[1]] if "$ref" in item else item


def test_schema_is_valid_and_lists_exactly_the_fields_the_code_accepts():
    s = schema()
    jsonschema.Draft202012Validator.check_schema(s)
    assert set(_client_schema(s)["properties"]) == set(CLIENT_KEYS)


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
