"""The runbook catalog: one reviewed YAML file per runbook, validated, cross-checked, and the strict
validation of the inputs a chat user supplies. It decides what a runbook is and accepts; who may run
it (policy) and how it runs (executor) live elsewhere.
"""
from bot.catalog.catalog import Catalog
from bot.catalog.inputs import ValidatedInputs, validate_inputs
from bot.catalog.loader import load_catalog
from bot.catalog.models import Cardinality, Channel, InputSpec, Mode, OutputFormat, Platform, Runbook
from bot.catalog.problems import InputProblem, Problem
from bot.catalog.schema import export_schema, write_schema

__all__ = [
    "Cardinality", "Catalog", "Channel", "InputProblem", "InputSpec", "Mode", "OutputFormat", "Platform",
    "Problem", "Runbook", "ValidatedInputs", "export_schema", "load_catalog", "validate_inputs", "write_schema",
]
