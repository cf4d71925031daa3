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


# --- store (bot/store): requests, approvals, device locks, break-glass unlocks -----------------------


class StoreError(NetopsError):
    """The request store could not be opened or migrated; the message names the database URL to check."""


class RequestNotFound(NetopsError):
    """No request with that id exists in the store."""

    def __init__(self, request_id: int) -> None:
        super().__init__(f"request {request_id} does not exist; check the id on the Slack card or in "
                         "`netops requests`")
        self.request_id = request_id


class InvalidTransition(NetopsError):
    """The lifecycle does not allow moving from `current` to `target` (a programming error, not a race)."""

    def __init__(self, request_id: int | None, current: str, target: str) -> None:
        super().__init__(f"request {request_id} cannot move from {current} to {target}; "
                         "see bot/lifecycle/states.py for the allowed transitions")
        self.request_id = request_id
        self.current = current
        self.target = target


class StaleTransition(NetopsError):
    """Someone else moved the request first (double click, second worker, expiry); `current` is its state now.

    Callers usually turn this into an idempotent no-op or a short "already <state>" reply.
    """

    def __init__(self, request_id: int, current: str) -> None:
        super().__init__(f"request {request_id} is already {current}; nothing was changed, refresh the card "
                         "to see its current state")
        self.request_id = request_id
        self.current = current


class LeaseLost(NetopsError):
    """A worker no longer owns the request or its device locks, so it must not touch any device."""

    def __init__(self, request_id: int, detail: str) -> None:
        super().__init__(f"request {request_id}: {detail}; stop without touching the devices and let an "
                         "engineer look at the request")
        self.request_id = request_id
        self.detail = detail


class DeviceLocked(NetopsError):
    """A state-changing request wanted a device that another request holds exclusively."""

    def __init__(self, device: str, holder: str, runbook: str, request_id: int, incident: str | None,
                 since: str, state: str | None = None) -> None:
        context = ", ".join(part for part in (runbook, f"request {request_id}", incident) if part)
        if state == "outcome_unknown":
            hint = (f"its run ended with an unknown outcome, so an engineer must reconcile request {request_id} "
                    "(or a second engineer approve a break-glass unlock)")
        else:
            hint = "wait for it to finish or ask them"
        super().__init__(f"{device} is locked by {holder} ({context}) since {since}; {hint}")
        self.device = device
        self.holder = holder
        self.runbook = runbook
        self.request_id = request_id
        self.incident = incident
        self.since = since
        self.state = state


class NotLocked(NetopsError):
    """A break-glass unlock was asked for a device that holds no lock."""

    def __init__(self, device: str) -> None:
        super().__init__(f"{device} is not locked; there is nothing to unlock")
        self.device = device


class UnlockNotFound(NetopsError):
    """No break-glass unlock request with that id exists."""

    def __init__(self, unlock_id: int) -> None:
        super().__init__(f"unlock request {unlock_id} does not exist; check the id on the Slack card")
        self.unlock_id = unlock_id


class SelfApproval(NetopsError):
    """The person who asked for something tried to approve it; two-person rules need someone else."""

    def __init__(self, user: str, subject: str) -> None:
        super().__init__(f"{user} cannot approve their own {subject}; ask a second engineer to approve it")
        self.user = user
        self.subject = subject


class AuditWriteError(NetopsError):
    """An audit record could not be made durable on the audit branch or published to its remote.

    The record stays in the outbox and is written or pushed on the next attempt; `record_id` names it
    when one record is at fault.
    """

    def __init__(self, message: str, record_id: str | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id


class AuditVerifyError(NetopsError):
    """The audit branch failed verification; `seq`, `record_id` and `commit` name the first bad record."""

    def __init__(self, message: str, seq: int | None = None, record_id: str | None = None,
                 commit: str | None = None) -> None:
        super().__init__(message)
        self.seq = seq
        self.record_id = record_id
        self.commit = commit


class TicketError(NetopsError):
    """The ticket system refused or failed a change-record update; the audit record is unaffected.

    `status` is the HTTP status when there was one; `retry_after` (seconds) is set for rate limits so
    the caller can wait before retrying.
    """

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class PolicyDenied(NetopsError):
    """The policy said no; `decision` carries the machine reason and the message naming the fix."""

    def __init__(self, decision: object, request_id: int | None = None) -> None:
        super().__init__(getattr(decision, "message", str(decision)))
        self.decision = decision
        self.request_id = request_id
