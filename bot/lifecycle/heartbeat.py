"""Keeps a running request's worker lease (and device locks) alive from a background thread.

If a renewal finds the lease or the fencing token gone, `lost` is set and the worker cancels the
run before its next task: another party (an expired lease, a break-glass unlock) owns the device now.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("netops.worker")


class Heartbeat:
    def __init__(self, store: Any, request_id: int, worker_id: str, lease_s: float,
                 fencing_token: int | None = None, lock_lease_s: float | None = None) -> None:
        self.store, self.request_id, self.worker_id = store, request_id, worker_id
        self.lease_s, self.fencing_token = lease_s, fencing_token
        self.lock_lease_s = lock_lease_s or lease_s
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{request_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.lease_s)

    def _loop(self) -> None:
        # Renew at a third of the lease so two missed beats still leave the lease valid.
        while not self._stop.wait(self.lease_s / 3):
            try:
                alive = self.store.heartbeat(self.request_id, self.worker_id, self.lease_s)
                if alive and self.fencing_token is not None:
                    alive = self.store.renew_locks(self.request_id, self.fencing_token, self.lock_lease_s)
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the run; retry next beat
                log.exception("heartbeat for request %s failed; retrying", self.request_id)
                continue
            if not alive:
                log.error("request %s lost its lease or device locks; cancelling the run", self.request_id)
                self.lost.set()
                return
