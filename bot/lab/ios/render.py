"""IOS `show` output rendered from an `IosState`, column for column like the real device.

The layouts follow the captures in `bot/lab/fixtures/cisco_ios/` (ntc-templates test data), so the
same TextFSM templates that parse a real switch parse this output; the unit tests prove it. Text is
built on demand and never cached per device, and the large constant blocks are module-level strings
shared by every simulated device. Each function returns lines joined by "\n" with no trailing newline;
it must not change state, know about modes or privilege (that is `cli.py`) or touch the network.
"""
from __future__ import annotations

from ipaddress import IPv4Address

from bot.lab.ios.state import OSPF_PROCESS, Interface, IosState, OspfNeighbor

_CRYPTO_NOTICE = """\
This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.
Importers, exporters, distributors and users are responsible for
compliance with U.S. and local country laws. By using this product you
agree to comply with applicable laws and regulations. If you are unable
to comply with U.S. and local laws, return this product immediately.

A summary of U.S. laws governing Cisco cryptographic products may be found at:
http://www.cisco.com/wwl/export/crypto/tool/stqrg.html

If you require further assistance please contact us by sending email to
export@cisco.com."""

_GPL_NOTICE = """\
Cisco IOS-XE software, Copyright (c) 2005-2019 by cisco Systems, Inc.
All rights reserved.  Certain components of Cisco IOS-XE software are
licensed under the GNU General Public License ("GPL") Version 2.0.  The
software code licensed under GPL Version 2.0 is free software that comes
with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such
GPL code under the terms of GPL Version 2.0.  For more details, see the
documentation or "License Notice" file accompanying the IOS-XE software,
or the applicable URL provided on the flyer accompanying the IOS-XE
software."""

_LOGGING_HEADER = """\
Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)

No Active Message Discriminator.



No Inactive Message Discriminator.


    Console logging: disabled
    Monitor logging: level debugging, 0 messages logged, xml disabled,
                     filtering disabled
    Buffer logging:  level debugging, {count} messages logged, xml disabled,
                    filtering disabled
    Exception Logging: size (4096 bytes)
    Count and timestamp logging messages: disabled
    Persistent logging: disabled

No active filter modules.

    Trap logging: level informational, {count} message lines logged
        Logging Source-Interface:       VRF Name:

Log Buffer (16384 bytes):
"""

_ETHERNET_COUNTERS = """\
     {in_packets} packets input, {in_bytes} bytes, 0 no buffer
     Received {broadcasts} broadcasts ({multicasts} multicasts)
     0 runts, 0 giants, 0 throttles
     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored
     0 watchdog, {multicasts} multicast, 0 pause input
     0 input packets with dribble condition detected
     {out_packets} packets output, {out_bytes} bytes, 0 underruns
     0 output errors, 0 collisions, {resets} interface resets
     0 unknown protocol drops
     0 babbles, 0 late collision, 0 deferred
     0 lost carrier, 0 no carrier, 0 pause output
     0 output buffer failures, 0 output buffers swapped out"""


