"""Benchmark: how long the guardrails take, on SQLite and on PostgreSQL.

(1) `request → queued`: RequestService.submit of a read-only request (validation, policy, store);
(2) `approval → ansible start`: from approve() returning to the worker announcing `running`, the
    moment before it hands the plan to ansible-runner (goal p50 <= 250 ms; the worker polls every
    50 ms here, as a busy worker would);
(3) throughput: 2 workers on 50 read-only requests across 50 lab devices vs the same 50 runs made
    directly through the executor by 2 threads (ratio; 1.0 means the lifecycle costs nothing).
PostgreSQL is a throwaway server unless NETOPS_TEST_PG_URL is set. Usage:
`.venv/bin/python tests/bench/bench_lifecycle.py [--approvals 10] [--requests 50]` (or `make bench`).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from benchlib import REPO, table

from bot.lab import Lab
from bot.lifecycle.service import Channel
from bot.notify import Notification
from bot.runtime import Runtime
from bot.settings import Settings
from bot.store.testing import fresh_database, throwaway_postgres

CHANNEL = Channel(id="C0INC1234", name="inc-1234")
ENGINEER, APPROVER, VIEWER = "U01ALICE", "U03CAROL", "U06FRANK"


class RunningClock:
    """Notifier that timestamps each request's `running` announcement."""

    def __init__(self) -> None:
        self.running: dict[int, float] = {}
        self.done = threading.Condition()

    def notify(self, n: Notification) -> None:
        with self.done:
            if n.event == "running":
                self.running[n.request_id] = time.perf_counter()
            self.done.notify_all()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def system_for(base: Runtime, state: Path, url: str) -> Runtime:
    settings = replace(base.settings, state_dir=state, database=url)
    return Runtime(settings, base.inventory, base.catalog, base.executor)


def bench_backend(name: str, system: Runtime, approvals: int, requests: int, devices: list[str]) -> list[list]:
    service = system.service()
    # (1) request → queued
    submit = []
    for i in range(requests):
        started = time.perf_counter()
        record = service.submit("ospf-neighbors", {"device": devices[i % len(devices)]}, user=VIEWER, channel=CHANNEL)
        submit.append(time.perf_counter() - started)
        assert record.state.value == "queued", record.message
    service.store.engine.dispose()
    system.store.engine.dispose()
    # Drain those through 2 workers and time it: (3) lifecycle throughput.
    clock = RunningClock()
    workers = [system.worker(clock, worker_id=f"bench-{k}", poll_s=0.05) for k in range(2)]
    started = time.perf_counter()
    threads = [threading.Thread(target=w.run, kwargs={"burst": True}) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    through_workers = time.perf_counter() - started
    # (2) approval → ansible start, with one worker waiting on the queue.
    waiting = system.worker(clock, worker_id="bench-live", poll_s=0.05)
    live = threading.Thread(target=waiting.run)
    live.start()
    latencies = []
    try:
        for i in range(approvals):
            device = f"cell-rtr-0{1 + i % 4}"
            record = service.submit("clear-ospf", {"device": device, "incident": "INC-1234"}, user=ENGINEER,
                                    channel=CHANNEL)
            assert record.state.value == "awaiting_approval", record.message
            service.approve(record.id, APPROVER)
            approved_at = time.perf_counter()
            with clock.done:
                clock.done.wait_for(lambda: record.id in clock.running, timeout=60)
            latencies.append(clock.running[record.id] - approved_at)
            while service.store.get_request(record.id).state.value not in ("succeeded", "failed", "outcome_unknown"):
                time.sleep(0.2)
    finally:
        waiting.stop.set()
        live.join()
    ms = lambda v: v * 1000  # noqa: E731
    return [
        [f"{name}: request → queued (ms)", ms(statistics.median(submit)), ms(pct(submit, 0.99)), len(submit)],
        [f"{name}: approval → ansible start (ms)", ms(statistics.median(latencies)), ms(pct(latencies, 0.99)),
         len(latencies)],
        [f"{name}: 2 workers, {requests} read-only requests (s)", through_workers, float("nan"), requests],
    ]


def direct_runs(base: Runtime, requests: int, devices: list[str]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda i: base.run("ospf-neighbors", {"device": devices[i % len(devices)]}), range(requests)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--approvals", type=int, default=10)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netops-bench-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        settings = Settings(repo=REPO, state_dir=root / "state")
        lab = stack.enter_context(Lab.up(settings.lab_dir, ios=64, fortios=2))
        base = Runtime.load(settings)
        devices = sorted(d["name"] for d in lab.devices() if d["name"].startswith("acc-"))[: args.requests]
        direct = direct_runs(base, args.requests, devices)
        pg_admin = os.environ.get("NETOPS_TEST_PG_URL") or stack.enter_context(throwaway_postgres())
        rows = bench_backend("sqlite", system_for(base, root / "sqlite", f"sqlite:///{root / 'bench.db'}"),
                             args.approvals, args.requests, devices)
        pg_url = stack.enter_context(fresh_database(pg_admin))
        rows += bench_backend("postgresql", system_for(base, root / "pg", pg_url), args.approvals, args.requests,
                              devices)
        print(table(["measure", "p50 / total", "p99", "n"], rows))
        for name, row in (("sqlite", rows[2]), ("postgresql", rows[5])):
            print(f"{name}: 2 workers {row[1]:.1f} s vs direct executor with 2 threads {direct:.1f} s "
                  f"→ ratio {row[1] / direct:.2f}")


if __name__ == "__main__":
    main()
