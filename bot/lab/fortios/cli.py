"""The FortiOS command line of one simulated FortiGate, as a pure line → output interpreter.

Covers what the runbooks need over SSH (`get system status`, `get router info ospf neighbor`,
`execute router clear ospf process`, `diagnose vpn tunnel list`) and answers anything else the
way FortiOS does (`Unknown action 0`, `Command fail. Return code -61`). Each command is logged as
kind "cli". It must not touch sockets or sleep; server.py feeds it lines.
"""
from __future__ import annotations

import time
from typing import Callable

from bot.lab.device import CommandLog
from bot.lab.fortios.state import BUILD, MODEL_NUMBER, VERSION, FortiosState

_VERBS = ("get", "show", "execute", "diagnose", "config", "exit")
# FortiOS shows the OSPF state with the neighbour's DR role appended only once it is Full.
_CLI_STATE = {"Init": "Init", "Exchange start": "ExStart", "Loading": "Loading", "Full": "Full"}


class FortiosCli:
    """One CLI session: `prompt` to show, `run(line)` to execute, `closed` once the user exits."""

    def __init__(self, state: FortiosState, log: CommandLog, user: str, wall_clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.log = log
        self.user = user
        self.closed = False
        self._wall_clock = wall_clock
        self._commands: dict[tuple[str, ...], Callable[[], str]] = {
            ("get", "system", "status"): self._system_status,
            ("get", "router", "info", "ospf", "neighbor"): self._ospf_neighbor,
            ("execute", "router", "clear", "ospf", "process"): self._clear_ospf,
            ("diagnose", "vpn", "tunnel", "list"): self._tunnel_list,
            ("exit",): self._exit,
        }

    @property
    def prompt(self) -> str:
        return f"{self.state.hostname} # "

    def run(self, line: str) -> str:
        """Execute one command line and return its output (no prompt), lines ending in \\n."""
        words = line.split()
        if not words:
            return ""
        self.log.record(self.state.hostname, self.user, "cli", line.strip())
        handler = self._lookup(words)
        if handler is not None:
            return handler()
        if words[0] not in _VERBS:
            return "Unknown action 0\n"
        bad = self._first_unknown(words)
        return f"command parse error before '{bad}'\nCommand fail. Return code -61\n"

    def _lookup(self, words: list[str]) -> Callable[[], str] | None:
        # FortiOS accepts any unambiguous prefix of each keyword ("get rou info os nei").
        for keywords, handler in self._commands.items():
            if len(words) == len(keywords) and all(k.startswith(w.lower()) for w, k in zip(words, keywords)):
                return handler
        return None

    def _first_unknown(self, words: list[str]) -> str:
        for depth in range(1, len(words) + 1):
            if not any(len(k) >= depth and all(kw.startswith(w.lower()) for w, kw in zip(words[:depth], k)) for k in self._commands):
                return words[depth - 1]
        return words[-1]

    # ----- commands -----------------------------------------------------------------------
    def _system_status(self) -> str:
        s = self.state
        now = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(self._wall_clock()))
        return (
            f"Version: FortiGate-{MODEL_NUMBER} {VERSION},build{BUILD},240201 (GA.F)\n"
            "Security Level: 2\n"
            "Firmware Signature: certified\n"
            "Virus-DB: 92.01234(2024-02-20 10:28)\n"
            "Extended DB: 92.01234(2024-02-20 10:27)\n"
            "IPS-DB: 27.00742(2024-02-19 01:29)\n"
            "IPS-ETDB: 0.00000(2001-01-01 00:00)\n"
            "APP-DB: 27.00742(2024-02-19 01:29)\n"
            f"Serial-Number: {s.serial}\n"
            "BIOS version: 05000013\n"
            "System Part-Number: P24262-04\n"
            "Log hard disk: Available\n"
            f"Hostname: {s.hostname}\n"
            "Private Encryption: Disable\n"
            "Operation Mode: NAT\n"
            "Current virtual domain: root\n"
            "Max number of virtual domains: 10\n"
            "Virtual domains status: 1 in NAT mode, 0 in TP mode\n"
            "Virtual domain configuration: disable\n"
            "FIPS-CC mode: disable\n"
            "Current HA mode: a-p, primary\n"
            "Cluster uptime: 272 days, 23 hours, 9 minutes, 31 seconds\n"
            f"Cluster state change time: 2024-02-21 08:14:02\n"
            f"Branch point: {BUILD}\n"
            "Release Version Information: GA\n"
            "System time: " + now + "\n"
            "Last reboot reason: warm reboot\n"
        )

    def _ospf_neighbor(self) -> str:
        phase = self.state.ospf_phase()
        lines = [
            "OSPF process 0, VRF 0:",
            "Neighbor ID     Pri   State           Dead Time   Address         Interface",
        ]
        if phase is not None:
            for n in self.state.ospf:
                shown = _CLI_STATE.get(phase, phase) + (f"/{n.role}" if phase == "Full" else "/DROther")
                lines.append(f"{n.router_id:<15} {n.priority:>4}   {shown:<15} 00:00:3{n.priority + 4}    {n.neighbor_ip:<15} {n.interface}")
        return "\n".join(lines) + "\n"

    def _clear_ospf(self) -> str:
        self.state.clear_ospf()
        return ""

    def _tunnel_list(self) -> str:
        lines = ["list all ipsec tunnel in vd 0"]
        for p1 in self.state.tunnels.values():
            local = self.state.interfaces["wan1"].ip.split("/")[0]
            lines.append("------------------------------------------------------")
            lines.append(f"name={p1.name} ver=2 serial={p1.tun_id.split('.')[-1]} {local}:0->{p1.rgwy}:0 tun_id={p1.tun_id} tun_id6={p1.tun_id}")
            for p2 in p1.phase2:
                state = "up" if p2.status == "up" else "down"
                lines.append(
                    f"  proxyid={p2.name} proto=0 sa={1 if state == 'up' else 0} ref=2 serial={p2.serial} "
                    f"status={state}\n    src: 0:{p2.src}:0\n    dst: 0:{p2.dst}:0"
                )
                if state == "up":
                    lines.append(f"    SA:  ref=3 options=18227 type=00 soft=0 mtu=1438 expire={p2.expire}/0B replaywin=2048")
                    lines.append(f"    stat: rxp={p2.incoming_bytes // 1200} txp={p2.outgoing_bytes // 900} rxb={p2.incoming_bytes} txb={p2.outgoing_bytes}")
        return "\n".join(lines) + "\n"

    def _exit(self) -> str:
        self.closed = True
        return ""
