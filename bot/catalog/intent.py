"""Renders a runbook's intent (summary and per-platform commands) with validated input values.

Placeholders are `{input_name}` and nothing else: no attribute access, indexing or format specs,
so a catalog entry cannot make rendering reach into Python objects. A bracketed segment holding a
placeholder, e.g. `ping {target}[ source {source}]`, is optional: it appears (without brackets)
only when its inputs have values. A line naming an absent input outside such a segment is
dropped. Brackets without a placeholder (`[no]:`) are literal text. Rendering is one pass, so a
value is never re-read as a template; it does not validate values, `inputs.validate_inputs` does.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.catalog.models import Platform, Runbook

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
OPTIONAL = re.compile(r"\[([^\[\]]*\{[a-z][a-z0-9_]*\}[^\[\]]*)\]")
_TOKEN = re.compile(OPTIONAL.pattern + "|" + PLACEHOLDER.pattern)


def placeholders(template: str) -> list[str]:
    """Input names referenced by `template`, in order of appearance."""
    return PLACEHOLDER.findall(template)


def mandatory_placeholders(template: str) -> list[str]:
    """Input names referenced outside optional `[...]` segments: the line needs them all."""
    return placeholders(OPTIONAL.sub("", template))


def render_line(template: str, values: Mapping[str, Any]) -> str | None:
    """`template` with placeholders filled; None if it names an absent input outside `[...]`."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        segment, name = match.group(1), match.group(2)
        if name is not None:
            missing = missing or values.get(name) is None
            return "" if values.get(name) is None else str(values[name])
        if any(values.get(n) is None for n in placeholders(segment)):
            return ""
        return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), segment)

    rendered = _TOKEN.sub(fill, template)
    return None if missing else rendered


def render_summary(runbook: Runbook, values: Mapping[str, Any]) -> str:
    # rules.py guarantees the summary needs only inputs that always have a value.
    return render_line(runbook.intent.summary, values) or runbook.intent.summary


def render_intent(runbook: Runbook, values: Mapping[str, Any], platform: Platform | str) -> list[str]:
    lines = (render_line(t, values) for t in runbook.intent.for_platform(platform))
    return [line for line in lines if line is not None]
