"""`plan_hash` fingerprints runbook, commit, inputs and devices; order of keys and devices is irrelevant,
any change of content changes it."""
from __future__ import annotations

import hashlib

import pytest

from bot.policy import plan_hash

BASE = ("clear-ospf", "a" * 40, {"area": "0", "process": 1}, ["dist-02", "dist-01"])


def test_is_sha256_of_the_documented_canonical_json() -> None:
    canonical = ('{"commit":"' + "a" * 40 + '","devices":["dist-01","dist-02"],"inputs":{"area":"0","process":1},'
                 '"runbook":"clear-ospf","v":1}')
    assert plan_hash(*BASE) == hashlib.sha256(canonical.encode()).hexdigest()


def test_ignores_the_order_of_inputs_and_devices() -> None:
    assert plan_hash("clear-ospf", "a" * 40, {"process": 1, "area": "0"}, ("dist-01", "dist-02")) == plan_hash(*BASE)


@pytest.mark.parametrize("changed", [
    pytest.param(("clear-sessions", *BASE[1:]), id="runbook"),
    pytest.param((BASE[0], "b" * 40, *BASE[2:]), id="commit"),
    pytest.param((*BASE[:2], {"area": "1", "process": 1}, BASE[3]), id="input value"),
    pytest.param((*BASE[:2], {"area": 0, "process": 1}, BASE[3]), id="input type"),
    pytest.param((*BASE[:3], ["dist-01"]), id="devices"),
])
def test_changes_when_anything_approved_changes(changed: tuple) -> None:
    assert plan_hash(*changed) != plan_hash(*BASE)


def test_refuses_values_that_are_not_json() -> None:
    with pytest.raises(TypeError):
        plan_hash("clear-ospf", "a" * 40, {"when": object()}, ["dist-01"])
