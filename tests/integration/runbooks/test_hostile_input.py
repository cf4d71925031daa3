"""Hostile or broken requests are refused by name before anything reaches a device, and the
executor itself never lets a value become a template or a second command."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from bot.errors import InputError, UnknownRunbook, UnsafeValue
from bot.executor import ExecutorConfig, RunMode, execute
from bot.lab import Lab
from bot.runtime import Runtime

pytestmark = pytest.mark.integration

HOSTILE = [
    ("bounce-interface", {"device": "acc-01", "interface": "Gi1/0/1\nreload"}, "interface"),
    ("bounce-interface", {"device": "acc-01", "interface": "Gi1/0/1\r\nreload"}, "interface"),
    ("bounce-interface", {"device": "acc-01", "interface": "Gi1/0/1; reload"}, "interface"),
    ("bounce-interface", {"device": "acc-01", "interface": "Gi1/0/1 | include x"}, "interface"),
    ("ping-from", {"device": "acc-01", "target": "{{ lookup('pipe','id') }}"}, "target"),
    ("ping-from", {"device": "acc-01", "target": "{% raw %}10.0.0.1{% endraw %}"}, "target"),
    ("ping-from", {"device": "acc-01", "target": "10.0.0.1\x00"}, "target"),
    ("ping-from", {"device": "acc-01", "target": "10.0.0.1\u2028reload"}, "target"),
    ("ping-from", {"device": "acc-01", "target": "10.0.0.256"}, "target"),
    ("ping-from", {"device": "acc-01", "target": "10.0.0.1", "count": "100000"}, "count"),
    ("ping-from", {"device": "acc-01", "target": "10.0.0.1", "size": "-1"}, "size"),
    ("ping-from", {"device": "acc-01", "target": "10.0.0.1" + " " * 200}, "target"),
    ("clear-ospf", {"device": "all"}, "device"),
    ("clear-ospf", {"device": "*"}, "device"),
    ("clear-ospf", {"device": "dist-01,dist-02"}, "device"),
    ("clear-ospf", {"device": "dist-99"}, "device"),
    ("ping-from", {"device": "fw-edge-01", "target": "10.0.0.1"}, "device"),  # FortiGate is outside ping-from's targets
    ("ospf-neighbors", {"device": "dist-01", "vrf": "x"}, "vrf"),
]


@pytest.mark.parametrize("runbook, inputs, bad", HOSTILE, ids=[repr(i) for _, i, _ in HOSTILE])
def test_hostile_input_is_refused_by_name_and_nothing_reaches_a_device(
        runtime: Runtime, lab: Lab, runbook: str, inputs: dict[str, str], bad: str) -> None:
    since = time.time()
    with pytest.raises(InputError) as refused:
        runtime.run(runbook, inputs)
    assert bad in {p.input for p in refused.value.problems}
    assert bad in str(refused.value)
    assert lab.commands(since=since) == []


def test_unknown_runbook_names_the_closest_one(runtime: Runtime) -> None:
    with pytest.raises(UnknownRunbook, match="ospf-neighbors"):
        runtime.run("ospf-neighbours", {"device": "dist-01"})


def _ping_runbook() -> SimpleNamespace:
    return SimpleNamespace(name="ping-from", playbook="ping-from.yml", role="ping_from", timeout=60,
                           inputs={"device": SimpleNamespace(type="device"), "target": SimpleNamespace(type="ipv4")})


def test_template_syntax_reaches_the_device_only_as_literal_text(runtime: Runtime, lab: Lab) -> None:
    """Even with validation bypassed, Ansible never evaluates an input: it is marked unsafe."""
    since = time.time()
    inputs = SimpleNamespace(values={"target": "{{ lookup('pipe','id') }}"}, devices=["acc-07"])
    execute(_ping_runbook(), inputs, runtime.executor)
    pings = [e["command"] for e in lab.commands("acc-07", since=since) if e["command"].startswith("ping")]
    assert pings == ["ping {{ lookup('pipe','id') }} repeat 5 size 100"]


def test_line_break_in_a_value_never_leaves_the_executor(runtime: Runtime, lab: Lab) -> None:
    since = time.time()
    inputs = SimpleNamespace(values={"target": "10.0.0.1\nreload"}, devices=["acc-07"])
    with pytest.raises(UnsafeValue, match="target"):
        execute(_ping_runbook(), inputs, runtime.executor)
    assert lab.commands("acc-07", since=since) == []


def test_unreachable_device_fails_fast_with_a_clear_error(runtime: Runtime, healthy: Lab) -> None:
    healthy.set_faults("acc-08", unreachable=True)
    started = time.monotonic()
    result = runtime.run("ospf-neighbors", {"device": "acc-08"})
    assert time.monotonic() - started < 30
    assert result["status"] == "failed"
    block = result["per_device"]["acc-08"]
    assert block["status"] in ("unreachable", "failed")  # network_cli reports a refused socket as a task failure
    assert "refused" in block["error"].lower() or "connect" in block["error"].lower()


def test_wrong_credentials_fail_with_an_authentication_error(runtime: Runtime, healthy: Lab) -> None:
    healthy.set_faults("acc-08", wrong_credentials=True)
    result = runtime.run("ospf-neighbors", {"device": "acc-08"})
    assert result["status"] == "failed"
    assert "auth" in result["per_device"]["acc-08"]["error"].lower()


def test_hung_device_ends_as_timed_out(runtime: Runtime, healthy: Lab) -> None:
    healthy.set_faults("acc-08", hang=True)
    runbook = runtime.catalog.get("ospf-neighbors").model_copy(update={"timeout": 8})
    inputs = SimpleNamespace(values={"device": "acc-08"}, devices=["acc-08"])
    config = ExecutorConfig(repo=runtime.executor.repo, inventory_sources=runtime.executor.inventory_sources,
                            device_env=runtime.executor.device_env)
    started = time.monotonic()
    result = execute(runbook, inputs, config, mode=RunMode.RUN)
    assert result.status.value == "timed_out"
    assert time.monotonic() - started < 30
    assert "8 s timeout" in result.per_device["acc-08"].error
