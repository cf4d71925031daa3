"""Maps a key path inside a parsed YAML document (ruamel round-trip nodes) to a 1-based line number,
and turns round-trip nodes into plain values, for every loader of reviewed YAML (catalog, access).

Paths come from pydantic error locations or from rule findings. Pydantic inserts the discriminator
tag of a union (e.g. `integer` in `inputs.count.integer.max`) and `[key]` for bad mapping keys;
those steps are skipped here, so the reported field reads as it is written in the file.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.catalog.problems import Finding, Problem


def locate(document: Any, loc: Sequence[str | int]) -> tuple[int, str]:
    """Return (line, dotted field) for `loc`; the line of the deepest key that exists."""
    node = document
    line = _first_line(document)
    parts: list[str | int] = []
    for step in loc:
        if step == "[key]":
            continue
        if isinstance(node, CommentedMap):
            if step in node:
                line = node.lc.key(step)[0] + 1
                node = node[step]
                parts.append(step)
                continue
            if step == node.get("type"):
                continue  # pydantic's discriminator tag, not a key of the file
            parts.append(step)  # a missing key: keep the parent's line
            node = None
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            line = node.lc.item(step)[0] + 1
            node = node[step]
            parts.append(step)
        else:
            parts.append(step)
            node = None
    return line, dotted(parts)


def dotted(parts: Sequence[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _first_line(document: Any) -> int:
    lc = getattr(document, "lc", None)
    return (lc.line + 1) if lc is not None and lc.line is not None else 1


def locate_finding(shown: str, document: Any, finding: Finding) -> Problem:
    line, field = locate(document, finding.path)
    return Problem(shown, line, field, finding.message, finding.hint)


def plain(node: Any) -> Any:
    """ruamel's round-trip types as plain Python, so strict pydantic types judge the YAML values."""
    if isinstance(node, dict):
        return {plain(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, datetime):
        # ruamel's TimeStamp keeps the zone YAML gave (or none, which the model then rejects).
        return datetime.fromisoformat(node.isoformat())
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)
    return node
