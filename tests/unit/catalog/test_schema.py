"""The committed runbook_catalog/schema.json is exactly the export of the models, so editors' schema
never drifts from what the loader enforces."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.catalog.schema import SCHEMA_FILE, export_schema, schema_text, write_schema

from .conftest import REAL_REPO


def test_committed_schema_equals_the_export() -> None:
    committed = (REAL_REPO / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == schema_text(), "run `netops catalog schema` and commit runbook_catalog/schema.json"


def test_schema_describes_a_closed_runbook_object() -> None:
    schema = export_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["additionalProperties"] is False
    assert {"name", "playbook", "mode", "inputs", "intent", "timeout"} <= set(schema["required"])
    assert schema["properties"]["timeout"]["maximum"] == 3600


def test_input_types_are_a_discriminated_union() -> None:
    inputs_schema = export_schema()["properties"]["inputs"]
    assert inputs_schema["additionalProperties"] is False
    [inputs] = inputs_schema["patternProperties"].values()
    assert inputs["discriminator"]["propertyName"] == "type"
    assert set(inputs["discriminator"]["mapping"]) == {"device", "device_group", "interface", "ipv4", "prefix",
                                                       "integer", "enum", "text"}


def test_write_schema_rewrites_the_file(tmp_path: Path) -> None:
    (tmp_path / "runbook_catalog").mkdir()
    path = write_schema(tmp_path)
    assert json.loads(path.read_text()) == export_schema()
    assert not list((tmp_path / "runbook_catalog").glob("*.tmp"))


def test_every_catalog_entry_satisfies_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from ruamel.yaml import YAML
    schema = export_schema()
    for path in sorted((REAL_REPO / "runbook_catalog").glob("*.yml")):
        if path.name != "access.yml":
            jsonschema.validate(YAML(typ="safe").load(path.read_text()), schema)
