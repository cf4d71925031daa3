"""The pydantic models accept well-formed catalog entries and reject malformed ones field by field."""
from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from bot.catalog.models import Cardinality, IntegerInput, Mode, Platform, Runbook, TextInput

from .conftest import minimal


def entry(**changes: Any) -> dict[str, Any]:
    data = YAML(typ="safe").load(minimal())
    data.update(changes)
    return data


def errors(data: dict[str, Any]) -> list[tuple[tuple, str]]:
    with pytest.raises(ValidationError) as caught:
        Runbook.model_validate(data)
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_minimal_entry_validates_with_typed_enums() -> None:
    runbook = Runbook.model_validate(entry())
    assert runbook.mode is Mode.READ_ONLY
    assert runbook.targets.platforms == [Platform.IOS]
    assert runbook.targets.cardinality is Cardinality.SINGLE
    assert runbook.target_input == "device"
    assert list(runbook.parameter_inputs) == ["count"]


def test_mode_serialises_as_lowercase_string() -> None:
    assert Runbook.model_validate(entry()).model_dump(mode="json")["mode"] == "read_only"
    assert Mode("state_changing").value == "state_changing"


def test_input_with_default_is_optional() -> None:
    assert Runbook.model_validate(entry()).inputs["count"].required is False


def test_unknown_top_level_key_is_rejected() -> None:
    assert errors(entry(timout=60))[0][0] == ("timout",)


def test_unknown_input_type_is_rejected_with_its_location() -> None:
    data = entry(inputs={"device": {"type": "device", "description": "d"},
                         "vlan": {"type": "vlan", "description": "v"}})
    loc, message = errors(data)[0]
    assert loc == ("inputs", "vlan")
    assert "vlan" in message


def test_text_input_requires_pattern_and_max_length() -> None:
    data = entry(inputs={"device": {"type": "device", "description": "d"},
                         "note": {"type": "text", "description": "free text"}})
    locs = {loc for loc, _ in errors(data)}
    assert ("inputs", "note", "text", "pattern") in locs
    assert ("inputs", "note", "text", "max_length") in locs


def test_text_pattern_must_compile() -> None:
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        TextInput(type="text", description="d", pattern="([a-z", max_length=10)


def test_text_max_length_is_capped_at_128() -> None:
    with pytest.raises(ValidationError):
        TextInput(type="text", description="d", pattern="^a+$", max_length=500)


@pytest.mark.parametrize("spec, fragment", [
    ({"min": 10, "max": 1}, "greater than max"),
    ({"min": 1, "max": 10, "default": 11}, "outside 1..10"),
    ({"min": 1, "max": 10, "default": 5, "required": True}, "default is optional"),
])
def test_integer_input_range_is_consistent(spec: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        IntegerInput(type="integer", description="d", **spec)


def test_quoted_number_is_not_an_integer() -> None:
    assert errors(entry(timeout="60"))[0][0] == ("timeout",)


@pytest.mark.parametrize("field, value", [
    ("timeout", 0), ("timeout", 3601), ("expiry", 59), ("expiry", 86401),
    ("name", "Clear_OSPF"), ("playbook", "../etc/passwd.yml"), ("role", "Bad-Role"),
    ("channels", ["incident", "war-room"]), ("channels", ["incident", "incident"]),
    ("allowed_roles", []), ("requires_incident", "yes"),
])
def test_out_of_range_or_misspelt_values_are_rejected(field: str, value: Any) -> None:
    assert errors(entry(**{field: value}))[0][0][0] == field


def test_table_output_needs_columns_and_text_output_refuses_them() -> None:
    table = entry(output={"fields": [{"key": "rows", "label": "Rows", "format": "table"}]})
    assert "columns" in errors(table)[0][1]
    text = entry(output={"fields": [{"key": "s", "label": "S", "format": "text", "columns": ["a"]}]})
    assert "only applies to format table" in errors(text)[0][1]


def test_output_needs_at_least_one_field() -> None:
    assert errors(entry(output={"fields": []}))[0][0] == ("output", "fields")


def test_enum_default_must_be_a_choice() -> None:
    data = entry(inputs={"device": {"type": "device", "description": "d"},
                         "proto": {"type": "enum", "description": "p", "choices": ["tcp", "udp"], "default": "icmp"}})
    assert "not one of the choices" in errors(data)[0][1]


def test_target_input_cannot_be_optional() -> None:
    data = entry(inputs={"device": {"type": "device", "description": "d", "required": False}})
    assert "always required" in errors(data)[0][1]
