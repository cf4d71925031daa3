"""The simulated plant network: which devices exist, their platform, role and site.

Pure data. The plant is a FortiGate edge pair, a distribution pair, eight access switches and four
manufacturing-cell routers; a scale lab adds access switches and branch FortiGates on top of it so
fan-out benchmarks run against the same inventory groups. Ports are 0 here: the supervisor binds
ephemeral ports so several labs (parallel test workers) never collide.
"""
from __future__ import annotations

from bot.lab.device import DeviceSpec

SITE = "plant-a"
BRANCH_SITE = "branch"

# (name prefix, role, count) in the order the plant is drawn: edge → distribution → access → cells.
_PLANT_IOS = (("dist", "distribution", 2), ("acc", "access", 8), ("cell-rtr", "cell_router", 4))
_PLANT_FORTIOS = (("fw-edge", "firewall", 2),)

PLANT_IOS_COUNT = sum(count for _, _, count in _PLANT_IOS)
PLANT_FORTIOS_COUNT = sum(count for _, _, count in _PLANT_FORTIOS)


def _spec(prefix: str, platform: str, role: str, site: str, index: int) -> DeviceSpec:
    https_port = 0 if platform == "fortios" else None
    return DeviceSpec(f"{prefix}-{index:02d}", platform, role, site, index, ssh_port=0, https_port=https_port)


def plant(ios: int = PLANT_IOS_COUNT, fortios: int = PLANT_FORTIOS_COUNT) -> list[DeviceSpec]:
    """Return the plant, grown to `ios` IOS and `fortios` FortiOS devices in total.

    Extra IOS devices are access switches acc-09, acc-10, …; extra FortiGates are branch firewalls.
    Asking for fewer than the plant itself is refused: tests and runbooks rely on its names.
    """
    if ios < PLANT_IOS_COUNT or fortios < PLANT_FORTIOS_COUNT:
        raise ValueError(
            f"the plant has {PLANT_IOS_COUNT} IOS and {PLANT_FORTIOS_COUNT} FortiOS devices; "
            f"ask for at least that many (got ios={ios}, fortios={fortios})"
        )
    specs = [
        _spec(prefix, "fortios", role, SITE, i)
        for prefix, role, count in _PLANT_FORTIOS
        for i in range(1, count + 1)
    ]
    specs += [
        _spec(prefix, "ios", role, SITE, i) for prefix, role, count in _PLANT_IOS for i in range(1, count + 1)
    ]
    plant_access = dict((p, c) for p, _, c in _PLANT_IOS)["acc"]
    specs += [
        _spec("acc", "ios", "access", SITE, plant_access + i) for i in range(1, ios - PLANT_IOS_COUNT + 1)
    ]
    specs += [
        _spec("fw-branch", "fortios", "firewall", BRANCH_SITE, i)
        for i in range(1, fortios - PLANT_FORTIOS_COUNT + 1)
    ]
    return specs
