"""The `when` language: parses what it should, refuses the rest with a column, never evals."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.definitions import WhenError, evaluate_when, parse_when


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("length_m > 200", {"length_m": 350}, True),
        ("length_m > 200", {"length_m": 200}, False),
        ("length_m <= 200", {"length_m": 200.0}, True),
        (
            "length_m > 200 and occupies_carriageway",
            {"length_m": 201, "occupies_carriageway": False},
            False,
        ),
        (
            "length_m > 200 and not occupies_carriageway",
            {"length_m": 201, "occupies_carriageway": False},
            True,
        ),
        ("a or b and c", {"a": False, "b": True, "c": False}, False),  # and binds tighter
        ("(a or b) and c", {"a": True, "b": False, "c": True}, True),
        ('permit_category in ["A", "B"]', {"permit_category": "B"}, True),
        ("permit_category not in ['A', 'B']", {"permit_category": "C"}, True),
        ("work_days in [30, 60, 90]", {"work_days": 60}, True),
        ("delta >= -5", {"delta": -5}, True),
        ("flag == true", {"flag": True}, True),
        ("flag != false", {"flag": True}, True),
        ('name == "张三"', {"name": "张三"}, True),
        ("count == 1", {"count": True}, False),  # a boolean is not the number 1
        ("not not a", {"a": True}, True),
    ],
)
def test_evaluates(text: str, values: dict[str, object], expected: bool) -> None:
    assert evaluate_when(text, values) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "length_m >",
            "at column 11: expected a field name, a number, a string or true/false, found the end",
        ),
        ("(a", "at column 3: expected ')', found the end"),
        ("a = 1", "at column 3: unexpected character '='"),
        ("a b", "at column 3: expected 'and', 'or' or the end, found 'b'"),
        ("x in [y]", "at column 7: a list holds only numbers, strings or true/false"),
        ("x in 3", "at column 6: expected '[', found '3'"),
        ("__import__('os').system('true')", "at column 17: unexpected character '.'"),
        ("a.b", "at column 2: unexpected character '.'"),
        ("   ", "the condition is empty"),
    ],
)
def test_refuses_with_the_column(text: str, message: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text)
    assert str(caught.value) == message


def test_names_the_fields_it_reads() -> None:
    condition = parse_when("length_m > 200 and (occupies_carriageway or not affects_trees)")
    assert condition.fields == {"length_m", "occupies_carriageway", "affects_trees"}


def test_a_missing_value_is_an_error_not_false() -> None:
    with pytest.raises(WhenError, match="field 'length_m' has no value"):
        evaluate_when("length_m > 200", {})


def test_a_number_is_not_a_condition() -> None:
    with pytest.raises(WhenError, match="not a true/false condition"):
        evaluate_when("length_m", {"length_m": 3})


def test_strings_and_numbers_do_not_order() -> None:
    with pytest.raises(WhenError, match="cannot order"):
        evaluate_when("a < 3", {"a": "x"})


@given(st.integers(-10_000, 10_000), st.integers(-10_000, 10_000))
def test_comparisons_agree_with_python(left: int, right: int) -> None:
    for op, expected in (
        ("<", left < right),
        ("<=", left <= right),
        (">", left > right),
        (">=", left >= right),
        ("==", left == right),
        ("!=", left != right),
    ):
        assert evaluate_when(f"x {op} {right}", {"x": left}) is expected


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_when_error(text: str) -> None:
    with contextlib.suppress(WhenError):
        parse_when(text)
