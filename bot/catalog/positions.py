"""Maps a key path inside a parsed YAML document (ruamel round-trip nodes) to a 1-based line number.

Paths come from pydantic error locations or from rule findings. Pydantic inserts the discriminator
tag of a union (e.g. `integer` in `inputs.count.integer.max`) and `[key]` for bad mapping keys;
those steps are skipped here, so the reported field reads as it is written in the file.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq


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
