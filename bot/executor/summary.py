"""Human-readable text rendered from a `RunResult` dict (never the other way round).

`fields` comes from the runbook's catalog `output` section: which keys of each device's result to
show and how (`text`, `table` with columns, `list`, `key_value`). Keys may be dotted paths into the
device result, including its `pre_check` and `post_check`. Unknown keys are skipped, never guessed.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[str]:
    if not rows:
        return ["    (none)"]
    columns = list(columns) or sorted({key for row in rows for key in row})
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    lines = ["    " + "  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines += ["    " + "  ".join(str(r.get(c, "")).ljust(w) for c, w in zip(columns, widths)) for r in rows]
    return lines


_MISSING = object()


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _field(label: str, value: Any, spec: Mapping[str, Any]) -> list[str]:
    fmt = spec.get("format", "text")
    if fmt == "table" and isinstance(value, list):
        return [f"  {label}:", *_table(value, spec.get("columns") or [])]
    if fmt == "list" and isinstance(value, list):
        return [f"  {label}:", *(f"    {item}" for item in value)] if value else [f"  {label}: (none)"]
    if fmt == "key_value" and isinstance(value, Mapping):
        return [f"  {label}:", *(f"    {k}: {v}" for k, v in value.items())]
    return [f"  {label}: {value}"]


def render(result: Mapping[str, Any], fields: Iterable[Mapping[str, Any]] = ()) -> str:
    fields = list(fields)
    head = (f"{result['runbook']} [{result['mode']}] {result['status']} rc={result['return_code']} "
            f"in {result['duration_s']}s on {', '.join(result['devices'])}")
    lines = [head, f"output sha256:{result['output_sha256']}"]
    for name, device in sorted(result["per_device"].items()):
        changed = " (changed)" if device["changed"] else ""
        lines.append(f"{name}: {device['status']}{changed}")
        if device.get("error"):
            lines.append(f"  error: {device['error']}")
        data = {**(device.get("result") or {}), "pre_check": device.get("pre_check"),
                "post_check": device.get("post_check")}
        for spec in fields or [{"key": k, "label": k} for k in sorted(device.get("result") or {})]:
            value = _lookup(data, spec["key"])
            if value is not _MISSING and value is not None:
                lines += _field(spec.get("label", spec["key"]), value, spec)
    return "\n".join(lines)
