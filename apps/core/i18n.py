"""The edge of the translation seam: a domain `Text` (or a plain string) in the active language."""

from __future__ import annotations

from django.utils.translation import gettext

from apps.core.text import Text


def render(text: Text | str) -> str:
    """The sentence in the request's language: the template is translated first, then the
    parameters go in (a translation may move them)."""
    if isinstance(text, Text):
        # A parameter may itself be a Text ("{channel} messages are limited..."): in the
        # same language.
        # A label from a pure module ("motion for a moderated caucus") is a plain string
        # marked with `gettext_noop`: translated here too. Other strings (names, topics)
        # have no catalogue entry and come back as they are.
        params = {k: render(v) if isinstance(v, Text | str) else v for k, v in text.params}
        return gettext(text.template).format(**params)
    return gettext(text) if text else text
