from channels.generic.websocket import WebsocketConsumer
from django.urls import path, re_path

from apps.core.consumers import LiveConsumer


class UnknownPath(WebsocketConsumer):
    """Any other websocket path is refused cleanly (Channels' router raises for an unknown
    path: a 500 and a traceback in the log for every probe)."""

    def connect(self) -> None:
        self.close(code=4404)


websocket_urlpatterns = [
    path("ws/sim/<int:simulation_id>/", LiveConsumer.as_asgi()),
    re_path(r"", UnknownPath.as_asgi()),
]
