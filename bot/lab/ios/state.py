"""The live model of one simulated Cisco IOS device: interfaces, OSPF adjacencies, version, log buffer.

Everything is derived deterministically from the `DeviceSpec` (role + index), so dist-01 always has
the same addresses and neighbours, and the neighbours of two devices agree with each other. Time
comes from an injectable monotonic clock: OSPF re-convergence, counters and uptime advance with it,
so tests move time instead of sleeping. This module is pure data and rules; it must not render CLI
text (that is `render.py`), parse commands (`cli.py`) or do any I/O.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from ipaddress import IPv4Interface
from typing import Any, Callable

from bot.lab.device import DeviceSpec

OSPF_PROCESS = 1
DEFAULT_RECONVERGE_S = 3.0
# How many log events a device keeps; the IOS buffer is bounded too, and 200+ devices share a process.
LOG_BUFFER_EVENTS = 200

# (full name, IOS short name) in the order IOS resolves an ambiguous abbreviation.
INTERFACE_TYPES: tuple[tuple[str, str], ...] = (
    ("GigabitEthernet", "Gi"),
    ("TenGigabitEthernet", "Te"),
    ("FastEthernet", "Fa"),
    ("Loopback", "Lo"),
    ("Vlan", "Vl"),
    ("Port-channel", "Po"),
    ("Tunnel", "Tu"),
)
_ROLE_CODE = {"distribution": 1, "access": 2, "cell_router": 3, "firewall": 4}
LinkPair = tuple[IPv4Interface, IPv4Interface]
_INTERFACE_NAME = re.compile(r"^([A-Za-z-]+)\s*(\d+(?:/\d+)*(?:\.\d+)?)$")


@dataclass(slots=True)
class Interface:
    """One interface. `link_up` is the cable (fixed by the topology); `admin_up` is `shutdown`."""

    name: str
    switchport: bool
    vlan: str  # "10", "trunk" or "routed" as `show interfaces status` prints it
    admin_up: bool
    link_up: bool
    mac: str
    bandwidth_kbit: int
    media: str  # `show interfaces status` Type column; "" for logical interfaces
    ipv4: IPv4Interface | None = None
    description: str = ""
    ospf_cost: int | None = None  # None: OSPF is not enabled on this interface
    counter_seed: int = 0

    @property
    def short(self) -> str:
        return short_name(self.name)

    @property
    def oper_up(self) -> bool:
        return self.admin_up and self.link_up

    @property
    def physical(self) -> bool:
        return self.name.startswith(("GigabitEthernet", "TenGigabitEthernet", "FastEthernet"))


@dataclass(slots=True)
class OspfNeighbor:
    """An adjacency on a point-to-point link; `restarted_at` is when it last went down (None: never)."""

    router_id: str
    address: str
    interface: str
    priority: int = 0
    restarted_at: float | None = None
    state_changes: int = 6


@dataclass(frozen=True, slots=True)
class VersionInfo:
    model: str
    serial: str
    base_mac: str  # colon form, as `show version` prints it
    software_image: str
    version: str
    train: str
    kind: str  # "switch" | "router"
    boot_uptime_s: int  # uptime when the simulator started


@dataclass(frozen=True, slots=True)
class LogEvent:
    at: float  # monotonic time; events in the future (a pending OSPF FULL) are not shown yet
    message: str


def short_name(name: str) -> str:
    for full, short in INTERFACE_TYPES:
        if name.startswith(full):
            return short + name[len(full):]
    return name


def expand_interface_name(text: str) -> str | None:
    """`gi1/0/1`, `Gi 1/0/1`, `GigabitEthernet1/0/1` → `GigabitEthernet1/0/1`; None if not a name."""
    match = _INTERFACE_NAME.match(text.strip())
    if not match:
        return None
    typed, number = match.group(1).lower(), match.group(2)
    candidates = [full for full, _ in INTERFACE_TYPES if full.lower().startswith(typed)]
    # IOS resolves a prefix to the first type in its own table, so "t" means TenGigabitEthernet.
    return candidates[0] + number if candidates else None


def _mac(role_code: int, index: int, port: int) -> str:
    return f"7c{role_code:02x}.{index & 0xFFFF:04x}.{port & 0xFFFF:04x}"


def _loopback(role: str, index: int) -> str:
    if role == "distribution":
        return f"10.255.0.{index}"
    if role == "cell_router":
        return f"10.255.3.{index}"
    if role == "firewall":
        return f"10.255.4.{index}"
    high, low = divmod(index - 1, 250)
    return f"10.255.{10 + high}.{low + 1}"


def _access_uplink(dist: int, access: int) -> LinkPair:
    """The /30 between dist-`dist` and acc-`access`: (dist side, access side)."""
    block, slot = divmod(access - 1, 64)
    base = f"10.{100 + dist}.{block}."
    return IPv4Interface(f"{base}{4 * slot + 1}/30"), IPv4Interface(f"{base}{4 * slot + 2}/30")


def _cell_uplink(dist: int, cell: int) -> LinkPair:
    base = f"10.{110 + dist}.0."
    return IPv4Interface(f"{base}{4 * (cell - 1) + 1}/30"), IPv4Interface(f"{base}{4 * (cell - 1) + 2}/30")

# The plant's fixed size as the distribution pair sees it (bot.lab.topology): eight access switches
# and four cell routers hang off each distribution switch.
_PLANT_ACCESS = 8
_PLANT_CELLS = 4


class IosState:
    """The mutable state of one device; every change also appends what IOS would log."""

    def __init__(
        self,
        spec: DeviceSpec,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        reconverge_s: float = DEFAULT_RECONVERGE_S,
    ) -> None:
        self.spec = spec
        self.hostname = spec.name
        self.clock = clock
        self.reconverge_s = reconverge_s
        self._mono0 = clock()
        self._wall0 = wall_clock()
        self.interfaces: dict[str, Interface] = {}
        self.neighbors: list[OspfNeighbor] = []
        self.events: list[LogEvent] = []
        self.router_id = _loopback(spec.role, spec.index)
        self.config_changes = 0
        self.version = self._build_version()
        self._build_topology()

    # -- time ---------------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock()

    def wall(self, at: float | None = None) -> datetime:
        at = self.now() if at is None else at
        return datetime.fromtimestamp(self._wall0 + (at - self._mono0), tz=timezone.utc)

    def elapsed(self) -> float:
        """Seconds since the simulator built this device."""
        return self.now() - self._mono0

    def uptime_s(self) -> int:
        return self.version.boot_uptime_s + int(self.elapsed())

    # -- construction ---------------------------------------------------------------------------
    def _build_version(self) -> VersionInfo:
        spec, code = self.spec, _ROLE_CODE.get(self.spec.role, 9)
        serial = f"FCW{2200 + code:04d}{spec.index % 10000:04d}"
        mac = f"7c:21:0e:{code:02x}:{(spec.index >> 8) & 0xFF:02x}:{spec.index & 0xFF:02x}"
        uptime = (3 * 7 + spec.index % 20) * 86400 + code * 3600 + spec.index * 60
        if spec.role in ("cell_router", "firewall"):
            return VersionInfo("ISR4331/K9", serial, mac, "X86_64_LINUX_IOSD-UNIVERSALK9-M", "16.9.3", "Fuji",
                               "router", uptime)
        model = "C9300-24T" if spec.role == "distribution" else "C9300-48P"
        return VersionInfo(model, serial, mac, "CAT9K_IOSXE", "16.9.3", "Fuji", "switch", uptime)

    def _add(self, name: str, **kwargs: Any) -> Interface:
        code = _ROLE_CODE.get(self.spec.role, 9)
        port = len(self.interfaces) + 1
        kwargs.setdefault("mac", _mac(code, self.spec.index, port))
        kwargs.setdefault("counter_seed", (self.spec.index * 7919 + port * 104729) % 9_000_000)
        interface = Interface(name=name, **kwargs)
        self.interfaces[name] = interface
        return interface

    def _build_topology(self) -> None:
        role, index = self.spec.role, self.spec.index
        self._add("Loopback0", switchport=False, vlan="routed", admin_up=True, link_up=True,
                  bandwidth_kbit=8000000, media="", ipv4=IPv4Interface(f"{self.router_id}/32"), ospf_cost=1)
        if role == "access":
            self._build_access(index)
        elif role == "distribution":
            self._build_distribution(index)
        else:
            self._build_router(index)

    def _routed(self, name: str, ipv4: IPv4Interface, description: str, link_up: bool = True) -> Interface:
        return self._add(name, switchport=False, vlan="routed", admin_up=True, link_up=link_up,
                         bandwidth_kbit=1000000, media="10/100/1000BaseTX", ipv4=ipv4,
                         description=description, ospf_cost=1)

    def _neighbor(self, router_id: str, address: IPv4Interface, interface: str) -> None:
        self.neighbors.append(OspfNeighbor(router_id, str(address.ip), interface))

    def _build_access(self, index: int) -> None:
        for port in range(1, 49):
            # A fixed, per-host pattern of patched ports keeps outputs varied but reproducible.
            patched = (port * 7 + index) % 3 != 0
            self._add(f"GigabitEthernet1/0/{port}", switchport=True, vlan="10", admin_up=True, link_up=patched,
                      bandwidth_kbit=1000000 if patched else 10000, media="10/100/1000BaseTX")
        for dist in (1, 2):
            dist_side, access_side = _access_uplink(dist, index)
            name = f"GigabitEthernet1/1/{dist}"
            self._routed(name, access_side, f"uplink to dist-{dist:02d}")
            self._neighbor(_loopback("distribution", dist), dist_side, name)
        for port in (3, 4):
            self._add(f"GigabitEthernet1/1/{port}", switchport=True, vlan="trunk", admin_up=True, link_up=False,
                      bandwidth_kbit=10000, media="Not Present")
        high, low = divmod(index - 1, 250)
        self._add("Vlan1", switchport=False, vlan="routed", admin_up=False, link_up=True,
                  bandwidth_kbit=1000000, media="")
        self._add("Vlan10", switchport=False, vlan="routed", admin_up=True, link_up=True, bandwidth_kbit=1000000,
                  media="", ipv4=IPv4Interface(f"10.{150 + high}.{low + 1}.1/24"), description="users")

    def _build_distribution(self, index: int) -> None:
        peer = 3 - index if index in (1, 2) else 1
        for port in range(1, 25):
            name = f"GigabitEthernet1/0/{port}"
            if port <= _PLANT_ACCESS:
                dist_side, access_side = _access_uplink(index, port)
                self._routed(name, dist_side, f"to acc-{port:02d}")
                self._neighbor(_loopback("access", port), access_side, name)
            elif 16 < port <= 16 + _PLANT_CELLS:
                dist_side, cell_side = _cell_uplink(index, port - 16)
                self._routed(name, dist_side, f"to cell-rtr-{port - 16:02d}")
                self._neighbor(_loopback("cell_router", port - 16), cell_side, name)
            elif port == 24:
                low, high = sorted((index, peer))
                ours = IPv4Interface(f"10.99.0.{1 if index == low else 2}/30")
                theirs = IPv4Interface(f"10.99.0.{2 if index == low else 1}/30")
                self._routed(name, ours, f"to dist-{peer:02d}")
                self._neighbor(_loopback("distribution", peer), theirs, name)
            else:
                self._add(name, switchport=True, vlan="1", admin_up=True, link_up=False, bandwidth_kbit=10000,
                          media="10/100/1000BaseTX")
        self._add("Vlan1", switchport=False, vlan="routed", admin_up=False, link_up=True,
                  bandwidth_kbit=1000000, media="")

    def _build_router(self, index: int) -> None:
        if self.spec.role == "cell_router":
            for dist in (1, 2):
                dist_side, cell_side = _cell_uplink(dist, index)
                name = f"GigabitEthernet0/0/{dist - 1}"
                self._routed(name, cell_side, f"uplink to dist-{dist:02d}")
                self._neighbor(_loopback("distribution", dist), dist_side, name)
        else:
            self._routed("GigabitEthernet0/0/0", IPv4Interface(f"10.120.{index}.1/30"), "outside")
            self._routed("GigabitEthernet0/0/1", IPv4Interface(f"10.121.{index}.1/30"), "inside")
        lan = self._routed("GigabitEthernet0/0/2", IPv4Interface(f"192.168.{index % 256}.1/24"), "cell LAN")
        lan.ospf_cost = None

    # -- queries ----------------------------------------------------------------------------------
    def interface(self, text: str) -> Interface | None:
        """The interface `text` names (any IOS abbreviation), or None if this device has none such."""
        full = expand_interface_name(text)
        return self.interfaces.get(full) if full else None

    def neighbor_state(self, neighbor: OspfNeighbor) -> str | None:
        """FULL, a transient state while re-converging, or None when the adjacency is gone."""
        interface = self.interfaces[neighbor.interface]
        if not interface.oper_up:
            return None
        if neighbor.restarted_at is None:
            return "FULL"
        elapsed = self.now() - neighbor.restarted_at
        if elapsed >= self.reconverge_s:
            return "FULL"
        fraction = elapsed / self.reconverge_s
        return "INIT" if fraction < 0.4 else "EXSTART" if fraction < 0.7 else "LOADING"

    def visible_events(self) -> list[LogEvent]:
        now = self.now()
        return [event for event in self.events if event.at <= now]

    # -- changes ----------------------------------------------------------------------------------
    def _log(self, message: str, at: float | None = None) -> None:
        self.events.append(LogEvent(self.now() if at is None else at, message))
        self.events.sort(key=lambda event: event.at)
        del self.events[:-LOG_BUFFER_EVENTS]

    def set_shutdown(self, name: str, shutdown: bool) -> None:
        interface = self.interfaces[name]
        if interface.admin_up != shutdown:
            return  # IOS logs nothing when the state does not change
        self.config_changes += 1
        adjacent = [n for n in self.neighbors if n.interface == name]
        if shutdown:
            was_up = interface.oper_up
            for neighbor in adjacent:
                if self.neighbor_state(neighbor) is not None:
                    self._log(f"%OSPF-5-ADJCHG: Process {OSPF_PROCESS}, Nbr {neighbor.router_id} on {name} "
                              "from FULL to DOWN, Neighbor Down: Interface down or detached")
            interface.admin_up = False
            self._log(f"%LINK-5-CHANGED: Interface {name}, changed state to administratively down")
            if was_up:
                self._log(f"%LINEPROTO-5-UPDOWN: Line protocol on Interface {name}, changed state to down")
            return
        interface.admin_up = True
        if not interface.link_up:
            self._log(f"%LINK-3-UPDOWN: Interface {name}, changed state to down")
            return
        self._log(f"%LINK-3-UPDOWN: Interface {name}, changed state to up")
        self._log(f"%LINEPROTO-5-UPDOWN: Line protocol on Interface {name}, changed state to up")
        self._restart(adjacent, reason=None)

    def set_description(self, name: str, description: str) -> None:
        self.interfaces[name].description = description
        self.config_changes += 1

    def clear_ospf(self) -> None:
        """`clear ip ospf process`: every adjacency drops and comes back after `reconverge_s`."""
        self._restart(self.neighbors, reason="Adjacency forced to reset")

    def _restart(self, neighbors: list[OspfNeighbor], reason: str | None) -> None:
        now = self.now()
        for neighbor in neighbors:
            if self.neighbor_state(neighbor) is None:
                continue
            if reason:
                self._log(f"%OSPF-5-ADJCHG: Process {OSPF_PROCESS}, Nbr {neighbor.router_id} on "
                          f"{neighbor.interface} from FULL to DOWN, Neighbor Down: {reason}")
            neighbor.restarted_at = now
            neighbor.state_changes += 6
            # Logged now, shown once the clock passes it, like the real message arriving later.
            self._log(f"%OSPF-5-ADJCHG: Process {OSPF_PROCESS}, Nbr {neighbor.router_id} on "
                      f"{neighbor.interface} from LOADING to FULL, Loading Done", at=now + self.reconverge_s)

    def log_config(self, user: str | None, peer: str) -> None:
        self._log(f"%SYS-5-CONFIG_I: Configured from console by {user or 'unknown'} on vty0 ({peer})")

    # -- tests ------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "hostname": self.hostname,
            "interfaces": {
                name: {
                    "admin": "up" if i.admin_up else "down",
                    "oper": "up" if i.oper_up else "down",
                    "description": i.description,
                    "ipv4": str(i.ipv4) if i.ipv4 else None,
                }
                for name, i in self.interfaces.items()
            },
            "ospf_neighbors": [
                {"neighbor_id": n.router_id, "address": n.address, "interface": n.interface,
                 "state": self.neighbor_state(n) or "DOWN"}
                for n in self.neighbors
            ],
            "log": [event.message for event in self.visible_events()],
        }
