from django.urls import path

from apps.core.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/sim/<int:simulation_id>/", LiveConsumer.as_asgi()),
]
