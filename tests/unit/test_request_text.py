"""Request text splits into a runbook and key=value inputs; malformed text is refused with the form."""
from __future__ import annotations

import pytest

from bot.errors import RequestSyntaxError
from bot.request_text import MAX_REQUEST_LENGTH, parse


def test_runbook_and_inputs_are_split_on_spaces() -> None:
    request = parse("  ping-from   device=acc-01\ttarget=10.0.0.1 ")
    assert request.runbook == "ping-from"
    assert request.inputs == {"device": "acc-01", "target": "10.0.0.1"}


def test_a_newline_stays_inside_its_value_for_validation_to_refuse_by_name() -> None:
    assert parse("bounce-interface interface=Gi1/0/1\nreload").inputs == {"interface": "Gi1/0/1\nreload"}


def test_a_value_may_contain_an_equals_sign() -> None:
    assert parse("x filter=a=b").inputs == {"filter": "a=b"}


@pytest.mark.parametrize("text, names", [
    ("", "say which runbook"),
    ("clear-ospf dist-01", "'dist-01' is not key=value"),
    ("clear-ospf =dist-01", "is not key=value"),
    ("clear-ospf device=a device=b", "device is given twice"),
    ("x " + "a" * MAX_REQUEST_LENGTH, "the limit is"),
])
def test_malformed_text_is_refused_with_the_expected_form(text: str, names: str) -> None:
    with pytest.raises(RequestSyntaxError, match=names):
        parse(text)
