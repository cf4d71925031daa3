"""Benchmark: can one 2-core machine host a 200 IOS + 20 FortiGate lab, and what does it cost?

Starts the plant lab (14 IOS + 2 FortiGate) and then the scale lab (200 + 20), one after the other,
and reports for each: start time (wall, from `Lab.up()` to ready, and the supervisor's own
`start_seconds`), the supervisor's resident memory (VmRSS) when ready and after the runs, and the
run time of the `ospf-neighbors` runbook through the executor on one IOS and one FortiGate device
(median of 5). Memory per device is the RSS difference divided by the device difference, so the
fixed cost of the interpreter and the control API cancels out. Ratios compare the scale lab with the
plant lab of the same run. Usage: `.venv/bin/python tests/bench/bench_lab.py` (or `make bench`).
"""
from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import REPO, median, rss_mib, spread, table, timed

from bot.lab import Lab
from bot.runtime import Runtime
from bot.settings import Settings


@dataclass
class LabFigures:
    name: str
    ios: int
    fortios: int
    up_wall_s: float = 0.0
    up_manifest_s: float = 0.0
    rss_ready_mib: float = 0.0
    rss_after_mib: float = 0.0
    runs: dict[str, list[float]] = field(default_factory=dict)

    @property
    def devices(self) -> int:
        return self.ios + self.fortios


def measure(name: str, ios: int, fortios: int, targets: dict[str, str], repeats: int, scratch: Path) -> LabFigures:
    figures = LabFigures(name, ios, fortios)
    state_dir = scratch / name
    up_s, lab = timed(lambda: Lab.up(state_dir / "lab", ios=ios, fortios=fortios, timeout=600))
    try:
        figures.up_wall_s, figures.up_manifest_s = up_s, float(lab.manifest["start_seconds"])
        figures.rss_ready_mib = rss_mib(lab.manifest["pid"])
        assert len(lab.devices()) == ios + fortios, f"{name}: {len(lab.devices())} devices, expected {ios + fortios}"
        runtime = Runtime.load(Settings(repo=REPO, state_dir=state_dir))
        for platform, device in targets.items():
            figures.runs[platform] = []
            for _ in range(repeats):
                seconds, result = timed(lambda: runtime.run("ospf-neighbors", {"device": device}))
                assert result["status"] == "succeeded", (device, result)
                assert result["per_device"][device]["status"] == "ok", (device, result["per_device"])
                figures.runs[platform].append(seconds)
        figures.rss_after_mib = rss_mib(lab.manifest["pid"])
    finally:
        lab.down()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ios", type=int, default=200)
    parser.add_argument("--fortios", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="netops-bench-lab-") as tmp:
        scratch = Path(tmp)
        # Same platforms in both labs; the scale lab's targets exist only there (acc-150, fw-branch-10).
        small = measure("plant", 14, 2, {"ios acc-08": "acc-08", "fortios fw-edge-02": "fw-edge-02"},
                        args.repeats, scratch)
        big = measure("scale", args.ios, args.fortios, {"ios acc-150": "acc-150", "fortios fw-branch-10": "fw-branch-10"},
                      args.repeats, scratch)

    per_device_mib = (big.rss_ready_mib - small.rss_ready_mib) / (big.devices - small.devices)
    per_device_after_mib = (big.rss_after_mib - small.rss_after_mib) / (big.devices - small.devices)
    small_runs, big_runs = list(small.runs.values()), list(big.runs.values())
    rows = [
        ("devices (ios + fortios)", f"{small.ios} + {small.fortios}", f"{big.ios} + {big.fortios}", ""),
        ("start, wall s (up() to ready)", small.up_wall_s, big.up_wall_s, f"x{big.up_wall_s / small.up_wall_s:.1f}"),
        ("start, supervisor start_seconds", small.up_manifest_s, big.up_manifest_s,
         f"x{big.up_manifest_s / small.up_manifest_s:.1f}"),
        ("supervisor RSS ready, MiB", small.rss_ready_mib, big.rss_ready_mib,
         f"x{big.rss_ready_mib / small.rss_ready_mib:.1f}"),
        ("supervisor RSS after runs, MiB", small.rss_after_mib, big.rss_after_mib,
         f"x{big.rss_after_mib / small.rss_after_mib:.1f}"),
    ]
    for (s_name, s_runs), (b_name, b_runs) in zip(small.runs.items(), big.runs.items()):
        rows.append((f"ospf-neighbors s, median of {args.repeats} ({s_name} | {b_name})",
                     median(s_runs), median(b_runs), f"x{median(b_runs) / median(s_runs):.2f}"))
    print(table(("", "plant lab", "scale lab", "scale/plant"), rows))
    print(f"memory per device: {per_device_mib * 1024:.0f} KiB when ready, {per_device_after_mib * 1024:.0f} KiB after "
          f"the runs ((RSS scale - RSS plant) / {big.devices - small.devices} devices)")
    for figures, runs in ((small, small_runs), (big, big_runs)):
        for platform, values in zip(figures.runs, runs):
            print(f"  {figures.name} {platform}: " + " ".join(f"{v:.2f}" for v in values) + f"  ({spread(values)})")


if __name__ == "__main__":
    main()
