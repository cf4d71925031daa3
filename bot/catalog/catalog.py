"""The loaded, validated runbook catalog: look up a runbook by its slash verb and render its intent.

A `Catalog` only ever holds runbooks that passed every check (`loader.load_catalog` builds it);
it does no I/O of its own.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bot.catalog import intent
from bot.catalog.models import Platform, Runbook
from bot.errors import UnknownRunbook


class Catalog:
    def __init__(self, runbooks: Iterable[Runbook]) -> None:
        self._runbooks = {rb.name: rb for rb in sorted(runbooks, key=lambda rb: rb.name)}

    def __iter__(self) -> Iterator[Runbook]:
        return iter(self._runbooks.values())

    def __len__(self) -> int:
        return len(self._runbooks)

    def __contains__(self, name: object) -> bool:
        return name in self._runbooks

    def names(self) -> list[str]:
        return list(self._runbooks)

    def get(self, name: str) -> Runbook:
        """The runbook called `name`; `UnknownRunbook` (with close matches) otherwise."""
        try:
            return self._runbooks[name]
        except KeyError:
            close = difflib.get_close_matches(name.lower()[:64], self.names(), n=3, cutoff=0.5)
            raise UnknownRunbook(name[:64], close, self.names()) from None

    def render_intent(self, runbook: Runbook | str, values: Mapping[str, Any], platform: Platform | str) -> list[str]:
        """The exact commands/API calls `runbook` runs on `platform` with these validated values."""
        return intent.render_intent(self._resolve(runbook), values, platform)

    def render_summary(self, runbook: Runbook | str, values: Mapping[str, Any]) -> str:
        return intent.render_summary(self._resolve(runbook), values)

    def _resolve(self, runbook: Runbook | str) -> Runbook:
        return self.get(runbook) if isinstance(runbook, str) else runbook
