"""Canonical raw device output and its SHA-256, so anyone can recompute `output_sha256`.

Canonical form (UTF-8): devices in ascending name order; for each device a header line
`### <device>` then, in the order the playbook ran them, `$ <command>` followed by the output exactly
as the device returned it and one newline. Roles publish the pieces as
`netops_raw: {<device>: [{command, output}, ...]}` through `ansible.builtin.set_stats`.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping, Sequence


def canonical(raw: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    parts: list[str] = []
    for device in sorted(raw):
        parts.append(f"### {device}\n")
        for item in raw[device]:
            output = item.get("output", "")
            if not isinstance(output, str):
                # FortiOS answers are JSON; a stable rendering keeps the hash reproducible.
                output = json.dumps(output, sort_keys=True, separators=(",", ":"))
            parts.append(f"$ {item.get('command', '')}\n{output}\n")
    return "".join(parts)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
