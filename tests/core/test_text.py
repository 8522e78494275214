"""The translation seam: the domain's sentences are templates translated at the edge."""

from __future__ import annotations

from apps.core.i18n import render
from apps.core.text import Text, _


def test_a_text_reads_as_its_english_sentence() -> None:
    text = _("Speaking time is at most {seconds} seconds.", seconds=90)
    assert str(text) == "Speaking time is at most 90 seconds."
    assert text.template == "Speaking time is at most {seconds} seconds."


def test_equal_sentences_compare_equal_whatever_the_order_of_parameters() -> None:
    assert _("{a} and {b}", a=1, b=2) == _("{a} and {b}", b=2, a=1)


def test_the_edge_translates_the_template_before_filling_it() -> None:
    from django.utils import translation

    with translation.override("fr"):
        # No French catalogue yet: the English template comes back, filled in.
        assert render(_("{n} delegations", n=3)) == "3 delegations"
    assert render(Text("plain")) == "plain"
    assert render("") == ""
