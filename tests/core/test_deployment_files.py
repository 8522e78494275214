"""The production compose file and the Procfile only name things that exist in the project."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVICE_IMAGES = {"db", "redis", "proxy"}  # official images, not built from our Dockerfile


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def assert_command_exists(argv: list[str]) -> None:
    program = argv[0]
    assert (BIN / program).exists() or shutil.which(program), (
        f"{program} is not installed in the venv"
    )
    for i, arg in enumerate(argv):
        if arg == "-A":
            assert importlib.util.find_spec(f"{argv[i + 1]}.celery"), (
                f"no Celery app in {argv[i + 1]}"
            )
        if re.fullmatch(r"[a-z_.]+:[a-z_]+", arg):
            module, attribute = arg.split(":")
            assert (ROOT / (module.replace(".", "/") + ".py")).exists(), f"no module {module}"
            assert f"{attribute} =" in (ROOT / (module.replace(".", "/") + ".py")).read_text()
        if arg.endswith(".py"):
            assert (ROOT / arg).exists(), f"{arg} does not exist"
    if program == "python" and argv[1:2] == ["manage.py"]:
        from django.core.management import get_commands

        assert argv[2] in get_commands(), f"manage.py has no command {argv[2]}"


def test_every_compose_service_command_exists_in_the_project() -> None:
    services = compose()["services"]
    assert {"db", "redis", "web", "worker", "beat", "proxy"} <= set(services)
    for name, service in services.items():
        if name in SERVICE_IMAGES:
            continue
        assert service.get("build") == "." or service.get("image") == "plenary:latest"
        assert_command_exists(service["command"])


def test_the_web_service_scales_behind_the_proxy() -> None:
    services = compose()["services"]
    web = services["web"]
    assert "ports" not in web, "web must not bind a host port, or --scale web=3 would collide"
    assert "container_name" not in web
    assert "--ws-per-message-deflate" in web["command"]
    proxy_conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server web:8000" in proxy_conf and "Upgrade $http_upgrade" in proxy_conf
    mounted = services["proxy"]["volumes"][0].split(":")[0]
    assert (ROOT / mounted).resolve() == (ROOT / "deploy" / "nginx.conf").resolve()


def test_the_dockerfile_default_command_matches_the_web_service() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "config.asgi:application" in dockerfile and "--ws-per-message-deflate" in dockerfile


def test_every_procfile_command_exists_in_the_project() -> None:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.strip():
            continue
        command = line.split(":", 1)[1].split()
        argv = [part.strip('"') for part in command if part != "exec"]
        assert_command_exists(argv)


def test_the_proxy_replaces_x_forwarded_for_so_a_client_cannot_choose_its_address() -> None:
    """uvicorn trusting every proxy ("*") takes the first address listed: were nginx to append
    to a client's own header, the client would pick the address the rate limits count."""
    import asyncio

    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    proxy_conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"proxy_set_header X-Forwarded-For \$remote_addr;", proxy_conf)
    assert "$proxy_add_x_forwarded_for" not in proxy_conf
    assert '"--forwarded-allow-ips", "*"' in (ROOT / "docker-compose.yml").read_text()

    seen: list[object] = []

    async def app(scope: dict, receive: object, send: object) -> None:
        seen.append(scope["client"])

    appended = [(b"x-forwarded-for", b"198.51.100.1, 203.0.113.9")]
    scope = {"type": "http", "client": ("172.18.0.5", 5000), "headers": appended}
    asyncio.run(ProxyHeadersMiddleware(app, trusted_hosts="*")(scope, None, None))  # type: ignore[arg-type]
    assert seen == [("198.51.100.1", 0)]  # the client-written one, hence $remote_addr alone


def test_every_uvicorn_command_bounds_websocket_frames() -> None:
    """uvicorn accepts 16 MB frames by default; the app reads at most 4 KB from a client, so
    a large frame is refused by the server before it is buffered (tests/security/test_floods)."""
    from tests.live import UVICORN_WS_MAX_SIZE

    web = compose()["services"]["web"]["command"]
    places = {
        "Procfile": (ROOT / "Procfile").read_text(),
        "Dockerfile": (ROOT / "Dockerfile").read_text(),
        "docker-compose.yml": " ".join(web),
        "tests/live.py": (ROOT / "tests" / "live.py").read_text(),
    }
    for name, text in places.items():
        assert "--ws-max-size" in text, f"{name} starts uvicorn without --ws-max-size"
        assert str(UVICORN_WS_MAX_SIZE) in text, name
