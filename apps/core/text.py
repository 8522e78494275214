"""Sentences for people: written where the rule is, translated where they are shown.

The pure rules packages (`domain/`) import no Django, so they cannot call `gettext`. They
return a `Text` instead: the English sentence as a template, marked for extraction with `_`
(xgettext's default keyword, which `makemessages` collects), and its parameters. The edges
(services, views, templates) turn it into the user's language with `apps.core.i18n.render`.
`str(text)` is the English sentence, so logs and tests read naturally.

    from apps.core.text import Text, _
    def speaking_time_error(...) -> Text | None:
        return _("Speaking time is at most {seconds} seconds.", seconds=limit)

Code never decides anything by reading a message: it compares `Text.template`, or better an
error code, never the rendered sentence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    template: str
    params: tuple[tuple[str, object], ...] = ()

    def __str__(self) -> str:
        return self.template.format(**dict(self.params))


def _(template: str, /, **params: object) -> Text:
    """Mark `template` for translation and bind its `{named}` parameters."""
    return Text(template, tuple(sorted(params.items())))


def gettext_noop(message: str) -> str:
    """Mark a label for extraction (`makemessages` collects `gettext_noop`) and return it
    unchanged: a pure module's labels are translated where they are shown (the `tr` template
    filter, `apps.core.i18n.render` for a Text's parameters)."""
    return message
