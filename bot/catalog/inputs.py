"""Validates the `key=value` inputs of one runbook request: the security core of the bot.

Every value is hostile until proven otherwise. Before any type check a value is rejected if it holds
a control character or line break, non-ASCII text, template syntax (`{{`, `{%`, `{#`) or shell
metacharacters (`;`, `|`, backtick, `$(`), or is too long: these are how a chat message turns into
an extra device command or a Jinja lookup. Then each type has a strict grammar. All problems are
collected into one `InputError`, each naming the input and what is allowed. This module decides
nothing about who may run what (that is policy) and renders nothing.
"""
from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.catalog.models import (MAX_VALUE_LENGTH, DeviceGroupInput, DeviceInput, EnumInput, IntegerInput,
                                InterfaceInput, Ipv4Input, PrefixInput, Runbook, TextInput)
from bot.catalog.problems import InputProblem
from bot.errors import InputError
from bot.inventory import Inventory

_FORBIDDEN = ("{{", "{%", "{#", ";", "|", "`", "$(")
_LINE_BREAKS = "\u0085\u2028\u2029"
_INTEGER = re.compile(r"-?[0-9]{1,10}")
_INPUT_NAME = re.compile(r"[a-z][a-z0-9_]{0,47}")
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_GROUP = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Ansible host patterns and lists: anything here would widen `--limit` beyond one device.
_PATTERN_CHARS = set(",:*?[]!&~@ ")
_IOS_INTERFACE = re.compile(
    r"(GigabitEthernet|Gi|TenGigabitEthernet|Te|FastEthernet|Fa|Ethernet|Port-channel|Po|Vlan|Loopback|Tunnel)"
    r"[0-9]{1,5}(/[0-9]{1,3}){0,2}(\.[0-9]{1,5})?",
    re.IGNORECASE)
_FORTIOS_INTERFACE = re.compile(r"port[1-9][0-9]?|wan[12]|lan|dmz|internal([1-9][0-9]?)?|x[12]|mgmt[12]?")
_INTERFACE_EXAMPLES = {"ios": "GigabitEthernet1/0/1, Gi1/0/1, Vlan10", "fortios": "port1, wan1"}


@dataclass(frozen=True)
class ValidatedInputs:
    """Typed values (int for integer inputs, str otherwise; defaults applied) and the target devices."""

    values: dict[str, Any]
    devices: tuple[str, ...]


