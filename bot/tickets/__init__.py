"""Change records (tickets) for incidents, fed from the audit branch."""
from bot.tickets.base import LABEL_EMERGENCY, LABEL_NETOPS, Ticket, TicketRef
from bot.tickets.github import GitHubTickets
from bot.tickets.local import LocalTickets
from bot.tickets.sync import SyncReport, TicketSync

__all__ = ["LABEL_EMERGENCY", "LABEL_NETOPS", "GitHubTickets", "LocalTickets", "SyncReport", "Ticket", "TicketRef",
           "TicketSync"]
