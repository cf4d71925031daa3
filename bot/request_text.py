"""Parses the text of a request (`ospf-neighbors device=fw-edge-02 count=5`) into a runbook name
and raw `key=value` inputs. Shared by the CLI and the Slack command.

It only splits text; it never judges values (the catalog's input validation does that), so a value
is kept byte for byte, and the only errors here are about the shape of the text itself.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.errors import RequestSyntaxError

MAX_REQUEST_LENGTH = 1024


@dataclass(frozen=True)
class RequestText:
    runbook: str
    inputs: dict[str, str]


def parse_pairs(words: list[str]) -> dict[str, str]:
    inputs: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise RequestSyntaxError(f"{word!r} is not key=value; write inputs as name=value, e.g. device=dist-01")
        if key in inputs:
            raise RequestSyntaxError(f"{key} is given twice; give each input once")
        inputs[key] = value
    return inputs


def parse(text: str) -> RequestText:
    if len(text) > MAX_REQUEST_LENGTH:
        raise RequestSyntaxError(f"the request is {len(text)} characters long; the limit is {MAX_REQUEST_LENGTH}")
    # Split on spaces and tabs only: a newline inside the text must reach validation and be refused
    # there by name, not silently become a separator.
    words = [w for w in text.replace("\t", " ").split(" ") if w]
    if not words:
        raise RequestSyntaxError("say which runbook to run, e.g. `ospf-neighbors device=dist-01`; "
                                 "`netops catalog list` shows them all")
    return RequestText(runbook=words[0], inputs=parse_pairs(words[1:]))
