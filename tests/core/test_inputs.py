"""The one parser for what clients send: ids, numbers and text others will read."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from apps.core.inputs import (
    MAX_ID,
    BadInput,
    clean_text,
    optional_id,
    parse_id,
    parse_ids,
    parse_int,
)
from tests.conftest import own_test_database


@pytest.mark.parametrize("raw", ["²", "١٢", "1.0", "1e3", " ", "", "0x10", "1_000", "--1", None])
def test_anything_but_a_plain_ascii_integer_is_a_bad_request(raw: object) -> None:
    with pytest.raises(BadInput, match="whole number"):
        parse_int(raw, what="The count")


def test_an_id_past_the_bigint_column_is_refused_not_overflowed() -> None:
    with pytest.raises(BadInput):
        parse_id(str(10**30))
    with pytest.raises(BadInput, match="between 1 and"):
        parse_id(str(MAX_ID + 1))
    assert parse_id(str(MAX_ID)) == MAX_ID


def test_zero_and_negative_ids_are_refused() -> None:
    for raw in ("0", "-3"):
        with pytest.raises(BadInput):
            parse_id(raw)


def test_thousands_of_digits_are_refused_before_int_reads_them() -> None:
    with pytest.raises(BadInput):
        parse_int("0" * 100_000, what="n")


def test_optional_and_multiple_ids() -> None:
    assert optional_id("") is None
    assert optional_id(None) is None
    assert optional_id(" 7 ") == 7
    assert parse_ids(["3", "1", "3"]) == [3, 1]
    with pytest.raises(BadInput, match="At most"):
        parse_ids(["1"] * 201)


@given(st.text(max_size=40))
def test_parse_int_answers_a_number_or_bad_input_for_any_text(raw: str) -> None:
    try:
        value = parse_int(raw, what="n", minimum=-(10**6), maximum=10**6)
    except BadInput:
        return
    assert str(value) == str(int(raw.strip()))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("hello\x00world", "control characters"),
        ("bell\x07", "control characters"),
        ("evil\u202egnp.exe", "right-to-left"),
        ("isolate\u2067x\u2069", "right-to-left"),
        ("zero\u200bwidth", "invisible"),
    ],
)
def test_user_text_refuses_control_bidi_and_invisible_characters(raw: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        clean_text(raw, what="A message", max_length=100)


def test_user_text_keeps_newlines_and_accents_and_normalises_line_endings() -> None:
    assert clean_text("  Ça va?\r\nOui.\t ", what="A message", max_length=100) == "Ça va?\nOui."
    assert clean_text("a\n b", what="A name", max_length=100, multiline=False) == "a b"
    assert clean_text("مرحبا", what="A message", max_length=10) == "مرحبا"


def test_user_text_over_the_limit_says_how_long_it_is() -> None:
    with pytest.raises(ValidationError, match="limited to 3 characters \\(this one has 4\\)"):
        clean_text("abcd", what="A name", max_length=3)


def test_the_test_teardown_ends_connections_only_on_its_own_test_database() -> None:
    test_db = {"NAME": "test_plenary_42", "TEST": {"NAME": "test_plenary_42"}}
    real_db = {"NAME": "plenary", "TEST": {"NAME": "test_plenary_42"}}
    assert own_test_database(test_db) == "test_plenary_42"
    assert own_test_database(real_db) is None
    assert own_test_database({"NAME": "plenary"}) is None
