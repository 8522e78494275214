"""Every page names its icon, and it is served (a browser asks /favicon.ico otherwise)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_pages_name_an_icon_that_is_served() -> None:
    client = Client()
    html = client.get("/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    response = client.get("/static/img/favicon.svg")
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content)  # type: ignore[attr-defined]
