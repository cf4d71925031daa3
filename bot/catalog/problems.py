"""The structured findings carried by `CatalogError` and `InputError`.

Plain frozen records only: they are formatted for people here and serialised for audit elsewhere;
finding them is the job of the loader, the cross-checks and the input validator.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the catalog, located at `file:line` (line is 1-based, 0 when unknown)."""

    file: str
    line: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}:{field} {self.message}{hint}"


@dataclass(frozen=True)
class Finding:
    """A problem of one runbook before it is located: `path` is the key path inside the file."""

    path: tuple[str | int, ...]
    message: str
    hint: str = ""


@dataclass(frozen=True)
class InputProblem:
    """One rejected input value; `message` names the input and says what is allowed."""

    input: str
    value_repr: str
    allowed: str
    message: str
