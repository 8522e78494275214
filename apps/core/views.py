from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.forms import JoinForm
from apps.core.inputs import BadInput


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return health_response()


def health_response() -> JsonResponse:
    """Database and Redis reachability, for the compose health checks and the proxy."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure is "down", said plainly
        checks["database"] = f"error: {type(error).__name__}"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        client.ping()
        client.close()
        checks["redis"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["redis"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400 with the reason when it is ours to tell (`BadInput` says what was wrong with an id
    or number); Django's own SuspiciousOperation messages stay unsaid."""
    message = str(exception) if isinstance(exception, BadInput) else ""
    return render(request, "400.html", {"message": message}, status=400)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"join_form": JoinForm()})
