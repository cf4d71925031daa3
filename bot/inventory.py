"""Read-only view of the Ansible inventory: which hosts and groups exist and each host's platform.

It parses inventory sources with ansible-core's own `InventoryManager`, in process, so the bot sees
exactly what `ansible-playbook -i ...` will see (later sources layer on top of earlier ones, as the
lab's generated hosts.yml does on `inventory/`). It never templates or reads variables: they hold
environment lookups for secrets, which belong to the worker's Ansible run alone.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.errors import InventoryError

log = logging.getLogger(__name__)

PLATFORMS = ("ios", "fortios")

_cache: dict[tuple, Inventory] = {}
_cache_lock = threading.Lock()


class Inventory:
    """An immutable snapshot of hosts and (transitive) group membership."""

    def __init__(self, members: Mapping[str, Iterable[str]], hosts: Iterable[str] | None = None) -> None:
        """`members` maps every group to all its hosts, including those of child groups."""
        self._members: dict[str, frozenset[str]] = {g: frozenset(hs) for g, hs in members.items()}
        every = set(hosts or ()).union(*self._members.values()) if self._members else set(hosts or ())
        self._hosts = frozenset(every)
        groups_of: dict[str, set[str]] = {h: set() for h in self._hosts}
        for group, hs in self._members.items():
            for h in hs:
                groups_of[h].add(group)
        self._groups_of = {h: frozenset(gs) for h, gs in groups_of.items()}

    @classmethod
    def load(cls, sources: list[Path]) -> Inventory:
        """Parse `sources` in order (cached per process until a source file changes)."""
        if not sources:
            raise InventoryError("no inventory source given; pass the repository's inventory/ directory")
        resolved = [Path(s).resolve() for s in sources]
        for source in resolved:
            if not source.exists():
                raise InventoryError(f"inventory source {source} does not exist; check the path "
                                     "(for the lab, run `netops lab up` first)", source=str(source))
        key = tuple((str(s), _fingerprint(s)) for s in resolved)
        with _cache_lock:
            if key not in _cache:
                _cache.clear()  # only the current view is ever needed
                _cache[key] = cls._parse(resolved)
            return _cache[key]

    @classmethod
    def _parse(cls, sources: list[Path]) -> Inventory:
        # Imported here: ansible reads its configuration at import time, and only loading needs it.
        from ansible.errors import AnsibleError
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader

        try:
            manager = InventoryManager(loader=DataLoader(), sources=[str(s) for s in sources], parse=False)
            for source in sources:
                # parse=False plus per-source parsing: a source that fails must stop us, not just warn.
                if not manager.parse_source(str(source)):
                    raise InventoryError(f"could not parse inventory source {source}; run "
                                         f"`ansible-inventory -i {source} --graph` to see why", source=str(source))
            manager.reconcile_inventory()
        except AnsibleError as exc:
            raise InventoryError(f"could not read the inventory: {exc}") from exc
        members = {name: {h.name for h in group.get_hosts()} for name, group in manager.groups.items()}
        log.debug("inventory loaded from %s: %d hosts, %d groups", sources, len(manager.hosts), len(members))
        return cls(members, hosts=manager.hosts.keys())

    def hosts(self) -> set[str]:
        return set(self._hosts)

    def groups(self) -> set[str]:
        return set(self._members)

    def groups_of(self, host: str) -> set[str]:
        """Every group the host belongs to, directly or through a child group; empty if unknown."""
        return set(self._groups_of.get(host, ()))

    def hosts_in(self, group: str) -> set[str]:
        """Every host of the group, including those of its child groups; empty if unknown."""
        return set(self._members.get(group, ()))

    def platform_of(self, host: str) -> str | None:
        """`ios` or `fortios` by group membership; None when the host is in neither (or, wrongly, both)."""
        found = [p for p in PLATFORMS if p in self._groups_of.get(host, ())]
        return found[0] if len(found) == 1 else None


def _fingerprint(source: Path) -> tuple:
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    return tuple((str(p), st.st_mtime_ns, st.st_size) for p in files for st in [p.stat()])
