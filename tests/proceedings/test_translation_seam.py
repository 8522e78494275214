"""Every message a session service returns goes through the translation machinery: the
rules (`domain/`) return `Text`s that the services render in the user's language, and the
services' own sentences go through `gettext`. A stand-in catalogue with a French sentence
shows it arriving in French, without any .po file."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.core import i18n
from apps.core.text import Text
from apps.delegations.models import Simulation
from apps.proceedings import services
from apps.proceedings.domain.motions import MotionKind, open_motions_error, validate_motion
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.presets import load_preset
from apps.proceedings.domain.speakers import (
    Entry,
    SpeakersListRules,
    can_add,
    speaking_time_error,
)
from apps.proceedings.services import speakers as speaker_services
from tests.proceedings.helpers import Floor, build_floor, in_general_debate

pytestmark = pytest.mark.django_db

ALREADY = "Your delegation is already on the speakers list."
EMPTY = "The speakers list is empty."


@pytest.fixture
def floor(simulation: Simulation, instructor: User) -> Floor:
    return build_floor(simulation, instructor)


def test_the_rules_return_texts_for_the_edge_to_translate() -> None:
    una = load_preset("una_usa")
    refusals = [
        can_add(SpeakersListRules(), (Entry(1),), 1),
        speaking_time_error(SpeakersListRules(), 1),
        open_motions_error(2),
        *validate_motion(una, Phase.ADJOURNED, MotionKind.POINT_OF_ORDER),
    ]
    assert refusals and all(isinstance(refusal, Text) for refusal in refusals)
    assert str(refusals[0]) == ALREADY


def test_a_refusal_by_the_rules_reaches_the_user_in_their_language(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = in_general_debate(floor)
    services.speaker_add(session=session, by=floor.delegate("Veridia"))
    french = {ALREADY: "Votre délégation est déjà sur la liste des orateurs."}
    monkeypatch.setattr(i18n, "gettext", lambda message: french.get(message, message))

    with pytest.raises(ValidationError) as refused:
        services.speaker_add(session=session, by=floor.delegate("Veridia"))

    assert refused.value.messages == [french[ALREADY]]


def test_a_services_own_refusal_goes_through_gettext(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = in_general_debate(floor)
    french = {EMPTY: "La liste des orateurs est vide."}
    monkeypatch.setattr(speaker_services, "gettext", lambda message: french.get(message, message))

    with pytest.raises(ValidationError) as refused:
        services.speaker_next(session=session, by=floor.chair)

    assert refused.value.messages == [french[EMPTY]]


def test_labels_of_the_rules_are_marked_and_translated_where_they_are_shown(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Phase and motion labels are plain strings marked with `gettext_noop` in the pure
    rules: a sentence's parameters and the floor's headings translate them."""
    from django.test import Client

    from apps.core.templatetags import plenary

    french = {
        "General debate": "Débat général",
        "motion for a moderated caucus": "motion de caucus modéré",
        "This committee does not use the {motion}.": "Ce comité n'utilise pas la {motion}.",
    }
    monkeypatch.setattr(i18n, "gettext", lambda message: french.get(message, message))
    monkeypatch.setattr(plenary, "gettext", lambda message: french.get(message, message))
    refusal = i18n.render(
        Text(
            "This committee does not use the {motion}.",
            (("motion", MotionKind.MODERATED_CAUCUS.label),),
        )
    )
    assert refusal == "Ce comité n'utilise pas la motion de caucus modéré."
    session = in_general_debate(floor)
    client = Client()
    client.force_login(floor.delegate("Veridia"))
    html = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "Débat général" in html  # the phase heading
    assert "Motion de caucus modéré" in html  # the delegate's motion menu
