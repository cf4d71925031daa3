"""The plan hash: one fingerprint of exactly what an approval approves.

sha256 (hex) of canonical JSON — keys sorted, no whitespace, ASCII-escaped, devices sorted — of
`{"v": 1, "runbook": name, "commit": git commit of the catalog and playbook, "inputs": validated
values, "devices": target hosts}`. If any of these differ between approval and execution the hash
differs and the run is refused. `v` versions the format itself. Pure: no git, no clock.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

PLAN_FORMAT = 1


def plan_hash(runbook_name: str, runbook_commit: str, inputs: Mapping[str, Any], devices: Iterable[str]) -> str:
    """Inputs must be JSON values (validated inputs are str and int); anything else raises TypeError
    rather than hashing an ambiguous repr."""
    document = {"v": PLAN_FORMAT, "runbook": runbook_name, "commit": runbook_commit,
                "inputs": dict(inputs), "devices": sorted(devices)}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
