"""Pydantic models of one runbook catalog file (`runbook_catalog/<name>.yml`): its shape only.

Models check types, ranges and spelling of every field and forbid unknown keys. Rules that relate
fields to each other, to the repository or to the inventory live in `rules.py` and `crosscheck.py`,
so their findings can point at the exact line; user input is checked in `inputs.py`.
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator, model_validator

KEBAB = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
SNAKE = r"^[a-z][a-z0-9_]*$"
# Longest value any input accepts; text inputs may only lower it.
MAX_VALUE_LENGTH = 128

Name = Annotated[StrictStr, Field(pattern=KEBAB, max_length=48)]
SnakeName = Annotated[StrictStr, Field(pattern=SNAKE, max_length=48)]
GroupName = Annotated[StrictStr, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
RoleName = Annotated[StrictStr, Field(pattern=KEBAB, max_length=48)]
Prose = Annotated[StrictStr, Field(min_length=1, max_length=1000)]
Description = Annotated[StrictStr, Field(min_length=1, max_length=200)]
# A safe enum choice: what can be passed to a device CLI without quoting.
Choice = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")]


class Mode(str, Enum):
    READ_ONLY = "read_only"
    STATE_CHANGING = "state_changing"


class Platform(str, Enum):
    IOS = "ios"
    FORTIOS = "fortios"


class Cardinality(str, Enum):
    SINGLE = "single"
    GROUP = "group"


class Channel(str, Enum):
    INCIDENT = "incident"
    CHANGE = "change"


class OutputFormat(str, Enum):
    TEXT = "text"
    TABLE = "table"
    LIST = "list"
    KEY_VALUE = "key_value"


class StrictModel(BaseModel):
    """Base of every reviewed-YAML model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def unique(values: list[Any]) -> list[Any]:
    seen = [v for i, v in enumerate(values) if v in values[:i]]
    if seen:
        raise ValueError(f"{seen[0]!s} is listed twice; list each value once")
    return values


class _InputBase(StrictModel):
    description: Description
    required: StrictBool = True

    @model_validator(mode="before")
    @classmethod
    def _default_means_optional(cls, data: Any) -> Any:
        # An input with a default is optional by definition; saying both would be contradictory.
        if isinstance(data, dict) and data.get("default") is not None:
            if data.get("required") is True:
                raise ValueError("an input with a default is optional; remove `required: true` or the default")
            data = {**data, "required": False}
        return data


class _TargetInput(_InputBase):
    @field_validator("required")
    @classmethod
    def _always_required(cls, value: bool) -> bool:
        if not value:
            raise ValueError("the target input is always required; remove `required: false`")
        return value


class DeviceInput(_TargetInput):
    """One inventory host (runbooks with `cardinality: single`)."""

    type: Literal["device"]


class DeviceGroupInput(_TargetInput):
    """One inventory group (runbooks with `cardinality: group`)."""

    type: Literal["device_group"]


class InterfaceInput(_InputBase):
    """An IOS or FortiOS interface name, e.g. Gi1/0/1 or port1."""

    type: Literal["interface"]


class Ipv4Input(_InputBase):
    """A unicast IPv4 address in dotted-quad form."""

    type: Literal["ipv4"]


class PrefixInput(_InputBase):
    """An IPv4 network in CIDR form with no host bits set, e.g. 10.1.0.0/16."""

    type: Literal["prefix"]


class IntegerInput(_InputBase):
    type: Literal["integer"]
    min: StrictInt
    max: StrictInt
    default: StrictInt | None = None

    @model_validator(mode="after")
    def _range(self) -> IntegerInput:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.default is not None and not self.min <= self.default <= self.max:
            raise ValueError(f"default {self.default} is outside {self.min}..{self.max}")
        return self


class EnumInput(_InputBase):
    type: Literal["enum"]
    choices: Annotated[list[Choice], Field(min_length=1)]
    default: Choice | None = None

    _unique_choices = field_validator("choices")(unique)

    @model_validator(mode="after")
    def _default_is_a_choice(self) -> EnumInput:
        if self.default is not None and self.default not in self.choices:
            raise ValueError(f"default {self.default!r} is not one of the choices {self.choices}")
        return self


