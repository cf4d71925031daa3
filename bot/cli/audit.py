"""`netops audit verify | log | publish`: check, read and publish the audit branch.

Thin CLI over `bot.audit`; `verify` exits 1 and names the first bad record when the chain is broken.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from bot.audit.outbox import OutboxSource
from bot.audit.timeline import render, timeline
from bot.audit.verify import verify
from bot.audit.wiring import open_branch, publisher_from_settings, ticket_sync_from_settings
from bot.runtime import open_store
from bot.settings import Settings


def outbox_from_settings(settings: Settings) -> OutboxSource:
    """The lifecycle store's outbox table."""
    return open_store(settings)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("audit", help="verify, read and publish the audit branch")
    audit_sub = parser.add_subparsers(dest="audit_command", required=True)
    check = audit_sub.add_parser("verify", help="recompute every hash and the chain; name the first bad record")
    check.add_argument("--witness", metavar="SHA", help="a previously witnessed head that must still be in the history")
    check.add_argument("--ref", help="verify another ref, e.g. origin/audit in a fresh clone (default: the branch)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_verify)
    log = audit_sub.add_parser("log", help="the audit trail as a timeline")
    log.add_argument("--incident", metavar="INC", help="only this incident's records")
    log.add_argument("--json", action="store_true")
    log.set_defaults(handler=_log)
    publish = audit_sub.add_parser("publish", help="drain the outbox onto the branch and its remote, once")
    publish.add_argument("--no-tickets", action="store_true", help="do not update change records afterwards")
    publish.add_argument("--follow", action="store_true",
                         help="keep publishing until stopped (the one publisher of a multi-worker site)")
    publish.add_argument("--interval", type=float, default=2.0, help="seconds between drains with --follow")
    publish.set_defaults(handler=_publish)


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    with open_branch(settings) as branch:
        result = verify(branch, ref=args.ref, witness=args.witness)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0 if result.ok else 1
    if result.ok:
        witness = f"; witness {args.witness} is in the history" if args.witness else ""
        print(f"audit OK: {result.records} records on {settings.audit_branch}, head "
              f"{(result.head or '-')[:12]}, chain hash {(result.head_hash or '-')[:16]}…{witness} "
              f"({result.seconds:.2f}s)")
        return 0
    print(f"audit BROKEN after {result.records} good records: {result.bad}", file=sys.stderr)
    return 1


def _log(args: argparse.Namespace, settings: Settings) -> int:
    with open_branch(settings) as branch:
        lines = timeline(branch, incident=args.incident)
    if args.json:
        print(json.dumps(lines, indent=2, ensure_ascii=False))
    elif lines:
        print(render(lines))
    else:
        print(f"no audit records{' for ' + args.incident if args.incident else ''} on {settings.audit_branch}")
    return 0


def _publish(args: argparse.Namespace, settings: Settings) -> int:
    outbox = outbox_from_settings(settings)
    stop = threading.Event()
    if args.follow:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with open_branch(settings) as branch:
        publisher = publisher_from_settings(settings, outbox, branch)
        while True:
            ok = _publish_once(args, settings, branch, publisher)
            if not args.follow or stop.wait(args.interval):
                return 0 if ok else 1


def _publish_once(args: argparse.Namespace, settings: Settings, branch: Any, publisher: Any) -> bool:
    report = publisher.drain()
    if report.published or not args.follow or report.error:
        print(f"audit {report.outcome.value}: {len(report.published)} record(s) published "
              f"({report.committed} committed, {report.reapplied} re-applied on the remote), head "
              f"{(report.head or '-')[:12]}", flush=True)
    if report.error:
        print(f"audit: {report.error}", file=sys.stderr)
    if not args.no_tickets:
        synced = ticket_sync_from_settings(settings, branch, publisher).run_once()
        if synced.processed or not args.follow:
            print(f"tickets: {synced.processed} record(s) synced, {synced.commented} comment(s)", flush=True)
        if synced.error:
            print(f"tickets: {synced.error}", file=sys.stderr)
    return report.ok
