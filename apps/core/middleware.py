from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.core.views import health_response


class HealthzMiddleware:
    """Answers /healthz before host validation and the HTTPS redirect.

    Compose and the proxy probe a container by its own address (127.0.0.1, web:8000),
    which is not one of the site's ALLOWED_HOSTS; the check reveals only "ok"/"error".
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz" and request.method in {"GET", "HEAD"}:
            return health_response()
        return self.get_response(request)