class TextInput(_InputBase):
    """Free text, allowed only with a pattern it must fully match and a maximum length."""

    type: Literal["text"]
    pattern: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    max_length: Annotated[StrictInt, Field(ge=1, le=MAX_VALUE_LENGTH)]
    default: StrictStr | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _default_matches(self) -> TextInput:
        if self.default is not None and not (len(self.default) <= self.max_length
                                             and re.fullmatch(self.pattern, self.default)):
            raise ValueError(f"default {self.default!r} does not match the pattern and max_length")
        return self


InputSpec = Annotated[
    Union[DeviceInput, DeviceGroupInput, InterfaceInput, Ipv4Input, PrefixInput, IntegerInput, EnumInput, TextInput],
    Field(discriminator="type"),
]
INPUT_TYPES = ("device", "device_group", "interface", "ipv4", "prefix", "integer", "enum", "text")
TARGET_INPUT_TYPES = ("device", "device_group")


class Targets(StrictModel):
    groups: Annotated[list[GroupName], Field(min_length=1)]
    platforms: Annotated[list[Platform], Field(min_length=1)]
    cardinality: Cardinality

    _unique_groups = field_validator("groups", "platforms")(unique)


class Approval(StrictModel):
    approvers: Annotated[StrictInt, Field(ge=0, le=5)]
    approver_roles: list[RoleName] = []

    _unique_roles = field_validator("approver_roles")(unique)


class Intent(StrictModel):
    summary: Annotated[StrictStr, Field(min_length=1, max_length=300)]
    ios: list[Annotated[StrictStr, Field(min_length=1, max_length=500)]] | None = None
    fortios: list[Annotated[StrictStr, Field(min_length=1, max_length=500)]] | None = None

    def for_platform(self, platform: Platform | str) -> list[str]:
        return list(getattr(self, Platform(platform).value) or [])


class OutputField(StrictModel):
    # A dotted path into the host's `netops_result`, e.g. post_check.neighbors.
    key: Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", max_length=100)]
    label: Annotated[StrictStr, Field(min_length=1, max_length=60)]
    format: OutputFormat = OutputFormat.TEXT
    columns: Annotated[list[SnakeName], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _columns_only_for_tables(self) -> OutputField:
        if self.format is OutputFormat.TABLE and not self.columns:
            raise ValueError("a table needs `columns`: the keys of each row, in display order")
        if self.format is not OutputFormat.TABLE and self.columns:
            raise ValueError(f"`columns` only applies to format table, not {self.format.value}")
        return self


class Output(StrictModel):
    fields: Annotated[list[OutputField], Field(min_length=1)]


class Runbook(StrictModel):
    """One runbook: what `/netops <name> key=value ...` runs, on what, with which approval."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="netops runbook catalog entry")

    name: Name
    summary: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    playbook: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9-]*\.yml$", max_length=64)]
    role: Annotated[StrictStr, Field(pattern=SNAKE, max_length=48)]
    mode: Mode
    targets: Targets
    # Editors should flag a non-snake_case input name, not silently accept it.
    inputs: Annotated[dict[SnakeName, InputSpec], Field(json_schema_extra={"additionalProperties": False})]
    approval: Approval
    allowed_roles: Annotated[list[RoleName], Field(min_length=1)]
    channels: Annotated[list[Channel], Field(min_length=1)]
    requires_incident: StrictBool
    intent: Intent
    blast_radius: Prose
    rollback: Annotated[StrictStr, Field(max_length=1000)] = ""
    timeout: Annotated[StrictInt, Field(ge=1, le=3600)]
    expiry: Annotated[StrictInt, Field(ge=60, le=86400)]
    output: Output

    _unique_lists = field_validator("allowed_roles", "channels")(unique)

    @property
    def target_input(self) -> str | None:
        """Name of the device/device_group input, if the runbook declares one."""
        return next((n for n, s in self.inputs.items() if s.type in TARGET_INPUT_TYPES), None)

    @property
    def parameter_inputs(self) -> dict[str, Any]:
        """Inputs other than the target: these reach the role as `<role>_<input>` extravars."""
        return {n: s for n, s in self.inputs.items() if s.type not in TARGET_INPUT_TYPES}
