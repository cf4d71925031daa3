"""The IOS command-line interpreter of one session: modes, privilege, prompts and the command grammar.

It turns one typed line into the text IOS would print before the next prompt, including IOS's own
error wording (`% Invalid input detected at '^' marker.` with the caret under the bad word,
`% Incomplete command.`, `% Ambiguous command:`), because Ansible's ios terminal plugin decides
success or failure by matching exactly those strings. Keywords may be abbreviated as on IOS
(`sh ip int br`, `conf t`). It is pure: no sockets, no sleeping, no command log; the SSH server
(`server.py`) owns echo, line endings, faults and logging, and asks `logged_text()` what to record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from ipaddress import IPv4Address, IPv4Network
from typing import Callable

from bot.lab.ios import render
from bot.lab.ios.state import IosState

DEFAULT_UNREACHABLE: tuple[IPv4Network, ...] = (IPv4Network("203.0.113.0/24"),)
INVALID_INPUT = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."
ACCESS_DENIED = "% Access denied"
CLEAR_OSPF_PROMPT = "Reset ALL OSPF processes? [no]: "
PASSWORD_PROMPT = "Password: "
CONFIG_BANNER = "Enter configuration commands, one per line.  End with CNTL/Z."


class Mode(str, Enum):
    USER = "user"
    PRIVILEGED = "privileged"
    CONFIG = "config"
    CONFIG_IF = "config-if"


@dataclass(frozen=True)
class Reply:
    """What the device prints after a line, before the next prompt ("\\n" line ends)."""

    output: str = ""
    close: bool = False  # the session ends (exit / logout)


class CliError(Exception):
    """A line IOS rejects; `column` is where the caret goes, counted within the typed line."""

    def __init__(self, kind: str, column: int = 0) -> None:
        super().__init__(kind)
        self.kind = kind  # "invalid" | "incomplete" | "ambiguous"
        self.column = column


@dataclass(frozen=True)
class Node:
    """One word of the grammar: a keyword, or an argument of `arg` kind; `action` names a handler."""

    word: str | None = None
    arg: str | None = None  # ifname | ipv4 | word | line | rest | number:LO-HI
    children: tuple["Node", ...] = ()
    action: str | None = None
    privileged: bool = False
    switch_only: bool = False


def kw(word: str, *children: Node, action: str | None = None, privileged: bool = False,
       switch_only: bool = False) -> Node:
    return Node(word=word, children=children, action=action, privileged=privileged, switch_only=switch_only)


def arg(kind: str, *children: Node, action: str | None = None) -> Node:
    return Node(arg=kind, children=children, action=action)


_SHOW = kw(
    "show",
    kw("cdp", action="show_cdp"),
    kw("clock", action="show_clock"),
    kw("interfaces", kw("status", action="show_interfaces_status"),
       arg("ifname", action="show_interface"), action="show_interfaces"),
    kw("inventory", action="show_inventory"),
    kw("ip",
       kw("interface", kw("brief", action="show_ip_interface_brief"), action="show_ip_interface"),
       kw("ospf",
          kw("neighbor", kw("detail", action="show_ip_ospf_neighbor_detail"), action="show_ip_ospf_neighbor"),
          kw("interface", kw("brief", action="show_ip_ospf_interface_brief"))),
       kw("route", kw("summary", action="show_ip_route_summary"))),
    kw("ipv6", kw("interface", action="show_nothing")),
    kw("lldp", action="show_lldp"),
    kw("logging", action="show_logging", privileged=True),
    kw("privilege", action="show_privilege"),
    kw("processes", kw("cpu", kw("sorted", action="show_processes_cpu"), action="show_processes_cpu")),
    kw("running-config", action="show_running_config", privileged=True),
    kw("startup-config", action="show_running_config", privileged=True),
    kw("version", action="show_version"),
    kw("vlan", kw("brief", action="show_vlan"), action="show_vlan", switch_only=True),
)

# `ping [vrf NAME] [ip] ADDRESS [options]`, the forms cisco.ios.ios_ping sends.
_PING_TARGET = arg("ipv4", arg("rest", action="ping"), action="ping")

EXEC_GRAMMAR: tuple[Node, ...] = (
    kw("clear", kw("ip", kw("ospf", kw("process", action="clear_ospf"),
                             arg("number:1-65535", kw("process", action="clear_ospf")))), privileged=True),
    kw("configure", kw("terminal", action="configure"), action="configure", privileged=True),
    kw("copy", kw("running-config", kw("startup-config", action="write")), privileged=True),
    kw("disable", action="disable"),
    kw("enable", arg("number:0-15", action="enable"), action="enable"),
    kw("exit", action="logout"),
    kw("logout", action="logout"),
    kw("ping", kw("ip", _PING_TARGET), kw("vrf", arg("word", kw("ip", _PING_TARGET), _PING_TARGET)), _PING_TARGET),
    _SHOW,
    kw("terminal",
       kw("length", arg("number:0-512", action="terminal_length")),
       kw("monitor", action="nothing"),
       kw("width", arg("number:0-512", action="terminal_width"))),
    kw("write", kw("memory", action="write"), action="write", privileged=True),
)

CONFIG_GRAMMAR: tuple[Node, ...] = (
    kw("do", arg("line", action="do")),
    kw("end", action="end"),
    kw("exit", action="config_exit"),
    kw("hostname", arg("word", action="hostname")),
    kw("interface", arg("ifname", action="enter_interface")),
)

INTERFACE_GRAMMAR: tuple[Node, ...] = (
    kw("description", arg("line", action="description")),
    kw("exit", action="interface_exit"),
    kw("no", kw("description", arg("line", action="no_description"), action="no_description"),
       kw("shutdown", action="no_shutdown")),
    kw("shutdown", action="shutdown"),
)

# Global configuration commands work from interface mode too, as on IOS; the interface's own win.
_CONFIG_IF_GRAMMAR = INTERFACE_GRAMMAR + tuple(
    node for node in CONFIG_GRAMMAR if node.word not in {n.word for n in INTERFACE_GRAMMAR})

_FILTERS = ("begin", "exclude", "include", "section")


@dataclass
class _Pending:
    prompt: str
    answer: Callable[[str], str]
    secret: bool = False


@dataclass
class IosCli:
    """One session's interpreter; `execute` one line at a time and print `prompt` after each reply."""

    state: IosState
    enable_secret: str
    user: str | None = None
    peer: str = "127.0.0.1"
    unreachable: tuple[IPv4Network, ...] = DEFAULT_UNREACHABLE
    mode: Mode = Mode.USER
    interface: str | None = None  # the interface being configured in config-if mode
    terminal_length: int = 24
    terminal_width: int = 80
    _pending: _Pending | None = field(default=None, repr=False)

    # -- what the session shows ----------------------------------------------------------------
    @property
    def prompt(self) -> str:
        if self._pending:
            return self._pending.prompt
        host = self.state.hostname
        return {Mode.USER: f"{host}>", Mode.PRIVILEGED: f"{host}#", Mode.CONFIG: f"{host}(config)#",
                Mode.CONFIG_IF: f"{host}(config-if)#"}[self.mode]

    @property
    def echo(self) -> bool:
        """False while a password is being typed, so the server does not echo it."""
        return not (self._pending and self._pending.secret)

    @property
    def privilege(self) -> int:
        return 1 if self.mode is Mode.USER else 15

    @property
    def awaiting_answer(self) -> bool:
        """True while the session shows a question (`Password: `, `[no]: `) instead of a prompt."""
        return self._pending is not None

    def logged_text(self, line: str) -> str:
        """The line as the command log may record it: a typed secret is masked."""
        return "********" if self._pending and self._pending.secret else line

    # -- execution ----------------------------------------------------------------------------
    def execute(self, line: str) -> Reply:
        line = line.rstrip("\r\n")
        if self._pending:
            pending, self._pending = self._pending, None
            return Reply(pending.answer(line.strip()))
        if not line.strip():
            return Reply()
        try:
            return self._dispatch(line)
        except CliError as error:
            return Reply(self._error_text(error, line))

    def _error_text(self, error: CliError, line: str) -> str:
        if error.kind == "incomplete":
            return f"{INCOMPLETE}\n\n"
        if error.kind == "ambiguous":
            return f'% Ambiguous command:  "{line.strip()}"\n'
        # The caret sits under the typed line, which follows the prompt on the same screen line.
        return f"{' ' * (len(self.prompt) + error.column)}^\n{INVALID_INPUT}\n\n"

    def _dispatch(self, line: str) -> Reply:
        command, pipe = self._split_pipe(line)
        grammar = {Mode.USER: EXEC_GRAMMAR, Mode.PRIVILEGED: EXEC_GRAMMAR, Mode.CONFIG: CONFIG_GRAMMAR,
                   Mode.CONFIG_IF: _CONFIG_IF_GRAMMAR}[self.mode]
        if pipe is not None and not command.lstrip().lower().startswith("sh"):
            raise CliError("invalid", len(command))
        action, args = self._parse(grammar, command)
        reply = getattr(self, f"_do_{action}")(args)
        if isinstance(reply, Reply):
            return reply
        text = reply or ""
        if pipe is not None:
            text = self._apply_filter(text, pipe, len(command) + 1)
        return Reply(text + "\n" if text else "")

    # -- grammar ----------------------------------------------------------------------------------
    @staticmethod
    def _split_pipe(line: str) -> tuple[str, str | None]:
        if "|" not in line:
            return line, None
        command, _, pipe = line.partition("|")
        return command, pipe

    def _allowed(self, node: Node) -> bool:
        if node.privileged and self.privilege < 15:
            return False
        return not (node.switch_only and self.state.version.kind != "switch")

    def _parse(self, grammar: tuple[Node, ...], line: str) -> tuple[str, dict[str, object]]:
        tokens = [(m.group(), m.start()) for m in re.finditer(r"\S+", line)]
        children, current, args, index = grammar, None, {}, 0
        while index < len(tokens):
            token, column = tokens[index]
            words = [c for c in children if c.word and c.word.startswith(token.lower()) and self._allowed(c)]
            exact = [c for c in words if c.word == token.lower()]
            if exact or len(words) == 1:
                current, index = (exact or words)[0], index + 1
            elif len(words) > 1:
                raise CliError("ambiguous", column)
            else:
                for candidate in (c for c in children if c.arg):
                    consumed = self._parse_arg(candidate.arg or "", tokens, index, line, args)
                    if consumed:
                        current, index = candidate, index + consumed
                        break
                else:
                    raise CliError("invalid", column)
            children = current.children
        if current is None:
            raise CliError("incomplete")
        if current.action is None:
            raise CliError("incomplete")
        return current.action, args

    def _parse_arg(self, kind: str, tokens: list[tuple[str, int]], index: int, line: str,
                   args: dict[str, object]) -> int:
        """Store the argument starting at tokens[index] in `args`; return how many tokens it took."""
        token, column = tokens[index]
        if kind == "line":
            args["line"] = line[column:].strip()
            return len(tokens) - index
        if kind == "rest":
            args["rest"] = tokens[index:]
            return len(tokens) - index
        if kind == "word":
            args["word"] = token
            return 1
        if kind == "ipv4":
            try:
                args["ipv4"] = IPv4Address(token)
            except ValueError:
                return 0
            return 1
        if kind.startswith("number:"):
            low, high = (int(x) for x in kind.split(":")[1].split("-"))
            if token.isdigit() and low <= int(token) <= high:
                args["number"] = int(token)
                return 1
            return 0
        if kind == "ifname":
            # "Gi1/0/1" is one token, "GigabitEthernet 1/0/1" is two; IOS accepts both.
            for taken in (1, 2):
                if index + taken > len(tokens):
                    break
                interface = self.state.interface("".join(t for t, _ in tokens[index:index + taken]))
                if interface:
                    args["ifname"] = interface.name
                    return taken
            return 0
        raise ValueError(f"unknown argument kind {kind!r}")

    def _apply_filter(self, text: str, pipe: str, offset: int) -> str:
        words = pipe.split(None, 1)
        if not words:
            raise CliError("incomplete")
        matches = [f for f in _FILTERS if f.startswith(words[0].lower())]
        if len(matches) != 1:
            raise CliError("invalid", offset + pipe.index(words[0]))
        if len(words) < 2:
            raise CliError("incomplete")
        try:
            pattern = re.compile(words[1].strip())
        except re.error as exc:
            raise CliError("invalid", offset + pipe.index(words[1])) from exc
        lines = text.split("\n")
        if matches[0] == "include":
            return "\n".join(line for line in lines if pattern.search(line))
        if matches[0] == "exclude":
            return "\n".join(line for line in lines if not pattern.search(line))
        if matches[0] == "begin":
            for number, line in enumerate(lines):
                if pattern.search(line):
                    return "\n".join(lines[number:])
            return ""
        kept, inside = [], False
        for line in lines:
            if not line.startswith(" "):
                inside = bool(pattern.search(line))
            if inside or (line.startswith(" ") and pattern.search(line)):
                kept.append(line)
        return "\n".join(kept)

    # -- EXEC handlers ----------------------------------------------------------------------------
    def _do_nothing(self, args: dict[str, object]) -> None:
        return None

    def _do_enable(self, args: dict[str, object]) -> None:
        if self.mode is not Mode.USER:
            return None
        self._pending = _Pending(PASSWORD_PROMPT, self._answer_enable, secret=True)
        return None

    def _answer_enable(self, answer: str) -> str:
        if answer == self.enable_secret:
            self.mode = Mode.PRIVILEGED
            return ""
        return f"{ACCESS_DENIED}\n\n"

    def _do_disable(self, args: dict[str, object]) -> None:
        self.mode = Mode.USER

    def _do_logout(self, args: dict[str, object]) -> Reply:
        return Reply(close=True)

    def _do_terminal_length(self, args: dict[str, object]) -> None:
        self.terminal_length = int(args["number"])  # type: ignore[call-overload]

    def _do_terminal_width(self, args: dict[str, object]) -> None:
        self.terminal_width = int(args["number"])  # type: ignore[call-overload]

    def _do_configure(self, args: dict[str, object]) -> str:
        self.mode = Mode.CONFIG
        return CONFIG_BANNER

    def _do_write(self, args: dict[str, object]) -> str:
        return "Building configuration...\n[OK]"

    def _do_clear_ospf(self, args: dict[str, object]) -> None:
        self._pending = _Pending(CLEAR_OSPF_PROMPT, self._answer_clear_ospf)

    def _answer_clear_ospf(self, answer: str) -> str:
        if answer.lower() in ("y", "yes"):
            self.state.clear_ospf()
        return ""

    def _do_ping(self, args: dict[str, object]) -> str:
        destination = args["ipv4"]
        assert isinstance(destination, IPv4Address)
        repeat, size, source, df_bit = 5, 100, None, False
        rest: list[tuple[str, int]] = list(args.get("rest", []))  # type: ignore[call-overload]
        options = {"repeat": (1, 2147483647), "size": (36, 18024), "timeout": (0, 3600), "source": None,
                   "df-bit": None}
        while rest:
            (word, column), rest = rest[0], rest[1:]
            names = [name for name in options if name.startswith(word.lower())]
            if len(names) != 1:
                raise CliError("invalid", column)
            if names[0] == "df-bit":
                df_bit = True
                continue
            if not rest:
                raise CliError("incomplete")
            (value, value_column), rest = rest[0], rest[1:]
            bounds = options[names[0]]
            if bounds is None:
                source = self._ping_source(value, value_column)
                continue
            if not value.isdigit() or not bounds[0] <= int(value) <= bounds[1]:
                raise CliError("invalid", value_column)
            if names[0] == "repeat":
                repeat = int(value)
            elif names[0] == "size":
                size = int(value)
        return render.ping(destination, repeat, size, self._reachable(destination), source, df_bit)

    def _ping_source(self, value: str, column: int) -> str:
        try:
            return str(IPv4Address(value))
        except ValueError:
            interface = self.state.interface(value)
            if interface is None or interface.ipv4 is None:
                raise CliError("invalid", column) from None
            return str(interface.ipv4.ip)

    def _reachable(self, destination: IPv4Address) -> bool:
        if any(destination in network for network in self.unreachable):
            return False
        for interface in self.state.interfaces.values():
            if interface.ipv4 and destination in interface.ipv4.network:
                return interface.oper_up
        return True

    # -- show handlers ------------------------------------------------------------------------
    def _do_show_privilege(self, args: dict[str, object]) -> str:
        return f"Current privilege level is {self.privilege}"

    def _do_show_version(self, args: dict[str, object]) -> str:
        return render.show_version(self.state)

    def _do_show_running_config(self, args: dict[str, object]) -> str:
        return render.show_running_config(self.state)

    def _do_show_interfaces(self, args: dict[str, object]) -> str:
        return render.show_interfaces(self.state)

    def _do_show_interface(self, args: dict[str, object]) -> str:
        return render.show_interfaces(self.state, self.state.interfaces[str(args["ifname"])])

    def _do_show_interfaces_status(self, args: dict[str, object]) -> str:
        return render.show_interfaces_status(self.state)

    def _do_show_ip_interface(self, args: dict[str, object]) -> str:
        return render.show_ip_interface(self.state)

    def _do_show_ip_interface_brief(self, args: dict[str, object]) -> str:
        return render.show_ip_interface_brief(self.state)

    def _do_show_ip_ospf_neighbor(self, args: dict[str, object]) -> str:
        return render.show_ip_ospf_neighbor(self.state)

    def _do_show_ip_ospf_neighbor_detail(self, args: dict[str, object]) -> str:
        return render.show_ip_ospf_neighbor_detail(self.state)

    def _do_show_ip_ospf_interface_brief(self, args: dict[str, object]) -> str:
        return render.show_ip_ospf_interface_brief(self.state)

    def _do_show_ip_route_summary(self, args: dict[str, object]) -> str:
        return render.show_ip_route_summary(self.state)

    def _do_show_logging(self, args: dict[str, object]) -> str:
        return render.show_logging(self.state)

    def _do_show_inventory(self, args: dict[str, object]) -> str:
        return render.show_inventory(self.state)

    def _do_show_vlan(self, args: dict[str, object]) -> str:
        return render.show_vlan_brief(self.state)

    def _do_show_clock(self, args: dict[str, object]) -> str:
        now = self.state.wall()
        return f"*{now:%H:%M:%S}.{now.microsecond // 1000:03d} UTC {now:%a %b} {now.day} {now:%Y}"

    def _do_show_processes_cpu(self, args: dict[str, object]) -> str:
        return render.show_processes_cpu(self.state)

    def _do_show_nothing(self, args: dict[str, object]) -> None:
        return None

    def _do_show_lldp(self, args: dict[str, object]) -> str:
        return "% LLDP is not enabled"

    def _do_show_cdp(self, args: dict[str, object]) -> str:
        return "% CDP is not enabled"

    # -- configuration handlers ---------------------------------------------------------------------
    def _do_end(self, args: dict[str, object]) -> None:
        self.mode, self.interface = Mode.PRIVILEGED, None
        self.state.log_config(self.user, self.peer)

    def _do_config_exit(self, args: dict[str, object]) -> None:
        self._do_end(args)

    def _do_interface_exit(self, args: dict[str, object]) -> None:
        self.mode, self.interface = Mode.CONFIG, None

    def _do_do(self, args: dict[str, object]) -> Reply:
        line = str(args["line"])
        try:
            action, parsed = self._parse(EXEC_GRAMMAR, line)
        except CliError as error:
            return Reply(self._error_text(CliError(error.kind, error.column + 3), line))
        if action in ("configure", "logout", "enable", "disable", "clear_ospf"):
            return Reply(self._error_text(CliError("invalid", 3), line))
        text = getattr(self, f"_do_{action}")(parsed)
        return Reply(f"{text}\n" if text else "")

    def _do_hostname(self, args: dict[str, object]) -> None:
        self.state.hostname = str(args["word"])

    def _do_enter_interface(self, args: dict[str, object]) -> None:
        self.mode, self.interface = Mode.CONFIG_IF, str(args["ifname"])

    def _current_interface(self) -> str:
        assert self.interface is not None
        return self.interface

    def _do_shutdown(self, args: dict[str, object]) -> None:
        self.state.set_shutdown(self._current_interface(), True)

    def _do_no_shutdown(self, args: dict[str, object]) -> None:
        self.state.set_shutdown(self._current_interface(), False)

    def _do_description(self, args: dict[str, object]) -> None:
        self.state.set_description(self._current_interface(), str(args["line"])[:240])

    def _do_no_description(self, args: dict[str, object]) -> None:
        self.state.set_description(self._current_interface(), "")
