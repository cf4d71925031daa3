"""Wires settings into the pieces a request needs: inventory, catalog and executor configuration.

With no `NETOPS_INVENTORY` the embedded default applies: the production inventory overlaid with the
running lab and the lab's credentials. This module starts nothing; `netops lab up` or the demo does. `run` is the direct path from a
request to the executor, without policy or approval: the demo, `netops dry-run` and runbook tests
use it; requests from people go through the request lifecycle instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bot.catalog import Catalog, load_catalog, validate_inputs
from bot.executor import ExecutorConfig, RunMode, execute
from bot.inventory import Inventory
from bot.lab import Lab
from bot.settings import Settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    inventory: Inventory
    catalog: Catalog
    executor: ExecutorConfig

    @classmethod
    def load(cls, settings: Settings) -> Runtime:
        if settings.uses_lab:
            lab = Lab.attach(settings.lab_dir)
            sources = (settings.repo / "inventory", lab.inventory)
            device_env = {**lab.env(), **settings.device_env}
        else:
            sources, device_env = settings.inventory, dict(settings.device_env)
        inventory = Inventory.load(list(sources))
        executor = ExecutorConfig(repo=settings.repo, inventory_sources=tuple(sources), device_env=device_env,
                                  forks=settings.forks)
        return cls(settings, inventory, load_catalog(settings.repo, inventory), executor)

    def run(self, runbook_name: str, raw: Mapping[str, str], mode: RunMode = RunMode.RUN) -> dict[str, Any]:
        """Validate `raw` for the runbook and execute it; returns the JSON-ready result."""
        runbook = self.catalog.get(runbook_name)
        inputs = validate_inputs(runbook, raw, self.inventory)
        platforms = sorted({self.inventory.platform_of(d) or "" for d in inputs.devices})
        intent = [line for p in platforms for line in self.catalog.render_intent(runbook, inputs.values, p)]
        return execute(runbook, inputs, self.executor, mode=mode, intent=intent).to_dict()
