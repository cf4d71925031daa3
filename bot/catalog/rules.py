"""Consistency rules inside one runbook file that its pydantic model cannot express field by field.

Each rule yields a `Finding` whose path points at the offending key, so the loader can report it
at the right line. Checks against other files (playbooks, roles, inventory) live in `crosscheck.py`.
"""
from __future__ import annotations

from collections.abc import Iterator

from bot.catalog.intent import mandatory_placeholders, placeholders
from bot.catalog.models import Cardinality, Mode, Runbook
from bot.catalog.problems import Finding

_TARGET = {Cardinality.SINGLE: ("device", "device"), Cardinality.GROUP: ("group", "device_group")}


def check_rules(runbook: Runbook) -> list[Finding]:
    return [*_target_input(runbook), *_mode(runbook), *_intent(runbook), *_output(runbook)]


def _target_input(rb: Runbook) -> Iterator[Finding]:
    name, kind = _TARGET[rb.targets.cardinality]
    targets = [n for n, s in rb.inputs.items() if s.type in ("device", "device_group")]
    hint = f"declare `{name}: {{type: {kind}, description: ...}}` under inputs"
    if targets != [name] or rb.inputs[name].type != kind:
        where = ("inputs", targets[1]) if len(targets) > 1 else ("inputs", targets[0]) if targets else ("inputs",)
        yield Finding(where, f"cardinality {rb.targets.cardinality.value} needs exactly one target input, "
                             f"named {name!r} of type {kind}; found {targets or 'none'}", hint)


def _mode(rb: Runbook) -> Iterator[Finding]:
    if rb.mode is Mode.STATE_CHANGING:
        if rb.approval.approvers < 1:
            yield Finding(("approval", "approvers"), "a state_changing runbook needs at least one approver",
                          "set approvers: 1 (a second engineer signs off every change)")
        if not rb.rollback.strip():
            yield Finding(("rollback",), "a state_changing runbook must say how to undo or recover from it",
                          "describe the rollback an on-call engineer would perform")
        if not rb.requires_incident:
            yield Finding(("requires_incident",), "a state_changing runbook must be tied to an incident or change",
                          "set requires_incident: true")
    elif rb.approval.approvers != 0:
        yield Finding(("approval", "approvers"), "a read_only runbook runs without approval",
                      "set approvers: 0, or mode: state_changing if it changes the device")
    if rb.approval.approvers > 0 and not rb.approval.approver_roles:
        yield Finding(("approval", "approver_roles"), "approvers are needed but no role may approve",
                      "list who may approve, e.g. approver_roles: [senior-engineer]")


def _intent(rb: Runbook) -> Iterator[Finding]:
    declared = list(rb.inputs)
    always = {n for n, s in rb.inputs.items() if s.required or getattr(s, "default", None) is not None}
    for name in placeholders(rb.intent.summary):
        if name not in declared:
            yield Finding(("intent", "summary"), f"placeholder {{{name}}} is not a declared input",
                          f"use one of {', '.join('{' + d + '}' for d in declared)}")
        elif name not in always and name in mandatory_placeholders(rb.intent.summary):
            yield Finding(("intent", "summary"), f"placeholder {{{name}}} names an optional input without a default",
                          f"wrap it in an optional segment, e.g. [ from {{{name}}}]")
    platforms = {p.value for p in rb.targets.platforms}
    for platform in ("ios", "fortios"):
        commands = getattr(rb.intent, platform)
        if platform in platforms and not commands:
            yield Finding(("intent",), f"no {platform} commands although targets.platforms includes {platform}",
                          f"add `{platform}:` with the exact commands or API calls the role runs")
        if platform not in platforms and commands:
            yield Finding(("intent", platform), f"{platform} commands given but {platform} is not a target platform",
                          f"remove them or add {platform} to targets.platforms")
        for i, command in enumerate(commands or []):
            for name in placeholders(command):
                if name not in declared:
                    yield Finding(("intent", platform, i), f"placeholder {{{name}}} is not a declared input",
                                  f"use one of {', '.join('{' + d + '}' for d in declared)}")


def _output(rb: Runbook) -> Iterator[Finding]:
    seen: set[str] = set()
    for i, field in enumerate(rb.output.fields):
        if field.key in seen:
            yield Finding(("output", "fields", i, "key"), f"output key {field.key!r} is listed twice",
                          "give every output field its own key")
        seen.add(field.key)
