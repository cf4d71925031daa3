"""Consistency rules of `access.yml` that its pydantic models cannot express field by field: across
the file itself, against the runbook catalog and against the inventory.

Each rule yields a `Finding` whose path points at the offending key, so the loader can report the
line. Roles that runbooks name but access.yml lacks are found in the runbook files, so those findings
carry the runbook's file. Nothing here reads files or decides requests.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase

from bot.access.models import AccessFile
from bot.catalog.models import Channel, Mode, Runbook
from bot.catalog.problems import Finding
from bot.inventory import Inventory


def check_file(model: AccessFile) -> list[Finding]:
    return [*_group_handles(model), *_channel_overlap(model), *_changes(model)]


def check_catalog(model: AccessFile, runbooks: Iterable[Runbook]) -> list[Finding]:
    """Findings inside access.yml about the runbooks its changes name."""
    by_name = {rb.name: rb for rb in runbooks}
    findings: list[Finding] = []
    for i, change in enumerate(model.changes):
        for j, name in enumerate(change.runbooks):
            runbook = by_name.get(name)
            if runbook is None:
                findings.append(Finding(("changes", i, "runbooks", j), f"there is no runbook {name!r}",
                                        f"known runbooks: {', '.join(sorted(by_name))}"))
            elif Channel.CHANGE not in runbook.channels:
                findings.append(Finding(("changes", i, "runbooks", j), f"{name} may not run in change channels",
                                        f"add change to `channels` in runbook_catalog/{name}.yml or drop it here"))
        precheck = by_name.get(change.precheck.runbook)
        if precheck is None:
            findings.append(Finding(("changes", i, "precheck", "runbook"),
                                    f"there is no runbook {change.precheck.runbook!r}",
                                    "name a read_only runbook, e.g. interface-counters"))
        elif precheck.mode is not Mode.READ_ONLY:
            findings.append(Finding(("changes", i, "precheck", "runbook"),
                                    f"the pre-check {precheck.name} is state_changing",
                                    "a pre-check only looks; name a read_only runbook"))
    return findings


def unknown_role_findings(model: AccessFile, runbook: Runbook) -> list[Finding]:
    """Findings inside one runbook file: roles it names that access.yml does not define."""
    hint = f"define it under roles in runbook_catalog/access.yml, or use one of {', '.join(sorted(model.roles))}"
    findings = [Finding(("allowed_roles", i), f"role {role!r} is not defined in access.yml", hint)
                for i, role in enumerate(runbook.allowed_roles) if role not in model.roles]
    findings += [Finding(("approval", "approver_roles", i), f"role {role!r} is not defined in access.yml", hint)
                 for i, role in enumerate(runbook.approval.approver_roles) if role not in model.roles]
    return findings


def check_inventory(model: AccessFile, inventory: Inventory) -> list[Finding]:
    hosts = set(inventory.hosts())
    return [Finding(("changes", i, "devices", j), f"{device} is not an inventory host",
                    "use the inventory name of the device, e.g. acc-03")
            for i, change in enumerate(model.changes) for j, device in enumerate(change.devices) if device not in hosts]


def _group_handles(model: AccessFile) -> Iterator[Finding]:
    for role, spec in model.roles.items():
        for i, member in enumerate(spec.members):
            if member.startswith("@") and member[1:] not in model.user_groups:
                yield Finding(("roles", role, "members", i), f"user group {member} is not listed under user_groups",
                              f"add `{member[1:]}: [U…]` under user_groups (its members would otherwise be nobody)")


def _channel_overlap(model: AccessFile) -> Iterator[Finding]:
    # A channel that is both kinds would make "which reference does this request need?" ambiguous.
    incident, change = model.channels.incident, model.channels.change
    for i, channel_id in enumerate(change.ids):
        if channel_id in incident.ids:
            yield Finding(("channels", "change", "ids", i), f"{channel_id} is also an incident channel",
                          "a channel is either an incident or a change channel; remove one")
    for i, name in enumerate(change.names):
        if name in incident.names or any(fnmatchcase(name, p) for p in incident.patterns):
            yield Finding(("channels", "change", "names", i), f"#{name} is also an incident channel",
                          "a channel is either an incident or a change channel; rename it or change the pattern")


def _changes(model: AccessFile) -> Iterator[Finding]:
    change_channels = {*model.channels.change.names, *model.channels.change.ids}
    seen: set[str] = set()
    for i, change in enumerate(model.changes):
        if change.id in seen:
            yield Finding(("changes", i, "id"), f"change {change.id} is listed twice", "give each change its own ID")
        seen.add(change.id)
        if change.channel not in change_channels:
            yield Finding(("changes", i, "channel"), f"{change.channel} is not a change channel",
                          "list it under channels.change (names or ids), or use one that is")