class _Rejected(Exception):
    def __init__(self, reason: str, allowed: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.allowed = allowed


def validate_inputs(runbook: Runbook, raw: Mapping[str, str], inventory: Inventory) -> ValidatedInputs:
    """Check `raw` against the runbook's inputs; `InputError` lists every problem at once."""
    if runbook.target_input is None:
        # Only a runbook built outside the loader can get here; never run one without a target.
        raise InputError(runbook.name, [InputProblem("device", "", "a catalog fix", f"{runbook.name} declares no "
                                                     "device or group input; fix its catalog entry")])
    problems: list[InputProblem] = []
    values: dict[str, Any] = {}
    devices: tuple[str, ...] = ()
    known = list(runbook.inputs)
    for name in raw:
        if name not in runbook.inputs:
            close = difflib.get_close_matches(str(name).lower()[:64], known, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            # Echo a hostile name only in escaped form; a plain one reads better bare.
            shown = name if isinstance(name, str) and _INPUT_NAME.fullmatch(name) else _short(name)
            problems.append(InputProblem(shown, _short(raw[name]), ", ".join(known),
                                         f"{shown} is not an input of {runbook.name}; "
                                         f"{hint}known inputs: {', '.join(known)}"))
    # The target is checked first: a valid device narrows which interface grammar applies.
    order = sorted(runbook.inputs, key=lambda n: runbook.inputs[n].type not in ("device", "device_group"))
    platforms = {p.value for p in runbook.targets.platforms}
    for name in order:
        spec = runbook.inputs[name]
        value = raw.get(name)
        if value is None:
            if not spec.required:
                if getattr(spec, "default", None) is not None:
                    values[name] = spec.default
                continue
            allowed = _allowed(spec, platforms)
            problems.append(InputProblem(name, "", allowed, f"{name}: is required; add {name}=<value>, {allowed}"))
            continue
        if value == "":
            allowed = _allowed(spec, platforms)
            problems.append(InputProblem(name, "''", allowed,
                                         f"{name}: is empty; give a value ({allowed}) or leave {name} out"))
            continue
        try:
            if not isinstance(value, str):
                raise _Rejected("is not text", _allowed(spec, platforms))
            _reject_hostile(value, spec, platforms)
            if isinstance(spec, (DeviceInput, DeviceGroupInput)):
                devices = _target(value, spec, runbook, inventory)
                platforms = {inventory.platform_of(d) for d in devices} & platforms or platforms
                values[name] = value
            else:
                values[name] = _typed(value, spec, platforms)
        except _Rejected as rejected:
            problems.append(InputProblem(name, _short(value), rejected.allowed,
                                         f"{name}: {_short(value)} {rejected.reason}; expected {rejected.allowed}"))
    if problems:
        raise InputError(runbook.name, problems)
    return ValidatedInputs(values=values, devices=devices)


def _reject_hostile(value: str, spec: Any, platforms: set[str]) -> None:
    what, allowed = _noun(spec), _allowed(spec, platforms)
    limit = spec.max_length if isinstance(spec, TextInput) else MAX_VALUE_LENGTH
    if any(ord(c) < 32 or ord(c) == 127 or c in _LINE_BREAKS for c in value):
        raise _Rejected(f"is not a valid {what} (it contains a control character or line break)", allowed)
    if not value.isascii():
        raise _Rejected(f"is not a valid {what} (it contains non-ASCII characters)", allowed)
    found = next((s for s in _FORBIDDEN if s in value), None)
    if found:
        raise _Rejected(f"is not a valid {what} ({found!r} is never allowed in an input)", allowed)
    if len(value) > limit:
        raise _Rejected(f"is not a valid {what} (longer than {limit} characters)", allowed)


def _target(value: str, spec: Any, runbook: Runbook, inventory: Inventory) -> tuple[str, ...]:
    platforms = {p.value for p in runbook.targets.platforms}
    allowed_hosts = sorted(h for h in inventory.hosts()
                           if inventory.groups_of(h) & set(runbook.targets.groups)
                           and inventory.platform_of(h) in platforms)
    where = f"groups {', '.join(runbook.targets.groups)}"
    if isinstance(spec, DeviceGroupInput):
        return _group(value, runbook, inventory, allowed_hosts, where)
    example = allowed_hosts[0] if allowed_hosts else "dist-01"
    allowed = f"one device in {where}, e.g. {example}"
    if value.lower() in ("all", "ungrouped") or set(value) & _PATTERN_CHARS or not _HOST.fullmatch(value):
        raise _Rejected("is not one device name; this runbook targets a single device", allowed)
    if value in inventory.groups():
        raise _Rejected("is an inventory group; this runbook targets a single device", allowed)
    if value not in inventory.hosts():
        lowered = {h.lower(): h for h in allowed_hosts or inventory.hosts()}
        close = [lowered[c] for c in difflib.get_close_matches(value.lower(), lowered, n=3, cutoff=0.6)]
        reason = "is not in the inventory" + (f"; did you mean {' or '.join(close)}?" if close else "")
        raise _Rejected(reason, allowed)
    if value not in allowed_hosts:
        raise _Rejected(f"is not a target of {runbook.name} (it runs on {' and '.join(sorted(platforms))} "
                        f"devices in {where})", allowed)
    return (value,)


def _group(value: str, runbook: Runbook, inventory: Inventory, allowed_hosts: list[str],
           where: str) -> tuple[str, ...]:
    allowed = f"one inventory group within {where}"
    if not _GROUP.fullmatch(value) or (value in ("all", "ungrouped") and value not in runbook.targets.groups):
        raise _Rejected("is not one inventory group name", allowed)
    if value not in inventory.groups():
        close = difflib.get_close_matches(value, sorted(inventory.groups()), n=3, cutoff=0.6)
        raise _Rejected("is not an inventory group" + (f"; did you mean {' or '.join(close)}?" if close else ""),
                        allowed)
    members = inventory.hosts_in(value)
    inside = members & set(allowed_hosts)
    if not inside or (value not in runbook.targets.groups and members - inside):
        raise _Rejected("includes devices outside this runbook's targets", allowed)
    return tuple(sorted(inside))


def _typed(value: str, spec: Any, platforms: set[str]) -> Any:
    allowed = _allowed(spec, platforms)
    if isinstance(spec, IntegerInput):
        if not _INTEGER.fullmatch(value):
            raise _Rejected("is not a whole number", allowed)
        number = int(value)
        if not spec.min <= number <= spec.max:
            raise _Rejected("is out of range", allowed)
        return number
    if isinstance(spec, InterfaceInput):
        grammars = {"ios": _IOS_INTERFACE, "fortios": _FORTIOS_INTERFACE}
        if not any(grammars[p].fullmatch(value) for p in platforms):
            raise _Rejected("is not a valid interface name", allowed)
        return value
    if isinstance(spec, Ipv4Input):
        try:
            address = ipaddress.IPv4Address(value)
        except ValueError:
            raise _Rejected("is not an IPv4 address", allowed) from None
        if str(address) != value or address.is_unspecified or address.is_multicast \
                or address == ipaddress.IPv4Address("255.255.255.255"):
            raise _Rejected("is not a usable unicast IPv4 address", allowed)
        return value
    if isinstance(spec, PrefixInput):
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError:
            raise _Rejected("is not an IPv4 prefix with no host bits set", allowed) from None
        if "/" not in value or str(network) != value:
            raise _Rejected("is not an IPv4 prefix in CIDR form", allowed)
        return value
    if isinstance(spec, EnumInput):
        if value not in spec.choices:
            raise _Rejected("is not one of the choices", allowed)
        return value
    if isinstance(spec, TextInput):
        if not re.fullmatch(spec.pattern, value):
            raise _Rejected("does not match the allowed format", allowed)
        return value
    raise _Rejected("has an input type netops cannot check", allowed)  # unreachable with valid models


def _noun(spec: Any) -> str:
    return {"device": "device name", "device_group": "group name", "interface": "interface name",
            "ipv4": "IPv4 address", "prefix": "IPv4 prefix", "integer": "number", "enum": "choice",
            "text": "value"}[spec.type]


def _allowed(spec: Any, platforms: set[str]) -> str:
    if isinstance(spec, IntegerInput):
        return f"a whole number from {spec.min} to {spec.max}"
    if isinstance(spec, InterfaceInput):
        return "e.g. " + ", ".join(_INTERFACE_EXAMPLES[p] for p in ("ios", "fortios") if p in platforms)
    if isinstance(spec, Ipv4Input):
        return "a unicast IPv4 address such as 10.20.30.40"
    if isinstance(spec, PrefixInput):
        return "an IPv4 prefix such as 10.20.0.0/16"
    if isinstance(spec, EnumInput):
        return f"one of {', '.join(spec.choices)}"
    if isinstance(spec, TextInput):
        return f"up to {spec.max_length} characters matching {spec.pattern}"
    if isinstance(spec, DeviceGroupInput):
        return "one inventory group name"
    return "one inventory device name, e.g. dist-01"


def _short(value: Any) -> str:
    """A safe, bounded repr for messages: escapes control characters, cuts long values."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
