"""Fix hints for pydantic validation errors in catalog files: one place for the wording a runbook
author sees next to `file:line`. It only words errors; finding and locating them is the loader's job.
"""
from __future__ import annotations

import difflib
from typing import Any

from bot.catalog.models import (INPUT_TYPES, Approval, DeviceGroupInput, DeviceInput, EnumInput, IntegerInput,
                                Intent, InterfaceInput, Ipv4Input, Output, OutputField, PrefixInput, Runbook,
                                Targets, TextInput)

# What a field is for, shown when it is missing or malformed.
FIELD_HINTS: dict[str, str] = {
    "name": "kebab-case, equal to the file name, e.g. clear-ospf",
    "summary": "one line saying what the runbook does",
    "playbook": "file name under playbooks/, e.g. clear-ospf.yml",
    "role": "snake_case role under roles/, e.g. ospf_clear",
    "mode": "read_only or state_changing",
    "targets": "groups, platforms and cardinality of the devices it may touch",
    "cardinality": "single (one device) or group (one inventory group)",
    "platforms": "a list of ios and/or fortios",
    "groups": "a list of inventory group names, e.g. [ios]",
    "inputs": "a mapping of snake_case input names to {type: ..., description: ...}",
    "type": f"one of {', '.join(INPUT_TYPES)}",
    "description": "a short description shown in /netops help",
    "pattern": "a regular expression the whole value must match, e.g. '^[A-Za-z0-9_.-]{1,35}$'",
    "max_length": "the longest value accepted, 1..128",
    "min": "the smallest value accepted",
    "max": "the largest value accepted",
    "choices": "the list of accepted values",
    "approval": "{approvers: 0} for read_only, {approvers: 1, approver_roles: [senior-engineer]} otherwise",
    "approvers": "0 for read_only runbooks, 1 or more for state_changing ones (at most 5)",
    "approver_roles": "kebab-case roles allowed to approve, e.g. [senior-engineer]",
    "allowed_roles": "kebab-case roles allowed to request it, e.g. [network-engineer, senior-engineer]",
    "channels": "a list of incident and/or change",
    "requires_incident": "true or false",
    "intent": "summary plus the exact ios/fortios commands, with {input} placeholders",
    "blast_radius": "what can break, for whom, and for how long",
    "rollback": "how to undo or recover",
    "timeout": "seconds the run may take, 1..3600",
    "expiry": "seconds an approval request stays valid, 60..86400",
    "output": "fields: a list of {key, label, format}",
    "fields": "a list of {key, label, format}",
    "key": "snake_case key (or dotted path) in the playbook's netops_result",
    "label": "the heading shown in Slack",
    "format": "text, table, list or key_value",
    "columns": "snake_case keys of each table row, in display order",
}

_INPUT_MODELS = {"device": DeviceInput, "device_group": DeviceGroupInput, "interface": InterfaceInput,
                 "ipv4": Ipv4Input, "prefix": PrefixInput, "integer": IntegerInput, "enum": EnumInput,
                 "text": TextInput}
_NESTED = {"targets": Targets, "approval": Approval, "intent": Intent, "output": Output}

_BY_TYPE = {
    "int_type": "write a plain number, without quotes",
    "bool_type": "write true or false, without quotes",
    "string_type": "write text (quote it if YAML reads it as a number, date or boolean)",
    "list_type": "write a list, e.g. [a, b]",
    "dict_type": "write a mapping of key: value",
    "model_type": "write a mapping of key: value",
    "too_short": "give at least one value",
    "union_tag_invalid": f"type must be one of {', '.join(INPUT_TYPES)}",
    "union_tag_not_found": f"add type: one of {', '.join(INPUT_TYPES)}",
}


def hint_for(error: dict[str, Any], field: str, raw: Any) -> str:
    """A hint for one pydantic error (`error` as from `ValidationError.errors()`) at dotted `field`."""
    kind = error["type"]
    leaf = field.rsplit(".", 1)[-1].split("[", 1)[0] if field else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(field, raw)
        close = difflib.get_close_matches(leaf, allowed, n=1)
        return (f"did you mean {close[0]}? " if close else "remove it; ") + f"allowed here: {', '.join(allowed)}"
    if kind in _BY_TYPE and not (kind == "too_short" and leaf in FIELD_HINTS):
        return _BY_TYPE[kind]
    if kind == "missing":
        return f"add {leaf}: {FIELD_HINTS.get(leaf, 'see runbook_catalog/schema.json')}"
    return FIELD_HINTS.get(leaf, "see runbook_catalog/schema.json")


def _allowed_keys(field: str, raw: Any) -> list[str]:
    """Keys allowed in the mapping that holds `field`, found from the file's own structure."""
    parts = field.split(".")[:-1]
    model: Any = Runbook
    node = raw
    for part in parts:
        name = part.split("[", 1)[0]
        node = node.get(name) if isinstance(node, dict) else None
        if "[" in part and isinstance(node, list):
            index = int(part.split("[", 1)[1].rstrip("]"))
            node = node[index] if index < len(node) else None
        if model is Runbook and name in _NESTED:
            model = _NESTED[name]
        elif model is Output and name == "fields":
            model = OutputField
        elif model is Runbook and name == "inputs":
            model = "inputs"
        elif model == "inputs":
            model = _INPUT_MODELS.get(node.get("type") if isinstance(node, dict) else None, DeviceInput)
    if not isinstance(model, type):
        return []
    return list(model.model_fields)