def duration(seconds: int) -> str:
    """IOS uptime wording: `1 year, 3 weeks, 2 days, 4 hours, 5 minutes`, zero parts left out."""
    minutes, hours_rest = divmod(seconds // 60, 60)
    parts: list[str] = []
    days_total, hours = divmod(minutes, 24)
    years, days_rest = divmod(days_total, 365)
    weeks, days = divmod(days_rest, 7)
    for value, unit in ((years, "year"), (weeks, "week"), (days, "day"), (hours, "hour"), (hours_rest, "minute")):
        if value or unit == "minute":
            parts.append(f"{value} {unit}{'' if value == 1 else 's'}")
    return ", ".join(parts)


def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _stamp(state: IosState, at: float) -> str:
    wall = state.wall(at)
    return f"{wall:%b} {wall.day:2d} {wall:%H:%M:%S}.{wall.microsecond // 1000:03d}"


# -- show version / inventory / vlan ---------------------------------------------------------------
def show_version(state: IosState) -> str:
    v = state.version
    restarted = state.wall(state.now() - state.uptime_s())
    if v.kind == "switch":
        banner = (f"Cisco IOS XE Software, Version 16.09.03\n"
                  f"Cisco IOS Software [{v.train}], Catalyst L3 Switch Software ({v.software_image}), "
                  f"Version {v.version}, RELEASE SOFTWARE (fc2)")
        hardware = (f"cisco {v.model} (X86) processor with 1419496K/6147K bytes of memory.\n"
                    f"Processor board ID {v.serial}\n"
                    f"36 Virtual Ethernet interfaces\n"
                    f"{52 if v.model.endswith('48P') else 28} Gigabit Ethernet interfaces\n"
                    f"2048K bytes of non-volatile configuration memory.\n"
                    f"8388608K bytes of physical memory.\n"
                    f"1638400K bytes of Crash Files at crashinfo:.\n"
                    f"11264000K bytes of Flash at flash:.\n"
                    f"0K bytes of WebUI ODM Files at webui:.\n\n"
                    f"Base Ethernet MAC Address          : {v.base_mac}\n"
                    f"Motherboard Assembly Number        : 73-18140-03\n"
                    f"Motherboard Serial Number          : FOC{v.serial[3:]}\n"
                    f"Model Revision Number              : D0\n"
                    f"Motherboard Revision Number        : B0\n"
                    f"Model Number                       : {v.model}\n"
                    f"System Serial Number               : {v.serial}\n")
        image = "flash:packages.conf"
    else:
        banner = (f"Cisco IOS XE Software, Version 16.09.03\n"
                  f"Cisco IOS Software [{v.train}], ISR Software ({v.software_image}), "
                  f"Version {v.version}, RELEASE SOFTWARE (fc2)")
        hardware = (f"cisco {v.model} (1RU) processor with 1795979K/6147K bytes of memory.\n"
                    f"Processor board ID {v.serial}\n"
                    f"3 Gigabit Ethernet interfaces\n"
                    f"32768K bytes of non-volatile configuration memory.\n"
                    f"4194304K bytes of physical memory.\n"
                    f"3223551K bytes of flash memory at bootflash:.\n")
        image = "bootflash:isr4300-universalk9.16.09.03.SPA.bin"
    return (
        f"{banner}\n"
        "Technical Support: http://www.cisco.com/techsupport\n"
        "Copyright (c) 1986-2019 by Cisco Systems, Inc.\n"
        "Compiled Wed 20-Mar-19 08:02 by mcpre\n\n\n"
        f"{_GPL_NOTICE}\n\n\n"
        "ROM: IOS-XE ROMMON\n"
        "BOOTLDR: System Bootstrap, Version 16.9.1r [FC2], RELEASE SOFTWARE (P)\n\n"
        f"{state.hostname} uptime is {duration(state.uptime_s())}\n"
        f"Uptime for this control processor is {duration(state.uptime_s() + 360)}\n"
        f"System returned to ROM by Reload Command\n"
        f"System restarted at {restarted:%H:%M:%S} UTC {restarted:%a %b} {restarted.day} {restarted:%Y}\n"
        f'System image file is "{image}"\n'
        "Last reload reason: Reload Command\n\n\n\n"
        f"{_CRYPTO_NOTICE}\n\n\n"
        f"{hardware}\n"
        "Configuration register is 0x102"
    )


def show_inventory(state: IosState) -> str:
    v = state.version
    if v.kind == "switch":
        return (f'NAME: "c93xx Stack", DESCR: "c93xx Stack"\n'
                f"PID: {v.model:<18}, VID: V02  , SN: {v.serial}\n\n"
                f'NAME: "Switch 1", DESCR: "{v.model}"\n'
                f"PID: {v.model:<18}, VID: V02  , SN: {v.serial}")
    return (f'NAME: "Chassis", DESCR: "Cisco ISR4331 Chassis"\n'
            f"PID: {v.model:<18}, VID: V04  , SN: {v.serial}")


def _wrap_ports(ports: list[str], width: int = 31) -> list[str]:
    lines, current = [], ""
    for port in ports:
        candidate = f"{current}, {port}" if current else port
        if len(candidate) > width and current:
            lines.append(current + ",")
            current = port
        else:
            current = candidate
    return lines + [current]


def show_vlan_brief(state: IosState) -> str:
    members: dict[str, list[str]] = {"1": [], "10": []}
    for interface in state.interfaces.values():
        if interface.switchport and interface.vlan in members:
            members[interface.vlan].append(interface.short)
    rows = ["", "VLAN Name                             Status    Ports",
            "---- -------------------------------- --------- -------------------------------"]
    for vlan, name in (("1", "default"), ("10", "users")):
        wrapped = _wrap_ports(members[vlan])
        rows.append(f"{vlan:<4} {name:<32} {'active':<9} {wrapped[0]}".rstrip())
        rows.extend(f"{'':<48}{line}" for line in wrapped[1:])
    for vlan, name in (("1002", "fddi-default"), ("1003", "token-ring-default"), ("1004", "fddinet-default"),
                       ("1005", "trnet-default")):
        rows.append(f"{vlan:<4} {name:<32} act/unsup")
    return "\n".join(rows)


# -- interfaces --------------------------------------------------------------------------------------
def _status_words(interface: Interface) -> tuple[str, str, str]:
    """(line status, protocol status, switch suffix) as `show interfaces` words them."""
    if not interface.admin_up:
        return "administratively down", "down", "disabled"
    if not interface.link_up:
        return "down", "down", "notconnect"
    return "up", "up", "connected"


def _counters(state: IosState, interface: Interface) -> dict[str, int]:
    seed = interface.counter_seed
    elapsed = state.elapsed()
    # Counters only move while the link is up.
    rate = 3 + seed % 40 if interface.oper_up else 0
    in_packets = seed + int(rate * elapsed)
    out_packets = seed * 2 + int(rate * 1.5 * elapsed)
    return {
        "in_packets": in_packets, "in_bytes": in_packets * 412, "out_packets": out_packets,
        "out_bytes": out_packets * 388, "broadcasts": in_packets // 50, "multicasts": in_packets // 60,
        "resets": 1 + seed % 3, "in_rate": rate * 412 * 8, "in_pps": rate, "out_rate": int(rate * 1.5) * 388 * 8,
        "out_pps": int(rate * 1.5),
    }


def show_interface(state: IosState, interface: Interface) -> str:
    line, protocol, suffix = _status_words(interface)
    switch_port = state.version.kind == "switch" and interface.physical
    lines = [f"{interface.name} is {line}, line protocol is {protocol}" + (f" ({suffix})" if switch_port else "")]
    if interface.name.startswith("Loopback"):
        lines.append("  Hardware is Loopback")
    else:
        hardware = ("Ethernet SVI" if interface.name.startswith("Vlan")
                    else "Gigabit Ethernet" if state.version.kind == "switch" else "ISR4331-3x1GE")
        lines.append(f"  Hardware is {hardware}, address is {interface.mac} (bia {interface.mac})")
    if interface.description:
        lines.append(f"  Description: {interface.description}")
    if interface.ipv4:
        lines.append(f"  Internet address is {interface.ipv4.with_prefixlen}")
    if interface.name.startswith("Loopback"):
        lines += ["  MTU 1514 bytes, BW 8000000 Kbit/sec, DLY 5000 usec,",
                  "     reliability 255/255, txload 1/255, rxload 1/255",
                  "  Encapsulation LOOPBACK, loopback not set",
                  "  Keepalive set (10 sec)"]
    else:
        lines += [f"  MTU 1500 bytes, BW {interface.bandwidth_kbit} Kbit/sec, DLY 10 usec,",
                  "     reliability 255/255, txload 1/255, rxload 1/255",
                  "  Encapsulation ARPA, loopback not set",
                  "  Keepalive set (10 sec)"]
    if interface.physical:
        if interface.oper_up:
            lines.append(f"  Full-duplex, 1000Mb/s, media type is {interface.media}")
        else:
            lines.append(f"  Auto-duplex, Auto-speed, media type is {interface.media}")
        lines.append("  input flow-control is off, output flow-control is unsupported")
    counters = _counters(state, interface)
    if not interface.name.startswith("Loopback"):
        lines.append("  ARP type: ARPA, ARP Timeout 04:00:00")
    last = "00:00:00" if interface.oper_up else "never"
    lines += [f"  Last input {last}, output {last}, output hang never",
              '  Last clearing of "show interface" counters never',
              "  Input queue: 0/375/0/0 (size/max/drops/flushes); Total output drops: 0",
              "  Queueing strategy: fifo",
              "  Output queue: 0/40 (size/max)",
              f"  5 minute input rate {counters['in_rate']} bits/sec, {counters['in_pps']} packets/sec",
              f"  5 minute output rate {counters['out_rate']} bits/sec, {counters['out_pps']} packets/sec",
              _ETHERNET_COUNTERS.format(**counters)]
    return "\n".join(lines)


def show_interfaces(state: IosState, only: Interface | None = None) -> str:
    interfaces = [only] if only else list(state.interfaces.values())
    return "\n".join(show_interface(state, interface) for interface in interfaces)


def show_interfaces_status(state: IosState) -> str:
    rows = ["", "Port      Name               Status       Vlan       Duplex  Speed Type"]
    for interface in state.interfaces.values():
        if not interface.physical:
            continue
        status = _status_words(interface)[2]
        duplex, speed = ("a-full", "a-1000") if interface.oper_up else ("auto", "auto")
        rows.append(f"{interface.short:<9} {interface.description[:18]:<18} {status:<12} {interface.vlan:<10} "
                    f"{duplex:>6} {speed:>6} {interface.media}")
    return "\n".join(rows)


def show_ip_interface_brief(state: IosState) -> str:
    rows = ["Interface                  IP-Address      OK? Method Status                Protocol"]
    for interface in state.interfaces.values():
        line, protocol, _ = _status_words(interface)
        address = str(interface.ipv4.ip) if interface.ipv4 else "unassigned"
        method = "NVRAM" if interface.ipv4 else "unset"
        rows.append(f"{interface.name:<26} {address:<15} YES {method:<6} {line:<21} {protocol}")
    return "\n".join(rows)


def show_ip_interface(state: IosState) -> str:
    blocks = []
    for interface in state.interfaces.values():
        line, protocol, _ = _status_words(interface)
        block = [f"{interface.name} is {line}, line protocol is {protocol}"]
        if interface.ipv4:
            block += [f"  Internet address is {interface.ipv4.with_prefixlen}",
                      "  Broadcast address is 255.255.255.255",
                      "  Address determined by non-volatile memory",
                      f"  MTU is {1514 if interface.name.startswith('Loopback') else 1500} bytes",
                      "  Helper address is not set",
                      "  Directed broadcast forwarding is disabled",
                      "  Outgoing Common access list is not set",
                      "  Inbound  access list is not set",
                      "  Proxy ARP is enabled",
                      "  ICMP redirects are always sent",
                      "  IP fast switching is enabled"]
        else:
            block.append("  Internet protocol processing disabled")
        blocks.append("\n".join(block))
    return "\n".join(blocks)


# -- OSPF ------------------------------------------------------------------------------------------------
def _dead_time(state: IosState, neighbor: OspfNeighbor) -> str:
    # Hellos every 10 s reset a 40 s dead timer: the countdown cycles between 00:00:39 and 00:00:30.
    phase = int(state.now() + sum(map(ord, neighbor.router_id))) % 10
    return _hms(39 - phase)


def _visible_neighbors(state: IosState) -> list[tuple[OspfNeighbor, str]]:
    listed = []
    for neighbor in state.neighbors:
        ospf_state = state.neighbor_state(neighbor)
        if ospf_state is not None:
            listed.append((neighbor, ospf_state))
    return listed


def show_ip_ospf_neighbor(state: IosState) -> str:
    rows = ["", "Neighbor ID     Pri   State           Dead Time   Address         Interface"]
    for neighbor, ospf_state in _visible_neighbors(state):
        rows.append(f"{neighbor.router_id:<15} {neighbor.priority:>3}   {ospf_state + '/  -':<15} "
                    f"{_dead_time(state, neighbor):<11} {neighbor.address:<15} {neighbor.interface}")
    return "\n".join(rows)


def show_ip_ospf_neighbor_detail(state: IosState) -> str:
    blocks = []
    for neighbor, ospf_state in _visible_neighbors(state):
        # Counted from the simulator's start, not boot: the template only reads hh:mm:ss, never "3w2d".
        since = neighbor.restarted_at if neighbor.restarted_at is not None else state.now() - state.elapsed() - 600
        blocks.append(
            f" Neighbor {neighbor.router_id}, interface address {neighbor.address}\n"
            f"    In the area 0 via interface {neighbor.interface}\n"
            f"    Neighbor priority is {neighbor.priority}, State is {ospf_state}, "
            f"{neighbor.state_changes} state changes\n"
            "    DR is 0.0.0.0 BDR is 0.0.0.0\n"
            "    Options is 0x52\n"
            "    LLS Options is 0x1 (LR), last OOB-Resync 00:03:08 ago\n"
            f"    Dead timer due in {_dead_time(state, neighbor)}\n"
            f"    Neighbor is up for {_hms(state.now() - since)}\n"
            "    Index 1/1, retransmission queue length 0, number of retransmission 0\n"
            "    First 0x0(0)/0x0(0) Next 0x0(0)/0x0(0)\n"
            "    Last retransmission scan length is 0, maximum is 0\n"
            "    Last retransmission scan time is 0 msec, maximum is 0 msec"
        )
    return "\n\n".join(blocks)


def show_ip_ospf_interface_brief(state: IosState) -> str:
    rows = ["Interface    PID   Area            IP Address/Mask    Cost  State Nbrs F/C"]
    for interface in state.interfaces.values():
        if interface.ospf_cost is None or interface.ipv4 is None:
            continue
        if interface.name.startswith("Loopback"):
            ospf_state, counts = "LOOP", "0/0"
        elif not interface.oper_up:
            ospf_state, counts = "DOWN", "0/0"
        else:
            adjacent = [n for n in state.neighbors if n.interface == interface.name]
            full = sum(1 for n in adjacent if state.neighbor_state(n) == "FULL")
            present = sum(1 for n in adjacent if state.neighbor_state(n) is not None)
            ospf_state, counts = "P2P", f"{full}/{present}"
        rows.append(f"{interface.short:<12} {OSPF_PROCESS:<5} {'0':<15} {interface.ipv4.with_prefixlen:<18} "
                    f"{interface.ospf_cost:<5} {ospf_state:<5} {counts}")
    return "\n".join(rows)


def show_ip_route_summary(state: IosState) -> str:
    connected = 2 * sum(1 for i in state.interfaces.values() if i.ipv4 and i.oper_up)
    ospf = 2 * sum(1 for _, s in _visible_neighbors(state) if s == "FULL")

    def row(source: str, networks: object, subnets: object, replicates: object, overhead: object,
            memory: object) -> str:
        return f"{source:<16}{networks!s:<12}{subnets!s:<12}{replicates!s:<12}{overhead!s:<12}{memory}".rstrip()

    return "\n".join([
        "IP routing table name is default (0x0)",
        "IP routing table maximum-paths is 32",
        "Route Source    Networks    Subnets     Replicates  Overhead    Memory (bytes)",
        row("connected", 0, connected, 0, connected * 96, connected * 288),
        row("static", 0, 0, 0, 0, 0),
        row("application", 0, 0, 0, 0, 0),
        row(f"ospf {OSPF_PROCESS}", 0, ospf, 0, ospf * 96, ospf * 288),
        f"  Intra-area: {ospf} Inter-area: 0 External-1: 0 External-2: 0",
        "  NSSA External-1: 0 NSSA External-2: 0",
        row("internal", 3, "", "", "", 1740),
        row("Total", 3, connected + ospf, 0, (connected + ospf) * 96, (connected + ospf) * 288 + 1740),
    ])


# -- logging / ping / running-config -----------------------------------------------------------------------
def show_logging(state: IosState) -> str:
    boot = state.now() - state.uptime_s() + 90
    lines = [f"{_stamp(state, boot)}: %OSPF-5-ADJCHG: Process {OSPF_PROCESS}, Nbr {n.router_id} on {n.interface} "
             "from LOADING to FULL, Loading Done" for n in state.neighbors]
    lines += [f"{_stamp(state, event.at)}: {event.message}" for event in state.visible_events()]
    return _LOGGING_HEADER.format(count=len(lines)) + "\n".join(lines)


def ping(destination: IPv4Address, repeat: int, size: int, reachable: bool, source: str | None = None,
         df_bit: bool = False) -> str:
    marks = ("!" if reachable else ".") * repeat
    lines = ["Type escape sequence to abort.",
             f"Sending {repeat}, {size}-byte ICMP Echos to {destination}, timeout is 2 seconds:"]
    if source:
        lines.append(f"Packet sent with a source address of {source}")
    if df_bit:
        lines.append("Packet sent with the DF bit set")
    lines += [marks[i:i + 70] for i in range(0, len(marks), 70)]
    if reachable:
        lines.append(f"Success rate is 100 percent ({repeat}/{repeat}), round-trip min/avg/max = 1/2/4 ms")
    else:
        lines.append(f"Success rate is 0 percent (0/{repeat})")
    return "\n".join(lines)


def _interface_config(state: IosState, interface: Interface) -> list[str]:
    lines = [f"interface {interface.name}"]
    if interface.description:
        lines.append(f" description {interface.description}")
    if interface.switchport:
        if interface.vlan == "trunk":
            lines.append(" switchport mode trunk")
        else:
            lines += [f" switchport access vlan {interface.vlan}", " switchport mode access"]
    elif interface.physical and state.version.kind == "switch":
        lines.append(" no switchport")
    if interface.ipv4:
        lines.append(f" ip address {interface.ipv4.ip} {interface.ipv4.netmask}")
        if interface.physical and interface.ospf_cost is not None:
            lines.append(" ip ospf network point-to-point")
    elif not interface.switchport:
        lines.append(" no ip address")
    if not interface.admin_up:
        lines.append(" shutdown")
    return lines + ["!"]


def show_running_config(state: IosState) -> str:
    changed = state.wall()
    body = ["!", f"! Last configuration change at {changed:%H:%M:%S} UTC {changed:%a %b} {changed.day} {changed:%Y}",
            "!", "version 16.9", "service timestamps debug datetime msec", "service timestamps log datetime msec",
            "no service password-encryption", "!", f"hostname {state.hostname}", "!", "boot-start-marker",
            "boot-end-marker", "!", "logging buffered 16384", "enable secret 9 $9$lab$simulated", "!",
            "no aaa new-model"]
    if state.version.kind == "switch":
        body += [f"switch 1 provision {state.version.model.lower()}", "!", "ip routing", "!",
                 "spanning-tree mode rapid-pvst"]
    body += ["!", "no ip domain lookup", f"ip domain name {state.spec.site}.lab", "!"]
    for interface in state.interfaces.values():
        body += _interface_config(state, interface)
    body += ["router ospf 1", f" router-id {state.router_id}", " passive-interface Loopback0",
             " network 10.0.0.0 0.255.255.255 area 0", "!", "ip forward-protocol nd", "no ip http server",
             "no ip http secure-server", "ip ssh version 2", "!", "line con 0", " stopbits 1", "line vty 0 4",
             " login local", " transport preferred none", " transport input ssh", "line vty 5 15",
             " login local", " transport input ssh", "!", "end"]
    text = "\n".join(body)
    return f"Building configuration...\n\nCurrent configuration : {len(text) + 1} bytes\n{text}"


# (pid, runtime ms, invoked, name): a plausible busy-switch process table, same on every device.
_PROCESSES = ((12, 418230, 2140711, "ARP Input"), (87, 95321, 811442, "OSPF-1 Hello"),
              (152, 60412, 30115, "IP Input"), (203, 22011, 95002, "CDP Protocol"), (1, 8, 30, "Chunk Manager"))


def show_processes_cpu(state: IosState) -> str:
    """`show processes cpu sorted`: utilisation varies per device so health output differs by host."""
    five_sec = 3 + state.spec.index % 7
    lines = [
        f"CPU utilization for five seconds: {five_sec}%/1%; one minute: {five_sec - 1}%; five minutes: {five_sec - 2}%",
        " PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process ",
    ]
    for pid, runtime, invoked, name in _PROCESSES:
        usecs = runtime * 1000 // invoked
        lines.append(f"{pid:4d} {runtime:11d} {invoked:11d} {usecs:10d}  0.07%  0.05%  0.04%   0 {name:<16}")
    return "\n".join(lines)
