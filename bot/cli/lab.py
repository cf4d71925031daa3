"""`netops lab up | down | status`: run the simulated plant network in the background."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.lab import Lab
from bot.lab.topology import PLANT_FORTIOS_COUNT, PLANT_IOS_COUNT
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("lab", help="simulated devices for the demo and tests")
    parser.add_argument("--state-dir", type=Path, help="where the lab keeps its state (default: .netops/lab)")
    lab_sub = parser.add_subparsers(dest="lab_command", required=True)
    up = lab_sub.add_parser("up", help="start the lab in the background")
    up.add_argument("--ios", type=int, default=PLANT_IOS_COUNT, help=f"IOS devices in total (min {PLANT_IOS_COUNT})")
    up.add_argument("--fortios", type=int, default=PLANT_FORTIOS_COUNT,
                    help=f"FortiGates in total (min {PLANT_FORTIOS_COUNT})")
    up.set_defaults(handler=_up)
    lab_sub.add_parser("down", help="stop the lab and every device").set_defaults(handler=_down)
    status = lab_sub.add_parser("status", help="show devices, ports and faults")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)


def _dir(args: argparse.Namespace, settings: Settings) -> Path:
    return args.state_dir or settings.lab_dir


def _up(args: argparse.Namespace, settings: Settings) -> int:
    lab = Lab.up(_dir(args, settings), ios=args.ios, fortios=args.fortios)
    devices = lab.devices()
    print(f"lab up: {len(devices)} devices in {lab.manifest['start_seconds']}s (pid {lab.manifest['pid']})")
    print(f"inventory: -i {settings.repo / 'inventory'} -i {lab.inventory}")
    print(f"credentials: {lab.state_dir / 'credentials.env'} (export these to run ansible-playbook by hand)")
    return 0


def _down(args: argparse.Namespace, settings: Settings) -> int:
    Lab.attach(_dir(args, settings)).down()
    print("lab down")
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    status = Lab.attach(_dir(args, settings)).status()
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"lab running, pid {status['pid']}, {len(status['devices'])} devices")
    for d in status["devices"]:
        ports = f"ssh {d['ssh_port']}" + (f" https {d['https_port']}" if d.get("https_port") else "")
        faults = ", ".join(k for k, v in d["faults"].items() if v) or "-"
        state = "up" if d["listening"] else "UNREACHABLE"
        print(f"  {d['name']:<14} {d['platform']:<8} {d['role']:<13} {ports:<24} {state:<11} faults: {faults}")
    return 0
