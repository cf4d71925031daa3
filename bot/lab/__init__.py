"""The simulated plant network (Cisco IOS over SSH, FortiGate over HTTPS) used by the demo and tests."""

from bot.lab.client import Lab
from bot.lab.device import CommandLog, Credentials, DeviceSpec, Faults

__all__ = ["CommandLog", "Credentials", "DeviceSpec", "Faults", "Lab"]
