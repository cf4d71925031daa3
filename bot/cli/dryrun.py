"""`netops dry-run RUNBOOK key=value ...`: validate a request and run its check path.

Read-only tasks (pre-checks) run for real; nothing that changes a device runs. The result shows
the rendered intent, i.e. the exact commands or API calls a real run would send.
"""
from __future__ import annotations

import argparse
import json

from bot.executor import RunMode
from bot.executor.summary import render
from bot.runtime import Runtime
from bot.request_text import parse_pairs
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("dry-run", help="check a runbook request without changing any device")
    parser.add_argument("runbook")
    parser.add_argument("inputs", nargs="*", metavar="key=value")
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    parser.set_defaults(handler=_dry_run)


def _dry_run(args: argparse.Namespace, settings: Settings) -> int:
    runtime = Runtime.load(settings)
    result = runtime.run(args.runbook, parse_pairs(args.inputs), RunMode.CHECK)
    print(json.dumps(result, indent=2, sort_keys=True))
    if not args.json:
        runbook = runtime.catalog.get(args.runbook)
        print(f"\nwould run: {runtime.catalog.render_summary(runbook, result['inputs'])}")
        print("\n".join(f"  {line}" for line in result["intent"]))
        print(render(result, [f.model_dump() for f in runbook.output.fields]))
    return 0 if result["status"] == "succeeded" else 1
