"""The embedded change-record backend: one Markdown file per incident under `<state_dir>/tickets/`.

`INC-1234.md` holds the description between markers, then the comments in order; every write goes
to a temporary file that is renamed into place, so a crash never leaves half a record.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Sequence

from bot.errors import TicketError
from bot.tickets.base import LABEL_EMERGENCY, LABEL_NETOPS, TicketRef, change_title

_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_BODY_END = "<!-- netops:body-end -->"
_LABELS = re.compile(r"^Labels: (.*)$", re.M)


class LocalTickets:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        name = _SAFE.sub("_", key).lstrip(".") or "ticket"
        return self.directory / f"{name}.md"

    def _ref(self, key: str) -> TicketRef:
        return TicketRef(key=key, url=self._path(key).resolve().as_uri())

    def _write(self, path: Path, text: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except OSError as exc:
            raise TicketError(f"cannot write change record {path} ({exc}); free disk space or fix permissions of "
                              f"{self.directory} — the update is retried") from exc

    def _read(self, ref: TicketRef) -> str:
        try:
            return self._path(ref.key).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise TicketError(f"change record {ref.key} does not exist in {self.directory}; create it first",
                              status=404) from exc
        except OSError as exc:
            raise TicketError(f"cannot read change record {ref.key} ({exc})") from exc

    def ensure_change_record(self, incident: str, summary: str, body: str, *, emergency: bool = True) -> TicketRef:
        ref = self._ref(incident)
        if not self._path(incident).exists():
            labels = [LABEL_NETOPS] + ([LABEL_EMERGENCY] if emergency else [])
            self._write(self._path(incident), f"# {change_title(incident, summary)}\n\nLabels: {', '.join(labels)}\n\n"
                                              f"{body.rstrip()}\n{_BODY_END}\n")
        return ref

    def open(self, reference: str) -> TicketRef:
        key = Path(reference.removeprefix("file://")).stem if reference.endswith(".md") else reference
        ref = self._ref(key)
        self._read(ref)
        return ref

    def comment(self, ref: TicketRef, markdown: str) -> str:
        text = self._read(ref)
        count = text.count("\n## Comment ") + 1
        self._write(self._path(ref.key), f"{text.rstrip()}\n\n## Comment {count}\n\n{markdown.rstrip()}\n")
        return f"{ref.url}#comment-{count}"

    def update(self, ref: TicketRef, body: str) -> None:
        text = self._read(ref)
        head, sep, tail = text.partition(_BODY_END)
        if not sep:
            raise TicketError(f"{self._path(ref.key)} lost its body marker; restore `{_BODY_END}` after the "
                              "description or delete the file to recreate it")
        labels = _LABELS.search(head)
        title = head.split("\n", 1)[0]
        prefix = f"{title}\n\n" + (f"{labels.group(0)}\n\n" if labels else "")
        self._write(self._path(ref.key), f"{prefix}{body.rstrip()}\n{_BODY_END}{tail}")

    def add_labels(self, ref: TicketRef, labels: Sequence[str]) -> None:
        text = self._read(ref)
        found = _LABELS.search(text)
        current = [x.strip() for x in found.group(1).split(",")] if found else []
        merged = ", ".join(dict.fromkeys(current + list(labels)))
        if found:
            new = _LABELS.sub(f"Labels: {merged}", text, count=1)
        else:
            new = text.replace("\n\n", f"\n\nLabels: {merged}\n\n", 1)
        self._write(self._path(ref.key), new)

    def comments(self, ref: TicketRef) -> list[str]:
        """The comments in order (for tests and the demo)."""
        parts = self._read(ref).split("\n## Comment ")[1:]
        return [part.split("\n", 2)[2].strip() if part.count("\n") >= 2 else "" for part in parts]
