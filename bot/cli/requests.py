"""`netops request | approve | deny | cancel | status | locks | reconcile | unlock | worker`.

The same rules as Slack: the CLI only names the user and channel the way Slack would, and the
request service decides. It is also the way to work when Slack itself is down.
"""
from __future__ import annotations

import argparse
import json
import signal
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.lifecycle.service import Channel
from bot.notify import ConsoleNotifier
from bot.request_text import parse_pairs
from bot.runtime import Runtime
from bot.settings import Settings
from bot.store import RequestRecord


def register(sub: argparse._SubParsersAction) -> None:
    request = sub.add_parser("request", help="ask for a runbook run (policy, approval and locks apply)")
    request.add_argument("runbook")
    request.add_argument("inputs", nargs="*", metavar="key=value", help="runbook inputs; incident=INC-… too")
    _who(request)
    request.add_argument("--channel", required=True, help="Slack channel name (e.g. inc-1234) or ID")
    request.add_argument("--channel-id", help="Slack channel ID, when --channel is a name")
    request.add_argument("--incident", help="incident ID, e.g. INC-1234 (same as incident=…)")
    request.set_defaults(handler=_request)

    approve = sub.add_parser("approve", help="approve a state-changing request (never your own)")
    approve.add_argument("id", type=int)
    _who(approve)
    approve.set_defaults(handler=_approve)

    deny = sub.add_parser("deny", help="reject a request awaiting approval")
    deny.add_argument("id", type=int)
    _who(deny)
    deny.add_argument("--reason", required=True)
    deny.set_defaults(handler=_deny)

    cancel = sub.add_parser("cancel", help="withdraw a request that has not started")
    cancel.add_argument("id", type=int)
    _who(cancel)
    cancel.set_defaults(handler=_cancel)

    status = sub.add_parser("status", help="one request, or the latest ones")
    status.add_argument("id", type=int, nargs="?")
    _json(status)
    status.set_defaults(handler=_status)

    locks = sub.add_parser("locks", help="device locks held now")
    _json(locks)
    locks.set_defaults(handler=_locks)

    reconcile = sub.add_parser("reconcile", help="settle a run whose outcome is unknown; releases its locks")
    reconcile.add_argument("id", type=int)
    reconcile.add_argument("--outcome", required=True, choices=["succeeded", "failed", "rolled_back"])
    reconcile.add_argument("--reason", required=True)
    _who(reconcile)
    reconcile.set_defaults(handler=_reconcile)

    unlock = sub.add_parser("unlock", help="break-glass: ask to release a device lock (a second engineer approves)")
    unlock.add_argument("device", nargs="?")
    unlock.add_argument("--reason")
    unlock.add_argument("--approve", type=int, metavar="UNLOCK_ID", help="approve someone else's unlock request")
    _who(unlock)
    unlock.set_defaults(handler=_unlock)

    worker = sub.add_parser("worker", help="run queued requests (the only process that runs Ansible)")
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    worker.add_argument("--id", default="", help="worker name in the audit trail (default: host + random)")
    worker.add_argument("--poll", type=float, default=1.0, help="seconds between queue polls")
    worker.set_defaults(handler=_worker)


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, help="your Slack user ID, e.g. U01ALICE")
    _json(parser)


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _show(record: RequestRecord, as_json: bool) -> None:
    data = _plain(asdict(record))
    if as_json:
        data.get("result", {}) and data["result"].pop("raw_output", None)
        print(json.dumps(data, indent=2, sort_keys=True))
        return
    where = f" [{record.incident}]" if record.incident else ""
    print(f"request {record.id}{where}: {record.runbook} on {', '.join(record.devices) or '-'} "
          f"by {record.requester} is {record.state.value}")
    if record.message:
        print(f"  {record.message}")
    if record.output_sha256:
        print(f"  output sha256:{record.output_sha256}")


def _request(args: argparse.Namespace, settings: Settings) -> int:
    runtime = Runtime.load(settings, need_devices=False)
    raw = parse_pairs(args.inputs)
    if args.incident:
        raw["incident"] = args.incident
    channel = Channel(id=args.channel_id or args.channel, name=args.channel)
    record = runtime.service().submit(args.runbook, raw, user=args.user, channel=channel)
    _show(record, args.json)
    return 1 if record.state.value == "denied" else 0


def _approve(args: argparse.Namespace, settings: Settings) -> int:
    _show(Runtime.load(settings, need_devices=False).service().approve(args.id, args.user), args.json)
    return 0


def _deny(args: argparse.Namespace, settings: Settings) -> int:
    _show(Runtime.load(settings, need_devices=False).service().reject(args.id, args.user, args.reason), args.json)
    return 0


def _cancel(args: argparse.Namespace, settings: Settings) -> int:
    _show(Runtime.load(settings, need_devices=False).service().cancel(args.id, args.user), args.json)
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    store = Runtime.load(settings, need_devices=False).store
    if args.id is not None:
        record = store.get_request(args.id)
        if record is None:
            from bot.errors import RequestNotFound

            raise RequestNotFound(args.id)
        _show(record, args.json)
        return 0
    records = store.list_requests(limit=50)
    if args.json:
        print(json.dumps([_plain(asdict(r)) | {"result": None} for r in records], indent=2, sort_keys=True))
    for record in [] if args.json else records:
        _show(record, False)
    return 0


def _locks(args: argparse.Namespace, settings: Settings) -> int:
    locks = Runtime.load(settings, need_devices=False).store.list_locks()
    if args.json:
        print(json.dumps([_plain(asdict(lock)) for lock in locks], indent=2, sort_keys=True))
        return 0
    if not locks:
        print("no device is locked")
    for lock in locks:
        print(f"{lock.device:<14} locked by {lock.holder} ({lock.runbook}, request {lock.request_id}"
              f"{', ' + lock.incident if lock.incident else ''}) since {lock.acquired_at:%Y-%m-%d %H:%M:%S} UTC, "
              f"token {lock.fencing_token}")
    return 0


def _reconcile(args: argparse.Namespace, settings: Settings) -> int:
    service = Runtime.load(settings, need_devices=False).service()
    _show(service.reconcile(args.id, args.user, args.outcome, args.reason), args.json)
    return 0


def _unlock(args: argparse.Namespace, settings: Settings) -> int:
    service = Runtime.load(settings, need_devices=False).service()
    if args.approve is not None:
        record = service.approve_unlock(args.approve, args.user)
        print(f"unlock {record.id} of {record.device}: {record.state.value} by {record.approved_by}")
        return 0
    if not args.device or not args.reason:
        raise SystemExit("netops unlock DEVICE --reason '…' --user U…  (or --approve UNLOCK_ID --user U…)")
    unlock_id = service.request_unlock(args.device, args.user, args.reason)
    print(f"unlock {unlock_id} requested for {args.device}; a second engineer approves it with "
          f"`netops unlock --approve {unlock_id} --user U…`")
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    runtime = Runtime.load(settings)
    worker = runtime.worker(ConsoleNotifier(), worker_id=args.id, poll_s=args.poll)
    # SIGTERM finishes the current run first: stopping mid-change would leave an unknown outcome.
    signal.signal(signal.SIGTERM, lambda *_: worker.stop.set())
    try:
        processed = worker.run(burst=args.burst)
    finally:
        if worker.audit is not None:
            worker.audit.close()
    if args.burst:
        print(f"worker {worker.worker_id}: processed {processed} request(s)")
    return 0
