"""The embedded backend keeps one Markdown change record per incident, written atomically."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import TicketError
from bot.tickets.base import Ticket, TicketRef
from bot.tickets.local import LocalTickets


def test_a_record_is_created_once_then_commented_updated_and_labelled(tmp_path: Path) -> None:
    tickets = LocalTickets(tmp_path / "tickets")
    assert isinstance(tickets, Ticket)
    ref = tickets.ensure_change_record("INC-1234", "clear-ospf", "initial body")
    assert tickets.ensure_change_record("INC-1234", "other", "other body") == ref
    assert ref.url == (tmp_path / "tickets" / "INC-1234.md").resolve().as_uri()
    tickets.comment(ref, "first comment")
    tickets.update(ref, "new body")
    tickets.comment(ref, "second comment")
    tickets.add_labels(ref, ["postmortem"])
    text = (tmp_path / "tickets" / "INC-1234.md").read_text()
    assert text.startswith("# [INC-1234] clear-ospf\n\nLabels: netops, emergency-change, postmortem\n")
    assert "new body" in text and "initial body" not in text
    assert tickets.comments(ref) == ["first comment", "second comment"]
    assert [p.name for p in (tmp_path / "tickets").iterdir()] == ["INC-1234.md"]  # no temporary files left
    assert tickets.open(ref.url) == ref


def test_a_missing_record_is_a_ticket_error(tmp_path: Path) -> None:
    with pytest.raises(TicketError, match="does not exist"):
        LocalTickets(tmp_path).comment(TicketRef("INC-404", ""), "x")


def test_incident_ids_cannot_escape_the_tickets_directory(tmp_path: Path) -> None:
    ref = LocalTickets(tmp_path / "t").ensure_change_record("../../etc/passwd", "x", "y")
    assert (tmp_path / "t" / f"{ref.key.replace('/', '_').lstrip('.')}.md").exists() or any((tmp_path / "t").iterdir())
    assert not (tmp_path / "etc").exists()
