"""What one simulated FortiGate knows: status, interfaces, OSPF, IPsec, firewall sessions and HA.

Pure Python and deterministic per device: everything is derived from the DeviceSpec (index, name,
site), so fw-edge-01 and fw-edge-02 differ in addresses and serial but every run of the same lab
looks the same. The stateful operations the runbooks exercise live here (tunnel up/down/reset,
session close, interface admin status, OSPF clear); time comes from an injected clock so tests
never sleep. This module must not know about HTTP, SSH or the FortiOS REST envelope; api.py and
cli.py render it.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import zlib
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Callable

from bot.lab.device import DeviceSpec

VERSION = "v7.4.3"
BUILD = 2573
MODEL = "FGT100F"
MODEL_NAME = "FortiGate"
MODEL_NUMBER = "100F"

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fortios"

# After `clear ospf process` a FortiGate drops every adjacency and rebuilds it; these are the
# seconds since the clear at which the neighbour enters each state (None = not listed at all).
OSPF_RECOVERY: tuple[tuple[float, str | None], ...] = (
    (0.0, None),
    (2.0, "Init"),
    (3.0, "Exchange start"),
    (4.0, "Loading"),
    (5.0, "Full"),
)
IPSEC_SA_LIFETIME_S = 43200
ALLOWACCESS = frozenset({"ping", "https", "ssh", "http", "telnet", "snmp", "fgfm", "radius-acct", "probe-response", "fabric", "ftm", "speed-test"})


class StateError(ValueError):
    """A request the device refuses; `code` is the FortiOS error number the REST API reports."""

    def __init__(self, message: str, code: int = -651, http_status: int = 500) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class NotFound(StateError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code=-3, http_status=404)


@cache
def load_fixture(name: str) -> Any:
    """Parse one recorded FortiOS response (jsonnet-ish) once per process; callers must not mutate it."""
    text = (FIXTURES / f"{name}.jsonnet").read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    # The recordings carry jsonnet's trailing commas, which JSON refuses.
    text = re.sub(r",(\s*[\]}])", r"\1", text)
    return json.loads(text)


def _unit(spec: DeviceSpec) -> int:
    """A stable per-device number; the index alone collides between fw-edge-01 and fw-branch-01."""
    return zlib.crc32(spec.name.encode()) % 1_000_000


def _site_octet(spec: DeviceSpec) -> int:
    return 10 if spec.site == "plant-a" else 20 + zlib.crc32(spec.site.encode()) % 100


@dataclass
class Interface:
    name: str
    type: str
    role: str
    ip: str  # "a.b.c.d/len"
    mac: str
    alias: str = ""
    description: str = ""
    status: str = "up"  # administrative, CMDB `set status`
    cable: bool = True  # physical link as if a cable were plugged in
    speed: int = 1000
    allowaccess: str = "ping"
    mtu: int = 1500
    counters: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def link(self) -> bool:
        return self.status == "up" and self.cable

    def cmdb(self) -> dict[str, Any]:
        iface = ipaddress.ip_interface(self.ip)
        entry = {
            "name": self.name,
            "q_origin_key": self.name,
            "vdom": "root",
            "vrf": 0,
            "mode": "static",
            "ip": f"{iface.ip} {iface.netmask}",
            "allowaccess": self.allowaccess,
            "status": self.status,
            "type": self.type,
            "alias": self.alias,
            "description": self.description,
            "role": self.role,
            "mtu-override": "disable",
            "mtu": self.mtu,
            "speed": "auto",
            "macaddr": self.mac,
        }
        entry.update(self.extra)
        return entry

    def monitor(self) -> dict[str, Any]:
        iface = ipaddress.ip_interface(self.ip)
        return {
            "id": self.name,
            "name": self.name,
            "alias": self.alias,
            "mac": self.mac,
            "ip": str(iface.ip),
            "mask": iface.network.prefixlen,
            "link": self.link,
            "speed": self.speed if self.link else 0,
            "duplex": 1 if self.link else -1,
            **self.counters,
        }


@dataclass
class OspfNeighbor:
    router_id: str
    neighbor_ip: str
    interface: str
    priority: int
    role: str  # DR / BDR / DROther, shown by the CLI after "Full/"


@dataclass
class Phase2:
    name: str
    serial: int
    src: str
    dst: str
    status: str = "up"
    expire: int = IPSEC_SA_LIFETIME_S
    incoming_bytes: int = 0
    outgoing_bytes: int = 0

    def monitor(self) -> dict[str, Any]:
        selector = lambda subnet: [{"subnet": subnet, "port": 0, "protocol": 0, "protocol_name": ""}]  # noqa: E731
        entry: dict[str, Any] = {
            "proxy_src": selector(self.src),
            "proxy_dst": selector(self.dst),
            "status": self.status,
            "p2name": self.name,
            "p2serial": self.serial,
        }
        # A FortiGate omits lifetime and counters for a selector with no SA, as the recordings show.
        if self.status == "up":
            entry.update(expire=self.expire, incoming_bytes=self.incoming_bytes, outgoing_bytes=self.outgoing_bytes)
        return entry


@dataclass
class Phase1:
    name: str
    rgwy: str
    comments: str
    creation_time: int
    tun_id: str
    phase2: list[Phase2]

    def monitor(self) -> dict[str, Any]:
        return {
            "proxyid": [p2.monitor() for p2 in self.phase2],
            "name": self.name,
            "comments": self.comments,
            "wizard-type": "custom",
            "connection_count": 1 if any(p2.status == "up" for p2 in self.phase2) else 0,
            "creation_time": self.creation_time,
            "username": "",
            "type": "automatic",
            "incoming_bytes": sum(p2.incoming_bytes for p2 in self.phase2),
            "outgoing_bytes": sum(p2.outgoing_bytes for p2 in self.phase2),
            "rgwy": self.rgwy,
            "tun_id": self.tun_id,
            "tun_id6": "::" + self.tun_id,
        }


@dataclass
class Session:
    proto: str
    saddr: str
    daddr: str
    sport: int
    dport: int
    policyid: int
    srcintf: str
    dstintf: str
    snaddr: str
    snport: int
    duration: int
    expiry: int
    sentbyte: int
    rcvdbyte: int
    username: str = ""

    def monitor(self) -> dict[str, Any]:
        entry = asdict(self)
        entry.update(
            policytype="policy",
            srcintfrole="lan" if self.srcintf.startswith("port") else "wan",
            dstintfrole="wan" if self.dstintf.startswith("wan") else "lan",
            sentpkt=max(1, self.sentbyte // 900),
            rcvdpkt=max(1, self.rcvdbyte // 1200),
            shaper="",
            country="Reserved" if self.daddr.startswith("10.") else "United States",
            fortiasic=0,
            vf_id=0,
        )
        return entry


_PROTO_NUMBER = {"tcp": 6, "udp": 17, "icmp": 1}
_SERVICES = ((443, "tcp"), (53, "udp"), (22, "tcp"), (123, "udp"), (502, "tcp"), (80, "tcp"))


class FortiosState:
    """One FortiGate's runtime state; every method is O(small) and safe to call from the event loop."""

    def __init__(self, spec: DeviceSpec, clock: Callable[[], float]) -> None:
        self.spec = spec
        self.clock = clock
        unit = _unit(spec)
        site = _site_octet(spec)
        i = spec.index
        self.hostname = spec.name
        self.serial = f"FG100FTK23{unit:06d}"
        self.peer_serial = f"FG100FTK23{(unit + 1) % 1_000_000:06d}"
        self.revision = 1
        self.interfaces = self._build_interfaces(site, i, unit)
        self.ospf = [
            OspfNeighbor(f"10.{site}.0.{10 + n}", f"10.{site}.{100 + i}.{2 + 4 * (n - 1)}", "port3" if n == 1 else "port4", 1, role)
            for n, role in ((1, "DR"), (2, "BDR"))
        ]
        self.ospf_cleared_at: float | None = None
        self.ospf_clear_count = 0
        self.tunnels = self._build_tunnels(site, i, unit)
        self.sessions = self._build_sessions(site, i)

    # ----- construction -------------------------------------------------------------------
    def _build_interfaces(self, site: int, i: int, unit: int) -> dict[str, Interface]:
        plan = (
            ("mgmt", "physical", "lan", f"192.168.{site}.{100 + i}/24", "management"),
            ("wan1", "physical", "wan", f"198.51.100.{8 * i + 1}/29", "ISP-A"),
            ("wan2", "physical", "wan", f"203.0.113.{8 * i + 1}/29", "ISP-B"),
            ("port1", "physical", "lan", f"10.{site}.{i}.1/24", "plant-servers"),
            ("port2", "physical", "lan", f"10.{site}.{10 + i}.1/24", "cell-network"),
            ("port3", "physical", "lan", f"10.{site}.{100 + i}.1/30", "to-dist-01"),
            ("port4", "physical", "lan", f"10.{site}.{100 + i}.5/30", "to-dist-02"),
            ("port5", "physical", "undefined", "0.0.0.0/0", ""),
        )
        interfaces = {}
        for n, (name, kind, role, ip, alias) in enumerate(plan):
            seed = zlib.crc32(f"{unit}:{name}".encode())
            cable = name != "port5"
            rx_packets = (seed % 90_000_000) + 1_000_000 if cable else 0
            tx_packets = (seed // 7 % 80_000_000) + 900_000 if cable else 0
            interfaces[name] = Interface(
                name=name,
                type=kind,
                role=role,
                ip=ip,
                mac=f"e0:23:ff:{unit % 256:02x}:{i % 256:02x}:{n:02x}",
                alias=alias,
                cable=cable,
                speed=10000 if name.startswith("wan") else 1000,
                allowaccess="ping https ssh" if name == "mgmt" else "ping",
                counters={
                    "tx_packets": tx_packets,
                    "rx_packets": rx_packets,
                    "tx_bytes": tx_packets * 610,
                    "rx_bytes": rx_packets * 740,
                    "tx_errors": 0,
                    "rx_errors": seed % 7 if cable else 0,
                },
            )
        return interfaces

    def _build_tunnels(self, site: int, i: int, unit: int) -> dict[str, Phase1]:
        local = f"10.{site}.{i}.0/255.255.255.0"
        plan = (
            ("to-dc-01", f"192.0.2.{10 + i}", "Primary data centre", ("10.200.0.0/255.255.0.0", "10.201.0.0/255.255.0.0")),
            ("to-cloud", f"192.0.2.{100 + i}", "Cloud VPC", ("172.16.0.0/255.240.0.0",)),
        )
        tunnels = {}
        for t, (name, rgwy, comments, remotes) in enumerate(plan):
            phase2 = [
                Phase2(
                    name=f"{name}-p2",
                    serial=n + 1,
                    src=local,
                    dst=remote,
                    expire=IPSEC_SA_LIFETIME_S - 1000 * (n + 1) - 37 * i,
                    incoming_bytes=zlib.crc32(f"{unit}:{name}:{n}:in".encode()) % 900_000_000,
                    outgoing_bytes=zlib.crc32(f"{unit}:{name}:{n}:out".encode()) % 600_000_000,
                )
                for n, remote in enumerate(remotes)
            ]
            tunnels[name] = Phase1(name, rgwy, comments, 3_978_000 + 3600 * t, f"10.0.0.{t + 1}", phase2)
        return tunnels

    def _build_sessions(self, site: int, i: int) -> list[Session]:
        wan_ip = str(ipaddress.ip_interface(self.interfaces["wan1"].ip).ip)
        sessions = []
        for n in range(36):
            dport, proto = _SERVICES[n % len(_SERVICES)]
            internal = dport == 502  # Modbus stays inside the plant, not NATed
            src_net = "port2" if n % 3 == 0 else "port1"
            saddr = f"10.{site}.{(10 + i) if src_net == 'port2' else i}.{20 + n}"
            daddr = f"10.200.{n % 4}.{10 + n}" if internal else f"93.184.{216 + n % 4}.{(n * 7) % 250 + 1}"
            sport = 40000 + 97 * n + i
            sessions.append(
                Session(
                    proto=proto,
                    saddr=saddr,
                    daddr=daddr,
                    sport=sport,
                    dport=dport,
                    policyid=(2 if internal else 1) if n % 5 else 3,
                    srcintf=src_net,
                    dstintf="to-dc-01" if internal else "wan1",
                    snaddr=saddr if internal else wan_ip,
                    snport=sport if internal else 60000 + n,
                    duration=30 + 11 * n,
                    expiry=3600 - 11 * n if proto == "tcp" else 180 - n,
                    sentbyte=1200 + 311 * n,
                    rcvdbyte=5400 + 977 * n,
                    username="operator" if n % 9 == 0 else "",
                )
            )
        return sessions

    # ----- system -------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {
            "model_name": MODEL_NAME,
            "model_number": MODEL_NUMBER,
            "model": MODEL,
            "hostname": self.hostname,
            "log_disk_status": "available",
        }

    def revision_string(self) -> str:
        return hashlib.md5(f"{self.serial}:{self.revision}".encode()).hexdigest()  # noqa: S324 - not security

    def ha_statistics(self) -> list[dict[str, Any]]:
        template = load_fixture("ha-statistics")["results"]
        uptime = 23_585_371 + 1000 * self.spec.index
        members = []
        for n, (hostname, serial) in enumerate(((self.hostname, self.serial), (f"{self.hostname}-b", self.peer_serial))):
            member = dict(template[n])
            member.update(hostname=hostname, serial_no=serial, tnow=uptime - 696 * n)
            member["sessions"] = len(self.sessions) if n == 0 else 0
            members.append(member)
        return members

    # ----- interfaces ---------------------------------------------------------------------
    def interface(self, name: str) -> Interface:
        try:
            return self.interfaces[name]
        except KeyError:
            raise NotFound(f"interface {name!r} does not exist") from None

    def update_interface(self, name: str, changes: dict[str, Any]) -> bool:
        """Apply a CMDB PUT body; returns whether anything changed. Validates everything before applying."""
        iface = self.interface(name)
        plan: dict[str, Any] = {}
        for key, value in changes.items():
            key = key.replace("_", "-")
            if key in ("name", "q-origin-key"):
                if value != name:
                    raise StateError(f"renaming interface {name!r} is not supported")
            elif key == "status":
                if value not in ("up", "down"):
                    raise StateError(f"status must be 'up' or 'down', got {value!r}")
                plan["status"] = value
            elif key == "ip":
                plan["ip"] = _parse_ip(value)
            elif key == "allowaccess":
                words = value.split() if isinstance(value, str) else list(value)
                unknown = set(words) - ALLOWACCESS
                if unknown:
                    raise StateError(f"unknown allowaccess value(s): {', '.join(sorted(unknown))}")
                plan["allowaccess"] = " ".join(words)
            elif key == "mtu":
                if not isinstance(value, int) or not 68 <= value <= 9216:
                    raise StateError(f"mtu must be an integer 68-9216, got {value!r}")
                plan["mtu"] = value
            elif key in ("alias", "description"):
                if not isinstance(value, str) or len(value) > 255:
                    raise StateError(f"{key} must be a string of at most 255 characters")
                plan[key] = value
            elif key == "vdom":
                if value != "root":
                    raise StateError(f"vdom {value!r} does not exist", code=-3, http_status=424)
            elif isinstance(value, (str, int, bool)) or value is None:
                plan.setdefault("extra", {})[key] = value
            else:
                raise StateError(f"attribute {key!r} has an unsupported value")
        changed = False
        for key, value in plan.items():
            if key == "extra":
                if any(iface.extra.get(k) != v for k, v in value.items()):
                    iface.extra.update(value)
                    changed = True
            elif getattr(iface, key) != value:
                setattr(iface, key, value)
                changed = True
        if changed:
            self.revision += 1
        return changed

    # ----- OSPF ---------------------------------------------------------------------------
    def clear_ospf(self) -> None:
        self.ospf_cleared_at = self.clock()
        self.ospf_clear_count += 1

    def ospf_phase(self) -> str | None:
        """The adjacency state every neighbour is in now: "Full", a recovery state, or None (gone)."""
        state: str | None = "Full"
        if self.ospf_cleared_at is not None:
            elapsed = self.clock() - self.ospf_cleared_at
            for since, phase in OSPF_RECOVERY:
                if elapsed >= since:
                    state = phase
        return state

    def ospf_neighbors(self) -> list[dict[str, Any]]:
        """Neighbours as the monitor API lists them, walking back to Full after a clear."""
        state = self.ospf_phase()
        if state is None:
            return []
        return [{"neighbor_ip": n.neighbor_ip, "priority": n.priority, "state": state, "router_id": n.router_id} for n in self.ospf]

    # ----- IPsec --------------------------------------------------------------------------
    def tunnel(self, p1name: str) -> Phase1:
        try:
            return self.tunnels[p1name]
        except KeyError:
            raise NotFound(f"IPsec phase1 {p1name!r} does not exist") from None

    def _phase2(self, p1name: str, p2name: str, p2serial: int | None) -> list[Phase2]:
        matches = [p2 for p2 in self.tunnel(p1name).phase2 if p2.name == p2name and (p2serial is None or p2.serial == int(p2serial))]
        if not matches:
            raise NotFound(f"IPsec phase2 {p2name!r} (serial {p2serial}) not found in {p1name!r}")
        return matches

    def tunnel_down(self, p1name: str, p2name: str, p2serial: int | None = None) -> int:
        selectors = self._phase2(p1name, p2name, p2serial)
        for p2 in selectors:
            p2.status, p2.expire, p2.incoming_bytes, p2.outgoing_bytes = "down", 0, 0, 0
        return len(selectors)

    def tunnel_up(self, p1name: str, p2name: str, p2serial: int | None = None) -> int:
        selectors = self._phase2(p1name, p2name, p2serial)
        for p2 in selectors:
            if p2.status != "up":  # a new SA starts with a full lifetime and empty counters
                p2.status, p2.expire, p2.incoming_bytes, p2.outgoing_bytes = "up", IPSEC_SA_LIFETIME_S, 0, 0
        return len(selectors)

    def tunnel_reset_stats(self, p1name: str) -> None:
        for p2 in self.tunnel(p1name).phase2:
            p2.incoming_bytes = p2.outgoing_bytes = 0

    def ipsec(self, tunnel: str | None = None) -> list[dict[str, Any]]:
        return [p1.monitor() for p1 in self.tunnels.values() if tunnel in (None, "", p1.name)]

    # ----- firewall sessions --------------------------------------------------------------
    def find_sessions(self, criteria: dict[str, Any]) -> list[Session]:
        """Sessions matching every given field exactly (proto by name or number)."""
        def matches(session: Session) -> bool:
            for key, wanted in criteria.items():
                actual = getattr(session, key)
                if key == "proto":
                    if str(wanted).lower() not in (session.proto, str(_PROTO_NUMBER[session.proto])):
                        return False
                elif str(actual) != str(wanted):
                    return False
            return True

        return [s for s in self.sessions if matches(s)]

    def close_sessions(self, criteria: dict[str, Any]) -> int:
        doomed = {id(s) for s in self.find_sessions(criteria)}
        self.sessions = [s for s in self.sessions if id(s) not in doomed]
        return len(doomed)

    def clear_sessions(self) -> int:
        count = len(self.sessions)
        self.sessions = []
        return count

    # ----- tests --------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "hostname": self.hostname,
            "serial": self.serial,
            "version": VERSION,
            "revision": self.revision,
            "interfaces": {name: {"status": i.status, "link": i.link, "ip": i.ip, **i.extra} for name, i in self.interfaces.items()},
            "ospf_neighbors": self.ospf_neighbors(),
            "ospf_clear_count": self.ospf_clear_count,
            "tunnels": {p1.name: p1.monitor() for p1 in self.tunnels.values()},
            "sessions": [s.monitor() for s in self.sessions],
        }


def _parse_ip(value: Any) -> str:
    """Accept FortiOS "a.b.c.d m.m.m.m" or "a.b.c.d/len"; store as "a.b.c.d/len"."""
    if not isinstance(value, str):
        raise StateError(f"ip must be a string, got {value!r}")
    text = "/".join(value.split())
    try:
        iface = ipaddress.IPv4Interface(text)
    except ValueError as e:
        raise StateError(f"invalid ip {value!r}") from e
    return f"{iface.ip}/{iface.network.prefixlen}"
