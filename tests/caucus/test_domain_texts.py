"""The caucus rules speak in `Text`s: English templates that the edges translate, their
parameters (a channel kind's name) translated too; code reads codes, never the words."""

from __future__ import annotations

import pytest

from apps.caucus.domain import ChannelKind, Party, Setting, body_error, open_error, post_error
from apps.core import i18n
from apps.core.text import Text


def test_every_refusal_of_the_caucus_rules_is_a_text_with_its_english_sentence() -> None:
    alone = Party(1, "member_state", may_open_channels=True)
    refusals = [
        open_error(ChannelKind.SHUTTLE, alone, [Party(2, "ngo", True)], Setting()),
        post_error(ChannelKind.PLENARY, phase="open", muted=True, is_chair=False, is_speaker=False),
        body_error(ChannelKind.NOTE, ""),
    ]
    assert all(isinstance(refusal, Text) for refusal in refusals)
    assert [str(r) for r in refusals] == [
        "Only the mediator opens shuttle channels.",
        "The chair has muted the floor.",
        "Write something first: the message is empty.",
    ]


def test_a_texts_parameters_are_translated_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in catalogue that marks what went through gettext: «...».
    monkeypatch.setattr(i18n, "gettext", lambda message: f"«{message}»")
    too_long = body_error(ChannelKind.NOTE, "x" * 301)
    assert too_long is not None
    assert i18n.render(too_long) == (
        "««Notes» messages are limited to 300 characters (this one has 301).»"
    )
