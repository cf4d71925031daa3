"""Simulated FortiGate (FortiOS 7.4.3): state model, REST API router, SSH CLI and the device server.

The lab supervisor imports FortiosDeviceServer; tests may use the pure pieces (FortiosState,
FortiosApi, FortiosCli) without sockets. Nothing here knows about IOS devices or the supervisor.
"""
from bot.lab.fortios.api import FortiosApi, Response, redact
from bot.lab.fortios.cli import FortiosCli
from bot.lab.fortios.server import FortiosDeviceServer
from bot.lab.fortios.state import BUILD, VERSION, FortiosState, NotFound, StateError, load_fixture

__all__ = [
    "BUILD",
    "VERSION",
    "FortiosApi",
    "FortiosCli",
    "FortiosDeviceServer",
    "FortiosState",
    "NotFound",
    "Response",
    "StateError",
    "load_fixture",
    "redact",
]
