"""Simulated Cisco IOS device: state model, CLI interpreter and the SSH server hosting both."""

from bot.lab.ios.cli import IosCli, Mode, Reply
from bot.lab.ios.server import IosDeviceServer
from bot.lab.ios.state import Interface, IosState, OspfNeighbor, VersionInfo

__all__ = ["Interface", "IosCli", "IosDeviceServer", "IosState", "Mode", "OspfNeighbor", "Reply", "VersionInfo"]
