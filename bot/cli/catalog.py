"""`netops catalog validate | list | schema`: check the runbook catalog, show it, refresh its schema.

Thin CLI over `bot.catalog`; the checks themselves live there, so CI and the bot run the same ones.
"""
from __future__ import annotations

import argparse
import json
import sys

from bot.access import load_access
from bot.catalog import load_catalog, write_schema
from bot.catalog.schema import SCHEMA_FILE, schema_text
from bot.errors import CatalogError
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("catalog", help="validate and list the runbook catalog")
    catalog_sub = parser.add_subparsers(dest="catalog_command", required=True)
    catalog_sub.add_parser("validate", help="check every runbook (and access.yml) against models, playbooks, "
                           "roles and inventory"
                           ).set_defaults(handler=_validate)
    listing = catalog_sub.add_parser("list", help="show the runbooks")
    listing.add_argument("--json", action="store_true", help="print the full entries as JSON")
    listing.set_defaults(handler=_list)
    catalog_sub.add_parser("schema", help=f"rewrite {SCHEMA_FILE} from the models").set_defaults(handler=_schema)


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    try:
        catalog = load_catalog(settings.repo)
        # access.yml names the catalog's roles and runbooks, so it is reviewed in the same gate.
        load_access(settings.repo, catalog)
    except CatalogError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"catalog invalid: {len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    schema = settings.repo / SCHEMA_FILE
    if not schema.is_file() or schema.read_text(encoding="utf-8") != schema_text():
        print(f"{SCHEMA_FILE}: out of date with the models (hint: run `netops catalog schema`)")
        return 1
    print(f"catalog OK: {len(catalog)} runbooks, access rules OK")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    catalog = load_catalog(settings.repo)
    if args.json:
        print(json.dumps([rb.model_dump(mode="json") for rb in catalog], indent=2))
        return 0
    for rb in catalog:
        platforms = ",".join(p.value for p in rb.targets.platforms)
        print(f"{rb.name:<20} {rb.mode.value:<15} {platforms:<12} {rb.summary}")
    return 0


def _schema(args: argparse.Namespace, settings: Settings) -> int:
    path = write_schema(settings.repo)
    print(f"wrote {path.relative_to(settings.repo)}")
    return 0
