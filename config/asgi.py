"""One ASGI application: Django views over HTTP and Channels websockets over one server."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Django must be set up before consumers (and the models they import) are loaded.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.body_limit import BodySizeLimit  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from config.websocket_origin import SameOriginWebsocket  # noqa: E402

# Garbage collection tuned for fan-out (benchmarks/README.md, "Fan-out"): objects made per
# broadcast live long enough to reach the oldest generation, and the full collections they
# trigger paused the server 156-188 ms every ~3 s at 1,000 sockets (p99 189 ms). Freezing
# what exists once Django is loaded keeps it out of every collection, and a higher young
# threshold makes collections rarer: p99 70 ms at a fifth less CPU in the same runs.
# PLENARY_GC_TUNE=0 turns it off.
if os.environ.get("PLENARY_GC_TUNE", "1") != "0":
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)

application = ProtocolTypeRouter(
    {
        # Bodies are capped while they arrive, before Django spools them (see its docstring).
        "http": BodySizeLimit(django_asgi_app),
        # The Origin must be this site (not merely an allowed host name): see its docstring.
        "websocket": SameOriginWebsocket(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
