"""Runs validated runbooks through ansible-runner and returns JSON-first results."""

from bot.executor.result import DeviceResult, DeviceStatus, RunMode, RunResult, RunStatus
from bot.executor.runner import ExecutorConfig, execute

__all__ = ["DeviceResult", "DeviceStatus", "ExecutorConfig", "RunMode", "RunResult", "RunStatus", "execute"]
