"""`netops incident report INC-1234 [--format md|json] [--post]`: the incident's audit timeline;
`netops incident bind INC-1234 --channel C…`: the channel's requests belong to that incident.

Built from the audit branch alone; `--post` adds it as a comment to the incident's change record.
"""
from __future__ import annotations

import argparse
import json

from bot.audit.report import build_report
from bot.audit.wiring import commit_link_from_settings, open_branch, redactor_from_settings
from bot.settings import Settings
from bot.tickets.factory import tickets_from_settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("incident", help="incident reports from the audit trail")
    incident_sub = parser.add_subparsers(dest="incident_command", required=True)
    report = incident_sub.add_parser("report", help="every request, approval, run, result and hash of an incident")
    report.add_argument("incident", metavar="INC", help="incident id, e.g. INC-1234")
    report.add_argument("--format", choices=("md", "json"), default="md")
    report.add_argument("--post", action="store_true", help="also post it to the incident's change record")
    report.set_defaults(handler=_report)
    bind = incident_sub.add_parser("bind", help="bind a Slack channel to an incident (requests there carry it)")
    bind.add_argument("incident", metavar="INC", help="incident id, e.g. INC-1234")
    bind.add_argument("--channel", required=True, metavar="C…", help="Slack channel ID")
    bind.add_argument("--user", required=True, help="your Slack user ID (recorded in the audit trail)")
    bind.set_defaults(handler=_bind)


def _bind(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import Runtime

    service = Runtime.load(settings, need_devices=False).service()
    previous = service.bind_incident(args.channel, args.incident, args.user)
    moved = f" (was {previous})" if previous and previous != args.incident else ""
    print(f"channel {args.channel} is bound to {args.incident}{moved}")
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    with open_branch(settings) as branch:
        report = build_report(branch, args.incident, commit_link=commit_link_from_settings(settings))
    markdown = report.to_markdown()
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.format == "json" else markdown, end="")
    if args.format == "json":
        print()
    if args.post:
        tickets = tickets_from_settings(settings)
        ref = tickets.ensure_change_record(args.incident, "incident report", "Change record kept by netops.")
        url = tickets.comment(ref, redactor_from_settings(settings).text(markdown))
        print(f"posted to {url}")
    return 0
