"""The one error hierarchy of netops. Each error carries structured fields and a message that says
what to do next; the CLI prints the message, the audit log records the fields."""
from __future__ import annotations


class NetopsError(Exception):
    """Base class of every error netops raises on purpose."""


class ConfigError(NetopsError):
    """A setting is missing or invalid; the message names the variable."""


class LabError(NetopsError):
    """The simulated lab could not be started, reached or stopped."""

    def __init__(self, message: str, state_dir: str | None = None) -> None:
        super().__init__(message)
        self.state_dir = state_dir


class InventoryError(NetopsError):
    """An Ansible inventory source is missing or could not be parsed."""

    def __init__(self, message: str, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source


class CatalogError(NetopsError):
    """The runbook catalog is invalid; `problems` lists every problem found, each with file:line and a hint."""

    def __init__(self, problems: list) -> None:  # list[bot.catalog.problems.Problem]
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"the runbook catalog has {len(self.problems)} problem(s); fix them and run "
                         f"`netops catalog validate` again:\n{shown}")


class UnknownRunbook(NetopsError):
    """No runbook of that name exists; `suggestions` holds close matches."""

    def __init__(self, name: str, suggestions: list[str], known: list[str]) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        self.known = list(known)
        hint = (f"did you mean {' or '.join(self.suggestions)}?" if self.suggestions
                else f"known runbooks: {', '.join(self.known) or 'none'}")
        super().__init__(f"there is no runbook {name!r}; {hint} (`netops catalog list` shows them all)")


class InputError(NetopsError):
    """One or more runbook inputs were rejected; `problems` lists each (input, value_repr, allowed, message).

    `input`, `value_repr` and `allowed` repeat the first problem so a single bad input reads naturally.
    """

    def __init__(self, runbook: str, problems: list) -> None:  # list[bot.catalog.problems.InputProblem]
        self.runbook = runbook
        self.problems = list(problems)
        first = self.problems[0]
        self.input: str = first.input
        self.value_repr: str = first.value_repr
        self.allowed: str = first.allowed
        super().__init__("; ".join(p.message for p in self.problems))


class UnsafeValue(NetopsError):
    """A value reached the executor with a character that could split a device command.

    Validation refuses these long before; this is the executor's own last check.
    """

    def __init__(self, name: str) -> None:
        super().__init__(f"input {name} holds a control character or line break and was not sent to any device; "
                         "validate inputs with the catalog before executing")
        self.name = name


class RequestSyntaxError(NetopsError):
    """The request text is not `runbook key=value ...`; the message shows the expected form."""
