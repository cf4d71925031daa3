"""What exactly a request would run, recomputed from the current checkout: validated inputs, the
runbook's commit and the plan hash an approval is bound to.

The service computes it at submission, approval and start; if the catalog, playbook, role or the
inventory changed the plan hash changes and the approval no longer applies.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from bot.catalog import Catalog, validate_inputs
from bot.catalog.models import Runbook
from bot.executor.gitinfo import runbook_commit
from bot.inventory import Inventory
from bot.policy import plan_hash


@dataclass(frozen=True)
class Plan:
    runbook: Runbook
    values: dict[str, Any]
    devices: tuple[str, ...]
    commit: str
    hash: str


def runbook_paths(runbook: Runbook) -> list[str]:
    return [f"runbook_catalog/{runbook.name}.yml", f"playbooks/{runbook.playbook}", f"roles/{runbook.role}"]


def make_plan(repo: Path, catalog: Catalog, inventory: Inventory, runbook_name: str,
              raw: Mapping[str, Any]) -> Plan:
    """Validate `raw` (strings from a person, or stored typed values) and hash the plan."""
    runbook = catalog.get(runbook_name)
    inputs = validate_inputs(runbook, {k: str(v) for k, v in raw.items()}, inventory)
    commit = runbook_commit(repo, runbook_paths(runbook))
    return Plan(runbook, dict(inputs.values), tuple(inputs.devices), commit,
                plan_hash(runbook.name, commit, inputs.values, inputs.devices))


_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def precheck_lookup(store: Any) -> Callable[[str, str], datetime | None]:
    """When `runbook` last succeeded on `device`; the policy judges the age against the change's limit."""
    return lambda runbook, device: store.last_success(runbook, device, since=_EPOCH)
