"""Wires settings into the pieces a request needs: inventory, catalog, access rules, the store, the
executor configuration, and from them the request service and the worker.

With no `NETOPS_INVENTORY` the embedded default applies: the production inventory overlaid with the
running lab and the lab's credentials. This module starts nothing; `netops lab up` or the demo does.
`run` is the direct path from a request to the executor, without policy or approval: the demo,
`netops dry-run` and runbook tests use it; requests from people go through the request service.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Mapping

from bot.access import AccessRules, load_access
from bot.audit.wiring import publisher_from_settings
from bot.catalog import Catalog, load_catalog, validate_inputs
from bot.errors import LabError
from bot.executor import ExecutorConfig, RunMode, execute
from bot.inventory import Inventory
from bot.lab import Lab
from bot.lifecycle.service import RequestService
from bot.lifecycle.worker import Worker, WorkerConfig
from bot.notify import Notifier
from bot.settings import Settings
from bot.store import Store, make_engine, upgrade


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    inventory: Inventory
    catalog: Catalog
    executor: ExecutorConfig

    @classmethod
    def load(cls, settings: Settings, need_devices: bool = True) -> Runtime:
        """`need_devices=False` (requests, approvals, status) works while the lab is down: the
        production inventory names the same devices, only addresses and credentials are missing."""
        sources, device_env = (settings.repo / "inventory",), dict(settings.device_env)
        if not settings.uses_lab:
            sources = settings.inventory
        else:
            try:
                lab = Lab.attach(settings.lab_dir)
                sources, device_env = (settings.repo / "inventory", lab.inventory), {**lab.env(), **device_env}
            except LabError:
                if need_devices:
                    raise
        inventory = Inventory.load(list(sources))
        executor = ExecutorConfig(repo=settings.repo, inventory_sources=tuple(sources), device_env=device_env,
                                  forks=settings.forks)
        return cls(settings, inventory, load_catalog(settings.repo, inventory), executor)

    @cached_property
    def access(self) -> AccessRules:
        return load_access(self.settings.repo, self.catalog, self.inventory)

    @cached_property
    def store(self) -> Store:
        return open_store(self.settings)

    def service(self) -> RequestService:
        return RequestService(repo=self.settings.repo, catalog=self.catalog, inventory=self.inventory,
                              access=self.access, store=self.store, start_window_s=self.settings.start_window_s)

    def worker(self, notifier: Notifier, worker_id: str = "", poll_s: float = 1.0) -> Worker:
        """The caller closes `worker.audit` (the audit branch keeps a git reader open) when done."""
        config = WorkerConfig(lease_s=self.settings.worker_lease_s, read_only_limit=self.settings.read_only_limit,
                              poll_s=poll_s, worker_id=worker_id, fail_closed=self.settings.audit_fail_closed)
        publisher = None
        if self.settings.audit_in_worker or self.settings.audit_fail_closed:
            publisher = publisher_from_settings(self.settings, self.store)
        return Worker(repo=self.settings.repo, store=self.store, catalog=self.catalog, inventory=self.inventory,
                      access=self.access, executor=self.executor, notifier=notifier, config=config, audit=publisher)

    def run(self, runbook_name: str, raw: Mapping[str, str], mode: RunMode = RunMode.RUN) -> dict[str, Any]:
        """Validate `raw` for the runbook and execute it; returns the JSON-ready result."""
        runbook = self.catalog.get(runbook_name)
        inputs = validate_inputs(runbook, raw, self.inventory)
        platforms = sorted({self.inventory.platform_of(d) or "" for d in inputs.devices})
        intent = [line for p in platforms for line in self.catalog.render_intent(runbook, inputs.values, p)]
        return execute(runbook, inputs, self.executor, mode=mode, intent=intent).to_dict()


def open_store(settings: Settings) -> Store:
    """The request store named by the settings, migrated to the current schema."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return Store(engine)
