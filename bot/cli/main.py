"""Entry point of the `netops` console script: builds the parser, settings, and dispatches."""
from __future__ import annotations

import argparse
import logging
import sys

from bot.cli import audit, catalog, demo, dryrun, incident, lab, requests
from bot.errors import NetopsError
from bot.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netops", description="Reviewed network runbooks, run safely.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    lab.register(sub)
    demo.register(sub)
    dryrun.register(sub)
    catalog.register(sub)
    audit.register(sub)
    incident.register(sub)
    requests.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        return int(args.handler(args, Settings.from_env()) or 0)
    except NetopsError as exc:
        print(f"netops: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
