"""`netops demo`: the embedded default end to end, with no Slack, devices or database.

Starts the simulated lab (or reuses a running one), validates read-only requests exactly as the
bot will, runs them through the executor and prints each JSON result, then the human summary.
"""
from __future__ import annotations

import argparse
import json

from bot.errors import LabError
from bot.executor.summary import render
from bot.lab import Lab
from bot.request_text import parse
from bot.runtime import Runtime
from bot.settings import Settings

DEMO_REQUESTS = ("ospf-neighbors device=dist-01", "ospf-neighbors device=fw-edge-01", "device-health device=cell-rtr-01")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="run read-only runbooks against the simulated lab")
    parser.add_argument("--keep-lab", action="store_true", help="leave the lab running afterwards")
    parser.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    try:
        lab, started = Lab.attach(settings.lab_dir), False
    except LabError:
        print("starting the simulated lab ...")
        lab, started = Lab.up(settings.lab_dir), True
    try:
        runtime = Runtime.load(settings)
        failed = 0
        for text in DEMO_REQUESTS:
            request = parse(text)
            print(f"\n/netops {text}")
            result = runtime.run(request.runbook, request.inputs)
            runbook = runtime.catalog.get(request.runbook)
            print(json.dumps({k: v for k, v in result.items() if k != "raw_output"}, indent=2, sort_keys=True))
            print(render(result, [f.model_dump() for f in runbook.output.fields]))
            failed += result["status"] != "succeeded"
        print(f"\n{len(DEMO_REQUESTS) - failed} of {len(DEMO_REQUESTS)} requests succeeded"
              + ("; the lab is still running (`netops lab down` stops it)" if not started or args.keep_lab else ""))
        return 1 if failed else 0
    finally:
        if started and not args.keep_lab:
            lab.down()
