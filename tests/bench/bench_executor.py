"""Benchmark: what the executor (ansible-runner, result capture) costs over a bare `ansible-playbook`.

(a) `ospf-neighbors` on one lab IOS device (dist-01); (b) `interface-counters` on 100 lab IOS devices
with 20 forks on both sides; goal for both: executor / bare <= 1.10. The bare run gets the same
playbook, inventory sources, --limit, forks, extra-vars file (rendered by the executor's own code)
and environment as the executor builds (see bot/executor/runner.py). Runs are interleaved (executor,
bare, executor, bare, ...) so drift in machine load hits both sides alike; medians of --repeats runs.

Fan-out note: interface-counters is a single-device runbook in the catalog (the bot never sends it
to 100 devices); the benchmark validates its inputs once and hands the executor 100 devices to
measure fan-out throughput. Usage: `.venv/bin/python tests/bench/bench_executor.py` (or `make bench`).
"""
from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Sequence

from benchlib import REPO, VENV_BIN, ansible_env, median, spread, table, timed

from bot.catalog import load_catalog, validate_inputs
from bot.executor import ExecutorConfig, RunMode, execute
from bot.executor.result import DeviceStatus, RunStatus
from bot.executor.datadir import render_extravars
from bot.executor.runner import extravars_for
from bot.inventory import Inventory
from bot.lab import Lab

GOAL = 1.10


def bare_command(playbook: str, lab: Lab, devices: Sequence[str], forks: int, extravars: Path) -> list[str]:
    return [str(VENV_BIN / "ansible-playbook"), "-i", str(REPO / "inventory"), "-i", str(lab.inventory),
            str(REPO / "playbooks" / playbook), "--limit", ",".join(devices), "--forks", str(forks),
            "-e", f"@{extravars}"]


def compare(name: str, runbook_name: str, raw: dict[str, str], devices: list[str], forks: int, repeats: int,
            lab: Lab, scratch: Path) -> dict[str, list[float]]:
    """Interleaved executor and bare runs of one runbook; returns the wall times of each side."""
    sources = [REPO / "inventory", lab.inventory]
    inventory = Inventory.load(sources)
    # The catalog's timeout is sized for one device; a fan-out run must not be cut short by it.
    runbook = load_catalog(REPO, inventory).get(runbook_name).model_copy(update={"timeout": 1800})
    validated = validate_inputs(runbook, raw, inventory)
    inputs = SimpleNamespace(values=validated.values, devices=tuple(devices))
    config = ExecutorConfig(repo=REPO, inventory_sources=tuple(sources), device_env=lab.env(), forks=forks,
                            work_dir=scratch)
    extravars = scratch / f"{name}-extravars.yml"
    extravars.write_text(render_extravars(extravars_for(runbook, inputs, RunMode.RUN)))
    command = bare_command(runbook.playbook, lab, devices, forks, extravars)
    env = ansible_env(lab.env(), scratch / f"{name}-bare")

    times: dict[str, list[float]] = {"executor": [], "bare": []}
    for i in range(repeats):
        seconds, result = timed(lambda: execute(runbook, inputs, config))
        failed = {d: (r.status.value, r.error) for d, r in result.per_device.items() if r.status is not DeviceStatus.OK}
        assert result.status is RunStatus.SUCCEEDED and not failed, (name, result.status, failed)
        times["executor"].append(seconds)
        seconds, proc = timed(lambda: subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True))
        assert proc.returncode == 0, (name, proc.stdout[-3000:], proc.stderr[-3000:])
        times["bare"].append(seconds)
        print(f"  {name} run {i + 1}/{repeats}: executor {times['executor'][-1]:.2f} s, bare {seconds:.2f} s", flush=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per side for (a)")
    parser.add_argument("--fanout-repeats", type=int, default=5, help="runs per side for (b), ~1.5 min each")
    parser.add_argument("--fanout", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="netops-bench-executor-") as tmp:
        scratch = Path(tmp)
        lab = Lab.up(scratch / "lab", ios=max(args.fanout, 14), fortios=2)
        try:
            ios = sorted(d["name"] for d in lab.devices() if d["platform"] == "ios")[: args.fanout]
            # Warm-up: the first Ansible run of a process tree pays for cold caches (collections, .pyc).
            compare("warm-up", "ospf-neighbors", {"device": "dist-01"}, ["dist-01"], 1, 1, lab, scratch)
            single = compare("(a) ospf-neighbors x1", "ospf-neighbors", {"device": "dist-01"}, ["dist-01"], 1,
                             args.repeats, lab, scratch)
            fanout = compare(f"(b) interface-counters x{len(ios)}", "interface-counters", {"device": ios[0]}, ios, 20,
                             args.fanout_repeats, lab, scratch)
        finally:
            lab.down()

    rows = []
    for name, times, count in ((f"(a) ospf-neighbors, 1 IOS device, forks 1, {args.repeats} runs", single, 1),
                               (f"(b) interface-counters, {len(ios)} IOS devices, forks 20, {args.fanout_repeats} runs",
                                fanout, len(ios))):
        executor, bare = median(times["executor"]), median(times["bare"])
        ratio = executor / bare
        rows.append((name, executor, bare, f"{ratio:.3f}", "ok" if ratio <= GOAL else f"over {GOAL}",
                     f"{count / executor:.2f}", f"{count / bare:.2f}"))
    print(table(("", "executor s", "bare s", "ratio", "goal", "dev/s exec", "dev/s bare"), rows))
    for name, times in (("(a)", single), ("(b)", fanout)):
        for side, values in times.items():
            print(f"  {name} {side}: " + " ".join(f"{v:.2f}" for v in values) + f"  ({spread(values)})")
    print(f"medians of interleaved runs; finished {time.strftime('%Y-%m-%d %H:%M:%S')}")


if __name__ == "__main__":
    main()
