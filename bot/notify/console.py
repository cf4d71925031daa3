"""Notifier for the CLI, the demo and jump hosts without Slack: JSON line first, then the text."""
from __future__ import annotations

import json
import logging
import sys
import threading
from typing import TextIO

from bot.notify.base import Notification

log = logging.getLogger("netops.notify")


class ConsoleNotifier:
    def __init__(self, stream: TextIO | None = None, with_json: bool = True) -> None:
        self.stream = stream or sys.stdout
        self.with_json = with_json
        self._lock = threading.Lock()  # the heartbeat thread may notify while the worker does

    def notify(self, notification: Notification) -> None:
        lines = []
        if self.with_json:
            lines.append(json.dumps({"request": notification.request_id, "event": notification.event,
                                     **({"data": notification.data} if notification.data else {})},
                                    sort_keys=True, default=str))
        lines.append(f"[request {notification.request_id}] {notification.event}: {notification.text}")
        try:
            with self._lock:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
        except OSError:
            log.exception("could not write notification for request %s", notification.request_id)
