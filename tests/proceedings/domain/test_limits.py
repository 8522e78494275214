"""Bounds in the pure rules: thresholds read in bounded time, overrides of bounded size,
placards shown by one rule, and a cap on the motions one delegation keeps on the floor."""

import json
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.majority import (
    PlacardVisibility,
    VotingRules,
    parse_fraction,
    placards_shown,
)
from apps.proceedings.domain.motions import MAX_OPEN_MOTIONS_PER_DELEGATION, open_motions_error
from apps.proceedings.domain.presets import (
    PresetError,
    load_preset,
    preset_from_dict,
    preset_to_dict,
    preset_with_overrides,
)

# --- thresholds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2/3", Fraction(2, 3)),
        (" 1 / 2 ", Fraction(1, 2)),
        ("1/1", Fraction(1)),
        ("9999/9999", Fraction(1)),
        ("0.5", Fraction(1, 2)),
        (".667", Fraction(667, 1000)),
        ("1", Fraction(1)),
        ("50%", Fraction(1, 2)),
        ("66.7%", Fraction(667, 1000)),
        (1, Fraction(1)),
        (0.25, Fraction(1, 4)),
    ],
)
def test_a_threshold_is_read_as_a_fraction_a_decimal_or_a_percentage(
    text: object, value: Fraction
) -> None:
    assert parse_fraction(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "1e-4000000",
        "6e6",
        "3e7",
        "1E-5",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1/0",
        "-1/2",
        "10000/3",
        "2/30000",
        "0.33333",
        "½",
        "１/２",  # fullwidth digits
        "٣/٤",  # Arabic-Indic digits
        "1_0/3",
        "",
        " ",
        "1" * 5000,
        "2/3" + " " * 100,
        True,
        None,
        [2, 3],
        float("nan"),
        float("inf"),
        1e-300,
        10**400,
    ],
)
def test_anything_else_is_refused_with_the_domains_error(text: object) -> None:
    with pytest.raises(RuleViolation):
        parse_fraction(text)


def test_a_huge_exponent_costs_nothing() -> None:
    started = time.perf_counter()
    for text in ("1e-4000000", "6e6", "3e7", "1" * 6_000_000, "1/" + "9" * 6_000_000):
        with pytest.raises(RuleViolation):
            parse_fraction(text)
    assert time.perf_counter() - started < 0.5


@settings(max_examples=500, deadline=250)  # ms per example (a loaded CI machine): bounded
@given(
    text=st.one_of(
        st.text(max_size=200),
        st.text(alphabet="0123456789./%eE+-_ \t", max_size=40),
        st.from_regex(r"\A\s*\d{1,6}\s*/\s*\d{1,6}\s*\Z"),
        st.from_regex(r"\A\d{0,3}(\.\d{0,5})?%?\Z"),
        st.integers(),
        st.floats(),
    )
)
def test_the_threshold_parser_answers_quickly_and_only_with_its_own_error(text: object) -> None:
    try:
        value = parse_fraction(text)
    except RuleViolation:
        return
    assert isinstance(value, Fraction)
    assert value >= 0
    # What is read prints back (as stored rules print it) into something read the same.
    assert parse_fraction(f"{value.numerator}/{value.denominator}") == value


# --- overrides ------------------------------------------------------------------------------

UNA = load_preset("una_usa")


def refusal(overrides: object) -> str:
    with pytest.raises(PresetError) as caught:
        preset_with_overrides(UNA, overrides)  # type: ignore[arg-type]
    return "; ".join(str(e) for e in caught.value.errors)


def test_a_quorum_with_a_huge_exponent_is_refused_at_once() -> None:
    started = time.perf_counter()
    message = refusal({"voting": {"quorum": "1e-4000000"}})
    assert time.perf_counter() - started < 0.5
    assert "voting.quorum must be a fraction such as 2/3" in message


def test_a_refusal_repeats_only_the_start_of_a_huge_value() -> None:
    message = refusal({"voting": {"quorum": "7" * 100_000, "x" * 100_000: 1}})
    assert len(message) < 1_000


def test_a_huge_whole_number_is_refused() -> None:
    message = refusal({"speakers": {"default_speaking_time_s": 10**40}})
    assert "speakers.default_speaking_time_s must be a whole number of at most" in message


def test_overrides_nested_too_deeply_are_refused_without_recursion() -> None:
    deep: object = 1
    for _ in range(100_000):
        deep = {"motions": deep}
    assert "nested too deeply" in refusal(deep)


def test_overrides_with_too_many_settings_are_refused() -> None:
    assert "too many settings" in refusal({"voting": {f"k{i}": i for i in range(10_000)}})


def test_the_placard_setting_is_read_written_and_checked() -> None:
    assert UNA.voting.placards_visible is PlacardVisibility.AFTER_CLOSE
    live = preset_with_overrides(UNA, {"voting": {"placards_visible": "live"}})
    assert live.voting.placards_visible is PlacardVisibility.LIVE
    assert preset_to_dict(live)["voting"]["placards_visible"] == "live"
    assert preset_from_dict(json.loads(json.dumps(preset_to_dict(live)))) == live
    assert "voting.placards_visible must be one of live, after_close" in refusal(
        {"voting": {"placards_visible": "sometimes"}}
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["1/2", "live", "simple", "general_debate", "chair", "directive", "1e9"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "voting",
                    "speakers",
                    "motions",
                    "mediation",
                    "transitions",
                    "quorum",
                    "two_thirds",
                    "seats",
                    "phases",
                    "moderated_caucus",
                    "max_duration_s",
                    "placards_visible",
                    "powers",
                    "in_order_in",
                    "x",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(overrides=st.dictionaries(st.text(max_size=12), json_values, max_size=4))
def test_any_overrides_give_valid_rules_or_the_domains_error(overrides: dict[str, object]) -> None:
    try:
        updated = preset_with_overrides(UNA, overrides)
    except PresetError:
        return
    assert preset_from_dict(json.loads(json.dumps(preset_to_dict(updated)))) == updated


# --- placards and motions ------------------------------------------------------------------


def test_placards_are_shown_live_or_from_the_close_on() -> None:
    after = PlacardVisibility.AFTER_CLOSE
    assert not placards_shown(after, vote_open=True)
    assert placards_shown(after, vote_open=False)
    assert placards_shown(PlacardVisibility.LIVE, vote_open=True)
    assert VotingRules().placards_visible is after


def test_a_delegation_keeps_at_most_two_motions_on_the_floor() -> None:
    assert MAX_OPEN_MOTIONS_PER_DELEGATION == 2
    assert open_motions_error(0) is None
    assert open_motions_error(1) is None
    message = open_motions_error(2)
    assert message is not None and "at most 2 at a time" in str(message)
    assert open_motions_error(5) is not None
