"""Audit-branch benchmark: append cost stays flat, verify scales, the publisher keeps up.

    .venv/bin/python tests/bench/bench_audit.py [--appends 10000] [--records 100000] [--publish 5000]

1. appends one event at a time (each its own commit and ref update) and compares the cost of the
   10th append with the last (goal: last <= 1.5 x 10th; medians over 10-append windows as well);
2. builds a branch of --records records (in backlog batches, as after an outage) and times
   `audit verify` over it (goal here: <= 10 s for 100,000) and a 200-event incident report;
3. drains --publish events through the publisher to a local bare remote (records/s).
Everything happens in a temporary directory that is removed afterwards (unless --keep).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.audit.gitstore import AuditBranch  # noqa: E402
from bot.audit.publisher import Publisher  # noqa: E402
from bot.audit.redact import Redactor  # noqa: E402
from bot.audit.report import build_report  # noqa: E402
from bot.audit.verify import verify  # noqa: E402
from bot.testing import Event, MemoryOutbox, make_bare, make_checkout  # noqa: E402


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def events(count: int, start: datetime | None = None, offset: int = 0) -> tuple[list[Event], datetime]:
    """A realistic mix: incidents of ~200 events, some read-only lookups outside any incident."""
    outbox = MemoryOutbox(start=start)
    n = 0
    while len(outbox.events) < count:
        incident = f"INC-{1000 + (offset + len(outbox.events)) // 200}"
        if n % 5 == 4:
            outbox.add_run(incident=None, mode="read_only", approver=None, runbook="ospf-neighbors")
        else:
            outbox.add_run(incident=incident, status="failed" if n % 7 == 3 else "succeeded",
                           devices=("fw-edge-02", f"dist-0{n % 4 + 1}"))
        n += 1
    made = outbox.events[:count]
    return made, datetime.fromisoformat(made[-1].created_at.replace("Z", "+00:00"))


def bench_appends(root: Path, count: int) -> None:
    repo = make_checkout(root / "appends")
    batch, _ = events(count)
    redact = Redactor({"never-appears-0000"})
    costs, cpu = [], []
    with AuditBranch(repo) as branch:
        for event in batch:
            started, started_cpu = time.perf_counter(), _cpu()
            branch.append([event], redact)
            costs.append(time.perf_counter() - started)
            cpu.append(_cpu() - started_cpu)
        early, late = statistics.median(costs[4:15]), statistics.median(costs[-11:])
        first100, last100 = statistics.median(costs[:100]), statistics.median(costs[-100:])
        print(f"appends: {count} single-event appends in {sum(costs):.1f}s "
              f"(mean {statistics.mean(costs) * 1000:.2f} ms)")
        print(f"  append #10: {costs[9] * 1000:.2f} ms   append #{count}: {costs[-1] * 1000:.2f} ms   "
              f"ratio {costs[-1] / costs[9]:.2f}")
        print(f"  median #5-#15: {early * 1000:.2f} ms   median of the last 11: {late * 1000:.2f} ms   "
              f"ratio {late / early:.2f} (goal <= 1.5)")
        print(f"  median first 100: {first100 * 1000:.2f} ms   median last 100: {last100 * 1000:.2f} ms   "
              f"ratio {last100 / first100:.2f}")
        # CPU time (this process + the finished `git update-ref`) is what the host's other load does not inflate.
        early_cpu, late_cpu = statistics.median(cpu[4:15]), statistics.median(cpu[-11:])
        print(f"  CPU per append, median #5-#15: {early_cpu * 1000:.2f} ms   last 11: {late_cpu * 1000:.2f} ms   "
              f"ratio {late_cpu / early_cpu:.2f}; first 100 vs last 100: "
              f"{statistics.median(cpu[-100:]) / statistics.median(cpu[:100]):.2f}")
        incident = batch[-1].payload.get("incident") or "INC-1000"
        started = time.perf_counter()
        report = build_report(branch, incident)
        report.to_markdown()
        print(f"  incident report of {incident} ({len(report.records)} events): "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")


def bench_verify(root: Path, count: int) -> None:
    repo = make_checkout(root / "verify")
    redact = Redactor()
    started = time.perf_counter()
    clock = None
    with AuditBranch(repo) as branch:
        done = 0
        while done < count:
            chunk, clock = events(min(5000, count - done), clock, offset=done)
            branch.append(chunk, redact)
            done += len(chunk)
        built = time.perf_counter() - started
        size = subprocess.run(["git", "-C", str(repo), "count-objects", "-vH"], capture_output=True, text=True
                              ).stdout.split("size-pack: ")[1].split("\n")[0]
        print(f"verify: built {count} records in {built:.1f}s ({count / built:.0f} records/s in backlog batches of "
              f"5,000; packs {size})")
    cpu_before = _cpu()
    with AuditBranch(repo) as branch:  # a fresh reader, so its git processes are counted when it closes
        result = verify(branch)
    cpu_used = _cpu() - cpu_before
    assert result.ok and result.records == count, result.bad
    print(f"  audit verify over {result.records} records: {result.seconds:.2f}s wall (goal <= 10 s), "
          f"{cpu_used:.2f}s CPU over python and its git processes on {os.cpu_count()} cores")
    with AuditBranch(repo) as branch:
        started = time.perf_counter()
        report = build_report(branch, "INC-1000")
        report.to_markdown()
        print(f"  incident report of INC-1000 ({len(report.records)} events) on this branch: "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")


def bench_publisher(root: Path, count: int, batch: int) -> None:
    repo = make_checkout(root / f"publish-{batch}")
    remote = make_bare(root / f"remote-{batch}.git")
    outbox = MemoryOutbox()
    outbox.events, _ = events(count)
    with AuditBranch(repo) as branch:
        publisher = Publisher(branch, outbox, remote=str(remote), batch=batch)
        started = time.perf_counter()
        report = publisher.drain()
        elapsed = time.perf_counter() - started
    assert report.ok and len(report.published) == count, report.error
    print(f"publisher: {count} records to a local bare remote, batches of {batch}: {elapsed:.1f}s = "
          f"{count / elapsed:.0f} records/s (commit, push, mark)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--appends", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--publish", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    args = parser.parse_args()
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{git}, {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} (other work on the host skews "
          "wall-clock figures)")
    root = Path(tempfile.mkdtemp(prefix="netops-bench-audit-"))
    try:
        if args.appends:
            bench_appends(root, args.appends)
        if args.records:
            bench_verify(root, args.records)
        for batch in (100, 1000) if args.publish else ():
            bench_publisher(root, args.publish, batch)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
